/* lofte-migrate -- copy an SQLite collector database into PostgreSQL and
 * verify it (migrate.h, docs/postgresql.md). */
#include <stdio.h>
#include <string.h>

#include "migrate.h"
#include "version.h"

static const char usage[] =
    "usage: lofte-migrate --from COLLECTOR.db --to postgresql://owner@host/lofte\n"
    "  copies every record, reception, gateway and rollup into an empty\n"
    "  PostgreSQL collector database and verifies the counts (one\n"
    "  transaction: all or nothing). Stop the collector first.\n";

int main(int argc, char **argv)
{
    const char *from = NULL, *to = NULL;
    char err[1024];
    int i, rc;
    if (version_requested(argc, argv, "lofte-migrate"))
        return 0;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            printf("%s", usage);
            return 0;
        }
        if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
            from = argv[++i];
        else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
            to = argv[++i];
        else {
            from = to = NULL;
            break;
        }
    }
    if (!from || !to) {
        fprintf(stderr, "lofte-migrate: --from FILE and --to URI, nothing else\n%s", usage);
        return 2;
    }
    rc = migrate_run(from, to, stdout, err, sizeof err);
    if (rc != MIGRATE_OK) {
        fprintf(stderr, "lofte-migrate: %s\n", err);
        return 1;
    }
    printf("lofte-migrate: %s copied into PostgreSQL and verified\n", from);
    return 0;
}
