/* ui_driver.c -- key presses that log a record through the interface. */
#include "ui_driver.h"

#include <string.h>

const char *uidrv_strerror(int err)
{
    switch (err) {
    case UIDRV_OK: return "ok";
    case UIDRV_ERR_INEXPRESSIBLE: return "the interface cannot express this record";
    case UIDRV_ERR_LOST: return "the screen did not offer the expected row";
    case UIDRV_ERR_LOG: return "the handheld refused the record";
    default: return "unknown ui driver error";
    }
}

void uidrv_init(struct uidrv *d, struct ui *u, int buttons, uidrv_press_fn press, void *ctx)
{
    memset(d, 0, sizeof *d);
    d->u = u;
    d->buttons = buttons;
    d->press = press;
    d->ctx = ctx;
}

static void key(struct uidrv *d, enum ui_key k)
{
    d->presses++;
    d->press(d->ctx, d->u, k);
}

static const struct ui_view *view(const struct uidrv *d)
{
    return ui_view(d->u);
}

int uidrv_home(struct uidrv *d)
{
    if (view(d)->screen != UI_HOME)
        key(d, UI_KEY_HOME);
    return view(d)->screen == UI_HOME ? UIDRV_OK : UIDRV_ERR_LOST;
}

int uidrv_pick(struct uidrv *d, enum ui_item_kind kind, int arg)
{
    const struct ui_view *v = view(d);
    int want = ui_view_find_kind(v, kind, arg), n = v->count, fwd, bwd, i;
    uint8_t screen = v->screen;
    if (want < 0)
        return UIDRV_ERR_LOST;
    fwd = (want - v->cursor + n) % n;
    bwd = (v->cursor - want + n) % n;
    if (d->buttons >= 3 && bwd < fwd)
        for (i = 0; i < bwd; i++)
            key(d, UI_KEY_PREV);
    else
        for (i = 0; i < fwd; i++)
            key(d, UI_KEY_NEXT);
    v = view(d);
    if (v->screen != screen || v->cursor != want)
        return UIDRV_ERR_LOST;
    key(d, UI_KEY_OK);
    return UIDRV_OK;
}

int uidrv_zone(struct uidrv *d, uint8_t zone)
{
    int e;
    if (d->u->zone == zone)
        return UIDRV_OK;
    if ((e = uidrv_home(d)) || (e = uidrv_pick(d, UI_ITEM_ZONE_MENU, -1)) ||
        (e = uidrv_pick(d, UI_ITEM_ZONE, zone)))
        return e;
    return d->u->zone == zone ? UIDRV_OK : UIDRV_ERR_LOST;
}

int uidrv_open(struct uidrv *d, uint8_t activity)
{
    int e;
    if ((e = uidrv_home(d)))
        return e;
    if (ui_view_find_kind(view(d), UI_ITEM_ACTIVITY, activity) >= 0)
        return uidrv_pick(d, UI_ITEM_ACTIVITY, activity);
    if ((e = uidrv_pick(d, UI_ITEM_ALL, -1)) ||
        (e = uidrv_pick(d, UI_ITEM_CATEGORY, record_category(activity))))
        return e;
    return uidrv_pick(d, UI_ITEM_ACTIVITY, activity);
}

static int logged(struct uidrv *d, uint32_t before)
{
    return d->u->records > before ? UIDRV_OK : UIDRV_ERR_LOG;
}

int uidrv_outcome(struct uidrv *d, uint8_t result, uint8_t action, uint8_t side)
{
    int e;
    unsigned bit;
    if (view(d)->screen != UI_RESULT)
        return UIDRV_ERR_LOST;
    if (result == 0 && (action != ACTION_NONE || side))
        return UIDRV_ERR_INEXPRESSIBLE; /* "no remark" logs at once, as it should */
    if ((e = uidrv_pick(d, UI_ITEM_RESULT, result)))
        return e;
    if (result == 0)
        return UIDRV_OK;
    if (view(d)->screen != UI_ACTION)
        return UIDRV_ERR_LOST;
    for (bit = 0; bit < 5; bit++)
        if ((side >> bit) & 1u && (e = uidrv_pick(d, UI_ITEM_SIDE, (int)bit)))
            return e;
    return uidrv_pick(d, UI_ITEM_ACTION, action);
}

static int expressible(const struct uidrv *d, const struct record *r, int stop)
{
    if (r->cell != RECORD_CELL_NONE || (stop && r->quantity != 1) ||
        r->actor != ui_actor_of(d->u->role, r->activity))
        return 0;
    if (r->operation && !(d->u->session.active && d->u->session.operation == r->operation))
        return 0;
    return 1;
}

int uidrv_stop(struct uidrv *d, const struct record *r)
{
    uint32_t before = d->u->records;
    int e;
    if (ui_kind_of(r->activity) != UI_KIND_STOP || !expressible(d, r, 1))
        return UIDRV_ERR_INEXPRESSIBLE;
    if ((e = uidrv_zone(d, r->zone)) || (e = uidrv_open(d, r->activity)) ||
        (e = uidrv_outcome(d, r->result, r->action, r->side)))
        return e;
    return logged(d, before);
}

int uidrv_session_start(struct uidrv *d, uint8_t activity, uint8_t zone)
{
    int e;
    if (ui_kind_of(activity) == UI_KIND_STOP)
        return UIDRV_ERR_INEXPRESSIBLE;
    if ((e = uidrv_zone(d, zone)) || (e = uidrv_open(d, activity)))
        return e;
    return d->u->session.active && d->u->session.activity == activity ? UIDRV_OK
                                                                        : UIDRV_ERR_LOST;
}

static int to_session(struct uidrv *d)
{
    const struct ui_view *v = view(d);
    if (v->screen == UI_SESSION || v->screen == UI_CHECKPOINT)
        return UIDRV_OK;
    if (!d->u->session.active)
        return UIDRV_ERR_LOST;
    if (uidrv_home(d))
        return UIDRV_ERR_LOST;
    return uidrv_pick(d, UI_ITEM_RESUME, -1);
}

int uidrv_session_end(struct uidrv *d, const struct record *r)
{
    uint32_t before = d->u->records;
    unsigned i;
    int e;
    if (r->cell != RECORD_CELL_NONE || r->actor != ui_actor_of(d->u->role, r->activity) ||
        ui_kind_of(r->activity) != UI_KIND_SESSION)
        return UIDRV_ERR_INEXPRESSIBLE;
    if ((e = to_session(d)))
        return e;
    if (r->activity != ACT_TRAFFIC_OPERATION)
        for (i = d->u->session.tally; i < r->quantity; i++)
            key(d, UI_KEY_NEXT);
    key(d, UI_KEY_OK); /* end: the result screen */
    if ((e = uidrv_outcome(d, r->result, r->action, r->side)))
        return e;
    return logged(d, before);
}

int uidrv_negatives(struct uidrv *d, unsigned n)
{
    unsigned i;
    int e;
    if ((e = to_session(d)))
        return e;
    if (view(d)->screen != UI_CHECKPOINT)
        return UIDRV_ERR_LOST;
    for (i = 0; i < n; i++)
        key(d, UI_KEY_NEXT);
    return UIDRV_OK;
}

int uidrv_positive(struct uidrv *d, uint8_t band, uint8_t action, uint8_t side)
{
    uint32_t before = d->u->records;
    int e;
    if (band == 0)
        return UIDRV_ERR_INEXPRESSIBLE;
    if ((e = to_session(d)))
        return e;
    if (view(d)->screen != UI_CHECKPOINT)
        return UIDRV_ERR_LOST;
    key(d, UI_KEY_OK);
    if ((e = uidrv_outcome(d, band, action, side)))
        return e;
    return logged(d, before);
}

int uidrv_checkpoint_end(struct uidrv *d)
{
    uint32_t before = d->u->records;
    int e;
    if ((e = to_session(d)))
        return e;
    key(d, UI_KEY_BACK);
    if ((e = uidrv_pick(d, UI_ITEM_END, -1)))
        return e;
    return logged(d, before);
}

int uidrv_void(struct uidrv *d, uint32_t counter)
{
    uint32_t before = d->u->records;
    int i, e;
    for (i = 0; i < d->u->receipts; i++)
        if (d->u->receipt[i].counter == counter && !d->u->receipt[i].voided)
            break;
    if (i == d->u->receipts)
        return UIDRV_ERR_INEXPRESSIBLE;
    if ((e = uidrv_home(d)) || (e = uidrv_pick(d, UI_ITEM_UNDO_MENU, -1)) ||
        (e = uidrv_pick(d, UI_ITEM_RECEIPT, i)) || (e = uidrv_pick(d, UI_ITEM_YES, -1)))
        return e;
    return logged(d, before);
}
