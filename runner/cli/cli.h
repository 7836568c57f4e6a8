/* The commands of the hilt command line: each takes argv from its own
 * name on and returns the exit status. */
#ifndef HILT_CLI_H
#define HILT_CLI_H

int hilt_cmd_run(int argc, char **argv);
int hilt_cmd_list(int argc, char **argv);
int hilt_cmd_ci(int argc, char **argv);
int hilt_cmd_image(int argc, char **argv);

extern const char hilt_run_usage[];
extern const char hilt_list_usage[];
extern const char hilt_ci_usage[];
extern const char hilt_image_usage[];

#endif
