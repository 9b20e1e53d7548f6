/* statefile.c -- see statefile.h. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "statefile.h"

FILE *statefile_open_tmp(const char *dir, const char *name, char *tmp, size_t cap)
{
    const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    int fd;
    FILE *f;
    snprintf(tmp, cap, "%s/.%s.tmp", dir, name);
    fd = open(tmp, flags, 0640);
    if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
        fd = open(tmp, flags, 0640);
    if (fd < 0)
        return NULL;
    f = fdopen(fd, "w");
    if (!f)
        close(fd);
    return f;
}

int statefile_publish(FILE *f, const char *tmp, const char *dir, const char *name)
{
    char path[4096];
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        unlink(tmp);
        return -1;
    }
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
        unlink(tmp);
        errno = ENAMETOOLONG;
        return -1;
    }
    return rename(tmp, path);
}
