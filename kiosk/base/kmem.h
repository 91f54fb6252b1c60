/* kmem: memory placement hints. */
#ifndef KMEM_H
#define KMEM_H

#include <stdbool.h>
#include <stddef.h>

/* Asks the kernel to back the whole 2 MB pages inside [p, p + n) with
 * transparent huge pages, now (MADV_HUGEPAGE, then MADV_COLLAPSE on Linux
 * 6.1+). After the kiosk slept between two taps, every 4 KB page a frame
 * touches costs a page walk, and on a VM that made memory-heavy frames
 * several times slower. Best effort: false when nothing was asked or the
 * kernel said no (no THP, an old kernel, not Linux); nothing else changes. */
bool kmem_huge_pages(void *p, size_t n);

#endif
