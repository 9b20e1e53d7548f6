/* config.h -- the gateway's configuration: INI file and command line.
 *
 * Design note. One table of option definitions in config.c (name, INI
 * section, type, default, range or choices, help) drives the INI file, the
 * command line (getopt_long) and --help, so the three cannot drift (as
 * rtl_433 does). The engine that reads them is optable.c, shared with the
 * collector's table (collector/cconfig.c); this module is the gateway's
 * table and its typed struct. The same name is the key in the file and the long option:
 * `baud = 57600` under [serial] and `--baud 57600` mean one thing.
 *
 * The order is Mosquitto's: parse the command line, read the file named by
 * --config, let the command line win, then ONE config_check() turns every
 * value's text into its typed field and validates it. Until then a value is
 * kept as text with where it came from ("/etc/lofte/gateway.ini:12" or
 * "option --baud"), so every error names that place and the reason, and
 * defaults go through the same parser as everything else. Numbers are
 * parsed with strtoul/strtol, base 10, with range checks: "12abc", "",
 * "-1" for a count, "0x10" are all refused (never atoi).
 *
 * The file:
 *
 *     [serial]
 *     port = /dev/serial/by-id/usb-FTDI_FT232R_A10K1234-if00-port0
 *     [gateway]
 *     station_id = 7
 *     ...
 *
 * Each option belongs to one section (config_usage lists them); a key in
 * the wrong section, an unknown key or section, a key given twice, a line
 * that is not `name = value` or `[section]`: each is an error naming
 * file:line. Comments are lines starting with ';' or '#', or ' ;' after a
 * value. Lines may be of any length (a value is at most CONFIG_VALUE_MAX - 1
 * bytes, said with its name); a NUL byte is an error, never the end of the
 * line. optable.c reads the file itself (no INI library), so every line's
 * problem is reported, not only the first.
 *
 * Size: struct config is ~80 kB (text of every option with its origin);
 * one per process.
 */
#ifndef LOFTE_GW_CONFIG_H
#define LOFTE_GW_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"
#include "optable.h"
#include "port.h"

#define CONFIG_PATH_MAX 1024
#define CONFIG_ENDPOINT_MAX 256
#define CONFIG_Z85_KEY_LEN 40           /* a CURVE public key in Z85 */
#define CONFIG_VALUE_MAX OPTABLE_VALUE_MAX
#define CONFIG_WHERE_MAX OPTABLE_WHERE_MAX
#define CONFIG_MAX_OPTIONS 32           /* table rows; config.c checks it fits */

/* The engine's codes (optable.h), under the names the gateway uses. */
enum config_err {
    CONFIG_OK = OPTABLE_OK,
    CONFIG_ERR_USAGE = OPTABLE_ERR_USAGE,
    CONFIG_ERR_FILE = OPTABLE_ERR_FILE,
    CONFIG_ERR_SYNTAX = OPTABLE_ERR_SYNTAX,
    CONFIG_ERR_UNKNOWN = OPTABLE_ERR_UNKNOWN,
    CONFIG_ERR_VALUE = OPTABLE_ERR_VALUE,
    CONFIG_ERR_MISSING = OPTABLE_ERR_MISSING,
    CONFIG_ERR_COUNT_ = OPTABLE_ERR_COUNT_
};

const char *config_strerror(int err);

/* The receiver modem's kind (docs/modems.md); each has its default baud
 * rate (modemdrv.h). Checklist: follows config.c's modem_choices. */
enum config_modem {
    CONFIG_MODEM_LOFTE = 0,   /* lofte's own serial protocol, docs/protocol.md §7 */
    CONFIG_MODEM_RUI3 = 1,    /* RAK3172 & co., RUI3 AT firmware, LoRa P2P */
    CONFIG_MODEM_WIOE5 = 2    /* Seeed Wio-E5 / LoRa-E5 AT firmware, TEST mode */
};

/* What the command line asks for besides running. */
enum config_action {
    CONFIG_RUN = 0,
    CONFIG_HELP,              /* --help: print config_usage, exit 0 */
    CONFIG_LIST_PORTS         /* --list-ports: print port_list, exit 0 */
};

/* The engine's (one enum, so comparisons with values[].from are exact). */
#define config_from optable_from
#define CONFIG_FROM_NONE OPTABLE_FROM_NONE
#define CONFIG_FROM_DEFAULT OPTABLE_FROM_DEFAULT
#define CONFIG_FROM_FILE OPTABLE_FROM_FILE
#define CONFIG_FROM_CLI OPTABLE_FROM_CLI

/* Where acks' station_time comes from (docs/protocol.md §6.2). */
enum config_clock {
    CONFIG_CLOCK_SYSTEM = 0,  /* the gateway's own (NTP-synchronised) clock */
    CONFIG_CLOCK_MODEM = 1    /* the modem's rx_time_ms: simulations and replays only */
};

/* An option's text before config_check, and where it came from. */
#define config_value optable_value

struct config {
    /* Typed values: valid after config_check() returned CONFIG_OK. */
    char port[CONFIG_PATH_MAX];             /* the modem's serial port */
    uint32_t baud;
    enum port_flow flow;
    enum port_driver port_driver;
    enum config_modem modem;                /* which driver speaks to it */
    char keys[CONFIG_PATH_MAX];             /* per-device key file (keystore.h) */
    uint16_t station_id;                    /* 1..65535, in every ack */
    char spool[CONFIG_PATH_MAX];            /* SQLite spool database */
    char state_dir[CONFIG_PATH_MAX];        /* status file goes here */
    enum log_level log_level;
    uint32_t disk_min_free_mb;              /* stop taking records below this */
    char collector[CONFIG_ENDPOINT_MAX];    /* zmq endpoint, tcp://host:port */
    char collector_public_key[CONFIG_Z85_KEY_LEN + 1];
    uint32_t failover_ms;                   /* several collectors: move on after this silence */
    char secret_key_file[CONFIG_PATH_MAX];  /* the gateway's own CURVE key */
    char feed[CONFIG_ENDPOINT_MAX];         /* zmq PUB to bind; "" = no feed */
    char metrics[CONFIG_ENDPOINT_MAX];      /* Prometheus HTTP, tcp://addr:port; "" = none */
    uint8_t ack_sf;                         /* 0 = the SF of the uplink answered */
    uint32_t downlink_freq_hz;
    int8_t downlink_power_dBm;
    enum config_clock station_clock;        /* which clock acks' station_time follows */
    uint32_t uplink_freq_hz;                /* AT modems listen here (§3.1: 868.1/.3/.5 MHz) */
    uint8_t uplink_sf;                      /* ... with this SF, 7..12 */

    /* Command line only. */
    char config_path[CONFIG_PATH_MAX];      /* "" = no file */
    int action;                             /* enum config_action (optable stores an int) */

    /* Text and origin of each table row, in table order. */
    struct config_value values[CONFIG_MAX_OPTIONS];
};

/* Defaults (as text, marked "default"), no file, action RUN. */
void config_init(struct config *c);

/* Command line. Values are stored as text marked "option --name"; --config
 * sets config_path; --help and --list-ports set action. CONFIG_ERR_USAGE
 * with a sentence in err for anything getopt_long refuses. Resets getopt's
 * state first, so it may be called more than once per process. */
int config_parse_args(struct config *c, int argc, char **argv, char *err, size_t errlen);

/* The INI file: values for options the command line did not set. Unknown
 * keys, wrong sections, duplicates and syntax errors are reported here, by
 * file:line (every one of them, one per line of err). */
int config_load_file(struct config *c, const char *path, char *err, size_t errlen);

/* Turn every value into its typed field and validate it. Reports every
 * problem, one per line of err, each naming file:line or the option. */
int config_check(struct config *c, char *err, size_t errlen);

/* The whole sequence: args, file (if --config), check. Stops after the
 * args for --help, and after the args' problems or an unreadable file;
 * otherwise the file's problems and every value's come in one err, and
 * the code returned is the file's first. */
int config_load(struct config *c, int argc, char **argv, char *err, size_t errlen);

/* Where an option's value came from ("file:line", "option --x",
 * "default", "unset"), for the daemon's messages about that value (e.g.
 * "spool /x (from gateway.ini:9): cannot open"). NULL for an unknown name. */
const char *config_origin(const struct config *c, const char *name);

/* --help text, generated from the table. */
void config_usage(FILE *f, const char *argv0);

#endif
