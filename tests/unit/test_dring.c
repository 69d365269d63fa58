// SPDX-License-Identifier: MIT
// links: hv/dirtyring/dring.c
/* The dirty ring's producer/consumer/reset logic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dirtyring/dring.h"

static struct rv_dirty_entry mem[1024];

/* Records rearm calls. */
struct call {
	u32 slot;
	u64 base, mask;
};
static struct call calls[1024];
static int nr_calls;
static void rearm(void *ctx, u32 slot, u64 base, u64 mask)
{
	calls[nr_calls++] = (struct call){ slot, base, mask };
}

/* What the management partition does: acquire DIRTY, read, release RESET. */
static int harvest(struct dring *r, u32 *fetch, u32 max)
{
	int n = 0;
	while (n < (int)max) {
		struct rv_dirty_entry *e = &r->entries[*fetch & (r->size - 1)];
		if (load_acquire(&e->flags) != RV_DIRTY_FLAG_DIRTY)
			break; /* free, or harvested but not reset yet */
		store_release(&e->flags, RV_DIRTY_FLAG_DIRTY | RV_DIRTY_FLAG_RESET);
		(*fetch)++;
		n++;
	}
	return n;
}

static void test_sizes(void **s)
{
	assert_int_equal(dring_check_size(256), 0);
	assert_int_equal(dring_check_size(65536), 0);
	assert_int_equal(dring_check_size(128), -RV_EINVAL);
	assert_int_equal(dring_check_size(131072), -RV_EINVAL);
	assert_int_equal(dring_check_size(1000), -RV_EINVAL);
	assert_int_equal(dring_check_size(0), -RV_EINVAL);
}

static void test_push_layout_and_flags(void **s)
{
	struct dring r;
	dring_init(&r, mem, 256, 192, 0);
	assert_int_equal(dring_push(&r, 1, 0x37e), DRING_PUSHED);
	assert_int_equal(mem[0].flags, RV_DIRTY_FLAG_DIRTY);
	assert_int_equal(mem[0].slot, 1);
	assert_int_equal(mem[0].offset, 0x37e);
	assert_int_equal(sizeof(struct rv_dirty_entry), 16); /* KVM's layout */
	assert_int_equal(dring_used(&r), 1);
}

static void test_soft_limit_and_full(void **s)
{
	struct dring r;
	dring_init(&r, mem, 256, 256 - RV_RING_RESERVE, 0);
	for (int i = 0; i < 191; i++)
		assert_int_equal(dring_push(&r, 1, i), DRING_PUSHED);
	assert_int_equal(dring_push(&r, 1, 191), DRING_SOFT_FULL); /* used 192 */
	for (int i = 192; i < 256; i++)
		assert_int_equal(dring_push(&r, 1, i), DRING_SOFT_FULL);
	/* Full: nothing is written, nothing overwritten. */
	assert_int_equal(dring_push(&r, 1, 999), DRING_FULL);
	assert_int_equal(mem[0].offset, 0);
	assert_int_equal(dring_used(&r), 256);
}

static void test_reset_only_harvested_in_order(void **s)
{
	struct dring r;
	u32 fetch = 0;
	dring_init(&r, mem, 256, 192, 0);
	nr_calls = 0;
	for (int i = 0; i < 10; i++)
		dring_push(&r, 1, 100 + i);
	assert_int_equal(dring_reset(&r, rearm, NULL), 0); /* nothing harvested */
	assert_int_equal(harvest(&r, &fetch, 4), 4);
	assert_int_equal(dring_reset(&r, rearm, NULL), 4);
	assert_int_equal(dring_used(&r), 6);
	assert_int_equal(mem[0].flags, 0);
	assert_int_equal(mem[4].flags, RV_DIRTY_FLAG_DIRTY);
	/* Offsets 100..103 of slot 1 merge into one batch. */
	assert_int_equal(nr_calls, 1);
	assert_int_equal(calls[0].slot, 1);
	assert_int_equal(calls[0].base, 100);
	assert_int_equal(calls[0].mask, 0xf);
	/* A hole: entry 5 harvested out of order does not get reset. */
	mem[5].flags |= RV_DIRTY_FLAG_RESET;
	assert_int_equal(dring_reset(&r, rearm, NULL), 0);
}

static void test_batches_split_by_slot_and_distance(void **s)
{
	struct dring r;
	u32 fetch = 0;
	dring_init(&r, mem, 256, 192, 0);
	nr_calls = 0;
	dring_push(&r, 1, 10);
	dring_push(&r, 1, 73); /* 10 + 63: same batch */
	dring_push(&r, 1, 74); /* 10 + 64: new batch */
	dring_push(&r, 2, 74); /* other slot */
	dring_push(&r, 2, 5);  /* backwards: new batch */
	harvest(&r, &fetch, 100);
	assert_int_equal(dring_reset(&r, rearm, NULL), 5);
	assert_int_equal(nr_calls, 4);
	assert_int_equal(calls[0].mask, BIT(0) | BIT(63));
	assert_int_equal(calls[1].base, 74);
	assert_int_equal(calls[2].slot, 2);
	assert_int_equal(calls[3].base, 5);
}

static void test_wraparound_past_2_32(void **s)
{
	struct dring r;
	u32 fetch = 0xffffff00u;
	dring_init(&r, mem, 256, 192, 0xffffff00u);
	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 150; i++)
			assert_int_not_equal(dring_push(&r, 1, (u64)round * 1000 + i), DRING_FULL);
		assert_int_equal(harvest(&r, &fetch, 1000), 150);
		nr_calls = 0;
		assert_int_equal(dring_reset(&r, rearm, NULL), 150);
		assert_int_equal(dring_used(&r), 0);
	}
	assert_true(r.dirty_index < 0x1000); /* it wrapped */
}

static void test_hostile_consumer_is_bounded(void **s)
{
	struct dring r;
	dring_init(&r, mem, 256, 192, 0);
	/* RESET set on every entry, but only 3 were ever pushed. */
	dring_push(&r, 1, 1);
	dring_push(&r, 1, 2);
	dring_push(&r, 1, 3);
	for (int i = 0; i < 256; i++)
		mem[i].flags = RV_DIRTY_FLAG_DIRTY | RV_DIRTY_FLAG_RESET;
	nr_calls = 0;
	assert_int_equal(dring_reset(&r, rearm, NULL), 3);
	assert_int_equal(dring_used(&r), 0);
	assert_int_equal(dring_reset(&r, rearm, NULL), 0);
}

static void test_harvest_of_a_full_ring_stops_after_one_lap(void **s)
{
	struct dring r;
	u32 fetch = 0;
	dring_init(&r, mem, 256, 256, 0);
	for (int i = 0; i < 256; i++)
		dring_push(&r, 1, i);
	/* The consumer meets its own RESET entries after one lap: it stops. */
	assert_int_equal(harvest(&r, &fetch, 10000), 256);
	assert_int_equal(harvest(&r, &fetch, 10000), 0);
	assert_int_equal(dring_reset(&r, rearm, NULL), 256);
}

static void test_stale_offsets_are_clipped(void **s)
{
	u64 mask = ~0ull;
	/* A 100-page slot: a batch at 64 keeps offsets 64..99 (36 bits). */
	assert_int_equal(dring_clip_batch(64, &mask, 100), 28);
	assert_int_equal(mask, (1ull << 36) - 1);
	mask = 0x5;
	assert_int_equal(dring_clip_batch(100, &mask, 100), 2); /* past the end */
	assert_int_equal(mask, 0);
	mask = 0xff;
	assert_int_equal(dring_clip_batch(0, &mask, 1000), 0); /* inside */
	assert_int_equal(mask, 0xff);
	mask = 1;
	assert_int_equal(dring_clip_batch(~0ull - 3, &mask, 100), 1); /* huge offset */
	assert_int_equal(mask, 0);
}

static void test_full_then_reset_frees(void **s)
{
	struct dring r;
	u32 fetch = 0;
	dring_init(&r, mem, 256, 256, 0);
	for (int i = 0; i < 256; i++)
		dring_push(&r, 1, i);
	assert_int_equal(dring_push(&r, 1, 500), DRING_FULL);
	harvest(&r, &fetch, 1);
	assert_int_equal(dring_reset(&r, rearm, NULL), 1);
	assert_int_not_equal(dring_push(&r, 1, 500), DRING_FULL);
	assert_int_equal(mem[0].offset, 500); /* reused the freed entry */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_push_layout_and_flags),
		cmocka_unit_test(test_soft_limit_and_full),
		cmocka_unit_test(test_reset_only_harvested_in_order),
		cmocka_unit_test(test_batches_split_by_slot_and_distance),
		cmocka_unit_test(test_wraparound_past_2_32),
		cmocka_unit_test(test_hostile_consumer_is_bounded),
		cmocka_unit_test(test_harvest_of_a_full_ring_stops_after_one_lap),
		cmocka_unit_test(test_stale_offsets_are_clipped),
		cmocka_unit_test(test_full_then_reset_frees),
	};
	return cmocka_run_group_tests_name("dring", tests, NULL, NULL);
}
