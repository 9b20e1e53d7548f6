/* sim_station.h -- the in-process station of the simulators: what
 * lofte-gateway does with one uplink (gateway/station.c: verify, hold,
 * heartbeat floor, ack), without the spool, answering over the simulated
 * channel. lofte-sim's in-process mode and lofte-handheld share it, so the
 * two cannot drift from each other or from docs/protocol.md §3.1. */
#ifndef LOFTE_SIM_STATION_H
#define LOFTE_SIM_STATION_H

#include <stddef.h>
#include <stdint.h>

#include "channel.h"
#include "station.h"

/* Called for a NEW frame before it is held: nonzero means "not stored", so
 * it is neither held nor acked and the device sends it again. */
typedef int (*sim_station_store_fn)(void *ctx, const struct station_device *d, uint32_t counter,
                                    const struct record *rec);

/* Answer one uplink heard by channel receiver rx. Returns station_open's
 * verdict (STATION_NEW, STATION_DUPLICATE) or its negative reason; the ack
 * goes out at the §3.1 second on the downlink channel at 125 kHz. */
int sim_station_rx(struct station *st, struct channel *ch, int rx, const uint8_t *frame,
                   size_t len, const struct channel_rx_meta *meta, sim_station_store_fn store,
                   void *ctx);

#endif
