/* channel.c -- the simulated LoRa channel (see channel.h for the model).
 *
 * Two small tables drive everything:
 *   air[]      every frame on air, or ended but kept because a frame still
 *              unresolved overlaps it (it may yet destroy that one);
 *   pending[]  receptions decided but waiting for their latency to pass.
 * channel_advance() repeatedly takes the earliest event -- a frame's end or
 * a pending reception's hand-over -- and processes it, so a receiver callback
 * runs at the simulated time of its reception and a downlink it starts is
 * known before anything later is decided. Tables are tiny (64 and 128), so
 * every search is a linear scan.
 */
#include <math.h>
#include <string.h>

#include "airtime.h"
#include "channel.h"

/* --- deterministic randomness -------------------------------------------
 * splitmix64: a counter through a strong mixer. Every (transmission,
 * listener) pair gets its own stream from a hash of the seed and the pair,
 * which is what makes outcomes independent of the call pattern. */

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t hash4(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t h = mix64(seed + 0x9E3779B97F4A7C15ULL);
    h = mix64(h ^ (a + 0x9E3779B97F4A7C15ULL));
    h = mix64(h ^ (b + 0x3C6EF372FE94F82AULL));
    return mix64(h ^ (c + 0xDAA66D2C7DDF743FULL));
}

static uint64_t rng_next(uint64_t *s)
{
    *s += 0x9E3779B97F4A7C15ULL;
    return mix64(*s);
}

static double rng_uniform(uint64_t *s) /* [0, 1) */
{
    return (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

static double rng_gauss(uint64_t *s) /* N(0, 1), Box-Muller */
{
    const double two_pi = 6.283185307179586;
    double u1 = 1.0 - rng_uniform(s); /* (0, 1]: log() stays finite */
    double u2 = rng_uniform(s);
    return sqrt(-2.0 * log(u1)) * cos(two_pi * u2);
}

/* Domain tags keep the hash inputs of different uses apart. */
enum { TAG_PATH_LOSS = 1, TAG_UPLINK = 2, TAG_DOWNLINK = 3 };

/* Every random value one (transmission, listener) pair can need, always
 * drawn in this order, so a decision never shifts another's numbers. */
struct draws {
    double fading_dB;
    double loss_u, corrupt_u, pass_u, dup_u;
    uint32_t delay_ms, dup_delay_ms;
    uint64_t bits_state;         /* stream for choosing the flipped bits */
};

static void draw_pair(const struct channel *ch, int tag, uint64_t seq, uint64_t listener,
                      struct draws *d)
{
    uint64_t s = hash4(ch->cfg.seed, (uint64_t)tag, seq, listener);
    uint64_t span = (uint64_t)ch->cfg.delay_max_ms + 1;
    d->fading_dB = rng_gauss(&s) * ch->cfg.fading_dB;
    d->loss_u = rng_uniform(&s);
    d->corrupt_u = rng_uniform(&s);
    d->pass_u = rng_uniform(&s);
    d->dup_u = rng_uniform(&s);
    d->delay_ms = (uint32_t)(rng_next(&s) % span);
    d->dup_delay_ms = (uint32_t)(rng_next(&s) % span);
    d->bits_state = rng_next(&s);
}

/* --- fixed radio facts --------------------------------------------------- */

/* Lowest SNR at which LoRa still demodulates, per SF (SX1276/SX126x
 * datasheets: -7.5 dB at SF7, 2.5 dB lower per SF step). */
static double demod_floor_dB(uint8_t sf)
{
    return -7.5 - 2.5 * (double)(sf - 7);
}

static int8_t snr_qdB(double rssi_dBm, double noise_floor_dBm)
{
    double q = floor((rssi_dBm - noise_floor_dBm) * 4.0 + 0.5);
    if (q > 127)
        q = 127;
    if (q < -128)
        q = -128;
    return (int8_t)q;
}

static int16_t rssi_round(double rssi_dBm)
{
    double r = floor(rssi_dBm + 0.5);
    if (r > 32767)
        r = 32767;
    if (r < -32768)
        r = -32768;
    return (int16_t)r;
}

static uint64_t us_to_ms_ceil(uint64_t us)
{
    return (us + 999) / 1000;
}

/* --- errors ---------------------------------------------------------------- */

const char *channel_strerror(int err)
{
    static const char *const text[CHANNEL_ERR_COUNT_] = {
        "no error",
        "invalid channel configuration",
        "channel table full (boards, receivers or frames on air)",
        "frame length or radio parameters out of range",
        "transmission would start before the channel's current time",
        "unknown board, receiver or downlink (or the downlink is already on air)",
    };
    if (err > 0 || err <= -CHANNEL_ERR_COUNT_)
        return "unknown channel error";
    return text[-err];
}

/* --- configuration -------------------------------------------------------- */

void channel_config_default(struct channel_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->seed = 1;
    cfg->cr = 5;
    cfg->capture_dB = 6.0;
    /* 14 dBm minus 110..135 dB: -96..-121 dBm, SNR +21..-4 dB over a
     * -117 dBm floor -- all audible at SF9 (floor -12.5 dB) with 3 dB fading
     * but not by a wide margin at the far end, as in a small town */
    cfg->path_loss_min_dB = 110.0;
    cfg->path_loss_max_dB = 135.0;
    cfg->fading_dB = 3.0;
    cfg->noise_floor_dBm = -117.0;
    cfg->bit_error_bits = 1;
}

static int prob_ok(double p)
{
    return p >= 0.0 && p <= 1.0; /* also false for NaN */
}

static int config_check(const struct channel_config *c)
{
    if (c->cr < 5 || c->cr > 8)
        return CHANNEL_ERR_CONFIG;
    if (!(c->capture_dB >= 0.0) || !(c->fading_dB >= 0.0))
        return CHANNEL_ERR_CONFIG;
    if (!(c->path_loss_min_dB <= c->path_loss_max_dB))
        return CHANNEL_ERR_CONFIG;
    if (!prob_ok(c->bit_error_p) || !prob_ok(c->bit_error_pass_p) || !prob_ok(c->dup_p) ||
        !prob_ok(c->downlink_loss_p))
        return CHANNEL_ERR_CONFIG;
    if (c->bit_error_p > 0.0 && c->bit_error_bits == 0)
        return CHANNEL_ERR_CONFIG;
    if (c->noise_floor_dBm != c->noise_floor_dBm)
        return CHANNEL_ERR_CONFIG;
    return CHANNEL_OK;
}

int channel_init(struct channel *ch, const struct channel_config *cfg)
{
    int err = config_check(cfg);
    if (err)
        return err;
    memset(ch, 0, sizeof *ch);
    ch->cfg = *cfg;
    ch->next_seq = 1;
    return CHANNEL_OK;
}

/* --- boards and receivers ------------------------------------------------- */

static double path_loss_draw(const struct channel *ch, int board_index, int rx)
{
    uint64_t s = hash4(ch->cfg.seed, TAG_PATH_LOSS, (uint64_t)(uint32_t)board_index,
                       (uint64_t)rx);
    double span = ch->cfg.path_loss_max_dB - ch->cfg.path_loss_min_dB;
    return ch->cfg.path_loss_min_dB + span * rng_uniform(&s);
}

static int board_slot(const struct channel *ch, const struct sim_board *b)
{
    int i;
    for (i = 0; i < ch->nboards; i++)
        if (ch->boards[i] == b)
            return i;
    return -1;
}

static void board_sent(void *channel, struct sim_board *b, const uint8_t *frame, size_t len,
                       const struct board_radio_params *p, uint64_t now_ms)
{
    /* The board's send() cannot be told of a refusal; channel_uplink counts
     * it as rejected instead. */
    (void)channel_uplink(channel, b, frame, len, p, now_ms);
}

int channel_attach(struct channel *ch, struct sim_board *b)
{
    int slot, r;
    if (board_slot(ch, b) >= 0)
        return CHANNEL_OK;
    /* reuse a hole left by channel_detach before growing */
    for (slot = 0; slot < ch->nboards && ch->boards[slot]; slot++)
        ;
    if (slot == CHANNEL_MAX_BOARDS)
        return CHANNEL_ERR_FULL;
    if (slot == ch->nboards)
        ch->nboards++;
    ch->boards[slot] = b;
    for (r = 0; r < CHANNEL_MAX_RECEIVERS; r++)
        ch->board_loss_dB[slot][r] = path_loss_draw(ch, b->index, r);
    b->on_send = board_sent;
    b->channel = ch;
    return CHANNEL_OK;
}

void channel_detach(struct channel *ch, struct sim_board *b)
{
    int slot = board_slot(ch, b);
    if (slot < 0)
        return;
    ch->boards[slot] = NULL;
    b->on_send = NULL;
    b->channel = NULL;
}

int channel_add_receiver(struct channel *ch, const struct channel_receiver *r, int *id)
{
    if (ch->nrx == CHANNEL_MAX_RECEIVERS)
        return CHANNEL_ERR_FULL;
    if (!r->on_rx || !prob_ok(r->loss_p))
        return CHANNEL_ERR_CONFIG;
    ch->rx[ch->nrx] = *r;
    /* path losses to this receiver were drawn at attach for every slot */
    if (id)
        *id = ch->nrx;
    ch->nrx++;
    return CHANNEL_OK;
}

int channel_set_path_loss(struct channel *ch, const struct sim_board *b, int rx, double loss_dB)
{
    int slot = board_slot(ch, b);
    if (slot < 0 || rx < 0 || rx >= CHANNEL_MAX_RECEIVERS)
        return CHANNEL_ERR_NOT_FOUND;
    ch->board_loss_dB[slot][rx] = loss_dB;
    return CHANNEL_OK;
}

double channel_path_rssi(const struct channel *ch, const struct sim_board *b, int rx,
                         int8_t power_dBm)
{
    int slot = board_slot(ch, b);
    if (slot < 0 || rx < 0 || rx >= CHANNEL_MAX_RECEIVERS)
        return -HUGE_VAL;
    return (double)power_dBm - ch->board_loss_dB[slot][rx];
}

const struct channel_stats *channel_stats(const struct channel *ch, int rx)
{
    if (rx == -1)
        return &ch->stats;
    if (rx < 0 || rx >= ch->nrx)
        return NULL;
    return &ch->rx_stats[rx];
}

/* --- putting frames on air ------------------------------------------------ */

static int airtime_of(const struct channel *ch, const struct board_radio_params *p, size_t len,
                      uint32_t *us)
{
    if (len == 0 || len > CHANNEL_FRAME_MAX)
        return CHANNEL_ERR_PARAMS;
    *us = airtime_us(p->sf, p->bw_kHz, ch->cfg.cr, (uint16_t)len);
    return *us ? CHANNEL_OK : CHANNEL_ERR_PARAMS;
}

static int overlap(const struct channel_air *a, const struct channel_air *b)
{
    return a->start_us < b->end_us && b->start_us < a->end_us;
}

/* Drop frames that can no longer matter: resolved, and ended before every
 * unresolved frame started (later sends start at the clock or after, so
 * they cannot overlap either). */
static void air_prune(struct channel *ch)
{
    uint64_t min_start = UINT64_MAX;
    int i;
    for (i = 0; i < CHANNEL_MAX_AIR; i++)
        if (ch->air[i].used && !ch->air[i].resolved && ch->air[i].start_us < min_start)
            min_start = ch->air[i].start_us;
    if (ch->now_us < min_start)
        min_start = ch->now_us;
    for (i = 0; i < CHANNEL_MAX_AIR; i++)
        if (ch->air[i].used && ch->air[i].resolved && ch->air[i].end_us <= min_start)
            ch->air[i].used = 0;
}

static struct channel_air *air_slot(struct channel *ch)
{
    int i;
    for (i = 0; i < CHANNEL_MAX_AIR; i++)
        if (!ch->air[i].used)
            return &ch->air[i];
    air_prune(ch);
    for (i = 0; i < CHANNEL_MAX_AIR; i++)
        if (!ch->air[i].used)
            return &ch->air[i];
    return NULL;
}

int channel_uplink(struct channel *ch, struct sim_board *b, const uint8_t *frame, size_t len,
                   const struct board_radio_params *p, uint64_t start_ms)
{
    struct channel_air *a;
    uint32_t toa;
    uint64_t start_us;
    int slot = board_slot(ch, b), r, err;

    if (slot < 0)
        return CHANNEL_ERR_NOT_FOUND;
    err = airtime_of(ch, p, len, &toa);
    if (err) {
        ch->stats.rejected++;
        return err;
    }
    start_us = start_ms * 1000u;
    if (start_us < ch->now_us) {
        /* A board clock behind the channel's is a simulator ordering slip;
         * the frame still goes out, at the earliest time it still can. */
        ch->stats.late_starts++;
        start_us = ch->now_us;
    }
    a = air_slot(ch);
    if (!a) {
        ch->stats.rejected++;
        return CHANNEL_ERR_FULL;
    }
    /* One radio sends one frame: a new send cuts the board's unfinished
     * one short (sim_board leaves busy-checking to the channel). */
    for (r = 0; r < CHANNEL_MAX_AIR; r++) {
        struct channel_air *o = &ch->air[r];
        if (o->used && !o->resolved && !o->downlink && o->src == b->index &&
            o->end_us > start_us) {
            o->aborted = 1;
            o->end_us = start_us > o->start_us ? start_us : o->start_us + 1;
        }
    }
    memset(a, 0, sizeof *a);
    a->used = 1;
    a->downlink = 0;
    a->src = b->index;
    a->seq = ch->next_seq++;
    a->start_us = start_us;
    a->end_us = start_us + toa;
    a->p = *p;
    a->nrx = ch->nrx;
    a->len = len;
    memcpy(a->frame, frame, len);
    /* RSSI at each receiver is fixed now: collision decisions at any
     * receiver need the powers of all frames involved. */
    for (r = 0; r < a->nrx; r++) {
        struct draws d;
        draw_pair(ch, TAG_UPLINK, a->seq, (uint64_t)r, &d);
        a->rssi[r] = (double)p->power_dBm - ch->board_loss_dB[slot][r] + d.fading_dB;
        ch->rx_stats[r].sent++;
    }
    ch->stats.sent++;
    return CHANNEL_OK;
}

int channel_downlink(struct channel *ch, int rx, const uint8_t *frame, size_t len,
                     const struct board_radio_params *p, uint64_t start_ms, uint64_t *ticket)
{
    struct channel_air *a;
    uint32_t toa;
    int err;

    if (rx < 0 || rx >= ch->nrx)
        return CHANNEL_ERR_NOT_FOUND;
    err = airtime_of(ch, p, len, &toa);
    if (err)
        return err;
    if (start_ms * 1000u < ch->now_us)
        return CHANNEL_ERR_PAST;
    a = air_slot(ch);
    if (!a)
        return CHANNEL_ERR_FULL;
    memset(a, 0, sizeof *a);
    a->used = 1;
    a->downlink = 1;
    a->src = rx;
    a->seq = ch->next_seq++;
    a->start_us = start_ms * 1000u;
    a->end_us = a->start_us + toa;
    a->p = *p;
    a->len = len;
    memcpy(a->frame, frame, len);
    if (ticket)
        *ticket = a->seq;
    return CHANNEL_OK;
}

int channel_cancel(struct channel *ch, uint64_t ticket)
{
    int i;
    for (i = 0; i < CHANNEL_MAX_AIR; i++) {
        struct channel_air *a = &ch->air[i];
        if (a->used && a->downlink && a->seq == ticket && !a->resolved &&
            a->start_us > ch->now_us) {
            a->used = 0;
            return CHANNEL_OK;
        }
    }
    return CHANNEL_ERR_NOT_FOUND;
}

/* --- deciding receptions -------------------------------------------------- */

static int same_channel(const struct channel_air *a, const struct channel_air *b)
{
    return a->p.freq_hz == b->p.freq_hz && a->p.sf == b->p.sf && a->p.bw_kHz == b->p.bw_kHz;
}

static void flip_bits(uint8_t *frame, size_t len, unsigned k, uint64_t state)
{
    uint8_t chosen[CHANNEL_FRAME_MAX];
    size_t nbits = len * 8;
    unsigned done = 0;
    if (k > nbits)
        k = (unsigned)nbits;
    memset(chosen, 0, len);
    /* k distinct bits: a flipped bit flipped again would be no error */
    while (done < k) {
        size_t bit = (size_t)(rng_next(&state) % nbits);
        if (chosen[bit / 8] & (1u << (bit % 8)))
            continue;
        chosen[bit / 8] |= (uint8_t)(1u << (bit % 8));
        frame[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        done++;
    }
}

static void pending_add(struct channel *ch, int rx, int crc_error,
                        const struct channel_rx_meta *meta, const uint8_t *frame, size_t len)
{
    int i;
    for (i = 0; i < CHANNEL_MAX_PENDING; i++) {
        struct channel_pending *q = &ch->pending[i];
        if (q->used)
            continue;
        q->used = 1;
        q->rx = rx;
        q->crc_error = crc_error;
        q->order = ch->next_order++;
        q->meta = *meta;
        q->len = len;
        if (len)
            memcpy(q->frame, frame, len);
        return;
    }
    ch->stats.rejected_pending++;
    ch->rx_stats[rx].rejected_pending++;
}

/* Latency in FIFO order: a reception is never handed over before the one
 * the same receiver decided earlier, as on a serial line. */
static uint64_t fifo_time(struct channel *ch, int rx, uint64_t want_ms)
{
    if (want_ms < ch->rx_last_delivered_ms[rx])
        want_ms = ch->rx_last_delivered_ms[rx];
    ch->rx_last_delivered_ms[rx] = want_ms;
    return want_ms;
}

/* Was the listener transmitting itself during a? (half duplex) */
static int listener_busy(const struct channel *ch, const struct channel_air *a, int downlink,
                         int who)
{
    int i;
    for (i = 0; i < CHANNEL_MAX_AIR; i++) {
        const struct channel_air *o = &ch->air[i];
        if (o->used && o != a && o->downlink == downlink && o->src == who && overlap(o, a))
            return 1;
    }
    return 0;
}

static void resolve_uplink_at(struct channel *ch, struct channel_air *a, int r)
{
    struct channel_stats *rs = &ch->rx_stats[r];
    struct channel_rx_meta meta;
    struct draws d;
    uint64_t end_ms = us_to_ms_ceil(a->end_us);
    int i;

    draw_pair(ch, TAG_UPLINK, a->seq, (uint64_t)r, &d);

    if (a->aborted) {
        ch->stats.aborted++, rs->aborted++;
        return;
    }
    if (listener_busy(ch, a, 1, r)) {
        ch->stats.half_duplex++, rs->half_duplex++;
        return;
    }
    if (a->rssi[r] - ch->cfg.noise_floor_dBm < demod_floor_dB(a->p.sf)) {
        ch->stats.too_weak++, rs->too_weak++;
        return;
    }
    for (i = 0; i < CHANNEL_MAX_AIR; i++) {
        const struct channel_air *o = &ch->air[i];
        /* o->nrx > r: a frame sent before this receiver registered was
         * not heard by it, so it cannot interfere there either */
        if (!o->used || o == a || o->downlink || o->nrx <= r || !same_channel(o, a) ||
            !overlap(o, a))
            continue;
        if (!(a->rssi[r] >= o->rssi[r] + ch->cfg.capture_dB)) {
            ch->stats.collided++, rs->collided++;
            return;
        }
    }
    if (d.loss_u < ch->rx[r].loss_p) {
        ch->stats.lost++, rs->lost++;
        return;
    }

    memset(&meta, 0, sizeof meta);
    meta.rssi_dBm = rssi_round(a->rssi[r]);
    meta.snr_qdB = snr_qdB(a->rssi[r], ch->cfg.noise_floor_dBm);
    meta.freq_hz = a->p.freq_hz;
    meta.sf = a->p.sf;
    meta.bw_kHz = a->p.bw_kHz;
    meta.cr = ch->cfg.cr;
    meta.end_ms = end_ms;
    meta.truth_board = a->src;
    meta.truth_tx = a->seq;
    meta.delivered_ms = fifo_time(ch, r, end_ms + d.delay_ms);

    if (d.corrupt_u < ch->cfg.bit_error_p) {
        if (!(d.pass_u < ch->cfg.bit_error_pass_p)) {
            /* the PHY saw a frame but its CRC failed: the modem counts it */
            pending_add(ch, r, 1, &meta, NULL, 0);
            return;
        }
        {
            uint8_t bad[CHANNEL_FRAME_MAX];
            memcpy(bad, a->frame, a->len);
            flip_bits(bad, a->len, ch->cfg.bit_error_bits, d.bits_state);
            meta.truth_corrupted = 1;
            pending_add(ch, r, 0, &meta, bad, a->len);
            if (d.dup_u < ch->cfg.dup_p) {
                meta.truth_copy = 1;
                meta.delivered_ms = fifo_time(ch, r, end_ms + d.dup_delay_ms);
                pending_add(ch, r, 0, &meta, bad, a->len);
            }
        }
        return;
    }
    pending_add(ch, r, 0, &meta, a->frame, a->len);
    if (d.dup_u < ch->cfg.dup_p) {
        meta.truth_copy = 1;
        meta.delivered_ms = fifo_time(ch, r, end_ms + d.dup_delay_ms);
        pending_add(ch, r, 0, &meta, a->frame, a->len);
    }
}

/* RSSI of downlink a at the board in slot (pure: recomputed when needed). */
static double downlink_rssi(const struct channel *ch, const struct channel_air *a, int slot,
                            struct draws *d)
{
    draw_pair(ch, TAG_DOWNLINK, a->seq, (uint64_t)(uint32_t)ch->boards[slot]->index, d);
    return (double)a->p.power_dBm - ch->board_loss_dB[slot][a->src] + d->fading_dB;
}

static void resolve_downlink(struct channel *ch, struct channel_air *a)
{
    struct channel_stats *rs = &ch->rx_stats[a->src];
    uint64_t end_ms = us_to_ms_ceil(a->end_us);
    int slot, i;

    ch->stats.downlinks_sent++, rs->downlinks_sent++;
    for (slot = 0; slot < ch->nboards; slot++) {
        struct sim_board *b = ch->boards[slot];
        struct board_rx_meta meta;
        struct draws d;
        double rssi;
        int destroyed = 0;
        if (!b)
            continue;
        rssi = downlink_rssi(ch, a, slot, &d);
        if (listener_busy(ch, a, 0, b->index) ||
            rssi - ch->cfg.noise_floor_dBm < demod_floor_dB(a->p.sf)) {
            ch->stats.downlinks_missed++, rs->downlinks_missed++;
            continue;
        }
        /* two stations acking the same uplink at once collide at the board.
         * Uplinks of other boards on the same channel would interfere too,
         * but board-to-board path loss is not modelled; uplinks and
         * downlinks use different frequencies in EU868 anyway. */
        for (i = 0; i < CHANNEL_MAX_AIR && !destroyed; i++) {
            const struct channel_air *o = &ch->air[i];
            struct draws od;
            if (!o->used || o == a || !o->downlink || !same_channel(o, a) || !overlap(o, a))
                continue;
            if (!(rssi >= downlink_rssi(ch, o, slot, &od) + ch->cfg.capture_dB))
                destroyed = 1;
        }
        if (destroyed) {
            ch->stats.downlinks_collided++, rs->downlinks_collided++;
            continue;
        }
        if (d.loss_u < ch->cfg.downlink_loss_p) {
            ch->stats.downlinks_lost++, rs->downlinks_lost++;
            continue;
        }
        meta.rssi_dBm = rssi_round(rssi);
        meta.snr_qdB = snr_qdB(rssi, ch->cfg.noise_floor_dBm);
        if (sim_board_deliver(b, a->frame, a->len, &meta, end_ms))
            ch->stats.downlinks_delivered++, rs->downlinks_delivered++;
        else
            ch->stats.downlinks_missed++, rs->downlinks_missed++;
    }
}

static void resolve(struct channel *ch, struct channel_air *a)
{
    int r;
    if (a->downlink) {
        resolve_downlink(ch, a);
    } else {
        for (r = 0; r < a->nrx; r++)
            resolve_uplink_at(ch, a, r);
    }
    a->resolved = 1;
}

static void hand_over(struct channel *ch, struct channel_pending *q)
{
    /* copy out first: the callback may add pending receptions or downlinks */
    struct channel_pending copy = *q;
    const struct channel_receiver *r = &ch->rx[copy.rx];
    struct channel_stats *rs = &ch->rx_stats[copy.rx];
    q->used = 0;
    if (copy.crc_error) {
        ch->stats.corrupted_dropped++, rs->corrupted_dropped++;
        if (r->on_crc_error)
            r->on_crc_error(r->ctx, &copy.meta);
        return;
    }
    ch->stats.received++, rs->received++;
    if (copy.meta.truth_copy)
        ch->stats.duplicated++, rs->duplicated++;
    if (copy.meta.truth_corrupted && !copy.meta.truth_copy)
        ch->stats.corrupted_passed++, rs->corrupted_passed++;
    r->on_rx(r->ctx, copy.frame, copy.len, &copy.meta);
}

void channel_advance(struct channel *ch, uint64_t now_ms)
{
    uint64_t now_us = now_ms * 1000u;
    if (now_us < ch->now_us)
        return;
    for (;;) {
        struct channel_air *a = NULL;
        struct channel_pending *q = NULL;
        int i;
        for (i = 0; i < CHANNEL_MAX_AIR; i++) {
            struct channel_air *o = &ch->air[i];
            if (!o->used || o->resolved || o->end_us > now_us)
                continue;
            if (!a || o->end_us < a->end_us || (o->end_us == a->end_us && o->seq < a->seq))
                a = o;
        }
        for (i = 0; i < CHANNEL_MAX_PENDING; i++) {
            struct channel_pending *o = &ch->pending[i];
            if (!o->used || o->meta.delivered_ms > now_ms)
                continue;
            if (!q || o->meta.delivered_ms < q->meta.delivered_ms ||
                (o->meta.delivered_ms == q->meta.delivered_ms && o->order < q->order))
                q = o;
        }
        if (!a && !q)
            break;
        /* a frame's end comes before a hand-over at the same instant: a
         * zero-latency reception is decided, then handed over */
        if (a && (!q || a->end_us <= q->meta.delivered_ms * 1000u)) {
            if (a->end_us > ch->now_us)
                ch->now_us = a->end_us;
            resolve(ch, a);
        } else {
            if (q->meta.delivered_ms * 1000u > ch->now_us)
                ch->now_us = q->meta.delivered_ms * 1000u;
            hand_over(ch, q);
        }
    }
    ch->now_us = now_us;
    air_prune(ch);
}
