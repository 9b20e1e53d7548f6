/* config.c -- the option table, and the three readers it drives: the
 * command line, the INI file, and --help (see config.h for the design).
 *
 * Adding an option: one row in config_options[], one typed field in struct
 * config, a line in gateway/README.md "Configuration". Nothing else: the
 * file key, the long option, the help and the checks all come from the row.
 */
#define _DEFAULT_SOURCE /* getline */

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

enum opt_type {
    OPT_STRING,       /* text into a char[] field */
    OPT_UINT,         /* base-10 unsigned, min..max, into a 1/2/4-byte field */
    OPT_INT,          /* base-10 signed, min..max */
    OPT_CHOICE,       /* one of choices[], its value into an enum field */
    OPT_CLI_CONFIG,   /* --config FILE (command line only) */
    OPT_CLI_ACTION    /* --help, --list-ports (command line only, no value) */
};

#define OPT_REQUIRED 1   /* no default: must be given */
#define OPT_EMPTY_OK 2   /* "" is a valid value (feature off) */

struct choice {
    const char *name;
    int value;
};

struct option_def {
    const char *name;          /* file key; the long option is this with '-' for '_' */
    int short_opt;             /* or 0 */
    const char *section;       /* INI section; NULL: command line only */
    enum opt_type type;
    size_t offset, size;       /* the typed field in struct config */
    const char *def;           /* default, as text; NULL: none */
    int flags;
    long long min, max;        /* OPT_UINT, OPT_INT */
    const struct choice *choices; /* OPT_CHOICE, ends with {NULL, 0}; OPT_CLI_ACTION: its action */
    int (*check)(const char *value, char *why, size_t whylen); /* further format rule */
    const char *arg;           /* placeholder in --help */
    const char *help;
};

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

/* A zmq endpoint the gateway can use: tcp://host:port (port 1..65535, or
 * * to bind any) or ipc://path. zmq itself would accept more and say less
 * about what is wrong. */
static int check_endpoint(const char *v, char *why, size_t whylen)
{
    const char *colon, *p;
    if (v[0] == 0)
        return 0; /* only reached for OPT_EMPTY_OK options */
    for (p = v; *p; p++) {
        if (isspace((unsigned char)*p)) {
            snprintf(why, whylen, "'%s' holds a space: an endpoint is one word", v);
            return -1;
        }
    }
    if (strncmp(v, "ipc://", 6) == 0 && v[6])
        return 0;
    if (strncmp(v, "tcp://", 6) == 0 && (colon = strrchr(v + 6, ':')) != NULL &&
        colon > v + 6) {
        char *end;
        unsigned long port;
        if (strcmp(colon + 1, "*") == 0)
            return 0;
        errno = 0;
        port = isdigit((unsigned char)colon[1]) ? strtoul(colon + 1, &end, 10) : 0;
        if (errno == 0 && port >= 1 && port <= 65535 && *end == 0)
            return 0;
    }
    snprintf(why, whylen, "'%s' is not an endpoint: use tcp://host:port or ipc://path", v);
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
        if (check_endpoint(one, why, whylen) != 0)
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
static const struct choice help_action[] = {{"help", CONFIG_HELP}, {NULL, 0}};
static const struct choice list_action[] = {{"list-ports", CONFIG_LIST_PORTS}, {NULL, 0}};

#define FIELD(f) offsetof(struct config, f), sizeof(((struct config *)0)->f)
#define NOFIELD 0, 0

static const struct option_def config_options[] = {
    /* command line only */
    {"config", 'c', NULL, OPT_CLI_CONFIG, FIELD(config_path), NULL, 0, 0, 0, NULL, NULL,
     "FILE", "read options from this INI file"},
    {"help", 'h', NULL, OPT_CLI_ACTION, NOFIELD, NULL, 0, 0, 0, help_action, NULL, NULL,
     "print this help and exit"},
    {"list_ports", 0, NULL, OPT_CLI_ACTION, NOFIELD, NULL, 0, 0, 0, list_action, NULL, NULL,
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
    {"disk_min_free_mb", 0, "gateway", OPT_UINT, FIELD(disk_min_free_mb), "100", 0, 0, 1048576,
     NULL, NULL, "MB", "stop taking records below this free space"},

    /* [collector]: the upstream link */
    {"collector", 0, "collector", OPT_STRING, FIELD(collector), NULL, OPT_REQUIRED, 0, 0, NULL,
     check_endpoints, "ENDPOINTS",
     "collector's zmq endpoint, e.g. tcp://collector:7710; several, comma-separated, "
     "to fail over"},
    {"collector_public_key", 0, "collector", OPT_STRING, FIELD(collector_public_key), NULL,
     OPT_REQUIRED, 0, 0, NULL, check_z85_key, "Z85", "the collector's CURVE public key"},
    {"failover_ms", 0, "collector", OPT_UINT, FIELD(failover_ms), "10000", 0, 500, 600000, NULL,
     NULL, "MS", "with several collectors: move to the next after this long without an answer"},
    {"secret_key_file", 0, "collector", OPT_STRING, FIELD(secret_key_file),
     "/etc/lofte/gateway.key", 0, 0, 0, NULL, NULL, "PATH",
     "this gateway's CURVE key pair (mode 0600)"},
    {"feed", 0, "collector", OPT_STRING, FIELD(feed), "", OPT_EMPTY_OK, 0, 0, NULL,
     check_endpoint, "ENDPOINT",
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
};

#define CONFIG_NOPTIONS (sizeof config_options / sizeof config_options[0])

/* C99 has no _Static_assert: a negative array size stops the build if the
 * table outgrows struct config's values[]. */
typedef char config_table_fits[CONFIG_NOPTIONS <= CONFIG_MAX_OPTIONS ? 1 : -1];

static const char *const config_sections[] = {"serial", "gateway", "collector", "radio"};

const char *config_strerror(int err)
{
    static const char *const text[CONFIG_ERR_COUNT_] = {
        "no error",
        "bad command line",
        "config file cannot be read",
        "config file syntax error",
        "unknown option or section",
        "invalid value",
        "required option missing",
    };
    if (err > 0 || err <= -CONFIG_ERR_COUNT_)
        return "unknown config error";
    return text[-err];
}

/* --- error lists: every problem, one per line -------------------------------- */

struct errs {
    char *buf;
    size_t len, cap;
    int first;        /* code of the first problem, CONFIG_OK if none */
    int full;         /* a problem did not fit; the marker line ends buf */
};

/* The last line when the buffer cannot hold every problem: whole lines
 * only, never one cut in the middle (fuzz_gateway_config found
 * "/etc/lofte/gateway.ini:1" ending a full buffer). */
#define ERRS_MORE "... and more problems (not shown)"

static void errs_init(struct errs *e, char *buf, size_t cap)
{
    e->buf = buf;
    e->cap = buf ? cap : 0;
    e->len = 0;
    e->first = CONFIG_OK;
    e->full = 0;
    if (e->cap)
        buf[0] = 0;
}

LOG_PRINTF(3, 4)
static void errs_add(struct errs *e, int code, const char *fmt, ...)
{
    va_list ap;
    int n;
    size_t sep;
    if (e->first == CONFIG_OK)
        e->first = code;
    if (e->full || e->cap == 0)
        return;
    sep = e->len ? 1 : 0;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    /* room for this line and, after it, the marker */
    if (e->len + sep + (size_t)n + 1 + sizeof ERRS_MORE <= e->cap) {
        if (sep)
            e->buf[e->len++] = '\n';
        va_start(ap, fmt);
        vsnprintf(e->buf + e->len, e->cap - e->len, fmt, ap);
        va_end(ap);
        e->len += (size_t)n;
        return;
    }
    e->full = 1;
    if (e->len + sep + sizeof ERRS_MORE <= e->cap) {
        if (sep)
            e->buf[e->len++] = '\n';
        memcpy(e->buf + e->len, ERRS_MORE, sizeof ERRS_MORE);
        e->len += sizeof ERRS_MORE - 1;
    }
}

/* --- table helpers -------------------------------------------------------------- */

static int find_option(const char *name)
{
    size_t i;
    for (i = 0; i < CONFIG_NOPTIONS; i++)
        if (strcmp(config_options[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* "station_id" -> "station-id": the long option's spelling. */
static void dashed(const char *name, char *out, size_t cap)
{
    size_t i;
    for (i = 0; name[i] && i + 1 < cap; i++)
        out[i] = name[i] == '_' ? '-' : name[i];
    out[i] = 0;
}

static void set_value(struct config_value *v, enum config_from from, const char *where,
                      const char *raw)
{
    v->from = from;
    snprintf(v->where, sizeof v->where, "%s", where);
    snprintf(v->raw, sizeof v->raw, "%s", raw);
}

void config_init(struct config *c)
{
    size_t i;
    memset(c, 0, sizeof *c);
    c->action = CONFIG_RUN;
    for (i = 0; i < CONFIG_NOPTIONS; i++)
        if (config_options[i].def)
            set_value(&c->values[i], CONFIG_FROM_DEFAULT, "default", config_options[i].def);
}

const char *config_origin(const struct config *c, const char *name)
{
    int i = find_option(name);
    if (i < 0)
        return NULL;
    return c->values[i].from == CONFIG_FROM_NONE ? "unset" : c->values[i].where;
}

/* --- command line ---------------------------------------------------------------- */

int config_parse_args(struct config *c, int argc, char **argv, char *err, size_t errlen)
{
    struct option longopts[2 * CONFIG_MAX_OPTIONS + 1];
    char names[CONFIG_MAX_OPTIONS][64];
    char shortopts[2 * CONFIG_MAX_OPTIONS + 3] = "+:"; /* + no permuting; : report missing args */
    struct errs e;
    size_t i, k = 0, s = 2;
    int r;

    errs_init(&e, err, errlen);
    memset(longopts, 0, sizeof longopts);
    for (i = 0; i < CONFIG_NOPTIONS; i++) {
        const struct option_def *o = &config_options[i];
        int has_arg = o->type == OPT_CLI_ACTION ? no_argument : required_argument;
        dashed(o->name, names[i], sizeof names[i]);
        /* both spellings: --station-id as on a command line, --station_id
         * as in the file */
        longopts[k].name = names[i];
        longopts[k].has_arg = has_arg;
        longopts[k++].val = 1000 + (int)i;
        if (strcmp(names[i], o->name) != 0) {
            longopts[k].name = o->name;
            longopts[k].has_arg = has_arg;
            longopts[k++].val = 1000 + (int)i;
        }
        if (o->short_opt) {
            shortopts[s++] = (char)o->short_opt;
            if (has_arg == required_argument)
                shortopts[s++] = ':';
        }
    }
    shortopts[s] = 0;

    opterr = 0;  /* our sentences, not getopt's */
    optind = 0;  /* glibc: full reinitialisation, so tests may parse twice */
    while ((r = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        const struct option_def *o;
        int idx;
        char where[80];

        if (r == '?' || r == ':') {
            const char *what = argv[optind - 1];
            if (r == ':')
                errs_add(&e, CONFIG_ERR_USAGE, "option %s needs a value", what);
            else if (optopt && optopt < 1000 && strncmp(what, "--", 2) != 0)
                errs_add(&e, CONFIG_ERR_USAGE, "unknown option -%c (see --help)", optopt);
            else
                errs_add(&e, CONFIG_ERR_USAGE, "unknown option %s (see --help)", what);
            continue;
        }
        if (r < 1000) { /* a short option: find its row */
            for (idx = 0; idx < (int)CONFIG_NOPTIONS; idx++)
                if (config_options[idx].short_opt == r)
                    break;
        } else {
            idx = r - 1000;
        }
        o = &config_options[idx];
        switch (o->type) {
        case OPT_CLI_ACTION:
            c->action = (enum config_action)o->choices[0].value;
            break;
        case OPT_CLI_CONFIG:
            if (strlen(optarg) >= sizeof c->config_path)
                errs_add(&e, CONFIG_ERR_USAGE, "option --%s: path longer than %zu bytes",
                         names[idx], sizeof c->config_path - 1);
            else
                strcpy(c->config_path, optarg);
            break;
        default:
            snprintf(where, sizeof where, "option --%s", names[idx]);
            if (strcmp(o->name, "collector") == 0 && c->values[idx].from == CONFIG_FROM_CLI) {
                /* --collector again: one more endpoint to fail over to */
                char joined[CONFIG_VALUE_MAX];
                if ((size_t)snprintf(joined, sizeof joined, "%s, %s", c->values[idx].raw,
                                     optarg) >= sizeof joined)
                    errs_add(&e, CONFIG_ERR_VALUE, "%s: values longer than %zu bytes together",
                             where, sizeof joined - 1);
                else
                    set_value(&c->values[idx], CONFIG_FROM_CLI, where, joined);
            } else if (strlen(optarg) >= sizeof c->values[idx].raw)
                errs_add(&e, CONFIG_ERR_VALUE, "%s: value longer than %zu bytes", where,
                         sizeof c->values[idx].raw - 1);
            else
                set_value(&c->values[idx], CONFIG_FROM_CLI, where, optarg);
            break;
        }
    }
    for (; optind < argc; optind++)
        errs_add(&e, CONFIG_ERR_USAGE,
                 "unexpected argument '%s' (options are --name VALUE; see --help)",
                 argv[optind]);
    return e.first;
}

/* --- the INI file -------------------------------------------------------------------- */

/* The reader is ours, not a library's: it knows each line's number, reads
 * lines of any length (a value's own limit, CONFIG_VALUE_MAX, is checked
 * with its name), refuses a NUL byte instead of cutting the line at it, and
 * goes on after a broken line, so one run reports every problem.
 *
 * A line, after leading and trailing blanks are dropped, is empty, a
 * comment (';' or '#' first), `[section]` (a comment may follow), or
 * `name = value` (value ends at a blank followed by ';'). An indented line
 * that is not `name = value` right after a key line is what other INI
 * readers fold into that key's value; here values are one line, and it is
 * reported as such. A UTF-8 byte order mark on the first line is skipped. */
struct file_ctx {
    struct config *c;
    const char *path;
    unsigned lineno;
    int prev_idx;        /* option of the previous key line, for continuations */
    int section_bad;     /* the current [section] was refused (already said) */
    struct errs *e;
};

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
}

/* s[0..n) without its leading and trailing blanks, NUL-terminated in place. */
static char *trim(char *s, size_t n)
{
    while (n && is_blank(s[n - 1]))
        n--;
    s[n] = 0;
    while (is_blank(*s))
        s++;
    return s;
}

static int known_section(const char *s)
{
    size_t i;
    for (i = 0; i < sizeof config_sections / sizeof config_sections[0]; i++)
        if (strcmp(s, config_sections[i]) == 0)
            return 1;
    return 0;
}

static void file_key(struct file_ctx *fc, const char *section, const char *name, const char *value)
{
    struct config_value *v;
    const struct option_def *o;
    char where[CONFIG_WHERE_MAX];
    int idx = find_option(name);
    unsigned ln = fc->lineno;
    const char *p;

    fc->prev_idx = idx;
    if (fc->section_bad)
        return; /* its header was reported; one error, not one per key */
    if (idx < 0) {
        errs_add(fc->e, CONFIG_ERR_UNKNOWN, "%s:%u: unknown key '%s' (see --help)", fc->path,
                 ln, name);
        return;
    }
    if (!config_options[idx].section) {
        errs_add(fc->e, CONFIG_ERR_UNKNOWN, "%s:%u: %s can only be given on the command line",
                 fc->path, ln, name);
        return;
    }
    o = &config_options[idx];
    if (strcmp(section, o->section) != 0) {
        if (section[0])
            errs_add(fc->e, CONFIG_ERR_UNKNOWN, "%s:%u: %s belongs in [%s], not [%s]", fc->path,
                     ln, name, o->section, section);
        else
            errs_add(fc->e, CONFIG_ERR_UNKNOWN, "%s:%u: %s is outside any section; put it "
                     "under [%s]", fc->path, ln, name, o->section);
        return;
    }
    v = &fc->c->values[idx];
    if (v->line) {
        errs_add(fc->e, CONFIG_ERR_SYNTAX, "%s:%u: %s is given twice (first on line %u)",
                 fc->path, ln, name, v->line);
        return;
    }
    v->line = ln;
    /* a value ends only at " ;": a " #" would silently become part of a
     * path */
    for (p = value; *p; p++) {
        if ((*p == ' ' || *p == '\t') && p[1] == '#') {
            errs_add(fc->e, CONFIG_ERR_SYNTAX, "%s:%u: %s: comments after a value start "
                     "with ';', not '#'", fc->path, ln, name);
            return;
        }
    }
    if (v->from == CONFIG_FROM_CLI)
        return; /* checked above, but the command line wins */
    if (strlen(value) >= sizeof v->raw) {
        errs_add(fc->e, CONFIG_ERR_VALUE, "%s:%u: %s: value longer than %zu bytes", fc->path,
                 ln, name, sizeof v->raw - 1);
        return;
    }
    snprintf(where, sizeof where, "%s:%u", fc->path, ln);
    set_value(v, CONFIG_FROM_FILE, where, value);
}

static void section_unknown(struct file_ctx *fc, const char *section)
{
    char list[128];
    size_t i, n = 0;
    for (i = 0; i < sizeof config_sections / sizeof config_sections[0] && n < sizeof list; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s[%s]", i ? ", " : "",
                              config_sections[i]);
    errs_add(fc->e, CONFIG_ERR_UNKNOWN, "%s:%u: unknown section [%s] (sections: %s)", fc->path,
             fc->lineno, section, list);
    fc->section_bad = 1;
}

/* One line of the file (n bytes, no newline, NUL-terminated at n). */
static void file_line(struct file_ctx *fc, char *raw, size_t n, char *section, size_t seccap)
{
    unsigned ln = fc->lineno;
    int indented = n && is_blank(raw[0]);
    char *s, *eq, *name, *value, *p;
    const char *nul = memchr(raw, 0, n);

    if (nul) {
        errs_add(fc->e, CONFIG_ERR_SYNTAX, "%s:%u: a NUL byte at column %zu; a config file "
                 "is text", fc->path, ln, (size_t)(nul - raw) + 1);
        fc->prev_idx = -1;
        return;
    }
    if (ln == 1 && n >= 3 && memcmp(raw, "\xEF\xBB\xBF", 3) == 0) {
        raw += 3;
        n -= 3;
    }
    s = trim(raw, n);
    if (s[0] == 0 || s[0] == ';' || s[0] == '#')
        return;
    if (s[0] == '[') {
        char *close = strchr(s, ']');
        fc->prev_idx = -1;
        fc->section_bad = 0;
        p = close ? trim(close + 1, strlen(close + 1)) : NULL;
        if (!close || (p[0] && p[0] != ';' && p[0] != '#')) {
            errs_add(fc->e, CONFIG_ERR_SYNTAX, "%s:%u: a section header is `[name]`, "
                     "alone on its line", fc->path, ln);
            fc->section_bad = 1;
            return;
        }
        *close = 0;
        name = trim(s + 1, strlen(s + 1));
        snprintf(section, seccap, "%s", name);
        if (!known_section(name))
            section_unknown(fc, name);
        return;
    }
    eq = strchr(s, '=');
    if (!eq || eq == s) {
        if (indented && fc->prev_idx >= 0)
            errs_add(fc->e, CONFIG_ERR_SYNTAX,
                     "%s:%u: an indented line continues %s's value; values are one line "
                     "(remove the indent)", fc->path, ln, config_options[fc->prev_idx].name);
        else
            errs_add(fc->e, CONFIG_ERR_SYNTAX,
                     "%s:%u: not a `name = value` line or a `[section]` header", fc->path, ln);
        fc->prev_idx = -1;
        return;
    }
    *eq = 0;
    name = trim(s, (size_t)(eq - s));
    value = eq + 1;
    for (p = value; *p; p++) {
        if (is_blank(*p) && p[1] == ';') {
            *p = 0;
            break;
        }
    }
    value = trim(value, strlen(value));
    if (value[0] == ';')
        value[0] = 0; /* `feed = ; off`: an empty value and its comment */
    file_key(fc, section, name, value);
}

int config_load_file(struct config *c, const char *path, char *err, size_t errlen)
{
    struct file_ctx fc;
    struct errs e;
    FILE *f;
    char *line = NULL, section[64] = "";
    size_t cap = 0, i;
    ssize_t n;

    errs_init(&e, err, errlen);
    memset(&fc, 0, sizeof fc);
    fc.c = c;
    fc.path = path;
    fc.e = &e;
    fc.prev_idx = -1;
    f = fopen(path, "re");
    if (!f) {
        errs_add(&e, CONFIG_ERR_FILE, "cannot read config file %s: %s", path, strerror(errno));
        return e.first;
    }
    for (i = 0; i < CONFIG_NOPTIONS; i++)
        c->values[i].line = 0; /* "given twice" is per file */
    while ((n = getline(&line, &cap, f)) >= 0) {
        fc.lineno++;
        if (n && line[n - 1] == '\n')
            line[--n] = 0;
        file_line(&fc, line, (size_t)n, section, sizeof section);
    }
    if (ferror(f))
        errs_add(&e, CONFIG_ERR_FILE, "cannot read config file %s: %s", path, strerror(errno));
    free(line);
    fclose(f);
    return e.first;
}

/* --- check: text -> typed fields ------------------------------------------------------ */

/* Base-10 digits only, with an optional '-' when signed: no spaces, no
 * '+', no "0x", nothing after. */
static int parse_number(const char *s, int is_signed, long long *out)
{
    const char *d = (is_signed && s[0] == '-') ? s + 1 : s;
    char *end;
    if (!isdigit((unsigned char)d[0]))
        return -1;
    errno = 0;
    if (is_signed) {
        *out = strtoll(s, &end, 10);
    } else {
        unsigned long long u = strtoull(s, &end, 10);
        if (u > (unsigned long long)LLONG_MAX)
            errno = ERANGE;
        *out = (long long)u;
    }
    if (*end != 0)
        return -1;
    return errno == ERANGE ? -2 : 0;
}

/* Store v in a 1, 2, 4 or 8-byte integer or enum field. The caller checked
 * v fits the field's range, so the low bytes are the value, signed or not. */
static void store_number(struct config *c, const struct option_def *o, long long v)
{
    unsigned char *p = (unsigned char *)c + o->offset;
    uint8_t b1 = (uint8_t)v;
    uint16_t b2 = (uint16_t)v;
    uint32_t b4 = (uint32_t)v;
    uint64_t b8 = (uint64_t)v;
    switch (o->size) {
    case 1: memcpy(p, &b1, 1); break;
    case 2: memcpy(p, &b2, 2); break;
    case 4: memcpy(p, &b4, 4); break;
    default: memcpy(p, &b8, 8); break;
    }
}

static void choice_list(const struct choice *ch, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = 0;
    for (; ch->name && n < cap; ch++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? ", " : "", ch->name);
}

static void check_one(struct config *c, size_t i, struct errs *e)
{
    const struct option_def *o = &config_options[i];
    const struct config_value *v = &c->values[i];
    char why[256], dname[64];
    long long num;
    int r;

    dashed(o->name, dname, sizeof dname);
    if (v->from == CONFIG_FROM_NONE) {
        if (o->flags & OPT_REQUIRED)
            errs_add(e, CONFIG_ERR_MISSING,
                     "%s is required: set it under [%s] in the config file, or give --%s",
                     o->name, o->section, dname);
        return;
    }
    switch (o->type) {
    case OPT_STRING:
        if (v->raw[0] == 0 && !(o->flags & OPT_EMPTY_OK)) {
            errs_add(e, CONFIG_ERR_VALUE, "%s: %s is empty", v->where, o->name);
            return;
        }
        if (strlen(v->raw) >= o->size) {
            errs_add(e, CONFIG_ERR_VALUE, "%s: %s is longer than %zu bytes", v->where, o->name,
                     o->size - 1);
            return;
        }
        if (o->check && o->check(v->raw, why, sizeof why) != 0) {
            errs_add(e, CONFIG_ERR_VALUE, "%s: %s: %s", v->where, o->name, why);
            return;
        }
        strcpy((char *)c + o->offset, v->raw);
        return;
    case OPT_UINT:
    case OPT_INT:
        r = parse_number(v->raw, o->type == OPT_INT, &num);
        if (r == -1) {
            errs_add(e, CONFIG_ERR_VALUE, "%s: %s: '%s' is not a whole number", v->where,
                     o->name, v->raw);
            return;
        }
        if (r == -2 || num < o->min || num > o->max) {
            errs_add(e, CONFIG_ERR_VALUE, "%s: %s: %s is out of range %lld..%lld", v->where,
                     o->name, v->raw, o->min, o->max);
            return;
        }
        if (o->check && o->check(v->raw, why, sizeof why) != 0) {
            errs_add(e, CONFIG_ERR_VALUE, "%s: %s: %s", v->where, o->name, why);
            return;
        }
        store_number(c, o, num);
        return;
    case OPT_CHOICE: {
        const struct choice *ch;
        for (ch = o->choices; ch->name; ch++) {
            if (strcmp(ch->name, v->raw) == 0) {
                store_number(c, o, ch->value);
                return;
            }
        }
        choice_list(o->choices, why, sizeof why);
        errs_add(e, CONFIG_ERR_VALUE, "%s: %s: '%s' is not one of %s", v->where, o->name,
                 v->raw, why);
        return;
    }
    default:
        return; /* command-line-only rows hold no value */
    }
}

int config_check(struct config *c, char *err, size_t errlen)
{
    struct errs e;
    size_t i;
    errs_init(&e, err, errlen);
    for (i = 0; i < CONFIG_NOPTIONS; i++)
        if (config_options[i].section)
            check_one(c, i, &e);
    return e.first;
}

int config_load(struct config *c, int argc, char **argv, char *err, size_t errlen)
{
    int r, rc;
    size_t used;
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
    /* The file's own problems and the values' problems in one report: an
     * operator fixes them all in one edit, not one pass each. A line the
     * file reader refused left its option unset or default, so check may
     * add "is required" for it, which is true. */
    if (r == CONFIG_OK)
        return config_check(c, err, errlen);
    used = strlen(err);
    if (used + 2 < errlen) {
        err[used] = '\n';
        rc = config_check(c, err + used + 1, errlen - used - 1);
        if (rc == CONFIG_OK)
            err[used] = 0;
    }
    return r;
}

/* --- help ------------------------------------------------------------------------------ */

static void usage_row(FILE *f, const struct option_def *o)
{
    char dname[64], left[96], extra[256];
    dashed(o->name, dname, sizeof dname);
    if (o->short_opt)
        snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_opt, dname, o->arg ? " " : "",
                 o->arg ? o->arg : "");
    else
        snprintf(left, sizeof left, "    --%s%s%s", dname, o->arg ? " " : "",
                 o->arg ? o->arg : "");
    fprintf(f, "  %-34s %s\n", left, o->help);
    extra[0] = 0;
    if (o->type == OPT_CHOICE) {
        char list[160];
        choice_list(o->choices, list, sizeof list);
        snprintf(extra, sizeof extra, "one of %s; default %s", list, o->def);
    } else if (o->type == OPT_UINT || o->type == OPT_INT) {
        snprintf(extra, sizeof extra, "%lld..%lld; default %s", o->min, o->max,
                 o->def ? o->def : "none");
    } else if (o->section) {
        snprintf(extra, sizeof extra, "%s%s", o->flags & OPT_REQUIRED ? "required" : "default ",
                 o->flags & OPT_REQUIRED ? "" : (o->def[0] ? o->def : "empty: off"));
    }
    if (o->section && (o->flags & OPT_REQUIRED) && o->type != OPT_STRING)
        snprintf(extra + strlen(extra), sizeof extra - strlen(extra), "; required");
    if (extra[0])
        fprintf(f, "  %-34s (%s)\n", "", extra);
}

void config_usage(FILE *f, const char *argv0)
{
    size_t i, s;
    fprintf(f,
            "Usage: %s --config FILE [--name VALUE ...]\n"
            "       %s --list-ports\n\n"
            "The station's LoRa gateway: receiver modem (serial) -> verify -> collector.\n"
            "Every option below is also a key of the INI config file, in the section shown,\n"
            "spelled with '_' (station_id = 7); the command line wins over the file.\n\n",
            argv0, argv0);
    for (i = 0; i < CONFIG_NOPTIONS; i++)
        if (!config_options[i].section)
            usage_row(f, &config_options[i]);
    for (s = 0; s < sizeof config_sections / sizeof config_sections[0]; s++) {
        fprintf(f, "\n[%s]\n", config_sections[s]);
        for (i = 0; i < CONFIG_NOPTIONS; i++)
            if (config_options[i].section &&
                strcmp(config_options[i].section, config_sections[s]) == 0)
                usage_row(f, &config_options[i]);
    }
}
