/* version.c -- see version.h. LOFTE_VERSION comes from project(VERSION) in
 * the top-level CMakeLists.txt, the one place a release changes it (and
 * debian/changelog, which dpkg-buildpackage checks against it). */
#include <stdio.h>
#include <string.h>

#include "version.h"

#ifndef LOFTE_VERSION
#error "LOFTE_VERSION must be defined by the build"
#endif

const char *version_string(void)
{
    return LOFTE_VERSION;
}

int version_requested(int argc, char **argv, const char *program)
{
    int i;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return 0;
        if (strcmp(argv[i], "--version") == 0) {
            printf("%s (lofte) %s\n", program, LOFTE_VERSION);
            return 1;
        }
    }
    return 0;
}
