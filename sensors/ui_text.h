/* ui_text.h -- every word the officer's screen shows, in Swedish and
 * English.
 *
 * Labels are fixed strings chosen from tables: the interface has no text
 * entry of any kind (docs/protocol.md §2: no free text). A row of the menu
 * holds 16 characters of the 12x24 font, so every activity, result,
 * action, side action and zone name is at most UI_TEXT_ROW_CHARS characters
 * (tests/sensors/test_ui.c checks all of them, and that the fonts can draw
 * them). Swedish is the default; the words follow the police's and the
 * municipality's own usage where there is one (rattfylleri, ordningsbot,
 * orosanmälan, trygghetsvandring).
 */
#ifndef LOFTE_UI_TEXT_H
#define LOFTE_UI_TEXT_H

#include <stdint.h>

#define UI_TEXT_ROW_CHARS 16    /* 200 px / 12 px, less the margins */
#define UI_TEXT_LINE_CHARS 25   /* 200 px / 8 px: status, title, hints */

enum ui_lang { UI_LANG_SV = 0, UI_LANG_EN = 1, UI_LANG_COUNT };

enum ui_str {
    UI_S_ALL_ACTIVITIES,
    UI_S_CHECKPOINT_START,
    UI_S_ZONE,
    UI_S_UNDO,
    UI_S_STATUS,
    UI_S_SETTINGS,
    UI_S_LANGUAGE,
    UI_S_ROLE,
    UI_S_CONTINUE,
    UI_S_END,
    UI_S_MINUS_ONE,
    UI_S_DISCARD,
    UI_S_EYE_EXAM,
    UI_S_NEGATIVE,
    UI_S_POSITIVE,
    UI_S_PEOPLE,
    UI_S_VEHICLES,
    UI_S_TIME,
    UI_S_SAVED,
    UI_S_HELD,
    UI_S_VOIDED,
    UI_S_VOID_Q,
    UI_S_NO_KEEP,
    UI_S_YES_VOID,
    UI_S_QUEUE_FULL,
    UI_S_ON_PAPER,
    UI_S_NOT_SAVED,
    UI_S_ERROR,
    UI_S_ONE_SESSION,
    UI_S_WAITING,
    UI_S_LAST_ACK,
    UI_S_NEVER,
    UI_S_AGO_MIN,
    UI_S_CLOCK_SET,
    UI_S_CLOCK_UNSET,
    UI_S_BATTERY,
    UI_S_UNKNOWN,
    UI_S_AIRTIME,
    UI_S_LEFT,
    UI_S_HINT_LIST,
    UI_S_HINT_TALLY,
    UI_S_HINT_CHECKPOINT,
    UI_S_HINT_MESSAGE,
    UI_S_CHOOSE_RESULT,
    UI_S_CHOOSE_ACTION,
    UI_S_CHOOSE_BAND,
    UI_S_CATEGORY,
    UI_S_RUNNING,
    UI_S_SENT_LATER,
    UI_S_QUEUE_SHORT,
    UI_S_CLOCK_SHORT,
    UI_S_FULL_SHORT,
    UI_S_COUNT
};

enum ui_role { UI_ROLE_POLICE = 0, UI_ROLE_GUARD = 1, UI_ROLE_STAFF = 2, UI_ROLE_COUNT };

const char *ui_text(enum ui_lang lang, enum ui_str s);
/* Names from the record's tables; "?" for a value outside them. */
const char *ui_text_activity(enum ui_lang lang, uint8_t activity);
const char *ui_text_category(enum ui_lang lang, uint8_t category);
const char *ui_text_result(enum ui_lang lang, uint8_t activity, uint8_t result);
const char *ui_text_action(enum ui_lang lang, uint8_t action);
const char *ui_text_side(enum ui_lang lang, unsigned bit);   /* bit 0..4 */
const char *ui_text_zone(enum ui_lang lang, uint8_t zone);
const char *ui_text_role(enum ui_lang lang, enum ui_role role);
const char *ui_text_lang_name(enum ui_lang lang);

#endif
