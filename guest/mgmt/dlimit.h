/* SPDX-License-Identifier: MIT */
/*
 * migrate's dirty_limit= key (guest/mgmt/migrate.c): the policy that
 * limits the source's vCPUs' dirty rate (RV_HC_DIRTY_LIMIT) so pre-copy
 * converges, and the check of the rate they achieved.  The choice of the
 * automatic limit is pure code, unit tested on the host
 * (tests/unit/test_precopy.c); docs/09-migration-perf.md explains it.
 */
#ifndef MGMT_DLIMIT_H
#define MGMT_DLIMIT_H

#include <stdbool.h>
#include <stdint.h>

enum mig_limit_mode { MIG_LIMIT_OFF, MIG_LIMIT_AUTO, MIG_LIMIT_FIXED };

struct mig_limit {
	enum mig_limit_mode mode;
	uint64_t limit;	      /* pages per second per vCPU in force (0: none) */
	uint64_t on_round;    /* the round after which it went on (0: from the start) */
	uint64_t prev_pages;  /* the last round's pages */
	uint64_t copy_ticks, copy_pages; /* every copy so far: the copy's speed */
	uint64_t round_start; /* TSC when the current round began */
	uint64_t rate[8];     /* RV_MAX_VCPUS: achieved, pages per second, since it went on */
	uint64_t held0[8];    /* held_ticks of each vCPU when the window began */
	uint64_t held_ticks;  /* the vCPUs' time held by the limit, in the window */
	bool converged;
};

/*
 * The automatic limit, pages per second per vCPU.  A round that has
 * converged copies at most `threshold` pages; it lasts its fixed part
 * (`fixed_ticks`: the gap, the harvest and reset) plus the copy of what
 * was dirtied, threshold / 2 pages at `ticks_per_page`.  The vCPUs
 * together may dirty half the threshold in that time (the other half is
 * the margin, as QEMU's throttle-trigger-threshold of 50 %), so each gets
 * threshold / (2 * vcpus) pages per converged round.  Never more than
 * half what the fastest vCPU was measured at (the limit must bite, as
 * auto-converge's first step does), never above max (RV_DIRTY_LIMIT_MAX),
 * never 0 (that would lift it).
 */
static inline uint64_t mig_limit_auto(uint64_t threshold, uint64_t vcpus, uint64_t fixed_ticks,
				      uint64_t ticks_per_page, uint64_t tsc_khz,
				      uint64_t measured_max, uint64_t max)
{
	uint64_t round = fixed_ticks + threshold / 2 * ticks_per_page;
	uint64_t per_vcpu = threshold / (2 * (vcpus ? vcpus : 1));
	uint64_t hz = tsc_khz * 1000, l;

	if (!round)
		l = 0;
	else if (per_vcpu && hz > UINT64_MAX / per_vcpu)
		l = max; /* no overflow: a huge threshold limits nothing */
	else
		l = per_vcpu * hz / round;

	if (measured_max && l > measured_max / 2)
		l = measured_max / 2;
	if (l > max)
		l = max;
	return l ? l : 1;
}

/*
 * Within 10 %: never more than 10 % above the limit; and not more than
 * 10 % below it when the limit held the vCPU back for at least a tenth
 * of the window (it wanted more than the limit).  A vCPU that was rarely
 * held dirtied less because it had less to dirty: its rate is its own.
 */
static inline bool mig_limit_met(uint64_t rate, uint64_t limit, uint64_t held_ticks,
				 uint64_t window_ticks)
{
	bool bound = held_ticks * 10 >= window_ticks;

	return rate * 10 <= limit * 11 && (!bound || rate * 10 >= limit * 9);
}

#ifndef RV_HOST_TEST
struct scenario_run;
/* dirty_limit=: off, auto or pages per second; false (run failed) if bad. */
bool mig_limit_parse(struct scenario_run *run, struct mig_limit *ml);
/* Before logging goes on: a fixed limit goes on now; the rate windows start. */
bool mig_limit_start(struct scenario_run *run, struct mig_limit *ml, long id, uint32_t vcpus);
/* Round 0 copied `pages` in `copy_ticks`. */
void mig_limit_copied(struct mig_limit *ml, uint64_t pages, uint64_t copy_ticks);
/*
 * Round `round` (1..) sent `pages` pages, `copy_ticks` of it copying; the
 * round began at ml->round_start.  auto: on if it did not shrink.
 */
bool mig_limit_round(struct scenario_run *run, struct mig_limit *ml, long id, uint32_t vcpus,
		     uint64_t round, uint64_t pages, uint64_t copy_ticks, uint64_t threshold);
/* Before the stop-and-copy: the rates achieved, checked against the limit. */
void mig_limit_finish(struct scenario_run *run, struct mig_limit *ml, long id, uint32_t vcpus);
/* The RESULT keys (scenarios.txt). */
void mig_limit_report(struct scenario_run *run, const struct mig_limit *ml, uint32_t vcpus);
#endif

#endif
