/* errbuf.h -- fill a caller's error buffer and return a code, the one
 * idiom every analysis module uses: `return errbuf_fail(err, errlen,
 * EVAL_ERR_SQL, "cannot read %s: %s", what, sqlite3_errmsg(db));` */
#ifndef LOFTE_ERRBUF_H
#define LOFTE_ERRBUF_H

#include <stddef.h>

#if defined(__GNUC__)
#define ERRBUF_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ERRBUF_PRINTF(f, a)
#endif

/* Write the sentence into err (if err and errlen) and return code. */
int errbuf_fail(char *err, size_t errlen, int code, const char *fmt, ...) ERRBUF_PRINTF(4, 5);

#endif
