/* keystore.c -- read, check and append the per-device key file (see
 * keystore.h for the format and the rules).
 *
 * Reading works from an open fd, so that the mode is checked on the file
 * actually read (fstat, not stat-then-open) and so that writers can read
 * the file they hold locked.
 */
#define _DEFAULT_SOURCE /* explicit_bzero, flock, getrandom's header */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keystore.h"
#include "log.h"

#define KEYSTORE_DEVICE_HEX 8
#define KEYSTORE_KEY_HEX (2 * KEYSTORE_KEY_LEN)
/* Drawing a used pseudonym from 2^32 is rare; this many in a row is a
 * broken random source, not bad luck. */
#define KEYSTORE_DRAW_TRIES 64

const char *keystore_strerror(int err)
{
    static const char *const text[KEYSTORE_ERR_COUNT_] = {
        "no error",
        "key file could not be opened, read or created",
        "key file is readable or writable by group or others",
        "key file is not a regular file",
        "key file has a malformed line",
        "key file names a device twice",
        "key file has more devices than the station table holds",
        "key file could not be written, synced or locked",
        "invalid device or argument",
        "no random numbers (getrandom failed)",
        "file already exists",
    };
    if (err > 0 || err <= -KEYSTORE_ERR_COUNT_)
        return "unknown keystore error";
    return text[-err];
}

/* --- one line ---------------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A token runs to whitespace, '#' or the end. */
static size_t token_len(const char *s)
{
    size_t n = 0;
    while (s[n] && !is_blank(s[n]) && s[n] != '#')
        n++;
    return n;
}

static int hex_ok(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (hexval(s[i]) < 0)
            return 0;
    return 1;
}

static const char *skip_blank(const char *s)
{
    while (is_blank(*s))
        s++;
    return s;
}

/* Parse one line. 1: an entry; 0: blank or comment; -1: malformed, *why
 * says what (a fixed sentence or why_buf; never the line's text, which
 * may hold a key). */
static int parse_line(const char *s, uint32_t *device, uint8_t key[KEYSTORE_KEY_LEN],
                      const char **why, char *why_buf, size_t why_len)
{
    size_t n, i;
    uint32_t d = 0;

    s = skip_blank(s);
    if (*s == 0 || *s == '#')
        return 0;
    n = token_len(s);
    if (n != KEYSTORE_DEVICE_HEX) {
        snprintf(why_buf, why_len, "the device must be %d hex digits, found %zu characters",
                 KEYSTORE_DEVICE_HEX, n);
        *why = why_buf;
        return -1;
    }
    if (!hex_ok(s, n)) {
        *why = "the device has a character that is not a hex digit";
        return -1;
    }
    for (i = 0; i < n; i++)
        d = d << 4 | (uint32_t)hexval(s[i]);
    if (d == 0 || d == 0xffffffffu) {
        snprintf(why_buf, why_len, "device %08x is reserved (0 and ffffffff are not pseudonyms)",
                 (unsigned)d);
        *why = why_buf;
        return -1;
    }
    s += n;
    if (!is_blank(*s)) {
        *why = "no key after the device (expected: <device> <key>)";
        return -1;
    }
    s = skip_blank(s);
    n = token_len(s);
    if (n == 0) {
        *why = "no key after the device (expected: <device> <key>)";
        return -1;
    }
    if (n != KEYSTORE_KEY_HEX) {
        snprintf(why_buf, why_len, "the key must be %d hex digits, found %zu characters",
                 KEYSTORE_KEY_HEX, n);
        *why = why_buf;
        return -1;
    }
    if (!hex_ok(s, n)) {
        *why = "the key has a character that is not a hex digit";
        return -1;
    }
    for (i = 0; i < KEYSTORE_KEY_LEN; i++)
        key[i] = (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
    s = skip_blank(s + n);
    if (*s != 0 && *s != '#') {
        explicit_bzero(key, KEYSTORE_KEY_LEN);
        *why = "unexpected text after the key (comments start with #)";
        return -1;
    }
    *device = d;
    return 1;
}

int keystore_format_line(uint32_t device, const uint8_t key[KEYSTORE_KEY_LEN], char *out,
                         size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t i, p;
    if (cap < KEYSTORE_LINE_MAX)
        return KEYSTORE_ERR_ARG;
    snprintf(out, cap, "%08x ", (unsigned)device);
    p = KEYSTORE_DEVICE_HEX + 1;
    for (i = 0; i < KEYSTORE_KEY_LEN; i++) {
        out[p++] = hex[key[i] >> 4];
        out[p++] = hex[key[i] & 15];
    }
    out[p++] = '\n';
    out[p] = 0;
    return (int)p;
}

/* --- reading ----------------------------------------------------------------- */

void keystore_free(struct keystore *ks)
{
    if (ks->entries) {
        explicit_bzero(ks->entries, ks->cap * sizeof ks->entries[0]);
        free(ks->entries);
    }
    memset(ks, 0, sizeof *ks);
}

static int push(struct keystore *ks, const struct keystore_entry *e)
{
    if (ks->count == ks->cap) {
        size_t cap = ks->cap ? 2 * ks->cap : 64;
        /* not realloc: the old block would be freed holding keys */
        struct keystore_entry *n = calloc(cap, sizeof *n);
        if (!n)
            return -1;
        if (ks->entries) {
            memcpy(n, ks->entries, ks->count * sizeof *n);
            explicit_bzero(ks->entries, ks->cap * sizeof *n);
            free(ks->entries);
        }
        ks->entries = n;
        ks->cap = cap;
    }
    ks->entries[ks->count++] = *e;
    return 0;
}

const struct keystore_entry *keystore_find(const struct keystore *ks, uint32_t device)
{
    size_t i;
    for (i = 0; i < ks->count; i++)
        if (ks->entries[i].device == device)
            return &ks->entries[i];
    return NULL;
}

/* The file must be a regular file only its owner can read or write. */
static int check_mode(int fd, const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        log_fill(err, errlen, "cannot stat key file %s: %s", path, strerror(errno));
        return KEYSTORE_ERR_OPEN;
    }
    if (!S_ISREG(st.st_mode)) {
        log_fill(err, errlen, "key file %s is not a regular file; refusing it", path);
        return KEYSTORE_ERR_NOT_FILE;
    }
    if (st.st_mode & 077) {
        log_fill(err, errlen,
                 "key file %s has mode %04o: group or others may read or write it, and it "
                 "holds the devices' keys; refusing it (fix: chmod 600 %s)",
                 path, (unsigned)(st.st_mode & 07777), path);
        return KEYSTORE_ERR_MODE;
    }
    return KEYSTORE_OK;
}

static int cmp_entry(const void *a, const void *b)
{
    const struct keystore_entry *x = *(const struct keystore_entry *const *)a;
    const struct keystore_entry *y = *(const struct keystore_entry *const *)b;
    if (x->device != y->device)
        return x->device < y->device ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* The duplicate that comes first in the file, named by both its lines. */
static int check_duplicates(const struct keystore *ks, const char *path, char *err,
                            size_t errlen)
{
    const struct keystore_entry **v, *later = NULL;
    size_t i;
    if (ks->count < 2)
        return KEYSTORE_OK;
    v = malloc(ks->count * sizeof *v);
    if (!v) {
        log_fill(err, errlen, "key file %s: out of memory", path);
        return KEYSTORE_ERR_OPEN;
    }
    for (i = 0; i < ks->count; i++)
        v[i] = &ks->entries[i];
    /* sorted by (device, line): a repeat sits right after its device's
     * earlier line */
    qsort(v, ks->count, sizeof *v, cmp_entry);
    for (i = 1; i < ks->count; i++)
        if (v[i]->device == v[i - 1]->device && (!later || v[i]->line < later->line))
            later = v[i];
    free(v);
    if (!later)
        return KEYSTORE_OK;
    log_fill(err, errlen, "%s:%u: device %08x is already on line %u", path, later->line,
             (unsigned)later->device, keystore_find(ks, later->device)->line);
    return KEYSTORE_ERR_DUPLICATE;
}

/* Parse every line of an open file (offset at 0). */
static int read_fd(struct keystore *ks, int fd, const char *path, char *err, size_t errlen)
{
    FILE *f;
    char *line = NULL, why_buf[128];
    size_t cap = 0;
    ssize_t n;
    unsigned lineno = 0;
    int code = KEYSTORE_OK, dupfd;

    memset(ks, 0, sizeof *ks);
    /* fclose closes the FILE's fd: give it a copy, the caller keeps fd */
    dupfd = dup(fd);
    if (dupfd < 0 || !(f = fdopen(dupfd, "r"))) {
        log_fill(err, errlen, "cannot read key file %s: %s", path, strerror(errno));
        if (dupfd >= 0)
            close(dupfd);
        return KEYSTORE_ERR_OPEN;
    }
    while ((n = getline(&line, &cap, f)) >= 0) {
        struct keystore_entry e;
        const char *why = NULL;
        int r;
        lineno++;
        if (memchr(line, 0, (size_t)n)) {
            log_fill(err, errlen, "%s:%u: the line holds a NUL byte (not a text file?)", path,
                     lineno);
            code = KEYSTORE_ERR_SYNTAX;
            break;
        }
        memset(&e, 0, sizeof e);
        r = parse_line(line, &e.device, e.key, &why, why_buf, sizeof why_buf);
        if (r < 0) {
            log_fill(err, errlen, "%s:%u: %s", path, lineno, why);
            code = KEYSTORE_ERR_SYNTAX;
            break;
        }
        if (r == 0)
            continue;
        e.line = lineno;
        r = push(ks, &e);
        explicit_bzero(&e, sizeof e);
        if (r != 0) {
            log_fill(err, errlen, "key file %s: out of memory at line %u", path, lineno);
            code = KEYSTORE_ERR_OPEN;
            break;
        }
    }
    if (code == KEYSTORE_OK && ferror(f)) {
        log_fill(err, errlen, "cannot read key file %s: %s", path, strerror(errno));
        code = KEYSTORE_ERR_OPEN;
    }
    if (line) {
        explicit_bzero(line, cap);
        free(line);
    }
    fclose(f);
    if (code == KEYSTORE_OK)
        code = check_duplicates(ks, path, err, errlen);
    if (code != KEYSTORE_OK)
        keystore_free(ks);
    return code;
}

int keystore_read(struct keystore *ks, const char *path, char *err, size_t errlen)
{
    int fd, code;
    memset(ks, 0, sizeof *ks);
    /* O_NONBLOCK: a FIFO in the key file's place must not hang the open;
     * check_mode then refuses it */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        log_fill(err, errlen, "cannot open key file %s: %s", path, strerror(errno));
        return KEYSTORE_ERR_OPEN;
    }
    code = check_mode(fd, path, err, errlen);
    if (code == KEYSTORE_OK)
        code = read_fd(ks, fd, path, err, errlen);
    close(fd);
    return code;
}

int keystore_load(const char *path, struct station *st, size_t *loaded, char *err,
                  size_t errlen)
{
    struct keystore ks;
    size_t i, fresh = 0;
    int code = keystore_read(&ks, path, err, errlen);

    if (loaded)
        *loaded = 0;
    if (code != KEYSTORE_OK)
        return code;
    for (i = 0; i < ks.count; i++)
        fresh += station_find(st, ks.entries[i].device) == NULL;
    if (fresh > st->cap - st->count) {
        log_fill(err, errlen, "key file %s has %zu new devices; the station table has room "
                 "for %zu", path, fresh, st->cap - st->count);
        keystore_free(&ks);
        return KEYSTORE_ERR_FULL;
    }
    for (i = 0; i < ks.count; i++) {
        if (station_add_device(st, ks.entries[i].device, ks.entries[i].key) != 0) {
            /* cannot happen after the room check; say so rather than hide it */
            log_fill(err, errlen, "%s:%u: the station refused device %08x", path,
                     ks.entries[i].line, (unsigned)ks.entries[i].device);
            keystore_free(&ks);
            return KEYSTORE_ERR_FULL;
        }
    }
    if (loaded)
        *loaded = ks.count;
    keystore_free(&ks);
    return KEYSTORE_OK;
}

/* --- writing ----------------------------------------------------------------- */

static int write_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* A new directory entry is durable only once its directory is synced. */
static int sync_parent(const char *path)
{
    char copy[PATH_MAX];
    int fd, r;
    if (strlen(path) >= sizeof copy)
        return -1;
    strcpy(copy, path);
    fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    r = fsync(fd);
    close(fd);
    return r;
}

/* Open for appending, creating 0600 if missing; *created says which. */
static int open_for_append(const char *path, int *created, char *err, size_t errlen)
{
    int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
    *created = fd >= 0;
    if (fd >= 0) {
        /* the umask may only take bits away; make it exactly 0600 */
        if (fchmod(fd, 0600) != 0) {
            log_fill(err, errlen, "cannot set mode 0600 on %s: %s", path, strerror(errno));
            close(fd);
            unlink(path);
            return -1;
        }
        return fd;
    }
    if (errno == EEXIST)
        fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        log_fill(err, errlen, "cannot open key file %s for appending: %s", path,
                 strerror(errno));
    return fd;
}

static int draw(void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Pick a pseudonym the store does not hold, and a key. */
static int draw_device(const struct keystore *ks, uint32_t *device,
                       uint8_t key[KEYSTORE_KEY_LEN], const char *path, char *err,
                       size_t errlen)
{
    int tries;
    for (tries = 0; tries < KEYSTORE_DRAW_TRIES; tries++) {
        uint8_t b[4];
        uint32_t d;
        if (draw(b, sizeof b) != 0)
            break;
        d = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        if (d == 0 || d == 0xffffffffu || keystore_find(ks, d))
            continue;
        if (draw(key, KEYSTORE_KEY_LEN) != 0)
            break;
        *device = d;
        return KEYSTORE_OK;
    }
    log_fill(err, errlen, "no random pseudonym for %s: getrandom: %s", path,
             tries == KEYSTORE_DRAW_TRIES ? "every draw was taken" : strerror(errno));
    return KEYSTORE_ERR_RANDOM;
}

/* Append (device, key) to path under an exclusive lock; with generate,
 * draw both first, checked against the locked file's contents. */
static int store_add(const char *path, uint32_t *device, uint8_t key[KEYSTORE_KEY_LEN],
                     int generate, char *err, size_t errlen)
{
    struct keystore ks;
    struct stat st;
    char line[KEYSTORE_LINE_MAX];
    const struct keystore_entry *old;
    int fd, created, code, len;

    if (!generate && (*device == 0 || *device == 0xffffffffu)) {
        log_fill(err, errlen, "device %08x is reserved (0 and ffffffff are not pseudonyms)",
                 (unsigned)*device);
        return KEYSTORE_ERR_ARG;
    }
    fd = open_for_append(path, &created, err, errlen);
    if (fd < 0)
        return KEYSTORE_ERR_OPEN;
    /* read, check and write under one lock: a second writer waits */
    if (flock(fd, LOCK_EX) != 0) {
        log_fill(err, errlen, "cannot lock key file %s: %s", path, strerror(errno));
        code = KEYSTORE_ERR_IO;
        goto out_close;
    }
    if ((code = check_mode(fd, path, err, errlen)) != KEYSTORE_OK)
        goto out_close;
    if ((code = read_fd(&ks, fd, path, err, errlen)) != KEYSTORE_OK)
        goto out_close;
    if (generate) {
        code = draw_device(&ks, device, key, path, err, errlen);
    } else if ((old = keystore_find(&ks, *device)) != NULL) {
        log_fill(err, errlen, "device %08x is already in key file %s (line %u)",
                 (unsigned)*device, path, old->line);
        code = KEYSTORE_ERR_DUPLICATE;
    }
    keystore_free(&ks);
    if (code != KEYSTORE_OK)
        goto out_close;
    if (fstat(fd, &st) != 0) {
        log_fill(err, errlen, "cannot stat key file %s: %s", path, strerror(errno));
        code = KEYSTORE_ERR_IO;
        goto out_close;
    }
    len = keystore_format_line(*device, key, line, sizeof line);
    code = KEYSTORE_OK;
    {
        /* a last line without its newline would swallow ours */
        char last = '\n';
        if (st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1)
            last = '\n';
        if ((last != '\n' && write_all(fd, "\n", 1) != 0) ||
            write_all(fd, line, (size_t)len) != 0 || fsync(fd) != 0 ||
            (created && sync_parent(path) != 0)) {
            log_fill(err, errlen, "cannot append to key file %s: %s", path, strerror(errno));
            /* leave the file as it was, not with half a line */
            if (ftruncate(fd, st.st_size) != 0 || fsync(fd) != 0)
                log_fill(err, errlen, "cannot append to key file %s, and cannot cut off the "
                         "partial line: %s; check its end by hand", path, strerror(errno));
            code = KEYSTORE_ERR_IO;
        }
    }
    explicit_bzero(line, sizeof line);
out_close:
    close(fd); /* releases the lock */
    if (code != KEYSTORE_OK && created)
        unlink(path);
    return code;
}

int keystore_append(const char *path, uint32_t device, const uint8_t key[KEYSTORE_KEY_LEN],
                    char *err, size_t errlen)
{
    uint8_t k[KEYSTORE_KEY_LEN];
    int code;
    memcpy(k, key, sizeof k);
    code = store_add(path, &device, k, 0, err, errlen);
    explicit_bzero(k, sizeof k);
    return code;
}

int keystore_provision(const char *path, uint32_t *device, uint8_t key[KEYSTORE_KEY_LEN],
                       char *err, size_t errlen)
{
    int code = store_add(path, device, key, 1, err, errlen);
    if (code != KEYSTORE_OK)
        explicit_bzero(key, KEYSTORE_KEY_LEN);
    return code;
}

int keystore_create(const char *path, const char *comment, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
    int ok;
    if (fd < 0) {
        int e = errno;
        log_fill(err, errlen, "cannot create %s: %s", path, strerror(e));
        return e == EEXIST ? KEYSTORE_ERR_EXISTS : KEYSTORE_ERR_OPEN;
    }
    ok = fchmod(fd, 0600) == 0;
    if (ok && comment) {
        char buf[512];
        int n = snprintf(buf, sizeof buf, "# %s\n", comment);
        ok = n > 0 && (size_t)n < sizeof buf && write_all(fd, buf, (size_t)n) == 0;
    }
    ok = ok && fsync(fd) == 0 && sync_parent(path) == 0;
    if (!ok) {
        log_fill(err, errlen, "cannot write %s: %s", path, strerror(errno));
        close(fd);
        unlink(path);
        return KEYSTORE_ERR_IO;
    }
    close(fd);
    return KEYSTORE_OK;
}
