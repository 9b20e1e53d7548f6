/* errbuf.c -- see errbuf.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "errbuf.h"

void errbuf_vsay(char *err, size_t errlen, const char *fmt, va_list ap)
{
    int e = errno;
    if (err && errlen && vsnprintf(err, errlen, fmt, ap) < 0)
        err[0] = 0;
    errno = e;
}

void errbuf_say(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    errbuf_vsay(err, errlen, fmt, ap);
    va_end(ap);
}

int errbuf_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    errbuf_vsay(err, errlen, fmt, ap);
    va_end(ap);
    return code;
}
