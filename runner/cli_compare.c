/* hilt report compare (not yet). */
#include "cli_report.h"

#include <stdio.h>

int hilt_cmd_report_compare(int argc, char **argv)
{
	(void)argc, (void)argv;
	fprintf(stderr, "hilt report compare: not built yet\n");
	return 2;
}
