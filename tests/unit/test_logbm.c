// SPDX-License-Identifier: MIT
// links: hv/dirtyring/logbm.c
/*
 * A slot's dirty bitmap (hv/dirtyring/logbm.c): lazy protection's initial
 * fill, and the clear that arms pages, alone and racing write faults.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dirtyring/logbm.h"

#define CANARY 0x5a5a5a5a5a5a5a5aull

static u64 count_bits(const u64 *bm, u64 words)
{
	u64 n = 0;

	for (u64 w = 0; w < words; w++)
		n += popcount64(bm[w]);
	return n;
}

static void test_tail_mask(void **s)
{
	assert_int_equal(logbm_tail_mask(64), ~0ull);
	assert_int_equal(logbm_tail_mask(4096), ~0ull);
	assert_int_equal(logbm_tail_mask(1), 1);
	assert_int_equal(logbm_tail_mask(65), 1);
	assert_int_equal(logbm_tail_mask(127), ~0ull >> 1);
	assert_int_equal(logbm_words(0), 0);
	assert_int_equal(logbm_words(1), 1);
	assert_int_equal(logbm_words(64), 1);
	assert_int_equal(logbm_words(65), 2);
}

/* Every page's bit, no bit past the last page, nothing past the bitmap. */
static void test_fill(void **s)
{
	static const u64 sizes[] = {0, 1, 63, 64, 65, 4095, 4096, 4097, 131072};
	static u64 bm[131072 / 64 + 1];

	for (unsigned k = 0; k < ARRAY_SIZE(sizes); k++) {
		u64 pages = sizes[k], words = logbm_words(pages);
		for (u64 w = 0; w < ARRAY_SIZE(bm); w++)
			bm[w] = w < words ? 0 : CANARY;
		logbm_fill(bm, pages);
		assert_int_equal(count_bits(bm, words), pages);
		for (u64 p = 0; p < pages; p++)
			assert_true(bm[p / 64] >> (p % 64) & 1);
		if (pages % 64)
			assert_int_equal(bm[words - 1] >> (pages % 64), 0);
		assert_int_equal(bm[words], CANARY);
	}
}

/* Records what the clear armed. */
struct armed {
	u64 w[16], mask[16];
	int n;
};

static void record(void *ctx, u64 w, u64 mask)
{
	struct armed *a = ctx;

	a->w[a->n] = w;
	a->mask[a->n++] = mask;
}

/* Only pages set in both are cleared and armed, one call per word. */
static void test_clear(void **s)
{
	u64 bm[4] = {0xf0, ~0ull, 0, 0x8000000000000001ull};
	u64 in[3] = {0x3c, 0, ~0ull};
	struct armed a = {.n = 0};

	/* Words 1..3: in[0] meets bm[1] (4 bits), in[1] and bm[2] are empty,
	 * in[2] meets bm[3] (its 2 bits). */
	assert_int_equal(logbm_clear(bm, 1, 3, in, record, &a), 6);
	assert_int_equal(a.n, 2);
	assert_int_equal(a.w[0], 1);
	assert_int_equal(a.mask[0], 0x3c);
	assert_int_equal(a.w[1], 3);
	assert_int_equal(a.mask[1], 0x8000000000000001ull);
	assert_int_equal(bm[0], 0xf0); /* outside the range: untouched */
	assert_int_equal(bm[1], ~0x3cull);
	assert_int_equal(bm[2], 0);
	assert_int_equal(bm[3], 0);
}

/* Clearing what is already clear arms nothing (a fault may be setting it). */
static void test_clear_twice(void **s)
{
	u64 bm[2];
	u64 in[2] = {0xff00, 1};
	struct armed a = {.n = 0};

	logbm_fill(bm, 100);
	assert_int_equal(logbm_clear(bm, 0, 2, in, record, &a), 9);
	assert_int_equal(a.n, 2);
	a.n = 0;
	assert_int_equal(logbm_clear(bm, 0, 2, in, record, &a), 0);
	assert_int_equal(a.n, 0);
	assert_int_equal(count_bits(bm, 2), 100 - 9);
}

/*
 * The race, modelled: writers store into pages of a lazily logged slot
 * while the consumer gets the bitmap, clears it in ranges with the bits
 * it got (logbm_clear, arming through a callback) and copies those pages
 * after each clear.  A writer's store to an armed page "faults": the
 * writer unprotects it with a compare-and-exchange and, if it won, sets
 * the page's bit (dirty_write_fault's order).  The "invalidation" after a
 * clear waits until no writer is half-way through a store that checked
 * the protection before the clear: what INVEPT on every CPU guarantees.
 * At the end every page's copy must equal its contents.
 */
#define R_PAGES 256
#define R_WORDS (R_PAGES / 64)
#define R_WRITERS 2
#define R_ROUNDS 3000
#define R_WRITES 400000 /* at least this many stores race the passes */
#define R_RANGE_WORDS 1 /* a clear per 64 pages */

static u64 r_bm[R_WORDS];
static u32 r_prot[R_PAGES];    /* 1: armed (write-protected) */
static u64 r_val[R_PAGES];     /* the page's contents */
static u64 r_copy[R_PAGES];    /* the consumer's copy */
static u64 r_epoch[R_WRITERS]; /* odd: in the middle of a store */
static int r_stop;

static void arm_page(void *ctx, u64 w, u64 mask)
{
	for (u64 i = 0; i < 64; i++)
		if (mask >> i & 1)
			__atomic_store_n(&r_prot[w * 64 + i], 1, __ATOMIC_SEQ_CST);
}

static void *writer(void *arg)
{
	u32 t = (u32)(uintptr_t)arg;
	u64 x = 0x9e3779b97f4a7c15ull * (t + 1);

	while (!__atomic_load_n(&r_stop, __ATOMIC_ACQUIRE)) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		u32 p = (u32)(x % R_PAGES);
		__atomic_fetch_add(&r_epoch[t], 1, __ATOMIC_SEQ_CST);
		u32 armed = 1;
		while (__atomic_load_n(&r_prot[p], __ATOMIC_SEQ_CST)) {
			/* The fault: only the one whose exchange wins logs it. */
			if (__atomic_compare_exchange_n(&r_prot[p], &armed, 0, false,
							__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
				__atomic_fetch_or(&r_bm[p / 64], BIT(p % 64), __ATOMIC_SEQ_CST);
			armed = 1;
		}
		__atomic_store_n(&r_val[p], __atomic_load_n(&r_val[p], __ATOMIC_RELAXED) + 1,
				 __ATOMIC_SEQ_CST);
		__atomic_fetch_add(&r_epoch[t], 1, __ATOMIC_SEQ_CST);
		if (x % 64 == 0)
			sched_yield(); /* let the consumer in on a busy host */
	}
	return NULL;
}

/* Wait until no writer is still in a store it began before now. */
static void flush(void)
{
	for (int t = 0; t < R_WRITERS; t++) {
		u64 e = __atomic_load_n(&r_epoch[t], __ATOMIC_SEQ_CST);
		while (e % 2 && __atomic_load_n(&r_epoch[t], __ATOMIC_SEQ_CST) == e)
			sched_yield();
	}
}

/* One pass: get without clearing, then per range clear, flush, copy. */
static void consume(void)
{
	u64 got[R_WORDS];

	for (int w = 0; w < R_WORDS; w++)
		got[w] = __atomic_load_n(&r_bm[w], __ATOMIC_SEQ_CST);
	for (int w = 0; w < R_WORDS; w += R_RANGE_WORDS) {
		logbm_clear(r_bm, w, R_RANGE_WORDS, &got[w], arm_page, NULL);
		flush();
		for (int i = w * 64; i < (w + R_RANGE_WORDS) * 64; i++)
			if (got[i / 64] >> (i % 64) & 1)
				r_copy[i] = __atomic_load_n(&r_val[i], __ATOMIC_SEQ_CST);
	}
}

static u64 writes(void)
{
	u64 n = 0;

	for (int t = 0; t < R_WRITERS; t++)
		n += __atomic_load_n(&r_epoch[t], __ATOMIC_RELAXED) / 2;
	return n;
}

static void test_race_lossless(void **s)
{
	pthread_t th[R_WRITERS];
	u64 lost = 0;

	/* Lazy: nothing armed, every page dirty once; the copy is all zero. */
	memset(r_prot, 0, sizeof(r_prot));
	memset(r_epoch, 0, sizeof(r_epoch));
	r_stop = 0;
	for (int p = 0; p < R_PAGES; p++)
		r_val[p] = 1, r_copy[p] = 0; /* every page must be copied once */
	logbm_fill(r_bm, R_PAGES);
	for (uintptr_t t = 0; t < R_WRITERS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, writer, (void *)t), 0);
	/* Rounds and stores both, however the host schedules the threads. */
	for (int r = 0; r < R_ROUNDS || writes() < R_WRITES; r++)
		consume();
	__atomic_store_n(&r_stop, 1, __ATOMIC_RELEASE);
	for (int t = 0; t < R_WRITERS; t++)
		assert_int_equal(pthread_join(th[t], NULL), 0);
	consume(); /* the final pass, writers held */
	for (int p = 0; p < R_PAGES; p++)
		lost += r_copy[p] != r_val[p];
	assert_int_equal(lost, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tail_mask),	  cmocka_unit_test(test_fill),
	    cmocka_unit_test(test_clear),	  cmocka_unit_test(test_clear_twice),
	    cmocka_unit_test(test_race_lossless),
	};
	return cmocka_run_group_tests_name("logbm", tests, NULL, NULL);
}
