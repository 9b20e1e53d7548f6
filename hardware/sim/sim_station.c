/* sim_station.c -- see sim_station.h. */
#include "sim_station.h"

#define SIM_STATION_DOWNLINK_FREQ_HZ 869525000u /* docs/protocol.md §3.1 */
#define SIM_STATION_DOWNLINK_DBM 14

int sim_station_rx(struct station *st, struct channel *ch, int rx, const uint8_t *frame,
                   size_t len, const struct channel_rx_meta *meta, sim_station_store_fn store,
                   void *ctx)
{
    struct station_device *d;
    struct record rec;
    uint32_t counter;
    uint8_t ack[RADIO_ACK_LEN];
    size_t an;
    int64_t start_s;
    struct board_radio_params p;
    int v = station_open(st, frame, len, &d, &counter, &rec);

    if (v < 0)
        return v;
    if (v == STATION_NEW) {
        if (store && store(ctx, d, counter, &rec) != 0)
            return v; /* not stored: not held, not acked; the device resends */
        station_mark_held(d, counter);
        station_heartbeat(d, counter, &rec);
    }
    if (station_make_ack(st, d, station_ack_second((int64_t)meta->end_ms), ack, sizeof ack, &an,
                         &start_s) != 0)
        return v;
    p.freq_hz = SIM_STATION_DOWNLINK_FREQ_HZ;
    p.sf = meta->sf;
    p.bw_kHz = STATION_DOWNLINK_BW_KHZ; /* whatever the uplink's bandwidth */
    p.power_dBm = SIM_STATION_DOWNLINK_DBM;
    channel_downlink(ch, rx, ack, an, &p, (uint64_t)start_s * 1000u, NULL);
    return v;
}
