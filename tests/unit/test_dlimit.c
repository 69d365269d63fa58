// SPDX-License-Identifier: MIT
// links: hv/dirtyring/dlimit.c
/*
 * The dirty-rate limit's arithmetic (hv/dirtyring/dlimit.c): a page's
 * exact cost, the long-run rate of a vCPU that always wants to write, the
 * burst after idling, and the measured rate.  The rates the hypercall
 * accepts are test_hc_check.c's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dirtyring/dlimit.h"

#define HZ 200004000ull /* Bochs' measured TSC: 200004 kHz */

static void test_set(void **state)
{
	struct dlimit l;

	dlimit_set(&l, 3, 10, 100);
	assert_int_equal(l.q, 3);
	assert_int_equal(l.r, 1);
	assert_int_equal(l.tat, 100);
	assert_int_equal(l.frac, 0);
	/* 5000 pages/s on Bochs' TSC: a page is 40000.8 ticks; the burst one page. */
	dlimit_set(&l, 5000, HZ, 0);
	assert_int_equal(l.q, 40000);
	assert_int_equal(l.r, 4000);
	assert_int_equal(l.tau, 40000);
	/* Off: always enters, charges nothing. */
	dlimit_set(&l, 0, HZ, 7);
	dlimit_charge(&l, 1000, 8);
	assert_true(dlimit_may_enter(&l, 0));
	assert_int_equal(l.tat, 7);
}

/* A page's cost is exact: 3 pages/s at 10 ticks/s is 10/3 ticks a page. */
static void test_exact_cost(void **state)
{
	struct dlimit a, b;

	dlimit_set(&a, 3, 10, 0);
	dlimit_set(&b, 3, 10, 0);
	dlimit_charge(&a, 3, 0);
	for (int i = 0; i < 3; i++)
		dlimit_charge(&b, 1, 0);
	assert_int_equal(a.tat, 10);
	assert_int_equal(b.tat, 10);
	assert_int_equal(b.frac, 0);
	/* 3000 pages one by one: exactly 10000 ticks, no drift. */
	dlimit_set(&b, 3, 10, 0);
	for (int i = 0; i < 3000; i++)
		dlimit_charge(&b, 1, 0);
	assert_int_equal(b.tat, 10000);
	/* More than a chunk at once costs what two halves cost. */
	dlimit_set(&a, 7, HZ, 0);
	dlimit_set(&b, 7, HZ, 0);
	dlimit_charge(&a, 3 * DLIMIT_CHUNK + 5, 0);
	dlimit_charge(&b, DLIMIT_CHUNK + 2, 0);
	dlimit_charge(&b, 2 * DLIMIT_CHUNK + 3, 0);
	assert_int_equal(a.tat, b.tat);
	assert_int_equal(a.frac, b.frac);
	assert_int_equal(a.tat, dlimit_muldiv(3 * DLIMIT_CHUNK + 5, HZ, 7));
}

/*
 * A vCPU that always wants to write: each entry logs one page `cost`
 * ticks later (the write fault's exit), and a held vCPU is checked every
 * `poll` ticks (the run loop).  Returns the pages logged in `span` ticks.
 */
static uint64_t greedy(uint64_t rate, uint64_t hz, uint64_t cost, uint64_t poll, uint64_t span,
		       uint64_t pages_per_exit)
{
	struct dlimit l;
	uint64_t now = 1000, pages = 0;

	dlimit_set(&l, rate, hz, now);
	while (now < 1000 + span) {
		if (dlimit_may_enter(&l, now)) {
			now += cost;
			pages += pages_per_exit;
			dlimit_charge(&l, pages_per_exit, now);
		} else {
			now += poll;
		}
	}
	return pages;
}

static void test_long_run_rate(void **state)
{
	static const uint64_t rates[] = { 1, 7, 100, 2500, 5000, 9999, 40000 };

	for (unsigned i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		uint64_t r = rates[i];
		/* Ten seconds of a vCPU whose write fault costs 3000 ticks. */
		uint64_t n = greedy(r, HZ, 3000, 150, 10 * HZ, 1);
		/* Within 0.5 % (and a page) of the limit: never the limit
		 * plus the fault's cost, never the burst on top. */
		assert_true(n * 1000 <= r * 10 * 1005 + 1000);
		assert_true(n * 1000 >= r * 10 * 995 - 1000);
	}
	/* PML: 512 pages an exit; the average still holds. */
	uint64_t n = greedy(20000, HZ, 30000, 150, 10 * HZ, 512);
	assert_true(n <= 200000 + 2 * 512 && n >= 200000 - 2 * 512);
}

/* An idle vCPU saves up at most the burst: one page, and the one that crosses. */
static void test_idle_burst(void **state)
{
	struct dlimit l;
	uint64_t now = 0, n = 0;

	dlimit_set(&l, 5000, HZ, now);
	now += 10 * HZ; /* ten idle seconds */
	while (dlimit_may_enter(&l, now)) {
		dlimit_charge(&l, 1, now);
		n++;
	}
	assert_int_equal(n, 2);
}

/* PML's grant: the pages until the vCPU is held, the crossing one included. */
static void test_grant(void **state)
{
	struct dlimit l;

	dlimit_set(&l, 0, HZ, 0);
	assert_int_equal(dlimit_grant(&l, 0, 512), 512); /* no limit: the whole page */
	dlimit_set(&l, 5000, HZ, 1000); /* a page is 40000.8 ticks, tau one page */
	assert_int_equal(dlimit_grant(&l, 1000, 512), 2);
	/* The grant, charged, holds the vCPU; one fewer does not. */
	struct dlimit m = l;
	dlimit_charge(&m, 1, 1000);
	assert_true(dlimit_may_enter(&m, 1000));
	dlimit_charge(&m, 1, 1000);
	assert_false(dlimit_may_enter(&m, 1000));
	/* Held: nothing; a second of idling earns no more than the burst. */
	assert_int_equal(dlimit_grant(&m, 1000, 512), 0);
	assert_int_equal(dlimit_grant(&l, 1000 + HZ, 512), 2);
	/* A fast rate: capped at the PML page. */
	dlimit_set(&l, 1000000, HZ, 0);
	dlimit_charge(&l, 1, 0);
	assert_int_equal(dlimit_grant(&l, 0, 512), 1);
	assert_int_equal(dlimit_grant(&l, HZ, 512), 2);
	dlimit_set(&l, 10000000, HZ, 0); /* q = 20 ticks */
	assert_int_equal(dlimit_grant(&l, 20 * 1000, 512), 2);
	assert_int_equal(l.tau, 20);
}

static void test_muldiv_rate(void **state)
{
	assert_int_equal(dlimit_muldiv(10, 20, 3), 66);
	/* 2^40 pages at 2^33 Hz over 2^35 ticks: 2^38 pages/s (128-bit product). */
	assert_int_equal(dlimit_muldiv(1ull << 40, 1ull << 33, 1ull << 35), 1ull << 38);
	assert_int_equal(dlimit_muldiv(~0ull, ~0ull, ~0ull), ~0ull);
	assert_int_equal(dlimit_muldiv(~0ull, 2, 1), ~0ull); /* does not fit: saturates */
	assert_int_equal(dlimit_rate(5000, HZ, HZ), 5000);
	assert_int_equal(dlimit_rate(50, HZ / 100, HZ), 5000);
	assert_int_equal(dlimit_rate(123, 0, HZ), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_exact_cost),    cmocka_unit_test(test_long_run_rate),
		cmocka_unit_test(test_idle_burst),    cmocka_unit_test(test_muldiv_rate),
		cmocka_unit_test(test_grant),
	};
	return cmocka_run_group_tests_name("dlimit", tests, NULL, NULL);
}
