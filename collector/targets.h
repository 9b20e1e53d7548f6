/* targets.h -- what "on track" means: the targets file of a citizen promise.
 *
 * Design note. A promise (medborgarlöfte) has items (docs/domain.md §1); an
 * analyst turns each item into one or more measurable targets: which records
 * count (activity, result, action, zone, actor filters), what is measured
 * (a count, a sum, days or periods with any activity), per which period
 * (ISO week ... whole promise), and the rule (">= 80", or "report only").
 * Targets live in a small line-oriented text file, one [block] per target,
 * "key = value" lines, so that an analyst can read and change it without a
 * programmer; docs/targets.md is its manual and
 * collector/targets/hammaro-2023-2025.targets the shipped example.
 *
 * Sizes: a promise has tens of targets; files are a few kB. Loading is done
 * once per report, so clarity of the error messages matters more than speed:
 * every error names file:line and says what is wrong and what is allowed.
 *
 * Filters are compiled at load time into bit masks over the code tables of
 * proto/record.h (patterns such as "alcohol.*" or "harbour_*" are expanded
 * there, and a pattern matching nothing is an error, so a typo cannot
 * silently make a target count zero). admin.* records are never counted.
 *
 * No SQLite here: evaluate.c turns the masks into SQL.
 */
#ifndef LOFTE_TARGETS_H
#define LOFTE_TARGETS_H

#include <stddef.h>
#include <stdint.h>

#include "calendar.h"

enum targets_err {
    TARGETS_OK = 0,
    TARGETS_ERR_IO = -1,       /* cannot open or read the file */
    TARGETS_ERR_SYNTAX = -2,   /* a line that is not a comment, [id] or key = value */
    TARGETS_ERR_VALUE = -3,    /* a key with a value it does not accept */
    TARGETS_ERR_MISSING = -4,  /* a required key is absent */
    TARGETS_ERR_NOMEM = -5,
    TARGETS_ERR_EMPTY = -6     /* a file without a single target */
};
const char *targets_strerror(int err);

#define TARGET_ITEM_MAX 14        /* promise items 1..14 (docs/domain.md §1) */
#define TARGET_ID_MAX 48          /* bytes, with the NUL */
#define TARGET_TEXT_MAX 240       /* labels, notes and filter texts */
#define TARGET_EXCEPT_MAX 32      /* except windows per target */
#define TARGETS_FILE_MAX (1 << 20)
#define TARGETS_LINE_MAX 1024
#define TARGETS_ERRORS_MAX 50    /* mistakes reported in one pass (more are counted) */

enum target_metric {
    METRIC_COUNT = 0,       /* number of records */
    METRIC_QUANTITY,        /* sum of quantity (people, vehicles, tests) */
    METRIC_DURATION,        /* sum of duration_min */
    METRIC_ACTIVE_PERIODS,  /* sub-periods (`unit`) with at least one record */
    METRIC_ACTIVE_DAYS,     /* distinct local days with at least one record */
    METRIC_COUNT_OF_KINDS
};

enum target_cmp {
    CMP_REPORT_ONLY = 0,    /* no rule: the value is shown, never judged */
    CMP_GE, CMP_LE, CMP_GT, CMP_LT, CMP_EQ
};

/* Which records count. A mask of 0 means "any" for every dimension but
 * activity, which is required. Bits: activity code (record.h), result id
 * (targets_result_name), action code, zone code, actor code. */
struct target_filter {
    uint8_t activity[32];   /* 256 bits, bit = activity code */
    uint32_t result;
    uint32_t action;
    uint32_t zone;
    uint32_t actor;
};

struct target {
    char id[TARGET_ID_MAX];           /* [block] name, unique in the file */
    char label[TARGET_TEXT_MAX];
    char label_sv[TARGET_TEXT_MAX];   /* Swedish label, "" if none */
    char note[TARGET_TEXT_MAX];       /* free text for readers, "" if none */
    uint16_t items;                   /* bit n = promise item n (1..14) */
    struct target_filter filter;
    /* The filter as the analyst wrote it, for display ("" = any). */
    char activity_text[TARGET_TEXT_MAX];
    char result_text[TARGET_TEXT_MAX];
    char action_text[TARGET_TEXT_MAX];
    char zone_text[TARGET_TEXT_MAX];
    char actor_text[TARGET_TEXT_MAX];
    enum target_metric metric;
    enum cal_kind unit;               /* METRIC_ACTIVE_PERIODS only; else = period */
    enum cal_kind period;
    enum target_cmp cmp;
    double value;                     /* 0 when report only */
    int32_t valid_from, valid_to;     /* local days, inclusive */
    uint16_t season;                  /* bit m-1 = month m; 0x0FFF = all year */
    /* 'except': windows of local days that do not count (school holidays,
     * say), inclusive; judged like days out of season. */
    int32_t except_from[TARGET_EXCEPT_MAX], except_to[TARGET_EXCEPT_MAX];
    int nexcept;
    int per_zone;                     /* 1: each zone of the filter must meet it */
    int line;                         /* line of the [id] header */
};

struct target_set {
    char source[TARGET_TEXT_MAX];     /* file name as given, for messages */
    char promise[TARGET_TEXT_MAX];    /* title from the file header */
    char promise_sv[TARGET_TEXT_MAX];
    int32_t valid_from, valid_to;     /* the file's default window */
    size_t count;
    struct target *targets;           /* heap, count entries */
};

#define TARGET_SEASON_ALL 0x0FFFu

/* Read and validate a targets file. On failure *ts is empty and err holds
 * "file:line: reason". ts must be released with targets_free either way. */
int targets_load(const char *path, struct target_set *ts, char *err, size_t errlen);
/* The same from memory; `name` is used in messages. */
int targets_parse(const char *text, size_t len, const char *name,
                  struct target_set *ts, char *err, size_t errlen);
void targets_free(struct target_set *ts);

const struct target *targets_find(const struct target_set *ts, const char *id);

/* 1 when a record with these codes passes the filter. result_id is from
 * targets_result_id (-1 for an unknown name: passes only a result-less
 * filter). */
int target_filter_match(const struct target_filter *f, uint8_t activity,
                        int result_id, uint8_t action, uint8_t zone, uint8_t actor);
static inline int target_filter_has_activity(const struct target_filter *f, uint8_t code)
{
    return (f->activity[code >> 3] >> (code & 7)) & 1;
}

/* 1 if `value` meets the target's rule; 0 if not; -1 for report only. */
int target_judge(const struct target *t, double value);
/* 1 if local day `day` is in the target's season and in none of its
 * 'except' windows. */
int target_in_season(const struct target *t, int32_t day);

/* Result names of every non-admin activity, deduplicated ("no_remark" is
 * one id for vehicles and guards): ids 0 .. targets_result_count()-1. */
int targets_result_count(void);
const char *targets_result_name(int id);
int targets_result_id(const char *name);

/* Names for reports. */
const char *targets_metric_name(enum target_metric m);          /* "count" */
const char *targets_cmp_text(enum target_cmp c);                 /* ">=", "" */
const char *targets_item_title(int item, int swedish);           /* docs/domain.md §1 */
const char *targets_item_who(int item, int swedish);             /* "police" */
/* "May-Sep", "Jan-Jun, Aug-Dec", "" for all year. */
void targets_season_text(uint16_t season, char *buf, size_t n);
/* "2023-06-12 .. 2023-08-13, 2023-12-22 .. 2024-01-07", "" for none. */
void targets_except_text(const struct target *t, char *buf, size_t n);
/* Shell-style match: '*' any run of characters, '?' one character. */
int targets_glob(const char *pattern, const char *name);

#endif
