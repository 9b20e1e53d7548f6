/* cconfig.h -- the collector's configuration: INI file and command line,
 * from one option table (cconfig.c) driven by the same engine as the
 * gateway's (gateway/optable.h): the same file syntax, the same one-pass
 * report of every problem by file:line, the same --help layout.
 *
 *     [collector]
 *     db = /var/lib/lofte/collector.db
 *     state_dir = /var/lib/lofte/collector
 *     metrics = tcp://127.0.0.1:9811
 *     log_level = info
 *     [intake]
 *     bind = tcp://0.0.0.0:7710
 *     secret_key_file = /etc/lofte/collector.key
 *     allowed_gateways = /etc/lofte/allowed-gateways
 *
 * `lofte-collector --config /etc/lofte/collector.ini [--name VALUE ...]`:
 * the command line wins over the file (--db, --bind, ... as before).
 */
#ifndef LOFTE_CCONFIG_H
#define LOFTE_CCONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "log.h"
#include "optable.h"

#define CCONFIG_PATH_MAX 1024
#define CCONFIG_ENDPOINT_MAX 256
#define CCONFIG_MAX_OPTIONS 16

enum cconfig_action { CCONFIG_RUN = 0, CCONFIG_HELP };

struct cconfig {
    char db[CCONFIG_PATH_MAX];
    char state_dir[CCONFIG_PATH_MAX];
    char metrics[CCONFIG_ENDPOINT_MAX];     /* "" = no metrics */
    enum log_level log_level;
    char bind[CCONFIG_ENDPOINT_MAX];
    char secret_key_file[CCONFIG_PATH_MAX];
    char allowed_gateways[CCONFIG_PATH_MAX];
    char device_keys[CCONFIG_PATH_MAX];     /* "" = tags not checked here */
    int verify_devices;                     /* 0 auto, 1 on, -1 off */

    char config_path[CCONFIG_PATH_MAX];     /* "" = no file */
    int action;                             /* enum cconfig_action */
    struct optable_value values[CCONFIG_MAX_OPTIONS];
};

/* Args, the file (if --config), one check; every problem in err, one per
 * line, each naming file:line or the option. OPTABLE_OK or the first
 * problem's code (optable.h). */
int cconfig_load(struct cconfig *c, int argc, char **argv, char *err, size_t errlen);
/* Only the file, onto defaults (no command line): for SIGHUP, which
 * re-reads the log level from it. */
int cconfig_reload(struct cconfig *c, const char *path, char *err, size_t errlen);
const char *cconfig_origin(const struct cconfig *c, const char *name);
void cconfig_usage(FILE *f, const char *argv0);

#endif
