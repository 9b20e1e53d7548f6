/* test_field.c -- the simulated field: handhelds with the real firmware,
 * the channel, and a station, over a Hammarö scenario. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "field.h"
#include "proto_err.h"
#include "serial_frame.h"
#include "testutil.h"

static struct field f; /* large: static, one test at a time per process */

static void short_config(struct field_config *cfg, uint64_t seed)
{
    field_config_default(cfg);
    cr_assert_eq(scenario_parse_date("2023-04-01", &cfg->from), 0);
    cr_assert_eq(scenario_parse_date("2023-06-01", &cfg->to), 0);
    cfg->seed = seed;
}

static char *run_truth(uint64_t seed, size_t *len)
{
    struct field_config cfg;
    char *buf = NULL;
    FILE *mem = open_memstream(&buf, len);
    short_config(&cfg, seed);
    cfg.truth = mem;
    cr_assert_eq(field_init(&f, &cfg), 0, "%s", f.err);
    cr_assert_eq(field_run(&f), 0, "%s", f.err);
    field_free(&f);
    fclose(mem);
    return buf;
}

Test(field, same_seed_gives_the_same_ground_truth_and_another_seed_does_not)
{
    size_t la, lb, lc;
    char *a = run_truth(11, &la), *b = run_truth(11, &lb), *c = run_truth(12, &lc);
    cr_assert_gt(la, 1000, "the scenario logs something");
    cr_assert_eq(la, lb);
    cr_assert_eq(memcmp(a, b, la), 0);
    cr_assert(la != lc || memcmp(a, c, la) != 0);
    free(a), free(b), free(c);
}

/* Every record the officers logged is held by the station exactly once,
 * with exactly the fields the officer entered. */
static void assert_delivered_exactly_once(struct field *fl)
{
    size_t i, j, officer = 0;
    cr_assert_eq(field_queued(fl), 0, "every record acknowledged and freed");
    for (i = 0; i < fl->accepted_count; i++) {
        const struct field_accepted *a = &fl->accepted[i];
        if (a->rec.activity == ACT_ADMIN_HEARTBEAT)
            continue;
        officer++;
        for (j = i + 1; j < fl->accepted_count; j++)
            cr_assert(!(fl->accepted[j].device == a->device &&
                        fl->accepted[j].counter == a->counter),
                      "stored twice: %08x/%u", a->device, a->counter);
    }
    cr_assert_eq(officer, fl->logged, "accepted %zu, logged %llu", officer,
                 (unsigned long long)fl->logged);
    /* and each scenario event arrived with its own content */
    for (i = 0; i < fl->sc.count; i++) {
        const struct scenario_event *e = &fl->sc.ev[i];
        uint32_t c = fl->counter_of[e->id], dev = fl->device_id[e->device];
        int found = 0;
        if (c == 0)
            continue;
        for (j = 0; j < fl->accepted_count && !found; j++) {
            const struct field_accepted *a = &fl->accepted[j];
            if (a->device != dev || a->counter != c)
                continue;
            found = 1;
            cr_assert_eq(a->rec.activity, e->rec.activity);
            if (e->void_of < 0) {
                cr_assert_eq(a->rec.quantity, e->rec.quantity);
                cr_assert_eq(a->rec.duration_min, e->rec.duration_min);
                cr_assert_eq(a->rec.zone, e->rec.zone);
                cr_assert_eq(a->rec.result, e->rec.result);
                cr_assert_eq(a->rec.cell, e->rec.cell);
                cr_assert_eq(a->rec.clock_unset, 0, "the clock was set by then");
                {
                    /* the device's clock comes from acks: allow it 2 s */
                    int64_t got = (int64_t)a->rec.start_min * 60 + LOFTE_EPOCH_UNIX;
                    cr_assert(got <= e->t + 2 && got >= e->t - 62,
                              "start minute %lld is not when it was logged (%lld)",
                              (long long)got, (long long)e->t);
                }
            } else {
                cr_assert_eq(a->rec.void_counter, fl->counter_of[e->void_of]);
            }
        }
        cr_assert(found, "event %d (counter %u) never arrived", e->id, c);
    }
}

Test(field, with_30_percent_loss_every_logged_record_is_acknowledged_exactly_once)
{
    struct field_config cfg;
    short_config(&cfg, 5);
    cfg.uplink_loss = 0.30;
    cfg.channel.downlink_loss_p = 0.30;
    cr_assert_eq(field_init(&f, &cfg), 0, "%s", f.err);
    cr_assert_eq(field_run(&f), 0, "%s", f.err);
    cr_assert_gt(channel_stats(&f.ch, -1)->lost, 100, "loss really happened");
    assert_delivered_exactly_once(&f);
    field_free(&f);
}

Test(field, duplicates_bit_errors_and_delay_change_nothing_that_is_stored)
{
    struct field_config cfg;
    short_config(&cfg, 6);
    cfg.uplink_loss = 0.10;
    cfg.channel.dup_p = 0.2;
    cfg.channel.bit_error_p = 0.2;
    cfg.channel.bit_error_pass_p = 0.5;
    cfg.channel.delay_max_ms = 400;
    cr_assert_eq(field_init(&f, &cfg), 0, "%s", f.err);
    cr_assert_eq(field_run(&f), 0, "%s", f.err);
    cr_assert_gt(f.st_duplicates, 50, "duplicates were delivered");
    cr_assert_gt(f.st_rejected, 10, "corrupted frames reached the station and were refused");
    assert_delivered_exactly_once(&f);
    field_free(&f);
}

/* --- the same entered through the handheld's keys -------------------------
 * field_ui.c presses, through each board's two buttons, what logs every
 * scenario event; its ground truth is what the officer meant, built from
 * the scenario. The station must hold exactly that: a key that logs a
 * wrong quantity, zone, result or duration is a mismatch here. */

static const struct field_accepted *stored(const struct field *fl, uint32_t device,
                                           uint32_t counter)
{
    size_t j;
    for (j = 0; j < fl->accepted_count; j++)
        if (fl->accepted[j].device == device && fl->accepted[j].counter == counter)
            return &fl->accepted[j];
    return NULL;
}

Test(field, through_the_keys_the_station_holds_exactly_what_the_officers_meant)
{
    struct field_config cfg;
    size_t i, officer = 0, checkpoints = 0, positives = 0, op_vehicles = 0, voids = 0, guard = 0;
    short_config(&cfg, 8);
    cr_assert_eq(scenario_parse_date("2023-08-01", &cfg.to), 0);
    cfg.via_ui = 1;
    cfg.uplink_loss = 0.20;
    cfg.channel.downlink_loss_p = 0.10;
    cr_assert_eq(field_init(&f, &cfg), 0, "%s", f.err);
    cr_assert_eq(field_run(&f), 0, "%s", f.err);
    cr_assert_eq(field_queued(&f), 0, "every record acknowledged and freed");
    cr_assert_eq(f.truth_count, f.logged);
    for (i = 0; i < f.truth_count; i++) {
        const struct field_accepted *t = &f.truth_rec[i];
        const struct field_accepted *a = stored(&f, t->device, t->counter);
        const struct record *w = &t->rec;
        cr_assert(a, "%08x/%u was logged but never stored", t->device, t->counter);
        cr_assert_eq(a->rec.activity, w->activity, "%08x/%u", t->device, t->counter);
        if (w->activity == ACT_ADMIN_VOID) {
            cr_assert_eq(a->rec.void_counter, w->void_counter);
            voids++;
            continue;
        }
        cr_assert_eq(a->rec.result, w->result, "%08x/%u result", t->device, t->counter);
        cr_assert_eq(a->rec.action, w->action, "%08x/%u action", t->device, t->counter);
        cr_assert_eq(a->rec.side, w->side, "%08x/%u side", t->device, t->counter);
        cr_assert_eq(a->rec.quantity, w->quantity, "%08x/%u quantity %u, meant %u", t->device,
                     t->counter, a->rec.quantity, w->quantity);
        cr_assert_eq(a->rec.duration_min, w->duration_min, "%08x/%u duration %u, meant %u",
                     t->device, t->counter, a->rec.duration_min, w->duration_min);
        cr_assert_eq(a->rec.zone, w->zone, "%08x/%u zone", t->device, t->counter);
        cr_assert_eq(a->rec.actor, w->actor, "%08x/%u actor", t->device, t->counter);
        cr_assert_eq(a->rec.cell, RECORD_CELL_NONE);
        cr_assert_eq(a->rec.operation, w->operation, "%08x/%u operation", t->device, t->counter);
        cr_assert_eq(a->rec.start_min, w->start_min);
        cr_assert_eq(a->rec.clock_unset, 0, "the clock was set by then");
        checkpoints += w->activity == ACT_TRAFFIC_CHECKPOINT;
        positives += w->activity == ACT_ALCOHOL_SCREENING && w->result != 0;
        op_vehicles += w->operation != 0 && w->activity != ACT_TRAFFIC_OPERATION;
        guard += w->actor == ACTOR_MUNICIPAL_GUARD;
    }
    for (i = 0; i < f.accepted_count; i++)
        officer += f.accepted[i].rec.activity != ACT_ADMIN_HEARTBEAT;
    cr_assert_eq(officer, f.truth_count, "stored %zu, logged %zu", officer, f.truth_count);
    /* the run exercised what the interface has: checkpoints with positives,
     * an operation's vehicles, guards' rounds, voids from the undo list */
    cr_assert_gt(checkpoints, 5);
    cr_assert_gt(positives, 1);
    cr_assert_gt(op_vehicles, 5);
    cr_assert_gt(guard, 50);
    cr_assert_gt(voids, 0);
    cr_assert_gt(f.ui_presses, 3 * f.truth_count, "the records came from key presses");
    cr_assert_lt(f.ui_skipped * 20, f.truth_count, "at most 5 %% not expressible: %llu",
                 (unsigned long long)f.ui_skipped);
    field_free(&f);
}

/* --- the same through a virtual modem on a pseudo terminal --------------
 * The test plays the gateway: it opens the modem's symlink as a serial
 * port, verifies each RX with station.c and writes the ack back as TX. */

struct gw {
    const char *path;
    struct station st;
    struct station_device devs[FIELD_MAX_DEVICES];
    volatile int stop;
    unsigned long rx, tx, stored, hangups;
};

static void gw_write(int fd, const struct modem_msg *m)
{
    uint8_t p[SERIAL_PAYLOAD_MAX], w[SERIAL_WIRE_MAX];
    size_t pn, wn, off = 0;
    cr_assert_eq(modem_encode(m, p, sizeof p, &pn), PROTO_OK);
    cr_assert_eq(serial_frame_encode(p, pn, w, sizeof w, &wn), PROTO_OK);
    while (off < wn) {
        ssize_t k = write(fd, w + off, wn - off);
        if (k > 0)
            off += (size_t)k;
    }
}

static void *gw_main(void *arg)
{
    struct gw *g = arg;
    struct serial_reader r;
    struct termios tio;
    int fd = -1;
    serial_reader_init(&r);
    while (!g->stop) {
        struct pollfd pfd;
        uint8_t buf[512];
        ssize_t n, i;
        if (fd < 0) { /* (re)open: at the start, and after an unplug */
            fd = open(g->path, O_RDWR | O_NOCTTY);
            if (fd < 0) {
                usleep(20000);
                continue;
            }
            tcgetattr(fd, &tio);
            cfmakeraw(&tio);
            tcsetattr(fd, TCSANOW, &tio);
            serial_reader_init(&r);
        }
        pfd.fd = fd;
        pfd.events = POLLIN;
        pfd.revents = 0;
        if (poll(&pfd, 1, 20) <= 0)
            continue;
        n = read(fd, buf, sizeof buf);
        if (n <= 0) { /* hung up: the plug was pulled */
            close(fd);
            fd = -1;
            g->hangups++;
            continue;
        }
        for (i = 0; i < n; i++) {
            const uint8_t *p;
            size_t len;
            struct modem_msg m, out;
            struct station_device *d;
            struct record rec;
            uint32_t c;
            int v;
            if (serial_reader_push(&r, buf[i], &p, &len) != 1 || modem_decode(p, len, &m) != 0 ||
                m.type != MODEM_RX)
                continue;
            g->rx++;
            v = station_open(&g->st, m.u.rx.frame, m.u.rx.len, &d, &c, &rec);
            if (v < 0)
                continue;
            if (v == STATION_NEW) {
                g->stored++;
                station_mark_held(d, c);
                station_heartbeat(d, c, &rec);
            }
            memset(&out, 0, sizeof out);
            out.type = MODEM_TX;
            out.u.tx.seq = (uint16_t)g->tx;

            out.u.tx.freq_hz = 869525000;
            out.u.tx.sf = m.u.rx.sf;
            out.u.tx.bw_kHz = m.u.rx.bw_kHz;
            out.u.tx.power_dBm = 14;
            size_t an;
            int64_t start_s;
            if (station_make_ack(&g->st, d, station_ack_second((int64_t)m.u.rx.rx_time_ms),
                                 out.u.tx.frame, sizeof out.u.tx.frame, &an, &start_s) != 0)
                continue;
            out.u.tx.tx_at_ms = (uint64_t)start_s * 1000u;
            out.u.tx.len = (uint8_t)an;
            gw_write(fd, &out);
            g->tx++;
        }
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

Test(field, a_gateway_on_the_pseudo_terminal_receives_and_acknowledges_everything)
{
    struct field_config cfg;
    static struct gw g;
    pthread_t th;
    char link[64];
    int i;
    short_config(&cfg, 7);
    cr_assert_eq(scenario_parse_date("2023-05-01", &cfg.to), 0);
    snprintf(link, sizeof link, "/tmp/lofte-test-modem-%d", (int)getpid());
    cfg.modems = 1;
    cfg.pty_link[0] = link;
    cfg.gateway_wait_ms = 500;
    cr_assert_eq(field_init(&f, &cfg), 0, "%s", f.err);
    memset(&g, 0, sizeof g);
    g.path = link;
    station_init(&g.st, 9, g.devs, FIELD_MAX_DEVICES);
    for (i = 0; i < f.n; i++)
        station_add_device(&g.st, f.device_id[i], f.key[i]);
    cr_assert_eq(pthread_create(&th, NULL, gw_main, &g), 0);
    usleep(100000); /* let the gateway open the port before traffic starts */
    cr_assert_eq(field_run(&f), 0, "%s", f.err);
    g.stop = 1;
    pthread_join(th, NULL);
    cr_assert_gt(g.rx, 100);
    cr_assert_gt(g.tx, 100, "acks went back through the modem");
    cr_assert_eq(field_queued(&f), 0, "every record acknowledged through the pty");
    cr_assert_geq(g.stored, f.logged, "the gateway stored every logged record (and heartbeats)");
    field_free(&f);
}

/* Issue 9 H: the plug was pulled only if a simulation step happened to fall
 * inside the window; a 1-second window at midnight had none, and the run
 * said nothing. */
Test(field, an_unplug_happens_even_when_no_event_falls_in_its_window)
{
    struct field_config cfg;
    static struct gw g;
    pthread_t th;
    char link[64];
    int i;
    short_config(&cfg, 7);
    cr_assert_eq(scenario_parse_date("2023-04-20", &cfg.to), 0);
    cr_assert_eq(scenario_parse_date("2023-04-10", &cfg.unplug_at), 0);
    cfg.unplug_s = 1;
    snprintf(link, sizeof link, "/tmp/lofte-test-modem-u%d", (int)getpid());
    cfg.modems = 1;
    cfg.pty_link[0] = link;
    cfg.gateway_wait_ms = 500;
    cr_assert_eq(field_init(&f, &cfg), 0, "%s", f.err);
    memset(&g, 0, sizeof g);
    g.path = link;
    station_init(&g.st, 9, g.devs, FIELD_MAX_DEVICES);
    for (i = 0; i < f.n; i++)
        station_add_device(&g.st, f.device_id[i], f.key[i]);
    cr_assert_eq(pthread_create(&th, NULL, gw_main, &g), 0);
    usleep(100000);
    cr_assert_eq(field_run(&f), 0, "%s", f.err);
    g.stop = 1;
    pthread_join(th, NULL);
    cr_assert_eq(f.modem[0].stats.unplugs, 1, "the plug was pulled");
    cr_assert_eq(f.modem[0].stats.replugs, 1, "and put back");
    cr_assert_geq(g.hangups, 1, "the gateway saw the hang-up");
    cr_assert_eq(field_queued(&f), 0);
    field_free(&f);
}

Test(field, an_unplug_that_cannot_happen_is_refused_at_init)
{
    struct field_config cfg;
    static const char *const days[] = {"2023-03-31", "2023-06-01", "2024-01-01"};
    size_t i;
    short_config(&cfg, 7);
    cr_assert_eq(scenario_parse_date("2023-05-01", &cfg.unplug_at), 0);
    cfg.unplug_s = 60;
    cr_assert_neq(field_init(&f, &cfg), 0, "no modem to unplug");
    cr_assert(strstr(f.err, "unplug"), "%s", f.err);
    cfg.modems = 1;
    cfg.pty_link[0] = "/tmp/lofte-test-modem-never";
    cfg.unplug_s = 0;
    cr_assert_neq(field_init(&f, &cfg), 0, "zero duration");
    cfg.unplug_s = 60;
    for (i = 0; i < sizeof days / sizeof days[0]; i++) {
        cr_assert_eq(scenario_parse_date(days[i], &cfg.unplug_at), 0);
        cr_assert_neq(field_init(&f, &cfg), 0, "%s is outside the run", days[i]);
    }
}

/* Issue 9 item 21: 2024-02-30 was taken as 2024-03-01. */
Test(field, dates_that_are_not_days_are_refused)
{
    static const char *const bad[] = {"2024-02-30", "2023-02-29", "2023-04-31", "2023-13-01",
                                      "2023-00-10", "2023-+1-01", "2023- 1-01", "2023-01-00"};
    int64_t t;
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_neq(scenario_parse_date(bad[i], &t), 0, "%s accepted", bad[i]);
    cr_assert_eq(scenario_parse_date("2024-02-29", &t), 0, "a leap day is a day");
    cr_assert_eq(scenario_parse_date("2023-12-31", &t), 0);
}
