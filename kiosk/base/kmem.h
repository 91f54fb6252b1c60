/* kmem: memory placement hints. Best effort, any thread; nothing is kept
 * between calls. */
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

/* The same for the heap (the [heap] line of /proc/self/maps): after a
 * warm-up filled it with what frames read (text masks, glyphs, tables).
 * False when the heap was not found or the kernel said no. */
bool kmem_heap_huge_pages(void);

#endif
