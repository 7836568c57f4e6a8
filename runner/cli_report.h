/* hilt report: commands on JUnit reports (merge). */
#ifndef HILT_CLI_REPORT_H
#define HILT_CLI_REPORT_H

/* argv[0] is "report", argv[1] the subcommand; returns the exit status. */
int hilt_cmd_report(int argc, char **argv);

extern const char hilt_report_usage[];

#endif
