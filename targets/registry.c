#include <stdio.h>
#include <string.h>

#include "targets/target.h"

/* A kind is its file in targets/ and its line here. */
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

void hilt_target_kind_names(char *buf, size_t len)
{
	size_t used = 0;

	if (len)
		*buf = '\0';
	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds) && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", kinds[i]->kind);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}
