// SPDX-License-Identifier: MIT
// links: hv/platform/mm.c
/*
 * The page allocator against fake memory: "physical" regions are pieces
 * of a host buffer (the allocator only needs addresses it can write).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "platform/mm.h"

#define ARENA_PAGES 4096 /* 16 MiB */
static uint8_t *arena;

static int setup(void **state)
{
	arena = aligned_alloc(2 << 20, ARENA_PAGES * PAGE_SIZE);
	memset(arena, 0xaa, ARENA_PAGES * PAGE_SIZE); /* allocations must zero */
	return arena ? 0 : -1;
}

static int teardown(void **state)
{
	free(arena);
	return 0;
}

static u64 A(u64 page) { return (u64)arena + page * PAGE_SIZE; }

#define NO_LIMIT (~0ull) /* everything mapped */
#define GiB (1ull << 30)
#define TiB (1ull << 40)

static void init_two_regions(void)
{
	struct rv_mem_region r[] = {
		{ A(0), 1024 * PAGE_SIZE, RV_MEM_FREE, 0 },
		{ A(1024), 512 * PAGE_SIZE, RV_MEM_RESERVED, 0 }, /* a hole */
		{ A(1536), 2048 * PAGE_SIZE, RV_MEM_FREE, 0 },
	};
	/* The bitmap (one page here) is taken from the first region. */
	assert_int_equal(mm_init(r, 3, NO_LIMIT), 1024 + 2048 - 1);
}

static void test_alloc_zeroed_and_in_free_memory(void **s)
{
	init_two_regions();
	u64 pa = mm_alloc(3);
	assert_true(pa >= A(0) && pa + 3 * PAGE_SIZE <= A(1024));
	for (u64 i = 0; i < 3 * PAGE_SIZE; i++)
		assert_int_equal(((uint8_t *)pa)[i], 0);
	assert_int_equal(mm_free_pages(), 3071 - 3);
}

static void test_never_hands_out_reserved(void **s)
{
	init_two_regions();
	u64 n = 0, pa;
	while ((pa = mm_alloc(1))) {
		assert_false(pa >= A(1024) && pa < A(1536));
		n++;
	}
	assert_int_equal(n, 3071);
	assert_int_equal(mm_free_pages(), 0);
}

static void test_contiguous_run_skips_hole(void **s)
{
	init_two_regions();
	/* 1500 contiguous pages only fit in the second region. */
	u64 pa = mm_alloc(1500);
	assert_true(pa >= A(1536));
	assert_int_equal(mm_alloc(2000), 0); /* too big for what is left anywhere */
}

static void test_alignment(void **s)
{
	init_two_regions();
	mm_alloc(1);
	u64 pa = mm_alloc_aligned(4, 512);
	assert_int_not_equal(pa, 0);
	assert_int_equal(pa % (512 * PAGE_SIZE), 0);
	assert_int_equal(mm_alloc_aligned(1, 3), 0); /* not a power of two */
	assert_int_equal(mm_alloc_aligned(0, 1), 0);
}

static void test_free_and_reuse(void **s)
{
	init_two_regions();
	u64 before = mm_free_pages();
	u64 a = mm_alloc(10);
	mm_free(a, 10);
	assert_int_equal(mm_free_pages(), before);
	assert_int_equal(mm_alloc(10), a); /* first fit finds it again */
}

static void test_double_free_panics(void **s)
{
	init_two_regions();
	u64 a = mm_alloc(1);
	mm_free(a, 1);
	expect_assert_failure(mm_free(a, 1));
}

static void test_nothing_usable(void **s)
{
	struct rv_mem_region r[] = { { A(0), PAGE_SIZE * 8, RV_MEM_RESERVED, 0 } };
	assert_int_equal(mm_init(r, 1, NO_LIMIT), 0);
	struct rv_mem_region low[] = { { 0x1000, 0x9f000, RV_MEM_FREE, 0 } }; /* below 1 MiB */
	assert_int_equal(mm_init(low, 1, NO_LIMIT), 0);
}

/*
 * A firmware map that ends past the hypervisor's mapped limit.  The host
 * arena stands for physical memory from A(0) on; the limit is where the
 * identity map would end (64 GiB on the machine, the arena's end here so
 * that every page below it is real).  The free region runs from inside
 * the arena to `end` past the limit: the allocator must count and hand
 * out only what lies below the limit, and report the rest as unused.
 */
static void straddle(u64 end)
{
	u64 limit = A(ARENA_PAGES);
	struct rv_mem_region r[] = {
		{ A(0), 2048 * PAGE_SIZE, RV_MEM_FREE, 0 },
		{ A(2048), 1024 * PAGE_SIZE, RV_MEM_RESERVED, 0 },
		{ A(3072), end - A(3072), RV_MEM_FREE, 0 },
	};
	/* 2048 + 1024 pages below the limit, one of them the bitmap. */
	assert_int_equal(mm_init(r, 3, limit), 2048 + 1024 - 1);
	assert_int_equal(mm_unmapped_bytes(), end - limit);
	u64 n = 0, pa;
	while ((pa = mm_alloc(1))) {
		assert_true(pa >= A(0) && pa + PAGE_SIZE <= limit);
		assert_false(pa >= A(2048) && pa < A(3072));
		n++;
	}
	assert_int_equal(n, 2048 + 1024 - 1);
}

static void test_map_past_64gib(void **s) { straddle(A(0) + 64 * GiB + 512 * GiB / 8); }
static void test_map_past_1tib(void **s) { straddle(A(0) + TiB + 3 * GiB); }

/* A free region that starts above the limit is not used at all. */
static void test_region_wholly_above_limit(void **s)
{
	struct rv_mem_region r[] = {
		{ A(0), ARENA_PAGES * PAGE_SIZE, RV_MEM_FREE, 0 },
		{ A(0) + 64 * GiB, 2 * TiB, RV_MEM_FREE, 0 },
	};
	assert_int_equal(mm_init(r, 2, A(0) + 64 * GiB), ARENA_PAGES - 1);
	assert_int_equal(mm_unmapped_bytes(), 2 * TiB);
	assert_int_equal(mm_alloc(ARENA_PAGES), 0); /* nothing beyond the arena */
	assert_int_not_equal(mm_alloc(ARENA_PAGES - 1), 0);
	/* The same map with everything mapped: nothing unused. */
	struct rv_mem_region only[] = { { A(0), ARENA_PAGES * PAGE_SIZE, RV_MEM_FREE, 0 } };
	assert_int_equal(mm_init(only, 1, A(0) + 64 * GiB), ARENA_PAGES - 1);
	assert_int_equal(mm_unmapped_bytes(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_zeroed_and_in_free_memory),
		cmocka_unit_test(test_never_hands_out_reserved),
		cmocka_unit_test(test_contiguous_run_skips_hole),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_free_and_reuse),
		cmocka_unit_test(test_nothing_usable),
		cmocka_unit_test(test_map_past_64gib),
		cmocka_unit_test(test_map_past_1tib),
		cmocka_unit_test(test_region_wholly_above_limit),
		/* Last: the failed assertion leaves mm_lock held. */
		cmocka_unit_test(test_double_free_panics),
	};
	return cmocka_run_group_tests_name("mm", tests, setup, teardown);
}
