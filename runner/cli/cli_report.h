/* hilt report: commands on JUnit reports (merge, compare, html). */
#ifndef HILT_CLI_REPORT_H
#define HILT_CLI_REPORT_H

/* argv[0] is "report", argv[1] the subcommand; returns the exit status. */
int hilt_cmd_report(int argc, char **argv);

extern const char hilt_report_usage[];

/* The subcommands, each in a file of its own (cli_compare.c,
 * cli_html.c); argv[0] is the subcommand's name. */
int hilt_cmd_report_compare(int argc, char **argv);
int hilt_cmd_report_html(int argc, char **argv);

/* Thresholds of boot times as the report commands take them: "10%",
 * "10 %" or "0.1" a fraction; "0.2", "0.2s" or "200ms" seconds.  -1 when
 * not one. */
double hilt_report_fraction(const char *s);
double hilt_report_seconds(const char *s);

/* The --time-threshold ('t') and --time-floor ('f') options of "hilt
 * cmd" ("report compare", "bisect"): sets *rel or *floor_s.  0, or -1 with the mistake printed. */
int hilt_report_time_option(const char *cmd, int opt, const char *arg, double *rel,
			    double *floor_s);
/* Their --mad-k K: a non-negative number (no '%').  0, or -1 with the
 * mistake printed. */
int hilt_report_mad_k(const char *cmd, const char *arg, double *k);

#endif
