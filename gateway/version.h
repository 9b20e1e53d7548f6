/* version.h -- the one version string of every lofte program.
 *
 * `--version` is answered the same way by every program (GNU coding
 * standards' form: "<program> (lofte) <version>"), before any other option
 * is parsed, so it works whatever else is on the command line and never
 * touches a file, a port or a key.
 */
#ifndef LOFTE_VERSION_H
#define LOFTE_VERSION_H

const char *version_string(void);

/* If argv holds "--version" (before a "--"), print the version line on
 * stdout and return 1; the caller then exits 0. Otherwise return 0. */
int version_requested(int argc, char **argv, const char *program);

#endif
