/* SPDX-License-Identifier: MIT */
/*
 * The oracle: a lossless-logging check that does not trust the guest
 * (docs/06-dirty-ring.md, "The oracle").  It keeps a fingerprint of every
 * page of a tracked partition, taken through our windows on its slots, and
 * at each check point (every vCPU held, the log harvested and reset: THE
 * RULE of track.h) hashes every page again: a page whose fingerprint
 * changed without its bit in the reported set is a LOST dirty page.  It
 * asks nothing of the guest: any guest, any workload, Linux included.
 *
 * The fingerprint is NH (Black, Halevi, Krawczyk, Krovetz, Rogaway: UMAC,
 * CRYPTO '99) with 64-bit words and a 128-bit result, keyed with 512
 * secret random words, one per word of a page:
 *
 *	NH_K(M) = sum over i < 256 of (m[2i] + k[2i]) * (m[2i+1] + k[2i+1])
 *
 * the additions mod 2^64, the products and the sum mod 2^128.  For any two
 * different pages, the chance over the key that they get the same NH is
 * at most 2^-64 (the paper's theorem: NH is 2^-w-almost-universal on
 * equal-length strings, w = 64 here).  The guest never sees the key, and
 * nothing it can see depends on it, so what it writes is independent of
 * the key: a changed page keeps its fingerprint with probability 2^-64
 * at most, whether by accident or on purpose.
 *
 * Pure code: no hypercalls, no printing, so the host unit test links it
 * (tests/unit/test_oracle.c).  The caller owns the memory.
 */
#ifndef MGMT_ORACLE_H
#define MGMT_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ORACLE_PAGE 4096
#define ORACLE_KEY_WORDS (ORACLE_PAGE / 8) /* NH's key: a word per word of a page */
#define ORACLE_MAX_REGIONS 4
#define ORACLE_NAMED 4 /* lost pages a check names */

/* NH-128 of one page. */
struct oracle_fp {
	uint64_t lo, hi;
};

/*
 * A run of pages we can read, in the order of the reported set's index
 * space: region 0's pages are indices 0..pages-1, region 1's follow, ...
 * (track.h: the data slot, then the system slot).
 */
struct oracle_region {
	const volatile void *base; /* page-aligned: our window on the slot */
	uint64_t pages;
	uint32_t slot; /* the slot's id, for naming pages */
	uint64_t first; /* the slot's page that base shows (usually 0) */
};

/* A page that changed without being reported. */
struct oracle_miss {
	uint32_t slot;
	uint64_t page; /* in its slot */
	uint64_t index; /* in the reported set */
	struct oracle_fp was, now;
};

struct oracle {
	struct oracle_region region[ORACLE_MAX_REGIONS];
	uint32_t nr_regions;
	uint64_t pages;	      /* the regions' pages: the index space */
	struct oracle_fp *fp; /* a fingerprint per page: the caller's memory */
	uint64_t key[ORACLE_KEY_WORDS];
	bool based; /* oracle_baseline has run */
	/* The last check. */
	uint64_t changed;  /* pages whose content changed */
	uint64_t reported; /* pages in the reported set */
	uint64_t lost;	   /* changed and not reported */
	uint32_t named;	   /* entries of miss[] filled */
	struct oracle_miss miss[ORACLE_NAMED];
	/* Every check since the baseline. */
	uint64_t checks, total_changed, total_reported, total_lost;
};

/* Bytes of fingerprints @pages pages need. */
static inline size_t oracle_fp_bytes(uint64_t pages)
{
	return (size_t)pages * sizeof(struct oracle_fp);
}

/* NH-128 of the page at @page under @key. */
struct oracle_fp oracle_hash(const uint64_t key[ORACLE_KEY_WORDS], const volatile void *page);

/*
 * Set up over @n regions (at most ORACLE_MAX_REGIONS, each at least a
 * page), with @fp room for oracle_fp_bytes(sum of their pages) and @key
 * ORACLE_KEY_WORDS secret random words.  False on bad arguments.
 */
bool oracle_init(struct oracle *o, const struct oracle_region *r, uint32_t n,
		 struct oracle_fp *fp, const uint64_t key[ORACLE_KEY_WORDS]);

/* Fingerprint every page.  Only while no vCPU of the partition runs. */
void oracle_baseline(struct oracle *o);

/*
 * A check point: hash every page again; a page whose fingerprint changed
 * and whose bit in @reported (a bit per index, oracle.pages of them) is
 * clear is lost.  Fills changed/reported/lost, names the first
 * ORACLE_NAMED lost pages in miss[], adds to the totals, and keeps the
 * new fingerprints for the next check.  Returns the pages lost.  Only
 * while no vCPU of the partition runs, and after the reported set was
 * harvested AND reset (the rule): a page written after its last report
 * must be reported again before the next check.
 */
uint64_t oracle_check(struct oracle *o, const uint64_t *reported);

/* Where index @i is: its region's slot and page. */
uint32_t oracle_slot_of(const struct oracle *o, uint64_t i, uint64_t *page);

#endif
