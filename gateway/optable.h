/* optable.h -- one table of option definitions drives a program's INI
 * file, its command line (getopt_long) and its --help, so the three cannot
 * drift. Used by the gateway (gateway/config.c) and the collector
 * (collector/cconfig.c): the same engine, each with its own table.
 *
 * Design note. A row names an option (the file key; the long option is the
 * same with '-' for '_'), its INI section, type, default, range or
 * choices, an optional further format rule, and help. The order is
 * Mosquitto's: parse the command line, read the file named by --config, let
 * the command line win, then ONE optable_check() turns every value's text
 * into its typed field and validates it. Until then a value is kept as text
 * with where it came from ("/etc/lofte/gateway.ini:12" or "option --baud"),
 * so every error names that place and the reason, and defaults go through
 * the same parser as everything else. Numbers are parsed base 10 with range
 * checks: "12abc", "", "-1" for a count, "0x10" are all refused.
 *
 * The file: `[section]` headers and `name = value` lines; comments are
 * lines starting with ';' or '#', or ' ;' after a value. A key in the wrong
 * section, an unknown key or section, a key given twice, a line that is
 * neither: each is an error naming file:line, and the reader goes on, so
 * one run reports every problem (one per line of err). Lines may be of any
 * length (a value is at most OPTABLE_VALUE_MAX - 1 bytes, said with its
 * name); a NUL byte is an error, never the end of the line. The reader is
 * ours, not a library's, for exactly these reasons.
 *
 * The typed fields live in the caller's struct (base + offset); the text
 * and origin of each row in a parallel array of struct optable_value.
 */
#ifndef LOFTE_OPTABLE_H
#define LOFTE_OPTABLE_H

#include <stddef.h>
#include <stdio.h>

#define OPTABLE_VALUE_MAX 1024
#define OPTABLE_WHERE_MAX (OPTABLE_VALUE_MAX + 32)

enum optable_err {
    OPTABLE_OK = 0,
    OPTABLE_ERR_USAGE = -1,    /* command line: unknown option, missing argument, stray word */
    OPTABLE_ERR_FILE = -2,     /* the config file cannot be read */
    OPTABLE_ERR_SYNTAX = -3,   /* a file line is neither `name = value` nor `[section]` */
    OPTABLE_ERR_UNKNOWN = -4,  /* unknown key or section, or key in the wrong section */
    OPTABLE_ERR_VALUE = -5,    /* a value fails its check (number, range, choice, format) */
    OPTABLE_ERR_MISSING = -6,  /* a required option has no value */
    OPTABLE_ERR_COUNT_ = 7
};

const char *optable_strerror(int err);

enum optable_type {
    OPTABLE_STRING,       /* text into a char[] field */
    OPTABLE_UINT,         /* base-10 unsigned, min..max, into a 1/2/4/8-byte field */
    OPTABLE_INT,          /* base-10 signed, min..max */
    OPTABLE_CHOICE,       /* one of choices[], its value into an enum field */
    OPTABLE_CLI_CONFIG,   /* --config FILE (command line only), into a char[] field */
    OPTABLE_CLI_ACTION    /* --help etc. (command line only, no value): choices[0].value
                             into the int/enum field */
};

#define OPTABLE_REQUIRED 1   /* no default: must be given */
#define OPTABLE_EMPTY_OK 2   /* "" is a valid value (feature off) */
#define OPTABLE_LIST 4       /* given again on the command line: appended, ", " between
                                (a list the row's check reads, e.g. failover endpoints) */

struct optable_choice {
    const char *name;
    int value;
};

struct optable_def {
    const char *name;          /* file key; the long option is this with '-' for '_' */
    int short_opt;             /* or 0 */
    const char *section;       /* INI section; NULL: command line only */
    enum optable_type type;
    size_t offset, size;       /* the typed field in the caller's struct */
    const char *def;           /* default, as text; NULL: none */
    int flags;
    long long min, max;        /* OPTABLE_UINT, OPTABLE_INT */
    const struct optable_choice *choices; /* ends with {NULL, 0} */
    int (*check)(const char *value, char *why, size_t whylen); /* further format rule */
    const char *arg;           /* placeholder in --help */
    const char *help;
};

struct optable {
    const struct optable_def *opts;
    size_t nopts;              /* at most OPTABLE_MAX_OPTIONS */
    const char *const *sections;
    size_t nsections;
};

#define OPTABLE_MAX_OPTIONS 48

enum optable_from {
    OPTABLE_FROM_NONE = 0,     /* no default and not given */
    OPTABLE_FROM_DEFAULT,
    OPTABLE_FROM_FILE,
    OPTABLE_FROM_CLI
};

/* An option's text before optable_check, and where it came from. */
struct optable_value {
    enum optable_from from;
    unsigned line;                  /* file line, for "given twice" */
    char where[OPTABLE_WHERE_MAX];  /* "file:line", "option --name", "default" */
    char raw[OPTABLE_VALUE_MAX];
};

/* Defaults (as text, marked "default") into values[0..t->nopts). */
void optable_init(const struct optable *t, struct optable_value *values);

/* Command line. Values are stored as text marked "option --name";
 * OPTABLE_CLI_CONFIG and OPTABLE_CLI_ACTION rows write their field in base
 * at once. OPTABLE_ERR_USAGE with a sentence per problem in err. Resets
 * getopt's state first, so it may be called more than once per process. */
int optable_parse_args(const struct optable *t, void *base, struct optable_value *values,
                       int argc, char **argv, char *err, size_t errlen);

/* The INI file: values for options the command line did not set; every
 * problem by file:line, one per line of err. Returns the first's code. */
int optable_load_file(const struct optable *t, struct optable_value *values, const char *path,
                      char *err, size_t errlen);

/* Every value into its typed field in base, every problem reported. */
int optable_check(const struct optable *t, void *base, const struct optable_value *values,
                  char *err, size_t errlen);

/* optable_check, its report appended to the one already in err (the file's
 * problems, code file_rc), so an operator fixes them all in one edit.
 * Returns file_rc if it was not OK, else check's code. */
int optable_check_after(const struct optable *t, void *base, const struct optable_value *values,
                        int file_rc, char *err, size_t errlen);

/* Where an option's value came from ("file:line", "option --x", "default",
 * "unset"); NULL for an unknown name. */
const char *optable_origin(const struct optable *t, const struct optable_value *values,
                           const char *name);

/* Format rules for rows' check (more than one program's table uses them):
 * a zmq endpoint, tcp://host:port (port 1..65535 or *) or ipc://path, ""
 * passes (for OPTABLE_EMPTY_OK rows); an HTTP listener tcp://ADDR:PORT
 * (metrics.c parses it fully when it binds), "" passes. */
int optable_check_endpoint(const char *v, char *why, size_t whylen);
int optable_check_listener(const char *v, char *why, size_t whylen);

/* The rows' help: command-line-only rows, then each section's. */
void optable_usage(const struct optable *t, FILE *f);

#endif
