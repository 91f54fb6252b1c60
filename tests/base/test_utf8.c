#include <string.h>

#include "ktest.h"
#include "utf8.h"

int main(void)
{
    const char *s = "黄龙A";
    CHECK(utf8_valid("法律服务", strlen("法律服务")));
    CHECK(!utf8_valid("\xC0\xAF", 2));         /* overlong '/' */
    CHECK(!utf8_valid("\xED\xA0\x80", 3));     /* surrogate */
    CHECK(!utf8_valid("\xF4\x90\x80\x80", 4)); /* above U+10FFFF */
    CHECK(!utf8_valid("ab\0c", 4));            /* embedded NUL */
    CHECK(!utf8_valid("\xE9\xBB", 2));         /* truncated */
    CHECK(utf8_next(&s) == 0x9EC4);
    CHECK(utf8_next(&s) == 0x9F99);
    CHECK(utf8_next(&s) == 'A');
    CHECK(utf8_next(&s) == 0);
    CHECK(utf8_count("妈咪小屋") == 4);
    CHECK(utf8_prefix_bytes("妈咪小屋", 2) == 6);
    {
        char buf[4];
        CHECK(utf8_encode(0x1F600, buf) == 4);
        CHECK(utf8_encode(0xD800, buf) == 0);
    }
    return ktest_done("base_utf8");
}
