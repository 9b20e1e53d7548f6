/* report_main.c -- lofte-report: parse the command line, run, report errors.
 *
 * Thin on purpose: everything it does is in report.c, where tests call it.
 * Exit status: 0 done, 1 failed (the message says why), 2 bad command line.
 */
#include <stdio.h>
#include <time.h>

#include "report.h"
#include "version.h"

int main(int argc, char **argv)
{
    struct report_config cfg;
    char err[16384]; /* a targets file's every mistake, one per line (docs/targets.md) */
    int rc;

    if (version_requested(argc, argv, "lofte-report"))
        return 0;
    if (report_config_parse(argc, argv, &cfg, err, sizeof err) != REPORT_OK) {
        fprintf(stderr, "lofte-report: %s\n", err);
        return 2;
    }
    rc = report_run(&cfg, time(NULL), err, sizeof err);
    if (rc != REPORT_OK) {
        fprintf(stderr, "lofte-report: %s\n", err);
        return rc == REPORT_ERR_USAGE ? 2 : 1;
    }
    return 0;
}
