/* make_file_seeds.c -- seeds for the fuzz targets that read files: the
 * gateway config, the device key file, the allowed-gateways file, the
 * CURVE key file, and the ZAP requests.
 *
 * usage: fuzz_make_file_seeds DIR     (DIR/fuzz_<target>/ must exist)
 *
 * Written with the programs' own writers where there is one
 * (keystore_format_line as lofte-keygen, upstream_key_generate as
 * lofte-curve-keygen), so the seeds follow the formats when they change;
 * the config seeds are the gateway README's example and its error cases.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "fuzz_curve_fixture.h"
#include "keystore.h"
#include "upstream.h"

static const char *out_dir;

static void seed(const char *target, const char *name, const void *b, size_t n)
{
    char path[1024];
    FILE *f;
    snprintf(path, sizeof path, "%s/fuzz_%s/%s", out_dir, target, name);
    f = fopen(path, "wb");
    if (!f || (n > 0 && fwrite(b, 1, n, f) != n) || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static void text_seed(const char *target, const char *name, const char *text)
{
    seed(target, name, text, strlen(text));
}

static void config_seeds(void)
{
    text_seed("gateway_config", "full.ini",
              "; the gateway README's example\n"
              "[serial]\n"
              "port = /dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K1234-if00-port0\n"
              "baud = 115200            ; 1200..4000000, a standard rate\n"
              "flow = none              ; none | rtscts | xonxoff\n"
              "port_driver = auto\n\n"
              "[gateway]\n"
              "station_id = 7\n"
              "keys = /etc/lofte/keys\n"
              "spool = /var/lib/lofte/spool.db\n"
              "state_dir = /var/lib/lofte\n"
              "log_level = info\n"
              "disk_min_free_mb = 100\n\n"
              "[collector]\n"
              "collector = tcp://collector:7710\n"
              "collector_public_key = rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7\n"
              "secret_key_file = /etc/lofte/gateway.key\n"
              "feed =                   ; e.g. tcp://127.0.0.1:7711\n\n"
              "[radio]\n"
              "ack_sf = 0\n"
              "downlink_freq_hz = 869525000\n"
              "downlink_power_dBm = 14\n");
    text_seed("gateway_config", "errors.ini",
              "baud = 9600\n[serial]\nbawd = 1\nport /dev/x\nport = /a # b\n  rtscts\n"
              "[radios]\nack_sf = 5\n[gateway\nstation_id = 0\nstation_id = 70000\r\n"
              "\xEF\xBB\xBF[collector]\ncollector = ipc://\n");
    {
        static const char nul[] = "[serial]\nport = /dev/tty\0USB0\n";
        seed("gateway_config", "nul.ini", nul, sizeof nul - 1);
    }
}

static void keystore_seeds(void)
{
    static const uint8_t k1[KEYSTORE_KEY_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
                                                 15, 16};
    static const uint8_t k2[KEYSTORE_KEY_LEN] = {0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88,
                                                 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0};
    char text[1024];
    size_t n = 0;
    n += (size_t)snprintf(text, sizeof text, "# lofte device keys: <device> <key>\n\n");
    n += (size_t)keystore_format_line(0x8c3d91f4u, k1, text + n, sizeof text - n);
    n += (size_t)keystore_format_line(0x00000001u, k2, text + n, sizeof text - n);
    n += (size_t)snprintf(text + n, sizeof text - n, "   # indented comment\n");
    n += (size_t)keystore_format_line(0xfffffffeu, k1, text + n, sizeof text - n);
    seed("keystore", "three", text, n);
    text_seed("keystore", "broken", "8c3d91f4 000102030405060708090a0b0c0d0e0f # ok\n"
                                    "8C3D91F4\t000102030405060708090A0B0C0D0E0F\n"
                                    "ffffffff 000102030405060708090a0b0c0d0e0f\n"
                                    "12345678 0001020304050607\n");
}

static void allowed_seeds(void)
{
    char text[1024], z85[41];
    size_t n = 0, i;
    n += (size_t)snprintf(text, sizeof text, "# allowed-gateways: <Z85 public key> <name>\n");
    for (i = 0; i < FUZZ_GATEWAYS; i++) {
        zmq_z85_encode(z85, fuzz_gateway_key[i], 32);
        n += (size_t)snprintf(text + n, sizeof text - n, "%s%s %s\n", i ? "\t" : "", z85,
                              fuzz_gateway_name[i]);
    }
    seed("allowed_gateways", "two", text, n);
    zmq_z85_encode(z85, fuzz_gateway_key[0], 32);
    n = (size_t)snprintf(text, sizeof text, "%s station-1\r\n%s station-2\n%s\n", z85, z85, z85);
    seed("allowed_gateways", "broken", text, n);
}

static void curve_seeds(void)
{
    char base[1024], pub[UPSTREAM_Z85_LEN + 1], err[512];
    snprintf(base, sizeof base, "%s/fuzz_curve_key/pair", out_dir);
    if (upstream_key_generate(base, pub, err, sizeof err) != UPSTREAM_OK) {
        fprintf(stderr, "make_file_seeds: %s\n", err);
        exit(1);
    }
    text_seed("curve_key", "mismatch",
              "public-key = rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7\n"
              "secret-key = JTKVSB%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6\n");
}

/* A ZAP request: frames as length byte + bytes (fuzz_zap.c). */
static size_t put_frame(uint8_t *out, size_t at, const void *b, size_t n)
{
    out[at++] = (uint8_t)n;
    memcpy(out + at, b, n);
    return at + n;
}

static void zap_seeds(void)
{
    uint8_t req[512];
    uint8_t other[32];
    size_t at;
    int i;
    for (i = 0; i < 3; i++) {
        at = 0;
        at = put_frame(req, at, "1.0", 3);
        at = put_frame(req, at, "7", 1);
        at = put_frame(req, at, "", 0);
        at = put_frame(req, at, "192.0.2.7", 9);
        at = put_frame(req, at, "", 0);
        at = put_frame(req, at, i == 2 ? "PLAIN" : "CURVE", 5);
        memset(other, 0x42, sizeof other);
        at = put_frame(req, at, i < 2 ? fuzz_gateway_key[i] : other, 32);
        seed("zap", i == 0 ? "allowed" : i == 1 ? "allowed_2" : "plain", req, at);
    }
    at = put_frame(req, 0, "1.0", 3);
    seed("zap", "one_frame", req, at);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    out_dir = argv[1];
    config_seeds();
    keystore_seeds();
    allowed_seeds();
    curve_seeds();
    zap_seeds();
    return 0;
}
