// SPDX-License-Identifier: MIT
// links: hv/dirtyring/pml.c
/* PML drain: order, a full buffer, and a ring that runs out of room. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dirtyring/pml.h"

static u64 page[PML_ENTRIES];
static u64 got[2 * PML_ENTRIES];
static u32 nr_got, room;

static bool push(void *ctx, u64 gpa)
{
	if (nr_got >= room)
		return false;
	got[nr_got++] = gpa;
	return true;
}

/* What the processor does: log at index, then decrement. */
static u16 cpu_log(u16 index, u64 gpa)
{
	page[index] = gpa;
	return (u16)(index - 1);
}

static void test_empty(void **s)
{
	u32 n;
	nr_got = 0, room = 100;
	assert_int_equal(pml_drain(page, 511, push, NULL, &n), 511);
	assert_int_equal(n, 0);
}

static void test_oldest_first_and_offsets_dropped(void **s)
{
	u16 idx = 511;
	u32 n;
	idx = cpu_log(idx, 0x1000000);
	idx = cpu_log(idx, 0x1005000);
	idx = cpu_log(idx, 0x1003000);
	nr_got = 0, room = 100;
	assert_int_equal(pml_drain(page, idx, push, NULL, &n), 511);
	assert_int_equal(n, 3);
	assert_int_equal(got[0], 0x1000000);
	assert_int_equal(got[1], 0x1005000);
	assert_int_equal(got[2], 0x1003000);
}

static void test_full_buffer(void **s)
{
	u16 idx = 511;
	u32 n;
	for (int i = 0; i < PML_ENTRIES; i++)
		idx = cpu_log(idx, (u64)i << 12);
	assert_int_equal(idx, 0xffff); /* left 0..511: the next log exits (reason 62) */
	nr_got = 0, room = 1000;
	assert_int_equal(pml_drain(page, idx, push, NULL, &n), 511);
	assert_int_equal(n, 512);
	assert_int_equal(got[0], 0);
	assert_int_equal(got[511], 511ull << 12);
}

static void test_no_room_keeps_the_rest(void **s)
{
	u16 idx = 511;
	u32 n;
	for (int i = 0; i < 10; i++)
		idx = cpu_log(idx, (u64)(i + 1) << 12);
	nr_got = 0, room = 4;
	idx = pml_drain(page, idx, push, NULL, &n);
	assert_int_equal(n, 4);
	assert_int_equal(idx, 511 - 6); /* six left, at 511..506 */
	/* The processor logs more below them; a later drain keeps the order. */
	idx = cpu_log(idx, 0xb000);
	nr_got = 0, room = 100;
	assert_int_equal(pml_drain(page, idx, push, NULL, &n), 511);
	assert_int_equal(n, 7);
	for (int i = 0; i < 6; i++)
		assert_int_equal(got[i], (u64)(i + 5) << 12);
	assert_int_equal(got[6], 0xb000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_oldest_first_and_offsets_dropped),
		cmocka_unit_test(test_full_buffer),
		cmocka_unit_test(test_no_room_keeps_the_rest),
	};
	return cmocka_run_group_tests_name("pml", tests, NULL, NULL);
}
