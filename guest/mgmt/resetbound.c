// SPDX-License-Identifier: MIT
/*
 * reset-bound: one RV_HC_RING_RESET does a bounded amount of work, however
 * much the consumer has marked and however fast it marks (docs/06, "The
 * reset").  The workload writes every page of `mem` MiB once per
 * iteration (WORK_TEST_PERF) into rings of `ring` entries:
 *   backlog  one iteration's entries harvested at once (mem=64: 16384),
 *            then reset one call at a time: each call resets at most the
 *            bound, says RV_RING_RESET_MORE while entries are left, and
 *            the calls add up to what we harvested;
 *   chase    `rounds` iterations during which we mark entries as fast as
 *            the workload makes them and make one reset call between
 *            harvests, so a call always finds marked entries behind it.
 * Each iteration must report every page exactly once (nothing lost).
 * `max` is the bound passed to the call (0: RV_RING_RESET_MAX).  The call
 * count, the most entries one call reset and the most ticks one call
 * took (measured here around the call, and by the hypervisor) are
 * reported.
 *
 *	RESULT reset-bound PASS vcpus= mem= ring= bound= calls= more_calls= ...
 */
#include "track.h"

#define RB_WAIT_MS 20000
/* A call may take at most this (Bochs ticks): generous, see below. */
#define RB_TICKS_PER_ENTRY 100
#define RB_TICKS_FLUSH 100000

struct rb_stats {
	uint64_t calls, more, max_entries, max_ticks, reset;
};

/* One bounded reset call, measured; false (run failed) on an error or a broken bound. */
static bool rb_call(struct scenario_run *run, struct tracked *t, uint64_t bound,
		    uint64_t max, struct rb_stats *s, bool *more)
{
	uint64_t t0 = rdtsc();
	long rc = hc_ring_reset(t->id, max);
	uint64_t ticks = rdtsc() - t0, n = (uint64_t)rc & ~RV_RING_RESET_MORE;

	if (rc < 0) {
		result_fail(run, "reason=reset err=%ld call=%lu", rc, s->calls);
		return false;
	}
	*more = (uint64_t)rc & RV_RING_RESET_MORE;
	s->calls++;
	s->more += *more;
	s->reset += n;
	if (n > s->max_entries)
		s->max_entries = n;
	if (ticks > s->max_ticks)
		s->max_ticks = ticks;
	if (n > bound || n > t->unreset || (*more && n != bound)) {
		result_fail(run, "reason=reset-bound entries=%lu bound=%lu unreset=%lu more=%d",
			    n, bound, t->unreset, *more);
		return false;
	}
	t->unreset -= n;
	return true;
}

/* Reset calls until nothing marked is left; false on failure. */
static bool rb_drain(struct scenario_run *run, struct tracked *t, uint64_t bound, uint64_t max,
		     struct rb_stats *s)
{
	bool more = true;

	while (more)
		if (!rb_call(run, t, bound, max, s, &more))
			return false;
	if (t->unreset) {
		result_fail(run, "reason=reset-short unreset=%lu", t->unreset);
		return false;
	}
	return true;
}

static bool rb_done(struct tracked *t, uint64_t it)
{
	for (uint32_t v = 0; v < t->vcpus; v++)
		if (load_acquire(&t->ctrl->done_iter[v]) != it)
			return false;
	return true;
}

/* Start iteration it; with chase, harvest and reset one call at a time while it runs. */
static bool rb_iteration(struct scenario_run *run, struct tracked *t, uint64_t it, bool chase,
			 uint64_t bound, uint64_t max, struct rb_stats *s)
{
	uint64_t start = rdtsc(), limit = ms_ticks(RB_WAIT_MS), h0 = t->harvested;
	bool more;

	memset(t->dirty, 0, (t->npages + 63) / 64 * 8);
	store_release(&t->ctrl->iteration, it);
	while (!rb_done(t, it)) {
		if (rdtsc() - start > limit) {
			result_fail(run, "reason=timeout iteration=%lu", it);
			return false;
		}
		if (chase && track_harvest(run, t) && !rb_call(run, t, bound, max, s, &more))
			return false;
		cpu_relax();
	}
	track_harvest(run, t);
	/* Iteration 1 populates with logging off: nothing to report. */
	if ((it > 1 && t->harvested - h0 != t->npages) || t->bad_entries) {
		result_fail(run, "reason=lost iteration=%lu reported=%lu pages=%lu bad=%lu", it,
			    t->harvested - h0, t->npages, t->bad_entries);
		return false;
	}
	return true;
}

void scenario_reset_bound(struct scenario_run *run)
{
	uint64_t vcpus, mem, ring, rounds, max, bound;
	struct rb_stats backlog = { 0 }, chase = { 0 };
	struct rv_dirty_stats st;
	struct tracked t;

	if (!param_u64(run, "vcpus", RV_MAX_VCPUS, &vcpus) ||
	    !param_u64(run, "mem", WIN_DATA_MAX_MIB, &mem) ||
	    !param_u64(run, "ring", RV_RING_MAX_ENTRIES, &ring) ||
	    !param_u64(run, "rounds", 100, &rounds) ||
	    !param_u64(run, "max", RV_RING_RESET_MAX, &max))
		return;
	bound = max ? max : RV_RING_RESET_MAX;
	result_kv(run, "vcpus=%lu mem=%lu ring=%lu bound=%lu", vcpus, mem, ring, bound);
	mgmt_alloc_reset();
	memset(&t, 0, sizeof(t));
	if (!track_create(run, &t, WORK_TEST_PERF, MODE_RING, (uint32_t)vcpus, mem, ring, 0, 0,
			  mem << 8) ||
	    !track_start(run, &t))
		goto out;
	if ((mem << 8) / vcpus + RV_RING_RESERVE > ring) {
		result_fail(run, "reason=bad-value ring=%lu too small for mem=%lu", ring, mem);
		goto out;
	}
	/* Populate with logging off, then one iteration's backlog. */
	if (!rb_iteration(run, &t, 1, false, bound, max, &backlog) || !track_log_on(run, &t))
		goto out;
	t.harvested = 0;
	if (!rb_iteration(run, &t, 2, false, bound, max, &backlog) ||
	    !rb_drain(run, &t, bound, max, &backlog))
		goto out;
	if (backlog.calls < (t.npages + bound - 1) / bound) {
		result_fail(run, "reason=too-few-calls calls=%lu entries=%lu", backlog.calls,
			    t.npages);
		goto out;
	}
	for (uint64_t r = 0; r < rounds && !run->failed; r++)
		if (!rb_iteration(run, &t, 3 + r, true, bound, max, &chase) ||
		    !rb_drain(run, &t, bound, max, &chase))
			goto out;
	if (hc_dirty_stats((uint64_t)t.id, &st)) {
		result_fail(run, "reason=stats");
		goto out;
	}
	if (st.resets_more != backlog.more + chase.more) {
		result_fail(run, "reason=more-count hv=%lu seen=%lu", st.resets_more,
			    backlog.more + chase.more);
		goto out;
	}
	/* What the bound buys: a call's time is its entries' (docs/perf: 63-65
	 * ticks each) plus one invalidation, not the rings'. */
	if (st.reset_max_ticks > bound * RB_TICKS_PER_ENTRY + RB_TICKS_FLUSH)
		result_fail(run, "reason=reset-too-long hv_max_ticks_per_call=%lu limit=%lu",
			    st.reset_max_ticks, bound * RB_TICKS_PER_ENTRY + RB_TICKS_FLUSH);
	result_kv(run, "entries=%lu calls=%lu more_calls=%lu backlog_calls=%lu chase_calls=%lu",
		  backlog.reset + chase.reset, backlog.calls + chase.calls,
		  backlog.more + chase.more, backlog.calls, chase.calls);
	result_kv(run, "max_entries_per_call=%lu max_ticks_per_call=%lu hv_max_ticks_per_call=%lu",
		  backlog.max_entries > chase.max_entries ? backlog.max_entries : chase.max_entries,
		  backlog.max_ticks > chase.max_ticks ? backlog.max_ticks : chase.max_ticks,
		  st.reset_max_ticks);
	result_kv(run, "lost=0");
out:
	track_finish(run, &t);
}
