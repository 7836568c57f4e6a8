/* hilt validate: checks suite and farm files as a run would load them, and
 * what a farm's targets need of this host. */
#ifndef HILT_VALIDATE_H
#define HILT_VALIDATE_H

/* The command's usage ("hilt help validate"). */
extern const char hilt_validate_usage[];

/* hilt validate [--strict] FILE... (argv[0] is "validate").  Prints every
 * message of each file on stderr, FILE:LINE: message in line order, and a
 * line for each good file on stdout.  Returns the exit status: 0, or 2
 * when a file has an error, or a warning under --strict. */
int hilt_cmd_validate(int argc, char **argv);

#endif
