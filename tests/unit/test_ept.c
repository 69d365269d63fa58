// SPDX-License-Identifier: MIT
// links: hv/platform/mm.c hv/ept/ept.c
/* The EPT builder over fake physical memory (a host buffer). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "abi/hypercall.h"
#include "ept/ept.h"
#include "platform/mm.h"

#define ARENA_PAGES 1024
static uint8_t *arena;

static int setup(void **state)
{
	arena = aligned_alloc(PAGE_SIZE, ARENA_PAGES * PAGE_SIZE);
	struct rv_mem_region r = { (u64)arena, ARENA_PAGES * PAGE_SIZE, RV_MEM_FREE, 0 };
	return mm_init(&r, 1, ~0ull) ? 0 : -1;
}

static int teardown(void **state)
{
	free(arena);
	return 0;
}

static void test_map_translate(void **s)
{
	struct ept e;
	u64 hpa, perm;

	assert_int_equal(ept_init(&e), 0);
	assert_int_equal(ept_map(&e, 0x200000, 0x7000000, 4, EPT_R | EPT_W), 0);
	assert_int_equal(ept_translate(&e, 0x201234, &hpa, &perm), 0);
	assert_int_equal(hpa, 0x7001234);
	assert_int_equal(perm, EPT_R | EPT_W);
	/* Leaf format: address, write-back type, permissions (Vol. 3C, 29.3.2). */
	u64 *leaf = ept_leaf(&e, 0x203000);
	assert_non_null(leaf);
	assert_int_equal(*leaf, 0x7003000 | EPT_MT_WB | EPT_R | EPT_W);
	assert_int_equal(ept_translate(&e, 0x204000, &hpa, &perm), -RV_EFAULT);
	assert_int_equal(ept_translate(&e, 0x1ff000, &hpa, &perm), -RV_EFAULT);
	/* PML4 + PDPT + PD + PT */
	assert_int_equal(e.nr_tables, 4);
	ept_destroy(&e);
}

static void test_no_double_map_and_bad_args(void **s)
{
	struct ept e;
	assert_int_equal(ept_init(&e), 0);
	assert_int_equal(ept_map(&e, 0x1000, 0x5000, 1, EPT_RWX), 0);
	assert_int_equal(ept_map(&e, 0x1000, 0x6000, 1, EPT_RWX), -RV_EEXIST);
	assert_int_equal(ept_map(&e, 0x1001, 0x6000, 1, EPT_RWX), -RV_EINVAL);
	assert_int_equal(ept_map(&e, 1ull << 48, 0x6000, 1, EPT_RWX), -RV_EINVAL);
	assert_int_equal(ept_map(&e, ~0ull & PAGE_MASK, 0x6000, 2, EPT_RWX), -RV_EINVAL);
	assert_null(ept_leaf(&e, 1ull << 50));
	ept_destroy(&e);
}

static void test_tables_span_boundaries_and_are_freed(void **s)
{
	struct ept e;
	u64 before = mm_free_pages(), hpa, perm;

	assert_int_equal(ept_init(&e), 0);
	/* 2 MiB - 4 KiB to 2 MiB + 4 KiB: two page tables under one PD. */
	assert_int_equal(ept_map(&e, 0x1ff000, 0x100000, 2, EPT_R), 0);
	/* 1 GiB away: a second PD. */
	assert_int_equal(ept_map(&e, 0x40000000, 0x300000, 1, EPT_R), 0);
	assert_int_equal(e.nr_tables, 1 + 1 + 2 + 3);
	assert_int_equal(ept_translate(&e, 0x200000, &hpa, &perm), 0);
	assert_int_equal(hpa, 0x101000);
	ept_unmap(&e, 0x1ff000, 1);
	assert_int_equal(ept_translate(&e, 0x1ff000, &hpa, &perm), -RV_EFAULT);
	ept_destroy(&e);
	assert_int_equal(e.nr_tables, 0);
	assert_int_equal(mm_free_pages(), before);
}

static void test_tracking(void **s)
{
	struct ept e;
	u64 hpa, perm;

	assert_int_equal(ept_init(&e), 0);
	assert_int_equal(ept_map(&e, 0x1000000, 0x800000, 600, EPT_RWX), 0);
	assert_int_equal(ept_map(&e, 0x2000000, 0x900000, 1, EPT_R | EPT_X), 0); /* read-only */
	assert_int_equal(ept_track_protect(&e, 0x1000000, 600), 600);
	assert_int_equal(ept_track_protect(&e, 0x1000000, 600), 0); /* idempotent */
	assert_int_equal(ept_track_protect(&e, 0x2000000, 1), 0);   /* not writable: not ours */
	u64 *leaf = ept_leaf(&e, 0x1005000);
	assert_true(*leaf & EPT_TRACKED);
	assert_false(*leaf & EPT_W);
	assert_true(ept_track_unprotect(&e, leaf));
	assert_int_equal(*leaf & (EPT_W | EPT_TRACKED), EPT_W);
	assert_false(ept_track_unprotect(&e, leaf)); /* a second fault on it is spurious */
	assert_false(ept_track_unprotect(&e, ept_leaf(&e, 0x2000000)));
	assert_int_equal(ept_translate(&e, 0x1005000, &hpa, &perm), 0);
	assert_int_equal(perm, EPT_RWX);
	/* Batches: pages 5 and 63 of the batch at 0x1000000; 63 crosses no table. */
	assert_int_equal(ept_track_protect_mask(&e, 0x1000000, BIT(5) | BIT(63)), 1);
	/* A batch that crosses a 2 MiB boundary (page 512 is in the next table). */
	ept_track_release(&e, 0x1000000, 600);
	assert_int_equal(ept_track_protect_mask(&e, 0x1000000 + 500 * PAGE_SIZE, ~0ull), 64);
	assert_true(*ept_leaf(&e, 0x1000000 + 563 * PAGE_SIZE) & EPT_TRACKED);
	assert_false(*ept_leaf(&e, 0x1000000 + 564 * PAGE_SIZE) & EPT_TRACKED);
	assert_false(*ept_leaf(&e, 0x1000000 + 499 * PAGE_SIZE) & EPT_TRACKED);
	/* Crossing into the next table on a page that is not the boundary one. */
	ept_track_release(&e, 0x1000000, 600);
	assert_int_equal(ept_track_protect_mask(&e, 0x1000000 + 500 * PAGE_SIZE, BIT(5) | BIT(20)), 2);
	assert_true(*ept_leaf(&e, 0x1000000 + 520 * PAGE_SIZE) & EPT_TRACKED);
	assert_false(*ept_leaf(&e, 0x1000000 + 8 * PAGE_SIZE) & EPT_TRACKED);
	ept_destroy(&e);
}

static void test_dirty_flags(void **s)
{
	struct ept e;

	assert_int_equal(ept_init(&e), 0);
	assert_int_equal(ept_map(&e, 0x1000000, 0x800000, 600, EPT_RWX), 0);
	/* What the processor does with A/D on: set D on a write. */
	for (int i = 0; i < 600; i += 3)
		*ept_leaf(&e, 0x1000000 + i * PAGE_SIZE) |= EPT_DIRTY;
	assert_int_equal(ept_clear_dirty_mask(&e, 0x1000000 + 500 * PAGE_SIZE, BIT(1) | BIT(40)), 2);
	assert_false(*ept_leaf(&e, 0x1000000 + 501 * PAGE_SIZE) & EPT_DIRTY);
	assert_false(*ept_leaf(&e, 0x1000000 + 540 * PAGE_SIZE) & EPT_DIRTY);
	assert_true(*ept_leaf(&e, 0x1000000 + 543 * PAGE_SIZE) & EPT_DIRTY);
	assert_int_equal(ept_clear_dirty(&e, 0x1000000, 600), 198);
	assert_int_equal(ept_clear_dirty(&e, 0x1000000, 600), 0);
	/* Permissions untouched: PML mode never write-protects. */
	assert_int_equal(*ept_leaf(&e, 0x1000000) & EPT_RWX, EPT_RWX);
	ept_destroy(&e);
}

#define MB2 0x200000ull
#define GB1 0x40000000ull

static u32 level_of(struct ept *e, u64 gpa)
{
	u32 l = 99;
	assert_non_null(ept_entry(e, gpa, &l));
	return l;
}

/* Huge leaves where gpa and hpa are equally aligned, 4 KiB elsewhere. */
static void test_huge_map_translate(void **s)
{
	struct ept e;
	u64 hpa, perm;

	assert_int_equal(ept_init(&e), 0);
	e.max_level = 1;
	/* 16 MiB: two 2 MiB leaves and 3 pages after them in one table. */
	assert_int_equal(ept_map_large(&e, 0x1000000, 0x40000000, 1024 + 3, EPT_RWX), 0);
	assert_int_equal(level_of(&e, 0x1000000), 1);
	assert_int_equal(level_of(&e, 0x13ff000), 1);
	assert_int_equal(level_of(&e, 0x1400000), 0);
	assert_null(ept_leaf(&e, 0x1001000)); /* no 4 KiB leaf under a huge one */
	/* Entry format: PS (bit 7), address bits 51:21 (Vol. 3C, 29.3.2, Table 29-3). */
	u32 l;
	assert_int_equal(*ept_entry(&e, 0x1200000, &l), 0x40200000 | EPT_MT_WB | EPT_RWX | EPT_PS);
	assert_int_equal(ept_translate(&e, 0x1234567, &hpa, &perm), 0);
	assert_int_equal(hpa, 0x40234567);
	assert_int_equal(perm, EPT_RWX);
	assert_int_equal(ept_translate(&e, 0x1402000, &hpa, &perm), 0);
	assert_int_equal(hpa, 0x40402000);
	assert_int_equal(ept_translate(&e, 0x1403000, &hpa, &perm), -RV_EFAULT);
	assert_int_equal(e.nr_tables, 4); /* PML4, PDPT, PD, one PT for the tail */
	/* Overlaps are refused whatever the sizes. */
	assert_int_equal(ept_map(&e, 0x1001000, 0x5000, 1, EPT_RWX), -RV_EEXIST);
	assert_int_equal(ept_map_large(&e, 0x1200000, 0x600000, 512, EPT_RWX), -RV_EEXIST);
	/* Host memory aligned differently: 4 KiB leaves only. */
	assert_int_equal(ept_map_large(&e, 0x2000000, 0x40001000, 512, EPT_RWX), 0);
	assert_int_equal(level_of(&e, 0x2000000), 0);
	/* max_level 0 (no 2 MiB pages in IA32_VMX_EPT_VPID_CAP): 4 KiB only. */
	e.max_level = 0;
	assert_int_equal(ept_map_large(&e, 0x4000000, 0x40000000, 512, EPT_RWX), 0);
	assert_int_equal(level_of(&e, 0x4000000), 0);
	ept_destroy(&e);
	assert_int_equal(e.nr_tables, 0);

	/* 1 GiB leaves (bit 17): a 1 GiB-aligned GiB in the PDPT itself. */
	u64 before = mm_free_pages();
	assert_int_equal(ept_init(&e), 0);
	e.max_level = 2;
	assert_int_equal(ept_map_large(&e, GB1, 2 * GB1, 512 * 512 + 512, EPT_RWX), 0);
	assert_int_equal(level_of(&e, GB1 + 0x12345000), 2);
	assert_int_equal(*ept_entry(&e, GB1, &l), 2 * GB1 | EPT_MT_WB | EPT_RWX | EPT_PS);
	assert_int_equal(level_of(&e, 2 * GB1), 1);
	assert_int_equal(ept_translate(&e, GB1 + 0x12345678, &hpa, &perm), 0);
	assert_int_equal(hpa, 2 * GB1 + 0x12345678);
	assert_int_equal(e.nr_tables, 3); /* PML4, PDPT, one PD for the last 2 MiB */
	/* Destroy frees tables only, never what a huge leaf maps. */
	ept_destroy(&e);
	assert_int_equal(mm_free_pages(), before);
}

/* A split keeps every translation, permission and software bit. */
static void test_huge_split(void **s)
{
	struct ept e;
	u64 hpa, perm;

	assert_int_equal(ept_init(&e), 0);
	e.max_level = 2;
	assert_int_equal(ept_map_large(&e, GB1, 2 * GB1, 512 * 512, EPT_R | EPT_W), 0);
	u32 l;
	*ept_entry(&e, GB1, &l) |= EPT_DIRTY | EPT_TRACKED;
	u64 *leaf = ept_split(&e, GB1 + 0x345000);
	assert_non_null(leaf);
	assert_int_equal(*leaf, (2 * GB1 + 0x345000) | EPT_MT_WB | EPT_R | EPT_W | EPT_DIRTY | EPT_TRACKED);
	assert_int_equal(e.nr_tables, 4); /* + a PD and one PT */
	assert_int_equal(level_of(&e, GB1 + 0x200000), 0);
	assert_int_equal(level_of(&e, GB1 + 0x400000), 1); /* the rest stays 2 MiB */
	assert_int_equal(*ept_entry(&e, GB1 + 0x400000, &l),
			 (2 * GB1 + 0x400000) | EPT_MT_WB | EPT_R | EPT_W | EPT_PS | EPT_DIRTY | EPT_TRACKED);
	for (u64 a = GB1; a < GB1 + 0x800000; a += 0x1000) {
		assert_int_equal(ept_translate(&e, a + 0x10, &hpa, &perm), 0);
		assert_int_equal(hpa, a + GB1 + 0x10);
		assert_int_equal(perm, EPT_R | EPT_W);
	}
	/* Splitting a 4 KiB leaf does nothing; split_range finishes the job. */
	assert_ptr_equal(ept_split(&e, GB1 + 0x345000), leaf);
	assert_int_equal(ept_split_range(&e, GB1, 2048), 0);
	assert_int_equal(e.nr_tables, 4 + 3);
	for (u64 a = GB1; a < GB1 + 0x800000; a += 0x1000)
		assert_int_equal(level_of(&e, a), 0);
	assert_null(ept_split(&e, 5 * GB1)); /* unmapped */
	ept_destroy(&e);
}

/* Lazy splitting: a huge leaf protected whole, split by the fault. */
static void test_huge_protect(void **s)
{
	struct ept e;
	u32 l;

	assert_int_equal(ept_init(&e), 0);
	e.max_level = 1;
	assert_int_equal(ept_map_large(&e, 0x1000000, 0x40000000, 1024, EPT_RWX), 0);
	/* Whole leaves, counted as their pages; no table allocated. */
	assert_int_equal(ept_track_protect(&e, 0x1000000, 1024), 1024);
	assert_int_equal(e.nr_tables, 3);
	u64 *huge = ept_entry(&e, 0x1000000, &l);
	assert_int_equal(*huge & (EPT_W | EPT_TRACKED | EPT_PS), EPT_TRACKED | EPT_PS);
	assert_int_equal(ept_track_protect(&e, 0x1000000, 1024), 0);
	/* The first write fault: split, then un-protect only that page. */
	u64 *leaf = ept_split(&e, 0x1003000);
	assert_true(*leaf & EPT_TRACKED);
	assert_true(ept_track_unprotect(&e, leaf));
	assert_true(*ept_leaf(&e, 0x1003000) & EPT_W);
	assert_false(*ept_leaf(&e, 0x1002000) & EPT_W);
	assert_false(*ept_leaf(&e, 0x1004000) & EPT_W);
	assert_true(*ept_leaf(&e, 0x11ff000) & EPT_TRACKED);
	assert_int_equal(level_of(&e, 0x1200000), 1); /* the other 2 MiB untouched */
	/* Release: the 4 KiB ones and the huge one whole. */
	ept_track_release(&e, 0x1000000, 1024);
	assert_int_equal(*ept_leaf(&e, 0x1002000) & (EPT_W | EPT_TRACKED), EPT_W);
	assert_int_equal(*ept_entry(&e, 0x1200000, &l) & (EPT_W | EPT_TRACKED), EPT_W);
	/* A range covering a huge leaf in part splits it. */
	assert_int_equal(ept_track_protect(&e, 0x1200000 + 5 * PAGE_SIZE, 2), 2);
	assert_int_equal(level_of(&e, 0x1200000), 0);
	assert_true(*ept_leaf(&e, 0x1206000) & EPT_TRACKED);
	assert_false(*ept_leaf(&e, 0x1207000) & EPT_TRACKED);
	assert_false(*ept_leaf(&e, 0x1204000) & EPT_TRACKED);
	ept_destroy(&e);

	/* 64-page batches (RV_HC_BITMAP_CLEAR_RANGE, ring resets) split. */
	assert_int_equal(ept_init(&e), 0);
	e.max_level = 1;
	assert_int_equal(ept_map_large(&e, 0x1000000, 0x40000000, 512, EPT_RWX), 0);
	assert_int_equal(ept_track_protect_mask(&e, 0x1000000 + 64 * PAGE_SIZE, BIT(0) | BIT(9)), 2);
	assert_int_equal(level_of(&e, 0x1000000), 0);
	assert_true(*ept_leaf(&e, 0x1049000) & EPT_TRACKED);
	assert_false(*ept_leaf(&e, 0x1048000) & EPT_TRACKED);
	assert_int_equal(*ept_leaf(&e, 0x1048000) & EPT_RWX, EPT_RWX);
	ept_destroy(&e);
}

/* Eager splitting: split and write-protect in one pass. */
static void test_huge_protect_split(void **s)
{
	struct ept e;
	u32 l;

	assert_int_equal(ept_init(&e), 0);
	e.max_level = 2;
	/* A 1 GiB leaf, a 2 MiB one and a read-only 2 MiB one. */
	assert_int_equal(ept_map_large(&e, GB1, 2 * GB1, 512 * 512 + 512, EPT_RWX), 0);
	assert_int_equal(ept_map_large(&e, GB1 + GB1 + MB2, 0x600000, 512, EPT_R), 0);
	u64 pages = 512 * 512 + 1024;
	assert_int_equal(ept_track_protect_split(&e, GB1, pages), 512 * 512 + 512);
	assert_int_equal(e.nr_tables, 3 + 1 + 512 + 1 + 1);
	for (u64 a = GB1; a < GB1 + pages * PAGE_SIZE; a += 0x1000 * 97) {
		u64 *leaf = ept_leaf(&e, a);
		assert_non_null(leaf);
		if (a < 2 * GB1 + MB2)
			assert_int_equal(*leaf & (EPT_RWX | EPT_TRACKED), EPT_R | EPT_X | EPT_TRACKED);
		else /* not writable before: not ours, left alone */
			assert_int_equal(*leaf & (EPT_RWX | EPT_TRACKED), EPT_R);
	}
	assert_int_equal(ept_track_protect_split(&e, GB1, pages), 0);
	ept_destroy(&e);

	/* No memory for the tables: protected whole, nothing missed. */
	assert_int_equal(ept_init(&e), 0);
	e.max_level = 1;
	assert_int_equal(ept_map_large(&e, 0x1000000, 0x40000000, 1024, EPT_RWX), 0);
	u64 all = mm_free_pages(), hog = mm_alloc(all);
	assert_int_equal(ept_track_protect_split(&e, 0x1000000, 1024), 1024);
	assert_int_equal(*ept_entry(&e, 0x1000000, &l) & (EPT_W | EPT_TRACKED | EPT_PS),
			 EPT_TRACKED | EPT_PS);
	assert_int_equal(level_of(&e, 0x1200000), 1);
	mm_free(hog, all);
	ept_destroy(&e);
}

/* PML: a 2 MiB dirty flag would hide 511 pages; clearing splits first. */
static void test_huge_clear_dirty(void **s)
{
	struct ept e;
	u32 l;

	assert_int_equal(ept_init(&e), 0);
	e.max_level = 1;
	assert_int_equal(ept_map_large(&e, 0x1000000, 0x40000000, 1024, EPT_RWX), 0);
	*ept_entry(&e, 0x1000000, &l) |= EPT_DIRTY; /* the processor wrote there */
	assert_int_equal(ept_clear_dirty(&e, 0x1000000, 1024), 512);
	assert_int_equal(level_of(&e, 0x1000000), 0);
	assert_int_equal(level_of(&e, 0x1200000), 0);
	for (u64 a = 0x1000000; a < 0x1400000; a += PAGE_SIZE) {
		assert_false(*ept_leaf(&e, a) & EPT_DIRTY);
		assert_int_equal(*ept_leaf(&e, a) & EPT_RWX, EPT_RWX);
	}
	ept_destroy(&e);
	/* The same in batches. */
	assert_int_equal(ept_init(&e), 0);
	e.max_level = 1;
	assert_int_equal(ept_map_large(&e, 0x1000000, 0x40000000, 512, EPT_RWX), 0);
	*ept_entry(&e, 0x1000000, &l) |= EPT_DIRTY;
	assert_int_equal(ept_clear_dirty_mask(&e, 0x1000000, BIT(3)), 1);
	assert_false(*ept_leaf(&e, 0x1003000) & EPT_DIRTY);
	assert_true(*ept_leaf(&e, 0x1004000) & EPT_DIRTY);
	ept_destroy(&e);
}

/* Out of memory for a split: protect the whole leaf rather than miss a write. */
static void test_huge_split_fails_safe(void **s)
{
	struct ept e;
	u32 l;

	assert_int_equal(ept_init(&e), 0);
	e.max_level = 1;
	assert_int_equal(ept_map_large(&e, 0x1000000, 0x40000000, 1024, EPT_RWX), 0);
	u64 all = mm_free_pages(), hog = mm_alloc(all);
	assert_true(hog != 0);
	u64 *huge = ept_entry(&e, 0x1000000, &l);
	*huge |= EPT_DIRTY;
	assert_null(ept_split(&e, 0x1000000));
	assert_int_equal(ept_split_range(&e, 0x1000000, 1024), -RV_ENOMEM);
	assert_int_equal(ept_clear_dirty_mask(&e, 0x1000000, BIT(3)), 1);
	assert_int_equal(*huge & (EPT_W | EPT_DIRTY | EPT_TRACKED | EPT_PS), EPT_TRACKED | EPT_PS);
	assert_int_equal(ept_track_protect_mask(&e, 0x1200000, BIT(1)), 1);
	assert_int_equal(*ept_entry(&e, 0x1200000, &l) & (EPT_W | EPT_TRACKED), EPT_TRACKED);
	ept_track_release(&e, 0x1000000, 1024);
	assert_int_equal(*huge & (EPT_W | EPT_TRACKED), EPT_W);
	assert_int_equal(ept_clear_dirty(&e, 0x1000000, 3), 3); /* part of it: protected whole */
	assert_int_equal(*huge & (EPT_W | EPT_TRACKED), EPT_TRACKED);
	/* A leaf read-only for another reason never becomes tracked. */
	u64 *ro = ept_entry(&e, 0x1200000, &l);
	*ro = (*ro & ~(EPT_W | EPT_TRACKED)) | EPT_DIRTY;
	assert_int_equal(ept_clear_dirty_mask(&e, 0x1200000, BIT(0)), 1);
	assert_int_equal(*ro & (EPT_W | EPT_TRACKED | EPT_DIRTY), 0);
	/* A fetch from a withheld leaf without memory for the split: said
	 * (the partition stops with that reason), the leaf unchanged. */
	mm_free(hog, all);
	e.nx_huge = true;
	assert_int_equal(ept_map_large(&e, 0x4000000, 0x40000000, 512, EPT_RWX), 0);
	all = mm_free_pages();
	hog = mm_alloc(all);
	assert_int_equal(ept_exec_fault(&e, 0x4001000), -RV_ENOMEM);
	assert_int_equal(*ept_entry(&e, 0x4000000, &l),
			 0x40000000 | EPT_MT_WB | EPT_R | EPT_W | EPT_PS | EPT_XHELD);
	mm_free(hog, all);
	ept_destroy(&e);
}

/* Logging off: huge leaves come back where the 512 entries allow. */
static void test_huge_collapse(void **s)
{
	struct ept e;
	u64 freed[8], cur, hpa, perm, before = mm_free_pages();
	u32 l;

	assert_int_equal(ept_init(&e), 0);
	e.max_level = 2;
	/* 1 GiB + 4 MiB at 1 GiB: one 1 GiB leaf and two 2 MiB ones. */
	u64 pages = 512 * 512 + 1024;
	assert_int_equal(ept_map_large(&e, GB1, 2 * GB1, pages, EPT_RWX), 0);
	assert_int_equal(e.nr_tables, 3);
	assert_int_equal(ept_split_range(&e, GB1, pages), 0);
	assert_int_equal(e.nr_tables, 3 + 1 + 512 + 2);
	/* What must stop a collapse: a tracked page, another permission,
	 * memory that is not contiguous. */
	*ept_leaf(&e, GB1 + 0x5000) |= EPT_TRACKED;
	*ept_leaf(&e, GB1 + 0x205000) &= ~EPT_X;
	u64 *odd = ept_leaf(&e, GB1 + 0x407000);
	*odd ^= 0x1000000;
	*ept_leaf(&e, GB1 + 0x600000) |= EPT_DIRTY | EPT_ACCESSED; /* ignored */
	for (u64 a = GB1 + 0x800000; a < GB1 + 0xa00000; a += PAGE_SIZE)
		*ept_leaf(&e, a) |= EPT_TRACKED; /* all alike, but still logged */
	u32 n = 0, total = 0;
	cur = GB1;
	do {
		n = ept_collapse(&e, GB1, pages, freed, 8, &cur);
		ept_free_tables(&e, freed, n);
		total += n;
	} while (cur < GB1 + pages * PAGE_SIZE);
	assert_int_equal(total, 512 + 2 - 4);
	assert_int_equal(level_of(&e, GB1 + 0x5000), 0);
	assert_int_equal(level_of(&e, GB1 + 0x800000), 0);
	assert_int_equal(level_of(&e, GB1 + 0x205000), 0);
	assert_int_equal(level_of(&e, GB1 + 0x407000), 0);
	assert_int_equal(level_of(&e, GB1 + 0x600000), 1);
	assert_int_equal(*ept_entry(&e, GB1 + 0x600000, &l),
			 (2 * GB1 + 0x600000) | EPT_MT_WB | EPT_RWX | EPT_PS | EPT_DIRTY | EPT_ACCESSED);
	assert_int_equal(level_of(&e, 2 * GB1 + 0x200000), 1);
	assert_int_equal(ept_translate(&e, GB1 + 0x60abcd, &hpa, &perm), 0);
	assert_int_equal(hpa, 2 * GB1 + 0x60abcd);
	/* Mend them: now the GiB collapses to one leaf. */
	*ept_leaf(&e, GB1 + 0x5000) &= ~EPT_TRACKED;
	*ept_leaf(&e, GB1 + 0x205000) |= EPT_X;
	*odd ^= 0x1000000;
	for (u64 a = GB1 + 0x800000; a < GB1 + 0xa00000; a += PAGE_SIZE)
		*ept_leaf(&e, a) &= ~EPT_TRACKED;
	cur = GB1;
	total = 0;
	do {
		n = ept_collapse(&e, GB1, pages, freed, 8, &cur);
		ept_free_tables(&e, freed, n);
		total += n;
	} while (cur < GB1 + pages * PAGE_SIZE);
	assert_int_equal(total, 4 + 1);
	assert_int_equal(level_of(&e, GB1 + 0x5000), 2);
	assert_int_equal(e.nr_tables, 3);
	/* Without 1 GiB pages the GiB stays 512 2 MiB leaves. */
	assert_int_equal(ept_split_range(&e, GB1, pages), 0);
	e.max_level = 1;
	cur = GB1;
	do {
		n = ept_collapse(&e, GB1, pages, freed, 8, &cur);
		ept_free_tables(&e, freed, n);
	} while (cur < GB1 + pages * PAGE_SIZE);
	assert_int_equal(level_of(&e, GB1), 1);
	assert_int_equal(e.nr_tables, 4);
	ept_destroy(&e);
	assert_int_equal(mm_free_pages(), before);
}

/*
 * nx_huge (the iTLB-multihit erratum): huge leaves are mapped without
 * EPT_X, with EPT_XHELD; a fetch splits one down to 4 KiB leaves that may
 * execute, a 1 GiB leaf through 2 MiB ones that still may not; a collapse
 * withholds execute again; a page never executable stays so.
 */
static void test_huge_nx(void **s)
{
	struct ept e;
	u64 freed[8], cur, hpa, perm, before = mm_free_pages();
	u32 l;

	assert_int_equal(ept_init(&e), 0);
	assert_false(e.nx_huge); /* off until the owner sets it */
	e.max_level = 2;
	e.nx_huge = true;
	u64 pages = 512 * 512 + 1024; /* a 1 GiB leaf and two 2 MiB ones */
	assert_int_equal(ept_map_large(&e, GB1, 2 * GB1, pages, EPT_RWX), 0);
	assert_int_equal(*ept_entry(&e, GB1, &l),
			 2 * GB1 | EPT_MT_WB | EPT_R | EPT_W | EPT_PS | EPT_XHELD);
	assert_int_equal(*ept_entry(&e, 2 * GB1 + 0x200000, &l),
			 (3 * GB1 + 0x200000) | EPT_MT_WB | EPT_R | EPT_W | EPT_PS | EPT_XHELD);
	/* What the mapping allows is unchanged for every other purpose. */
	assert_int_equal(ept_translate(&e, GB1 + 0x1234, &hpa, &perm), 0);
	assert_int_equal(perm, EPT_RWX);
	/* A fetch: the GiB becomes 2 MiB leaves (still withheld) and the one
	 * fetched from 4 KiB leaves that execute. */
	assert_int_equal(ept_exec_fault(&e, GB1 + 0x345000), 1);
	assert_int_equal(e.nr_exec_splits, 1);
	assert_int_equal(e.nr_splits, 2);
	assert_int_equal(*ept_leaf(&e, GB1 + 0x345000), (2 * GB1 + 0x345000) | EPT_MT_WB | EPT_RWX);
	assert_int_equal(*ept_leaf(&e, GB1 + 0x200000), (2 * GB1 + 0x200000) | EPT_MT_WB | EPT_RWX);
	assert_int_equal(*ept_entry(&e, GB1 + 0x400000, &l),
			 (2 * GB1 + 0x400000) | EPT_MT_WB | EPT_R | EPT_W | EPT_PS | EPT_XHELD);
	/* Another vCPU faulting on the same page with a stale translation. */
	assert_int_equal(ept_exec_fault(&e, GB1 + 0x345000), 1);
	assert_int_equal(e.nr_splits, 2);
	/* A write-tracking split of a withheld leaf gives 4 KiB leaves X too. */
	assert_non_null(ept_split(&e, GB1 + 0x600000));
	assert_int_equal(*ept_leaf(&e, GB1 + 0x601000), (2 * GB1 + 0x601000) | EPT_MT_WB | EPT_RWX);
	/* Put back: withheld again, and the fetch splits again.  Only 2 MiB
	 * leaves: a fetch could split one while a 1 GiB collapse runs. */
	cur = GB1;
	do {
		u32 n = ept_collapse(&e, GB1, pages, freed, 8, &cur);
		ept_free_tables(&e, freed, n);
	} while (cur < GB1 + pages * PAGE_SIZE);
	assert_int_equal(level_of(&e, GB1), 1);
	assert_int_equal(level_of(&e, GB1 + 0x345000), 1);
	assert_int_equal(*ept_entry(&e, GB1 + 0x200000, &l),
			 (2 * GB1 + 0x200000) | EPT_MT_WB | EPT_R | EPT_W | EPT_PS | EPT_XHELD);
	assert_int_equal(ept_exec_fault(&e, GB1 + 0x201000), 1);
	assert_int_equal(e.nr_exec_splits, 2);
	/* Not executable at all: a 4 KiB read-write page, an unmapped one,
	 * and a huge leaf mapped without EPT_X. */
	assert_int_equal(ept_map(&e, 0x10000, 0x7000000, 1, EPT_R | EPT_W), 0);
	assert_int_equal(0, ept_exec_fault(&e, 0x10000));
	assert_int_equal(0, ept_exec_fault(&e, 0x20000));
	assert_int_equal(ept_map_large(&e, 4 * GB1, 0x40000000, 512, EPT_R | EPT_W), 0);
	assert_int_equal(level_of(&e, 4 * GB1), 1);
	assert_int_equal(0, ept_exec_fault(&e, 4 * GB1));
	assert_int_equal(level_of(&e, 4 * GB1), 1);
	assert_int_equal(e.nr_exec_splits, 2);
	ept_destroy(&e);
	assert_int_equal(mm_free_pages(), before);

	/* Without nx_huge a huge leaf keeps EPT_X and a fetch never faults. */
	assert_int_equal(ept_init(&e), 0);
	e.max_level = 1;
	assert_int_equal(ept_map_large(&e, 0x1000000, 0x40000000, 512, EPT_RWX), 0);
	assert_int_equal(*ept_entry(&e, 0x1000000, &l), 0x40000000 | EPT_MT_WB | EPT_RWX | EPT_PS);
	assert_int_equal(0, ept_exec_fault(&e, 0x1000000)); /* a fault there is not ours to mend */
	ept_destroy(&e);
}

/* Unmapping part of a huge leaf keeps the rest. */
static void test_huge_unmap(void **s)
{
	struct ept e;
	u64 hpa, perm, before = mm_free_pages();

	assert_int_equal(ept_init(&e), 0);
	e.max_level = 1;
	assert_int_equal(ept_map_large(&e, 0x1000000, 0x40000000, 1024, EPT_RWX), 0);
	ept_unmap(&e, 0x1001000, 2);
	assert_int_equal(ept_translate(&e, 0x1001000, &hpa, &perm), -RV_EFAULT);
	assert_int_equal(ept_translate(&e, 0x1002000, &hpa, &perm), -RV_EFAULT);
	assert_int_equal(ept_translate(&e, 0x1003000, &hpa, &perm), 0);
	assert_int_equal(ept_translate(&e, 0x1000000, &hpa, &perm), 0);
	assert_int_equal(level_of(&e, 0x1200000), 1);
	ept_unmap(&e, 0x1000000, 1024);
	assert_int_equal(ept_translate(&e, 0x1200000, &hpa, &perm), -RV_EFAULT);
	assert_int_equal(ept_translate(&e, 0x1003000, &hpa, &perm), -RV_EFAULT);
	/* Mapped again over the empty table the unmap left: 4 KiB there. */
	assert_int_equal(ept_map_large(&e, 0x1000000, 0x40000000, 1024, EPT_RWX), 0);
	assert_int_equal(level_of(&e, 0x1000000), 0);
	assert_int_equal(level_of(&e, 0x1200000), 1);
	ept_destroy(&e);
	assert_int_equal(mm_free_pages(), before);
}

static void test_eptp(void **s)
{
	struct ept e = { .root = 0x123000 };
	assert_int_equal(ept_eptp(&e, false), 0x123000 | 0x1e);
	assert_int_equal(ept_eptp(&e, true), 0x123000 | 0x5e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_map_translate),
	    cmocka_unit_test(test_no_double_map_and_bad_args),
	    cmocka_unit_test(test_tables_span_boundaries_and_are_freed),
	    cmocka_unit_test(test_tracking),
	    cmocka_unit_test(test_dirty_flags),
	    cmocka_unit_test(test_huge_map_translate),
	    cmocka_unit_test(test_huge_split),
	    cmocka_unit_test(test_huge_protect),
	    cmocka_unit_test(test_huge_protect_split),
	    cmocka_unit_test(test_huge_clear_dirty),
	    cmocka_unit_test(test_huge_split_fails_safe),
	    cmocka_unit_test(test_huge_collapse),
	    cmocka_unit_test(test_huge_nx),
	    cmocka_unit_test(test_huge_unmap),
	    cmocka_unit_test(test_eptp),
	};
	return cmocka_run_group_tests_name("ept", tests, setup, teardown);
}
