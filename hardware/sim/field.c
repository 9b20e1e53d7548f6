/* field.c -- run handhelds, channel and station side in simulated time. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "field.h"
#include "sim_station.h"
#include "proto_err.h"

#define STEP_MS 100u             /* time step while frames may be in flight */
#define BUSY_AFTER_SEND_MS 6000u /* SF12 air time + latency + ack window */

static void field_fail(struct field *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->err, sizeof f->err, fmt, ap);
    va_end(ap);
}

void field_config_default(struct field_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    scenario_parse_date("2023-01-01", &cfg->from);
    scenario_parse_date("2024-10-01", &cfg->to);
    cfg->devices = 6;
    cfg->seed = 1;
    channel_config_default(&cfg->channel);
    cfg->uplink_loss = 0.05;
    cfg->gateway_wait_ms = 200;
    cfg->drain_s = 3 * 24 * 3600;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int64_t real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- ground truth ------------------------------------------------------- */

static void truth_line(FILE *out, uint32_t device, uint32_t counter, const struct record *r,
                       int event_id)
{
    const struct record_activity_info *info = record_activity_info(r->activity);
    fprintf(out,
            "{\"device\":\"%08x\",\"counter\":%u,\"event\":%d,\"activity\":\"%s\","
            "\"result\":\"%s\",\"action\":\"%s\",\"side\":%u,\"clock_unset\":%u,"
            "\"start_min\":%u,\"quantity\":%u,\"duration_min\":%u,\"zone\":\"%s\","
            "\"actor\":\"%s\",",
            device, counter, event_id, info ? info->name : "?",
            record_result_name(r->activity, r->result), record_action_name(r->action), r->side,
            r->clock_unset, r->start_min, r->quantity, r->duration_min,
            record_zone_name(r->zone), record_actor_name(r->actor));
    if (r->cell == RECORD_CELL_NONE)
        fprintf(out, "\"cell\":null,");
    else
        fprintf(out, "\"cell\":%u,", r->cell);
    if (r->operation)
        fprintf(out, "\"operation\":%u,", r->operation);
    else
        fprintf(out, "\"operation\":null,");
    fprintf(out, "\"void_counter\":%u}\n", r->void_counter);
}

static int write_keys(struct field *f, const char *path)
{
    int fd, i;
    FILE *out;
    /* keys are secrets: create 0600 from the start, never widen */
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || fchmod(fd, 0600) != 0) {
        field_fail(f, "cannot write key file %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    out = fdopen(fd, "w");
    if (!out) {
        close(fd);
        field_fail(f, "cannot write key file %s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(out, "# lofte device keys: pseudonym key (hex). Simulated devices.\n");
    for (i = 0; i < f->n; i++) {
        int k;
        fprintf(out, "%08x ", f->device_id[i]);
        for (k = 0; k < RADIO_KEY_LEN; k++)
            fprintf(out, "%02x", f->key[i][k]);
        fprintf(out, "\n");
    }
    if (fclose(out) != 0) {
        field_fail(f, "cannot write key file %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* --- in-process station ---------------------------------------------------- */

static int accepted_push(struct field *f, uint32_t device, uint32_t counter,
                         const struct record *r)
{
    if (f->accepted_count == f->accepted_cap) {
        size_t cap = f->accepted_cap ? 2 * f->accepted_cap : 4096;
        struct field_accepted *a = realloc(f->accepted, cap * sizeof *a);
        if (!a)
            return -1;
        f->accepted = a;
        f->accepted_cap = cap;
    }
    f->accepted[f->accepted_count].device = device;
    f->accepted[f->accepted_count].counter = counter;
    f->accepted[f->accepted_count].rec = *r;
    f->accepted_count++;
    return 0;
}

/* accepted_push as a sim_station store: the record joins what the station holds */
static int station_store(void *ctx, const struct station_device *d, uint32_t counter,
                         const struct record *rec)
{
    return accepted_push(ctx, d->device, counter, rec);
}

static void station_rx(void *ctx, const uint8_t *frame, size_t len,
                       const struct channel_rx_meta *meta)
{
    struct field *f = ctx;
    int v = sim_station_rx(&f->st, &f->ch, f->st_rx, frame, len, meta, station_store, f);
    if (v < 0)
        f->st_rejected++;
    else if (v == STATION_DUPLICATE)
        f->st_duplicates++;
}

/* --- setup ------------------------------------------------------------------ */

/* The channel hands an AT modem's radio a frame: print it if the radio is
 * listening there (uplinks: normal IQ, sync word 0x12), and remember when,
 * in both clocks. */
static void field_at_rx(void *ctx, const uint8_t *frame, size_t len,
                        const struct channel_rx_meta *meta)
{
    struct field_at *a = ctx;
    struct at_modem_radio r;
    memset(&r, 0, sizeof r);
    r.freq_hz = meta->freq_hz;
    r.sf = meta->sf;
    r.bw_kHz = meta->bw_kHz;
    r.cr = meta->cr;
    r.syncword = 0x1424;
    r.crc_on = 1;
    if (at_modem_receive(&a->f->at[a->i], frame, len, meta->rssi_dBm, meta->snr_qdB, &r) == 1) {
        a->rx_real_ms = at_modem_now_ms();
        a->rx_sim_ms = a->f->now_ms;
    }
}

int field_init(struct field *f, const struct field_config *cfg)
{
    struct handheld_config hc;
    uint64_t rng;
    int i;

    memset(f, 0, sizeof *f);
    f->cfg = *cfg;
    f->n = cfg->devices;
    if (f->n < 2 || f->n > FIELD_MAX_DEVICES || cfg->modems < 0 ||
        cfg->modems > FIELD_MAX_MODEMS || cfg->to <= cfg->from) {
        field_fail(f, "bad field configuration (devices 2..%d, modems 0..%d, from < to)",
                   FIELD_MAX_DEVICES, FIELD_MAX_MODEMS);
        return -1;
    }
    /* An unplug that cannot happen must not pass for one that did: a test
     * that asks for it relies on it (issue 9 H). */
    if (cfg->unplug_at && (cfg->modems == 0 || cfg->unplug_s == 0 ||
                           cfg->unplug_at < cfg->from || cfg->unplug_at >= cfg->to)) {
        field_fail(f, "an unplug needs a virtual modem, a duration of at least 1 s, and a day "
                      "from the first simulated day to the last");
        return -1;
    }
    if (scenario_build(&f->sc, cfg->from, cfg->to, f->n, cfg->seed) != 0 ||
        !(f->counter_of = calloc(f->sc.count + 1, sizeof *f->counter_of))) {
        field_fail(f, "out of memory building the scenario");
        return -1;
    }
    if (channel_init(&f->ch, &cfg->channel) != CHANNEL_OK) {
        field_fail(f, "bad channel configuration");
        return -1;
    }
    /* Devices boot a day early, so their first heartbeat gets the clock. */
    f->now_ms = (uint64_t)(cfg->from - 24 * 3600) * 1000u;
    rng = cfg->seed ^ 0x6c6f667465ULL;
    handheld_config_default(&hc);
    station_init(&f->st, 1, f->st_devs, FIELD_MAX_DEVICES);
    for (i = 0; i < f->n; i++) {
        int k, err;
        do
            f->device_id[i] = (uint32_t)splitmix(&rng);
        while (f->device_id[i] == 0 || f->device_id[i] == 0xFFFFFFFFu);
        for (k = 0; k < RADIO_KEY_LEN; k++)
            f->key[i][k] = (uint8_t)splitmix(&rng);
        if (sim_board_init(&f->boards[i], i, &f->now_ms, HANDHELD_FLASH_PAGE_SIZE,
                           HANDHELD_FLASH_PAGES, cfg->seed * 1000u + (uint64_t)i) != BOARD_OK) {
            field_fail(f, "cannot create board %d", i);
            return -1;
        }
        if ((err = handheld_provision(&f->boards[i].board, f->device_id[i], f->key[i])) != 0 ||
            (err = handheld_boot(&f->hh[i], &f->boards[i].board, &hc)) != 0) {
            field_fail(f, "device %d: %s", i, handheld_strerror(err));
            return -1;
        }
        if (channel_attach(&f->ch, &f->boards[i]) != CHANNEL_OK) {
            field_fail(f, "cannot attach device %d to the channel", i);
            return -1;
        }
        station_add_device(&f->st, f->device_id[i], f->key[i]);
        f->wake_ms[i] = f->now_ms;
    }
    if (cfg->keys_path && write_keys(f, cfg->keys_path) != 0)
        return -1;
    if (cfg->via_ui && field_ui_init(f) != 0)
        return -1;

    if (cfg->modems == 0) {
        struct channel_receiver r;
        memset(&r, 0, sizeof r);
        r.on_rx = station_rx;
        r.ctx = f;
        r.loss_p = cfg->uplink_loss;
        if (channel_add_receiver(&f->ch, &r, &f->st_rx) != CHANNEL_OK) {
            field_fail(f, "cannot add the station to the channel");
            return -1;
        }
    }
    for (i = 0; cfg->modem_type && i < cfg->modems; i++) {
        struct at_modem_config ac;
        struct channel_receiver r;
        at_modem_config_default(&ac, cfg->modem_type == 1 ? AT_MODEM_RUI3 : AT_MODEM_WIOE5,
                                cfg->pty_link[i]);
        if (at_modem_open(&f->at[i], &ac) != AT_MODEM_OK) {
            field_fail(f, "AT modem %d: %s", i, f->at[i].err);
            return -1;
        }
        f->atl[i].f = f;
        f->atl[i].i = i;
        memset(&r, 0, sizeof r);
        r.on_rx = field_at_rx;
        r.ctx = &f->atl[i];
        r.loss_p = cfg->uplink_loss;
        if (channel_add_receiver(&f->ch, &r, &f->atl[i].rx_id) != CHANNEL_OK) {
            field_fail(f, "AT modem %d: cannot attach to the channel", i);
            return -1;
        }
    }
    for (i = 0; !cfg->modem_type && i < cfg->modems; i++) {
        struct modem_pty_config mc;
        modem_pty_config_default(&mc, cfg->pty_link[i]);
        /* STATUS is a real-time liveness signal; in simulated time an hour
         * of sim time is a fraction of a real second */
        mc.status_period_ms = 3600u * 1000u;
        if (modem_pty_open(&f->modem[i], &mc, f->now_ms) != MODEM_PTY_OK) {
            field_fail(f, "modem %d: %s", i, f->modem[i].err);
            return -1;
        }
        if (modem_pty_attach_channel(&f->modem[i], &f->ch, cfg->uplink_loss, &f->modem_rx[i]) !=
            MODEM_PTY_OK) {
            field_fail(f, "modem %d: cannot attach to the channel", i);
            return -1;
        }
    }
    f->last_progress_week = -1;
    f->real_start_ms = real_ms();
    return 0;
}

/* --- running ------------------------------------------------------------------ */

size_t field_queued(const struct field *f)
{
    size_t q = 0;
    int i;
    for (i = 0; i < f->n; i++)
        q += handheld_queue_depth(&f->hh[i]);
    return q;
}

static void field_log_event(struct field *f, const struct scenario_event *e)
{
    struct handheld *h = &f->hh[e->device];
    struct record r = e->rec;
    uint32_t counter = 0;
    int err;

    if (e->void_of >= 0) {
        uint32_t target = f->counter_of[e->void_of];
        if (target == 0)
            return; /* the mistaken record was itself refused: nothing to void */
        err = handheld_void(h, target, &counter);
        if (err == 0) {
            memset(&r, 0, sizeof r);
            r.activity = ACT_ADMIN_VOID;
            r.cell = RECORD_CELL_NONE;
            r.void_counter = target;
            r.start_min = (uint32_t)((int64_t)(f->now_ms / 1000) - LOFTE_EPOCH_UNIX) / 60u;
            f->voids++;
        }
    } else {
        err = handheld_log(h, &r, &counter);
    }
    if (err == HANDHELD_ERR_FULL) {
        f->refused++;
        return;
    }
    if (err != 0) {
        f->refused++;
        return;
    }
    if (field_note_logged(f, e->device, counter, &r, e->id) != 0)
        field_fail(f, "out of memory keeping the ground truth");
}

int field_note_logged(struct field *f, int device, uint32_t counter, const struct record *r,
                      int event_id)
{
    if (f->truth_count == f->truth_cap) {
        size_t cap = f->truth_cap ? 2 * f->truth_cap : 4096;
        struct field_accepted *a = realloc(f->truth_rec, cap * sizeof *a);
        if (!a)
            return -1;
        f->truth_rec = a;
        f->truth_cap = cap;
    }
    f->truth_rec[f->truth_count].device = f->device_id[device];
    f->truth_rec[f->truth_count].counter = counter;
    f->truth_rec[f->truth_count].rec = *r;
    f->truth_count++;
    if (event_id >= 0)
        f->counter_of[event_id] = counter;
    f->logged++;
    if (f->cfg.truth)
        truth_line(f->cfg.truth, f->device_id[device], counter, r, event_id);
    return 0;
}

static void field_progress(struct field *f)
{
    int64_t week = (int64_t)(f->now_ms / 1000) / (7 * 24 * 3600);
    char day[16];
    time_t t;
    struct tm tm;
    if (!f->cfg.progress || week == f->last_progress_week)
        return;
    f->last_progress_week = week;
    t = (time_t)(f->now_ms / 1000);
    localtime_r(&t, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    fprintf(f->cfg.progress, "sim %s  logged %6llu  acknowledged %6llu  queued %4zu\n", day,
            (unsigned long long)f->logged, (unsigned long long)field_acknowledged(f),
            field_queued(f));
    fflush(f->cfg.progress);
}

/* Officers' records the station has acknowledged: what they logged minus
 * what still waits in the queues (heartbeats are not queued records). */
uint64_t field_acknowledged(const struct field *f)
{
    return f->logged - field_queued(f);
}

/* Keep simulated time from outrunning day_real_ms per day, so that real
 * processes around the field (a gateway being killed and restarted, a
 * collector restarting) happen at a chosen point of the scenario. */
static void field_pace(struct field *f)
{
    int64_t days, due, now;
    if (!f->cfg.day_real_ms)
        return;
    days = ((int64_t)(f->now_ms / 1000) - (f->cfg.from - 24 * 3600)) / 86400;
    due = f->real_start_ms + days * (int64_t)f->cfg.day_real_ms;
    now = real_ms();
    if (due > now) {
        struct timespec ts = {(time_t)((due - now) / 1000), (long)((due - now) % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* The modem's USB cable pulled at unplug_at and put back unplug_s later.
 * Both instants are steps of their own (field_plug_next), so a window with
 * no event in it is still honoured. */
static uint64_t field_plug_next(const struct field *f)
{
    uint64_t at = (uint64_t)f->cfg.unplug_at * 1000u;
    if (!f->cfg.unplug_at || f->unplugged == 2)
        return UINT64_MAX;
    return f->unplugged ? at + (uint64_t)f->cfg.unplug_s * 1000u : at;
}

static void field_plug(struct field *f)
{
    int i;
    uint64_t at = (uint64_t)f->cfg.unplug_at * 1000u;
    if (!f->cfg.unplug_at)
        return;
    if (!f->unplugged && f->now_ms >= at) {
        for (i = 0; i < f->cfg.modems; i++)
            if (f->cfg.modem_type)
                at_modem_unplug(&f->at[i]);
            else
                modem_pty_unplug(&f->modem[i]);
        f->unplugged = 1;
        if (f->cfg.progress)
            fprintf(f->cfg.progress, "sim: modem unplugged\n");
    } else if (f->unplugged == 1 && f->now_ms >= at + (uint64_t)f->cfg.unplug_s * 1000u) {
        for (i = 0; i < f->cfg.modems; i++)
            if (f->cfg.modem_type)
                at_modem_replug(&f->at[i]);
            else
                modem_pty_replug(&f->modem[i], f->now_ms);
        f->unplugged = 2; /* once */
        if (f->cfg.progress)
            fprintf(f->cfg.progress, "sim: modem plugged in again\n");
    }
}

/* AT modems answer in real time: after a reception, wait (real time, sim
 * time standing still) for the gateway's ack to go on air, and put it on
 * the channel at the sim time that corresponds. */
static void field_at_modems(struct field *f)
{
    int i;
    for (i = 0; i < f->cfg.modems; i++) {
        struct at_modem *m = &f->at[i];
        struct field_at *a = &f->atl[i];
        struct at_modem_tx tx;
        int wait = m->stats.rx_printed != a->printed_seen, got = 0;
        int64_t deadline = at_modem_now_ms() + (wait ? (int64_t)f->cfg.gateway_wait_ms : 0);
        a->printed_seen = m->stats.rx_printed;
        do {
            at_modem_poll(m, wait ? 2 : 0);
            while (at_modem_take_tx(m, &tx)) {
                struct board_radio_params p;
                uint64_t ticket, start;
                int64_t d = tx.start_ms - a->rx_real_ms;
                start = a->rx_sim_ms + (uint64_t)(d > 0 ? d : 0);
                if (start < f->now_ms)
                    start = f->now_ms;
                p.freq_hz = tx.radio.freq_hz;
                p.sf = tx.radio.sf;
                p.bw_kHz = tx.radio.bw_kHz;
                p.power_dBm = tx.radio.power_dBm;
                (void)channel_downlink(&f->ch, a->rx_id, tx.frame, tx.len, &p, start, &ticket);
                got = 1;
            }
        } while (wait && !got && at_modem_now_ms() < deadline);
        /* The module is blind while it retunes, sends and retunes back
         * (real time); simulated time would race through hours of uplinks
         * meanwhile. Stand still until it receives again: blind time is
         * not modelled in simulated time (test_atmodem.c measures it). */
        deadline = at_modem_now_ms() + 3000;
        while ((got || m->tx_busy || m->ntx) && !m->rx_on && at_modem_now_ms() < deadline) {
            at_modem_poll(m, 2);
            got = 1;
        }
    }
}

void field_wait_real(struct field *f, uint32_t ms)
{
    int64_t end = real_ms() + ms;
    int i;
    if (!f->cfg.modem_type) {
        struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        return;
    }
    /* an AT modem answers its gateway in real time, also before the
     * scenario starts (the gateway sets it up then) */
    while (real_ms() < end)
        for (i = 0; i < f->cfg.modems; i++)
            at_modem_poll(&f->at[i], 5);
}

static void field_modems(struct field *f)
{
    int i;
    if (f->cfg.modem_type) {
        field_at_modems(f);
        return;
    }
    for (i = 0; i < f->cfg.modems; i++) {
        struct modem_pty *m = &f->modem[i];
        struct modem_tx tx[8];
        size_t n = 0, k;
        /* After an RX went out, give the gateway time to answer: simulated
         * time stands still meanwhile, so its ack is never late. */
        int wait = m->stats.rx_written != f->modem_rx_seen[i] ? (int)f->cfg.gateway_wait_ms : 0;
        f->modem_rx_seen[i] = m->stats.rx_written;
        do {
            modem_pty_poll(m, wait, tx, 8, &n);
            for (k = 0; k < n; k++)
                modem_pty_transmit(m, &tx[k], f->now_ms, NULL);
            wait = 0; /* the ack came (or did not): take the rest without waiting */
        } while (n == 8);
        modem_pty_advance(m, f->now_ms);
    }
}

int field_run(struct field *f)
{
    const uint64_t end_ms = (uint64_t)f->cfg.to * 1000u;
    const uint64_t stop_ms = end_ms + (uint64_t)f->cfg.drain_s * 1000u;
    int i;

    for (;;) {
        uint64_t next = UINT64_MAX, sent;
        int work_left = f->cfg.via_ui ? !field_ui_done(f) : f->next_event < f->sc.count;
        if (f->cfg.via_ui)
            next = field_ui_next_ms(f);
        else if (f->next_event < f->sc.count)
            next = (uint64_t)f->sc.ev[f->next_event].t * 1000u;
        for (i = 0; i < f->n; i++)
            if (f->wake_ms[i] < next)
                next = f->wake_ms[i];
        if (f->now_ms < f->busy_until_ms && f->now_ms + STEP_MS < next)
            next = f->now_ms + STEP_MS;
        if (field_plug_next(f) < next)
            next = field_plug_next(f);
        if (!work_left && f->now_ms >= end_ms && field_queued(f) == 0 &&
            f->now_ms >= f->busy_until_ms && f->unplugged != 1)
            break;
        if (next > stop_ms || next == UINT64_MAX)
            break;
        if (next > f->now_ms)
            f->now_ms = next;

        field_pace(f);
        field_plug(f);
        channel_advance(&f->ch, f->now_ms);
        field_modems(f);
        if (f->cfg.via_ui) {
            if (field_ui_run_due(f) != 0)
                return -1;
        } else {
            while (f->next_event < f->sc.count &&
                   (uint64_t)f->sc.ev[f->next_event].t * 1000u <= f->now_ms)
                field_log_event(f, &f->sc.ev[f->next_event++]);
        }
        if (f->err[0])
            return -1;
        for (i = 0; i < f->n; i++)
            if (f->wake_ms[i] <= f->now_ms) {
                /* the firmware answers in board time: ms since its power-on */
                uint64_t w = handheld_tick(&f->hh[i]);
                f->wake_ms[i] = w == HANDHELD_NEVER ? UINT64_MAX : w + f->boards[i].boot_ms;
                if (f->wake_ms[i] <= f->now_ms) /* never spin on one instant */
                    f->wake_ms[i] = f->now_ms + 1;
            }
        sent = channel_stats(&f->ch, -1)->sent;
        if (sent != f->last_sent) {
            f->last_sent = sent;
            f->busy_until_ms = f->now_ms + BUSY_AFTER_SEND_MS;
        }
        field_progress(f);
    }
    if (f->cfg.unplug_at && f->unplugged != 2) {
        field_fail(f, "the modem was %s", f->unplugged ? "unplugged but never plugged back in "
                   "before the run ended" : "never unplugged");
        return -1;
    }
    if (field_queued(f) != 0) {
        field_fail(f, "%zu records still queued %u s after the end", field_queued(f),
                   f->cfg.drain_s);
        return -1;
    }
    return 0;
}

void field_free(struct field *f)
{
    int i;
    for (i = 0; i < f->cfg.modems; i++)
        if (f->cfg.modem_type)
            at_modem_close(&f->at[i]);
        else
            modem_pty_close(&f->modem[i]);
    for (i = 0; i < f->n; i++)
        sim_board_free(&f->boards[i]);
    scenario_free(&f->sc);
    free(f->counter_of);
    free(f->accepted);
    free(f->truth_rec);
    free(f->steps);
    free(f->group_of);
    free(f->group_skip);
    free(f->group_done);
    f->counter_of = NULL;
    f->accepted = NULL;
    f->truth_rec = NULL;
    f->steps = NULL;
    f->group_of = NULL;
    f->group_skip = NULL;
    f->group_done = NULL;
}
