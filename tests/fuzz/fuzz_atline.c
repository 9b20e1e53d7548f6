/* fuzz_atline.c -- libFuzzer target for the AT modems' line parser
 * (gateway/atline.c), one binary per grammar (FUZZ_ATLINE_GRAMMAR).
 *
 * The input is a stretch of serial line from the module. It is fed twice
 * into fresh parsers: whole, and in chunks whose sizes come from the input
 * itself. Properties (a broken one traps):
 *  - no crash, no read or write out of bounds (ASan), no UB (UBSan);
 *  - a line is never longer than ATLINE_MAX, a reception never longer
 *    than 255 bytes, every event and reason is in its enum;
 *  - both chunkings give the same events and the same counters: the
 *    parser's result does not depend on how read() cut the bytes;
 *  - no line is counted twice: blank + echo + chatter + events +
 *    rejected never exceed the lines seen (plus orphaned LEN lines,
 *    counted when the line that breaks their pair arrives).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "atline.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct trace {
    uint64_t h;     /* a running hash of every event */
    size_t n;
};

static void run(const uint8_t *data, size_t size, int chunked, struct atline *a,
                struct trace *t)
{
    size_t off = 0, i = 0;
    atline_init(a, FUZZ_ATLINE_GRAMMAR);
    t->h = 1469598103934665603ull;
    t->n = 0;
    while (off < size) {
        size_t k = chunked ? 1 + data[i++ % size] % 17 : size - off, pos = 0;
        struct atline_msg m;
        if (k > size - off)
            k = size - off;
        while (atline_next(a, data + off, k, &pos, &m)) {
            CHECK(m.ev >= ATLINE_NONE && m.ev < ATLINE_EVENT_COUNT_);
            CHECK(m.reject >= ATLINE_REJ_NONE && m.reject < ATLINE_REJ_COUNT_);
            CHECK(m.ev == ATLINE_NONE || m.reject == ATLINE_REJ_NONE);
            if (m.ev == ATLINE_RX)
                CHECK(m.len >= 1);
            CHECK(strlen(m.text) < sizeof m.text && strlen(m.name) < sizeof m.name);
            t->h = (t->h ^ (uint64_t)(m.ev * 31 + m.reject)) * 1099511628211ull;
            t->h = (t->h ^ m.len) * 1099511628211ull;
            if (m.ev == ATLINE_RX) {
                size_t j;
                for (j = 0; j < m.len; j++)
                    t->h = (t->h ^ m.frame[j]) * 1099511628211ull;
            }
            t->n++;
        }
        CHECK(pos == k);
        CHECK(a->len <= ATLINE_MAX);
        off += k;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct atline a, b;
    struct trace ta, tb;
    size_t i;
    uint64_t ev = 0, rej = 0;
    run(data, size, 0, &a, &ta);
    run(data, size, 1, &b, &tb);
    CHECK(ta.n == tb.n && ta.h == tb.h);
    CHECK(memcmp(&a.stats, &b.stats, sizeof a.stats) == 0);
    for (i = 0; i < ATLINE_EVENT_COUNT_; i++)
        ev += a.stats.events[i];
    for (i = 0; i < ATLINE_REJ_COUNT_; i++)
        rej += a.stats.rejected[i];
    /* each line is counted at most once beyond "lines"; only an orphaned
     * LEN is counted later, when the line that breaks its pair arrives */
    CHECK(a.stats.blank + a.stats.echo + a.stats.chatter + ev + rej <=
          a.stats.lines + a.stats.rejected[ATLINE_REJ_ORPHAN]);
    return 0;
}
