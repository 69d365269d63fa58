/* SPDX-License-Identifier: MIT */
/*
 * Extended page tables (Vol. 3C, 29.3, The Extended Page Table
 * Mechanism (EPT)): 4-level, write-back memory; leaves of 4 KiB, and of
 * 2 MiB (a PDE with bit 7) or 1 GiB (a PDPTE with bit 7) where the
 * processor has them (Vol. 3C, 29.3.2, EPT Translation Mechanism, Tables
 * 29-3 and 29-5; IA32_VMX_EPT_VPID_CAP bits 16 and 17, which hv/vmx/
 * reads and the partition passes down as ept.max_level).
 * Tables come from the page allocator (hv/mm.h).  This module knows
 * nothing about dirty tracking; it offers the walks that dirty tracking
 * (hv/dirtyring/) builds on.  It never invalidates anything: every
 * function that changes a translation says so, and its caller invalidates
 * (INVEPT, hv/vmx/flush.c) before anything relies on the change.
 *
 * Huge leaves and dirty tracking (docs/05-partitions.md): a huge leaf is
 * write-protected whole (EPT_TRACKED on the huge entry) or split into 512
 * entries of the next level with the same address range, permissions,
 * memory type, flags and software bits, so a split changes no
 * translation.  A write fault on a tracked huge leaf splits it and
 * un-protects only the 4 KiB page written.  ept_collapse puts huge leaves
 * back where 512 entries map contiguous, equally permissioned memory.
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
/* Bit 7 of a PDE or PDPTE: the entry maps a 2 MiB / 1 GiB page (Table
 * 29-3, 29-5); bits 20:12 / 29:12 of such an entry are reserved (0). */
#define EPT_PS BIT(7)
#define EPT_LEVEL_SIZE(l) (1ull << (12 + 9 * (l))) /* what an entry of level l maps */
#define EPT_MAX_LEVEL 2                            /* 1 GiB leaves in PDPTEs */
/*
 * Software bit (bits 62:52 are ignored by the processor in a leaf, Table
 * 29-6): "write access removed for tracking".  Only pages with this bit
 * are made writable again by a tracking fault, so a page that is
 * read-only for any other reason is never mistaken for a tracked one.
 */
#define EPT_TRACKED BIT(52)
/*
 * Software bit: "executable, but execute withheld while this leaf is
 * huge" (struct ept.nx_huge).  A leaf split down to 4 KiB gets EPT_X back
 * in its place; a leaf put back together loses EPT_X for it again.
 */
#define EPT_XHELD BIT(53)

struct ept {
	u64 root;      /* physical address of the PML4 */
	u64 nr_tables; /* paging-structure pages in use (atomic: faults split) */
	/* Largest leaf ept_map_large may use: 0 = 4 KiB only, 1 = 2 MiB,
	 * 2 = 1 GiB.  Set by the owner before the first map. */
	u32 max_level;
	/*
	 * Huge leaves are never executable (KVM's nx_huge_pages): on a
	 * processor with the iTLB-multihit erratum (Intel's "Machine Check
	 * Error Avoidance on Page Size Change", CVE-2018-12207) a guest that
	 * changes the size of its own pages under an executable 2 MiB or
	 * 1 GiB EPT leaf can raise a machine check that stops the machine.
	 * A fetch from such a leaf splits it (ept_exec_fault): at 4 KiB no
	 * page size change can reach the instruction TLB.  Set by the owner
	 * before the first map (vmx_ept_nx_huge).
	 */
	bool nx_huge;
	u64 nr_splits, nr_collapses; /* huge leaves split / put back (atomic) */
	u64 nr_exec_splits;	     /* of nr_splits, for a fetch (atomic) */
};

int ept_init(struct ept *e);
/* Map npages 4 KiB pages gpa -> hpa with perm (EPT_R, EPT_W, EPT_X); -RV_EEXIST if
 * one is mapped already, -RV_ENOMEM if a table can't be allocated. */
int ept_map(struct ept *e, u64 gpa, u64 hpa, u64 npages, u64 perm);
/* The same with the largest leaves (up to max_level) that gpa and hpa
 * are both aligned to and the range covers; 4 KiB elsewhere. */
int ept_map_large(struct ept *e, u64 gpa, u64 hpa, u64 npages, u64 perm);
/* Remove mappings (absent ones are skipped; a huge leaf the range covers
 * only in part is split first); caller flushes TLBs. */
void ept_unmap(struct ept *e, u64 gpa, u64 npages);
#define EPT_GPA_LIMIT (1ull << 48) /* what a 4-level walk can reach */

/* Index of gpa in its table at level (0: the leaf's page table). */
static inline unsigned ept_idx(u64 gpa, int level)
{
	return (gpa >> (12 + 9 * level)) & 511;
}

/*
 * Pointer to the 4 KiB leaf entry of gpa, or NULL if no table reaches it
 * (which includes a huge leaf mapping gpa: see ept_entry, ept_split).
 * Inline and unrolled, without walk()'s table-creating path: the write
 * fault calls it on every tracked page (docs/09, "The write-fault path").
 * Each entry is loaded once (READ_ONCE): another CPU may split a huge leaf
 * into a table or put one back meanwhile, and a second load of the same
 * entry could mix a table's flags with a huge page's address.
 */
static inline __attribute__((always_inline)) u64 *ept_leaf(const struct ept *e, u64 gpa)
{
	u64 *t = (u64 *)e->root, ent;

	if (gpa >= EPT_GPA_LIMIT)
		return NULL;
	ent = READ_ONCE(t[ept_idx(gpa, 3)]);
	if (!(ent & EPT_RWX))
		return NULL;
	t = (u64 *)(ent & EPT_ADDR_MASK);
	ent = READ_ONCE(t[ept_idx(gpa, 2)]);
	if (!(ent & EPT_RWX) || (ent & EPT_PS))
		return NULL;
	t = (u64 *)(ent & EPT_ADDR_MASK);
	ent = READ_ONCE(t[ept_idx(gpa, 1)]);
	if (!(ent & EPT_RWX) || (ent & EPT_PS))
		return NULL;
	return &((u64 *)(ent & EPT_ADDR_MASK))[ept_idx(gpa, 0)];
}
/* The entry that maps gpa, whatever its size (*level 0, 1 or 2), or NULL. */
u64 *ept_entry(const struct ept *e, u64 gpa, u32 *level);
/*
 * Split the huge leaf mapping gpa (1 GiB first into 2 MiB, then 2 MiB
 * into 4 KiB) and return gpa's 4 KiB leaf: NULL if gpa is unmapped or a
 * table cannot be allocated.  Lock-free (compare-and-exchange on the
 * entry, so the owner CPUs of a partition's vCPUs may split at once).
 * Changes no translation.
 */
u64 *ept_split(struct ept *e, u64 gpa);
/*
 * An EPT violation on a fetch from gpa: 1 if it was a huge leaf whose
 * execute permission nx_huge withholds (split now down to 4 KiB, gpa
 * executable: the fetch may retry) or a 4 KiB leaf that is executable
 * already (another vCPU split it; our translation was stale, and the
 * violation itself invalidated it, Vol. 3C, 29.4.3.1); 0 for a page that
 * may not be executed; -RV_ENOMEM if the split found no page for a table.
 */
int ept_exec_fault(struct ept *e, u64 gpa);
/* Split every huge leaf in range down to 4 KiB: 0 or -RV_ENOMEM (what
 * was split stays split).  Changes no translation. */
int ept_split_range(struct ept *e, u64 gpa, u64 npages);
/*
 * Put huge leaves back (up to max_level; 2 MiB only with nx_huge) in range where a table's 512
 * entries map contiguous memory aligned to the huge size with equal
 * permissions, memory type and software bits (no EPT_TRACKED), ignoring
 * accessed/dirty flags.  Resumable: *cursor starts at gpa and says where
 * to go on (gpa + npages * 4 KiB when the range is done).  The detached
 * tables (at most max_freed, at least 2) are stored in freed[] and not
 * freed: the caller invalidates (INVEPT) on every CPU that may cache them
 * (Vol. 3C, 29.4.3.1), then gives them to ept_free_tables.  Returns their
 * number.  Changes no translation's address or permissions.
 */
u32 ept_collapse(struct ept *e, u64 gpa, u64 npages, u64 *freed, u32 max_freed, u64 *cursor);
void ept_free_tables(struct ept *e, const u64 *freed, u32 n);
/* Translate gpa: 0 with hpa and perm filled in, or -RV_EFAULT. */
int ept_translate(const struct ept *e, u64 gpa, u64 *hpa, u64 *perm);
/*
 * Write tracking.  Leaves are changed with atomic compare-and-exchange:
 * the owner CPU of a faulting vCPU and the management partition's reset
 * may touch the same leaf at once.  Callers invalidate TLBs themselves.
 */
/* Remove write access from the writable pages in range, marking them
 * EPT_TRACKED; returns how many pages changed.  A huge leaf the range
 * covers is protected whole (its 4 KiB pages count); one it covers in
 * part is split first (protected whole if the split fails). */
u64 ept_track_protect(struct ept *e, u64 gpa, u64 npages);
/* The same, but every huge leaf is split into write-protected 4 KiB
 * leaves in the same pass (eager splitting); one that cannot be split
 * (no memory) is protected whole. */
u64 ept_track_protect_split(struct ept *e, u64 gpa, u64 npages);
/* Same for the pages of a 64-page batch whose bits are set in mask
 * (a huge leaf is split first, protected whole if that fails). */
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
 * (so the next write logs them again); returns how many had it set.  A
 * huge leaf is split first: its one dirty flag would hide the writes to
 * 511 other pages.  If the split fails it is write-protected whole
 * instead (dirty flag clear, EPT_TRACKED): the fault splits it. */
u64 ept_clear_dirty(struct ept *e, u64 gpa, u64 npages);
u64 ept_clear_dirty_mask(struct ept *e, u64 gpa, u64 mask);
/* Make every tracked page (or huge leaf) in range writable again. */
void ept_track_release(struct ept *e, u64 gpa, u64 npages);
/* Free every table (not the mapped memory). */
void ept_destroy(struct ept *e);
/* EPTP value: WB, 4-level walk, optional accessed/dirty flags. */
u64 ept_eptp(const struct ept *e, bool ad);

#endif
