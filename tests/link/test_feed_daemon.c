/* test_feed_daemon.c -- the live feed of a real lofte-gateway process, fed
 * through a pty with sealed frames: a retransmitted record is published
 * with "duplicate": true (docs/upstream.md §7), and a youth.drug_sales
 * record is not published while its hold runs. No collector is needed: the
 * gateway spools and acks by itself. */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE /* openpty, cfmakeraw */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pty.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <zmq.h>

#include "linkutil.h"
#include "modem.h"
#include "radio.h"
#include "serial_frame.h"

#define DEV 0x5eedf00du

static const uint8_t dev_key[RADIO_KEY_LEN] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static int master = -1, slave = -1;
static pid_t gw = -1;
static void *zctx, *sub;

static int free_port(void)
{
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    int s = socket(AF_INET, SOCK_STREAM, 0), port;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(getsockname(s, (struct sockaddr *)&a, &al), 0);
    port = ntohs(a.sin_port);
    close(s);
    return port;
}

static void setup(void)
{
    char pub[41], feed[64], coll[64];
    struct termios tio;
    FILE *f;
    int i, zero = 0, wait_ms = 50;
    tdir_make();
    make_keys("collector", pub);
    make_keys("gw", pub);
    f = fopen(tpath("keys"), "w");
    cr_assert_not_null(f);
    fprintf(f, "%08x ", DEV);
    for (i = 0; i < RADIO_KEY_LEN; i++)
        fprintf(f, "%02x", dev_key[i]);
    fprintf(f, "\n");
    fclose(f);
    cr_assert_eq(chmod(tpath("keys"), 0600), 0);
    cr_assert_eq(openpty(&master, &slave, NULL, NULL, NULL), 0);
    cr_assert_eq(tcgetattr(slave, &tio), 0);
    cfmakeraw(&tio);
    cr_assert_eq(tcsetattr(slave, TCSANOW, &tio), 0);
    cr_assert_eq(symlink(ttyname(slave), tpath("modem")), 0);
    mkdir(tpath("state"), 0700);
    snprintf(feed, sizeof feed, "tcp://127.0.0.1:%d", free_port());
    snprintf(coll, sizeof coll, "tcp://127.0.0.1:%d", free_port());
    {
        char cpub[41];
        char err[256];
        cr_assert_eq(upstream_key_load_public(tpath("collector.pub"), cpub, err, sizeof err),
                     UPSTREAM_OK, "%s", err);
        gw = fork();
        cr_assert_geq(gw, 0);
        if (gw == 0) {
            int log = open(tpath("gateway.log"), O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (log >= 0) {
                dup2(log, 1);
                dup2(log, 2);
            }
            execl(LOFTE_GATEWAY_BIN, "lofte-gateway", "--port", tpath("modem"), "--keys",
                  tpath("keys"), "--station-id", "3", "--spool", tpath("state/spool.db"),
                  "--collector", coll, "--collector-public-key", cpub, "--secret-key-file",
                  tpath("gw.key"), "--state-dir", tpath("state"), "--feed", feed,
                  "--disk-min-free-mb", "0", (char *)NULL);
            _exit(127);
        }
    }
    zctx = zmq_ctx_new();
    sub = zmq_socket(zctx, ZMQ_SUB);
    zmq_setsockopt(sub, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(sub, ZMQ_RCVTIMEO, &wait_ms, sizeof wait_ms);
    cr_assert_eq(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "record", 6), 0);
    cr_assert_eq(zmq_connect(sub, feed), 0);
}

static void teardown(void)
{
    if (gw > 0) {
        kill(gw, SIGTERM);
        waitpid(gw, NULL, 0);
    }
    if (sub)
        zmq_close(sub);
    if (zctx)
        zmq_ctx_term(zctx);
    if (master >= 0)
        close(master);
    if (slave >= 0)
        close(slave);
    tdir_remove();
}

TestSuite(feed_daemon, .init = setup, .fini = teardown, .timeout = 40);

/* The modem's RX of one sealed uplink, as serial bytes on the pty. */
static void send_rx(uint32_t counter, const struct record *r)
{
    struct modem_msg m;
    uint8_t payload[MODEM_MSG_MAX], wire[SERIAL_WIRE_MAX];
    size_t flen, plen, wlen;
    memset(&m, 0, sizeof m);
    m.type = MODEM_RX;
    m.u.rx.rx_time_ms = (uint64_t)wall_ms();
    m.u.rx.freq_hz = 868100000u;
    m.u.rx.rssi_dBm = -90;
    m.u.rx.snr_qdB = 20;
    m.u.rx.sf = 9;
    m.u.rx.bw_kHz = 125;
    m.u.rx.cr = 5;
    cr_assert_eq(radio_uplink_seal(dev_key, DEV, counter, r, m.u.rx.frame, sizeof m.u.rx.frame,
                                   &flen), 0);
    m.u.rx.len = (uint8_t)flen;
    cr_assert_eq(modem_encode(&m, payload, sizeof payload, &plen), 0);
    cr_assert_eq(serial_frame_encode(payload, plen, wire, sizeof wire, &wlen), 0);
    cr_assert_eq(write(master, wire, wlen), (ssize_t)wlen);
}

/* Read what the gateway writes back (acks) so the pty never fills. */
static void drain_pty(void)
{
    uint8_t buf[512];
    int fl = fcntl(master, F_GETFL);
    fcntl(master, F_SETFL, fl | O_NONBLOCK);
    while (read(master, buf, sizeof buf) > 0)
        ;
    fcntl(master, F_SETFL, fl);
}

/* The next record message within ms, NUL-terminated in json; 0 if none. */
static int next_record(char *json, size_t cap, int ms)
{
    int64_t end = mono_now_ms() + ms;
    char topic[16];
    while (mono_now_ms() < end) {
        int tl = zmq_recv(sub, topic, sizeof topic - 1, 0), n;
        drain_pty();
        if (tl <= 0)
            continue;
        n = zmq_recv(sub, json, cap - 1, 0);
        if (n <= 0)
            continue;
        json[n < (int)cap ? n : (int)cap - 1] = 0;
        return 1;
    }
    return 0;
}

static struct record patrol(uint32_t counter)
{
    struct record r;
    memset(&r, 0, sizeof r);
    r.activity = ACT_PRESENCE_FOOT_PATROL;
    r.start_min = (uint32_t)((wall_ms() / 1000 - 1577836800LL) / 60) - counter;
    r.quantity = 2;
    r.duration_min = 45;
    r.zone = ZONE_SKOGHALL_CENTRE;
    r.actor = ACTOR_POLICE;
    r.cell = RECORD_CELL_NONE;
    return r;
}

/* PUB drops until our subscription has arrived: send new records until
 * one is heard; returns the next free counter. */
static uint32_t sync_feed(void)
{
    char json[1024];
    uint32_t c;
    for (c = 1; c < 80; c++) {
        struct record r = patrol(c);
        send_rx(c, &r);
        if (next_record(json, sizeof json, 150)) {
            while (next_record(json, sizeof json, 300))
                ; /* the rest of the first ones */
            return c + 1;
        }
    }
    cr_assert_fail("the feed published nothing");
    return 0;
}

Test(feed_daemon, publishes_a_retransmitted_record_as_a_duplicate)
{
    uint32_t c = sync_feed();
    struct record r = patrol(c);
    char json[1024];
    int dup = 0;
    send_rx(c, &r);
    cr_assert(next_record(json, sizeof json, 3000), "record %u not published", c);
    cr_assert(strstr(json, "\"duplicate\":false"), "%s", json);
    send_rx(c, &r); /* the device did not hear the ack: the same frame again */
    while (next_record(json, sizeof json, 1500))
        dup += strstr(json, "\"duplicate\":true") != NULL;
    cr_assert_eq(dup, 1, "the retransmission was not published as a duplicate");
}

Test(feed_daemon, holds_back_a_drug_sales_record_logged_a_minute_ago)
{
    uint32_t c = sync_feed();
    struct record drugs = patrol(c), r = patrol(c + 1);
    char json[1024];
    int later = 0;
    drugs.activity = ACT_YOUTH_DRUG_SALES;
    send_rx(c, &drugs);
    send_rx(c + 1, &r); /* a later record goes out; the drug-sales one does not */
    while (next_record(json, sizeof json, 1500)) {
        cr_assert_null(strstr(json, "youth.drug_sales"), "published during its hold: %s", json);
        later += strstr(json, "foot_patrol") != NULL;
    }
    cr_assert_eq(later, 1, "the record after it was not published");
}
