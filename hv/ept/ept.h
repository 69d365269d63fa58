/* SPDX-License-Identifier: MIT */
/*
 * Extended page tables (Vol. 3C, 29.3, The Extended Page Table
 * Mechanism (EPT)): 4-level, 4 KiB leaves only, write-back memory.
 * Tables come from the page allocator (hv/mm.h).  This module knows
 * nothing about dirty tracking; it offers the walks that dirty tracking
 * (hv/dirtyring/) builds on.
 */
#ifndef RV_EPT_H
#define RV_EPT_H

#include "lib/types.h"

/* EPT entry bits (Vol. 3C, 29.3.2, EPT Translation Mechanism, Table 29-6) */
#define EPT_R BIT(0)
#define EPT_W BIT(1)
#define EPT_X BIT(2)
#define EPT_RWX (EPT_R | EPT_W | EPT_X)
#define EPT_MT_WB (6ull << 3)
#define EPTP_MEMTYPE_WB 6ull /* EPTP bits 2:0: the paging structures' type */
#define EPT_ACCESSED BIT(8)
#define EPT_DIRTY BIT(9)
#define EPT_ADDR_MASK 0x000ffffffffff000ull
/*
 * Software bit (bits 62:52 are ignored by the processor in a leaf, Table
 * 29-6): "write access removed for tracking".  Only pages with this bit
 * are made writable again by a tracking fault, so a page that is
 * read-only for any other reason is never mistaken for a tracked one.
 */
#define EPT_TRACKED BIT(52)

struct ept {
	u64 root;      /* physical address of the PML4 */
	u64 nr_tables; /* paging-structure pages in use, for statistics */
};

int ept_init(struct ept *e);
/* Map npages 4 KiB pages gpa -> hpa with perm (EPT_R, EPT_W, EPT_X); -RV_EEXIST if
 * one is mapped already, -RV_ENOMEM if a table can't be allocated. */
int ept_map(struct ept *e, u64 gpa, u64 hpa, u64 npages, u64 perm);
/* Remove mappings (absent ones are skipped); caller flushes TLBs. */
void ept_unmap(struct ept *e, u64 gpa, u64 npages);
#define EPT_GPA_LIMIT (1ull << 48) /* what a 4-level walk can reach */

/* Index of gpa in its table at level (0: the leaf's page table). */
static inline unsigned ept_idx(u64 gpa, int level)
{
	return (gpa >> (12 + 9 * level)) & 511;
}

/*
 * Pointer to the leaf entry of gpa, or NULL if no table reaches it.
 * Inline and unrolled, without walk()'s table-creating path: the write
 * fault calls it on every tracked page (docs/09, "The write-fault path").
 */
static inline __attribute__((always_inline)) u64 *ept_leaf(const struct ept *e, u64 gpa)
{
	u64 *t = (u64 *)e->root, ent;

	if (gpa >= EPT_GPA_LIMIT)
		return NULL;
	ent = t[ept_idx(gpa, 3)];
	if (!(ent & EPT_RWX))
		return NULL;
	t = (u64 *)(ent & EPT_ADDR_MASK);
	ent = t[ept_idx(gpa, 2)];
	if (!(ent & EPT_RWX))
		return NULL;
	t = (u64 *)(ent & EPT_ADDR_MASK);
	ent = t[ept_idx(gpa, 1)];
	if (!(ent & EPT_RWX))
		return NULL;
	return &((u64 *)(ent & EPT_ADDR_MASK))[ept_idx(gpa, 0)];
}
/* Translate gpa: 0 with hpa and perm filled in, or -RV_EFAULT. */
int ept_translate(const struct ept *e, u64 gpa, u64 *hpa, u64 *perm);
/*
 * Write tracking.  Leaves are changed with atomic compare-and-exchange:
 * the owner CPU of a faulting vCPU and the management partition's reset
 * may touch the same leaf at once.  Callers invalidate TLBs themselves.
 */
/* Remove write access from the writable pages in range, marking them
 * EPT_TRACKED; returns how many pages changed. */
u64 ept_track_protect(struct ept *e, u64 gpa, u64 npages);
/* Same for the pages of a 64-page batch whose bits are set in mask. */
u64 ept_track_protect_mask(struct ept *e, u64 gpa, u64 mask);
/* Give write access back to a page marked EPT_TRACKED; false if it was
 * not marked (already writable, or read-only for another reason).  Inline:
 * the write fault's one atomic.  Compare-and-exchange, not a plain store:
 * two vCPUs may fault on the same page at once, and exactly one of them
 * may log it. */
static inline __attribute__((always_inline)) bool ept_track_unprotect(struct ept *e, u64 *leaf)
{
	u64 old = __atomic_load_n(leaf, __ATOMIC_RELAXED);

	do {
		if (!(old & EPT_TRACKED))
			return false;
	} while (!__atomic_compare_exchange_n(leaf, &old, (old | EPT_W) & ~EPT_TRACKED, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
	return true;
}
/* PML mode: clear the dirty flag of pages in range / in a 64-page batch
 * (so the next write logs them again); returns how many had it set. */
u64 ept_clear_dirty(struct ept *e, u64 gpa, u64 npages);
u64 ept_clear_dirty_mask(struct ept *e, u64 gpa, u64 mask);
/* Make every tracked page in range writable again (tracking off). */
void ept_track_release(struct ept *e, u64 gpa, u64 npages);
/* Free every table (not the mapped memory). */
void ept_destroy(struct ept *e);
/* EPTP value: WB, 4-level walk, optional accessed/dirty flags. */
u64 ept_eptp(const struct ept *e, bool ad);

#endif
