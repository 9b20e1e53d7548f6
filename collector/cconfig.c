/* cconfig.c -- the collector's option table (see cconfig.h; the engine is
 * gateway/optable.c). Adding an option: a row here, a field in struct
 * cconfig, a line in collector/README.md and dist/man/lofte-collector.8. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cconfig.h"
#include "intake.h"

static const struct optable_choice level_choices[] = {
    {"error", LOG_LEVEL_ERROR}, {"warn", LOG_LEVEL_WARN}, {"info", LOG_LEVEL_INFO},
    {"debug", LOG_LEVEL_DEBUG}, {NULL, 0},
};
/* auto: on when device_keys is given (docs/architecture.md, the trust per hop) */
static const struct optable_choice verify_choices[] = {
    {"auto", 0}, {"on", 1}, {"off", -1}, {NULL, 0},
};
static const struct optable_choice help_action[] = {{"help", CCONFIG_HELP}, {NULL, 0}};

#define FIELD(f) offsetof(struct cconfig, f), sizeof(((struct cconfig *)0)->f)

static const struct optable_def cconfig_options[] = {
    {"config", 'c', NULL, OPTABLE_CLI_CONFIG, FIELD(config_path), NULL, 0, 0, 0, NULL, NULL,
     "FILE", "read options from this INI file (/etc/lofte/collector.ini when installed)"},
    {"help", 'h', NULL, OPTABLE_CLI_ACTION, FIELD(action), NULL, 0, 0, 0, help_action, NULL,
     NULL, "print this help and exit"},

    /* [collector]: the store and the daemon */
    {"db", 0, "collector", OPTABLE_STRING, FIELD(db), "/var/lib/lofte/collector.db", 0, 0, 0,
     NULL, NULL, "PATH|URI",
     "the collector database: an SQLite file (created if missing), or PostgreSQL as "
     "postgresql://owner@host/lofte (docs/postgresql.md)"},
    {"state_dir", 0, "collector", OPTABLE_STRING, FIELD(state_dir), "/var/lib/lofte/collector",
     0, 0, 0, NULL, NULL, "DIR", "where status.json and status.txt are written every 2 s"},
    {"metrics", 0, "collector", OPTABLE_STRING, FIELD(metrics), "", OPTABLE_EMPTY_OK, 0, 0,
     NULL, optable_check_listener, "ENDPOINT",
     "serve Prometheus metrics over HTTP, e.g. tcp://127.0.0.1:9811; empty: off"},
    {"log_level", 0, "collector", OPTABLE_CHOICE, FIELD(log_level), "info", 0, 0, 0,
     level_choices, NULL, "LEVEL", "least important messages logged (SIGHUP re-reads it)"},

    /* [intake]: where gateways connect, and who may */
    {"bind", 0, "intake", OPTABLE_STRING, FIELD(bind), INTAKE_DEFAULT_BIND, 0, 0, 0, NULL,
     optable_check_endpoint, "ENDPOINT", "where gateways connect (ZeroMQ endpoint)"},
    {"secret_key_file", 0, "intake", OPTABLE_STRING, FIELD(secret_key_file),
     "/etc/lofte/collector.key", 0, 0, 0, NULL, NULL, "PATH",
     "the collector's CURVE key pair, mode 0600 (lofte-curve-keygen)"},
    {"allowed_gateways", 0, "intake", OPTABLE_STRING, FIELD(allowed_gateways),
     "/etc/lofte/allowed-gateways", 0, 0, 0, NULL, NULL, "PATH",
     "gateways let in: \"<Z85 public key> <name>\" per line (SIGHUP re-reads it)"},
    {"device_keys", 0, "intake", OPTABLE_STRING, FIELD(device_keys), "", OPTABLE_EMPTY_OK, 0, 0,
     NULL, NULL, "PATH",
     "the handhelds' keys (lofte-keygen's key file, mode 0600): check every record's device "
     "tag here too; empty: not checked"},
    {"verify_devices", 0, "intake", OPTABLE_CHOICE, FIELD(verify_devices), "auto", 0, 0, 0,
     verify_choices, NULL, "WHEN", "check device tags: auto (when device_keys is set), on, off"},
};

#define CCONFIG_NOPTIONS (sizeof cconfig_options / sizeof cconfig_options[0])
typedef char cconfig_table_fits[CCONFIG_NOPTIONS <= CCONFIG_MAX_OPTIONS ? 1 : -1];

static const char *const cconfig_sections[] = {"collector", "intake"};

static const struct optable cconfig_table = {
    cconfig_options, CCONFIG_NOPTIONS, cconfig_sections,
    sizeof cconfig_sections / sizeof cconfig_sections[0],
};

static void cconfig_init(struct cconfig *c)
{
    memset(c, 0, sizeof *c);
    optable_init(&cconfig_table, c->values);
}

int cconfig_load(struct cconfig *c, int argc, char **argv, char *err, size_t errlen)
{
    int r;
    cconfig_init(c);
    if ((r = optable_parse_args(&cconfig_table, c, c->values, argc, argv, err, errlen)) !=
        OPTABLE_OK)
        return r;
    if (c->action == CCONFIG_HELP)
        return OPTABLE_OK;
    r = OPTABLE_OK;
    if (c->config_path[0] &&
        (r = optable_load_file(&cconfig_table, c->values, c->config_path, err, errlen)) ==
            OPTABLE_ERR_FILE)
        return r;
    return optable_check_after(&cconfig_table, c, c->values, r, err, errlen);
}

int cconfig_reload(struct cconfig *c, const char *path, char *err, size_t errlen)
{
    int r;
    cconfig_init(c);
    snprintf(c->config_path, sizeof c->config_path, "%s", path);
    if ((r = optable_load_file(&cconfig_table, c->values, path, err, errlen)) == OPTABLE_ERR_FILE)
        return r;
    return optable_check_after(&cconfig_table, c, c->values, r, err, errlen);
}

const char *cconfig_origin(const struct cconfig *c, const char *name)
{
    return optable_origin(&cconfig_table, c->values, name);
}

void cconfig_usage(FILE *f, const char *argv0)
{
    fprintf(f,
            "Usage: %s --config FILE [--name VALUE ...]\n"
            "       %s status [STATE_DIR]\n\n"
            "The collector: gateways' records in (ZeroMQ, CURVE), one SQLite database out.\n"
            "Every option below is also a key of the INI config file, in the section shown,\n"
            "spelled with '_' (state_dir = ...); the command line wins over the file.\n"
            "SIGHUP re-reads the allowed-gateways file and the file's log_level.\n\n",
            argv0, argv0);
    optable_usage(&cconfig_table, f);
    fprintf(f, "\n  %s status [STATE_DIR]   print the running collector's status; exit 0 "
               "storing,\n  1 not running, 2 usage, 3 intake stopped\n", argv0);
}
