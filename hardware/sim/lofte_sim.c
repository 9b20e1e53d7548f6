/* lofte_sim.c -- run a simulated Hammarö deployment (a thin main over
 * field.c). One table lists the options: it drives parsing and --help. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "field.h"
#include "version.h"

enum opt_kind { OPT_DATE, OPT_INT, OPT_PROB, OPT_PATH, OPT_FLAG };

struct opt {
    const char *name;
    enum opt_kind kind;
    const char *help;
};

static const struct opt opts[] = {
    {"from", OPT_DATE, "first day, YYYY-MM-DD (default 2023-01-01)"},
    {"to", OPT_DATE, "day after the last, YYYY-MM-DD (default 2024-10-01)"},
    {"devices", OPT_INT, "handhelds, 2..64; a third are guards' (default 6)"},
    {"seed", OPT_INT, "seed: same seed, same scenario and ground truth (default 1)"},
    {"loss", OPT_PROB, "uplink loss probability per receiver (default 0.05)"},
    {"bit-errors", OPT_PROB, "probability a frame gets flipped bits (default: channel's)"},
    {"bit-errors-pass", OPT_PROB, "of the frames with bit errors, the part the LoRa CRC misses"},
    {"duplicates", OPT_PROB, "probability a reception is delivered twice"},
    {"downlink-loss", OPT_PROB, "probability an ack is lost"},
    {"delay-ms", OPT_INT, "maximum modem latency in ms"},
    {"modem", OPT_PATH, "virtual modem symlink for a gateway (repeat for more); "
                        "none: in-process station"},
    {"modem-type", OPT_PATH, "the virtual modems' kind: lofte (default, docs/protocol.md "
                             "§7), rui3 or wio-e5 (AT emulators, docs/modems.md)"},
    {"gateway-wait-ms", OPT_INT, "real ms to wait for a gateway's ack per reception (200)"},
    {"day-ms", OPT_INT, "pace: at least this many real ms per simulated day (default 0)"},
    {"start-delay-ms", OPT_INT, "real ms to wait after opening the modems (a gateway starts)"},
    {"unplug-at", OPT_DATE, "pull the modems' USB plug at this day's local midnight "
                            "(a day of the run, with --modem; else refused)"},
    {"unplug-s", OPT_INT, "... and plug them back this many simulated seconds later (>= 1)"},
    {"truth", OPT_PATH, "write every logged record here (JSON Lines)"},
    {"keys", OPT_PATH, "write the devices' keys here for the gateway (mode 0600)"},
    {"via-ui", OPT_FLAG, "officers log through the handheld's keys (sensors/ui.h), not "
                         "handheld_log"},
    {"quiet", OPT_FLAG, "no progress lines"},
    {"help", OPT_FLAG, "this text"},
};
#define OPT_COUNT (sizeof opts / sizeof opts[0])

static void usage(FILE *out)
{
    size_t i;
    fprintf(out, "usage: lofte-sim [options]\n\nRuns handhelds with the real firmware in "
                 "simulated time over a Hammarö scenario.\n\n");
    for (i = 0; i < OPT_COUNT; i++)
        fprintf(out, "  --%-16s %s\n", opts[i].name, opts[i].help);
}

static uint32_t start_delay_ms;

static int parse_value(const struct opt *o, const char *arg, struct field_config *cfg,
                       FILE **truth, const char **truth_path, int *quiet)
{
    char *end;
    double p;
    long long v;
    switch (o->kind) {
    case OPT_DATE: {
        int64_t t;
        if (scenario_parse_date(arg, &t) != 0)
            return -1;
        if (!strcmp(o->name, "from"))
            cfg->from = t;
        else if (!strcmp(o->name, "to"))
            cfg->to = t;
        else
            cfg->unplug_at = t;
        return 0;
    }
    case OPT_INT:
        errno = 0;
        v = strtoll(arg, &end, 10);
        if (errno || *end || v < 0)
            return -1;
        if (!strcmp(o->name, "devices")) {
            if (v < 2 || v > FIELD_MAX_DEVICES)
                return -1;
            cfg->devices = (int)v;
        } else if (!strcmp(o->name, "seed")) {
            cfg->seed = (uint64_t)v;
        } else if (!strcmp(o->name, "delay-ms")) {
            cfg->channel.delay_max_ms = (uint32_t)v;
        } else if (!strcmp(o->name, "day-ms")) {
            cfg->day_real_ms = (uint32_t)v;
        } else if (!strcmp(o->name, "start-delay-ms")) {
            start_delay_ms = (uint32_t)v;
        } else if (!strcmp(o->name, "unplug-s")) {
            cfg->unplug_s = (uint32_t)v;
        } else {
            cfg->gateway_wait_ms = (uint32_t)v;
        }
        return 0;
    case OPT_PROB:
        errno = 0;
        p = strtod(arg, &end);
        if (errno || *end || p < 0 || p > 1)
            return -1;
        if (!strcmp(o->name, "loss"))
            cfg->uplink_loss = p;
        else if (!strcmp(o->name, "bit-errors"))
            cfg->channel.bit_error_p = p;
        else if (!strcmp(o->name, "bit-errors-pass"))
            cfg->channel.bit_error_pass_p = p;
        else if (!strcmp(o->name, "duplicates"))
            cfg->channel.dup_p = p;
        else
            cfg->channel.downlink_loss_p = p;
        return 0;
    case OPT_PATH:
        if (!strcmp(o->name, "modem-type")) {
            if (!strcmp(arg, "lofte"))
                cfg->modem_type = 0;
            else if (!strcmp(arg, "rui3"))
                cfg->modem_type = 1;
            else if (!strcmp(arg, "wio-e5"))
                cfg->modem_type = 2;
            else
                return -1;
        } else if (!strcmp(o->name, "modem")) {
            if (cfg->modems == FIELD_MAX_MODEMS)
                return -1;
            cfg->pty_link[cfg->modems++] = arg;
        } else if (!strcmp(o->name, "keys")) {
            cfg->keys_path = arg;
        } else {
            *truth_path = arg;
            *truth = fopen(arg, "w");
            if (!*truth)
                return -1;
        }
        return 0;
    case OPT_FLAG:
        if (!strcmp(o->name, "via-ui"))
            cfg->via_ui = 1;
        else
            *quiet = 1;
        return 0;
    }
    return -1;
}

int main(int argc, char **argv)
{
    struct option longopts[OPT_COUNT + 1];
    struct field_config cfg;
    static struct field f; /* large: keep it off the stack */
    FILE *truth = NULL;
    const char *truth_path = NULL;
    int quiet = 0, c, idx, rc;
    size_t i;

    if (version_requested(argc, argv, "lofte-sim"))
        return 0;
    field_config_default(&cfg);
    for (i = 0; i < OPT_COUNT; i++) {
        longopts[i].name = opts[i].name;
        longopts[i].has_arg = opts[i].kind == OPT_FLAG ? no_argument : required_argument;
        longopts[i].flag = NULL;
        longopts[i].val = 0;
    }
    memset(&longopts[OPT_COUNT], 0, sizeof longopts[0]);
    while ((c = getopt_long(argc, argv, "", longopts, &idx)) != -1) {
        if (c != 0) {
            usage(stderr);
            return 2;
        }
        if (!strcmp(opts[idx].name, "help")) {
            usage(stdout);
            return 0;
        }
        if (parse_value(&opts[idx], optarg, &cfg, &truth, &truth_path, &quiet) != 0) {
            fprintf(stderr, "lofte-sim: --%s %s: invalid value (%s)\n", opts[idx].name,
                    optarg ? optarg : "", opts[idx].help);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "lofte-sim: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    cfg.truth = truth;
    cfg.progress = quiet ? NULL : stderr;

    if (field_init(&f, &cfg) != 0) {
        fprintf(stderr, "lofte-sim: %s\n", f.err);
        return 1;
    }
    for (i = 0; i < (size_t)cfg.modems; i++)
        fprintf(stderr, "lofte-sim: modem %zu at %s -> %s\n", i, cfg.pty_link[i],
                cfg.modem_type ? f.at[i].slave_path : modem_pty_slave_path(&f.modem[i]));
    if (start_delay_ms) {
        field_wait_real(&f, start_delay_ms);
        f.real_start_ms += start_delay_ms;
    }
    rc = field_run(&f);
    {
        const struct channel_stats *cs = channel_stats(&f.ch, -1);
        fprintf(stderr,
                "lofte-sim: %llu records logged (%llu voids), %llu refused, %llu acknowledged; "
                "%llu uplinks, %llu lost, %llu collided, %llu corrupted; %llu acks delivered\n",
                (unsigned long long)f.logged, (unsigned long long)f.voids,
                (unsigned long long)f.refused, (unsigned long long)field_acknowledged(&f),
                (unsigned long long)cs->sent, (unsigned long long)cs->lost,
                (unsigned long long)cs->collided,
                (unsigned long long)(cs->corrupted_dropped + cs->corrupted_passed),
                (unsigned long long)cs->downlinks_delivered);
    }
    if (cfg.via_ui)
        fprintf(stderr, "lofte-sim: via the interface: %llu key presses, %llu events not "
                        "expressible on one device (field_ui.c)\n",
                (unsigned long long)f.ui_presses, (unsigned long long)f.ui_skipped);
    if (rc != 0)
        fprintf(stderr, "lofte-sim: %s\n", f.err);
    if (truth && fclose(truth) != 0) {
        fprintf(stderr, "lofte-sim: writing %s failed\n", truth_path);
        rc = -1;
    }
    field_free(&f);
    return rc == 0 ? 0 : 1;
}
