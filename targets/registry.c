#include <string.h>

#include "target.h"

static const struct hilt_target_ops *const kinds[] = {
	&hilt_qemu_ops,
	&hilt_replay_ops,
	&hilt_board_ops,
};

const struct hilt_target_ops *hilt_target_ops_find(const char *kind)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++)
		if (strcmp(kinds[i]->kind, kind) == 0)
			return kinds[i];
	return NULL;
}
