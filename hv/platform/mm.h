/* SPDX-License-Identifier: MIT */
/*
 * Physical page allocator over the memory the firmware left free.  One
 * bitmap (a bit per 4 KiB page, 1 = in use or not RAM), kept in the first
 * free region large enough to hold it.  Physical addresses are also the
 * hypervisor's virtual addresses (identity map), so callers may write
 * through the returned address directly.  Pages come back zeroed.
 */
#ifndef RV_MM_H
#define RV_MM_H

#include "abi/bootinfo.h"
#include "lib/types.h"

/*
 * Returns the number of free pages, 0 if nothing usable was found.  Only
 * memory below mapped_limit (what the hypervisor's page tables map,
 * paging_limit()) is ever handed out; mm_unmapped_bytes() says how much
 * free memory lies at or above it.
 */
u64 mm_init(const struct rv_mem_region *regions, u32 n, u64 mapped_limit);
/* n contiguous pages aligned to align_pages (a power of two); 0 = none. */
u64 mm_alloc_aligned(u64 n, u64 align_pages);
static inline u64 mm_alloc(u64 n) { return mm_alloc_aligned(n, 1); }
void mm_free(u64 pa, u64 n);
u64 mm_free_pages(void);
u64 mm_unmapped_bytes(void);

#endif
