// SPDX-License-Identifier: MIT
// links: guest/mgmt/oracle.c
/*
 * The oracle (guest/mgmt/oracle.c): NH-128 computed right, every change
 * seen (also those a sum or an XOR of the words would miss), and the check
 * that names a changed page nobody reported, in the right slot and page.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../guest/mgmt/oracle.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rand64(void)
{
	/* splitmix64 */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t key[ORACLE_KEY_WORDS];

static void new_key(void)
{
	for (int i = 0; i < ORACLE_KEY_WORDS; i++)
		key[i] = rand64();
}

static void *pages_alloc(uint64_t n)
{
	void *p = aligned_alloc(ORACLE_PAGE, n * ORACLE_PAGE);
	assert_non_null(p);
	for (uint64_t i = 0; i < n * ORACLE_PAGE / 8; i++)
		((uint64_t *)p)[i] = rand64();
	return p;
}

/* NH by 32-bit limbs, no __int128: a second opinion on the arithmetic. */
static void nh_limbs(const uint64_t *m, uint64_t *lo, uint64_t *hi)
{
	uint64_t l = 0, h = 0;

	for (int i = 0; i < ORACLE_KEY_WORDS; i += 2) {
		uint64_t a = m[i] + key[i], b = m[i + 1] + key[i + 1];
		uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
		uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
		uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
		uint64_t plo = (uint32_t)p00 | mid << 32;
		uint64_t phi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
		l += plo;
		h += phi + (l < plo);
	}
	*lo = l;
	*hi = h;
}

static void test_hash_is_nh(void **s)
{
	uint64_t *p = pages_alloc(1);

	for (int round = 0; round < 50; round++) {
		new_key();
		if (round == 1)
			memset(p, 0xff, ORACLE_PAGE); /* every sum and product at its largest */
		else if (round > 1)
			for (int i = 0; i < ORACLE_KEY_WORDS; i++)
				p[i] = rand64();
		struct oracle_fp fp = oracle_hash(key, p);
		uint64_t lo, hi;
		nh_limbs(p, &lo, &hi);
		assert_int_equal(fp.lo, lo);
		assert_int_equal(fp.hi, hi);
	}
	free(p);
}

static bool same(struct oracle_fp a, struct oracle_fp b) { return a.lo == b.lo && a.hi == b.hi; }

/* Changes a weak checksum misses, and single bits anywhere: all seen. */
static void test_every_change_seen(void **s)
{
	uint64_t *p = pages_alloc(1);
	new_key();
	struct oracle_fp base = oracle_hash(key, p);

	for (int w = 0; w < ORACLE_KEY_WORDS; w++)
		for (int b = 0; b < 64; b += 7) {
			p[w] ^= 1ull << b;
			assert_false(same(oracle_hash(key, p), base));
			p[w] ^= 1ull << b;
		}
	/* Same sum of words, same XOR of words, same multiset: */
	uint64_t t = p[0];
	p[0] += 12345;
	p[2] -= 12345;
	assert_false(same(oracle_hash(key, p), base));
	p[0] = t, p[2] += 12345;
	t = p[10], p[10] = p[11], p[11] = t; /* the two words of one NH pair */
	assert_false(same(oracle_hash(key, p), base));
	t = p[10], p[10] = p[11], p[11] = t;
	t = p[3], p[3] = p[300], p[300] = t; /* words of different pairs */
	assert_false(same(oracle_hash(key, p), base));
	t = p[3], p[3] = p[300], p[300] = t;
	assert_true(same(oracle_hash(key, p), base)); /* put back: equal again */
	/* A zero page and one with a single 1 at the end. */
	memset(p, 0, ORACLE_PAGE);
	base = oracle_hash(key, p);
	((uint8_t *)p)[ORACLE_PAGE - 1] = 1;
	assert_false(same(oracle_hash(key, p), base));
	free(p);
}

/* Two regions: slot 1 (5 pages, indices 0..4), slot 0 (3 pages, 5..7). */
static uint8_t *data, *sys;
static struct oracle o;
static struct oracle_fp fps[8];
static uint64_t rep[1];

static void setup_two(void)
{
	struct oracle_region r[2] = {
	    {.base = NULL, .pages = 5, .slot = 1},
	    {.base = NULL, .pages = 3, .slot = 0, .first = 0},
	};
	data = pages_alloc(5);
	sys = pages_alloc(3);
	r[0].base = data;
	r[1].base = sys;
	new_key();
	assert_true(oracle_init(&o, r, 2, fps, key));
	assert_int_equal(o.pages, 8);
	oracle_baseline(&o);
	rep[0] = 0;
}

static void test_check(void **s)
{
	setup_two();
	/* Nothing written: nothing changed, nothing lost. */
	assert_int_equal(oracle_check(&o, rep), 0);
	assert_int_equal(o.changed, 0);

	/* Written and reported: changed, not lost.  Reported, unwritten: fine. */
	data[2 * ORACLE_PAGE + 100]++;
	rep[0] = 1ull << 2 | 1ull << 6;
	assert_int_equal(oracle_check(&o, rep), 0);
	assert_int_equal(o.changed, 1);
	assert_int_equal(o.reported, 2);

	/* The second region's pages are reported by their index (5 + page),
	 * not by their page number. */
	sys[2 * ORACLE_PAGE]++;
	rep[0] = 1ull << 7;
	assert_int_equal(oracle_check(&o, rep), 0);
	assert_int_equal(o.changed, 1);

	/* Written and NOT reported: lost, named with slot and page. */
	struct oracle_fp was = oracle_hash(key, sys + 1 * ORACLE_PAGE);
	sys[1 * ORACLE_PAGE + 4095] ^= 0x80;
	data[4 * ORACLE_PAGE] ^= 1;
	rep[0] = 1ull << 4; /* data page 4 reported, sys page 1 not */
	assert_int_equal(oracle_check(&o, rep), 1);
	assert_int_equal(o.named, 1);
	assert_int_equal(o.miss[0].slot, 0);
	assert_int_equal(o.miss[0].page, 1);
	assert_int_equal(o.miss[0].index, 6);
	assert_true(same(o.miss[0].was, was));
	assert_true(same(o.miss[0].now, oracle_hash(key, sys + ORACLE_PAGE)));
	uint64_t page;
	assert_int_equal(oracle_slot_of(&o, 6, &page), 0);
	assert_int_equal(page, 1);
	assert_int_equal(oracle_slot_of(&o, 3, &page), 1);
	assert_int_equal(page, 3);

	/* The lost page's new content is the new reference: not lost twice. */
	rep[0] = 0;
	assert_int_equal(oracle_check(&o, rep), 0);
	assert_int_equal(o.total_lost, 1);
	assert_int_equal(o.checks, 5);
	assert_int_equal(o.total_changed, 4);

	/* Every page changed, none reported: all 8 lost, the first 4 named in order. */
	for (int i = 0; i < 5; i++)
		data[i * ORACLE_PAGE + 8]++;
	for (int i = 0; i < 3; i++)
		sys[i * ORACLE_PAGE + 8]++;
	assert_int_equal(oracle_check(&o, rep), 8);
	assert_int_equal(o.named, ORACLE_NAMED);
	for (uint32_t i = 0; i < ORACLE_NAMED; i++)
		assert_int_equal(o.miss[i].index, i);
	free(data);
	free(sys);
}

/* A write that puts the old content back between two checks is no loss:
 * there is nothing the reported set should have made anyone copy. */
static void test_restored_is_not_lost(void **s)
{
	setup_two();
	uint8_t old = data[0];
	data[0] = old + 1;
	data[0] = old;
	assert_int_equal(oracle_check(&o, rep), 0);
	assert_int_equal(o.changed, 0);
	free(data);
	free(sys);
}

static void test_init_refusals(void **s)
{
	static uint8_t page[2 * ORACLE_PAGE] __attribute__((aligned(4096)));
	struct oracle_region r[ORACLE_MAX_REGIONS + 1];

	for (int i = 0; i <= ORACLE_MAX_REGIONS; i++)
		r[i] = (struct oracle_region){.base = page, .pages = 1, .slot = 1};
	assert_false(oracle_init(&o, r, 0, fps, key));
	assert_false(oracle_init(&o, r, ORACLE_MAX_REGIONS + 1, fps, key));
	assert_false(oracle_init(&o, r, 1, NULL, key));
	r[0].base = page + 8;
	assert_false(oracle_init(&o, r, 1, fps, key)); /* not page-aligned */
	r[0].base = page;
	r[0].pages = 0;
	assert_false(oracle_init(&o, r, 1, fps, key));
	r[0].pages = 2;
	assert_true(oracle_init(&o, r, 1, fps, key));
	assert_int_equal(oracle_fp_bytes(2), 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hash_is_nh),
	    cmocka_unit_test(test_every_change_seen),
	    cmocka_unit_test(test_check),
	    cmocka_unit_test(test_restored_is_not_lost),
	    cmocka_unit_test(test_init_refusals),
	};
	return cmocka_run_group_tests_name("oracle", tests, NULL, NULL);
}
