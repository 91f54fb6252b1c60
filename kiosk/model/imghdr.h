/* imghdr: the pixel size an image will decode to, read from its header
 * without decoding. A 122-byte SVG declaring 16000x16000 decodes to 976 MB
 * and a 40-byte PNG header to the same: content validation asks imghdr first
 * and never hands such a file to SDL2_image. Formats: PNG (IHDR), JPEG (the
 * first SOF marker, segments walked with a bound), SVG (width, height and
 * viewBox of every <svg> element, read the way SDL2_image's nanosvg reads
 * them: 96 dpi, px/pt/pc/mm/cm/in). Anything else, or anything ambiguous,
 * is refused with a reason. Pure functions on a buffer; no state; any thread. */
#ifndef IMGHDR_H
#define IMGHDR_H

#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

enum imghdr_format { IMGHDR_UNKNOWN = 0, IMGHDR_PNG, IMGHDR_JPEG, IMGHDR_SVG };

struct imghdr {
    enum imghdr_format format;
    uint32_t w, h; /* pixels the decoder will allocate (an upper bound for SVG) */
};

/* Segments walked in a JPEG before its frame header; more is refused. */
#define IMGHDR_JPEG_MAX_SEGMENTS 1024
/* Attributes on one <svg> element; more is refused (nanosvg drops extras). */
#define IMGHDR_SVG_MAX_ATTRS 64

/* The format of buf by its first bytes (as content_load and SDL2_image tell
 * them apart): PNG signature, JPEG SOI + marker, or "<svg" / "<?xml" after
 * optional whitespace. IMGHDR_UNKNOWN otherwise. */
enum imghdr_format imghdr_format_of(const unsigned char *buf, size_t len);

/* Reads the size of the image held in buf[0..len) (the whole file: an SVG
 * is scanned to its end or first NUL, because nanosvg honours every <svg>
 * element, nested ones too). On KERR_OK *out has the format and a size of at
 * least 1x1. On failure *out is zeroed and *why (may be NULL) is a static
 * reason: KERR_INVALID (unknown format, no size in the header, a malformed
 * or ambiguous header, e.g. an SVG size in em, or neither width/height nor
 * viewBox), KERR_TOOBIG (a side over 2^30). Never reads outside buf. */
enum kerr imghdr_probe(const unsigned char *buf, size_t len, struct imghdr *out, const char **why);

/* The format's name: "PNG", "JPEG", "SVG" or "unknown". */
const char *imghdr_format_name(enum imghdr_format f);

#endif
