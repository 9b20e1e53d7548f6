/* test_feed.c -- the live feed: its JSON, and a real PUB socket a SUB
 * socket can hear. */
#define _XOPEN_SOURCE 700
#include <zmq.h>

#include "feed.h"
#include "linkutil.h"

Test(feed, formats_a_record_with_names_units_and_its_reception)
{
    struct record r;
    struct spool_rx rx = rx_at(7, -97);
    char json[FEED_JSON_MAX];
    size_t len;
    memset(&r, 0, sizeof r);
    r.activity = ACT_ALCOHOL_SCREENING;
    r.result = 0;
    r.action = ACTION_NONE;
    r.side = SIDE_LICENCE_SEIZED | SIDE_SEIZURE;
    r.start_min = 2464920; /* 2024-09-07T18:00Z */
    r.quantity = 37;
    r.duration_min = 90;
    r.zone = ZONE_MAIN_ROADS;
    r.actor = ACTOR_POLICE;
    r.cell = 0x0A0B;
    r.operation = 0;
    cr_assert_eq(feed_record_json(json, sizeof json, &len, 1726345802000LL, 0x8c3d91f4u, 74565,
                                  &r, &rx, 0), FEED_OK);
    cr_assert_str_eq(json,
        "{\"type\":\"record\",\"time_ms\":1726345802000,\"device\":\"8c3d91f4\",\"counter\":74565,"
        "\"duplicate\":false,\"activity\":\"alcohol.screening\",\"category\":\"alcohol\","
        "\"result\":\"negative\",\"action\":\"none\",\"side\":[\"licence_seized\",\"seizure\"],"
        "\"clock_unset\":false,\"start_min\":2464920,\"start_utc\":\"2024-09-07T18:00Z\","
        "\"quantity\":37,\"duration_min\":90,\"zone\":\"main_roads\",\"actor\":\"police\","
        "\"cell\":2571,\"operation\":null,"
        "\"rx\":{\"time_ms\":1726345801234,\"freq_hz\":868100000,\"rssi_dBm\":-97,"
        "\"snr_dB\":-7.25,\"sf\":9,\"bw_kHz\":125,\"station\":7}}");
    cr_assert_eq(len, strlen(json));
}

Test(feed, gives_no_date_for_a_record_logged_without_a_clock)
{
    struct record r;
    char json[FEED_JSON_MAX];
    memset(&r, 0, sizeof r);
    r.activity = ACT_ADMIN_HEARTBEAT;
    r.clock_unset = 1;
    r.start_min = 12;
    r.oldest_unacked = 5;
    r.queue_depth = 3;
    r.cell = RECORD_CELL_NONE;
    cr_assert_eq(feed_record_json(json, sizeof json, NULL, 0, 1, 9, &r, NULL, 1), FEED_OK);
    cr_assert_neq(strstr(json, "\"start_utc\":null"), NULL, "%s", json);
    cr_assert_neq(strstr(json, "\"oldest_unacked\":5,\"queue_depth\":3"), NULL, "%s", json);
    cr_assert_neq(strstr(json, "\"duplicate\":true"), NULL);
    cr_assert_eq(strstr(json, "quantity"), NULL, "an admin record has no quantity");
}

Test(feed, escapes_quotes_and_control_characters_in_events)
{
    char json[FEED_JSON_MAX];
    cr_assert_eq(feed_event_json(json, sizeof json, NULL, 5, "upstream_refused",
                                 "a \"quoted\" \\ and\na newline"), FEED_OK);
    cr_assert_str_eq(json, "{\"type\":\"event\",\"time_ms\":5,\"event\":\"upstream_refused\","
                           "\"detail\":\"a \\\"quoted\\\" \\\\ and\\u000aa newline\"}");
}

Test(feed, says_so_when_the_json_does_not_fit)
{
    char json[16];
    cr_assert_eq(feed_event_json(json, sizeof json, NULL, 5, "upstream_connected", "x"),
                 FEED_ERR_BUFFER);
    cr_assert_eq(json[0], 0);
}

Test(feed, publishes_topic_and_json_frames_a_subscriber_receives)
{
    struct feed *f;
    char err[256], topic[16], json[FEED_JSON_MAX];
    void *ctx = zmq_ctx_new(), *sub = zmq_socket(ctx, ZMQ_SUB);
    int64_t deadline = mono_now_ms() + 5000;
    int got = -1, tl, zero = 0, wait_ms = 20;
    cr_assert_eq(feed_open(&f, "tcp://127.0.0.1:*", err, sizeof err), FEED_OK, "%s", err);
    zmq_setsockopt(sub, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(sub, ZMQ_RCVTIMEO, &wait_ms, sizeof wait_ms);
    cr_assert_eq(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, FEED_TOPIC_EVENT, strlen(FEED_TOPIC_EVENT)), 0);
    cr_assert_eq(zmq_connect(sub, feed_endpoint(f)), 0);
    /* PUB drops until the subscription has arrived: publish until heard */
    while (got < 0 && mono_now_ms() < deadline) {
        cr_assert_eq(feed_event(f, "intake_stopped", "spool disk full"), FEED_OK);
        tl = zmq_recv(sub, topic, sizeof topic - 1, 0);
        if (tl > 0) {
            topic[tl] = 0;
            got = zmq_recv(sub, json, sizeof json - 1, 0);
        }
    }
    cr_assert_gt(got, 0, "nothing received from the feed");
    json[got] = 0;
    cr_assert_str_eq(topic, "event");
    cr_assert_neq(strstr(json, "\"event\":\"intake_stopped\""), NULL, "%s", json);
    cr_assert_geq(feed_stats(f)->published, 1);
    zmq_close(sub);
    zmq_ctx_term(ctx);
    feed_close(f);
}

/* ---- the hold of youth.drug_sales (feed.h) ------------------------------ */

#define T0_MIN 2464920u                                   /* 2024-09-07T18:00Z */
#define T0_MS ((1577836800LL + (int64_t)T0_MIN * 60) * 1000)
#define HOUR_MS (3600LL * 1000)

static struct record drug_sales(uint32_t start_min)
{
    struct record r;
    memset(&r, 0, sizeof r);
    r.activity = ACT_YOUTH_DRUG_SALES;
    r.start_min = start_min;
    r.quantity = 2;
    r.duration_min = 30;
    r.zone = ZONE_MAIN_ROADS;
    r.actor = ACTOR_POLICE;
    r.cell = RECORD_CELL_NONE;
    return r;
}

static struct feed *open_feed(void)
{
    struct feed *f;
    char err[256];
    cr_assert_eq(feed_open(&f, "tcp://127.0.0.1:*", err, sizeof err), FEED_OK, "%s", err);
    return f;
}

Test(feed, publishes_a_drug_sales_record_only_after_its_hold_since_it_was_logged)
{
    struct feed *f = open_feed();
    struct record r = drug_sales(T0_MIN), other = rec_guard(3);
    struct spool_rx rx = rx_at(7, -97);
    /* it arrives ten minutes after it was logged (a device without delay) */
    cr_assert_eq(feed_record_at(f, T0_MS + HOUR_MS / 6, 1, 2, &r, &rx, 0), FEED_OK);
    cr_assert_eq(feed_stats(f)->published, 0, "published before its hold");
    cr_assert_eq(feed_stats(f)->held, 1);
    /* another record is not held, and does not release the first */
    cr_assert_eq(feed_record_at(f, T0_MS + HOUR_MS, 1, 3, &other, &rx, 0), FEED_OK);
    cr_assert_eq(feed_stats(f)->published, 1);
    feed_service(f, T0_MS + 6 * HOUR_MS - 1);
    cr_assert_eq(feed_stats(f)->published, 1, "published a millisecond early");
    feed_service(f, T0_MS + 6 * HOUR_MS);
    cr_assert_eq(feed_stats(f)->published, 2);
    cr_assert_eq(feed_stats(f)->held, 0);
    feed_close(f);
}

Test(feed, publishes_at_once_a_drug_sales_record_whose_hold_has_passed)
{
    struct feed *f = open_feed();
    struct record r = drug_sales(T0_MIN);
    cr_assert_eq(feed_record_at(f, T0_MS + 7 * HOUR_MS, 1, 2, &r, NULL, 1), FEED_OK);
    cr_assert_eq(feed_stats(f)->published, 1);
    cr_assert_eq(feed_stats(f)->held, 0);
    feed_close(f);
}

Test(feed, holds_an_undated_drug_sales_record_from_its_arrival)
{
    struct feed *f = open_feed();
    struct record r = drug_sales(12);
    r.clock_unset = 1; /* minutes since boot: no date to count from */
    cr_assert_eq(feed_record_at(f, T0_MS, 1, 2, &r, NULL, 0), FEED_OK);
    feed_service(f, T0_MS + 6 * HOUR_MS - 1);
    cr_assert_eq(feed_stats(f)->published, 0);
    feed_service(f, T0_MS + 6 * HOUR_MS);
    cr_assert_eq(feed_stats(f)->published, 1);
    feed_close(f);
}

Test(feed, drops_rather_than_publishes_early_when_too_many_are_held)
{
    struct feed *f = open_feed();
    struct record r = drug_sales(T0_MIN);
    uint32_t i;
    for (i = 0; i < FEED_HOLD_MAX + 3; i++)
        cr_assert_eq(feed_record_at(f, T0_MS, 1, i + 1, &r, NULL, 0), FEED_OK);
    cr_assert_eq(feed_stats(f)->published, 0);
    cr_assert_eq(feed_stats(f)->held, FEED_HOLD_MAX);
    cr_assert_eq(feed_stats(f)->hold_dropped, 3);
    feed_service(f, T0_MS + 6 * HOUR_MS);
    cr_assert_eq(feed_stats(f)->published, FEED_HOLD_MAX);
    feed_close(f);
}

Test(feed, holds_nothing_when_the_hold_is_set_to_zero)
{
    struct feed *f = open_feed();
    struct record r = drug_sales(T0_MIN);
    feed_set_hold(f, 0);
    cr_assert_eq(feed_record_at(f, T0_MS, 1, 2, &r, NULL, 0), FEED_OK);
    cr_assert_eq(feed_stats(f)->published, 1);
    feed_close(f);
}
