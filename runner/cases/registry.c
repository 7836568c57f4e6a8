/* The case kinds a suite file may hold.  A kind is its file in
 * runner/cases/ and its line here; the order is the one messages name
 * them in. */
#include <stdio.h>
#include <string.h>

#include "runner/cases/case.h"

extern const struct hilt_case_ops hilt_case_milestone, hilt_case_interrupt, hilt_case_step,
	hilt_case_python, hilt_case_probe, hilt_case_results;

static const struct hilt_case_ops *const kinds[] = {
	&hilt_case_milestone,
	&hilt_case_interrupt,
	&hilt_case_step,
	&hilt_case_python,
	&hilt_case_probe,
	&hilt_case_results,
};

#define NKINDS (sizeof(kinds) / sizeof(*kinds))

const struct hilt_case_ops *hilt_case_kind_find(const char *element)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (strcmp(kinds[i]->element, element) == 0)
			return kinds[i];
	return NULL;
}

void hilt_case_kind_list(char *buf, size_t len)
{
	size_t used = 0;

	if (len)
		*buf = '\0';
	for (size_t i = 0; i < NKINDS && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s<%s>",
				 i == 0 ? "" : i + 1 == NKINDS ? " or " : ", ", kinds[i]->element);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

const char *hilt_case_label(const struct hilt_case *c, const xmlNode *node)
{
	return c->name ? c->name : (const char *)node->name;
}
