/* SPDX-License-Identifier: MIT */
/*
 * Pre-copy bookkeeping for migrate (guest/mgmt/migrate.c): which pages a
 * round sends, when to stop, and the pages-per-round list.  Pure code with
 * no hypercalls, so the host unit tests include it (tests/unit/test_precopy.c).
 */
#ifndef MGMT_PRECOPY_H
#define MGMT_PRECOPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PRECOPY_MAX_ROUNDS 32
/* precopy_format() of any struct precopy fits: 20 digits and a comma a round. */
#define PRECOPY_LIST_MAX ((PRECOPY_MAX_ROUNDS + 2) * 21 + 1)

struct precopy {
	uint64_t sent[PRECOPY_MAX_ROUNDS + 2]; /* pages per round; the last is stop-and-copy */
	uint64_t rounds;
	uint64_t total;
};

/* Send every page whose bit is set, in ascending order, clearing the set. */
static inline uint64_t precopy_take(uint64_t *dirty, uint64_t npages,
				    void (*send)(void *ctx, uint64_t page), void *ctx)
{
	uint64_t n = 0;

	for (uint64_t w = 0; w < (npages + 63) / 64; w++) {
		uint64_t bits = dirty[w];
		dirty[w] = 0;
		for (; bits; bits &= bits - 1) {
			uint64_t page = w * 64 + (uint64_t)__builtin_ctzll(bits);
			if (page >= npages)
				break; /* bits past the end of the slot are not pages */
			send(ctx, page);
			n++;
		}
	}
	return n;
}

/*
 * Record a round that sent n pages.  True when it is time for the
 * stop-and-copy: the round was small enough, or the rounds are used up.
 */
static inline bool precopy_record(struct precopy *pc, uint64_t n, uint64_t threshold,
				  uint64_t max_rounds)
{
	if (pc->rounds < PRECOPY_MAX_ROUNDS + 2)
		pc->sent[pc->rounds++] = n;
	pc->total += n;
	return n <= threshold || pc->rounds > max_rounds || pc->rounds >= PRECOPY_MAX_ROUNDS + 1;
}

/* "a,b,c" into buf (always terminated; a list that does not fit ends in "..."). */
static inline void precopy_format(const struct precopy *pc, char *buf, size_t len)
{
	size_t at = 0;

	if (!len)
		return;
	buf[0] = 0;
	for (uint64_t r = 0; r < pc->rounds; r++) {
		char num[24];
		int k = 0;
		uint64_t v = pc->sent[r];
		do
			num[k++] = (char)('0' + v % 10);
		while ((v /= 10));
		if (at + (r ? 1 : 0) + (size_t)k + 4 > len) {
			if (at + 4 <= len)
				buf[at++] = '.', buf[at++] = '.', buf[at++] = '.', buf[at] = 0;
			return;
		}
		if (r)
			buf[at++] = ',';
		while (k)
			buf[at++] = num[--k];
		buf[at] = 0;
	}
}

#endif
