/* SPDX-License-Identifier: MIT */
/*
 * A vCPU's dirty-page rate limit (RV_HC_DIRTY_LIMIT) and its measured
 * dirty rate (RV_HC_DIRTY_RATE): pure arithmetic on TSC ticks and page
 * counts, no hardware, unit tested on the host (tests/unit/test_dlimit.c).
 * hv/dirtyring/dirty.c charges the pages and holds the vCPU.
 *
 * The limit is a token bucket in its "virtual scheduling" form (GCRA):
 * `tat` is the TSC at which every page charged so far is paid for.  A
 * page costs hz / rate ticks, kept exactly as q + r / rate ticks with the
 * fraction carried in `frac`, so the long-run rate is the limit to the
 * page however the division falls.  The vCPU may enter while tat lies at
 * most `tau` ahead of now, one page's cost: a vCPU whose next page comes
 * within a page's time after its release (the write fault's exit) is
 * paced at exactly one page per q + r / rate ticks, and one that idled
 * saves up no more than that (tat never lags now when pages are charged).
 */
#ifndef RV_DLIMIT_H
#define RV_DLIMIT_H

#include "lib/types.h"

struct dlimit {
	u64 rate; /* pages per second; 0 = off */
	u64 q, r; /* hz = q * rate + r: a page costs q + r / rate ticks */
	u64 frac; /* the carried fraction of a tick, in 1/rate ticks (< rate) */
	u64 tat;  /* TSC at which the pages charged so far are paid for */
	u64 tau;  /* how far tat may run ahead of now with the vCPU entering */
};

/* Pages charged in one step at most; more are charged in several. */
#define DLIMIT_CHUNK (1ull << 24)

/*
 * Start (or, rate 0, stop) limiting at `now`; 0 < rate <= hz and
 * rate <= RV_DIRTY_LIMIT_MAX (hv/partition/hc_check.c:hc_check_dirty_limit).
 */
void dlimit_set(struct dlimit *l, u64 rate, u64 hz, u64 now);
/* Charge `pages` newly logged pages, seen at `now`. */
void dlimit_charge(struct dlimit *l, u64 pages, u64 now);
/* May the vCPU enter at `now`? */
static inline bool dlimit_may_enter(const struct dlimit *l, u64 now)
{
	return !l->rate || l->tat <= now + l->tau;
}
/*
 * How many more pages the vCPU may log from `now` before it is held (the
 * one that crosses included), at most max: for PML, whose log the
 * processor fills without an exit (dirty.c cuts the PML page to it).
 */
u64 dlimit_grant(const struct dlimit *l, u64 now, u64 max);
/* floor(a * b / c), saturating at ~0 (c > 0). */
u64 dlimit_muldiv(u64 a, u64 b, u64 c);
/* Pages per second: `pages` logged in `ticks` of a TSC of hz (0 ticks: 0). */
u64 dlimit_rate(u64 pages, u64 ticks, u64 hz);

#endif
