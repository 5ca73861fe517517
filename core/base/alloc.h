/*
 * alloc — an array on the heap whose size is checked for overflow.
 */
#ifndef BASIN_ALLOC_H
#define BASIN_ALLOC_H

#include <stdint.h>
#include <stdlib.h>

/* malloc of n elements of elem bytes, at least one (so NULL always means a
   failure): NULL when n × elem overflows size_t or memory runs out. free() it. */
static inline void *alloc_array(uint64_t n, size_t elem)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / elem)
        return NULL;
    return malloc((size_t)n * elem);
}

#endif
