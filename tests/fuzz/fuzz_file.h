/* fuzz_file.h -- the fuzz input as a file, for parsers that read a path
 * (the gateway config, the key files, the allowed-gateways file).
 *
 * One file per process, mode 0600 (the key-file readers refuse anything
 * group- or world-accessible, which would hide every other path), on
 * /dev/shm when it exists so an iteration costs no disk write. It is
 * rewritten in place for each input and removed at exit.
 */
#ifndef LOFTE_FUZZ_FILE_H
#define LOFTE_FUZZ_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Write data to this process's file and return its path; aborts (a
 * harness fault, not a finding) when the file cannot be written. */
const char *fuzz_file_write(const char *target, const uint8_t *data, size_t size);

#endif
