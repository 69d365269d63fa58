// SPDX-License-Identifier: MIT
/* The oracle's pure part (oracle.h): NH fingerprints and the check. */
#include "oracle.h"

struct oracle_fp oracle_hash(const uint64_t key[ORACLE_KEY_WORDS], const volatile void *page)
{
	/* The partition is held while we read: plain loads are safe, and
	 * let the compiler pair them.  One 64x64->128 multiply per 16 bytes. */
	const uint64_t *m = (const uint64_t *)(uintptr_t)page;
	unsigned __int128 acc = 0;

	/* Unrolled: the loop's own add, compare and jump would be a quarter
	 * of the instructions (Bochs' TSC counts instructions). */
#pragma GCC unroll 8
	for (uint32_t i = 0; i < ORACLE_KEY_WORDS; i += 2)
		acc += (unsigned __int128)(m[i] + key[i]) * (m[i + 1] + key[i + 1]);
	return (struct oracle_fp){.lo = (uint64_t)acc, .hi = (uint64_t)(acc >> 64)};
}

bool oracle_init(struct oracle *o, const struct oracle_region *r, uint32_t n,
		 struct oracle_fp *fp, const uint64_t key[ORACLE_KEY_WORDS])
{
	uint64_t pages = 0;

	if (!o || !r || !fp || !key || n == 0 || n > ORACLE_MAX_REGIONS)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		if (!r[i].base || r[i].pages == 0 || (uintptr_t)r[i].base % ORACLE_PAGE)
			return false;
		pages += r[i].pages;
	}
	*o = (struct oracle){.nr_regions = n, .pages = pages, .fp = fp};
	for (uint32_t i = 0; i < n; i++)
		o->region[i] = r[i];
	for (uint32_t i = 0; i < ORACLE_KEY_WORDS; i++)
		o->key[i] = key[i];
	return true;
}

static const volatile uint8_t *page_at(const struct oracle_region *r, uint64_t p)
{
	return (const volatile uint8_t *)r->base + p * ORACLE_PAGE;
}

void oracle_baseline(struct oracle *o)
{
	uint64_t i = 0;

	for (uint32_t r = 0; r < o->nr_regions; r++)
		for (uint64_t p = 0; p < o->region[r].pages; p++)
			o->fp[i++] = oracle_hash(o->key, page_at(&o->region[r], p));
	o->based = true;
	o->checks = o->total_changed = o->total_reported = o->total_lost = 0;
	o->changed = o->reported = o->lost = 0;
	o->named = 0;
}

uint64_t oracle_check(struct oracle *o, const uint64_t *reported)
{
	uint64_t i = 0;

	o->changed = o->reported = o->lost = 0;
	o->named = 0;
	for (uint32_t r = 0; r < o->nr_regions; r++) {
		const struct oracle_region *reg = &o->region[r];
		for (uint64_t p = 0; p < reg->pages; p++, i++) {
			bool rep = reported[i / 64] >> (i % 64) & 1;
			struct oracle_fp now = oracle_hash(o->key, page_at(reg, p));
			struct oracle_fp was = o->fp[i];

			o->reported += rep;
			if (now.lo == was.lo && now.hi == was.hi)
				continue;
			o->changed++;
			o->fp[i] = now;
			if (rep)
				continue;
			if (o->named < ORACLE_NAMED)
				o->miss[o->named++] = (struct oracle_miss){
				    .slot = reg->slot,
				    .page = reg->first + p,
				    .index = i,
				    .was = was,
				    .now = now,
				};
			o->lost++;
		}
	}
	o->checks++;
	o->total_changed += o->changed;
	o->total_reported += o->reported;
	o->total_lost += o->lost;
	return o->lost;
}

uint32_t oracle_slot_of(const struct oracle *o, uint64_t i, uint64_t *page)
{
	for (uint32_t r = 0; r < o->nr_regions; r++) {
		if (i < o->region[r].pages) {
			*page = o->region[r].first + i;
			return o->region[r].slot;
		}
		i -= o->region[r].pages;
	}
	*page = 0;
	return UINT32_MAX;
}
