// SPDX-License-Identifier: MIT
#include "abi/hypercall.h"
#include "ept/ept.h"
#include "platform/mm.h"

#define GPA_LIMIT EPT_GPA_LIMIT

/* The end of the entry of size `size` that holds a. */
static u64 next_boundary(u64 a, u64 size) { return (a & ~(size - 1)) + size; }

/* Walk down to the page table holding gpa's leaf; create tables if asked.
 * NULL at a huge leaf: ept_entry finds those. */
static u64 *walk(struct ept *e, u64 gpa, bool create)
{
	u64 *table = (u64 *)e->root;

	for (int level = 3; level > 0; level--) {
		u64 *ent = &table[ept_idx(gpa, level)];
		/* Loaded once: a fault may split a huge leaf under us. */
		u64 v = READ_ONCE(*ent);
		if (!(v & EPT_RWX)) {
			if (!create)
				return NULL;
			u64 pa = mm_alloc(1);
			if (!pa)
				return NULL;
			__atomic_fetch_add(&e->nr_tables, 1, __ATOMIC_RELAXED);
			/* Non-leaf entries grant everything; leaves decide. */
			v = pa | EPT_RWX;
			WRITE_ONCE(*ent, v);
		} else if (v & EPT_PS) {
			return NULL;
		}
		table = (u64 *)(v & EPT_ADDR_MASK);
	}
	return &table[ept_idx(gpa, 0)];
}

/* Address bits of a leaf of level l (bits 51:12, 51:21 or 51:30). */
static u64 leaf_addr(u64 ent, u32 l)
{
	return ent & EPT_ADDR_MASK & ~(EPT_LEVEL_SIZE(l) - 1);
}

static bool is_leaf(u64 ent, u32 level)
{
	return (ent & EPT_RWX) && (level == 0 || (ent & EPT_PS));
}

u64 *ept_entry(const struct ept *e, u64 gpa, u32 *level)
{
	u64 *table = (u64 *)e->root;

	if (gpa >= GPA_LIMIT)
		return NULL;
	for (u32 l = 3;; l--) {
		u64 *ent = &table[ept_idx(gpa, l)];
		u64 v = READ_ONCE(*ent);
		if (!(v & EPT_RWX))
			return NULL;
		if (is_leaf(v, l)) {
			*level = l;
			return ent;
		}
		table = (u64 *)(v & EPT_ADDR_MASK);
	}
}

/*
 * Replace the huge leaf *ent (level l) by a table of 512 entries of level
 * l - 1 with the same translation; if the leaf has any of the bits in
 * `clear`, the new entries lose them and gain `set` (a split that also
 * write-protects, or clears the dirty flag, in one pass), and *was says
 * what the leaf was.  0 when *ent is (now) a table or absent, -RV_ENOMEM.
 * Compare-and-exchange: a concurrent split, the processor setting the
 * accessed/dirty flags, or a protect/unprotect of the huge leaf, make us
 * build the table again from the new value.
 */
static int split_entry_mod(struct ept *e, u64 *ent, u32 l, u64 clear, u64 set, u64 *was)
{
	u64 old = __atomic_load_n(ent, __ATOMIC_RELAXED);

	*was = 0;
	if (!is_leaf(old, l) || l == 0)
		return 0;
	u64 pa = mm_alloc(1);
	if (!pa)
		return -RV_ENOMEM;
	u64 *t = (u64 *)pa;
	do {
		if (!is_leaf(old, l)) {
			mm_free(pa, 1);
			return 0;
		}
		/* Permissions, memory type, A/D and software bits carry over. */
		u64 flags = old & ~(EPT_ADDR_MASK | EPT_PS), base = leaf_addr(old, l);
		if (old & clear)
			flags = (flags & ~clear) | set;
		flags |= l > 1 ? EPT_PS : 0;
		if (l == 1 && (flags & EPT_XHELD)) /* 4 KiB leaves may execute */
			flags = (flags & ~EPT_XHELD) | EPT_X;
		for (u64 i = 0; i < 512; i++)
			t[i] = (base + i * EPT_LEVEL_SIZE(l - 1)) | flags;
	} while (!__atomic_compare_exchange_n(ent, &old, pa | EPT_RWX, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_RELAXED));
	*was = old;
	__atomic_fetch_add(&e->nr_tables, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&e->nr_splits, 1, __ATOMIC_RELAXED);
	return 0;
}

static int split_entry(struct ept *e, u64 *ent, u32 l)
{
	u64 was;

	return split_entry_mod(e, ent, l, 0, 0, &was);
}

/* A huge leaf as nx_huge wants it: an executable one loses EPT_X for EPT_XHELD. */
static u64 huge_leaf(const struct ept *e, u64 v)
{
	return e->nx_huge && (v & EPT_X) ? (v & ~EPT_X) | EPT_XHELD : v;
}

int ept_exec_fault(struct ept *e, u64 gpa)
{
	u32 l;
	u64 *ent = ept_entry(e, gpa, &l);

	if (!ent)
		return 0;
	u64 v = READ_ONCE(*ent);
	if (l == 0)
		return !!(v & EPT_X);
	if (!(v & EPT_XHELD))
		return 0;
	if (!ept_split(e, gpa))
		return -RV_ENOMEM;
	__atomic_fetch_add(&e->nr_exec_splits, 1, __ATOMIC_RELAXED);
	return 1;
}

u64 *ept_split(struct ept *e, u64 gpa)
{
	u32 l;
	u64 *ent;

	while ((ent = ept_entry(e, gpa, &l)) && l > 0)
		if (split_entry(e, ent, l))
			return NULL;
	return ent;
}

int ept_split_range(struct ept *e, u64 gpa, u64 npages)
{
	u64 end = gpa + npages * PAGE_SIZE;
	u32 l;

	for (u64 a = gpa; a < end;) {
		u64 *ent = ept_entry(e, a, &l);
		if (ent && l > 0) {
			if (split_entry(e, ent, l))
				return -RV_ENOMEM;
			continue; /* the same address, one level down */
		}
		/* Past what this entry (or the hole, at least a page) covers. */
		a = ent ? next_boundary(a, EPT_LEVEL_SIZE(l)) : a + PAGE_SIZE;
	}
	return 0;
}

int ept_init(struct ept *e)
{
	e->root = mm_alloc(1);
	e->nr_tables = e->root ? 1 : 0;
	e->max_level = 0; /* 4 KiB leaves until the owner says otherwise */
	e->nx_huge = false;
	e->nr_splits = e->nr_collapses = e->nr_exec_splits = 0;
	return e->root ? 0 : -RV_ENOMEM;
}

static bool map_args_ok(u64 gpa, u64 hpa, u64 npages)
{
	return IS_ALIGNED(gpa | hpa, PAGE_SIZE) && gpa + npages * PAGE_SIZE <= GPA_LIMIT &&
	       gpa + npages * PAGE_SIZE >= gpa;
}

int ept_map(struct ept *e, u64 gpa, u64 hpa, u64 npages, u64 perm)
{
	if (!map_args_ok(gpa, hpa, npages))
		return -RV_EINVAL;
	for (u64 i = 0; i < npages; i++) {
		u64 *leaf = walk(e, gpa + i * PAGE_SIZE, true);
		if (!leaf)
			return ept_entry(e, gpa + i * PAGE_SIZE, &(u32){0}) ? -RV_EEXIST : -RV_ENOMEM;
		if (*leaf & EPT_RWX)
			return -RV_EEXIST;
		*leaf = (hpa + i * PAGE_SIZE) | EPT_MT_WB | (perm & EPT_RWX);
	}
	return 0;
}

/* The entry of level l for gpa, creating tables above it; NULL if a leaf
 * is in the way (*busy) or a table cannot be allocated. */
static u64 *entry_create(struct ept *e, u64 gpa, u32 l, bool *busy)
{
	u64 *table = (u64 *)e->root;

	for (u32 level = 3; level > l; level--) {
		u64 *ent = &table[ept_idx(gpa, level)];
		if (!(*ent & EPT_RWX)) {
			u64 pa = mm_alloc(1);
			if (!pa)
				return NULL;
			__atomic_fetch_add(&e->nr_tables, 1, __ATOMIC_RELAXED);
			*ent = pa | EPT_RWX;
		} else if (is_leaf(*ent, level)) {
			*busy = true;
			return NULL;
		}
		table = (u64 *)(*ent & EPT_ADDR_MASK);
	}
	return &table[ept_idx(gpa, l)];
}

int ept_map_large(struct ept *e, u64 gpa, u64 hpa, u64 npages, u64 perm)
{
	u64 end = gpa + npages * PAGE_SIZE;

	if (!map_args_ok(gpa, hpa, npages))
		return -RV_EINVAL;
	for (u64 a = gpa, h = hpa; a < end;) {
		/* The largest leaf both addresses are aligned to that fits. */
		u32 l = MIN(e->max_level, (u32)EPT_MAX_LEVEL);
		while (l > 0 && (!IS_ALIGNED(a | h, EPT_LEVEL_SIZE(l)) || end - a < EPT_LEVEL_SIZE(l)))
			l--;
		bool busy = false;
		u64 *ent;
		/* A table left there by an earlier unmap: map inside it. */
		while ((ent = entry_create(e, a, l, &busy)) && l > 0 && (*ent & EPT_RWX) &&
		       !(*ent & EPT_PS))
			l--;
		if (!ent)
			return busy ? -RV_EEXIST : -RV_ENOMEM;
		if (*ent & EPT_RWX)
			return -RV_EEXIST;
		/* One store: a vCPU of a running partition may walk here
		 * (a slot added at run time), and must never see a huge
		 * entry without EPT_PS, which would be a table pointer. */
		u64 v = h | EPT_MT_WB | (perm & EPT_RWX);
		WRITE_ONCE(*ent, l > 0 ? huge_leaf(e, v | EPT_PS) : v);
		a += EPT_LEVEL_SIZE(l);
		h += EPT_LEVEL_SIZE(l);
	}
	return 0;
}

void ept_unmap(struct ept *e, u64 gpa, u64 npages)
{
	u64 end = gpa + npages * PAGE_SIZE;
	u32 l;

	for (u64 a = gpa; a < end;) {
		u64 *ent = ept_entry(e, a, &l);
		if (!ent) {
			a += PAGE_SIZE;
			continue;
		}
		u64 size = EPT_LEVEL_SIZE(l);
		if (l > 0 && (!IS_ALIGNED(a, size) || end - a < size)) {
			/* Covered in part: split, or drop it whole if we can't
			 * (an unmap must not fail; more is gone than asked). */
			if (!split_entry(e, ent, l))
				continue;
		}
		__atomic_store_n(ent, 0, __ATOMIC_SEQ_CST);
		a = next_boundary(a, size);
	}
}

int ept_translate(const struct ept *e, u64 gpa, u64 *hpa, u64 *perm)
{
	u32 l;
	u64 *ent = ept_entry(e, gpa, &l);

	if (!ent)
		return -RV_EFAULT;
	u64 v = READ_ONCE(*ent);
	*hpa = leaf_addr(v, l) | (gpa & (EPT_LEVEL_SIZE(l) - 1));
	*perm = (v & EPT_RWX) | (v & EPT_XHELD ? EPT_X : 0);
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

/*
 * What a range operation does at a huge leaf: fn on it whole when the
 * range covers it and `whole` allows; else split it, the new entries
 * changed as fn would change them (`clear`, `set`) when the range covers
 * it, and go on with its 4 KiB leaves; if the split fails, `fallback` on
 * the whole leaf (for protect and clear-dirty: write-protect it, so
 * nothing can be missed).
 */
struct range_op {
	bool (*fn)(u64 *leaf);
	bool whole;
	bool (*fallback)(u64 *leaf);
	u64 clear, set;
};

/*
 * Split failed on a leaf that protect or clear-dirty had to reach in part:
 * write-protect it whole, dirty flag clear, EPT_TRACKED, so that the next
 * write to any of its pages faults and the fault splits it (or logs all
 * its pages).  More protection than asked is always safe.
 */
static bool protect_whole(u64 *leaf)
{
	u64 old = __atomic_load_n(leaf, __ATOMIC_RELAXED);

	u64 new;

	do {
		if (!(old & EPT_R) || !(old & (EPT_W | EPT_DIRTY)))
			return false;
		/* Only what was writable becomes tracked: a fault gives
		 * EPT_TRACKED pages write access. */
		new = (old & ~(EPT_W | EPT_DIRTY)) | (old & EPT_W ? EPT_TRACKED : 0);
	} while (!__atomic_compare_exchange_n(leaf, &old, new, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_RELAXED));
	return true;
}

/* for_range where walk() found no 4 KiB leaf at *a: a hole (one page
 * on), or a huge leaf.  Returns the pages changed; moves *a on (or not,
 * after a split: the same address has a smaller entry now). */
static u64 range_huge(struct ept *e, u64 *a, u64 end, const struct range_op *op)
{
	u32 l;
	u64 *ent = ept_entry(e, *a, &l);

	if (!ent) {
		*a += PAGE_SIZE;
		return 0;
	}
	if (l == 0)
		return 0; /* split meanwhile: walk again */
	u64 size = EPT_LEVEL_SIZE(l), next = next_boundary(*a, size), was;
	bool covered = IS_ALIGNED(*a, size) && end - *a >= size;
	if (op->whole && covered) {
		bool changed = op->fn(ent);
		/* A write fault split it meanwhile: do its entries instead
		 * (a release that skipped them would leave them tracked). */
		if (!changed && !is_leaf(READ_ONCE(*ent), l))
			return 0;
		*a = next;
		return changed ? size / PAGE_SIZE : 0;
	}
	/* Covered: split and apply in one pass.  The 4 KiB leaves of a
	 * 2 MiB one are done; a 1 GiB one's 2 MiB leaves are next. */
	if (covered && !split_entry_mod(e, ent, l, op->clear, op->set, &was)) {
		if (l == 1 && was)
			*a = next;
		return was & op->clear ? size / PAGE_SIZE : 0;
	}
	if (!covered && !split_entry(e, ent, l))
		return 0;
	u64 pages = (MIN(next, end) - *a) / PAGE_SIZE;
	bool changed = op->fallback(ent);
	if (!changed && !is_leaf(READ_ONCE(*ent), l))
		return 0; /* split meanwhile, as above */
	*a = next;
	return changed ? pages : 0;
}

/* Apply op to the mapped leaves of a range; count the pages it changed.
 * One walk per page table: its leaves follow each other. */
static u64 for_range(struct ept *e, u64 gpa, u64 npages, const struct range_op *op)
{
	u64 n = 0, end = gpa + npages * PAGE_SIZE;

	for (u64 a = gpa; a < end;) {
		u64 *leaf = walk(e, a, false);
		if (__builtin_expect(!leaf, 0)) {
			n += range_huge(e, &a, end, op);
			continue;
		}
		u64 stop = MIN(next_boundary(a, EPT_LEVEL_SIZE(1)), end);
		for (; a < stop; a += PAGE_SIZE, leaf++)
			n += op->fn(leaf);
	}
	return n;
}

static const struct range_op op_protect = {protect_leaf, true, protect_whole, 0, 0};
static const struct range_op op_protect_split = {protect_leaf, false, protect_whole, EPT_W,
						 EPT_TRACKED};
static const struct range_op op_clear_dirty = {clear_dirty_leaf, false, protect_whole, EPT_DIRTY,
					       0};
static const struct range_op op_release = {unprotect_leaf, true, unprotect_leaf, 0, 0};

u64 ept_track_protect(struct ept *e, u64 gpa, u64 npages)
{
	return for_range(e, gpa, npages, &op_protect);
}

u64 ept_track_protect_split(struct ept *e, u64 gpa, u64 npages)
{
	return for_range(e, gpa, npages, &op_protect_split);
}

/* The page table holding a's leaf for for_mask, splitting a huge leaf on
 * the way; NULL for a hole, or after fallback on a leaf we could not
 * split (*n counts it). */
static u64 *mask_table(struct ept *e, u64 a, bool (*fallback)(u64 *leaf), u64 *n)
{
	u64 *pt = walk(e, a, false);
	u32 l;

	if (__builtin_expect(!pt, 0)) {
		u64 *ent = ept_entry(e, a, &l);
		if (!ent)
			return NULL;
		if (l > 0 && !(pt = ept_split(e, a))) {
			*n += fallback(ent);
			return NULL;
		}
		pt = walk(e, a, false);
	}
	return pt ? pt - ept_idx(a, 0) : NULL;
}

/*
 * Apply fn to the leaves of a 64-page batch: one lookup per page table
 * (a batch spans at most two), then straight to each set bit.  Inlined
 * with fn: a ring reset runs this for every page it re-arms (docs/09).
 * A huge leaf the batch touches is split first (mask_table; protected
 * whole if that fails): the batch never covers it.
 */
static __attribute__((always_inline)) inline u64 for_mask(struct ept *e, u64 gpa, u64 mask,
							   bool (*fn)(u64 *leaf))
{
	u64 n = 0;

	while (mask) {
		unsigned room = 512 - ept_idx(gpa, 0); /* leaves left in gpa's table */
		u64 here = room >= 64 ? mask : mask & (BIT(room) - 1);

		if (here) {
			u64 *leaf = ept_leaf(e, gpa);
			if (__builtin_expect(!leaf, 0)) {
				u64 *pt = mask_table(e, gpa, protect_whole, &n);
				leaf = pt ? pt + ept_idx(gpa, 0) : NULL;
			}
			if (leaf)
				for (; here; here &= here - 1)
					n += fn(&leaf[__builtin_ctzll(here)]);
		}
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
	return for_range(e, gpa, npages, &op_clear_dirty);
}

u64 ept_clear_dirty_mask(struct ept *e, u64 gpa, u64 mask)
{
	return for_mask(e, gpa, mask, clear_dirty_leaf);
}

void ept_track_release(struct ept *e, u64 gpa, u64 npages)
{
	for_range(e, gpa, npages, &op_release);
}

/* The entry of level l that holds gpa, without creating anything; NULL
 * if a leaf above it or a hole is in the way. */
static u64 *entry_at(struct ept *e, u64 gpa, u32 l)
{
	u64 *table = (u64 *)e->root;

	for (u32 level = 3; level > l; level--) {
		u64 v = READ_ONCE(table[ept_idx(gpa, level)]);
		if (!(v & EPT_RWX) || is_leaf(v, level))
			return NULL;
		table = (u64 *)(v & EPT_ADDR_MASK);
	}
	return &table[ept_idx(gpa, l)];
}

/*
 * Make the table under *ent (level l >= 1) one huge leaf if its 512
 * entries are leaves of level l - 1 mapping contiguous memory aligned to
 * the huge size, with equal bits but address and accessed/dirty (which
 * the huge leaf takes as their union), none EPT_TRACKED.  Runs with
 * logging off: only the processor may change an entry meanwhile (its
 * A/D flags), and with nx_huge a fetch that splits a 2 MiB leaf, which is
 * why ept_collapse then puts back no 1 GiB leaf (the split's new table
 * would go with the detached one).  The table's address goes to *freed.
 */
static bool collapse_entry(const struct ept *e, u64 *ent, u32 l, u64 *freed)
{
	const u64 ad = EPT_ACCESSED | EPT_DIRTY;
	u64 v = READ_ONCE(*ent);

	if (!(v & EPT_RWX) || is_leaf(v, l))
		return false;
	u64 *t = (u64 *)(v & EPT_ADDR_MASK), first = READ_ONCE(t[0]), seen = 0;
	u64 step = EPT_LEVEL_SIZE(l - 1);
	if (!is_leaf(first, l - 1) || (first & EPT_TRACKED) ||
	    !IS_ALIGNED(leaf_addr(first, l - 1), EPT_LEVEL_SIZE(l)))
		return false;
	/* Entry i must be entry 0 with the address i steps on (an aligned
	 * address never carries into the flags): one compare each. */
	for (u64 i = 0, want = first & ~ad; i < 512; i++, want += step) {
		u64 c = READ_ONCE(t[i]);
		if ((c & ~ad) != want)
			return false;
		seen |= c;
	}
	u64 huge = huge_leaf(e, (first & ~ad) | (seen & ad) | EPT_PS);
	if (!__atomic_compare_exchange_n(ent, &v, huge, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
		return false;
	*freed = v & EPT_ADDR_MASK;
	return true;
}

u32 ept_collapse(struct ept *e, u64 gpa, u64 npages, u64 *freed, u32 max_freed, u64 *cursor)
{
	const u64 mb2 = EPT_LEVEL_SIZE(1), gb1 = EPT_LEVEL_SIZE(2);
	u64 end = gpa + npages * PAGE_SIZE, a = ALIGN_UP(*cursor, mb2);
	u32 top = MIN(e->max_level, (u32)EPT_MAX_LEVEL), n = 0;
	u64 *ent;

	/* Room for a 2 MiB table and the 1 GiB one it may complete. */
	while (top > 0 && a + mb2 <= end && n + 2 <= max_freed) {
		if ((ent = entry_at(e, a, 1)) && collapse_entry(e, ent, 1, &freed[n]))
			n++;
		a += mb2;
		if (top >= 2 && !e->nx_huge && IS_ALIGNED(a, gb1) && a - gb1 >= gpa &&
		    (ent = entry_at(e, a - gb1, 2)) && collapse_entry(e, ent, 2, &freed[n]))
			n++;
	}
	*cursor = top > 0 && a + mb2 <= end ? a : end;
	__atomic_fetch_sub(&e->nr_tables, n, __ATOMIC_RELAXED);
	__atomic_fetch_add(&e->nr_collapses, n, __ATOMIC_RELAXED);
	return n;
}

void ept_free_tables(struct ept *e, const u64 *freed, u32 n)
{
	for (u32 i = 0; i < n; i++)
		mm_free(freed[i], 1);
}

static void free_level(u64 table_pa, int level, struct ept *e)
{
	u64 *table = (u64 *)table_pa;

	if (level > 0)
		for (int i = 0; i < 512; i++)
			if ((table[i] & EPT_RWX) && !is_leaf(table[i], level))
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
