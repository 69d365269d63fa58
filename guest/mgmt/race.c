// SPDX-License-Identifier: MIT
/*
 * race-demo: the lost write of the mail this project started from, made
 * to happen and then made impossible.
 *
 * A pre-copy loop copies a workload's pages into a "destination" while
 * the workload writes them.  Each round harvests the dirty ring and then
 * either
 *   wrong order:  copies the harvested pages, then resets the ring;
 *   right order:  resets the ring, then copies the harvested pages.
 * In the wrong order a store that lands between the copy and the reset
 * goes through the still-writable mapping without a fault; the reset
 * then re-protects the page as if it were clean, and unless the page is
 * written again that store never reaches the destination.  In the right
 * order the page is write-protected (and every CPU's TLB invalidated)
 * before we read it, so any later store faults and is logged again.
 *
 * A third run keeps the right order but has the workload write only a
 * few "hot" pages, so that between faults it runs on for a long time on
 * translations its CPU has cached.  Only the reset's EPT invalidation on
 * every CPU (hv/vcpu.c, cpu_flush_ept) makes its next store to a
 * re-protected page fault; without it, those stores would go through the
 * stale writable translation, unreported.  That run checks the
 * invalidation.
 *
 * The workload stores unique values ((vcpu+1)<<48 | store number), so a
 * stale copy is visible.  The copy is of each page's first 8 bytes, the
 * only bytes the workload writes.
 *
 *	RESULT race-demo PASS wrong_order_lost=N right_order_lost=0 hot_lost=0 ...
 */
#include "track.h"

struct page_log {
	uint64_t copy_val;    /* the destination: what we copied */
	uint64_t copy_round;  /* when we last copied it */
	uint64_t copy_tsc;
	uint64_t writes_at_copy;
};

struct round_log {
	uint64_t reset_tsc, writes_at_reset; /* when the reset call started */
	uint64_t writes_after_reset;         /* when it had returned */
};

#define MAX_ROUNDS 64

static void copy_page(struct tracked *t, struct page_log *pl, uint64_t p, uint64_t round)
{
	pl[p].writes_at_copy = track_writes(t);
	pl[p].copy_tsc = rdtsc();
	pl[p].copy_val = page_value(t, p);
	pl[p].copy_round = round;
}

static void copy_dirty(struct tracked *t, struct page_log *pl, uint64_t round)
{
	for (uint64_t p = 0; p < t->npages; p++)
		if (test_bit64(t->dirty, p))
			copy_page(t, pl, p, round);
	memset(t->dirty, 0, (t->npages + 63) / 64 * 8);
}

/* One pre-copy run; returns the number of pages whose copy is stale. */
static uint64_t precopy(struct scenario_run *run, bool right_order, uint64_t vcpus,
			uint64_t mem, uint64_t ring, uint64_t seed, uint64_t rounds, uint64_t gap,
			uint64_t hot)
{
	const char *order = hot ? "right order, hot pages" : right_order ? "right order" : "wrong order";
	struct round_log rl[MAX_ROUNDS + 2];
	struct tracked t;
	uint64_t lost = 0, shown = 0;

	mgmt_alloc_reset();
	if (!track_create(run, &t, WORK_TEST_DIRTY, MODE_RING, (uint32_t)vcpus, mem, ring, seed,
			  WORK_VALUE_UNIQUE, hot))
		goto out;
	struct page_log *pl = mgmt_alloc(t.npages * sizeof(*pl));
	if (!pl) {
		result_fail(run, "reason=mgmt-memory");
		goto out;
	}
	if (!track_log_on(run, &t) || !track_start(run, &t))
		goto out;
	store_release(&t.ctrl->iteration, 1);
	/* Round 0: copy everything (logging is on, so nothing written from now on escapes). */
	for (uint64_t p = 0; p < t.npages; p++)
		copy_page(&t, pl, p, 0);
	/*
	 * Rounds 1..rounds run with the workload writing; round rounds+1 is
	 * the stop-and-copy: the workload is held first, so order no longer
	 * matters there, and whatever an earlier round lost stays lost.
	 */
	for (uint64_t r = 1; r <= rounds + 1 && !run->failed; r++) {
		bool last = r == rounds + 1;
		uint64_t until = rdtsc() + gap;
		while (!last && rdtsc() < until)
			cpu_relax(); /* let the workload write */
		if (last && !track_pause_all(run, &t))
			break;
		track_harvest(run, &t);
		if (right_order || last) {
			if (!track_reset(run, &t))
				break;
			rl[r].writes_after_reset = track_writes(&t);
			rl[r].writes_at_reset = rl[r].writes_after_reset;
			rl[r].reset_tsc = rdtsc();
			copy_dirty(&t, pl, r);
		} else {
			copy_dirty(&t, pl, r);
			/* Widen the window the mail describes: the workload keeps
			 * writing pages we have just copied. */
			until = rdtsc() + gap / 4;
			while (rdtsc() < until)
				cpu_relax();
			rl[r].writes_at_reset = track_writes(&t);
			rl[r].reset_tsc = rdtsc();
			if (!track_reset(run, &t))
				break;
			rl[r].writes_after_reset = track_writes(&t);
		}
	}
	/* The workload is held: compare the destination with the source. */
	for (uint64_t p = 0; p < t.npages && !run->failed; p++) {
		uint64_t real = page_value(&t, p);
		if (real == pl[p].copy_val)
			continue;
		lost++;
		if (shown++ >= 3)
			continue;
		uint64_t r = pl[p].copy_round, seq = WORK_UNIQUE_SEQ(real);
		gprintf("race-demo[%s]: page %lu: destination holds 0x%lx, source holds 0x%lx\n",
			order, p, pl[p].copy_val, real);
		gprintf("race-demo[%s]:   round %lu: page harvested dirty, copied at tsc %lu "
			"when vCPU %lu had made %lu stores\n", order, r, pl[p].copy_tsc,
			WORK_UNIQUE_VCPU(real), pl[p].writes_at_copy);
		gprintf("race-demo[%s]:   vCPU %lu's store #%lu wrote 0x%lx through the "
			"still-writable page: no fault, no ring entry\n", order,
			WORK_UNIQUE_VCPU(real), seq, real);
		if (r >= 1 && seq > rl[r].writes_after_reset)
			gprintf("race-demo[%s]:   round %lu: the reset returned after store #%lu, so "
				"store #%lu came later, through a translation the CPU had cached "
				"before the reset: it did not fault because that CPU's EPT-derived "
				"translations were not invalidated\n", order, r,
				rl[r].writes_after_reset, seq);
		else if (r >= 1)
			gprintf("race-demo[%s]:   round %lu: the reset (called at tsc %lu after "
				"store #%lu, returned after store #%lu) re-protected the page as clean; "
				"it was not written again\n", order, r, rl[r].reset_tsc,
				rl[r].writes_at_reset, rl[r].writes_after_reset);
	}
	gprintf("race-demo[%s]: %lu of %lu pages differ after %lu rounds, %lu stores\n",
		order, lost, t.npages, rounds, track_writes(&t));
out:
	track_finish(run, &t);
	return lost;
}

void scenario_race_demo(struct scenario_run *run)
{
	uint64_t vcpus, mem, ring, seed, rounds, gap, hot;

	if (!param_u64(run, "vcpus", RV_MAX_VCPUS, &vcpus) || !param_u64(run, "mem", 256, &mem) ||
	    !param_u64(run, "ring", RV_RING_MAX_ENTRIES, &ring) ||
	    !param_u64(run, "seed", UINT64_MAX, &seed) ||
	    !param_u64(run, "rounds", MAX_ROUNDS, &rounds) ||
	    !param_u64(run, "gap", UINT64_MAX, &gap) || !param_u64(run, "hot", 4096, &hot))
		return;
	if (rounds < 2) {
		result_fail(run, "reason=bad-value rounds=%lu (2..%d)", rounds, MAX_ROUNDS);
		return;
	}
	uint64_t wrong = precopy(run, false, vcpus, mem, ring, seed, rounds, gap, 0);
	uint64_t right = precopy(run, true, vcpus, mem, ring, seed, rounds, gap, 0);
	uint64_t hot_lost = hot ? precopy(run, true, vcpus, mem, ring, seed, rounds, gap, hot) : 0;
	result_kv(run, "wrong_order_lost=%lu right_order_lost=%lu hot_lost=%lu vcpus=%lu mem=%lu "
		  "rounds=%lu hot=%lu", wrong, right, hot_lost, vcpus, mem, rounds, hot);
	if (right)
		result_fail(run, "reason=right-order-lost-writes lost=%lu", right);
	if (hot_lost)
		result_fail(run, "reason=stale-translation-lost-writes lost=%lu", hot_lost);
	if (!wrong)
		result_fail(run, "reason=wrong-order-not-caught");
}
