// SPDX-License-Identifier: MIT
// links:
/* Migration bookkeeping (guest/mgmt/precopy.h) and the dirty-limit policy (guest/mgmt/dlimit.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../guest/mgmt/dlimit.h"
#include "../../guest/mgmt/precopy.h"

static uint64_t got[512];
static int nr_got;
static void send(void *ctx, uint64_t page) { got[nr_got++] = page; }

static void test_take_in_order_and_clear(void **s)
{
	uint64_t dirty[3] = { 0 };
	dirty[0] = 1ull << 5 | 1ull << 63;
	dirty[2] = 1ull << 1 | 1ull << 50; /* page 178: past a 150-page slot */
	nr_got = 0;
	assert_int_equal(precopy_take(dirty, 150, send, NULL), 3);
	assert_int_equal(got[0], 5);
	assert_int_equal(got[1], 63);
	assert_int_equal(got[2], 129);
	assert_int_equal(dirty[0] | dirty[1] | dirty[2], 0); /* the next round starts empty */
	nr_got = 0;
	assert_int_equal(precopy_take(dirty, 150, send, NULL), 0);
}

static void test_stop_rule(void **s)
{
	struct precopy pc = { 0 };
	assert_false(precopy_record(&pc, 2048, 64, 8)); /* round 0: everything */
	assert_false(precopy_record(&pc, 500, 64, 8));
	assert_true(precopy_record(&pc, 64, 64, 8)); /* small enough */
	assert_int_equal(pc.rounds, 3);
	assert_int_equal(pc.total, 2612);
	struct precopy q = { 0 };
	for (int r = 0; r < 3; r++)
		assert_false(precopy_record(&q, 512, 64, 3));
	assert_true(precopy_record(&q, 512, 64, 3)); /* rounds used up */
}

static void test_format(void **s)
{
	struct precopy pc = { .sent = { 2048, 7, 512 }, .rounds = 3 };
	char buf[32];
	precopy_format(&pc, buf, sizeof(buf));
	assert_string_equal(buf, "2048,7,512");
	char small[10];
	precopy_format(&pc, small, sizeof(small));
	assert_string_equal(small, "2048,7...");
	struct precopy none = { 0 };
	precopy_format(&none, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

/*
 * The automatic limit: threshold / (2 * vcpus) pages per vCPU in a
 * converged round (fixed ticks + the copy of threshold / 2 pages).
 */
static void test_limit_auto(void **s)
{
	/* The figures of migrate vcpus=2 mem=32 wws=4 on Bochs (200004 kHz):
	 * 16 pages per vCPU in 2001805 + 32 * 3084 ticks: 1523 pages/s. */
	assert_int_equal(mig_limit_auto(64, 2, 2001805, 3084, 200004, 5754, 1u << 26), 1523);
	/* Never above half the fastest measured vCPU. */
	assert_int_equal(mig_limit_auto(64, 2, 2001805, 3084, 200004, 2000, 1u << 26), 1000);
	/* Never 0 (that would lift the limit), never above the maximum. */
	assert_int_equal(mig_limit_auto(0, 2, 2001805, 3084, 200004, 5754, 1u << 26), 1);
	assert_int_equal(mig_limit_auto(1, 8, 1000, 1, 200004, 0, 1u << 26), 1);
	assert_int_equal(mig_limit_auto(UINT64_MAX, 1, 1, 0, 200004, 0, 1u << 26), 1u << 26);
	assert_int_equal(mig_limit_auto(64, 2, 0, 0, 200004, 0, 1u << 26), 1);
	/* More vCPUs share the same budget. */
	assert_int_equal(mig_limit_auto(64, 4, 2001805, 3084, 200004, 0, 1u << 26), 761);
}

static void test_limit_met(void **s)
{
	assert_true(mig_limit_met(1000, 1000, 100, 100));
	assert_true(mig_limit_met(1100, 1000, 100, 100));
	assert_false(mig_limit_met(1101, 1000, 100, 100));
	assert_true(mig_limit_met(900, 1000, 100, 100));
	assert_false(mig_limit_met(899, 1000, 100, 100));
	/* Held less than a tenth of the window: it had less to dirty. */
	assert_true(mig_limit_met(10, 1000, 9, 100));
	assert_false(mig_limit_met(10, 1000, 10, 100));
	assert_false(mig_limit_met(1101, 1000, 0, 100)); /* above is never fine */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_take_in_order_and_clear),
		cmocka_unit_test(test_stop_rule),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_limit_auto),
		cmocka_unit_test(test_limit_met),
	};
	return cmocka_run_group_tests_name("precopy", tests, NULL, NULL);
}
