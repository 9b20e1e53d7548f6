/* test_log.c -- log lines for the journal or a terminal (gateway/log.h). */
#define _XOPEN_SOURCE 700 /* posix_openpt */
#define _DEFAULT_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "testutil.h"

static int fds[2];
static char out[16384];

static void setup(void)
{
    cr_assert_eq(pipe(fds), 0);
    cr_assert_eq(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
    log_set_fd(fds[1]);
    log_set_level(LOG_LEVEL_INFO);
    log_set_prefix(LOG_PREFIX_AUTO);
}

static void teardown(void)
{
    log_set_fd(2);
    close(fds[0]);
    close(fds[1]);
}

TestSuite(log, .init = setup, .fini = teardown);

/* Everything written so far. */
static const char *drain(void)
{
    ssize_t n = read(fds[0], out, sizeof out - 1);
    out[n > 0 ? n : 0] = 0;
    return out;
}

Test(log, prefixes_each_line_with_the_journal_priority_when_not_on_a_terminal)
{
    log_set_level(LOG_LEVEL_DEBUG);
    log_error("port %s lost", "/dev/ttyUSB0");
    log_warn("retrying in %d ms", 100);
    log_info("open\n");
    log_debug("%d bytes", 42);
    log_msg(LOG_LEVEL_ERROR, "two\nlines");
    cr_assert_str_eq(drain(), "<3>port /dev/ttyUSB0 lost\n"
                              "<4>retrying in 100 ms\n"
                              "<6>open\n"
                              "<7>42 bytes\n"
                              "<3>two\n<3>lines\n");
}

Test(log, drops_messages_above_the_level)
{
    log_debug("hidden");
    log_info("shown");
    log_set_level(LOG_LEVEL_ERROR);
    log_warn("hidden too");
    log_error("shown too");
    cr_assert_str_eq(drain(), "<6>shown\n<3>shown too\n");
    cr_assert(log_enabled(LOG_LEVEL_ERROR));
    cr_assert_not(log_enabled(LOG_LEVEL_WARN));
}

Test(log, writes_the_utc_time_and_plain_level_words_on_a_terminal)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY), slave;
    char buf[256];
    ssize_t n;
    cr_assert_geq(master, 0);
    cr_assert_eq(grantpt(master), 0);
    cr_assert_eq(unlockpt(master), 0);
    slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    cr_assert_geq(slave, 0);
    log_set_fd(slave);
    log_warn("modem silent");
    n = read(master, buf, sizeof buf - 1);
    cr_assert_gt(n, 0);
    buf[n] = 0;
    cr_assert(strstr(buf, "warning: modem silent"), "%s", buf);
    cr_assert_null(strstr(buf, "<4>"));
    /* "2026-12-02T13:47:56Z warning: ...": the journal is not there to
     * stamp the line, so the line carries its time */
    {
        int y, mo, d, h, mi, sec;
        char z = 0;
        cr_assert_eq(sscanf(buf, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &sec, &z), 7,
                     "%s", buf);
        cr_assert(y >= 2024 && z == 'Z' && strncmp(buf + 21, "warning: ", 9) == 0, "%s", buf);
    }
    close(slave);
    close(master);
}

Test(log, forced_prefix_modes_override_the_terminal_test)
{
    log_set_prefix(LOG_PREFIX_PLAIN);
    log_error("a");
    log_set_prefix(LOG_PREFIX_JOURNAL);
    log_error("b");
    cr_assert_str_eq(drain(), "error: a\n<3>b\n");
}

Test(log, cuts_an_overlong_line_and_says_so)
{
    char big[LOG_LINE_MAX * 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    log_info("%s", big);
    drain();
    cr_assert_eq(strlen(out), LOG_LINE_MAX + 1);
    cr_assert_eq(strncmp(out + LOG_LINE_MAX - 3, "...\n", 4), 0);
}

Test(log, parses_and_names_the_four_levels)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    size_t i;
    enum log_level l;
    for (i = 0; i < 4; i++) {
        cr_assert_eq(log_level_parse(names[i], &l), LOG_OK);
        cr_assert_str_eq(log_level_name(l), names[i]);
    }
    cr_assert_eq(log_level_parse("verbose", &l), LOG_ERR_LEVEL);
    cr_assert(strstr(log_strerror(LOG_ERR_LEVEL), "error, warn, info or debug"));
}

Test(log, fill_writes_a_caller_buffer_and_keeps_errno)
{
    char err[16];
    errno = EIO;
    log_fill(err, sizeof err, "cannot open %s", "/dev/ttyUSB0");
    cr_assert_str_eq(err, "cannot open /de", "cut to the buffer");
    cr_assert_eq(errno, EIO);
    log_fill(NULL, 0, "nowhere"); /* allowed: the caller did not want it */
    cr_assert_eq(errno, EIO);
}

Test(log, a_limited_message_repeated_27_times_in_8_seconds_is_logged_once_then_summed)
{
    struct log_limit l = {0, 0};
    uint64_t held = 99;
    int i, passed = 0;
    for (i = 0; i < 27; i++)
        passed += log_limit_pass(&l, 1000 + i * 300, 60000, &held);
    cr_assert_eq(passed, 1);
    cr_assert_eq(held, 0); /* the first one had nothing held back */
    cr_assert(log_limit_pass(&l, 1000 + 60000, 60000, &held));
    cr_assert_eq(held, 26, "the next one says how many were held: %llu", (unsigned long long)held);
    cr_assert_not(log_limit_pass(&l, 1000 + 60001, 60000, &held));
}
