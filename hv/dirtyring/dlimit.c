// SPDX-License-Identifier: MIT
#include "dirtyring/dlimit.h"

void dlimit_set(struct dlimit *l, u64 rate, u64 hz, u64 now)
{
	*l = (struct dlimit){ .rate = rate, .tat = now };
	if (!rate)
		return;
	l->q = hz / rate;
	l->r = hz % rate;
	l->tau = l->q; /* one page ahead: enough to absorb an exit's cost */
}

void dlimit_charge(struct dlimit *l, u64 pages, u64 now)
{
	if (!l->rate || !pages)
		return;
	if (l->tat < now)
		l->tat = now; /* no credit for idle time beyond tau */
	while (pages) {
		u64 n = pages < DLIMIT_CHUNK ? pages : DLIMIT_CHUNK;
		/* n * r + frac < 2^24 * rate + rate: no overflow for rate < 2^39. */
		u64 f = n * l->r + l->frac;

		l->tat += n * l->q + f / l->rate;
		l->frac = f % l->rate;
		pages -= n;
	}
}

u64 dlimit_grant(const struct dlimit *l, u64 now, u64 max)
{
	u64 tat = l->tat < now ? now : l->tat; /* as dlimit_charge sees it */
	u64 k;

	if (!l->rate)
		return max;
	if (tat > now + l->tau)
		return 0; /* held now */
	/* Pages j with tat + j * cost <= now + tau still enter; then one more
	 * crosses.  The cost's fraction ignored: at most one page more. */
	k = (now + l->tau - tat) / l->q + 1;
	return k < max ? k : max;
}

u64 dlimit_muldiv(u64 a, u64 b, u64 c)
{
	unsigned __int128 p = (unsigned __int128)a * b;
	u64 hi = (u64)(p >> 64), lo = (u64)p, q, rem;

	if (!hi)
		return lo / c;
	if (hi >= c)
		return ~0ull; /* the quotient does not fit */
	/* DIV r/m64: RDX:RAX / src; the quotient fits since hi < c. */
	__asm__("divq %4" : "=a"(q), "=d"(rem) : "a"(lo), "d"(hi), "rm"(c));
	(void)rem;
	return q;
}

u64 dlimit_rate(u64 pages, u64 ticks, u64 hz)
{
	return ticks ? dlimit_muldiv(pages, hz, ticks) : 0;
}
