/* The full check (what `kiosk --check-content DIR` runs) accepts the default
 * bundle: exit 0 and a "valid" line; it is quick enough for start-up. */
#include <stdio.h>
#include <string.h>

#include "contentcheck.h"
#include "kclock.h"
#include "ktest.h"

int main(int argc, char **argv)
{
    FILE *out = tmpfile();
    char text[4096];
    size_t n;
    uint64_t t0;
    if (argc < 2 || !out) return 2;
    t0 = kclock_mono_ms();
    CHECK(content_check_dir(argv[1], NULL, out) == 0);
    printf("full check of the default bundle: %llu ms\n", (unsigned long long)(kclock_mono_ms() - t0));
    rewind(out);
    n = fread(text, 1, sizeof text - 1, out);
    text[n] = 0;
    fputs(text, stdout);
    CHECK(strstr(text, ": valid (version ") != NULL);
    CHECK(strstr(text, "content.json: ") == NULL); /* no problem lines */
    /* a missing font is reported, not crashed on */
    rewind(out);
    CHECK(content_check_dir(argv[1], "/nonexistent/font.ttf", out) == 1);
    fclose(out);
    return ktest_done("content_check_accepts_default_bundle");
}
