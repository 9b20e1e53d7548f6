/* statefile.h -- a small file in a state directory, replaced atomically.
 *
 * Both daemons publish their status this way (gateway/status.c,
 * collector/cstatus.c): write a temporary, then rename it over the file,
 * so a reader never sees half of one. The temporary is created, never
 * opened: O_EXCL fails on anything already there and O_NOFOLLOW on a
 * symlink, so a link planted under the temporary name cannot make the
 * daemon write (or truncate) its target. A leftover (a crash between
 * create and rename, or such a link) is removed -- unlink removes a link
 * itself, not what it points to -- and the create tried once more. Mode
 * 0640: the service's group may read it, others not.
 */
#ifndef LOFTE_STATEFILE_H
#define LOFTE_STATEFILE_H

#include <stddef.h>
#include <stdio.h>

/* Create DIR/.NAME.tmp (its path into tmp) for writing; NULL with errno. */
FILE *statefile_open_tmp(const char *dir, const char *name, char *tmp, size_t cap);
/* Close f and rename the temporary to DIR/NAME; -1 (temporary removed) if
 * any write or the close failed. */
int statefile_publish(FILE *f, const char *tmp, const char *dir, const char *name);

#endif
