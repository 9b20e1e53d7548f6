/* fuzz_zap.c -- libFuzzer target for collector/zap.c's ZAP (RFC 27)
 * handler: the code that decides, for every CURVE client libzmq has
 * authenticated, whether it is an allowed gateway and under which name.
 *
 * Input: the request's frames, each as one length byte and that many
 * bytes (fuzz_curve_fixture.h); the harness sends them, as libzmq would,
 * to the handler bound at inproc://zeromq.zap.01 in this process, calls
 * zap_handle, and reads the answer. The handler's allowed-gateways file
 * is written once from fuzz_curve_fixture.h and read with
 * zap_allowed_load, as the collector does.
 *
 * Properties:
 *  - exactly one request is handled and exactly one answer comes back, of
 *    six frames: "1.0", the request id echoed, a status code, a text, a
 *    user id, empty metadata;
 *  - the status is "200" exactly when the request is 7 frames, version
 *    "1.0", mechanism "CURVE" and a 32-byte key that is on the list, and
 *    then the user id is that gateway's name; otherwise "400" with an
 *    empty user id;
 *  - the handler's counters (allowed, denied, malformed) move by one in
 *    total, and `allowed` only for a 200.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "clog.h"
#include "fuzz_curve_fixture.h"
#include "fuzz_file.h"
#include "zap.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)
#define MAX_FRAMES 16

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void *ctx, *client;
static struct zap *zap;
static struct zap_allowed allowed;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char text[512], err[512], z85[41];
    size_t n = 0, i;
    int zero = 0, timeout = 1000;
    (void)argc, (void)argv;
    for (i = 0; i < FUZZ_GATEWAYS; i++) {
        zmq_z85_encode(z85, fuzz_gateway_key[i], 32);
        n += (size_t)snprintf(text + n, sizeof text - n, "%s %s\n", z85, fuzz_gateway_name[i]);
    }
    if (zap_allowed_load(fuzz_file_write("zap", (const uint8_t *)text, n), &allowed, err,
                         sizeof err) != ZAP_OK || allowed.count != FUZZ_GATEWAYS) {
        fprintf(stderr, "fuzz_zap: %s\n", err);
        abort();
    }
    clog_set_level(CLOG_ERROR); /* a warning per refused request is noise here */
    ctx = zmq_ctx_new();
    if (!ctx || zap_open(&zap, ctx, &allowed, err, sizeof err) != ZAP_OK) {
        fprintf(stderr, "fuzz_zap: %s\n", err);
        abort();
    }
    /* a DEALER talks to the handler's REP: an empty delimiter, then the
     * request, as libzmq's own ZAP client does */
    client = zmq_socket(ctx, ZMQ_DEALER);
    if (!client || zmq_setsockopt(client, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_setsockopt(client, ZMQ_RCVTIMEO, &timeout, sizeof timeout) != 0 ||
        zmq_connect(client, ZAP_ENDPOINT) != 0) {
        fprintf(stderr, "fuzz_zap: %s\n", zmq_strerror(zmq_errno()));
        abort();
    }
    return 0;
}

static int frame_is(const uint8_t *p, size_t n, const char *s)
{
    return n == strlen(s) && memcmp(p, s, n) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *fp[MAX_FRAMES];
    size_t fl[MAX_FRAMES], nf = 0, at = 0, i;
    const char *expect_user = NULL;
    struct zap_stats before = *zap_stats(zap), after;
    char reply[6][256];
    size_t rl[6];
    int more, got, expect_200;
    size_t ms;

    while (at < size && nf < MAX_FRAMES) {
        size_t len = data[at++];
        if (len > size - at)
            len = size - at;
        fp[nf] = data + at;
        fl[nf++] = len;
        at += len;
    }
    if (nf == 0)
        return 0; /* a request has at least one frame */

    expect_200 = nf == 7 && frame_is(fp[0], fl[0], "1.0") && frame_is(fp[5], fl[5], "CURVE") &&
                 fl[6] == 32;
    if (expect_200) {
        expect_200 = 0;
        for (i = 0; i < FUZZ_GATEWAYS; i++)
            if (memcmp(fp[6], fuzz_gateway_key[i], 32) == 0) {
                expect_200 = 1;
                expect_user = fuzz_gateway_name[i];
            }
    }

    CHECK(zmq_send(client, "", 0, ZMQ_SNDMORE) == 0);
    for (i = 0; i < nf; i++)
        CHECK(zmq_send(client, fp[i], fl[i], i + 1 < nf ? ZMQ_SNDMORE : 0) == (int)fl[i]);
    /* inproc delivers before zmq_send returns, but poll to be sure */
    {
        zmq_pollitem_t it = {zap_socket(zap), 0, ZMQ_POLLIN, 0};
        CHECK(zmq_poll(&it, 1, 1000) == 1);
    }
    CHECK(zap_handle(zap) == 1);

    /* the delimiter, then six frames */
    got = zmq_recv(client, reply[0], sizeof reply[0], 0);
    CHECK(got == 0);
    for (i = 0; i < 6; i++) {
        got = zmq_recv(client, reply[i], sizeof reply[i] - 1, 0);
        CHECK(got >= 0);
        rl[i] = (size_t)got < sizeof reply[i] - 1 ? (size_t)got : sizeof reply[i] - 1;
        reply[i][rl[i]] = 0;
        ms = sizeof more;
        CHECK(zmq_getsockopt(client, ZMQ_RCVMORE, &more, &ms) == 0);
        CHECK(more == (i < 5));
    }
    CHECK(frame_is((uint8_t *)reply[0], rl[0], "1.0"));
    if (nf >= 2 && fl[1] < sizeof reply[1] - 1)
        CHECK(rl[1] == fl[1] && memcmp(reply[1], fp[1], fl[1]) == 0);
    if (expect_200) {
        CHECK(strcmp(reply[2], "200") == 0);
        CHECK(strcmp(reply[4], expect_user) == 0);
    } else {
        CHECK(strcmp(reply[2], "400") == 0);
        CHECK(rl[4] == 0);
    }
    CHECK(rl[5] == 0);

    after = *zap_stats(zap);
    CHECK(after.allowed + after.denied + after.malformed ==
          before.allowed + before.denied + before.malformed + 1);
    CHECK((after.allowed == before.allowed + 1) == (expect_200 != 0));
    return 0;
}
