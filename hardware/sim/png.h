/* png.h -- write a 1-bit framebuffer (board.h layout) as a PNG file.
 *
 * The chunks (signature, IHDR, IDAT, IEND, each with its CRC-32) are
 * written here, following the PNG specification (ISO/IEC 15948, W3C PNG
 * 2nd edition §5, §11.2); the IDAT's zlib stream comes from Debian's zlib
 * (compress2), whose crc32() also checks the chunks. libpng would do both,
 * but for one grayscale bit depth the chunks are thirty lines: not worth a
 * dependency. Bit depth 1, colour type 0 (grayscale): PNG's 0 is black, so
 * the panel's ink bits are inverted on the way out. Host code. */
#ifndef LOFTE_PNG_H
#define LOFTE_PNG_H

#include <stdint.h>

/* scale >= 1 magnifies each pixel (for documentation). Returns 0, or -1
 * with errno set (file) or EINVAL/ENOMEM. */
int png_write_mono(const char *path, const uint8_t *fb, int width, int height, int scale);

#endif
