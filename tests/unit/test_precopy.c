// SPDX-License-Identifier: MIT
// links:
/* Migration bookkeeping (guest/mgmt/precopy.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_take_in_order_and_clear),
		cmocka_unit_test(test_stop_rule),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests_name("precopy", tests, NULL, NULL);
}
