/* proto_err.c -- sentences and names for enum proto_err. */
#include "proto_err.h"

static const struct {
    const char *name;
    const char *sentence;
} proto_err_table[PROTO_ERR_COUNT] = {
    {"ok", "no error"},
    {"truncated", "input is shorter than the format requires"},
    {"too_long", "input is longer than the format allows"},
    {"bad_version", "unsupported format version"},
    {"bad_type", "unknown frame or message type"},
    {"bad_crc", "CRC-16 check failed"},
    {"bad_cobs", "malformed COBS encoding"},
    {"bad_tag", "authentication tag does not verify (forged, corrupted or wrong key)"},
    {"unknown_activity", "unknown activity code"},
    {"out_of_range", "a field holds a value outside its range"},
    {"reserved", "a reserved bit is set"},
    {"buffer", "output buffer too small"},
    {"crypto", "cipher setup failed"},
    {"stale", "the full counter given does not match the 16 bits in the frame header"},
};

static int proto_err_index(int err)
{
    if (err > 0 || err <= -PROTO_ERR_COUNT)
        return -1;
    return -err;
}

const char *proto_strerror(int err)
{
    int i = proto_err_index(err);
    return i < 0 ? "unknown error code" : proto_err_table[i].sentence;
}

const char *proto_errname(int err)
{
    int i = proto_err_index(err);
    return i < 0 ? "unknown" : proto_err_table[i].name;
}
