/* fuzz_targets.c -- libFuzzer target for the targets-file parser of
 * collector/targets.c (syntax: docs/targets.md).
 *
 * The input is the text of a targets file, given to targets_parse with
 * its length and without a terminating NUL (libFuzzer's buffer is exactly
 * `size` bytes, so ASan sees any read past the end). An analyst writes
 * these files by hand, so any text at all must be refused cleanly, never
 * crash. Properties:
 *  - targets_parse returns a targets_err code with a sentence;
 *  - a refused file leaves the set empty and an error "name:line: reason"
 *    (or "name: reason"), NUL-terminated inside the caller's buffer;
 *  - an accepted file holds at least one target, and every target is what
 *    targets.h promises: a unique valid id, promise items in 1..14, an
 *    activity filter without admin.*, known metric, period and rule, a
 *    unit no longer than the period, a non-empty window and season,
 *    "per = zone" only with a zone filter and a rule; the name helpers for
 *    it are safe;
 *  - targets_free releases the set either way (LeakSanitizer checks).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "record.h"
#include "targets.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

#define NAME "fuzz.targets"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* NUL-terminated inside its array, so every string is safe to print. */
#define TERMINATED(field) (memchr((field), 0, sizeof(field)) != NULL)

static int valid_id(const char *s)
{
    size_t i, n = strlen(s);
    if (n == 0 || n >= TARGET_ID_MAX)
        return 0;
    for (i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
              s[i] == '-'))
            return 0;
    return 1;
}

static void check_target(const struct target_set *ts, const struct target *t, int prev_line)
{
    char season[128];
    const char *s;
    int item, any = 0;
    unsigned code;

    CHECK(TERMINATED(t->id) && valid_id(t->id));
    CHECK(targets_find(ts, t->id) == t);
    CHECK(t->line > prev_line);
    CHECK(TERMINATED(t->label) && t->label[0] != 0);
    CHECK(TERMINATED(t->label_sv) && TERMINATED(t->note));
    CHECK(TERMINATED(t->activity_text) && t->activity_text[0] != 0);
    CHECK(TERMINATED(t->result_text) && TERMINATED(t->action_text));
    CHECK(TERMINATED(t->zone_text) && TERMINATED(t->actor_text));

    CHECK(t->items != 0 && (t->items & 1u) == 0 && (t->items >> (TARGET_ITEM_MAX + 1)) == 0);
    for (item = 1; item <= TARGET_ITEM_MAX; item++)
        if ((t->items >> item) & 1u) {
            CHECK(strcmp(targets_item_title(item, 0), "?") != 0);
            CHECK(strcmp(targets_item_who(item, 1), "?") != 0);
        }

    /* Only activities of the table, never admin.*. */
    for (code = 0; code < 256; code++) {
        const struct record_activity_info *info;
        if (!target_filter_has_activity(&t->filter, (uint8_t)code))
            continue;
        any = 1;
        info = record_activity_info((uint8_t)code);
        CHECK(info != NULL && record_category((uint8_t)code) != CAT_ADMIN);
        (void)target_filter_match(&t->filter, (uint8_t)code, 0, 0, 0, 0);
    }
    CHECK(any);
    CHECK(t->filter.zone >> ZONE_COUNT == 0 && t->filter.actor >> ACTOR_COUNT == 0);
    CHECK(t->filter.action >> ACTION_COUNT == 0);
    if (targets_result_count() < 32)
        CHECK(t->filter.result >> targets_result_count() == 0);

    CHECK((unsigned)t->metric < METRIC_COUNT_OF_KINDS);
    CHECK(strcmp(targets_metric_name(t->metric), "?") != 0);
    CHECK((unsigned)t->period < CAL_KIND_COUNT && (unsigned)t->unit <= (unsigned)t->period);
    CHECK(t->unit == t->period || (t->metric == METRIC_ACTIVE_PERIODS && t->unit != CAL_PROMISE));
    CHECK((unsigned)t->cmp <= CMP_EQ);
    CHECK(isfinite(t->value) && t->value >= 0);
    CHECK(t->cmp != CMP_REPORT_ONLY || t->value == 0);
    CHECK((s = targets_cmp_text(t->cmp)) != NULL && (t->cmp == CMP_REPORT_ONLY) == (s[0] == 0));
    CHECK(target_judge(t, t->value) == (t->cmp == CMP_REPORT_ONLY ? -1
                                        : t->cmp == CMP_GT || t->cmp == CMP_LT ? 0 : 1));

    CHECK(t->valid_from <= t->valid_to);
    CHECK(cal_periods_elapsed(t->period, t->valid_from, t->valid_to, t->valid_to) > 0);
    CHECK(t->season != 0 && (t->season & ~TARGET_SEASON_ALL) == 0);
    targets_season_text(t->season, season, sizeof season);
    CHECK(TERMINATED(season));
    (void)target_in_season(t, t->valid_from);
    (void)target_in_season(t, t->valid_to);

    if (t->per_zone)
        CHECK(t->per_zone == 1 && t->filter.zone != 0 && t->cmp != CMP_REPORT_ONLY);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct target_set ts;
    char err[512];
    size_t i;
    int rc, prev_line = 0;

    memset(err, 0x55, sizeof err);
    rc = targets_parse((const char *)data, size, NAME, &ts, err, sizeof err);
    CHECK(rc <= TARGETS_OK && rc >= TARGETS_ERR_EMPTY);
    CHECK(targets_strerror(rc) != NULL && strcmp(targets_strerror(rc), "unknown targets error") != 0);
    CHECK(TERMINATED(ts.source) && strcmp(ts.source, NAME) == 0);
    CHECK(TERMINATED(ts.promise) && TERMINATED(ts.promise_sv));

    if (rc != TARGETS_OK) {
        CHECK(ts.count == 0 && ts.targets == NULL);
        CHECK(TERMINATED(err));
        CHECK(strncmp(err, NAME ":", sizeof NAME) == 0 && strlen(err) > sizeof NAME);
    } else {
        CHECK(err[0] == 0);
        CHECK(ts.count >= 1 && ts.targets != NULL);
        CHECK(ts.valid_from <= ts.valid_to);
        for (i = 0; i < ts.count; i++) {
            check_target(&ts, &ts.targets[i], prev_line);
            prev_line = ts.targets[i].line;
        }
        CHECK(targets_find(&ts, "") == NULL);
    }
    targets_free(&ts);
    CHECK(ts.count == 0 && ts.targets == NULL);
    return 0;
}
