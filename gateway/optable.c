/* optable.c -- the option table engine (see optable.h): error lists,
 * the command line, the INI reader, the check pass and --help.
 */
#define _DEFAULT_SOURCE /* getline */

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "optable.h"

#if defined(__GNUC__)
#define OPTABLE_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define OPTABLE_PRINTF(f, a)
#endif

const char *optable_strerror(int err)
{
    static const char *const text[OPTABLE_ERR_COUNT_] = {
        "no error",
        "bad command line",
        "config file cannot be read",
        "config file syntax error",
        "unknown option or section",
        "invalid value",
        "required option missing",
    };
    if (err > 0 || err <= -OPTABLE_ERR_COUNT_)
        return "unknown config error";
    return text[-err];
}

/* --- format rules more than one table uses ------------------------------------ */

/* A zmq endpoint a daemon can use: tcp://host:port (port 1..65535, or
 * * to bind any) or ipc://path. zmq itself would accept more and say less
 * about what is wrong. */
int optable_check_endpoint(const char *v, char *why, size_t whylen)
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

/* The metrics listener: tcp://ADDRESS:PORT with an IP literal (metrics.c
 * parses it fully when it binds, and says what is wrong there). */
int optable_check_listener(const char *v, char *why, size_t whylen)
{
    if (v[0] == 0 || (strncmp(v, "tcp://", 6) == 0 && strrchr(v + 6, ':')))
        return 0;
    snprintf(why, whylen, "'%s' is not a listener: use tcp://127.0.0.1:9810", v);
    return -1;
}

/* --- error lists: every problem, one per line -------------------------------- */

struct errs {
    char *buf;
    size_t len, cap;
    int first;        /* code of the first problem, OPTABLE_OK if none */
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
    e->first = OPTABLE_OK;
    e->full = 0;
    if (e->cap)
        buf[0] = 0;
}

OPTABLE_PRINTF(3, 4)
static void errs_add(struct errs *e, int code, const char *fmt, ...)
{
    va_list ap;
    int n;
    size_t sep;
    if (e->first == OPTABLE_OK)
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

static int find_option(const struct optable *t, const char *name)
{
    size_t i;
    for (i = 0; i < t->nopts; i++)
        if (strcmp(t->opts[i].name, name) == 0)
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

static void set_value(struct optable_value *v, enum optable_from from, const char *where,
                      const char *raw)
{
    v->from = from;
    snprintf(v->where, sizeof v->where, "%s", where);
    snprintf(v->raw, sizeof v->raw, "%s", raw);
}

void optable_init(const struct optable *t, struct optable_value *values)
{
    size_t i;
    memset(values, 0, t->nopts * sizeof *values);
    for (i = 0; i < t->nopts; i++)
        if (t->opts[i].def)
            set_value(&values[i], OPTABLE_FROM_DEFAULT, "default", t->opts[i].def);
}

const char *optable_origin(const struct optable *t, const struct optable_value *values,
                           const char *name)
{
    int i = find_option(t, name);
    if (i < 0)
        return NULL;
    return values[i].from == OPTABLE_FROM_NONE ? "unset" : values[i].where;
}

/* --- command line ---------------------------------------------------------------- */

/* Store v in a 1, 2, 4 or 8-byte integer or enum field. The caller checked
 * v fits the field's range, so the low bytes are the value, signed or not. */
static void store_number(void *base, const struct optable_def *o, long long v)
{
    unsigned char *p = (unsigned char *)base + o->offset;
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

int optable_parse_args(const struct optable *t, void *base, struct optable_value *values,
                       int argc, char **argv, char *err, size_t errlen)
{
    struct option longopts[2 * OPTABLE_MAX_OPTIONS + 1];
    char names[OPTABLE_MAX_OPTIONS][64];
    char shortopts[2 * OPTABLE_MAX_OPTIONS + 3] = "+:"; /* + no permuting; : report missing args */
    struct errs e;
    size_t i, k = 0, s = 2;
    int r;

    errs_init(&e, err, errlen);
    if (t->nopts > OPTABLE_MAX_OPTIONS) { /* a table the arrays below cannot hold */
        errs_add(&e, OPTABLE_ERR_USAGE, "option table of %zu rows: at most %d", t->nopts,
                 OPTABLE_MAX_OPTIONS);
        return e.first;
    }
    memset(longopts, 0, sizeof longopts);
    for (i = 0; i < t->nopts; i++) {
        const struct optable_def *o = &t->opts[i];
        int has_arg = o->type == OPTABLE_CLI_ACTION ? no_argument : required_argument;
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
        const struct optable_def *o;
        int idx;
        char where[80];

        if (r == '?' || r == ':') {
            const char *what = argv[optind - 1];
            if (r == ':')
                errs_add(&e, OPTABLE_ERR_USAGE, "option %s needs a value", what);
            else if (optopt && optopt < 1000 && strncmp(what, "--", 2) != 0)
                errs_add(&e, OPTABLE_ERR_USAGE, "unknown option -%c (see --help)", optopt);
            else
                errs_add(&e, OPTABLE_ERR_USAGE, "unknown option %s (see --help)", what);
            continue;
        }
        if (r < 1000) { /* a short option: find its row */
            for (idx = 0; idx < (int)t->nopts; idx++)
                if (t->opts[idx].short_opt == r)
                    break;
        } else {
            idx = r - 1000;
        }
        o = &t->opts[idx];
        switch (o->type) {
        case OPTABLE_CLI_ACTION:
            store_number(base, o, o->choices[0].value);
            break;
        case OPTABLE_CLI_CONFIG:
            if (strlen(optarg) >= o->size)
                errs_add(&e, OPTABLE_ERR_USAGE, "option --%s: path longer than %zu bytes",
                         names[idx], o->size - 1);
            else
                strcpy((char *)base + o->offset, optarg);
            break;
        default:
            snprintf(where, sizeof where, "option --%s", names[idx]);
            if ((o->flags & OPTABLE_LIST) && values[idx].from == OPTABLE_FROM_CLI) {
                char joined[sizeof values[idx].raw];
                if ((size_t)snprintf(joined, sizeof joined, "%s, %s", values[idx].raw, optarg) >=
                    sizeof joined)
                    errs_add(&e, OPTABLE_ERR_VALUE, "%s: values longer than %zu bytes together",
                             where, sizeof joined - 1);
                else
                    set_value(&values[idx], OPTABLE_FROM_CLI, where, joined);
            } else if (strlen(optarg) >= sizeof values[idx].raw)
                errs_add(&e, OPTABLE_ERR_VALUE, "%s: value longer than %zu bytes", where,
                         sizeof values[idx].raw - 1);
            else
                set_value(&values[idx], OPTABLE_FROM_CLI, where, optarg);
            break;
        }
    }
    for (; optind < argc; optind++)
        errs_add(&e, OPTABLE_ERR_USAGE,
                 "unexpected argument '%s' (options are --name VALUE; see --help)",
                 argv[optind]);
    return e.first;
}

/* --- the INI file -------------------------------------------------------------------- */

/* The reader is ours, not a library's: it knows each line's number, reads
 * lines of any length (a value's own limit, OPTABLE_VALUE_MAX, is checked
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
    const struct optable *t;
    struct optable_value *values;
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

static int known_section(const struct optable *t, const char *s)
{
    size_t i;
    for (i = 0; i < t->nsections; i++)
        if (strcmp(s, t->sections[i]) == 0)
            return 1;
    return 0;
}

static void file_key(struct file_ctx *fc, const char *section, const char *name, const char *value)
{
    struct optable_value *v;
    const struct optable_def *o;
    char where[OPTABLE_WHERE_MAX];
    const struct optable *t = fc->t;
    int idx = find_option(t, name);
    unsigned ln = fc->lineno;
    const char *p;

    fc->prev_idx = idx;
    if (fc->section_bad)
        return; /* its header was reported; one error, not one per key */
    if (idx < 0) {
        errs_add(fc->e, OPTABLE_ERR_UNKNOWN, "%s:%u: unknown key '%s' (see --help)", fc->path,
                 ln, name);
        return;
    }
    if (!t->opts[idx].section) {
        errs_add(fc->e, OPTABLE_ERR_UNKNOWN, "%s:%u: %s can only be given on the command line",
                 fc->path, ln, name);
        return;
    }
    o = &t->opts[idx];
    if (strcmp(section, o->section) != 0) {
        if (section[0])
            errs_add(fc->e, OPTABLE_ERR_UNKNOWN, "%s:%u: %s belongs in [%s], not [%s]", fc->path,
                     ln, name, o->section, section);
        else
            errs_add(fc->e, OPTABLE_ERR_UNKNOWN, "%s:%u: %s is outside any section; put it "
                     "under [%s]", fc->path, ln, name, o->section);
        return;
    }
    v = &fc->values[idx];
    if (v->line) {
        errs_add(fc->e, OPTABLE_ERR_SYNTAX, "%s:%u: %s is given twice (first on line %u)",
                 fc->path, ln, name, v->line);
        return;
    }
    v->line = ln;
    /* a value ends only at " ;": a " #" would silently become part of a
     * path */
    for (p = value; *p; p++) {
        if ((*p == ' ' || *p == '\t') && p[1] == '#') {
            errs_add(fc->e, OPTABLE_ERR_SYNTAX, "%s:%u: %s: comments after a value start "
                     "with ';', not '#'", fc->path, ln, name);
            return;
        }
    }
    if (v->from == OPTABLE_FROM_CLI)
        return; /* checked above, but the command line wins */
    if (strlen(value) >= sizeof v->raw) {
        errs_add(fc->e, OPTABLE_ERR_VALUE, "%s:%u: %s: value longer than %zu bytes", fc->path,
                 ln, name, sizeof v->raw - 1);
        return;
    }
    snprintf(where, sizeof where, "%s:%u", fc->path, ln);
    set_value(v, OPTABLE_FROM_FILE, where, value);
}

static void section_unknown(struct file_ctx *fc, const char *section)
{
    char list[128];
    size_t i, n = 0;
    for (i = 0; i < fc->t->nsections && n < sizeof list; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s[%s]", i ? ", " : "",
                              fc->t->sections[i]);
    errs_add(fc->e, OPTABLE_ERR_UNKNOWN, "%s:%u: unknown section [%s] (sections: %s)", fc->path,
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
        errs_add(fc->e, OPTABLE_ERR_SYNTAX, "%s:%u: a NUL byte at column %zu; a config file "
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
            errs_add(fc->e, OPTABLE_ERR_SYNTAX, "%s:%u: a section header is `[name]`, "
                     "alone on its line", fc->path, ln);
            fc->section_bad = 1;
            return;
        }
        *close = 0;
        name = trim(s + 1, strlen(s + 1));
        snprintf(section, seccap, "%s", name);
        if (!known_section(fc->t, name))
            section_unknown(fc, name);
        return;
    }
    eq = strchr(s, '=');
    if (!eq || eq == s) {
        if (indented && fc->prev_idx >= 0)
            errs_add(fc->e, OPTABLE_ERR_SYNTAX,
                     "%s:%u: an indented line continues %s's value; values are one line "
                     "(remove the indent)", fc->path, ln, fc->t->opts[fc->prev_idx].name);
        else
            errs_add(fc->e, OPTABLE_ERR_SYNTAX,
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

int optable_load_file(const struct optable *t, struct optable_value *values, const char *path,
                      char *err, size_t errlen)
{
    struct file_ctx fc;
    struct errs e;
    FILE *f;
    char *line = NULL, section[64] = "";
    size_t cap = 0, i;
    ssize_t n;

    errs_init(&e, err, errlen);
    memset(&fc, 0, sizeof fc);
    fc.t = t;
    fc.values = values;
    fc.path = path;
    fc.e = &e;
    fc.prev_idx = -1;
    f = fopen(path, "re");
    if (!f) {
        errs_add(&e, OPTABLE_ERR_FILE, "cannot read config file %s: %s", path, strerror(errno));
        return e.first;
    }
    for (i = 0; i < t->nopts; i++)
        values[i].line = 0; /* "given twice" is per file */
    while ((n = getline(&line, &cap, f)) >= 0) {
        fc.lineno++;
        if (n && line[n - 1] == '\n')
            line[--n] = 0;
        file_line(&fc, line, (size_t)n, section, sizeof section);
    }
    if (ferror(f))
        errs_add(&e, OPTABLE_ERR_FILE, "cannot read config file %s: %s", path, strerror(errno));
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

static void choice_list(const struct optable_choice *ch, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = 0;
    for (; ch->name && n < cap; ch++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? ", " : "", ch->name);
}

static void check_one(const struct optable *t, void *base, const struct optable_value *values,
                      size_t i, struct errs *e)
{
    const struct optable_def *o = &t->opts[i];
    const struct optable_value *v = &values[i];
    char why[256], dname[64];
    long long num;
    int r;

    dashed(o->name, dname, sizeof dname);
    if (v->from == OPTABLE_FROM_NONE) {
        if (o->flags & OPTABLE_REQUIRED)
            errs_add(e, OPTABLE_ERR_MISSING,
                     "%s is required: set it under [%s] in the config file, or give --%s",
                     o->name, o->section, dname);
        return;
    }
    switch (o->type) {
    case OPTABLE_STRING:
        if (v->raw[0] == 0 && !(o->flags & OPTABLE_EMPTY_OK)) {
            errs_add(e, OPTABLE_ERR_VALUE, "%s: %s is empty", v->where, o->name);
            return;
        }
        if (strlen(v->raw) >= o->size) {
            errs_add(e, OPTABLE_ERR_VALUE, "%s: %s is longer than %zu bytes", v->where, o->name,
                     o->size - 1);
            return;
        }
        if (o->check && o->check(v->raw, why, sizeof why) != 0) {
            errs_add(e, OPTABLE_ERR_VALUE, "%s: %s: %s", v->where, o->name, why);
            return;
        }
        strcpy((char *)base + o->offset, v->raw);
        return;
    case OPTABLE_UINT:
    case OPTABLE_INT:
        r = parse_number(v->raw, o->type == OPTABLE_INT, &num);
        if (r == -1) {
            errs_add(e, OPTABLE_ERR_VALUE, "%s: %s: '%s' is not a whole number", v->where,
                     o->name, v->raw);
            return;
        }
        if (r == -2 || num < o->min || num > o->max) {
            errs_add(e, OPTABLE_ERR_VALUE, "%s: %s: %s is out of range %lld..%lld", v->where,
                     o->name, v->raw, o->min, o->max);
            return;
        }
        if (o->check && o->check(v->raw, why, sizeof why) != 0) {
            errs_add(e, OPTABLE_ERR_VALUE, "%s: %s: %s", v->where, o->name, why);
            return;
        }
        store_number(base, o, num);
        return;
    case OPTABLE_CHOICE: {
        const struct optable_choice *ch;
        for (ch = o->choices; ch->name; ch++) {
            if (strcmp(ch->name, v->raw) == 0) {
                store_number(base, o, ch->value);
                return;
            }
        }
        choice_list(o->choices, why, sizeof why);
        errs_add(e, OPTABLE_ERR_VALUE, "%s: %s: '%s' is not one of %s", v->where, o->name,
                 v->raw, why);
        return;
    }
    default:
        return; /* command-line-only rows hold no value */
    }
}

int optable_check(const struct optable *t, void *base, const struct optable_value *values,
                  char *err, size_t errlen)
{
    struct errs e;
    size_t i;
    errs_init(&e, err, errlen);
    for (i = 0; i < t->nopts; i++)
        if (t->opts[i].section)
            check_one(t, base, values, i, &e);
    return e.first;
}

int optable_check_after(const struct optable *t, void *base, const struct optable_value *values,
                        int file_rc, char *err, size_t errlen)
{
    size_t used;
    int rc;
    /* A line the file reader refused left its option unset or default, so
     * check may add "is required" for it, which is true. */
    if (file_rc == OPTABLE_OK)
        return optable_check(t, base, values, err, errlen);
    used = strlen(err);
    if (used + 2 < errlen) {
        err[used] = '\n';
        rc = optable_check(t, base, values, err + used + 1, errlen - used - 1);
        if (rc == OPTABLE_OK)
            err[used] = 0;
    }
    return file_rc;
}

/* --- help ------------------------------------------------------------------------------ */

static void usage_row(FILE *f, const struct optable_def *o)
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
    if (o->type == OPTABLE_CHOICE) {
        char list[160];
        choice_list(o->choices, list, sizeof list);
        snprintf(extra, sizeof extra, "one of %s; default %s", list, o->def);
    } else if (o->type == OPTABLE_UINT || o->type == OPTABLE_INT) {
        snprintf(extra, sizeof extra, "%lld..%lld; default %s", o->min, o->max,
                 o->def ? o->def : "none");
    } else if (o->section) {
        snprintf(extra, sizeof extra, "%s%s", o->flags & OPTABLE_REQUIRED ? "required" : "default ",
                 o->flags & OPTABLE_REQUIRED ? "" : (o->def[0] ? o->def : "empty: off"));
    }
    if (o->section && (o->flags & OPTABLE_REQUIRED) && o->type != OPTABLE_STRING)
        snprintf(extra + strlen(extra), sizeof extra - strlen(extra), "; required");
    if (extra[0])
        fprintf(f, "  %-34s (%s)\n", "", extra);
}

void optable_usage(const struct optable *t, FILE *f)
{
    size_t i, s;
    for (i = 0; i < t->nopts; i++)
        if (!t->opts[i].section)
            usage_row(f, &t->opts[i]);
    for (s = 0; s < t->nsections; s++) {
        fprintf(f, "\n[%s]\n", t->sections[s]);
        for (i = 0; i < t->nopts; i++)
            if (t->opts[i].section && strcmp(t->opts[i].section, t->sections[s]) == 0)
                usage_row(f, &t->opts[i]);
    }
}
