/* test_spool.c -- the gateway's durable outbox on a real SQLite file. */
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw, kill */
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "linkutil.h"
#include "proto_err.h"

#define DEV 0x8c3d91f4u

static void setup(void)
{
    tdir_make();
}

static void teardown(void)
{
    tdir_remove();
}

TestSuite(spool, .init = setup, .fini = teardown);

static struct spool *open_spool(const struct spool_options *opt)
{
    struct spool *s;
    char err[256];
    struct spool_options def = {0, 0}; /* no free-space rule: the test disk may be tight */
    cr_assert_eq(spool_open(&s, tpath("spool.db"), opt ? opt : &def, err, sizeof err), SPOOL_OK,
                 "%s", err);
    return s;
}

static int put_one(struct spool *s, uint32_t counter)
{
    struct record r = rec_guard(counter);
    struct spool_rx rx = rx_at(7, -97);
    struct spool_row row = row_of(DEV, counter, &r, &rx);
    char err[256];
    return spool_put(s, &row, err, sizeof err);
}

Test(spool, recognises_a_record_it_already_holds_as_a_duplicate_after_reopening)
{
    struct spool *s = open_spool(NULL);
    cr_assert_eq(put_one(s, 5), SPOOL_NEW);
    cr_assert_eq(put_one(s, 5), SPOOL_DUPLICATE);
    spool_close(s);
    s = open_spool(NULL);
    cr_assert_eq(put_one(s, 5), SPOOL_DUPLICATE);
    cr_assert_eq(put_one(s, 6), SPOOL_NEW);
    cr_assert_eq(spool_depth(s), 2);
    spool_close(s);
}

struct loaded {
    int count;
    struct station_device d;
};

static int collect(void *ctx, const struct station_device *d)
{
    struct loaded *l = ctx;
    l->count++;
    l->d = *d;
    return 0;
}

static struct station_device dev_state(uint32_t acked)
{
    struct station_device d;
    memset(&d, 0, sizeof d);
    memset(d.key, 0xAA, sizeof d.key); /* must never be persisted */
    d.device = DEV;
    d.ref = acked + 3;
    d.acked = acked;
    d.last_ack_time = 148509060u + acked;
    d.held[0] = 0x5A;
    d.held[sizeof d.held - 1] = 0x81;
    return d;
}

Test(spool, saves_device_state_and_record_in_one_transaction_or_not_at_all)
{
    struct spool *s = open_spool(NULL);
    struct station_device d = dev_state(10);
    struct loaded l = {0};
    char err[256];

    /* rolled back: neither the record nor the state */
    cr_assert_eq(spool_begin(s, err, sizeof err), SPOOL_OK);
    cr_assert_eq(put_one(s, 11), SPOOL_NEW);
    cr_assert_eq(spool_save_device(s, &d, err, sizeof err), SPOOL_OK);
    spool_rollback(s);
    cr_assert_eq(spool_depth(s), 0);
    cr_assert_eq(spool_load_devices(s, collect, &l, err, sizeof err), 0);
    cr_assert_eq(l.count, 0);

    /* committed: both, as they were, and never the key */
    cr_assert_eq(spool_begin(s, err, sizeof err), SPOOL_OK);
    cr_assert_eq(put_one(s, 11), SPOOL_NEW);
    cr_assert_eq(spool_save_device(s, &d, err, sizeof err), SPOOL_OK);
    cr_assert_eq(spool_commit(s, err, sizeof err), SPOOL_OK);
    spool_close(s);
    s = open_spool(NULL);
    cr_assert_eq(spool_depth(s), 1);
    cr_assert_eq(spool_load_devices(s, collect, &l, err, sizeof err), 0);
    cr_assert_eq(l.count, 1);
    cr_assert_eq(l.d.device, DEV);
    cr_assert_eq(l.d.ref, 13);
    cr_assert_eq(l.d.acked, 10);
    cr_assert_eq(l.d.last_ack_time, 148509070u);
    cr_assert_eq(memcmp(l.d.held, d.held, sizeof d.held), 0);
    {
        uint8_t zero[RADIO_KEY_LEN] = {0};
        cr_assert_eq(memcmp(l.d.key, zero, sizeof zero), 0, "the key was persisted");
    }
    spool_close(s);
}

Test(spool, a_process_killed_mid_transaction_leaves_record_and_state_consistent)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        /* the child: one committed burst, then one it never commits */
        struct spool *s;
        struct station_device d = dev_state(1);
        char err[256];
        struct spool_options opt = {0, 0};
        if (spool_open(&s, tpath("spool.db"), &opt, err, sizeof err))
            _exit(10);
        if (spool_begin(s, err, sizeof err) || put_one(s, 1) != SPOOL_NEW ||
            spool_save_device(s, &d, err, sizeof err) || spool_commit(s, err, sizeof err))
            _exit(11);
        d = dev_state(2);
        if (spool_begin(s, err, sizeof err) || put_one(s, 2) != SPOOL_NEW ||
            spool_save_device(s, &d, err, sizeof err))
            _exit(12);
        kill(getpid(), SIGKILL); /* no commit, no close, no atexit */
        _exit(13);
    }
    {
        int status;
        struct loaded l = {0};
        struct spool *s;
        char err[256];
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child status %d", status);
        s = open_spool(NULL);
        cr_assert_eq(spool_depth(s), 1, "only the committed record survives");
        cr_assert_eq(spool_load_devices(s, collect, &l, err, sizeof err), 0);
        cr_assert_eq(l.count, 1);
        cr_assert_eq(l.d.acked, 1, "the state is the committed one, matching the records");
        cr_assert_eq(put_one(s, 2), SPOOL_NEW);
        cr_assert_eq(put_one(s, 1), SPOOL_DUPLICATE);
        spool_close(s);
    }
}

Test(spool, hands_out_unsent_rows_oldest_first_and_again_after_the_timeout)
{
    struct spool *s = open_spool(NULL);
    struct spool_row rows[8];
    uint64_t ids[4];
    size_t n, i, deleted;
    char err[256];
    int64_t t0 = 1000000;

    spool_fill(s, DEV, 1, 10, 7);
    cr_assert_eq(spool_unsent(s, t0, 3000, rows, 4, &n, err, sizeof err), SPOOL_OK, "%s", err);
    cr_assert_eq(n, 4);
    for (i = 0; i < n; i++) {
        cr_assert_eq(rows[i].counter, i + 1);
        cr_assert_eq(rows[i].was_sent, 0);
        cr_assert_eq(rows[i].device, DEV);
        cr_assert_eq(rows[i].rx.station, 7);
        cr_assert_eq(rows[i].rx.rssi_dBm, -97);
        cr_assert_eq(rows[i].rx.snr_qdB, -29);
        if (i)
            cr_assert_gt(rows[i].id, rows[i - 1].id);
        ids[i] = rows[i].id;
    }
    cr_assert_eq(spool_mark_sent(s, ids, 4, t0, err, sizeof err), SPOOL_OK);

    /* in flight: skipped until the timeout */
    cr_assert_eq(spool_unsent(s, t0 + 100, 3000, rows, 8, &n, err, sizeof err), SPOOL_OK);
    cr_assert_eq(n, 6);
    cr_assert_eq(rows[0].counter, 5);
    cr_assert_eq(spool_unsent(s, t0 + 3000, 3000, rows, 8, &n, err, sizeof err), SPOOL_OK);
    cr_assert_eq(n, 8);
    cr_assert_eq(rows[0].counter, 1);
    cr_assert_eq(rows[0].was_sent, 1);
    cr_assert_eq(rows[4].was_sent, 0);

    /* acknowledged: gone, and a repeated ack deletes nothing */
    cr_assert_eq(spool_mark_delivered(s, ids, 2, &deleted, err, sizeof err), SPOOL_OK);
    cr_assert_eq(deleted, 2);
    cr_assert_eq(spool_mark_delivered(s, ids, 2, &deleted, err, sizeof err), SPOOL_OK);
    cr_assert_eq(deleted, 0);
    cr_assert_eq(spool_depth(s), 8);

    /* a reconnect: everything unacknowledged is due at once */
    spool_forget_sent(s);
    cr_assert_eq(spool_unsent(s, t0 + 100, 3000, rows, 8, &n, err, sizeof err), SPOOL_OK);
    cr_assert_eq(n, 8);
    cr_assert_eq(rows[0].counter, 3);
    spool_close(s);
}

Test(spool, marks_and_deletes_exactly_the_listed_rows_when_their_ids_have_gaps)
{
    struct spool *s = open_spool(NULL);
    struct spool_row rows[16];
    uint64_t id[10], sent[4], acked[7];
    size_t n, i, deleted;
    char err[256];
    int64_t t0 = 1000000;

    spool_fill(s, DEV, 1, 10, 7);
    cr_assert_eq(spool_unsent(s, t0, 3000, rows, 16, &n, err, sizeof err), SPOOL_OK, "%s", err);
    cr_assert_eq(n, 10);
    for (i = 0; i < n; i++)
        id[i] = rows[i].id;
    /* sent: counters 1, 2, 4 and 5 (3 is not in flight) */
    sent[0] = id[0], sent[1] = id[1], sent[2] = id[3], sent[3] = id[4];
    cr_assert_eq(spool_mark_sent(s, sent, 4, t0, err, sizeof err), SPOOL_OK, "%s", err);
    cr_assert_eq(spool_unsent(s, t0 + 100, 3000, rows, 16, &n, err, sizeof err), SPOOL_OK);
    cr_assert_eq(n, 6);
    cr_assert_eq(rows[0].counter, 3);
    cr_assert_eq(rows[1].counter, 6);

    /* acknowledged: 1 2 3, 5, 7 8, and 5 again; out of order too */
    acked[0] = id[6], acked[1] = id[7], acked[2] = id[0], acked[3] = id[1], acked[4] = id[2];
    acked[5] = id[4], acked[6] = id[4];
    cr_assert_eq(spool_mark_delivered(s, acked, 7, &deleted, err, sizeof err), SPOOL_OK, "%s", err);
    cr_assert_eq(deleted, 6);
    cr_assert_eq(spool_depth(s), 4);
    spool_forget_sent(s);
    cr_assert_eq(spool_unsent(s, t0, 3000, rows, 16, &n, err, sizeof err), SPOOL_OK);
    cr_assert_eq(n, 4);
    cr_assert_eq(rows[0].counter, 4);
    cr_assert_eq(rows[1].counter, 6);
    cr_assert_eq(rows[2].counter, 9);
    cr_assert_eq(rows[3].counter, 10);
    spool_close(s);
}

Test(spool, never_reuses_a_row_id_after_its_row_was_delivered)
{
    struct spool *s = open_spool(NULL);
    struct spool_row rows[2];
    uint64_t first;
    size_t n;
    char err[256];
    spool_fill(s, DEV, 1, 1, 7);
    cr_assert_eq(spool_unsent(s, 0, 3000, rows, 2, &n, err, sizeof err), SPOOL_OK);
    first = rows[0].id;
    cr_assert_eq(spool_mark_delivered(s, &first, 1, NULL, err, sizeof err), SPOOL_OK);
    spool_close(s);
    s = open_spool(NULL);
    spool_fill(s, DEV, 2, 2, 7);
    cr_assert_eq(spool_unsent(s, 0, 3000, rows, 2, &n, err, sizeof err), SPOOL_OK);
    cr_assert_eq(n, 1);
    cr_assert_gt(rows[0].id, first);
    spool_close(s);
}

Test(spool, keeps_uncommitted_rows_from_the_link)
{
    struct spool *s = open_spool(NULL);
    struct spool_row rows[2];
    size_t n = 9;
    char err[256];
    cr_assert_eq(spool_begin(s, err, sizeof err), SPOOL_OK);
    cr_assert_eq(put_one(s, 1), SPOOL_NEW);
    cr_assert_eq(spool_unsent(s, 0, 3000, rows, 2, &n, err, sizeof err), SPOOL_ERR_TXN);
    cr_assert_eq(n, 0);
    cr_assert_eq(spool_begin(s, err, sizeof err), SPOOL_ERR_TXN);
    cr_assert_eq(spool_commit(s, err, sizeof err), SPOOL_OK);
    cr_assert_eq(spool_commit(s, err, sizeof err), SPOOL_ERR_TXN);
    spool_close(s);
}

Test(spool, refuses_rows_the_collector_could_not_use)
{
    struct spool *s = open_spool(NULL);
    struct record r = rec_guard(1);
    struct spool_rx rx = rx_at(7, -97);
    struct spool_row row = row_of(DEV, 1, &r, &rx);
    char err[256];
    row.counter = 0;
    cr_assert_eq(spool_put(s, &row, err, sizeof err), SPOOL_ERR_BAD_ROW);
    row = row_of(DEV, 1, &r, &rx);
    row.device = 0xFFFFFFFFu;
    cr_assert_eq(spool_put(s, &row, err, sizeof err), SPOOL_ERR_BAD_ROW);
    row = row_of(DEV, 1, &r, &rx);
    row.record[0] = 2; /* record version 2: does not decode */
    cr_assert_eq(spool_put(s, &row, err, sizeof err), SPOOL_ERR_BAD_ROW);
    cr_assert_eq(spool_depth(s), 0);
    spool_close(s);
}

Test(spool, reports_depth_and_the_age_of_its_oldest_row)
{
    struct spool *s = open_spool(NULL);
    int64_t now = wall_ms();
    cr_assert_eq(spool_depth(s), 0);
    cr_assert_eq(spool_oldest_age_ms(s, now), 0);
    spool_fill(s, DEV, 1, 3, 7);
    cr_assert_eq(spool_depth(s), 3);
    cr_assert_geq(spool_oldest_age_ms(s, now + 60000), 59000);
    cr_assert_leq(spool_oldest_age_ms(s, now + 60000), 61000);
    spool_close(s);
}

Test(spool, says_full_distinctly_and_loses_nothing_when_its_size_cap_is_reached)
{
    struct spool_options opt = {0, 96 * 1024}; /* a tiny "disk" */
    struct spool *s = open_spool(&opt);
    char err[256];
    uint32_t c, committed = 0;
    int rc = SPOOL_OK;
    for (c = 1; c < 100000 && rc == SPOOL_OK; c++) {
        struct station_device d = dev_state(c);
        rc = spool_begin(s, err, sizeof err);
        if (rc == SPOOL_OK) {
            int put = put_one(s, c);
            rc = put == SPOOL_NEW ? SPOOL_OK : put;
        }
        if (rc == SPOOL_OK)
            rc = spool_save_device(s, &d, err, sizeof err);
        if (rc == SPOOL_OK)
            rc = spool_commit(s, err, sizeof err);
        else
            spool_rollback(s);
        if (rc == SPOOL_OK)
            committed = c;
    }
    cr_assert_eq(rc, SPOOL_ERR_FULL, "got %s: %s", spool_errname(rc), err);
    cr_assert_gt(committed, 50, "the cap let only %u records in", committed);
    spool_close(s);

    s = open_spool(NULL);
    cr_assert_eq(spool_depth(s), committed, "a committed record was lost");
    {
        struct loaded l = {0};
        cr_assert_eq(spool_load_devices(s, collect, &l, err, sizeof err), 0);
        cr_assert_eq(l.d.acked, committed, "device state and records disagree");
    }
    cr_assert_eq(put_one(s, committed), SPOOL_DUPLICATE);
    spool_close(s);
}

Test(spool, stops_intake_when_free_space_is_below_its_threshold)
{
    struct spool_options opt = {INT64_MAX / 2, 0}; /* more than any disk has */
    struct spool *s = open_spool(&opt);
    char err[256] = "";
    cr_assert_eq(spool_begin(s, err, sizeof err), SPOOL_ERR_FULL);
    cr_assert_neq(strstr(err, "stopping intake"), NULL, "sentence: %s", err);
    /* nothing was started: a commit is a misuse, not a success */
    cr_assert_eq(spool_commit(s, err, sizeof err), SPOOL_ERR_TXN);
    cr_assert_eq(spool_check_space(s, err, sizeof err), SPOOL_ERR_FULL);
    spool_close(s);
}

Test(spool, refuses_a_database_that_is_not_a_spool)
{
    sqlite3 *h;
    struct spool *s;
    char err[256];
    cr_assert_eq(sqlite3_open(tpath("other.db"), &h), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(h, "PRAGMA application_id = 42; CREATE TABLE t(x)", 0, 0, 0),
                 SQLITE_OK);
    sqlite3_close(h);
    cr_assert_eq(spool_open(&s, tpath("other.db"), NULL, err, sizeof err), SPOOL_ERR_OPEN);
    cr_assert_null(s);
}

Test(spool, creates_its_database_wal_and_shm_readable_by_no_one_but_owner_and_group)
{
    const char *names[] = {"spool.db", "spool.db-wal", "spool.db-shm"};
    struct spool *s = open_spool(NULL);
    struct stat st;
    size_t i;
    mode_t old = umask(022); /* the usual umask: it would let SQLite's 0644 through */
    cr_assert_eq(put_one(s, 1), SPOOL_NEW);
    for (i = 0; i < 3; i++) {
        cr_assert_eq(stat(tpath(names[i]), &st), 0, "%s", names[i]);
        cr_assert_eq(st.st_mode & 0007, 0, "%s is mode %o", names[i], (unsigned)(st.st_mode & 0777));
        cr_assert_eq(st.st_mode & 0020, 0, "%s is group-writable", names[i]);
    }
    umask(old);
    spool_close(s);
}

Test(spool, gives_the_space_of_a_grown_wal_back_after_a_failed_transaction)
{
    struct spool *s = open_spool(NULL);
    char err[256];
    struct stat st;
    uint32_t c;
    /* a backlog of separate commits grows the WAL to megabytes; on a full
     * disk that is the space the next commit (or the deletes that would
     * shrink the outbox) needs */
    for (c = 1; c <= 1500; c++)
        cr_assert_eq(put_one(s, c), SPOOL_NEW);
    cr_assert_eq(stat(tpath("spool.db-wal"), &st), 0);
    cr_assert_gt(st.st_size, 1000000);
    cr_assert_eq(spool_begin(s, err, sizeof err), SPOOL_OK, "%s", err);
    cr_assert_eq(put_one(s, 4000), SPOOL_NEW);
    spool_rollback(s); /* what the gateway does after any failure */
    cr_assert_eq(stat(tpath("spool.db-wal"), &st), 0);
    cr_assert_eq(st.st_size, 0, "the WAL kept %lld bytes", (long long)st.st_size);
    cr_assert_eq(spool_depth(s), 1500);
    /* and the spool takes records again */
    cr_assert_eq(spool_begin(s, err, sizeof err), SPOOL_OK, "%s", err);
    cr_assert_eq(put_one(s, 4000), SPOOL_NEW);
    cr_assert_eq(spool_commit(s, err, sizeof err), SPOOL_OK, "%s", err);
}

Test(spool, keeps_the_sealed_frame_for_the_collector_and_upgrades_a_version_1_spool)
{
    struct record r = rec_guard(9);
    struct spool_rx rx = rx_at(3, -97);
    struct spool_row row, out[2];
    uint8_t frame[RADIO_UPLINK_MAX_LEN];
    char err[256];
    size_t n = 0, i;
    sqlite3 *h;
    struct spool *s;

    /* a spool as a gateway before schema 2 wrote it, holding one row */
    cr_assert_eq(sqlite3_open(tpath("old.spool"), &h), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(h,
        "CREATE TABLE outbox(id INTEGER PRIMARY KEY AUTOINCREMENT, device INTEGER NOT NULL,"
        " counter INTEGER NOT NULL, record BLOB NOT NULL, rx_time_ms INTEGER NOT NULL,"
        " freq_hz INTEGER NOT NULL, rssi_dBm INTEGER NOT NULL, snr_qdB INTEGER NOT NULL,"
        " sf INTEGER NOT NULL, bw_kHz INTEGER NOT NULL, station INTEGER NOT NULL,"
        " spooled_at_ms INTEGER NOT NULL, UNIQUE(device, counter));"
        "CREATE TABLE devices(device INTEGER PRIMARY KEY, ref INTEGER NOT NULL,"
        " acked INTEGER NOT NULL, last_ack_time INTEGER NOT NULL, held BLOB NOT NULL);"
        "INSERT INTO outbox VALUES(1, 7, 8, x'0151000000250000000000001e', 0, 868100000, -97,"
        " -29, 9, 125, 3, 0);"
        "PRAGMA application_id = 1280267088; PRAGMA user_version = 1;", NULL, NULL, NULL),
        SQLITE_OK, "%s", sqlite3_errmsg(h));
    sqlite3_close(h);
    s = NULL;
    {
        struct spool_options o = {0, 0};
        cr_assert_eq(spool_open(&s, tpath("old.spool"), &o, err, sizeof err), SPOOL_OK, "%s", err);
    }
    for (i = 0; i < sizeof frame; i++)
        frame[i] = (uint8_t)(0x11 + i);
    cr_assert_eq(spool_row_fill(&row, 7, 9, &r, &rx), 0);
    cr_assert_eq(spool_row_set_frame(&row, frame, 26), PROTO_ERR_OUT_OF_RANGE);
    cr_assert_eq(spool_row_set_frame(&row, frame, 30), 0);
    cr_assert_eq(spool_put(s, &row, err, sizeof err), SPOOL_NEW, "%s", err);
    cr_assert_eq(spool_unsent(s, 0, 0, out, 2, &n, err, sizeof err), SPOOL_OK, "%s", err);
    cr_assert_eq(n, 2);
    cr_assert_eq(out[0].counter, 8);
    cr_assert_eq(out[0].frame_len, 0, "a row spooled before schema 2 has no frame");
    cr_assert_eq(out[1].counter, 9);
    cr_assert_eq(out[1].frame_len, 30);
    cr_assert_eq(memcmp(out[1].frame, frame, 30), 0);
    spool_close(s);
}
