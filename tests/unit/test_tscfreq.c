// SPDX-License-Identifier: MIT
// links: boot/tscfreq.c
/*
 * The TSC frequency from CPUID leaf 0x15 or from a timed Stall() (the
 * loader, boot/tscfreq.c), and the hypervisor's conversion of µs and ms
 * into ticks (hv/platform/tsc.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tscfreq.h"
#include "platform/tsc.h"

static void test_cpuid15(void **st)
{
	/* A 24 MHz crystal at ratio 250/2: 3 GHz. */
	assert_int_equal(tscfreq_khz_cpuid15(2, 250, 24000000), 3000000);
	/* Leaf 0x15 with a ratio but no crystal (ECX = 0): not enumerated. */
	assert_int_equal(tscfreq_khz_cpuid15(2, 250, 0), 0);
	assert_int_equal(tscfreq_khz_cpuid15(0, 250, 24000000), 0);
	assert_int_equal(tscfreq_khz_cpuid15(2, 0, 24000000), 0);
	/* No overflow with the largest values (ECX * EBX needs 64 bits). */
	assert_int_equal(tscfreq_khz_cpuid15(1, 0xffffffffu, 0xffffffffu),
			 0xfffffffe00000001ull / 1000);
}

static void test_measured(void **st)
{
	/* What Bochs (ips=200000000) counted over 20 ms of Stall(). */
	assert_int_equal(tscfreq_khz_measured(4000055, 20000), 200002);
	assert_int_equal(tscfreq_khz_measured(60000000, 20000), 3000000);
	assert_int_equal(tscfreq_khz_measured(123, 0), 0);
}

static void test_conversion(void **st)
{
	/* Bochs' 200 MHz: the SDM's 10 ms INIT wait and 200 us SIPI gap. */
	assert_int_equal(tsc_ticks(200000, 10000), 2000000);
	assert_int_equal(tsc_ticks(200000, 200), 40000);
	/* 5 s at 3 GHz; and a wait never rounds down to no wait at all. */
	assert_int_equal(tsc_ticks(3000000, 5000 * 1000ull), 15000000000ull);
	assert_int_equal(tsc_ticks(1, 1), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cpuid15),
	    cmocka_unit_test(test_measured),
	    cmocka_unit_test(test_conversion),
	};
	return cmocka_run_group_tests_name("tscfreq", tests, NULL, NULL);
}
