/* ui.h -- the officer's interface on the handheld: buttons in, screen out,
 * records into handheld_log / handheld_void.
 *
 * Design note. The users log what they do while they do it, with gloves, in
 * the rain, on a device with two to four buttons and a 200 x 200 e-paper
 * panel. So:
 *   - every screen is a short list with one highlighted row, or a big
 *     counter; a short press moves or counts, another picks; a long press
 *     goes back (or opens the session's menu), and nothing is smaller than
 *     a 24-pixel row;
 *   - the device remembers the role (police, municipal guard, municipal
 *     staff), the zone and the last activities, and offers the last ones
 *     first: a clean stop of the last kind is two presses (pick it, confirm
 *     the preselected "no remark"), the one before it three;
 *   - a checkpoint is a tally: one press per negative screening test; a
 *     positive is one press and two more (result band, strictest action,
 *     both preselected to what usually follows); ending it logs the
 *     checkpoint and the negatives as the records docs/protocol.md §2
 *     already defines (traffic.checkpoint with the duration and the number
 *     of drivers tested, alcohol.screening with the negatives as quantity,
 *     one alcohol.screening per positive);
 *   - sessions (patrols, office hours, rounds, meetings) are started and
 *     ended; the device computes the duration and tallies people with one
 *     press each; a traffic operation gives the vehicle stops logged while
 *     it runs one random operation code (board random);
 *   - after each record the screen shows its counter (the receipt); undo
 *     voids one of the last records (handheld_void) after a confirmation;
 *   - no text entry anywhere: every value is picked from a table.
 *
 * The screen is described first as text (struct ui_view: status line,
 * title, rows, big number, note, hint), then drawn with the fonts of
 * font.h. Tests read the view; the drawing is checked against it in pixels.
 *
 * Buttons: the board reports press / long press per button (board.h); the
 * map to keys (ui_key_of) depends on how many the board has:
 *
 *   buttons  press                     long press
 *   2        0: NEXT   1: OK           0: BACK   1: HOME
 *   3        0: PREV   1: NEXT  2: OK  0,1: BACK 2: HOME
 *   4        0: PREV   1: NEXT  2: OK  3: BACK   any: HOME
 *
 * Refresh: partial, except a full refresh every UI_FULL_EVERY updates
 * against e-paper ghosting (and the first one after boot). The screen is
 * redrawn only when the view changed.
 *
 * Kept across a power cut: the language, role, zone and recent activities,
 * in the handheld's state log (handheld_settings_save, statelog.h: one
 * 32-byte entry per key that changed one of them). Not kept: a running
 * session lives in RAM (a session interrupted by a power cut is lost; what
 * was logged is in flash). Portable C99: no heap, no stdio; 6.6 KiB
 * of RAM, most of it the framebuffer.
 */
#ifndef LOFTE_UI_H
#define LOFTE_UI_H

#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "handheld.h"
#include "record.h"
#include "ui_text.h"

#define UI_WIDTH 200
#define UI_HEIGHT 200
#define UI_FB_BYTES (UI_WIDTH / 8 * UI_HEIGHT)
#define UI_ITEMS_MAX 16
#define UI_ITEM_BYTES 56        /* 16 characters of up to 3 UTF-8 bytes, and more */
#define UI_LINE_BYTES 80
#define UI_RECENT 3
#define UI_RECEIPTS 4
#define UI_FULL_EVERY 20        /* partial refreshes between full ones */
#define UI_VISIBLE_ROWS 6       /* menu rows on the panel at once */

enum ui_key {
    UI_KEY_NONE = 0,
    UI_KEY_NEXT,      /* move down; on a tally: +1 */
    UI_KEY_PREV,      /* move up (3 and 4 buttons only) */
    UI_KEY_OK,        /* pick the highlighted row; on a tally: positive / end */
    UI_KEY_BACK,      /* one screen back; on a tally: its menu */
    UI_KEY_HOME       /* straight home (a running session keeps running) */
};

enum ui_screen {
    UI_HOME,
    UI_CATEGORIES,
    UI_ACTIVITIES,
    UI_RESULT,
    UI_ACTION,
    UI_ZONE,
    UI_SESSION,
    UI_SESSION_MENU,
    UI_CHECKPOINT,
    UI_CHECKPOINT_MENU,
    UI_UNDO,
    UI_UNDO_CONFIRM,
    UI_STATUS,
    UI_SETTINGS,
    UI_MESSAGE
};

/* What a row does when picked (the view's rows, for drivers and tests). */
enum ui_item_kind {
    UI_ITEM_INFO = 0,       /* shows a value; picking it does nothing */
    UI_ITEM_ACTIVITY,       /* arg: activity code (stop, session or checkpoint) */
    UI_ITEM_RESUME,         /* back to the running session */
    UI_ITEM_CATEGORY,       /* arg: category */
    UI_ITEM_ALL,
    UI_ITEM_ZONE_MENU,
    UI_ITEM_ZONE,           /* arg: zone */
    UI_ITEM_UNDO_MENU,
    UI_ITEM_STATUS,
    UI_ITEM_SETTINGS,
    UI_ITEM_LANGUAGE,
    UI_ITEM_ROLE,
    UI_ITEM_RESULT,         /* arg: result */
    UI_ITEM_ACTION,         /* arg: action */
    UI_ITEM_SIDE,           /* arg: side bit number 0..4 */
    UI_ITEM_CONTINUE,
    UI_ITEM_END,
    UI_ITEM_MINUS,
    UI_ITEM_DISCARD,
    UI_ITEM_EYE_EXAM,
    UI_ITEM_RECEIPT,        /* arg: index into the receipts */
    UI_ITEM_NO,
    UI_ITEM_YES,
    UI_ITEM_OK
};

struct ui_item {
    char text[UI_ITEM_BYTES];
    uint8_t kind;           /* enum ui_item_kind */
    uint8_t arg;
};

/* The screen as text: what the officer reads, row by row. */
struct ui_view {
    uint8_t screen;                 /* enum ui_screen */
    char status[UI_LINE_BYTES];     /* top line: queue, last ack, battery, clock */
    char title[UI_LINE_BYTES];
    char big[16];                   /* a counter drawn large; "" for none */
    char note[UI_LINE_BYTES];       /* receipt or warning line, above the hint */
    char hint[UI_LINE_BYTES];       /* what the buttons do here */
    struct ui_item item[UI_ITEMS_MAX];
    uint8_t count;
    uint8_t cursor;                 /* highlighted row; meaningless when count == 0 */
};

struct ui_receipt {
    uint32_t counter;
    uint8_t activity;
    uint8_t voided;                 /* a void of it was logged from here */
};

struct ui_session {
    int active;
    uint8_t activity;
    uint8_t zone;
    uint64_t start_ms;              /* board time */
    uint16_t tally;                 /* people (session) or negatives (checkpoint) */
    uint16_t positives;             /* checkpoint: positive screening tests logged */
    uint16_t stops;                 /* operation: vehicle stops logged */
    uint16_t operation;             /* operation code, 0 = none */
};

struct ui {
    struct handheld *h;
    const struct board *board;
    enum ui_lang lang;
    enum ui_role role;
    uint8_t zone;
    uint8_t recent[UI_RECENT];
    uint32_t saved_settings, saved_recent;  /* as last put in flash */

    enum ui_screen screen;
    uint8_t cursor;
    uint8_t category;               /* UI_ACTIVITIES: which category */
    enum ui_screen result_back;     /* where BACK from UI_RESULT goes */
    enum ui_screen after_log;       /* where a logged record returns to */
    struct record draft;
    uint8_t undo_index;

    struct ui_session session;
    uint8_t last_band;              /* checkpoint: band preselected for a positive */
    struct ui_receipt receipt[UI_RECEIPTS];   /* newest first */
    uint8_t receipts;
    char note[UI_LINE_BYTES];       /* receipt line shown until the next record */
    char message[3][UI_LINE_BYTES]; /* UI_MESSAGE rows */

    uint32_t presses;               /* keys handled since init (for the benchmark) */
    uint32_t records;               /* records this UI logged (voids included) */
    uint32_t refreshes, full_refreshes;
    uint32_t since_full;
    int last_err;                   /* of the last handheld call, for tests */

    struct ui_view view;            /* what is on the panel */
    int drawn;                      /* view has been put on the panel once */
    uint8_t fb[UI_FB_BYTES];
};

/* Start the interface on a booted handheld. Police, Swedish, zone
 * Skoghall centre until the officer picks others. Draws the home screen
 * (a full refresh) if the board has a display. */
void ui_init(struct ui *u, struct handheld *h, const struct board *b);

/* The key a board button event means on a board with `buttons` buttons
 * (the table above); UI_KEY_NONE for none. */
enum ui_key ui_key_of(uint8_t buttons, const struct board_button_event *ev);

/* Handle one key, then redraw if the view changed. */
void ui_key(struct ui *u, enum ui_key k);

/* Take every pending button event from the board, update the clock-bound
 * parts of the screen (elapsed time, last ack), redraw what changed.
 * Returns the board time at which the screen next needs an update. */
uint64_t ui_poll(struct ui *u);

/* The view now on the screen. */
const struct ui_view *ui_view(const struct ui *u);

/* Index of the first row whose text contains `text`, or -1. */
int ui_view_find(const struct ui_view *v, const char *text);
/* Index of the first row of this kind (and arg, unless arg < 0), or -1. */
int ui_view_find_kind(const struct ui_view *v, enum ui_item_kind kind, int arg);
/* Does any line of the view (status, title, big, rows, note, hint)
 * contain text? */
int ui_view_contains(const struct ui_view *v, const char *text);

/* How an activity is logged from the interface. */
enum ui_kind { UI_KIND_STOP, UI_KIND_SESSION, UI_KIND_CHECKPOINT };
enum ui_kind ui_kind_of(uint8_t activity);
/* The actor a record of this activity gets from this role: joint work
 * (prevention with others, preventive talks) is ACTOR_JOINT. */
uint8_t ui_actor_of(enum ui_role role, uint8_t activity);
/* The strictest action preselected for a result (what usually follows). */
uint8_t ui_default_action(uint8_t activity, uint8_t result);

/* Draw a view into a framebuffer of UI_FB_BYTES (ui_draw.c). */
void ui_draw(const struct ui_view *v, uint8_t *fb);

#endif
