/* targets.c -- parse and validate a targets file (syntax: docs/targets.md).
 *
 * Design note. Parsing is two steps, as in Mosquitto's config: first every
 * line is read into a block of raw "key = value" strings, each remembering
 * its line number; then, at the end of a block, one target_check() turns
 * the strings into a struct target and checks the combinations (a result
 * name must exist for one of the selected activities, "per = zone" needs a
 * zone filter, a whole period must fit into the validity window...).
 * Errors therefore always point at the line that holds the offending value,
 * or at the [id] line when a required key is absent.
 *
 * Every error of the file is reported in one pass (as the gateway's INI
 * check does): a mistake is noted and parsing goes on, a block with a bad
 * value is still checked key by key (checks that depend on a bad key are
 * skipped, so one mistake gives one message), and at the end the messages
 * are written sorted by line, the first mistake in the file first; the
 * return code is that first one's.
 *
 * One table (target_keys) lists every key of a block, whether it is
 * required, and its help text; the parser, the "unknown key" message and
 * docs/targets.md follow it. When you add a key: add it to the table, to
 * target_check(), to docs/targets.md, and a test in tests/collector.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "targets.h"

const char *targets_strerror(int err)
{
    switch (err) {
    case TARGETS_OK: return "success";
    case TARGETS_ERR_IO: return "cannot read the targets file";
    case TARGETS_ERR_SYNTAX: return "syntax error in the targets file";
    case TARGETS_ERR_VALUE: return "invalid value in the targets file";
    case TARGETS_ERR_MISSING: return "a required key is missing in the targets file";
    case TARGETS_ERR_NOMEM: return "out of memory";
    case TARGETS_ERR_EMPTY: return "the targets file defines no target";
    default: return "unknown targets error";
    }
}

/* ---- names ------------------------------------------------------------ */

static const char *const metric_names[METRIC_COUNT_OF_KINDS] = {
    "count", "quantity", "duration", "active_periods", "active_days"};

const char *targets_metric_name(enum target_metric m)
{
    return (unsigned)m < METRIC_COUNT_OF_KINDS ? metric_names[m] : "?";
}

const char *targets_cmp_text(enum target_cmp c)
{
    switch (c) {
    case CMP_GE: return ">=";
    case CMP_LE: return "<=";
    case CMP_GT: return ">";
    case CMP_LT: return "<";
    case CMP_EQ: return "==";
    default: return "";
    }
}

/* docs/domain.md §1; Swedish after the promise text itself. */
static const struct {
    const char *en, *sv;
    int who; /* 0 police, 1 joint, 2 municipality */
} items[TARGET_ITEM_MAX + 1] = {
    {"?", "?", 0},
    {"Outreach to youth and youth environments",
     "Uppsökande arbete mot ungdomar och ungdomsmiljöer", 0},
    {"Actions against drug sales", "Insatser mot narkotikaförsäljning", 0},
    {"Traffic controls: alcohol and drugs", "Trafikkontroller: alkohol och droger", 0},
    {"Traffic controls: mopeds and A-traktorer",
     "Trafikkontroller: mopeder och A-traktorer", 0},
    {"Local police office once a week, preferably the mobile office",
     "Lokalt poliskontor en gång per vecka, helst det mobila", 0},
    {"Uniformed foot patrols where most needed",
     "Uniformerad fotpatrullering på platser med särskilt behov", 0},
    {"Police and social services cooperation on youth",
     "Samverkan polis och socialtjänst kring ungdomar", 1},
    {"Preventive talks with vulnerable youth",
     "Förebyggande samtal med särskilt utsatta ungdomar", 1},
    {"Shared situational picture: school, social services, police, leisure",
     "Delade lägesbilder: skola, socialtjänst, polis, fritid", 1},
    {"Information campaigns: schools, parents, associations",
     "Informationskampanjer: skolor, föräldrar, föreningsliv", 1},
    {"Safety walks with housing companies and rescue service",
     "Trygghetsvandringar med bostadsbolag och räddningstjänst", 1},
    {"Municipal guards at boat harbours, schools, hot spots",
     "Kommunens väktare vid båthamnar, skolor och utsatta platser", 2},
    {"ANDTS information to citizens", "ANDTS-information till medborgarna", 2},
    {"Early support structure for youth and parents",
     "Struktur för tidiga insatser för unga och föräldrar", 2},
};

const char *targets_item_title(int item, int swedish)
{
    if (item < 1 || item > TARGET_ITEM_MAX)
        return "?";
    return swedish ? items[item].sv : items[item].en;
}

const char *targets_item_who(int item, int swedish)
{
    static const char *const who[3][2] = {
        {"police", "polisen"}, {"joint", "gemensamt"}, {"municipality", "kommunen"}};
    if (item < 1 || item > TARGET_ITEM_MAX)
        return "?";
    return who[items[item].who][swedish ? 1 : 0];
}

/* Results are named per category in record.c; a result filter names them
 * without a category, so the ids here are the union of those names. */
#define RESULT_IDS_MAX 32

static int result_union(const char **names)
{
    size_t a;
    int n = 0, i, r;
    const struct record_activity_info *info;

    for (a = 0; (info = record_activity_at(a)) != NULL; a++) {
        if (record_category(info->code) == CAT_ADMIN)
            continue;
        for (r = 0; r < info->result_count; r++) {
            const char *name = record_result_name(info->code, (uint8_t)r);
            for (i = 0; i < n && strcmp(names[i], name) != 0; i++)
                ;
            if (i == n && n < RESULT_IDS_MAX)
                names[n++] = name;
        }
    }
    return n;
}

int targets_result_count(void)
{
    const char *names[RESULT_IDS_MAX];
    return result_union(names);
}

const char *targets_result_name(int id)
{
    const char *names[RESULT_IDS_MAX];
    int n = result_union(names);
    return (id >= 0 && id < n) ? names[id] : NULL;
}

int targets_result_id(const char *name)
{
    const char *names[RESULT_IDS_MAX];
    int n = result_union(names), i;
    for (i = 0; name && i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

int targets_glob(const char *p, const char *s)
{
    /* Iterative with one backtrack point: linear enough for names of a few
     * dozen characters, and no recursion depth to worry about. */
    const char *star = NULL, *resume = NULL;
    while (*s) {
        if (*p == '*') {
            star = p++;
            resume = s;
        } else if (*p == '?' || *p == *s) {
            p++;
            s++;
        } else if (star) {
            p = star + 1;
            s = ++resume;
        } else {
            return 0;
        }
    }
    while (*p == '*')
        p++;
    return *p == 0;
}

/* ---- filters, judging, seasons ---------------------------------------- */

int target_filter_match(const struct target_filter *f, uint8_t activity,
                        int result_id, uint8_t action, uint8_t zone, uint8_t actor)
{
    if (!target_filter_has_activity(f, activity))
        return 0;
    if (f->result && (result_id < 0 || result_id >= 32 || !((f->result >> result_id) & 1u)))
        return 0;
    if (f->action && (action >= 32 || !((f->action >> action) & 1u)))
        return 0;
    if (f->zone && (zone >= 32 || !((f->zone >> zone) & 1u)))
        return 0;
    if (f->actor && (actor >= 32 || !((f->actor >> actor) & 1u)))
        return 0;
    return 1;
}

int target_judge(const struct target *t, double v)
{
    switch (t->cmp) {
    case CMP_GE: return v >= t->value;
    case CMP_LE: return v <= t->value;
    case CMP_GT: return v > t->value;
    case CMP_LT: return v < t->value;
    case CMP_EQ: return v == t->value;
    default: return -1;
    }
}

int target_in_season(const struct target *t, int32_t day)
{
    int i;
    for (i = 0; i < t->nexcept; i++)
        if (day >= t->except_from[i] && day <= t->except_to[i])
            return 0;
    return (t->season >> (cal_date_from_day(day).month - 1)) & 1u;
}

void targets_except_text(const struct target *t, char *buf, size_t n)
{
    size_t used = 0;
    int i;
    if (n == 0)
        return;
    buf[0] = 0;
    for (i = 0; i < t->nexcept; i++) {
        char a[CAL_DATE_LEN], b[CAL_DATE_LEN];
        int w;
        cal_format_date(t->except_from[i], a);
        cal_format_date(t->except_to[i], b);
        w = snprintf(buf + used, n - used, "%s%s .. %s", i ? ", " : "", a, b);
        if (w < 0 || (size_t)w >= n - used) {
            buf[used] = 0; /* whole windows only */
            return;
        }
        used += (size_t)w;
    }
}

static const char *const month_abbr[12] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
/* Swedish abbreviations that differ from the English ones. */
static const char *const month_abbr_sv[12] = {
    "jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"};

void targets_season_text(uint16_t season, char *buf, size_t n)
{
    int m = 0, first = 1;
    size_t used = 0;

    buf[0] = 0;
    if ((season & TARGET_SEASON_ALL) == TARGET_SEASON_ALL)
        return;
    while (m < 12) {
        int start, end;
        if (!((season >> m) & 1u)) {
            m++;
            continue;
        }
        start = m;
        while (m < 12 && ((season >> m) & 1u))
            m++;
        end = m - 1;
        if (used < n) {
            int w = start == end
                        ? snprintf(buf + used, n - used, "%s%s", first ? "" : ", ", month_abbr[start])
                        : snprintf(buf + used, n - used, "%s%s-%s", first ? "" : ", ",
                                   month_abbr[start], month_abbr[end]);
            used += w > 0 ? (size_t)w : 0;
        }
        first = 0;
    }
}

/* ---- parsing ----------------------------------------------------------- */

/* Keys of a [target] block; the order is the order of the *_K enum. */
enum key_id {
    K_ITEM, K_LABEL, K_LABEL_SV, K_NOTE, K_ACTIVITY, K_RESULT, K_ACTION, K_ZONE,
    K_ACTOR, K_METRIC, K_UNIT, K_PERIOD, K_TARGET, K_VALID, K_SEASON, K_PER,
    K_EXCEPT, K_COUNT
};

static const struct {
    const char *name;
    int required;
} target_keys[K_COUNT] = {
    {"item", 1}, {"label", 1}, {"label_sv", 0}, {"note", 0}, {"activity", 1},
    {"result", 0}, {"action", 0}, {"zone", 0}, {"actor", 0}, {"metric", 1},
    {"unit", 0}, {"period", 1}, {"target", 1}, {"valid", 0}, {"season", 0},
    {"per", 0}, {"except", 0},
};

/* Keys allowed before the first block. */
enum header_id { H_PROMISE, H_PROMISE_SV, H_VALID, H_COUNT };
static const char *const header_keys[H_COUNT] = {"promise", "promise_sv", "valid"};

struct raw_block {
    char id[TARGET_ID_MAX];
    int line;                      /* of the [id] line, 0 = no block open */
    int key_line[K_COUNT];         /* 0 = key absent */
    int empty_line[K_COUNT];       /* "key =" without a value: said on that line */
    char value[K_COUNT][TARGETS_LINE_MAX];
};

/* One noted mistake; at most TARGETS_ERRORS_MAX are kept (and counted on). */
struct parse_error {
    int line;            /* 0: about the whole file */
    int code;
    size_t seq;          /* noting order, to keep it among one line's errors */
    char msg[600];
};

struct parser {
    const char *name;
    struct target_set *ts;
    size_t cap;
    int header_line[H_COUNT];
    int header_valid_bad;       /* the header's 'valid' was wrong (said there) */
    struct parse_error *errs;   /* TARGETS_ERRORS_MAX slots */
    size_t nerr;                /* noted, may exceed the slots */
};

/* Note a mistake and return its code; parsing goes on. */
static int fail(struct parser *p, int line, int code, const char *fmt, ...)
{
    va_list ap;
    struct parse_error *e;
    if (p->nerr++ >= TARGETS_ERRORS_MAX || !p->errs)
        return code;
    e = &p->errs[p->nerr - 1];
    e->line = line;
    e->code = code;
    e->seq = p->nerr - 1;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return code;
}

static int error_by_line(const void *a, const void *b)
{
    const struct parse_error *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq; /* qsort is not stable */
}

/* Sort the noted mistakes by line, write them one per line into err, and
 * return the first one's code (TARGETS_OK when there were none). */
static int report_errors(struct parser *p, char *err, size_t errlen)
{
    size_t i, kept = p->nerr < TARGETS_ERRORS_MAX ? p->nerr : TARGETS_ERRORS_MAX, used = 0;
    struct parse_error *sorted;
    if (p->nerr == 0)
        return TARGETS_OK;
    if (!p->errs) {
        if (err && errlen)
            snprintf(err, errlen, "%s: out of memory", p->name);
        return TARGETS_ERR_NOMEM;
    }
    sorted = p->errs;
    qsort(sorted, kept, sizeof *sorted, error_by_line);
    for (i = 0; err && errlen && i < kept; i++) {
        char one[700];
        int w = sorted[i].line > 0
                    ? snprintf(one, sizeof one, "%s:%d: %s", p->name, sorted[i].line, sorted[i].msg)
                    : snprintf(one, sizeof one, "%s: %s", p->name, sorted[i].msg);
        size_t need = (size_t)(w > 0 ? w : 0) + (i ? 1 : 0);
        if (used + need + 1 > errlen) {
            if (i == 0) { /* the first always goes in, cut if it must */
                snprintf(err, errlen, "%s", one);
                used = strlen(err);
            }
            break;
        }
        snprintf(err + used, errlen - used, "%s%s", i ? "\n" : "", one);
        used += need;
    }
    if (err && errlen && i < p->nerr) {
        char more[64];
        snprintf(more, sizeof more, "\n(and %zu more)", p->nerr - i);
        if (used + strlen(more) + 1 <= errlen)
            snprintf(err + used, errlen - used, "%s", more);
    }
    return sorted[0].code;
}

static char *trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = 0;
    return s;
}

static int valid_id(const char *s)
{
    size_t i, n = strlen(s);
    if (n == 0 || n >= TARGET_ID_MAX)
        return 0;
    for (i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) ||
              s[i] == '_' || s[i] == '-'))
            return 0;
    return 1;
}

/* "2023-01-01 .. 2025-12-31" */
static int parse_window(const char *v, int32_t *from, int32_t *to, char *why, size_t n)
{
    char a[16], b[16];
    const char *dots = strstr(v, "..");
    size_t la;
    if (!dots) {
        snprintf(why, n, "'%s' is not a window; write FROM .. TO, e.g. 2023-01-01 .. 2025-12-31", v);
        return -1;
    }
    la = (size_t)(dots - v);
    while (la > 0 && (v[la - 1] == ' ' || v[la - 1] == '\t'))
        la--;
    dots += 2;
    while (*dots == ' ' || *dots == '\t')
        dots++;
    if (la >= sizeof a || strlen(dots) >= sizeof b) {
        snprintf(why, n, "'%s' is not a window; write FROM .. TO with dates YYYY-MM-DD", v);
        return -1;
    }
    memcpy(a, v, la);
    a[la] = 0;
    strcpy(b, dots);
    if (cal_parse_date(a, from) != CAL_OK) {
        snprintf(why, n, "'%s' is not a valid date (YYYY-MM-DD)", a);
        return -1;
    }
    if (cal_parse_date(b, to) != CAL_OK) {
        snprintf(why, n, "'%s' is not a valid date (YYYY-MM-DD)", b);
        return -1;
    }
    if (*from > *to) {
        snprintf(why, n, "the window ends (%s) before it starts (%s)", b, a);
        return -1;
    }
    return 0;
}

/* Split a comma list; calls fn on each trimmed, non-empty item. */
typedef int (*item_fn)(const char *item, void *ctx, char *why, size_t n);

static int each_item(const char *v, item_fn fn, void *ctx, char *why, size_t n)
{
    char buf[TARGETS_LINE_MAX];
    char *s, *comma;
    snprintf(buf, sizeof buf, "%s", v);
    s = buf;
    for (;;) {
        char *item;
        comma = strchr(s, ',');
        if (comma)
            *comma = 0;
        item = trim(s);
        if (*item == 0) {
            snprintf(why, n, "empty item in the list '%.200s'", v);
            return -1;
        }
        if (fn(item, ctx, why, n) != 0)
            return -1;
        if (!comma)
            return 0;
        s = comma + 1;
    }
}

static int name_chars_ok(const char *s)
{
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) ||
              *s == '_' || *s == '.' || *s == '*' || *s == '?'))
            return 0;
    return 1;
}

/* A name table for one filter dimension. */
struct dim {
    const char *what;                    /* "zone" */
    int count;
    const char *(*name_at)(int i);       /* NULL for unused codes */
    int (*code_at)(int i);               /* bit index stored in the mask */
    const char *hint;
};

static const char *zone_at(int i) { return record_zone_name((uint8_t)i); }
static const char *actor_at(int i) { return record_actor_name((uint8_t)i); }
static const char *action_at(int i) { return record_action_name((uint8_t)i); }
static const char *result_at(int i) { return targets_result_name(i); }
static int identity(int i) { return i; }

static const char *activity_at(int i)
{
    const struct record_activity_info *info = record_activity_at((size_t)i);
    /* admin.* never counts: heartbeats and voids are not activities. */
    return (info && record_category(info->code) != CAT_ADMIN) ? info->name : NULL;
}

static int activity_code_at(int i)
{
    return record_activity_at((size_t)i)->code;
}

struct mask_ctx {
    const struct dim *dim;
    uint8_t *bits;   /* bit array */
};

static void list_names(const struct dim *d, char *buf, size_t n)
{
    int i;
    size_t used = 0;
    buf[0] = 0;
    for (i = 0; i < d->count && used < n; i++) {
        const char *nm = d->name_at(i);
        int w;
        if (!nm)
            continue;
        w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", nm);
        used += w > 0 ? (size_t)w : 0;
    }
}

static int add_pattern(const char *item, void *vctx, char *why, size_t n)
{
    struct mask_ctx *c = vctx;
    int i, hits = 0;
    if (!name_chars_ok(item)) {
        snprintf(why, n, "%s '%s' has a character other than a-z 0-9 _ . * ?", c->dim->what, item);
        return -1;
    }
    for (i = 0; i < c->dim->count; i++) {
        const char *nm = c->dim->name_at(i);
        if (nm && targets_glob(item, nm)) {
            int bit = c->dim->code_at(i);
            c->bits[bit >> 3] |= (uint8_t)(1u << (bit & 7));
            hits++;
        }
    }
    if (hits == 0) {
        char known[600];
        if (c->dim->hint) {
            snprintf(why, n, "%s '%s' matches no %s; %s", c->dim->what, item, c->dim->what, c->dim->hint);
        } else {
            list_names(c->dim, known, sizeof known);
            snprintf(why, n, "%s '%s' matches no %s; known: %s", c->dim->what, item, c->dim->what, known);
        }
        return -1;
    }
    return 0;
}

static int parse_mask(const struct dim *d, const char *v, uint8_t *bits, size_t nbytes,
                      char *why, size_t n)
{
    struct mask_ctx c;
    memset(bits, 0, nbytes);
    c.dim = d;
    c.bits = bits;
    return each_item(v, add_pattern, &c, why, n);
}

static int parse_mask32(const struct dim *d, const char *v, uint32_t *mask, char *why, size_t n)
{
    uint8_t bits[4];
    if (parse_mask(d, v, bits, sizeof bits, why, n) != 0)
        return -1;
    *mask = (uint32_t)bits[0] | (uint32_t)bits[1] << 8 | (uint32_t)bits[2] << 16 |
            (uint32_t)bits[3] << 24;
    return 0;
}

static int add_item(const char *item, void *vctx, char *why, size_t n)
{
    uint16_t *items_mask = vctx;
    char *end;
    long v;
    errno = 0;
    v = strtol(item, &end, 10);
    if (errno || *end || end == item || v < 1 || v > TARGET_ITEM_MAX) {
        snprintf(why, n, "item '%s' is not a promise item number 1..%d", item, TARGET_ITEM_MAX);
        return -1;
    }
    *items_mask |= (uint16_t)(1u << v);
    return 0;
}

/* ASCII case-insensitive equality (strcasecmp is POSIX, not C99). */
static int same_word(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

static int month_of(const char *s)
{
    char *end;
    long v;
    int m;
    for (m = 0; m < 12; m++)
        if (same_word(s, month_abbr[m]) || same_word(s, month_abbr_sv[m]))
            return m + 1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (!errno && end != s && *end == 0 && v >= 1 && v <= 12)
        return (int)v;
    return 0;
}

static int add_months(const char *item, void *vctx, char *why, size_t n)
{
    uint16_t *season = vctx;
    char a[16], b[16];
    const char *dash = strchr(item, '-');
    int from, to, m;
    if (strlen(item) >= sizeof a) {
        snprintf(why, n, "season '%s' is not a month or a range like Apr-Oct", item);
        return -1;
    }
    if (dash) {
        size_t la = (size_t)(dash - item);
        memcpy(a, item, la);
        a[la] = 0;
        strcpy(b, dash + 1);
    } else {
        strcpy(a, item);
        strcpy(b, item);
    }
    from = month_of(trim(a));
    to = month_of(trim(b));
    if (!from || !to) {
        snprintf(why, n, "season '%s' is not a month or a range like Apr-Oct "
                         "(months: Jan..Dec, jan..dec in Swedish, or 1..12)", item);
        return -1;
    }
    /* A range may wrap the new year: Nov-Feb. */
    for (m = from;; m = m % 12 + 1) {
        *season |= (uint16_t)(1u << (m - 1));
        if (m == to)
            break;
    }
    return 0;
}

/* One 'except' window "FROM .. TO"; ctx is the target. */
static int add_except(const char *item, void *vctx, char *why, size_t n)
{
    struct target *t = vctx;
    if (t->nexcept == TARGET_EXCEPT_MAX) {
        snprintf(why, n, "more than %d 'except' windows", TARGET_EXCEPT_MAX);
        return -1;
    }
    if (parse_window(item, &t->except_from[t->nexcept], &t->except_to[t->nexcept], why, n) != 0)
        return -1;
    t->nexcept++;
    return 0;
}

static int parse_target_rule(const char *v, enum target_cmp *cmp, double *value, char *why, size_t n)
{
    static const struct { const char *op; enum target_cmp cmp; } ops[] = {
        {">=", CMP_GE}, {"<=", CMP_LE}, {"==", CMP_EQ}, {">", CMP_GT}, {"<", CMP_LT}};
    size_t i;
    char *end;
    if (strcmp(v, "report only") == 0) {
        *cmp = CMP_REPORT_ONLY;
        *value = 0;
        return 0;
    }
    for (i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t l = strlen(ops[i].op);
        if (strncmp(v, ops[i].op, l) == 0) {
            const char *num = v + l;
            while (*num == ' ' || *num == '\t')
                num++;
            errno = 0;
            *value = strtod(num, &end);
            if (errno || end == num || *end || !isfinite(*value) || *value < 0 ||
                !isdigit((unsigned char)*num)) {
                snprintf(why, n, "'%.200s' is not a rule: after %s comes a number >= 0, e.g. '>= 80'",
                         v, ops[i].op);
                return -1;
            }
            *cmp = ops[i].cmp;
            return 0;
        }
    }
    snprintf(why, n, "target '%.200s' is not a rule; write '>= N', '<= N', '> N', '< N', "
                     "'== N', or 'report only'", v);
    return -1;
}

static int grow(struct parser *p)
{
    struct target *nt;
    size_t cap;
    if (p->ts->count < p->cap)
        return 0;
    cap = p->cap ? p->cap * 2 : 16;
    nt = realloc(p->ts->targets, cap * sizeof *nt);
    if (!nt)
        return -1;
    p->ts->targets = nt;
    p->cap = cap;
    return 0;
}

static const struct dim dim_activity = {
    "activity", 256, activity_at, activity_code_at,
    "activities are category.subtype, e.g. alcohol.screening or vehicle.* (docs/protocol.md §2.4)"};
static const struct dim dim_zone = {"zone", ZONE_COUNT, zone_at, identity, NULL};
static const struct dim dim_actor = {"actor", ACTOR_COUNT, actor_at, identity, NULL};
static const struct dim dim_action = {"action", ACTION_COUNT, action_at, identity, NULL};

/* Turn a finished raw block into a target; check every combination. Every
 * mistake of the block is noted (fail); a check that depends on a key
 * already found wrong is skipped. Adds the target only if all is well. */
static int target_check(struct parser *p, struct raw_block *b)
{
    struct target *t;
    char why[900];
    int k, i, bad = 0, activity_ok = 1, zone_ok = 1, metric_ok = 1, period_ok = 1;
    int valid_ok = 1, rule_ok = 1;
    const char *v;
    struct dim dim_result = {"result", 0, result_at, identity, NULL};

    for (k = 0; k < K_COUNT; k++)
        if (target_keys[k].required && !b->key_line[k] && !b->empty_line[k])
            bad = fail(p, b->line, TARGETS_ERR_MISSING, "target '%s' has no '%s' line (required)",
                       b->id, target_keys[k].name);
    if (grow(p) != 0)
        return fail(p, b->line, TARGETS_ERR_NOMEM, "out of memory");
    t = &p->ts->targets[p->ts->count];
    memset(t, 0, sizeof *t);
    snprintf(t->id, sizeof t->id, "%s", b->id);
    t->line = b->line;

#define VALUE_FAIL(key) (bad = fail(p, b->key_line[key], TARGETS_ERR_VALUE, "%s", why))
#define TEXT(field, key)                                                              \
    do {                                                                              \
        if (b->key_line[key] && strlen(b->value[key]) >= sizeof t->field)             \
            bad = fail(p, b->key_line[key], TARGETS_ERR_VALUE,                        \
                       "'%s' is longer than %zu characters", target_keys[key].name,   \
                       sizeof t->field - 1);                                          \
        snprintf(t->field, sizeof t->field, "%s", b->value[key]);                     \
    } while (0)

    TEXT(label, K_LABEL);
    TEXT(label_sv, K_LABEL_SV);
    TEXT(note, K_NOTE);
    TEXT(activity_text, K_ACTIVITY);
    TEXT(result_text, K_RESULT);
    TEXT(action_text, K_ACTION);
    TEXT(zone_text, K_ZONE);
    TEXT(actor_text, K_ACTOR);

    if (b->key_line[K_ITEM] && each_item(b->value[K_ITEM], add_item, &t->items, why, sizeof why) != 0)
        VALUE_FAIL(K_ITEM);
    if (!b->key_line[K_ACTIVITY]) {
        activity_ok = 0;
    } else if (parse_mask(&dim_activity, b->value[K_ACTIVITY], t->filter.activity,
                          sizeof t->filter.activity, why, sizeof why) != 0) {
        VALUE_FAIL(K_ACTIVITY);
        activity_ok = 0;
    }
    if (b->key_line[K_ZONE] &&
        parse_mask32(&dim_zone, b->value[K_ZONE], &t->filter.zone, why, sizeof why) != 0) {
        VALUE_FAIL(K_ZONE);
        zone_ok = 0;
    }
    if (b->key_line[K_ACTOR] &&
        parse_mask32(&dim_actor, b->value[K_ACTOR], &t->filter.actor, why, sizeof why) != 0)
        VALUE_FAIL(K_ACTOR);
    if (b->key_line[K_ACTION] &&
        parse_mask32(&dim_action, b->value[K_ACTION], &t->filter.action, why, sizeof why) != 0)
        VALUE_FAIL(K_ACTION);
    if (b->key_line[K_RESULT]) {
        size_t a;
        const struct record_activity_info *info;
        dim_result.count = targets_result_count();
        if (parse_mask32(&dim_result, b->value[K_RESULT], &t->filter.result, why, sizeof why) != 0) {
            VALUE_FAIL(K_RESULT);
        } else if (activity_ok) {
            /* Each named result must exist for at least one selected
             * activity, or the target would silently count nothing
             * ("completed" for alcohol.screening is a mistake, not a filter). */
            for (i = 0; i < 32; i++) {
                int found = 0;
                if (!((t->filter.result >> i) & 1u))
                    continue;
                for (a = 0; (info = record_activity_at(a)) != NULL && !found; a++) {
                    int r;
                    if (!target_filter_has_activity(&t->filter, info->code))
                        continue;
                    for (r = 0; r < info->result_count; r++)
                        if (strcmp(record_result_name(info->code, (uint8_t)r),
                                   targets_result_name(i)) == 0)
                            found = 1;
                }
                if (!found) {
                    bad = fail(p, b->key_line[K_RESULT], TARGETS_ERR_VALUE,
                               "result '%s' does not exist for any activity of this target (%s)",
                               targets_result_name(i), b->value[K_ACTIVITY]);
                    break;
                }
            }
        }
    }

    v = b->value[K_METRIC];
    for (i = 0; i < METRIC_COUNT_OF_KINDS && strcmp(v, metric_names[i]) != 0; i++)
        ;
    if (!b->key_line[K_METRIC]) {
        metric_ok = 0;
    } else if (i == METRIC_COUNT_OF_KINDS) {
        bad = fail(p, b->key_line[K_METRIC], TARGETS_ERR_VALUE,
                   "metric '%s' is unknown; use count, quantity, duration, active_periods "
                   "or active_days", v);
        metric_ok = 0;
    } else {
        t->metric = (enum target_metric)i;
    }

    if (!b->key_line[K_PERIOD]) {
        period_ok = 0;
    } else if (cal_kind_from_name(b->value[K_PERIOD], &t->period) != CAL_OK) {
        bad = fail(p, b->key_line[K_PERIOD], TARGETS_ERR_VALUE,
                   "period '%s' is unknown; use iso_week, month, tertial, quarter, "
                   "half_year, year or promise", b->value[K_PERIOD]);
        period_ok = 0;
    }
    t->unit = t->period;
    if (b->key_line[K_UNIT] && metric_ok) {
        if (t->metric != METRIC_ACTIVE_PERIODS)
            bad = fail(p, b->key_line[K_UNIT], TARGETS_ERR_VALUE,
                       "'unit' only applies to metric active_periods (this target's "
                       "metric is %s)", metric_names[t->metric]);
        else if (cal_kind_from_name(b->value[K_UNIT], &t->unit) != CAL_OK ||
                 t->unit == CAL_PROMISE)
            bad = fail(p, b->key_line[K_UNIT], TARGETS_ERR_VALUE,
                       "unit '%s' is unknown; use iso_week, month, tertial, quarter, "
                       "half_year or year", b->value[K_UNIT]);
        else if (period_ok && t->unit > t->period)
            bad = fail(p, b->key_line[K_UNIT], TARGETS_ERR_VALUE,
                       "unit '%s' is longer than the period '%s'; active_periods counts "
                       "the units inside one period", b->value[K_UNIT], b->value[K_PERIOD]);
    }

    if (!b->key_line[K_TARGET]) {
        rule_ok = 0;
    } else if (parse_target_rule(b->value[K_TARGET], &t->cmp, &t->value, why, sizeof why) != 0) {
        VALUE_FAIL(K_TARGET);
        rule_ok = 0;
    }

    t->valid_from = p->ts->valid_from;
    t->valid_to = p->ts->valid_to;
    if (b->key_line[K_VALID]) {
        if (parse_window(b->value[K_VALID], &t->valid_from, &t->valid_to, why, sizeof why) != 0) {
            VALUE_FAIL(K_VALID);
            valid_ok = 0;
        }
    } else if (!p->header_line[H_VALID]) {
        bad = fail(p, b->line, TARGETS_ERR_MISSING,
                   "target '%s' has no 'valid' line and the file has no 'valid' "
                   "header before its first [block]", b->id);
        valid_ok = 0;
    } else if (p->header_valid_bad) {
        valid_ok = 0; /* the header's window was wrong: said there */
    }

    t->season = TARGET_SEASON_ALL;
    if (b->key_line[K_SEASON]) {
        t->season = 0;
        if (each_item(b->value[K_SEASON], add_months, &t->season, why, sizeof why) != 0)
            VALUE_FAIL(K_SEASON);
    }

    if (b->key_line[K_EXCEPT] &&
        each_item(b->value[K_EXCEPT], add_except, t, why, sizeof why) != 0)
        VALUE_FAIL(K_EXCEPT);

    if (b->key_line[K_PER]) {
        if (strcmp(b->value[K_PER], "zone") != 0)
            bad = fail(p, b->key_line[K_PER], TARGETS_ERR_VALUE,
                       "per '%s' is unknown; the only grouping is 'per = zone'", b->value[K_PER]);
        else if (zone_ok && !t->filter.zone)
            bad = fail(p, b->key_line[K_PER], TARGETS_ERR_VALUE,
                       "'per = zone' needs a 'zone' line naming the zones that must each "
                       "meet the target (e.g. zone = school_*)");
        else if (rule_ok && t->cmp == CMP_REPORT_ONLY)
            bad = fail(p, b->key_line[K_PER], TARGETS_ERR_VALUE,
                       "'per = zone' judges each zone, so it needs a rule, not 'report only'");
        t->per_zone = 1;
    }

    /* At least one whole period must fit, or the target could never be
     * judged: a yearly target valid for six months is a mistake. */
    if (period_ok && valid_ok &&
        cal_periods_elapsed(t->period, t->valid_from, t->valid_to, t->valid_to) == 0)
        bad = fail(p, b->key_line[K_VALID] ? b->key_line[K_VALID] : b->key_line[K_PERIOD],
                   TARGETS_ERR_VALUE, "no whole %s fits in the validity window of target '%s'",
                   cal_kind_name(t->period), b->id);
#undef VALUE_FAIL
#undef TEXT
    if (bad)
        return bad;
    p->ts->count++;
    return TARGETS_OK;
}

static int header_line(struct parser *p, int line, const char *key, const char *value)
{
    char why[300];
    int h;
    for (h = 0; h < H_COUNT && strcmp(key, header_keys[h]) != 0; h++)
        ;
    if (h == H_COUNT)
        return fail(p, line, TARGETS_ERR_SYNTAX,
                    "'%s' is not a file header key (promise, promise_sv, valid); "
                    "target keys go after a [target-id] line", key);
    if (p->header_line[h])
        return fail(p, line, TARGETS_ERR_SYNTAX, "'%s' is set twice (first on line %d)",
                    key, p->header_line[h]);
    p->header_line[h] = line;
    if (h == H_VALID) {
        if (parse_window(value, &p->ts->valid_from, &p->ts->valid_to, why, sizeof why) != 0) {
            p->header_valid_bad = 1;
            return fail(p, line, TARGETS_ERR_VALUE, "%s", why);
        }
    } else {
        char *dst = h == H_PROMISE ? p->ts->promise : p->ts->promise_sv;
        if (strlen(value) >= TARGET_TEXT_MAX)
            return fail(p, line, TARGETS_ERR_VALUE, "'%s' is longer than %d characters",
                        key, TARGET_TEXT_MAX - 1);
        snprintf(dst, TARGET_TEXT_MAX, "%s", value);
    }
    return TARGETS_OK;
}

int targets_parse(const char *text, size_t len, const char *name, struct target_set *ts,
                  char *err, size_t errlen)
{
    struct parser p;
    struct raw_block *b;
    char line[TARGETS_LINE_MAX + 2];
    size_t pos = 0;
    int lineno = 0, rc, skip_block = 0;

    memset(ts, 0, sizeof *ts);
    memset(&p, 0, sizeof p);
    p.name = name ? name : "(targets)";
    p.ts = ts;
    if (err && errlen)
        err[0] = 0;
    snprintf(ts->source, sizeof ts->source, "%s", p.name);
    /* The block holds 16 line buffers: too large for a comfortable stack. */
    b = calloc(1, sizeof *b);
    p.errs = calloc(TARGETS_ERRORS_MAX, sizeof *p.errs);
    if (!b || !p.errs) {
        free(b);
        free(p.errs);
        if (err && errlen)
            snprintf(err, errlen, "%s: out of memory", p.name);
        return TARGETS_ERR_NOMEM;
    }

    /* A mistake is noted and the line skipped: every mistake in one pass. */
    while (pos < len) {
        size_t end = pos, l;
        char *s, *eq, *key, *value;
        while (end < len && text[end] != '\n')
            end++;
        l = end - pos;
        lineno++;
        if (l > TARGETS_LINE_MAX) {
            fail(&p, lineno, TARGETS_ERR_SYNTAX, "line longer than %d characters",
                 TARGETS_LINE_MAX);
            pos = end + 1;
            continue;
        }
        memcpy(line, text + pos, l);
        line[l] = 0;
        pos = end + 1;
        if (memchr(line, 0, l)) {
            fail(&p, lineno, TARGETS_ERR_SYNTAX, "NUL byte in a text file");
            continue;
        }
        s = trim(line);
        if (*s == 0 || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            char *close = strchr(s, ']');
            /* the block before ends here, whatever this line is */
            if (b->line && !skip_block)
                target_check(&p, b);
            memset(b, 0, sizeof *b);
            b->line = lineno;
            skip_block = 0;
            if (!close || close[1] != 0) {
                fail(&p, lineno, TARGETS_ERR_SYNTAX,
                     "a block header is [target-id], alone on its line");
                skip_block = 1; /* its keys are still read, for their own mistakes */
                continue;
            }
            *close = 0;
            key = trim(s + 1);
            if (!valid_id(key)) {
                fail(&p, lineno, TARGETS_ERR_SYNTAX,
                     "target id '%s' must be 1..%d characters of a-z 0-9 _ -", key,
                     TARGET_ID_MAX - 1);
                skip_block = 1;
                continue;
            }
            if (targets_find(ts, key)) {
                fail(&p, lineno, TARGETS_ERR_SYNTAX, "target id '%s' is used twice "
                     "(first on line %d)", key, targets_find(ts, key)->line);
                skip_block = 1;
            }
            snprintf(b->id, sizeof b->id, "%s", key);
            continue;
        }
        eq = strchr(s, '=');
        if (!eq) {
            fail(&p, lineno, TARGETS_ERR_SYNTAX,
                 "expected 'key = value', a [target-id] header or a # comment");
            continue;
        }
        *eq = 0;
        key = trim(s);
        value = trim(eq + 1);
        if (*key == 0) {
            fail(&p, lineno, TARGETS_ERR_SYNTAX, "a line starts with '=' (no key)");
            continue;
        }
        if (*value == 0) {
            int k;
            fail(&p, lineno, TARGETS_ERR_VALUE, "'%s' has no value", key);
            /* said once: not "no 'label' line" again at the block's end */
            for (k = 0; b->line && k < K_COUNT; k++)
                if (strcmp(key, target_keys[k].name) == 0)
                    b->empty_line[k] = lineno;
            continue;
        }
        if (!b->line) {
            header_line(&p, lineno, key, value);
        } else {
            int k;
            for (k = 0; k < K_COUNT && strcmp(key, target_keys[k].name) != 0; k++)
                ;
            if (k == K_COUNT) {
                fail(&p, lineno, TARGETS_ERR_SYNTAX,
                     "unknown key '%s'; a target has item, label, label_sv, note, "
                     "activity, result, action, zone, actor, metric, unit, period, "
                     "target, valid, season, per, except", key);
            } else if (b->key_line[k]) {
                fail(&p, lineno, TARGETS_ERR_SYNTAX, "'%s' is set twice in target '%s' "
                     "(first on line %d)", key, b->id, b->key_line[k]);
            } else {
                b->key_line[k] = lineno;
                snprintf(b->value[k], sizeof b->value[k], "%s", value);
            }
        }
    }
    if (b->line && !skip_block)
        target_check(&p, b);
    if (p.nerr == 0 && ts->count == 0)
        fail(&p, 0, TARGETS_ERR_EMPTY, "no [target] block in the file");
    rc = report_errors(&p, err, errlen);
    free(b);
    free(p.errs);
    if (rc != TARGETS_OK)
        targets_free(ts);
    return rc;
}

int targets_load(const char *path, struct target_set *ts, char *err, size_t errlen)
{
    FILE *f;
    char *buf;
    size_t n;
    int rc;

    memset(ts, 0, sizeof *ts);
    f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open the targets file: %s", path, strerror(errno));
        return TARGETS_ERR_IO;
    }
    buf = malloc(TARGETS_FILE_MAX + 1);
    if (!buf) {
        fclose(f);
        snprintf(err, errlen, "%s: out of memory", path);
        return TARGETS_ERR_NOMEM;
    }
    n = fread(buf, 1, TARGETS_FILE_MAX + 1, f);
    if (ferror(f)) {
        snprintf(err, errlen, "%s: cannot read the targets file: %s", path, strerror(errno));
        rc = TARGETS_ERR_IO;
    } else if (n > TARGETS_FILE_MAX) {
        snprintf(err, errlen, "%s: larger than %d bytes; is this a targets file?", path,
                 TARGETS_FILE_MAX);
        rc = TARGETS_ERR_IO;
    } else {
        rc = targets_parse(buf, n, path, ts, err, errlen);
    }
    free(buf);
    fclose(f);
    return rc;
}

void targets_free(struct target_set *ts)
{
    free(ts->targets);
    ts->targets = NULL;
    ts->count = 0;
}

const struct target *targets_find(const struct target_set *ts, const char *id)
{
    size_t i;
    for (i = 0; i < ts->count; i++)
        if (strcmp(ts->targets[i].id, id) == 0)
            return &ts->targets[i];
    return NULL;
}
