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
static struct rv_dirty_entry big[RV_RING_MAX_ENTRIES];
#define ALL 0xffffffffu /* no bound but the ring's */

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
	while ((u32)n < max) {
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
	assert_int_equal(dring_reset(&r, ALL, rearm, NULL), 0); /* nothing harvested */
	assert_int_equal(harvest(&r, &fetch, 4), 4);
	assert_int_equal(dring_reset(&r, ALL, rearm, NULL), 4);
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
	assert_int_equal(dring_reset(&r, ALL, rearm, NULL), 0);
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
	assert_int_equal(dring_reset(&r, ALL, rearm, NULL), 5);
	assert_int_equal(nr_calls, 4);
	assert_int_equal(calls[0].mask, BIT(0) | BIT(63));
	assert_int_equal(calls[1].base, 74);
	assert_int_equal(calls[2].slot, 2);
	assert_int_equal(calls[3].base, 5);
}

/* A batch stops at the ring's end: entries on both sides of the wrap are
 * reset, in two rearm calls, with the masks their offsets give. */
static void test_batch_stops_at_ring_end(void **s)
{
	struct dring r;
	u32 fetch = 250;
	dring_init(&r, mem, 256, 256, 250);
	nr_calls = 0;
	for (u32 i = 0; i < 10; i++)
		dring_push(&r, 1, 500 + i); /* entries 250..255, then 0..3 */
	assert_int_equal(harvest(&r, &fetch, 100), 10);
	/* Past the ring's end, memory that looks like the next entries: a
	 * reset that walked on would free those instead of entries 0..3. */
	for (u32 k = 0; k < 4; k++)
		mem[256 + k] = (struct rv_dirty_entry){ RV_DIRTY_FLAG_DIRTY | RV_DIRTY_FLAG_RESET, 1,
							506 + k };
	assert_int_equal(dring_reset(&r, ALL, rearm, NULL), 10);
	assert_int_equal(nr_calls, 2);
	assert_int_equal(calls[0].base, 500);
	assert_int_equal(calls[0].mask, 0x3f);
	assert_int_equal(calls[1].base, 506);
	assert_int_equal(calls[1].mask, 0xf);
	assert_int_equal(r.reset_index, 260);
	for (u32 i = 0; i < 256; i++)
		assert_int_equal(mem[i].flags, 0);
	memset(&mem[256], 0, 4 * sizeof(mem[0]));
}

/* The ABI resets entries with RESET set, whatever else the consumer wrote
 * into flags: such an entry ends a batch and opens the next, nothing is
 * skipped, and offsets and slot still decide the masks. */
static void test_reset_flag_alone_is_reset(void **s)
{
	struct dring r;
	u32 fetch = 0;
	dring_init(&r, mem, 256, 192, 0);
	nr_calls = 0;
	for (u32 i = 0; i < 4; i++)
		dring_push(&r, 1, 40 + i);
	assert_int_equal(harvest(&r, &fetch, 100), 4);
	mem[2].flags = RV_DIRTY_FLAG_RESET; /* a consumer that stored RESET alone */
	assert_int_equal(dring_reset(&r, ALL, rearm, NULL), 4);
	assert_int_equal(nr_calls, 2);
	assert_int_equal(calls[0].base, 40);
	assert_int_equal(calls[0].mask, 0x3);
	assert_int_equal(calls[1].base, 42);
	assert_int_equal(calls[1].mask, 0x3);
	assert_int_equal(r.reset_index, 4);
	for (u32 i = 0; i < 4; i++)
		assert_int_equal(mem[i].flags, 0);
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
		assert_int_equal(dring_reset(&r, ALL, rearm, NULL), 150);
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
	assert_int_equal(dring_reset(&r, ALL, rearm, NULL), 3);
	assert_int_equal(dring_used(&r), 0);
	assert_int_equal(dring_reset(&r, ALL, rearm, NULL), 0);
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
	assert_int_equal(dring_reset(&r, ALL, rearm, NULL), 256);
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
	assert_int_equal(dring_reset(&r, ALL, rearm, NULL), 1);
	assert_int_not_equal(dring_push(&r, 1, 500), DRING_FULL);
	assert_int_equal(mem[0].offset, 500); /* reused the freed entry */
}

/* A 65536-entry ring, full and harvested: RV_RING_RESET_MAX per call, in order. */
static void test_full_ring_reset_is_bounded(void **s)
{
	struct dring r;
	u32 fetch = 0, calls_made = 0, total = 0;
	dring_init(&r, big, RV_RING_MAX_ENTRIES, RV_RING_MAX_ENTRIES, 0);
	for (u32 i = 0; i < RV_RING_MAX_ENTRIES; i++)
		assert_int_not_equal(dring_push(&r, 1, i), DRING_FULL);
	assert_int_equal(harvest(&r, &fetch, ALL), RV_RING_MAX_ENTRIES);
	while (dring_reset_pending(&r)) {
		nr_calls = 0;
		u32 n = dring_reset(&r, RV_RING_RESET_MAX, rearm, NULL);
		assert_int_equal(n, RV_RING_RESET_MAX);
		/* Neighbouring pages: 64 batches of 64, not one more. */
		assert_int_equal(nr_calls, RV_RING_RESET_MAX / 64);
		assert_int_equal(calls[0].base, total);
		total += n;
		calls_made++;
	}
	assert_int_equal(total, RV_RING_MAX_ENTRIES);
	assert_int_equal(calls_made, RV_RING_MAX_ENTRIES / RV_RING_RESET_MAX);
	assert_int_equal(dring_used(&r), 0);
	assert_int_equal(dring_reset(&r, RV_RING_RESET_MAX, rearm, NULL), 0);
}

/*
 * A consumer that marks entries behind the reset as fast as the producer
 * pushes them: from inside every rearm call (the moment the reset works)
 * the producer fills the entries already freed and the consumer marks
 * them.  One call still stops at its bound, and leaves work for the next.
 */
struct chaser {
	struct dring *r;
	u32 fetch, pushed, marked_during;
};
static void rearm_and_chase(void *ctx, u32 slot, u64 base, u64 mask)
{
	struct chaser *c = ctx;
	rearm(NULL, slot, base, mask);
	while (dring_push(c->r, 1, c->pushed % 4096) != DRING_FULL)
		c->pushed++;
	c->marked_during += harvest(c->r, &c->fetch, ALL);
}

static void test_consumer_marking_behind_cannot_hold_the_reset(void **s)
{
	struct dring r;
	struct chaser c = { &r, 0, 0, 0 };
	dring_init(&r, big, RV_RING_MAX_ENTRIES, RV_RING_MAX_ENTRIES, 0);
	while (dring_push(&r, 1, c.pushed % 4096) != DRING_FULL)
		c.pushed++;
	harvest(&r, &c.fetch, ALL);
	u64 total = 0;
	for (int call = 0; call < 64; call++) {
		nr_calls = 0;
		u32 n = dring_reset(&r, RV_RING_RESET_MAX, rearm_and_chase, &c);
		total += n;
		assert_int_equal(n, RV_RING_RESET_MAX); /* the bound, never more */
		u32 seen = 0;
		for (int i = 0; i < nr_calls; i++)
			seen += popcount64(calls[i].mask);
		assert_int_equal(seen, n);
		assert_true(dring_reset_pending(&r)); /* the consumer kept up */
	}
	assert_true(c.marked_during >= 63 * RV_RING_RESET_MAX);
	/* Nothing lost or reset twice: every push is reset or still in the
	 * ring, which is full but for the last batch (freed after its rearm). */
	assert_int_equal(c.pushed, total + dring_used(&r));
	assert_int_equal(dring_used(&r), RV_RING_MAX_ENTRIES - 64);
}

/* The reset's order: re-protect a batch, then free its entries (flags 0, index). */
static struct dring *order_ring;
static u32 order_bad;
static void rearm_checks_order(void *ctx, u32 slot, u64 base, u64 mask)
{
	struct dring *r = order_ring;
	/* The batch's entries start at reset_index: still marked, not freed. */
	for (u32 k = 0; k < (u32)popcount64(mask); k++)
		if (r->entries[(r->reset_index + k) & (r->size - 1)].flags !=
		    (RV_DIRTY_FLAG_DIRTY | RV_DIRTY_FLAG_RESET))
			order_bad++;
	if (dring_used(r) < (u32)popcount64(mask))
		order_bad++;
}

static void test_entries_free_only_after_rearm(void **s)
{
	struct dring r;
	u32 fetch = 0;
	dring_init(&r, mem, 256, 256, 0);
	for (int i = 0; i < 200; i++)
		dring_push(&r, 1 + i / 70, (u64)i * 3);
	harvest(&r, &fetch, ALL);
	order_ring = &r;
	order_bad = 0;
	assert_int_equal(dring_reset(&r, 50, rearm_checks_order, NULL), 50);
	assert_int_equal(dring_reset(&r, ALL, rearm_checks_order, NULL), 150);
	assert_int_equal(order_bad, 0);
	assert_int_equal(mem[199].flags, 0);
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
		cmocka_unit_test(test_full_ring_reset_is_bounded),
		cmocka_unit_test(test_consumer_marking_behind_cannot_hold_the_reset),
		cmocka_unit_test(test_entries_free_only_after_rearm),
		cmocka_unit_test(test_batch_stops_at_ring_end),
		cmocka_unit_test(test_reset_flag_alone_is_reset),
	};
	return cmocka_run_group_tests_name("dring", tests, NULL, NULL);
}
