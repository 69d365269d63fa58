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
		cmocka_unit_test(test_eptp),
	};
	return cmocka_run_group_tests_name("ept", tests, setup, teardown);
}
