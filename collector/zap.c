/* zap.c -- allowed-gateways file and ZAP handler (see zap.h).
 *
 * Design note. A ZAP request (RFC 27) is a multipart message on a REP
 * socket: version "1.0", request id, domain, address, routing id,
 * mechanism, then the mechanism's credentials (for CURVE: the client's
 * 32-byte public key). The reply is version, request id, status code,
 * status text, user id, metadata. Every request gets exactly one reply,
 * also a malformed one, or the REP socket would wait for ever and no
 * gateway could connect again.
 */
#define _POSIX_C_SOURCE 200809L /* fstat on fileno, strdup-free parsing */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#include "clog.h"
#include "upstream.h"
#include "zap.h"

#define ZAP_MAX_FRAMES 8   /* 6 envelope frames + 1 credential (+1 to detect excess) */

struct zap {
    void *sock;
    const struct zap_allowed *allowed;
    struct zap_stats stats;
};

const char *zap_strerror(int err)
{
    switch (err) {
    case ZAP_OK: return "success";
    case ZAP_ERR_FILE: return "cannot read the allowed-gateways file";
    case ZAP_ERR_SYNTAX: return "malformed line in the allowed-gateways file";
    case ZAP_ERR_DUPLICATE: return "a key or name is listed twice";
    case ZAP_ERR_MODE: return "the allowed-gateways file is writable by others";
    case ZAP_ERR_ZMQ: return "cannot start the ZAP handler";
    default: return "unknown ZAP error";
    }
}

static int zap_name_ok(const char *s, size_t n)
{
    size_t i;
    if (n == 0 || n > ZAP_NAME_MAX)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

int zap_allowed_load(const char *path, struct zap_allowed *out, char *err, size_t errlen)
{
    char *line = NULL;
    size_t linecap = 0;
    ssize_t len;
    struct stat st;
    size_t cap = 0, lineno = 0, i;
    int rc = ZAP_OK;
    FILE *f;

    out->gw = NULL;
    out->count = 0;
    f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open allowed-gateways file %s: %s", path, strerror(errno));
        return ZAP_ERR_FILE;
    }
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & S_IWOTH)) {
        snprintf(err, errlen, "allowed-gateways file %s is writable by any user (mode %04o): "
                 "anyone could add a gateway; refusing it", path, (unsigned)(st.st_mode & 07777));
        fclose(f);
        return ZAP_ERR_MODE;
    }
    /* getline, not fgets: it says how long the line is, so a NUL byte is
     * an error here instead of silently ending the line (fuzz_allowed_gateways
     * found "<key> name\0<more>" accepted as "name") */
    while (rc == ZAP_OK && (len = getline(&line, &linecap, f)) >= 0) {
        char *p = line, *key, *name, *end;
        struct zap_gateway *g;
        lineno++;
        if (memchr(line, 0, (size_t)len)) {
            snprintf(err, errlen, "%s:%zu: a NUL byte in the line (not a text file?)", path,
                     lineno);
            rc = ZAP_ERR_SYNTAX;
            break;
        }
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' || *p == '\n' || *p == '\r' || *p == 0)
            continue;
        key = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            p++;
        if (*p)
            *p++ = 0;
        while (*p == ' ' || *p == '\t')
            p++;
        name = p;
        end = name + strlen(name);
        while (end > name && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' ||
                              end[-1] == '\t'))
            *--end = 0;
        if (!upstream_key_valid(key) || !zap_name_ok(name, (size_t)(end - name))) {
            snprintf(err, errlen, "%s:%zu: expected \"<40-character Z85 public key> <name>\" "
                     "(name: 1..%d of A-Z a-z 0-9 . _ -)", path, lineno, ZAP_NAME_MAX);
            rc = ZAP_ERR_SYNTAX;
            break;
        }
        if (out->count == cap) {
            size_t ncap = cap ? 2 * cap : 16;
            struct zap_gateway *ng = realloc(out->gw, ncap * sizeof *ng);
            if (!ng) {
                snprintf(err, errlen, "%s: out of memory", path);
                rc = ZAP_ERR_FILE;
                break;
            }
            out->gw = ng;
            cap = ncap;
        }
        g = &out->gw[out->count];
        memset(g, 0, sizeof *g);
        memcpy(g->public_z85, key, UPSTREAM_Z85_LEN);
        memcpy(g->name, name, (size_t)(end - name));
        if (!zmq_z85_decode(g->key, g->public_z85)) {
            snprintf(err, errlen, "%s:%zu: the key is not valid Z85", path, lineno);
            rc = ZAP_ERR_SYNTAX;
            break;
        }
        for (i = 0; i < out->count; i++) {
            if (memcmp(out->gw[i].key, g->key, ZAP_KEY_LEN) == 0 ||
                strcmp(out->gw[i].name, g->name) == 0) {
                snprintf(err, errlen, "%s:%zu: key or name \"%s\" already listed on an "
                         "earlier line", path, lineno, g->name);
                rc = ZAP_ERR_DUPLICATE;
                break;
            }
        }
        if (rc == ZAP_OK)
            out->count++;
    }
    if (rc == ZAP_OK && ferror(f)) {
        snprintf(err, errlen, "cannot read allowed-gateways file %s: %s", path, strerror(errno));
        rc = ZAP_ERR_FILE;
    }
    free(line);
    fclose(f);
    if (rc != ZAP_OK)
        zap_allowed_free(out);
    return rc;
}

void zap_allowed_free(struct zap_allowed *a)
{
    free(a->gw);
    a->gw = NULL;
    a->count = 0;
}

const struct zap_gateway *zap_allowed_by_key(const struct zap_allowed *a,
                                             const uint8_t key[ZAP_KEY_LEN])
{
    size_t i;
    for (i = 0; i < a->count; i++)
        if (memcmp(a->gw[i].key, key, ZAP_KEY_LEN) == 0)
            return &a->gw[i];
    return NULL;
}

const struct zap_gateway *zap_allowed_by_name(const struct zap_allowed *a, const char *name)
{
    size_t i;
    if (!name)
        return NULL;
    for (i = 0; i < a->count; i++)
        if (strcmp(a->gw[i].name, name) == 0)
            return &a->gw[i];
    return NULL;
}

int zap_open(struct zap **out, void *zmq_ctx, const struct zap_allowed *allowed,
             char *err, size_t errlen)
{
    struct zap *z = calloc(1, sizeof *z);
    int zero = 0;
    *out = NULL;
    if (!z) {
        snprintf(err, errlen, "ZAP handler: out of memory");
        return ZAP_ERR_ZMQ;
    }
    z->allowed = allowed;
    z->sock = zmq_socket(zmq_ctx, ZMQ_REP);
    if (!z->sock || zmq_setsockopt(z->sock, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_bind(z->sock, ZAP_ENDPOINT) != 0) {
        snprintf(err, errlen, "cannot bind the ZAP handler at %s: %s", ZAP_ENDPOINT,
                 zmq_strerror(zmq_errno()));
        zap_close(z);
        return ZAP_ERR_ZMQ;
    }
    *out = z;
    return ZAP_OK;
}

void zap_close(struct zap *z)
{
    if (!z)
        return;
    if (z->sock)
        zmq_close(z->sock);
    free(z);
}

void *zap_socket(struct zap *z)
{
    return z->sock;
}

const struct zap_stats *zap_stats(const struct zap *z)
{
    return &z->stats;
}

static void zap_reply(struct zap *z, const void *reqid, size_t reqid_len, const char *code,
                      const char *text, const char *user)
{
    zmq_send(z->sock, "1.0", 3, ZMQ_SNDMORE);
    zmq_send(z->sock, reqid, reqid_len, ZMQ_SNDMORE);
    zmq_send(z->sock, code, strlen(code), ZMQ_SNDMORE);
    zmq_send(z->sock, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(z->sock, user, strlen(user), ZMQ_SNDMORE);
    zmq_send(z->sock, "", 0, 0); /* metadata: none */
}

/* Read one request (all its frames) and answer it. 0: none pending. */
static int zap_one(struct zap *z)
{
    zmq_msg_t f[ZAP_MAX_FRAMES];
    size_t n = 0, i, ms;
    int more = 1, got;
    char addr[64] = "?", keytxt[41] = "?";
    const struct zap_gateway *g = NULL;

    while (more) {
        zmq_msg_t scratch, *m = n < ZAP_MAX_FRAMES ? &f[n] : &scratch;
        zmq_msg_init(m);
        got = zmq_msg_recv(m, z->sock, n == 0 ? ZMQ_DONTWAIT : 0);
        if (got < 0) {
            zmq_msg_close(m);
            if (n == 0)
                return 0;
            break;
        }
        ms = sizeof more;
        zmq_getsockopt(z->sock, ZMQ_RCVMORE, &more, &ms);
        if (m == &scratch)
            zmq_msg_close(m);
        n++;
    }
    if (n > ZAP_MAX_FRAMES)
        n = ZAP_MAX_FRAMES + 1; /* marks "too many" below; only f[0..MAX) exist */

#define FRAME_IS(i, s) (zmq_msg_size(&f[i]) == strlen(s) && \
                        memcmp(zmq_msg_data(&f[i]), (s), strlen(s)) == 0)
    if (n != 7 || !FRAME_IS(0, "1.0")) {
        z->stats.malformed++;
        clog_msg(CLOG_WARN, "zap: malformed authentication request (%zu frames); refused", n);
        if (n >= 2)
            zap_reply(z, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), "400", "malformed", "");
        else
            zap_reply(z, "", 0, "400", "malformed", "");
    } else {
        size_t al = zmq_msg_size(&f[3]) < sizeof addr - 1 ? zmq_msg_size(&f[3]) : sizeof addr - 1;
        memcpy(addr, zmq_msg_data(&f[3]), al);
        addr[al] = 0;
        if (FRAME_IS(5, "CURVE") && zmq_msg_size(&f[6]) == ZAP_KEY_LEN) {
            zmq_z85_encode(keytxt, zmq_msg_data(&f[6]), ZAP_KEY_LEN);
            g = zap_allowed_by_key(z->allowed, zmq_msg_data(&f[6]));
        }
        if (g) {
            z->stats.allowed++;
            clog_msg(CLOG_INFO, "zap: gateway %s authenticated from %s", g->name, addr);
            zap_reply(z, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), "200", "OK", g->name);
        } else {
            z->stats.denied++;
            /* a public key is no secret: logging it lets the operator add it */
            clog_msg(CLOG_WARN, "zap: refused a client from %s with public key %s: "
                 "not in the allowed-gateways file", addr, keytxt);
            zap_reply(z, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), "400",
                      "gateway key not allowed", "");
        }
    }
#undef FRAME_IS
    for (i = 0; i < n && i < ZAP_MAX_FRAMES; i++)
        zmq_msg_close(&f[i]);
    return 1;
}

int zap_handle(struct zap *z)
{
    int handled = 0;
    while (zap_one(z))
        handled++;
    return handled;
}
