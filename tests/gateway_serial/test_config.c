/* test_config.c -- the gateway's configuration (gateway/config.h): one
 * option table for the INI file, the command line and --help; one
 * config_check that names file:line or the option for every problem.
 */
#define _DEFAULT_SOURCE /* mkdtemp, fmemopen */

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "testutil.h"

#define PUBKEY "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7" /* 40 Z85 characters */

static char dir[64], ini[128], err[4096];
static struct config c;

static void setup(void)
{
    strcpy(dir, "/tmp/lofte-gwserial-cfg-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(ini, sizeof ini, "%s/gateway.ini", dir);
    config_init(&c);
    err[0] = 0;
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(config, .init = setup, .fini = teardown);

static void write_ini(const char *text)
{
    FILE *f = fopen(ini, "w");
    cr_assert_not_null(f);
    cr_assert_geq(fputs(text, f), 0);
    cr_assert_eq(fclose(f), 0);
}

/* argv from a NULL-terminated list; getopt may permute, so a copy. */
static int parse(const char *const *args)
{
    static char *argv[64];
    int argc = 0;
    argv[argc++] = "lofte-gateway";
    while (*args)
        argv[argc++] = (char *)*args++;
    argv[argc] = NULL;
    return config_parse_args(&c, argc, argv, err, sizeof err);
}

/* The four options without a default, valid. */
static const char *const required[] = {
    "--port", "/dev/ttyUSB0", "--station-id", "7", "--collector", "tcp://collector:7710",
    "--collector-public-key", PUBKEY, NULL,
};

#define assert_err_has(s) cr_assert(strstr(err, (s)), "expected \"%s\" in:\n%s", (s), err)

/* --- defaults and precedence --------------------------------------------------------- */

Test(config, defaults_are_filled_in_and_marked_as_defaults)
{
    cr_assert_eq(parse(required), CONFIG_OK, "%s", err);
    cr_assert_eq(config_check(&c, err, sizeof err), CONFIG_OK, "%s", err);
    cr_assert_eq(c.baud, 115200);
    cr_assert_eq(c.flow, PORT_FLOW_NONE);
    cr_assert_eq(c.port_driver, PORT_DRIVER_AUTO);
    cr_assert_str_eq(c.keys, "/etc/lofte/keys");
    cr_assert_str_eq(c.spool, "/var/lib/lofte/spool.db");
    cr_assert_str_eq(c.state_dir, "/var/lib/lofte");
    cr_assert_str_eq(c.secret_key_file, "/etc/lofte/gateway.key");
    cr_assert_str_eq(c.feed, "", "no live feed unless asked for");
    cr_assert_eq(c.log_level, LOG_LEVEL_INFO);
    cr_assert_eq(c.disk_min_free_mb, 100);
    cr_assert_eq(c.ack_sf, 0);
    cr_assert_eq(c.downlink_freq_hz, 869525000u);
    cr_assert_eq(c.downlink_power_dBm, 14);
    cr_assert_eq(c.action, CONFIG_RUN);
    cr_assert_str_eq(config_origin(&c, "baud"), "default");
    cr_assert_str_eq(config_origin(&c, "station_id"), "option --station-id");
    cr_assert_null(config_origin(&c, "no_such_option"));
    /* the required ones */
    cr_assert_str_eq(c.port, "/dev/ttyUSB0");
    cr_assert_eq(c.station_id, 7);
    cr_assert_str_eq(c.collector, "tcp://collector:7710");
    cr_assert_str_eq(c.collector_public_key, PUBKEY);
}

Test(config, names_every_required_option_that_is_missing)
{
    cr_assert_eq(config_check(&c, err, sizeof err), CONFIG_ERR_MISSING);
    assert_err_has("port is required: set it under [serial] in the config file, or give --port");
    assert_err_has("station_id is required: set it under [gateway]");
    assert_err_has("--station-id");
    assert_err_has("collector is required");
    assert_err_has("collector_public_key is required");
}

Test(config, reads_the_file_and_lets_the_command_line_win)
{
    static const char *const args[] = {"--config", NULL, "--baud", "9600", "--flow=xonxoff",
                                       NULL};
    const char *a[6];
    char where[160];
    write_ini("; lofte gateway\n"
              "[serial]\n"
              "port = /dev/serial/by-id/usb-FTDI_FT232R_A10K1234-if00-port0\n"
              "baud = 57600\n"
              "flow = rtscts   ; a comment after a value\n"
              "port_driver = termios\n"
              "\n"
              "[gateway]\n"
              "station_id = 12\n"
              "keys = /etc/lofte/keys-12\n"
              "log_level = debug\n"
              "disk_min_free_mb = 0\n"
              "[collector]\n"
              "collector = tcp://10.0.0.5:7710\n"
              "collector_public_key = " PUBKEY "\n"
              "feed = tcp://*:7711\n"
              "[radio]\n"
              "ack_sf = 12\n"
              "downlink_freq_hz = 869525000\n"
              "downlink_power_dBm = 27\n");
    memcpy(a, args, sizeof a);
    a[1] = ini;
    cr_assert_eq(parse(a), CONFIG_OK, "%s", err);
    cr_assert_str_eq(c.config_path, ini);
    cr_assert_eq(config_load_file(&c, ini, err, sizeof err), CONFIG_OK, "%s", err);
    cr_assert_eq(config_check(&c, err, sizeof err), CONFIG_OK, "%s", err);
    cr_assert_eq(c.baud, 9600, "the command line wins");
    cr_assert_eq(c.flow, PORT_FLOW_XONXOFF, "--name=value works too");
    cr_assert_str_eq(c.port, "/dev/serial/by-id/usb-FTDI_FT232R_A10K1234-if00-port0");
    cr_assert_eq(c.port_driver, PORT_DRIVER_TERMIOS);
    cr_assert_eq(c.station_id, 12);
    cr_assert_str_eq(c.keys, "/etc/lofte/keys-12");
    cr_assert_eq(c.log_level, LOG_LEVEL_DEBUG);
    cr_assert_eq(c.disk_min_free_mb, 0);
    cr_assert_str_eq(c.feed, "tcp://*:7711");
    cr_assert_eq(c.ack_sf, 12);
    cr_assert_eq(c.downlink_power_dBm, 27);
    cr_assert_str_eq(config_origin(&c, "baud"), "option --baud");
    snprintf(where, sizeof where, "%s:3", ini);
    cr_assert_str_eq(config_origin(&c, "port"), where);
}

Test(config, config_load_runs_args_file_and_check_in_order)
{
    char *argv[] = {"lofte-gateway", "--config", ini, "--station_id", "9", NULL};
    write_ini("[serial]\nport = /dev/ttyACM0\n[gateway]\nstation_id = 3\n[collector]\n"
              "collector = ipc:///run/lofte/collector\ncollector_public_key = " PUBKEY "\n");
    cr_assert_eq(config_load(&c, 5, argv, err, sizeof err), CONFIG_OK, "%s", err);
    cr_assert_eq(c.station_id, 9, "underscore spelling on the command line as in the file");
    cr_assert_str_eq(c.port, "/dev/ttyACM0");
}

/* --- values ---------------------------------------------------------------------------- */

Test(config, every_bad_value_in_the_file_is_named_by_file_line_and_reason)
{
    char want[256];
    write_ini("[serial]\n"                                  /* 1 */
              "port = /dev/ttyUSB0\n"                       /* 2 */
              "baud = 12abc\n"                              /* 3 */
              "flow = maybe\n"                              /* 4 */
              "[gateway]\n"                                 /* 5 */
              "station_id = 0\n"                            /* 6 */
              "log_level = verbose\n"                       /* 7 */
              "[collector]\n"                               /* 8 */
              "collector = http://collector\n"              /* 9 */
              "collector_public_key = tooshort\n"           /* 10 */
              "[radio]\n"                                   /* 11 */
              "ack_sf = 5\n"                                /* 12 */
              "downlink_power_dBm = -3\n"                   /* 13 */
              "downlink_freq_hz = 915000000\n");            /* 14 */
    cr_assert_eq(config_load_file(&c, ini, err, sizeof err), CONFIG_OK, "%s", err);
    cr_assert_eq(config_check(&c, err, sizeof err), CONFIG_ERR_VALUE);
#define HAS_AT(line, text)                                                   \
    do {                                                                     \
        snprintf(want, sizeof want, "%s:%d: %s", ini, line, text);           \
        assert_err_has(want);                                                \
    } while (0)
    HAS_AT(3, "baud: '12abc' is not a whole number");
    HAS_AT(4, "flow: 'maybe' is not one of none, rtscts, xonxoff");
    HAS_AT(6, "station_id: 0 is out of range 1..65535");
    HAS_AT(7, "log_level: 'verbose' is not one of error, warn, info, debug");
    HAS_AT(9, "collector: 'http://collector' is not an endpoint");
    HAS_AT(10, "collector_public_key: a CURVE public key is 40 Z85 characters, this is 8");
    HAS_AT(12, "ack_sf: 5 is not a spreading factor");
    HAS_AT(13, "downlink_power_dBm: -3 is out of range 0..27");
    HAS_AT(14, "downlink_freq_hz: 915000000 is out of range 863000000..870000000");
#undef HAS_AT
}

Test(config, numbers_are_base_10_digits_and_nothing_else)
{
    static const char *const bad[] = {"12abc", "", "-1", "+5", " 5", "5 ", "0x10", "1e3",
                                      "7.0", "99999999999999999999999", "٣"};
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *args[] = {"--station-id", bad[i], NULL};
        char want[128];
        config_init(&c);
        cr_assert_eq(parse(args), CONFIG_OK, "%s", err);
        cr_assert_neq(config_check(&c, err, sizeof err), CONFIG_OK, "'%s' accepted", bad[i]);
        snprintf(want, sizeof want, "option --station-id: station_id: '%s' is not a whole number",
                 bad[i]);
        if (i == 9)
            snprintf(want, sizeof want, "option --station-id: station_id: %s is out of range",
                     bad[i]);
        assert_err_has(want);
    }
    {
        const char *args[] = {"--station-id", "007", "--baud", "115201", NULL};
        config_init(&c);
        cr_assert_eq(parse(args), CONFIG_OK);
        config_check(&c, err, sizeof err);
        cr_assert_null(strstr(err, "station_id:"), "leading zeros are base 10: %s", err);
        assert_err_has("option --baud: baud: 115201 is not a standard baud rate");
    }
}

Test(config, a_command_line_value_error_names_the_option)
{
    const char *args[] = {"--station-id", "70000", "--collector", "tcp://collector:0",
                          "--collector-public-key", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf~",
                          "--feed", "tcp://*:7711 x", NULL};
    cr_assert_eq(parse(args), CONFIG_OK, "%s", err);
    cr_assert_neq(config_check(&c, err, sizeof err), CONFIG_OK);
    assert_err_has("option --station-id: station_id: 70000 is out of range 1..65535");
    assert_err_has("option --collector: collector: 'tcp://collector:0' is not an endpoint");
    assert_err_has("option --collector-public-key: collector_public_key: character 40 ('~') is "
                   "not in the Z85 alphabet");
    assert_err_has("option --feed: feed: 'tcp://*:7711 x' holds a space");
}

/* --- the file's shape ---------------------------------------------------------------------- */

Test(config, unknown_keys_sections_and_misplaced_keys_are_named_by_file_and_line)
{
    char want[256];
    write_ini("baud = 9600\n"                 /* 1: outside any section */
              "[serial]\n"                    /* 2 */
              "bawd = 9600\n"                 /* 3: unknown key */
              "station_id = 4\n"              /* 4: wrong section */
              "[radios]\n"                    /* 5: unknown section */
              "ack_sf = 9\n"                  /* 6: under it: no second error */
              "[gateway]\n"                   /* 7 */
              "config = /etc/other.ini\n");   /* 8: command line only */
    cr_assert_eq(config_load_file(&c, ini, err, sizeof err), CONFIG_ERR_UNKNOWN);
    snprintf(want, sizeof want, "%s:1: baud is outside any section; put it under [serial]", ini);
    assert_err_has(want);
    snprintf(want, sizeof want, "%s:3: unknown key 'bawd'", ini);
    assert_err_has(want);
    snprintf(want, sizeof want, "%s:4: station_id belongs in [gateway], not [serial]", ini);
    assert_err_has(want);
    snprintf(want, sizeof want, "%s:5: unknown section [radios]", ini);
    assert_err_has(want);
    snprintf(want, sizeof want, "%s:6:", ini);
    cr_assert_null(strstr(err, want), "one error for the section, not one per key:\n%s", err);
    snprintf(want, sizeof want, "%s:8: config can only be given on the command line", ini);
    assert_err_has(want);
}

Test(config, a_key_given_twice_and_broken_lines_are_named_by_file_and_line)
{
    char want[256];
    write_ini("[serial]\n"                    /* 1 */
              "baud = 9600\n"                 /* 2 */
              "baud = 19200\n"                /* 3: twice */
              "port = /dev/ttyUSB0 # modem\n" /* 4: '#' is not an inline comment */
              "flow = none\n"                 /* 5 */
              "   rtscts\n");                 /* 6: an indented continuation */
    cr_assert_neq(config_load_file(&c, ini, err, sizeof err), CONFIG_OK);
    snprintf(want, sizeof want, "%s:3: baud is given twice (first on line 2)", ini);
    assert_err_has(want);
    snprintf(want, sizeof want, "%s:4: port: comments after a value start with ';'", ini);
    assert_err_has(want);
    snprintf(want, sizeof want, "%s:6: an indented line continues flow's value", ini);
    assert_err_has(want);

    config_init(&c);
    write_ini("[serial]\nport /dev/ttyUSB0\n");
    cr_assert_eq(config_load_file(&c, ini, err, sizeof err), CONFIG_ERR_SYNTAX);
    snprintf(want, sizeof want, "%s:2: not a `name = value` line", ini);
    assert_err_has(want);

    config_init(&c);
    write_ini("[serial]\nport /dev/ttyUSB0\nbaud\n[gateway\nstation_id = 4\n");
    cr_assert_eq(config_load_file(&c, ini, err, sizeof err), CONFIG_ERR_SYNTAX);
    snprintf(want, sizeof want, "%s:3: not a `name = value` line", ini);
    assert_err_has(want); /* every broken line, not only the first */
    snprintf(want, sizeof want, "%s:4: a section header is `[name]`", ini);
    assert_err_has(want);
}

/* Issue 9 F: a line was cut at 197 characters (the INI library's buffer),
 * and at a NUL byte. */
Test(config, a_long_line_is_read_whole_and_only_a_too_long_value_is_refused)
{
    static char text[4096], path[700];
    char want[256];
    memset(path, 'p', sizeof path);
    path[0] = '/';
    path[sizeof path - 1] = 0;
    snprintf(text, sizeof text, "[serial]\nport = %s   ; a long by-id name\nbaud = 9600\n", path);
    write_ini(text);
    cr_assert_eq(config_load_file(&c, ini, err, sizeof err), CONFIG_OK, "%s", err);
    cr_assert_eq(config_check(&c, err, sizeof err), CONFIG_ERR_MISSING, "%s", err);
    cr_assert_str_eq(c.port, path, "the whole 699-byte path, comment dropped");
    cr_assert_eq(c.baud, 9600);

    config_init(&c);
    {
        static char big[CONFIG_VALUE_MAX + 50];
        memset(big, 'q', sizeof big);
        big[0] = '/';
        big[sizeof big - 1] = 0;
        snprintf(text, sizeof text, "[serial]\nport = %s\nbaud = 9600\n", big);
    }
    write_ini(text);
    cr_assert_eq(config_load_file(&c, ini, err, sizeof err), CONFIG_ERR_VALUE);
    snprintf(want, sizeof want, "%s:2: port: value longer than %d bytes", ini,
             CONFIG_VALUE_MAX - 1);
    assert_err_has(want);
    cr_assert_str_eq(config_origin(&c, "port"), "unset", "nothing taken from the long line");
    snprintf(want, sizeof want, "%s:3", ini);
    cr_assert_str_eq(config_origin(&c, "baud"), want, "the next line is read as usual");
}

Test(config, a_nul_byte_is_an_error_at_its_line_not_the_end_of_the_line)
{
    static const char text[] = "[serial]\nport = /dev/ttyUSB0\0junk\nbaud = 9600\n";
    char want[256];
    FILE *f = fopen(ini, "w");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(text, 1, sizeof text - 1, f), sizeof text - 1);
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(config_load_file(&c, ini, err, sizeof err), CONFIG_ERR_SYNTAX);
    snprintf(want, sizeof want, "%s:2: a NUL byte at column 20", ini);
    assert_err_has(want);
    cr_assert_str_eq(config_origin(&c, "port"), "unset", "no value cut short at the NUL");
    snprintf(want, sizeof want, "%s:3", ini);
    cr_assert_str_eq(config_origin(&c, "baud"), want);
}

/* Issue 9 item 18: value errors appeared only once the file's own errors
 * were fixed. */
Test(config, config_load_reports_the_file_and_the_value_problems_in_one_pass)
{
    char *argv[] = {"lofte-gateway", "--config", ini, NULL};
    char want[256];
    write_ini("[serial]\n"              /* 1 */
              "port = /dev/ttyUSB0\n"   /* 2 */
              "baud = 12abc\n"          /* 3: value */
              "colector = x\n"          /* 4: unknown key */
              "flow\n"                  /* 5: syntax */
              "[gateway]\n"             /* 6 */
              "station_id = 0\n");      /* 7: value */
    cr_assert_eq(config_load(&c, 3, argv, err, sizeof err), CONFIG_ERR_UNKNOWN, "%s", err);
    snprintf(want, sizeof want, "%s:3: baud: '12abc' is not a whole number", ini);
    assert_err_has(want);
    snprintf(want, sizeof want, "%s:4: unknown key 'colector'", ini);
    assert_err_has(want);
    snprintf(want, sizeof want, "%s:5: not a `name = value` line", ini);
    assert_err_has(want);
    snprintf(want, sizeof want, "%s:7: station_id: 0 is out of range", ini);
    assert_err_has(want);
    assert_err_has("collector is required");
}

Test(config, a_file_that_cannot_be_read_is_named_with_the_system_reason)
{
    snprintf(ini, sizeof ini, "%s/absent.ini", dir);
    cr_assert_eq(config_load_file(&c, ini, err, sizeof err), CONFIG_ERR_FILE);
    assert_err_has(ini);
    assert_err_has("No such file or directory");
}

/* --- the command line's shape ----------------------------------------------------------------- */

Test(config, command_line_mistakes_are_named)
{
    const char *unknown[] = {"--bogus", "1", NULL};
    const char *missing[] = {"--station-id", "5", "--baud", NULL};
    const char *stray[] = {"--station-id", "5", "extra", NULL};
    const char *shortopt[] = {"-x", NULL};
    cr_assert_eq(parse(unknown), CONFIG_ERR_USAGE);
    assert_err_has("unknown option --bogus");
    config_init(&c);
    cr_assert_eq(parse(missing), CONFIG_ERR_USAGE);
    assert_err_has("option --baud needs a value");
    config_init(&c);
    cr_assert_eq(parse(stray), CONFIG_ERR_USAGE);
    assert_err_has("unexpected argument 'extra'");
    config_init(&c);
    cr_assert_eq(parse(shortopt), CONFIG_ERR_USAGE);
    assert_err_has("unknown option -x");
}

Test(config, help_and_list_ports_are_actions_that_need_no_valid_settings)
{
    const char *help[] = {"-h", NULL};
    const char *list[] = {"--list-ports", NULL};
    char *argv[] = {"lofte-gateway", "--list-ports", NULL};
    cr_assert_eq(parse(help), CONFIG_OK);
    cr_assert_eq(c.action, CONFIG_HELP);
    config_init(&c);
    cr_assert_eq(parse(list), CONFIG_OK);
    cr_assert_eq(c.action, CONFIG_LIST_PORTS);
    cr_assert_eq(config_load(&c, 2, argv, err, sizeof err), CONFIG_OK, "%s", err);
}

Test(config, help_lists_every_option_with_its_section_default_and_range)
{
    static const char *const expect[] = {
        "--config FILE", "--help", "--list-ports", "[serial]", "--port PATH", "--baud N",
        "1200..4000000; default 115200", "one of none, rtscts, xonxoff; default none",
        "--port-driver", "[gateway]", "--station-id N", "1..65535; default none; required",
        "--keys PATH", "--spool PATH", "--state-dir DIR", "--log-level LEVEL",
        "--disk-min-free-mb MB", "[collector]", "--collector ENDPOINT",
        "--collector-public-key Z85", "--secret-key-file PATH", "--feed ENDPOINT",
        "default empty: off", "[radio]", "--ack-sf SF", "--downlink-freq-hz HZ",
        "--downlink-power-dBm DBM", "0..27; default 14",
    };
    char *text = NULL;
    size_t len = 0, i;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    config_usage(f, "lofte-gateway");
    cr_assert_eq(fclose(f), 0);
    for (i = 0; i < sizeof expect / sizeof expect[0]; i++)
        cr_assert(strstr(text, expect[i]), "help lacks \"%s\":\n%s", expect[i], text);
    /* the feed is plaintext and unauthenticated (docs/upstream.md §7) */
    cr_assert_null(strstr(text, "tcp://*"), "help suggests binding every interface:\n%s", text);
    cr_assert(strstr(text, "tcp://127.0.0.1:7711"), "%s", text);
    free(text);
}

Test(config, parsing_twice_in_one_process_starts_afresh)
{
    const char *a[] = {"--station-id", "5", NULL};
    const char *b[] = {"--baud", "9600", NULL};
    cr_assert_eq(parse(a), CONFIG_OK);
    config_init(&c);
    cr_assert_eq(parse(b), CONFIG_OK, "%s", err);
    cr_assert_str_eq(config_origin(&c, "station_id"), "unset");
    cr_assert_str_eq(config_origin(&c, "baud"), "option --baud");
}

/* fuzz_gateway_config: a full error buffer ended in a line cut in the
 * middle ("gateway.ini:1"); now only whole lines, and a last one saying
 * more were not shown. */
Test(config, a_full_error_buffer_holds_whole_lines_and_says_more_were_left_out)
{
    static char text[8192], small[300];
    char *line, *save = NULL;
    size_t n = 0;
    int i, lines = 0;
    for (i = 0; i < 200; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "broken line %d\n", i);
    write_ini(text);
    cr_assert_eq(config_load_file(&c, ini, small, sizeof small), CONFIG_ERR_SYNTAX);
    cr_assert_lt(strlen(small), sizeof small);
    for (line = strtok_r(small, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lines++;
        if (strcmp(line, "... and more problems (not shown)") == 0) {
            cr_assert_null(strtok_r(NULL, "\n", &save), "the marker is the last line");
            cr_assert_gt(lines, 1);
            return;
        }
        cr_assert(strstr(line, ": not a `name = value` line or a `[section]` header"),
                  "a whole line: '%s'", line);
    }
    cr_assert_fail("no line says that problems were left out");
}

/* --- the uplink an AT modem hears (docs/modems.md "One channel, one SF") ---------------- */

Test(config, the_uplink_channel_and_sf_default_to_the_handhelds_and_take_only_section_3_1s_values)
{
    static const char *const good_freq[] = {"868100000", "868300000", "868500000"};
    static const char *const good_sf[] = {"7", "9", "12"};
    size_t i;
    cr_assert_eq(parse(required), CONFIG_OK, "%s", err);
    cr_assert_eq(config_check(&c, err, sizeof err), CONFIG_OK, "%s", err);
    cr_assert_eq(c.uplink_freq_hz, 868100000u, "the handheld's default channel");
    cr_assert_eq(c.uplink_sf, 9, "the handheld's default SF");
    cr_assert_str_eq(config_origin(&c, "uplink_freq_hz"), "default");
    for (i = 0; i < 3; i++) {
        const char *args[] = {"--port", "/dev/ttyUSB0", "--station-id", "7", "--collector",
                              "tcp://collector:7710", "--collector-public-key", PUBKEY,
                              "--uplink-freq-hz", good_freq[i], "--uplink-sf", good_sf[i], NULL};
        config_init(&c);
        cr_assert_eq(parse(args), CONFIG_OK, "%s", err);
        cr_assert_eq(config_check(&c, err, sizeof err), CONFIG_OK, "%s", err);
        cr_assert_eq(c.uplink_freq_hz, strtoul(good_freq[i], NULL, 10));
        cr_assert_eq(c.uplink_sf, strtoul(good_sf[i], NULL, 10));
    }
    write_ini("[radio]\n"                      /* 1 */
              "uplink_freq_hz = 868200000\n"   /* 2: between channels */
              "uplink_sf = 6\n");              /* 3 */
    config_init(&c);
    cr_assert_eq(parse(required), CONFIG_OK, "%s", err);
    cr_assert_eq(config_load_file(&c, ini, err, sizeof err), CONFIG_OK, "%s", err);
    cr_assert_eq(config_check(&c, err, sizeof err), CONFIG_ERR_VALUE);
    {
        char want[256];
        snprintf(want, sizeof want, "%s:2: uplink_freq_hz: 868200000 is not an uplink channel: "
                 "use 868100000, 868300000 or 868500000", ini);
        assert_err_has(want);
        snprintf(want, sizeof want, "%s:3: uplink_sf: 6 is out of range 7..12", ini);
        assert_err_has(want);
    }
    {
        const char *args[] = {"--port", "/dev/ttyUSB0", "--station-id", "7", "--collector",
                              "tcp://collector:7710", "--collector-public-key", PUBKEY,
                              "--uplink-freq-hz", "869525000", "--uplink-sf", "13", NULL};
        config_init(&c);
        cr_assert_eq(parse(args), CONFIG_OK, "%s", err);
        cr_assert_eq(config_check(&c, err, sizeof err), CONFIG_ERR_VALUE);
        assert_err_has("option --uplink-freq-hz: uplink_freq_hz: 869525000 is out of range "
                       "868100000..868500000");
        assert_err_has("option --uplink-sf: uplink_sf: 13 is out of range 7..12");
    }
    {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        cr_assert_not_null(f);
        config_usage(f, "lofte-gateway");
        cr_assert_eq(fclose(f), 0);
        cr_assert(strstr(text, "--uplink-freq-hz HZ"), "%s", text);
        cr_assert(strstr(text, "--uplink-sf SF"), "%s", text);
        cr_assert(strstr(text, "7..12; default 9"), "%s", text);
        free(text);
    }
}

/* Failover (docs/postgresql.md): several collectors, comma-separated. */
Test(config, takes_several_collector_endpoints_and_names_a_bad_one)
{
    const char *good[] = {"--port", "/dev/ttyUSB0", "--station-id", "7", "--collector", "tcp://a:7710, tcp://b:7710,ipc:///run/c",
                          "--collector-public-key", PUBKEY,
                          NULL};
    const char *bad[] = {"--port", "/dev/ttyUSB0", "--station-id", "7", "--collector", "tcp://a:7710, tcp://b:0", "--collector-public-key",
                         PUBKEY, NULL};
    const char *empty[] = {"--port", "/dev/ttyUSB0", "--station-id", "7", "--collector", "tcp://a:7710,,tcp://b:7710", "--collector-public-key",
                           PUBKEY, NULL};
    cr_assert_eq(parse(good), CONFIG_OK, "%s", err);
    cr_assert_eq(config_check(&c, err, sizeof err), CONFIG_OK, "%s", err);
    cr_assert_str_eq(c.collector, "tcp://a:7710, tcp://b:7710,ipc:///run/c");
    config_init(&c); /* --collector given again would add to the list */
    cr_assert_eq(parse(bad), CONFIG_OK, "%s", err);
    cr_assert_neq(config_check(&c, err, sizeof err), CONFIG_OK);
    assert_err_has("'tcp://b:0' is not an endpoint");
    config_init(&c);
    cr_assert_eq(parse(empty), CONFIG_OK, "%s", err);
    cr_assert_neq(config_check(&c, err, sizeof err), CONFIG_OK);
    assert_err_has("an empty endpoint in the list");
}

Test(config, joins_repeated_collector_options_into_one_failover_list)
{
    const char *args[] = {"--port", "/dev/ttyUSB0", "--station-id", "7", "--collector",
                          "tcp://a:7710", "--collector", "tcp://b:7710", "--collector-public-key",
                          PUBKEY, NULL};
    cr_assert_eq(parse(args), CONFIG_OK, "%s", err);
    cr_assert_eq(config_check(&c, err, sizeof err), CONFIG_OK, "%s", err);
    cr_assert_str_eq(c.collector, "tcp://a:7710, tcp://b:7710");
}
