/* test_keygen.c -- lofte-keygen run as a process, as an operator runs it.
 *
 * LOFTE_KEYGEN is the path of the built binary (tests/gateway_serial/
 * CMakeLists.txt). Every test works in its own temporary directory.
 */
#define _DEFAULT_SOURCE /* mkdtemp */

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "keystore.h"
#include "testutil.h"

static char dir[64], keys[128], outp[128], err[1024];
static char so[4096], se[4096]; /* the child's stdout and stderr */

static void setup(void)
{
    strcpy(dir, "/tmp/lofte-gwserial-kg-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(keys, sizeof keys, "%s/keys", dir);
    snprintf(outp, sizeof outp, "%s/handheld.txt", dir);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(keygen, .init = setup, .fini = teardown);

static void slurp(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    ssize_t r;
    while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = 0;
    close(fd);
}

/* Run lofte-keygen with args (NULL-terminated); its exit status. The
 * outputs are small, so reading one pipe after the other cannot block. */
static int run(const char *const *args)
{
    char *argv[16];
    int po[2], pe[2], status, i = 0;
    pid_t pid;
    argv[i++] = LOFTE_KEYGEN;
    while (*args && i < 15)
        argv[i++] = (char *)*args++;
    argv[i] = NULL;
    cr_assert_eq(pipe(po), 0);
    cr_assert_eq(pipe(pe), 0);
    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    slurp(po[0], so, sizeof so);
    slurp(pe[0], se, sizeof se);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status), "lofte-keygen crashed: %s", se);
    return WEXITSTATUS(status);
}

static mode_t mode_of(const char *p)
{
    struct stat s;
    cr_assert_eq(stat(p, &s), 0, "%s exists", p);
    return s.st_mode;
}

static int exists(const char *p)
{
    return access(p, F_OK) == 0;
}

/* The printed pseudonym: 8 hex digits and a newline, nothing else. */
static uint32_t printed_device(void)
{
    unsigned v;
    char tail;
    cr_assert_eq(strlen(so), 9, "stdout: '%s'", so);
    cr_assert_eq(sscanf(so, "%8x%c", &v, &tail), 2);
    cr_assert_eq(tail, '\n');
    return v;
}

/* Nothing printed holds a key of the store. */
static void assert_no_key_printed(const struct keystore *ks)
{
    size_t i;
    for (i = 0; i < ks->count; i++) {
        char line[KEYSTORE_LINE_MAX];
        keystore_format_line(ks->entries[i].device, ks->entries[i].key, line, sizeof line);
        line[strlen(line) - 1] = 0;
        cr_assert_null(strstr(so, line + 9), "a key on stdout");
        cr_assert_null(strstr(se, line + 9), "a key on stderr");
    }
}

Test(keygen, creates_the_store_and_the_handheld_file_both_0600_with_the_same_key)
{
    const char *args[] = {"--keys", keys, "--out", outp, NULL};
    struct keystore store, hh;
    uint32_t dev;
    umask(022);
    cr_assert_eq(run(args), 0, "stderr: %s", se);
    dev = printed_device();
    cr_assert(dev != 0 && dev != 0xffffffffu);
    cr_assert_eq(mode_of(keys), S_IFREG | 0600);
    cr_assert_eq(mode_of(outp), S_IFREG | 0600);
    cr_assert_eq(keystore_read(&store, keys, err, sizeof err), KEYSTORE_OK, "%s", err);
    cr_assert_eq(keystore_read(&hh, outp, err, sizeof err), KEYSTORE_OK,
                 "the handheld's file parses with keystore: %s", err);
    cr_assert_eq(store.count, 1);
    cr_assert_eq(hh.count, 1);
    cr_assert_eq(store.entries[0].device, dev);
    cr_assert_eq(hh.entries[0].device, dev);
    cr_assert_arr_eq(store.entries[0].key, hh.entries[0].key, KEYSTORE_KEY_LEN);
    assert_no_key_printed(&store);
    keystore_free(&store);
    keystore_free(&hh);
}

Test(keygen, gives_every_handheld_its_own_pseudonym_and_key)
{
    enum { N = 12 };
    uint32_t dev[N];
    struct keystore store;
    size_t i, j;
    for (i = 0; i < N; i++) {
        char out_i[160];
        const char *args[] = {keys, "--out", out_i, NULL}; /* the store as a plain argument */
        snprintf(out_i, sizeof out_i, "%s/hh%zu", dir, i);
        cr_assert_eq(run(args), 0, "stderr: %s", se);
        dev[i] = printed_device();
    }
    for (i = 0; i < N; i++)
        for (j = i + 1; j < N; j++)
            cr_assert_neq(dev[i], dev[j]);
    cr_assert_eq(keystore_read(&store, keys, err, sizeof err), KEYSTORE_OK, "%s", err);
    cr_assert_eq(store.count, N);
    for (i = 0; i < N; i++)
        for (j = i + 1; j < N; j++)
            cr_assert(memcmp(store.entries[i].key, store.entries[j].key, KEYSTORE_KEY_LEN) != 0);
    keystore_free(&store);
}

Test(keygen, prints_the_key_only_when_asked_with_stdout)
{
    const char *args[] = {"--keys", keys, "--stdout", NULL};
    struct keystore store;
    char line[KEYSTORE_LINE_MAX];
    cr_assert_eq(run(args), 0, "stderr: %s", se);
    cr_assert_eq(keystore_read(&store, keys, err, sizeof err), KEYSTORE_OK, "%s", err);
    cr_assert_eq(store.count, 1);
    keystore_format_line(store.entries[0].device, store.entries[0].key, line, sizeof line);
    cr_assert_str_eq(so, line, "stdout is exactly the handheld's line");
    line[8] = 0;
    cr_assert(strstr(se, line), "stderr names the device: %s", se);
    keystore_free(&store);
}

Test(keygen, needs_to_be_told_where_the_key_goes_and_creates_nothing_otherwise)
{
    const char *none[] = {"--keys", keys, NULL};
    const char *both[] = {"--keys", keys, "--out", outp, "--stdout", NULL};
    const char *nokeys[] = {"--out", outp, NULL};
    cr_assert_eq(run(none), 2);
    cr_assert(strstr(se, "--out FILE or --stdout"), "%s", se);
    cr_assert_eq(run(both), 2);
    cr_assert_eq(run(nokeys), 2);
    cr_assert(strstr(se, "--keys"), "%s", se);
    /* issue 9 item 21: one error form for every program */
    cr_assert_eq(strncmp(se, "lofte-keygen: ", 14), 0, "'<program>: <message>': %s", se);
    cr_assert_not(exists(keys));
    cr_assert_not(exists(outp));
    cr_assert_str_eq(so, "");
}

Test(keygen, never_overwrites_a_handheld_file_and_then_leaves_the_store_alone)
{
    const char *args[] = {"--keys", keys, "--out", outp, NULL};
    int fd = open(outp, O_WRONLY | O_CREAT, 0600);
    cr_assert_geq(fd, 0);
    close(fd);
    cr_assert_eq(run(args), 1);
    cr_assert(strstr(se, outp) && strstr(se, "File exists"), "%s", se);
    cr_assert_not(exists(keys), "nothing provisioned");
}

Test(keygen, refuses_a_store_others_may_read_and_leaves_no_handheld_file)
{
    const char *args[] = {"--keys", keys, "--out", outp, NULL};
    int fd = open(keys, O_WRONLY | O_CREAT, 0644);
    cr_assert_geq(fd, 0);
    cr_assert_eq(fchmod(fd, 0644), 0);
    close(fd);
    cr_assert_eq(run(args), 1);
    cr_assert(strstr(se, "0644") && strstr(se, "chmod 600"), "%s", se);
    cr_assert_not(exists(outp), "the handheld file is removed again");
    cr_assert_str_eq(so, "");
}
