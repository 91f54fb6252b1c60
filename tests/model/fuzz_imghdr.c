/* libFuzzer target for imghdr: any bytes as an image file. The probe must
 * never read out of bounds, and a size it accepts is 1..2^30 on each side
 * with the format the first bytes say. Seeds (corpus_imghdr): tiny PNG,
 * JPEG and SVG files declaring 16000x16000 (issue 10), SVG tricks (nested
 * <svg>, <svg> in <defs>, '>' in a comment, no size), a real PNG. */
#include <stdint.h>
#include <stdlib.h>

#include "imghdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct imghdr ih;
    const char *why = NULL;
    enum kerr e = imghdr_probe(data, size, &ih, &why);
    if (e == KERR_OK) {
        if (ih.w < 1 || ih.h < 1 || ih.w > (1u << 30) || ih.h > (1u << 30)) abort();
        if (ih.format != imghdr_format_of(data, size) || ih.format == IMGHDR_UNKNOWN) abort();
    } else if (!why || ih.w || ih.h) {
        abort(); /* a refusal always says why and leaves no size */
    }
    return 0;
}
