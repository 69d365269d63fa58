/* SPDX-License-Identifier: MIT */
/*
 * xorshift64* (Vigna): small, fast, good enough for picking test
 * addresses and orders.  Not shared: give each vCPU its own state (seed it
 * with something like seed + vcpu) so runs are reproducible.
 */
#ifndef GUEST_PRNG_H
#define GUEST_PRNG_H

#include <stdint.h>

struct prng {
	uint64_t s;
};

/* splitmix64 spreads small, similar seeds (1, 2, 3...) over the state. */
static inline void prng_seed(struct prng *p, uint64_t seed)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	p->s = z ? z : 0x9e3779b97f4a7c15ull; /* xorshift state must not be 0 */
}

static inline uint64_t prng_next(struct prng *p)
{
	uint64_t x = p->s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	p->s = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Uniform-enough in [0, n) without division; 0 if n == 0. */
static inline uint64_t prng_below(struct prng *p, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)prng_next(p) * n) >> 64);
}

#endif
