/* hilt report html (not yet). */
#include "cli_report.h"

#include <stdio.h>

int hilt_cmd_report_html(int argc, char **argv)
{
	(void)argc, (void)argv;
	fprintf(stderr, "hilt report html: not built yet\n");
	return 2;
}
