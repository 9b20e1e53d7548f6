/* config.c -- the gateway's option table; optable.c is the engine that
 * drives the command line, the INI file and --help from it (see config.h
 * and optable.h for the design).
 *
 * Adding an option: one row in config_options[], one typed field in struct
 * config, a line in gateway/README.md "Configuration". Nothing else: the
 * file key, the long option, the help and the checks all come from the row.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* Row fields, shorter: the table below is the file's point. */
#define OPT_STRING OPTABLE_STRING
#define OPT_UINT OPTABLE_UINT
#define OPT_INT OPTABLE_INT
#define OPT_CHOICE OPTABLE_CHOICE
#define OPT_CLI_CONFIG OPTABLE_CLI_CONFIG
#define OPT_CLI_ACTION OPTABLE_CLI_ACTION
#define OPT_REQUIRED OPTABLE_REQUIRED
#define OPT_EMPTY_OK OPTABLE_EMPTY_OK
#define choice optable_choice
#define option_def optable_def

/* --- format rules beyond type and range ---------------------------------- */

static int check_baud(const char *v, char *why, size_t whylen)
{
    unsigned long b = strtoul(v, NULL, 10); /* already a valid number here */
    if (port_baud_supported((uint32_t)b))
        return 0;
    snprintf(why, whylen, "%s is not a standard baud rate (e.g. 9600, 57600, 115200, 230400)",
             v);
    return -1;
}

static int check_sf(const char *v, char *why, size_t whylen)
{
    unsigned long sf = strtoul(v, NULL, 10);
    if (sf == 0 || (sf >= 7 && sf <= 12))
        return 0;
    snprintf(why, whylen, "%s is not a spreading factor: use 7..12, or 0 for the uplink's own",
             v);
    return -1;
}

/* docs/protocol.md §3.1: the uplink is on one of three channels of
 * sub-band g1; anything else is not where a handheld sends. */
static int check_uplink_freq(const char *v, char *why, size_t whylen)
{
    unsigned long f = strtoul(v, NULL, 10);
    if (f == 868100000ul || f == 868300000ul || f == 868500000ul)
        return 0;
    snprintf(why, whylen, "%s is not an uplink channel: use 868100000, 868300000 or 868500000 "
             "(docs/protocol.md §3.1)", v);
    return -1;
}

/* The collector: one endpoint, or several separated by commas (failover,
 * docs/postgresql.md), e.g. "tcp://a:7710, tcp://b:7710". */
static int check_endpoints(const char *v, char *why, size_t whylen)
{
    const char *p = v;
    int n = 0;
    while (*p) {
        char one[CONFIG_ENDPOINT_MAX];
        size_t len;
        while (*p == ' ' || *p == '\t')
            p++;
        len = strcspn(p, ",");
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len == 0 || len >= sizeof one) {
            snprintf(why, whylen, "'%s': an empty endpoint in the list", v);
            return -1;
        }
        memcpy(one, p, len);
        one[len] = 0;
        if (optable_check_endpoint(one, why, whylen) != 0)
            return -1;
        if (++n > 8) {
            snprintf(why, whylen, "'%s': at most 8 collector endpoints", v);
            return -1;
        }
        p += strcspn(p, ",");
        if (*p == ',')
            p++;
        else
            break;
    }
    return 0;
}

/* A CURVE public key as zmq prints it: 40 characters of Z85. */
static int check_z85_key(const char *v, char *why, size_t whylen)
{
    static const char z85[] =
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
    size_t n = strlen(v), i;
    if (n != CONFIG_Z85_KEY_LEN) {
        snprintf(why, whylen, "a CURVE public key is %d Z85 characters, this is %zu",
                 CONFIG_Z85_KEY_LEN, n);
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (!strchr(z85, v[i]) || v[i] == 0) {
            snprintf(why, whylen, "character %zu ('%c') is not in the Z85 alphabet", i + 1,
                     isprint((unsigned char)v[i]) ? v[i] : '?');
            return -1;
        }
    }
    return 0;
}

/* --- the table --------------------------------------------------------------- */

/* Checklist: flow and port_driver follow enum port_flow / port_driver
 * (port.h); log_level follows log.c's level names. */
static const struct choice flow_choices[] = {
    {"none", PORT_FLOW_NONE}, {"rtscts", PORT_FLOW_RTSCTS}, {"xonxoff", PORT_FLOW_XONXOFF},
    {NULL, 0},
};
static const struct choice driver_choices[] = {
    {"auto", PORT_DRIVER_AUTO},
    {"libserialport", PORT_DRIVER_LIBSERIALPORT},
    {"termios", PORT_DRIVER_TERMIOS},
    {NULL, 0},
};
static const struct choice level_choices[] = {
    {"error", LOG_LEVEL_ERROR}, {"warn", LOG_LEVEL_WARN}, {"info", LOG_LEVEL_INFO},
    {"debug", LOG_LEVEL_DEBUG}, {NULL, 0},
};
static const struct choice clock_choices[] = {
    {"system", CONFIG_CLOCK_SYSTEM}, {"modem", CONFIG_CLOCK_MODEM}, {NULL, 0},
};
static const struct choice modem_choices[] = {
    {"lofte", CONFIG_MODEM_LOFTE}, {"rui3", CONFIG_MODEM_RUI3}, {"wio-e5", CONFIG_MODEM_WIOE5},
    {NULL, 0},
};
static const struct choice help_action[] = {{"help", CONFIG_HELP}, {NULL, 0}};
static const struct choice list_action[] = {{"list-ports", CONFIG_LIST_PORTS}, {NULL, 0}};

#define FIELD(f) offsetof(struct config, f), sizeof(((struct config *)0)->f)

static const struct option_def config_options[] = {
    /* command line only */
    {"config", 'c', NULL, OPT_CLI_CONFIG, FIELD(config_path), NULL, 0, 0, 0, NULL, NULL,
     "FILE", "read options from this INI file"},
    {"help", 'h', NULL, OPT_CLI_ACTION, FIELD(action), NULL, 0, 0, 0, help_action, NULL, NULL,
     "print this help and exit"},
    {"list_ports", 0, NULL, OPT_CLI_ACTION, FIELD(action), NULL, 0, 0, 0, list_action, NULL, NULL,
     "list serial ports (USB ids, by-id names) and exit"},

    /* [serial]: the receiver modem's port */
    {"port", 0, "serial", OPT_STRING, FIELD(port), NULL, OPT_REQUIRED, 0, 0, NULL, NULL, "PATH",
     "the modem's port; a /dev/serial/by-id/ name survives replugging"},
    {"baud", 0, "serial", OPT_UINT, FIELD(baud), "115200", 0, 1200, 4000000, NULL, check_baud,
     "N", "baud rate (8N1)"},
    {"flow", 0, "serial", OPT_CHOICE, FIELD(flow), "none", 0, 0, 0, flow_choices, NULL, "MODE",
     "flow control"},
    {"port_driver", 0, "serial", OPT_CHOICE, FIELD(port_driver), "auto", 0, 0, 0,
     driver_choices, NULL, "DRIVER",
     "auto: termios for pseudo terminals, else libserialport"},
    {"modem", 0, "serial", OPT_CHOICE, FIELD(modem), "lofte", 0, 0, 0, modem_choices, NULL,
     "KIND", "lofte (§7 framing), rui3 (RAK3172 P2P) or wio-e5 (TEST mode); an unset baud "
     "is the modem's own: 115200, 115200, 9600"},

    /* [gateway]: this station */
    {"station_id", 0, "gateway", OPT_UINT, FIELD(station_id), NULL, OPT_REQUIRED, 1, 65535,
     NULL, NULL, "N", "this gateway's id in every ack; unique per gateway"},
    {"keys", 0, "gateway", OPT_STRING, FIELD(keys), "/etc/lofte/keys", 0, 0, 0, NULL, NULL,
     "PATH", "per-device key file (mode 0600; see lofte-keygen)"},
    {"spool", 0, "gateway", OPT_STRING, FIELD(spool), "/var/lib/lofte/spool.db", 0, 0, 0, NULL,
     NULL, "PATH", "SQLite spool of records not yet at the collector"},
    {"state_dir", 0, "gateway", OPT_STRING, FIELD(state_dir), "/var/lib/lofte", 0, 0, 0, NULL,
     NULL, "DIR", "where the status file is written"},
    {"log_level", 0, "gateway", OPT_CHOICE, FIELD(log_level), "info", 0, 0, 0, level_choices,
     NULL, "LEVEL", "least important messages logged"},
    {"metrics", 0, "gateway", OPT_STRING, FIELD(metrics), "", OPT_EMPTY_OK, 0, 0, NULL,
     optable_check_listener, "ENDPOINT",
     "serve Prometheus metrics over HTTP, e.g. tcp://127.0.0.1:9810; empty: off"},
    {"disk_min_free_mb", 0, "gateway", OPT_UINT, FIELD(disk_min_free_mb), "100", 0, 0, 1048576,
     NULL, NULL, "MB", "stop taking records below this free space"},

    /* [collector]: the upstream link */
    {"collector", 0, "collector", OPT_STRING, FIELD(collector), NULL, OPT_REQUIRED | OPTABLE_LIST,
     0, 0, NULL,
     check_endpoints, "ENDPOINTS",
     "collector's zmq endpoint, e.g. tcp://collector:7710; several, comma-separated, "
     "to fail over (or --collector again)"},
    {"collector_public_key", 0, "collector", OPT_STRING, FIELD(collector_public_key), NULL,
     OPT_REQUIRED, 0, 0, NULL, check_z85_key, "Z85", "the collector's CURVE public key"},
    {"failover_ms", 0, "collector", OPT_UINT, FIELD(failover_ms), "10000", 0, 500, 600000, NULL,
     NULL, "MS", "with several collectors: move to the next after this long without an answer"},
    {"secret_key_file", 0, "collector", OPT_STRING, FIELD(secret_key_file),
     "/etc/lofte/gateway.key", 0, 0, 0, NULL, NULL, "PATH",
     "this gateway's CURVE key pair (mode 0600)"},
    {"feed", 0, "collector", OPT_STRING, FIELD(feed), "", OPT_EMPTY_OK, 0, 0, NULL,
     optable_check_endpoint, "ENDPOINT",
     "zmq PUB live feed to bind, e.g. tcp://127.0.0.1:7711 (plaintext: keep it local)"},

    /* [radio]: how acks are sent */
    {"ack_sf", 0, "radio", OPT_UINT, FIELD(ack_sf), "0", 0, 0, 12, NULL, check_sf, "SF",
     "acks' spreading factor; 0 = the uplink's own"},
    {"downlink_freq_hz", 0, "radio", OPT_UINT, FIELD(downlink_freq_hz), "869525000", 0,
     863000000, 870000000, NULL, NULL, "HZ", "ack frequency (EU868 sub-band g3)"},
    {"downlink_power_dBm", 0, "radio", OPT_INT, FIELD(downlink_power_dBm), "14", 0, 0, 27, NULL,
     NULL, "DBM", "ack transmit power"},
    {"station_clock", 0, "radio", OPT_CHOICE, FIELD(station_clock), "system", 0, 0, 0,
     clock_choices, NULL, "CLOCK",
     "acks' time: system (always, deployed) or modem (simulations of past dates only)"},
    /* what a single-channel AT modem listens on: the handhelds' channel and
     * SF (docs/modems.md); the lofte modem sets its own (§7 has no message
     * for it) */
    {"uplink_freq_hz", 0, "radio", OPT_UINT, FIELD(uplink_freq_hz), "868100000", 0, 868100000,
     868500000, NULL, check_uplink_freq, "HZ",
     "rui3/wio-e5: the uplink channel to hear, 868100000, 868300000 or 868500000"},
    {"uplink_sf", 0, "radio", OPT_UINT, FIELD(uplink_sf), "9", 0, 7, 12, NULL, NULL, "SF",
     "rui3/wio-e5: the uplink SF to hear (7..12), the handhelds' own"},
};

#define CONFIG_NOPTIONS (sizeof config_options / sizeof config_options[0])

/* C99 has no _Static_assert: a negative array size stops the build if the
 * table outgrows struct config's values[]. */
typedef char config_table_fits[CONFIG_NOPTIONS <= CONFIG_MAX_OPTIONS ? 1 : -1];

static const char *const config_sections[] = {"serial", "gateway", "collector", "radio"};

static const struct optable config_table = {
    config_options, CONFIG_NOPTIONS, config_sections,
    sizeof config_sections / sizeof config_sections[0],
};

const char *config_strerror(int err)
{
    return optable_strerror(err);
}

void config_init(struct config *c)
{
    memset(c, 0, sizeof *c);
    c->action = CONFIG_RUN;
    optable_init(&config_table, c->values);
}

const char *config_origin(const struct config *c, const char *name)
{
    return optable_origin(&config_table, c->values, name);
}

int config_parse_args(struct config *c, int argc, char **argv, char *err, size_t errlen)
{
    return optable_parse_args(&config_table, c, c->values, argc, argv, err, errlen);
}

int config_load_file(struct config *c, const char *path, char *err, size_t errlen)
{
    return optable_load_file(&config_table, c->values, path, err, errlen);
}

int config_check(struct config *c, char *err, size_t errlen)
{
    return optable_check(&config_table, c, c->values, err, errlen);
}

int config_load(struct config *c, int argc, char **argv, char *err, size_t errlen)
{
    int r = CONFIG_OK;
    config_init(c);
    if ((r = config_parse_args(c, argc, argv, err, errlen)) != CONFIG_OK)
        return r;
    if (c->action == CONFIG_HELP)
        return CONFIG_OK;
    if (c->config_path[0] && (r = config_load_file(c, c->config_path, err, errlen)) != CONFIG_OK &&
        (r == CONFIG_ERR_FILE || c->action == CONFIG_LIST_PORTS))
        return r;
    if (c->action == CONFIG_LIST_PORTS)
        return CONFIG_OK; /* listing ports needs no valid station settings */
    /* the file's own problems and the values' in one report */
    return optable_check_after(&config_table, c, c->values, r, err, errlen);
}

void config_usage(FILE *f, const char *argv0)
{
    fprintf(f,
            "Usage: %s --config FILE [--name VALUE ...]\n"
            "       %s --list-ports\n\n"
            "The station's LoRa gateway: receiver modem (serial) -> verify -> collector.\n"
            "Every option below is also a key of the INI config file, in the section shown,\n"
            "spelled with '_' (station_id = 7); the command line wins over the file.\n\n",
            argv0, argv0);
    optable_usage(&config_table, f);
}
