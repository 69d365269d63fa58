// SPDX-License-Identifier: MIT
#include "platform/mm.h"
#include "lib/lib.h"
#include "platform/panic.h"
#include "lib/spinlock.h"

/* All owned by this file; mm_lock guards the bitmap and the counters. */
static struct spinlock mm_lock;
static u64 *bitmap;
static u64 first_pfn, nr_pfns, nr_free;
static u64 limit;      /* first address the hypervisor does not map */
static u64 unmapped;   /* free bytes at or above limit, never handed out */

#define LOW_LIMIT 0x100000ull /* never hand out memory below 1 MiB */

static bool test_bit(u64 i) { return bitmap[i / 64] & BIT(i % 64); }
static void set_bits(u64 i, u64 n, bool used)
{
	for (; n; n--, i++) {
		if (used)
			bitmap[i / 64] |= BIT(i % 64);
		else
			bitmap[i / 64] &= ~BIT(i % 64);
	}
}

/*
 * The part of a free region the allocator may hand out: page aligned,
 * above 1 MiB and below the end of the hypervisor's identity map (memory
 * beyond it would page-fault on the first touch, which is the allocator's
 * own memset).
 */
static bool usable(const struct rv_mem_region *r, u64 *lo, u64 *hi)
{
	if (r->type != RV_MEM_FREE)
		return false;
	*lo = ALIGN_UP(MAX(r->base, LOW_LIMIT), PAGE_SIZE);
	*hi = MIN((r->base + r->size) & PAGE_MASK, limit);
	return *hi > *lo;
}

/* Free bytes of a region at or above the mapped limit. */
static u64 beyond_limit(const struct rv_mem_region *r)
{
	u64 lo = ALIGN_UP(MAX(MAX(r->base, LOW_LIMIT), limit), PAGE_SIZE);
	u64 hi = (r->base + r->size) & PAGE_MASK;

	return r->type == RV_MEM_FREE && hi > lo ? hi - lo : 0;
}

u64 mm_init(const struct rv_mem_region *regions, u32 n, u64 mapped_limit)
{
	u64 lo, hi, min = ~0ull, max = 0;

	limit = mapped_limit & PAGE_MASK;
	unmapped = 0;
	for (u32 i = 0; i < n; i++) {
		unmapped += beyond_limit(&regions[i]);
		if (usable(&regions[i], &lo, &hi))
			min = MIN(min, lo), max = MAX(max, hi);
	}
	if (max == 0)
		return 0;
	first_pfn = min >> PAGE_SHIFT;
	nr_pfns = (max >> PAGE_SHIFT) - first_pfn;
	u64 bm_bytes = ALIGN_UP((nr_pfns + 63) / 64 * 8, PAGE_SIZE);

	/* Put the bitmap at the start of the first region that can hold it. */
	bitmap = NULL;
	for (u32 i = 0; i < n && !bitmap; i++)
		if (usable(&regions[i], &lo, &hi) && hi - lo >= bm_bytes)
			bitmap = (u64 *)lo;
	if (!bitmap)
		return 0;
	memset(bitmap, 0xff, bm_bytes); /* everything used ... */
	nr_free = 0;
	for (u32 i = 0; i < n; i++) {   /* ... but the free regions */
		if (!usable(&regions[i], &lo, &hi))
			continue;
		set_bits((lo >> PAGE_SHIFT) - first_pfn, (hi - lo) >> PAGE_SHIFT, false);
	}
	/* Count after marking, so overlapping firmware entries count once. */
	for (u64 p = 0; p < nr_pfns; p++)
		nr_free += !test_bit(p);
	u64 bm_first = ((u64)bitmap >> PAGE_SHIFT) - first_pfn;
	for (u64 p = bm_first; p < bm_first + bm_bytes / PAGE_SIZE; p++)
		if (!test_bit(p))
			set_bits(p, 1, true), nr_free--;
	return nr_free;
}

u64 mm_alloc_aligned(u64 n, u64 align_pages)
{
	u64 found = 0;

	if (n == 0 || align_pages == 0 || (align_pages & (align_pages - 1)))
		return 0;
	spin_lock(&mm_lock);
	if (n <= nr_free) {
		/* Candidate page numbers are aligned in absolute terms. */
		u64 start = ALIGN_UP(first_pfn, align_pages) - first_pfn;
		for (u64 p = start; p + n <= nr_pfns;) {
			if (bitmap[p / 64] == ~0ull && p % 64 == 0) {
				p = ALIGN_UP(first_pfn + p + 64, align_pages) - first_pfn;
				continue;
			}
			u64 run = 0;
			while (run < n && !test_bit(p + run))
				run++;
			if (run == n) {
				found = (first_pfn + p) << PAGE_SHIFT;
				set_bits(p, n, true);
				nr_free -= n;
				break;
			}
			p = ALIGN_UP(first_pfn + p + run + 1, align_pages) - first_pfn;
		}
	}
	spin_unlock(&mm_lock);
	if (found)
		memset((void *)found, 0, n * PAGE_SIZE);
	return found;
}

void mm_free(u64 pa, u64 n)
{
	u64 p = (pa >> PAGE_SHIFT) - first_pfn;

	ASSERT(IS_ALIGNED(pa, PAGE_SIZE) && pa >= (first_pfn << PAGE_SHIFT));
	ASSERT(p + n <= nr_pfns);
	spin_lock(&mm_lock);
	for (u64 i = 0; i < n; i++)
		ASSERT(test_bit(p + i)); /* a double free is a bug */
	set_bits(p, n, false);
	nr_free += n;
	spin_unlock(&mm_lock);
}

u64 mm_free_pages(void) { return READ_ONCE(nr_free); }

u64 mm_unmapped_bytes(void) { return unmapped; }
