/* ui.c -- the state machine of ui.h: keys change the state, the state
 * builds a view, the view is drawn when it differs from the one on the
 * panel.
 *
 * Each screen has one builder (build_*) and one picker (what OK on a row
 * does); BACK and HOME are handled once for all. Records are put together
 * in u->draft, and only handheld_log / handheld_void make them real: the
 * receipt shows the counter the firmware returned, never a guess.
 */
#include "ui.h"

#include <string.h>

/* --- small text helpers (no stdio on the device) ------------------------ */

static void cat(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(dst), m = strlen(s);
    if (n + 1 >= cap)
        return;
    if (m > cap - 1 - n)
        m = cap - 1 - n; /* may split a UTF-8 character; the font draws a box */
    memcpy(dst + n, s, m);
    dst[n + m] = 0;
}

static void cat_u(char *dst, size_t cap, uint32_t v)
{
    char b[11];
    int i = 10;
    b[i] = 0;
    do {
        b[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v && i > 0);
    cat(dst, cap, b + i);
}

static void cat_hm(char *dst, size_t cap, uint32_t minutes)
{
    cat_u(dst, cap, minutes / 60u);
    cat(dst, cap, ":");
    if (minutes % 60u < 10u)
        cat(dst, cap, "0");
    cat_u(dst, cap, minutes % 60u);
}

static void set(char *dst, size_t cap, const char *s)
{
    dst[0] = 0;
    cat(dst, cap, s);
}

#define SET(field, s) set((field), sizeof(field), (s))
#define CAT(field, s) cat((field), sizeof(field), (s))
#define CATU(field, v) cat_u((field), sizeof(field), (v))

/* --- the activity tables ---------------------------------------------- */

enum ui_kind ui_kind_of(uint8_t activity)
{
    if (activity == ACT_TRAFFIC_CHECKPOINT)
        return UI_KIND_CHECKPOINT;
    switch (record_category(activity)) {
    case CAT_ALCOHOL:
        /* a harbour check covers the people on one boat: a short session */
        return activity == ACT_ALCOHOL_HARBOUR_CHECK ? UI_KIND_SESSION : UI_KIND_STOP;
    case CAT_DRUGS:
    case CAT_VEHICLE:
        return UI_KIND_STOP;
    default:
        return UI_KIND_SESSION;
    }
}

uint8_t ui_actor_of(enum ui_role role, uint8_t activity)
{
    switch (activity) {
    case ACT_YOUTH_PREVENTIVE_TALK:
    case ACT_PREVENTION_CAMPAIGN_SCHOOL:
    case ACT_PREVENTION_CAMPAIGN_PARENTS:
    case ACT_PREVENTION_CAMPAIGN_ASSOCIATIONS:
    case ACT_PREVENTION_SAFETY_WALK:
    case ACT_PREVENTION_SITUATION_MEETING:
    case ACT_PREVENTION_CASE_COLLAB:
        return ACTOR_JOINT;
    default:
        break;
    }
    switch (role) {
    case UI_ROLE_GUARD:
        return ACTOR_MUNICIPAL_GUARD;
    case UI_ROLE_STAFF:
        return ACTOR_MUNICIPAL_STAFF;
    default:
        return ACTOR_POLICE;
    }
}

uint8_t ui_default_action(uint8_t activity, uint8_t result)
{
    if (result == 0)
        return ACTION_NONE;
    switch (record_category(activity)) {
    case CAT_ALCOHOL: /* bands of table 2.5: what the law has follow */
        return result == 1 ? ACTION_NONE : result == 2 ? ACTION_ADVICE
               : result == 3 ? ACTION_REPORT : ACTION_DEPRIVATION;
    case CAT_DRUGS:
        return ACTION_DEPRIVATION; /* taken for a sample */
    case CAT_VEHICLE:
        return result == 1 ? ACTION_FINE : ACTION_REPORT;
    case CAT_GUARD:
        return ACTION_NONE;
    default:
        return result == 2 ? ACTION_REPORT : ACTION_NONE;
    }
}

static const uint8_t recent_police[UI_RECENT] = {ACT_ALCOHOL_SCREENING, ACT_VEHICLE_MOPED_CLASS1,
                                                 ACT_PRESENCE_FOOT_PATROL};
static const uint8_t recent_guard[UI_RECENT] = {ACT_GUARD_SCHOOL, ACT_GUARD_HARBOUR,
                                                ACT_GUARD_HOTSPOT};
static const uint8_t recent_staff[UI_RECENT] = {ACT_PREVENTION_CAMPAIGN_PUBLIC,
                                                ACT_PREVENTION_SAFETY_WALK,
                                                ACT_PREVENTION_SITUATION_MEETING};

static void recent_reset(struct ui *u)
{
    const uint8_t *r = u->role == UI_ROLE_GUARD ? recent_guard
                       : u->role == UI_ROLE_STAFF ? recent_staff : recent_police;
    memcpy(u->recent, r, UI_RECENT);
}

static void recent_use(struct ui *u, uint8_t activity)
{
    int i, at = UI_RECENT - 1;
    for (i = 0; i < UI_RECENT; i++)
        if (u->recent[i] == activity)
            at = i;
    for (i = at; i > 0; i--)
        u->recent[i] = u->recent[i - 1];
    u->recent[0] = activity;
}

/* --- views ------------------------------------------------------------ */

static struct ui_item *add(struct ui_view *v, enum ui_item_kind kind, int arg, const char *text)
{
    struct ui_item *it;
    if (v->count >= UI_ITEMS_MAX)
        return NULL;
    it = &v->item[v->count++];
    it->kind = (uint8_t)kind;
    it->arg = (uint8_t)arg;
    it->text[0] = 0;
    cat(it->text, sizeof it->text, text);
    return it;
}

static uint64_t now(const struct ui *u)
{
    return u->board->now_ms(u->board->ctx);
}

static uint32_t elapsed_min(const struct ui *u)
{
    uint64_t t = now(u), s = u->session.start_ms;
    return t > s ? (uint32_t)((t - s) / 60000u) : 0u;
}

static int battery(const struct ui *u)
{
    return u->board->battery_percent ? u->board->battery_percent(u->board->ctx) : -1;
}

/* Share of the uplink sub-band's hourly air time still unused, in percent:
 * the dutycycle's one-minute buckets of the last hour against 1 % of it. */
static uint32_t airtime_left_pct(const struct ui *u)
{
    int band = dutycycle_band_of(u->h->cfg.uplink.freq_hz);
    const struct dutycycle_band *info;
    uint64_t used, share_us;
    if (band < 0 || !(info = dutycycle_band_at(band)))
        return 0;
    used = dutycycle_recent_us(&u->h->dc, u->h->cfg.uplink.freq_hz, now(u), 60u);
    share_us = (uint64_t)DUTYCYCLE_WINDOW_MS * 1000u * info->permille / 1000u;
    return used >= share_us ? 0u : (uint32_t)(100u - used * 100u / share_us);
}

/* Minutes since the last ack that set the clock: the state log keeps its
 * station time across reboots, the clock says what time it is now. -1 if
 * no ack has been accepted (or the clock is not set since this boot). */
static long ack_age_min(const struct ui *u)
{
    uint32_t t = u->h->state.v.last_ack_time, n;
    if (!handheld_clock_known(u->h) || t == 0)
        return -1;
    n = devclock_epoch_s(&u->h->clock, now(u));
    return n > t ? (long)((n - t) / 60u) : 0;
}

static int queue_full(const struct ui *u)
{
    return handheld_queue_depth(u->h) >= outbox_capacity(&u->h->outbox);
}

static void build_status_line(const struct ui *u, struct ui_view *v)
{
    int b = battery(u);
    v->status[0] = 0;
    if (queue_full(u)) {
        SET(v->status, ui_text(u->lang, UI_S_FULL_SHORT));
        return;
    }
    CAT(v->status, ui_text(u->lang, UI_S_QUEUE_SHORT));
    CAT(v->status, " ");
    CATU(v->status, (uint32_t)handheld_queue_depth(u->h));
    CAT(v->status, "  √");
    if (ack_age_min(u) >= 0) {
        uint32_t m = (uint32_t)ack_age_min(u);
        if (m < 100u) {
            CATU(v->status, m);
            CAT(v->status, "m");
        } else {
            CATU(v->status, m / 60u);
            CAT(v->status, "h");
        }
    } else {
        CAT(v->status, "–");
    }
    if (b >= 0) {
        CAT(v->status, "  ");
        CATU(v->status, (uint32_t)b);
        CAT(v->status, "%");
    }
    if (!handheld_clock_known(u->h)) {
        CAT(v->status, "  ");
        CAT(v->status, ui_text(u->lang, UI_S_CLOCK_SHORT));
    }
}

static void title_role_zone(const struct ui *u, struct ui_view *v)
{
    SET(v->title, ui_text_role(u->lang, u->role));
    CAT(v->title, " · ");
    CAT(v->title, ui_text_zone(u->lang, u->zone));
}

static void activity_label(const struct ui *u, uint8_t activity, char *out, size_t cap)
{
    out[0] = 0;
    cat(out, cap, ui_text_activity(u->lang, activity));
}

static void build_home(const struct ui *u, struct ui_view *v)
{
    char t[UI_ITEM_BYTES];
    int i, cp_listed = 0;
    title_role_zone(u, v);
    for (i = 0; i < UI_RECENT; i++) {
        activity_label(u, u->recent[i], t, sizeof t);
        add(v, UI_ITEM_ACTIVITY, u->recent[i], t);
        if (u->recent[i] == ACT_TRAFFIC_CHECKPOINT)
            cp_listed = 1;
    }
    if (u->session.active) {
        set(t, sizeof t, "▶");
        cat(t, sizeof t, ui_text_activity(u->lang, u->session.activity));
        add(v, UI_ITEM_RESUME, 0, t);
    } else if (!cp_listed) {
        add(v, UI_ITEM_ACTIVITY, ACT_TRAFFIC_CHECKPOINT, ui_text(u->lang, UI_S_CHECKPOINT_START));
    }
    add(v, UI_ITEM_ALL, 0, ui_text(u->lang, UI_S_ALL_ACTIVITIES));
    set(t, sizeof t, ui_text(u->lang, UI_S_ZONE));
    cat(t, sizeof t, ": ");
    cat(t, sizeof t, ui_text_zone(u->lang, u->zone));
    add(v, UI_ITEM_ZONE_MENU, 0, t);
    if (u->receipts)
        add(v, UI_ITEM_UNDO_MENU, 0, ui_text(u->lang, UI_S_UNDO));
    add(v, UI_ITEM_STATUS, 0, ui_text(u->lang, UI_S_STATUS));
    add(v, UI_ITEM_SETTINGS, 0, ui_text(u->lang, UI_S_SETTINGS));
}

static void build_categories(const struct ui *u, struct ui_view *v)
{
    uint8_t c;
    SET(v->title, ui_text(u->lang, UI_S_CATEGORY));
    for (c = CAT_ALCOHOL; c <= CAT_GUARD; c++)
        add(v, UI_ITEM_CATEGORY, c, ui_text_category(u->lang, c));
}

static void build_activities(const struct ui *u, struct ui_view *v)
{
    size_t i;
    const struct record_activity_info *a;
    char t[UI_ITEM_BYTES];
    SET(v->title, ui_text_category(u->lang, u->category));
    for (i = 0; (a = record_activity_at(i)) != NULL; i++) {
        if (record_category(a->code) != u->category)
            continue;
        activity_label(u, a->code, t, sizeof t);
        add(v, UI_ITEM_ACTIVITY, a->code, t);
    }
}

static void build_result(const struct ui *u, struct ui_view *v)
{
    const struct record_activity_info *a = record_activity_info(u->draft.activity);
    uint8_t r, first = 0;
    SET(v->title, ui_text_activity(u->lang, u->draft.activity));
    CAT(v->title, ": ");
    if (u->after_log == UI_CHECKPOINT && u->draft.activity == ACT_ALCOHOL_SCREENING) {
        first = 1; /* a positive at the checkpoint: the band, negatives are tallied */
        SET(v->title, ui_text(u->lang, UI_S_CHOOSE_BAND));
    } else {
        CAT(v->title, ui_text(u->lang, UI_S_CHOOSE_RESULT));
    }
    for (r = first; a && r < a->result_count; r++)
        add(v, UI_ITEM_RESULT, r, ui_text_result(u->lang, u->draft.activity, r));
}

static void build_action(const struct ui *u, struct ui_view *v)
{
    uint8_t a;
    unsigned bit;
    char t[UI_ITEM_BYTES];
    SET(v->title, ui_text_result(u->lang, u->draft.activity, u->draft.result));
    CAT(v->title, ": ");
    CAT(v->title, ui_text(u->lang, UI_S_CHOOSE_ACTION));
    for (a = 0; a < ACTION_COUNT; a++)
        add(v, UI_ITEM_ACTION, a, ui_text_action(u->lang, a));
    /* side actions toggle in place; picking an action above logs with them */
    for (bit = 0; bit < 5; bit++) {
        set(t, sizeof t, (u->draft.side >> bit) & 1u ? "☑" : "☐");
        cat(t, sizeof t, ui_text_side(u->lang, bit));
        add(v, UI_ITEM_SIDE, (int)bit, t);
    }
}

static void build_zone(const struct ui *u, struct ui_view *v)
{
    uint8_t z;
    SET(v->title, ui_text(u->lang, UI_S_ZONE));
    for (z = 1; z < ZONE_COUNT; z++)
        add(v, UI_ITEM_ZONE, z, ui_text_zone(u->lang, z));
    add(v, UI_ITEM_ZONE, ZONE_UNSPECIFIED, ui_text_zone(u->lang, ZONE_UNSPECIFIED));
}

static void session_rows(const struct ui *u, struct ui_view *v)
{
    char t[UI_ITEM_BYTES];
    set(t, sizeof t, ui_text(u->lang, UI_S_TIME));
    cat(t, sizeof t, " ");
    cat_hm(t, sizeof t, elapsed_min(u));
    add(v, UI_ITEM_INFO, 0, t);
}

static void build_session(const struct ui *u, struct ui_view *v)
{
    char t[UI_ITEM_BYTES];
    const struct ui_session *s = &u->session;
    int op = s->activity == ACT_TRAFFIC_OPERATION;
    SET(v->title, ui_text_activity(u->lang, s->activity));
    CAT(v->title, " · ");
    CAT(v->title, ui_text_zone(u->lang, s->zone));
    CATU(v->big, op ? s->stops : s->tally);
    set(t, sizeof t, ui_text(u->lang, op ? UI_S_VEHICLES : UI_S_PEOPLE));
    add(v, UI_ITEM_INFO, 0, t);
    session_rows(u, v);
    SET(v->hint, ui_text(u->lang, UI_S_HINT_TALLY));
}

static void build_checkpoint(const struct ui *u, struct ui_view *v)
{
    char t[UI_ITEM_BYTES];
    const struct ui_session *s = &u->session;
    SET(v->title, ui_text_activity(u->lang, s->activity));
    CAT(v->title, " · ");
    CAT(v->title, ui_text_zone(u->lang, s->zone));
    CATU(v->big, s->tally);
    add(v, UI_ITEM_INFO, 0, ui_text(u->lang, UI_S_NEGATIVE));
    set(t, sizeof t, ui_text(u->lang, UI_S_POSITIVE));
    cat(t, sizeof t, " ");
    cat_u(t, sizeof t, s->positives);
    add(v, UI_ITEM_INFO, 0, t);
    session_rows(u, v);
    SET(v->hint, ui_text(u->lang, UI_S_HINT_CHECKPOINT));
}

static void build_session_menu(const struct ui *u, struct ui_view *v, int checkpoint)
{
    SET(v->title, ui_text_activity(u->lang, u->session.activity));
    add(v, UI_ITEM_CONTINUE, 0, ui_text(u->lang, UI_S_CONTINUE));
    add(v, UI_ITEM_END, 0, ui_text(u->lang, UI_S_END));
    if (checkpoint)
        add(v, UI_ITEM_EYE_EXAM, 0, ui_text(u->lang, UI_S_EYE_EXAM));
    add(v, UI_ITEM_MINUS, 0, ui_text(u->lang, UI_S_MINUS_ONE));
    add(v, UI_ITEM_DISCARD, 0, ui_text(u->lang, UI_S_DISCARD));
}

static void receipt_text(const struct ui *u, const struct ui_receipt *r, char *t, size_t cap)
{
    set(t, cap, r->voided ? "✗#" : "#");
    cat_u(t, cap, r->counter);
    cat(t, cap, " ");
    cat(t, cap, ui_text_activity(u->lang, r->activity));
}

static void build_undo(const struct ui *u, struct ui_view *v)
{
    char t[UI_ITEM_BYTES];
    uint8_t i;
    SET(v->title, ui_text(u->lang, UI_S_UNDO));
    for (i = 0; i < u->receipts; i++) {
        receipt_text(u, &u->receipt[i], t, sizeof t);
        add(v, u->receipt[i].voided ? UI_ITEM_INFO : UI_ITEM_RECEIPT, i, t);
    }
}

static void build_undo_confirm(const struct ui *u, struct ui_view *v)
{
    const struct ui_receipt *r = &u->receipt[u->undo_index];
    SET(v->title, ui_text(u->lang, UI_S_VOID_Q));
    CAT(v->title, " #");
    CATU(v->title, r->counter);
    CAT(v->title, "?");
    add(v, UI_ITEM_NO, 0, ui_text(u->lang, UI_S_NO_KEEP));
    add(v, UI_ITEM_YES, 0, ui_text(u->lang, UI_S_YES_VOID));
}

static void build_status(const struct ui *u, struct ui_view *v)
{
    char t[UI_ITEM_BYTES];
    int b = battery(u);
    SET(v->title, ui_text(u->lang, UI_S_STATUS));
    if (queue_full(u))
        add(v, UI_ITEM_INFO, 0, ui_text(u->lang, UI_S_QUEUE_FULL));
    set(t, sizeof t, ui_text(u->lang, UI_S_WAITING));
    cat(t, sizeof t, ": ");
    cat_u(t, sizeof t, (uint32_t)handheld_queue_depth(u->h));
    add(v, UI_ITEM_INFO, 0, t);
    set(t, sizeof t, ui_text(u->lang, UI_S_LAST_ACK));
    cat(t, sizeof t, ": ");
    if (ack_age_min(u) >= 0) {
        cat_u(t, sizeof t, (uint32_t)ack_age_min(u));
        cat(t, sizeof t, " min");
    } else {
        cat(t, sizeof t, ui_text(u->lang, UI_S_NEVER));
    }
    add(v, UI_ITEM_INFO, 0, t);
    add(v, UI_ITEM_INFO, 0,
        ui_text(u->lang, handheld_clock_known(u->h) ? UI_S_CLOCK_SET : UI_S_CLOCK_UNSET));
    set(t, sizeof t, ui_text(u->lang, UI_S_BATTERY));
    cat(t, sizeof t, ": ");
    if (b >= 0) {
        cat_u(t, sizeof t, (uint32_t)b);
        cat(t, sizeof t, " %");
    } else {
        cat(t, sizeof t, ui_text(u->lang, UI_S_UNKNOWN));
    }
    add(v, UI_ITEM_INFO, 0, t);
    set(t, sizeof t, ui_text(u->lang, UI_S_AIRTIME));
    cat(t, sizeof t, ": ");
    cat_u(t, sizeof t, airtime_left_pct(u));
    cat(t, sizeof t, " % ");
    cat(t, sizeof t, ui_text(u->lang, UI_S_LEFT));
    add(v, UI_ITEM_INFO, 0, t);
}

static void build_settings(const struct ui *u, struct ui_view *v)
{
    char t[UI_ITEM_BYTES];
    SET(v->title, ui_text(u->lang, UI_S_SETTINGS));
    set(t, sizeof t, ui_text_lang_name(u->lang));
    add(v, UI_ITEM_LANGUAGE, 0, t);
    set(t, sizeof t, ui_text(u->lang, UI_S_ROLE));
    cat(t, sizeof t, ": ");
    cat(t, sizeof t, ui_text_role(u->lang, u->role));
    add(v, UI_ITEM_ROLE, 0, t);
}

static void build_message(const struct ui *u, struct ui_view *v)
{
    int i;
    SET(v->title, u->message[0]);
    for (i = 1; i < 3; i++)
        if (u->message[i][0])
            add(v, UI_ITEM_INFO, 0, u->message[i]);
    add(v, UI_ITEM_OK, 0, "OK");
    SET(v->hint, ui_text(u->lang, UI_S_HINT_MESSAGE));
}

static void build(const struct ui *u, struct ui_view *v)
{
    memset(v, 0, sizeof *v);
    v->screen = (uint8_t)u->screen;
    build_status_line(u, v);
    switch (u->screen) {
    case UI_HOME: build_home(u, v); break;
    case UI_CATEGORIES: build_categories(u, v); break;
    case UI_ACTIVITIES: build_activities(u, v); break;
    case UI_RESULT: build_result(u, v); break;
    case UI_ACTION: build_action(u, v); break;
    case UI_ZONE: build_zone(u, v); break;
    case UI_SESSION: build_session(u, v); break;
    case UI_SESSION_MENU: build_session_menu(u, v, 0); break;
    case UI_CHECKPOINT: build_checkpoint(u, v); break;
    case UI_CHECKPOINT_MENU: build_session_menu(u, v, 1); break;
    case UI_UNDO: build_undo(u, v); break;
    case UI_UNDO_CONFIRM: build_undo_confirm(u, v); break;
    case UI_STATUS: build_status(u, v); break;
    case UI_SETTINGS: build_settings(u, v); break;
    case UI_MESSAGE: build_message(u, v); break;
    }
    if (!v->hint[0])
        SET(v->hint, ui_text(u->lang, UI_S_HINT_LIST));
    SET(v->note, u->note);
    v->cursor = v->count ? (uint8_t)(u->cursor < v->count ? u->cursor : v->count - 1) : 0;
}

/* --- putting it on the panel --------------------------------------------- */

/* FNV-1a over a view's bytes (build() zeroes a view before it writes,
 * so equal views are equal bytes). show() compares the digests of the
 * old and the new view instead of building the new one beside the old:
 * a second struct ui_view on the stack was 1.3 KB of the firmware's
 * 32 KiB (docs/firmware.md "Memory"). Two different views with the same
 * digest (odds 2^-32 per update) would leave the panel one update behind
 * until the view next changes (the status line's clock does every minute
 * once the clock is set). */
static uint32_t view_digest(const struct ui_view *v)
{
    const unsigned char *p = (const unsigned char *)v;
    uint32_t h = 2166136261u;
    size_t i;
    for (i = 0; i < sizeof *v; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static void show(struct ui *u, int force)
{
    const struct board_display *d = u->board->display;
    uint32_t before = view_digest(&u->view);
    build(u, &u->view);
    if (u->cursor >= u->view.count && u->view.count)
        u->cursor = u->view.cursor;
    if (!force && u->drawn && view_digest(&u->view) == before)
        return;
    ui_draw(&u->view, u->fb);
    if (d && d->refresh) {
        enum board_refresh mode = BOARD_REFRESH_PARTIAL;
        if (!u->drawn || u->since_full >= UI_FULL_EVERY) {
            mode = BOARD_REFRESH_FULL;
            u->since_full = 0;
            u->full_refreshes++;
        } else {
            u->since_full++;
        }
        d->refresh(u->board->ctx, u->fb, mode);
        u->refreshes++;
    }
    u->drawn = 1;
}

static void go(struct ui *u, enum ui_screen s, uint8_t cursor)
{
    u->screen = s;
    u->cursor = cursor;
}

/* --- logging ----------------------------------------------------------- */

static void message(struct ui *u, enum ui_str title, const char *row1, const char *row2)
{
    SET(u->message[0], ui_text(u->lang, title));
    SET(u->message[1], row1 ? row1 : "");
    SET(u->message[2], row2 ? row2 : "");
    go(u, UI_MESSAGE, 0);
}

static void remember(struct ui *u, uint32_t counter, uint8_t activity)
{
    memmove(&u->receipt[1], &u->receipt[0], sizeof u->receipt[0] * (UI_RECEIPTS - 1));
    u->receipt[0].counter = counter;
    u->receipt[0].activity = activity;
    u->receipt[0].voided = 0;
    if (u->receipts < UI_RECEIPTS)
        u->receipts++;
    u->records++;
}

/* Log r; on success the note line becomes the receipt. Returns the
 * handheld's answer. A refusal shows what to write on paper. */
static int log_record(struct ui *u, struct record *r)
{
    uint32_t counter = 0;
    char t[UI_LINE_BYTES];
    int err = handheld_log(u->h, r, &counter);
    u->last_err = err;
    if (err == HANDHELD_OK) {
        remember(u, counter, r->activity);
        SET(u->note, "√ #");
        CATU(u->note, counter);
        CAT(u->note, " ");
        if (r->activity == ACT_YOUTH_DRUG_SALES) {
            /* held back before sending (docs/protocol.md §5.5): say so */
            CAT(u->note, ui_text(u->lang, UI_S_HELD));
            CAT(u->note, " ");
            CATU(u->note, u->h->cfg.drug_sales_delay_s / 3600u);
            CAT(u->note, " h");
        } else {
            CAT(u->note, ui_text(u->lang, UI_S_SAVED));
        }
        return err;
    }
    set(t, sizeof t, ui_text_activity(u->lang, r->activity));
    if (r->quantity > 1 || r->duration_min) {
        cat(t, sizeof t, " ");
        cat_u(t, sizeof t, r->quantity);
        cat(t, sizeof t, "/");
        cat_u(t, sizeof t, r->duration_min);
        cat(t, sizeof t, "min");
    }
    if (err == HANDHELD_ERR_FULL) {
        message(u, UI_S_QUEUE_FULL, ui_text(u->lang, UI_S_ON_PAPER), t);
    } else {
        char e[UI_LINE_BYTES];
        set(e, sizeof e, ui_text(u->lang, UI_S_NOT_SAVED));
        cat(e, sizeof e, ": ");
        cat(e, sizeof e, handheld_strerror(err));
        message(u, UI_S_ERROR, e, t);
    }
    SET(u->note, ui_text(u->lang, UI_S_NOT_SAVED));
    return err;
}

static void draft_new(struct ui *u, uint8_t activity, uint8_t zone)
{
    memset(&u->draft, 0, sizeof u->draft);
    u->draft.activity = activity;
    u->draft.zone = zone;
    u->draft.actor = ui_actor_of(u->role, activity);
    u->draft.cell = RECORD_CELL_NONE;
    u->draft.quantity = 1;
}

static uint16_t session_duration(const struct ui *u)
{
    uint32_t m = elapsed_min(u);
    return (uint16_t)(m > RECORD_DURATION_MAX ? RECORD_DURATION_MAX : m);
}

/* The draft is complete: log it and go where it came from. */
static void finish(struct ui *u)
{
    int from_session = u->session.active && u->draft.activity == u->session.activity;
    enum ui_screen back = u->after_log;
    int err;
    if (u->session.operation && record_category(u->draft.activity) == CAT_VEHICLE)
        u->draft.operation = u->session.operation;
    err = log_record(u, &u->draft);
    if (err != HANDHELD_OK) {
        if (from_session)
            memset(&u->session, 0, sizeof u->session); /* it is on paper now */
        return;
    }
    if (from_session) {
        memset(&u->session, 0, sizeof u->session);
        back = UI_HOME;
    } else if (back == UI_CHECKPOINT && u->draft.activity == ACT_ALCOHOL_SCREENING) {
        u->session.positives++;
        u->last_band = u->draft.result;
    } else if (u->session.active && u->session.activity == ACT_TRAFFIC_OPERATION &&
               record_category(u->draft.activity) == CAT_VEHICLE) {
        u->session.stops++;
    }
    if (back == UI_CHECKPOINT && !u->session.active)
        back = UI_HOME;
    go(u, back, 0);
}

static void pick_result(struct ui *u, uint8_t r)
{
    u->draft.result = r;
    u->draft.action = ACTION_NONE;
    u->draft.side = 0;
    if (r == 0) {
        finish(u);
        return;
    }
    u->draft.action = ui_default_action(u->draft.activity, r);
    go(u, UI_ACTION, u->draft.action);
}

static void open_result(struct ui *u, enum ui_screen back, enum ui_screen after)
{
    u->result_back = back;
    u->after_log = after;
    go(u, UI_RESULT, 0);
}

static void start_activity(struct ui *u, uint8_t activity)
{
    enum ui_kind k = ui_kind_of(activity);
    recent_use(u, activity);
    if (k == UI_KIND_STOP) {
        draft_new(u, activity, u->zone);
        open_result(u, UI_HOME, UI_HOME);
        return;
    }
    if (u->session.active) { /* one session at a time: say which one runs */
        message(u, UI_S_ONE_SESSION, ui_text_activity(u->lang, u->session.activity), NULL);
        return;
    }
    memset(&u->session, 0, sizeof u->session);
    u->session.active = 1;
    u->session.activity = activity;
    u->session.zone = u->zone;
    u->session.start_ms = now(u);
    if (activity == ACT_TRAFFIC_OPERATION) {
        uint8_t b[2] = {0, 0};
        while ((b[0] | b[1]) == 0) /* 0 is not a code (docs/protocol.md §2.2) */
            u->board->random(u->board->ctx, b, 2);
        u->session.operation = (uint16_t)(b[0] << 8 | b[1]);
    }
    go(u, k == UI_KIND_CHECKPOINT ? UI_CHECKPOINT : UI_SESSION, 0);
}

static void end_session(struct ui *u)
{
    const struct ui_session *s = &u->session;
    draft_new(u, s->activity, s->zone);
    u->draft.duration_min = session_duration(u);
    u->draft.quantity = s->activity == ACT_TRAFFIC_OPERATION ? s->stops : s->tally;
    u->draft.operation = s->operation;
    open_result(u, UI_SESSION, UI_HOME);
}

/* Ending a checkpoint logs what docs/protocol.md already has: the session
 * (drivers tested, duration), then the negatives as one screening record.
 * Each positive was logged when it happened. */
static void end_checkpoint(struct ui *u)
{
    struct ui_session s = u->session;
    uint16_t dur = session_duration(u);
    draft_new(u, ACT_TRAFFIC_CHECKPOINT, s.zone);
    u->draft.quantity = (uint16_t)(s.tally + s.positives);
    u->draft.duration_min = dur;
    memset(&u->session, 0, sizeof u->session);
    go(u, UI_HOME, 0);
    if (log_record(u, &u->draft) != HANDHELD_OK)
        return;
    if (s.tally) {
        draft_new(u, ACT_ALCOHOL_SCREENING, s.zone);
        u->draft.quantity = s.tally;
        u->draft.duration_min = dur;
        if (log_record(u, &u->draft) == HANDHELD_OK) {
            /* both receipts: "√ #41 #42 Sparad" */
            char t[UI_LINE_BYTES];
            uint32_t c = u->receipt[0].counter;
            SET(t, "√ #");
            CATU(t, u->receipt[1].counter);
            CAT(t, " #");
            CATU(t, c);
            CAT(t, " ");
            CAT(t, ui_text(u->lang, UI_S_SAVED));
            SET(u->note, t);
        }
    }
}

static void tally(struct ui *u, int delta)
{
    uint16_t *n = &u->session.tally;
    if (delta > 0 && *n < RECORD_QUANTITY_MAX)
        (*n)++;
    else if (delta < 0 && *n > 0)
        (*n)--;
}

static void do_void(struct ui *u)
{
    struct ui_receipt *r = &u->receipt[u->undo_index];
    uint32_t counter = 0, target = r->counter;
    int err = handheld_void(u->h, target, &counter);
    u->last_err = err;
    if (err != HANDHELD_OK) {
        char t[UI_LINE_BYTES];
        set(t, sizeof t, "#");
        cat_u(t, sizeof t, target);
        message(u, err == HANDHELD_ERR_FULL ? UI_S_QUEUE_FULL : UI_S_ERROR,
                err == HANDHELD_ERR_FULL ? ui_text(u->lang, UI_S_ON_PAPER)
                                         : handheld_strerror(err), t);
        return;
    }
    r->voided = 1;
    remember(u, counter, ACT_ADMIN_VOID);
    u->receipt[0].voided = 1; /* a void is not voided from here */
    SET(u->note, "√ #");
    CATU(u->note, counter);
    CAT(u->note, " ");
    CAT(u->note, ui_text(u->lang, UI_S_VOIDED));
    CAT(u->note, " #");
    CATU(u->note, target);
    go(u, UI_HOME, 0);
}

/* --- keys ---------------------------------------------------------------- */

static void pick(struct ui *u, const struct ui_item *it)
{
    switch ((enum ui_item_kind)it->kind) {
    case UI_ITEM_ACTIVITY: start_activity(u, it->arg); break;
    case UI_ITEM_RESUME:
        go(u, u->session.activity == ACT_TRAFFIC_CHECKPOINT ? UI_CHECKPOINT : UI_SESSION, 0);
        break;
    case UI_ITEM_ALL: go(u, UI_CATEGORIES, 0); break;
    case UI_ITEM_CATEGORY: u->category = it->arg; go(u, UI_ACTIVITIES, 0); break;
    case UI_ITEM_ZONE_MENU: go(u, UI_ZONE, u->zone ? (uint8_t)(u->zone - 1) : ZONE_COUNT - 1); break;
    case UI_ITEM_ZONE: u->zone = it->arg; go(u, UI_HOME, 0); break;
    case UI_ITEM_UNDO_MENU: go(u, UI_UNDO, 0); break;
    case UI_ITEM_STATUS: go(u, UI_STATUS, 0); break;
    case UI_ITEM_SETTINGS: go(u, UI_SETTINGS, 0); break;
    case UI_ITEM_LANGUAGE: u->lang = u->lang == UI_LANG_SV ? UI_LANG_EN : UI_LANG_SV; break;
    case UI_ITEM_ROLE:
        u->role = (enum ui_role)((u->role + 1) % UI_ROLE_COUNT);
        recent_reset(u);
        break;
    case UI_ITEM_RESULT: pick_result(u, it->arg); break;
    case UI_ITEM_ACTION: u->draft.action = it->arg; finish(u); break;
    case UI_ITEM_SIDE: u->draft.side ^= (uint8_t)(1u << it->arg); break;
    case UI_ITEM_CONTINUE:
        go(u, u->screen == UI_CHECKPOINT_MENU ? UI_CHECKPOINT : UI_SESSION, 0);
        break;
    case UI_ITEM_END:
        if (u->screen == UI_CHECKPOINT_MENU)
            end_checkpoint(u);
        else
            end_session(u);
        break;
    case UI_ITEM_MINUS:
        tally(u, -1);
        go(u, u->screen == UI_CHECKPOINT_MENU ? UI_CHECKPOINT : UI_SESSION, 0);
        break;
    case UI_ITEM_DISCARD: memset(&u->session, 0, sizeof u->session); go(u, UI_HOME, 0); break;
    case UI_ITEM_EYE_EXAM:
        draft_new(u, ACT_DRUGS_EYE_EXAM, u->session.zone);
        open_result(u, UI_CHECKPOINT_MENU, UI_CHECKPOINT);
        break;
    case UI_ITEM_RECEIPT: u->undo_index = it->arg; go(u, UI_UNDO_CONFIRM, 0); break;
    case UI_ITEM_NO: go(u, UI_UNDO, u->undo_index); break;
    case UI_ITEM_YES: do_void(u); break;
    case UI_ITEM_OK: go(u, UI_HOME, 0); break;
    case UI_ITEM_INFO: break;
    }
}

static void back(struct ui *u)
{
    switch (u->screen) {
    case UI_ACTIVITIES: go(u, UI_CATEGORIES, 0); break;
    case UI_RESULT:
        if (u->result_back == UI_SESSION && u->session.activity == ACT_TRAFFIC_CHECKPOINT)
            go(u, UI_CHECKPOINT, 0);
        else
            go(u, u->result_back, 0);
        break;
    case UI_ACTION: go(u, UI_RESULT, 0); break;
    case UI_SESSION: go(u, UI_SESSION_MENU, 0); break;
    case UI_CHECKPOINT: go(u, UI_CHECKPOINT_MENU, 0); break;
    case UI_SESSION_MENU: go(u, UI_SESSION, 0); break;
    case UI_CHECKPOINT_MENU: go(u, UI_CHECKPOINT, 0); break;
    case UI_UNDO_CONFIRM: go(u, UI_UNDO, u->undo_index); break;
    default: go(u, UI_HOME, 0); break;
    }
}

static void settings_save(struct ui *u);

void ui_key(struct ui *u, enum ui_key k)
{
    const struct ui_view *v = &u->view;
    if (k == UI_KEY_NONE)
        return;
    u->presses++;
    /* keys act on the view on the panel: what the officer sees is what a
     * press picks */
    switch (k) {
    case UI_KEY_NEXT:
    case UI_KEY_PREV:
        if (u->screen == UI_CHECKPOINT || (u->screen == UI_SESSION &&
                                           u->session.activity != ACT_TRAFFIC_OPERATION)) {
            tally(u, k == UI_KEY_NEXT ? 1 : -1);
        } else if (u->screen == UI_SESSION) {
            go(u, UI_HOME, 0); /* an operation: log its vehicles from home */
        } else if (v->count) {
            u->cursor = (uint8_t)(k == UI_KEY_NEXT ? (v->cursor + 1u) % v->count
                                                   : (v->cursor + v->count - 1u) % v->count);
        }
        break;
    case UI_KEY_OK:
        if (u->screen == UI_CHECKPOINT) { /* a positive screening test */
            draft_new(u, ACT_ALCOHOL_SCREENING, u->session.zone);
            open_result(u, UI_CHECKPOINT, UI_CHECKPOINT);
            u->cursor = u->last_band ? (uint8_t)(u->last_band - 1) : 2; /* drunk driving */
        } else if (u->screen == UI_SESSION) {
            end_session(u);
        } else if (u->screen == UI_MESSAGE) {
            go(u, UI_HOME, 0); /* a message has one answer */
        } else if (v->count) {
            struct ui_item it = v->item[v->cursor];
            pick(u, &it);
        }
        break;
    case UI_KEY_BACK:
        back(u);
        break;
    case UI_KEY_HOME:
        go(u, u->screen == UI_HOME ? UI_STATUS : UI_HOME, 0);
        break;
    default:
        break;
    }
    settings_save(u);
    show(u, 0);
}

enum ui_key ui_key_of(uint8_t buttons, const struct board_button_event *ev)
{
    int b = ev->button, lng = ev->kind == BOARD_BUTTON_LONG;
    if (ev->kind != BOARD_BUTTON_PRESS && !lng)
        return UI_KEY_NONE;
    if (buttons <= 2) {
        if (b == 0)
            return lng ? UI_KEY_BACK : UI_KEY_NEXT;
        if (b == 1)
            return lng ? UI_KEY_HOME : UI_KEY_OK;
        return UI_KEY_NONE;
    }
    if (b == 0 || b == 1)
        return lng ? (buttons == 4 ? UI_KEY_HOME : UI_KEY_BACK)
                   : b == 0 ? UI_KEY_PREV : UI_KEY_NEXT;
    if (b == 2)
        return lng ? UI_KEY_HOME : UI_KEY_OK;
    if (b == 3 && buttons == 4)
        return lng ? UI_KEY_HOME : UI_KEY_BACK;
    return UI_KEY_NONE;
}

uint64_t ui_poll(struct ui *u)
{
    struct board_button_event ev;
    const struct board_buttons *bt = u->board->buttons;
    uint64_t t;
    while (bt && bt->poll && bt->poll(u->board->ctx, &ev))
        ui_key(u, ui_key_of(bt->count, &ev));
    show(u, 0);
    t = now(u);
    return (t / 60000u + 1u) * 60000u; /* minutes are the finest thing shown */
}

/* --- settings across power cuts -----------------------------------------
 * Role, zone, language and the recent activities go into the handheld's
 * state log (handheld_settings_save) whenever a key changed them: two
 * words, bytes from the low end: settings = language, role, zone, layout
 * version 1; recent = the UI_RECENT activity codes. Read back at init and
 * checked like anything from flash: a value out of range means defaults. */
#define SETTINGS_LAYOUT 1u

static uint32_t settings_word(const struct ui *u)
{
    return (uint32_t)u->lang | (uint32_t)u->role << 8 | (uint32_t)u->zone << 16 |
           SETTINGS_LAYOUT << 24;
}

static uint32_t recent_word(const struct ui *u)
{
    uint32_t w = 0;
    int i;
    for (i = 0; i < UI_RECENT; i++)
        w |= (uint32_t)u->recent[i] << (8 * i);
    return w;
}

static int offered(uint8_t activity)
{
    return record_activity_info(activity) && record_category(activity) != CAT_ADMIN;
}

static void settings_load(struct ui *u)
{
    uint32_t s, r;
    uint8_t lang, role, zone, recent[UI_RECENT];
    int i;
    if (!handheld_settings_load(u->h, &s, &r) || s >> 24 != SETTINGS_LAYOUT)
        return;
    lang = (uint8_t)s, role = (uint8_t)(s >> 8), zone = (uint8_t)(s >> 16);
    if (lang >= UI_LANG_COUNT || role >= UI_ROLE_COUNT || zone == 0 || zone >= ZONE_COUNT)
        return;
    for (i = 0; i < UI_RECENT; i++)
        if (!offered(recent[i] = (uint8_t)(r >> (8 * i))))
            return;
    u->lang = (enum ui_lang)lang;
    u->role = (enum ui_role)role;
    u->zone = zone;
    memcpy(u->recent, recent, UI_RECENT);
}

/* After a key: persist what it changed (no write when nothing did). */
static void settings_save(struct ui *u)
{
    uint32_t s = settings_word(u), r = recent_word(u);
    if (s == u->saved_settings && r == u->saved_recent)
        return;
    if (handheld_settings_save(u->h, s, r) == HANDHELD_OK) {
        u->saved_settings = s;
        u->saved_recent = r;
    }
}

void ui_init(struct ui *u, struct handheld *h, const struct board *b)
{
    memset(u, 0, sizeof *u);
    u->h = h;
    u->board = b;
    u->lang = UI_LANG_SV;
    u->role = UI_ROLE_POLICE;
    u->zone = ZONE_SKOGHALL_CENTRE;
    u->screen = UI_HOME;
    recent_reset(u);
    settings_load(u);
    u->saved_settings = settings_word(u);
    u->saved_recent = recent_word(u);
    show(u, 1);
}

const struct ui_view *ui_view(const struct ui *u)
{
    return &u->view;
}

int ui_view_find(const struct ui_view *v, const char *text)
{
    int i;
    for (i = 0; i < v->count; i++)
        if (strstr(v->item[i].text, text))
            return i;
    return -1;
}

int ui_view_find_kind(const struct ui_view *v, enum ui_item_kind kind, int arg)
{
    int i;
    for (i = 0; i < v->count; i++)
        if (v->item[i].kind == kind && (arg < 0 || v->item[i].arg == arg))
            return i;
    return -1;
}

int ui_view_contains(const struct ui_view *v, const char *text)
{
    return strstr(v->status, text) || strstr(v->title, text) || strstr(v->big, text) ||
           strstr(v->note, text) || strstr(v->hint, text) || ui_view_find(v, text) >= 0;
}
