/* libFuzzer target for the content loader: any bytes as content.json. The
 * loader must return either a whole bundle or an error with a report, never
 * crash, leak or read out of bounds. Images are not touched (dir NULL). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct content_report rep;
    struct content *c = NULL;
    enum kerr e;
    if (size > 1u << 20) return 0;
    content_report_init(&rep);
    e = content_load_mem((const char *)data, size, NULL, &c, &rep);
    if (e == KERR_OK) {
        const struct content_notice *n[4];
        char buf[128];
        if (!c) abort();
        content_current_notices(c, 1795579200LL, n, 4);
        for (size_t i = 0; i < c->n_services; i++) {
            content_place_format(c, &c->services[i].place, CONTENT_EN, buf, sizeof buf);
            if (!content_category(c, c->services[i].category_id)) abort(); /* refs resolve */
        }
        content_free(c);
    } else {
        if (c || rep.count == 0) abort(); /* an error always says why */
    }
    return 0;
}
