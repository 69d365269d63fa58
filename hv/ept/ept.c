// SPDX-License-Identifier: MIT
#include "abi/hypercall.h"
#include "ept/ept.h"
#include "platform/mm.h"

#define GPA_LIMIT EPT_GPA_LIMIT

/* Walk down to the page table holding gpa's leaf; create tables if asked. */
static u64 *walk(struct ept *e, u64 gpa, bool create)
{
	u64 *table = (u64 *)e->root;

	for (int level = 3; level > 0; level--) {
		u64 *ent = &table[ept_idx(gpa, level)];
		if (!(*ent & EPT_RWX)) {
			if (!create)
				return NULL;
			u64 pa = mm_alloc(1);
			if (!pa)
				return NULL;
			e->nr_tables++;
			/* Non-leaf entries grant everything; leaves decide. */
			*ent = pa | EPT_RWX;
		}
		table = (u64 *)(*ent & EPT_ADDR_MASK);
	}
	return &table[ept_idx(gpa, 0)];
}

int ept_init(struct ept *e)
{
	e->root = mm_alloc(1);
	e->nr_tables = e->root ? 1 : 0;
	return e->root ? 0 : -RV_ENOMEM;
}

int ept_map(struct ept *e, u64 gpa, u64 hpa, u64 npages, u64 perm)
{
	if (!IS_ALIGNED(gpa | hpa, PAGE_SIZE) || gpa + npages * PAGE_SIZE > GPA_LIMIT ||
	    gpa + npages * PAGE_SIZE < gpa)
		return -RV_EINVAL;
	for (u64 i = 0; i < npages; i++) {
		u64 *leaf = walk(e, gpa + i * PAGE_SIZE, true);
		if (!leaf)
			return -RV_ENOMEM;
		if (*leaf & EPT_RWX)
			return -RV_EEXIST;
		*leaf = (hpa + i * PAGE_SIZE) | EPT_MT_WB | (perm & EPT_RWX);
	}
	return 0;
}

void ept_unmap(struct ept *e, u64 gpa, u64 npages)
{
	for (u64 i = 0; i < npages; i++) {
		u64 *leaf = walk(e, gpa + i * PAGE_SIZE, false);
		if (leaf)
			*leaf = 0;
	}
}

int ept_translate(const struct ept *e, u64 gpa, u64 *hpa, u64 *perm)
{
	u64 *leaf = ept_leaf(e, gpa);

	if (!leaf || !(*leaf & EPT_RWX))
		return -RV_EFAULT;
	*hpa = (*leaf & EPT_ADDR_MASK) | (gpa & (PAGE_SIZE - 1));
	*perm = *leaf & EPT_RWX;
	return 0;
}

static bool protect_leaf(u64 *leaf)
{
	u64 old = __atomic_load_n(leaf, __ATOMIC_RELAXED);

	do {
		if (!(old & EPT_W) || !(old & EPT_R))
			return false; /* unmapped, already protected, or not ours */
	} while (!__atomic_compare_exchange_n(leaf, &old, (old & ~EPT_W) | EPT_TRACKED, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
	return true;
}

static bool unprotect_leaf(u64 *leaf)
{
	return ept_track_unprotect(NULL, leaf);
}

static bool clear_dirty_leaf(u64 *leaf)
{
	return __atomic_fetch_and(leaf, ~EPT_DIRTY, __ATOMIC_SEQ_CST) & EPT_DIRTY;
}

/* Apply fn to the mapped leaves of a range; count those it changed. */
static u64 for_range(struct ept *e, u64 gpa, u64 npages, bool (*fn)(u64 *leaf))
{
	u64 n = 0;

	for (u64 i = 0; i < npages; i++) {
		u64 *leaf = walk(e, gpa + i * PAGE_SIZE, false);
		n += leaf && fn(leaf);
	}
	return n;
}

u64 ept_track_protect(struct ept *e, u64 gpa, u64 npages)
{
	return for_range(e, gpa, npages, protect_leaf);
}

/*
 * Apply fn to the leaves of a 64-page batch: one lookup per page table
 * (a batch spans at most two), then straight to each set bit.  Inlined
 * with fn: a ring reset runs this for every page it re-arms (docs/09).
 */
static __attribute__((always_inline)) inline u64 for_mask(struct ept *e, u64 gpa, u64 mask,
							   bool (*fn)(u64 *leaf))
{
	u64 n = 0;

	while (mask) {
		unsigned room = 512 - ept_idx(gpa, 0); /* leaves left in gpa's table */
		u64 here = room >= 64 ? mask : mask & (BIT(room) - 1);
		u64 *leaf = ept_leaf(e, gpa);

		if (leaf)
			for (; here; here &= here - 1)
				n += fn(&leaf[__builtin_ctzll(here)]);
		if (room >= 64)
			break;
		mask >>= room;
		gpa += (u64)room * PAGE_SIZE;
	}
	return n;
}

u64 ept_track_protect_mask(struct ept *e, u64 gpa, u64 mask)
{
	return for_mask(e, gpa, mask, protect_leaf);
}

u64 ept_clear_dirty(struct ept *e, u64 gpa, u64 npages)
{
	return for_range(e, gpa, npages, clear_dirty_leaf);
}

u64 ept_clear_dirty_mask(struct ept *e, u64 gpa, u64 mask)
{
	return for_mask(e, gpa, mask, clear_dirty_leaf);
}

void ept_track_release(struct ept *e, u64 gpa, u64 npages)
{
	for_range(e, gpa, npages, unprotect_leaf);
}

static void free_level(u64 table_pa, int level, struct ept *e)
{
	u64 *table = (u64 *)table_pa;

	if (level > 0)
		for (int i = 0; i < 512; i++)
			if (table[i] & EPT_RWX)
				free_level(table[i] & EPT_ADDR_MASK, level - 1, e);
	mm_free(table_pa, 1);
	e->nr_tables--;
}

void ept_destroy(struct ept *e)
{
	if (e->root)
		free_level(e->root, 3, e);
	e->root = 0;
}

u64 ept_eptp(const struct ept *e, bool ad)
{
	/* Vol. 3C, 25.6.11, Extended-Page-Table Pointer (EPTP) */
	return e->root | EPTP_MEMTYPE_WB | (3 << 3) /* 4-level */ | (ad ? BIT(6) : 0);
}
