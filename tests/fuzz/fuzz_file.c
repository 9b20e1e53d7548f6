/* fuzz_file.c -- see fuzz_file.h. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_file.h"

static char path[256];
static int fd = -1;

static void fuzz_file_remove(void)
{
    if (path[0])
        unlink(path);
}

const char *fuzz_file_write(const char *target, const uint8_t *data, size_t size)
{
    size_t off = 0;
    if (fd < 0) {
        struct stat st;
        const char *dir = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
        snprintf(path, sizeof path, "%s/lofte-%s-%ld", dir, target, (long)getpid());
        unlink(path);
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            perror(path);
            abort();
        }
        atexit(fuzz_file_remove);
    }
    if (ftruncate(fd, 0) != 0)
        abort();
    while (off < size) {
        ssize_t w = pwrite(fd, data + off, size - off, (off_t)off);
        if (w <= 0)
            abort();
        off += (size_t)w;
    }
    return path;
}
