/* errbuf.h -- fill a caller's error buffer with a sentence.
 *
 * Host-side modules (gateway and collector) report failures as a code plus
 * a human sentence in a buffer the caller owns. This is the one helper that
 * writes such a sentence; errno is left as it was, since callers format
 * strerror(errno) and may still look at errno afterwards. */
#ifndef LOFTE_ERRBUF_H
#define LOFTE_ERRBUF_H

#include <stdarg.h>
#include <stddef.h>

#if defined(__GNUC__)
#define ERRBUF_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ERRBUF_PRINTF(f, a)
#endif

/* Write the sentence into err; nothing when err is NULL or errlen is 0. */
void errbuf_say(char *err, size_t errlen, const char *fmt, ...) ERRBUF_PRINTF(3, 4);

/* The same with a va_list, for wrappers. */
void errbuf_vsay(char *err, size_t errlen, const char *fmt, va_list ap);

/* The same, returning code: `return errbuf_fail(err, errlen, E, "...");` */
int errbuf_fail(char *err, size_t errlen, int code, const char *fmt, ...) ERRBUF_PRINTF(4, 5);

#endif
