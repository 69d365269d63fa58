// SPDX-License-Identifier: MIT
/*
 * dirty-log: KVM's dirty_log_test, on Ringvisor.  Workload vCPUs store the
 * current iteration number into pseudo-random pages of a tracked slot; we
 * collect the dirty set while they run, then hold them, collect the rest
 * and check every page of the slot:
 *   - reported dirty: it holds this iteration (or the one before, for a
 *     store that read the old number before we bumped it), or it is the
 *     page a held vCPU was in the middle of writing (forgiven, printed);
 *   - not reported: it holds an older value.  A page holding this
 *     iteration that was never reported is a LOST dirty page.
 *
 * mode=pml uses Page Modification Logging instead of write protection.
 * hvwrite=1 makes every write a hypervisor write first (RV_HC_HV_INFO into
 * the page, then the store): with full rings those pages reach us only
 * through the backup bitmap (track_collect).
 * ept=small keeps the data slot at 4 KiB EPT pages (RV_SLOT_SMALL_PAGES,
 * from the first log-on); split=eager splits its 2 MiB EPT pages all when
 * logging goes on (RV_SLOT_SPLIT_EAGER) rather than on the first write
 * fault to each; ept_splits counts the splits (docs/09).
 * protect=lazy switches logging on with RV_SLOT_LOG_LAZY: nothing is
 * armed, every page is reported once (iteration 1 sees them all, still
 * holding 0 or already 1), and our collects arm pages range by range
 * (RV_HC_BITMAP_CLEAR_RANGE); from then on the check is the same.
 *
 *	RESULT dirty-log PASS|FAIL mode= lost=0 pages_checked= dirty_reported= writes= ...
 */
#include "track.h"
#include "tracedump.h"

#define EVENT_POLL_MS 1 /* how long one wait for a ring-full event may block */

struct dl_totals {
	uint64_t lost, bad, forgiven, checked, reported;
};

/* Events while the writers run: full rings want a harvest and reset. */
static bool poll_events(struct scenario_run *run, struct tracked *t, uint64_t ticks)
{
	struct rv_event ev;

	long rc = hc_wait_event(&ev, ticks);
	if (rc) {
		result_fail(run, "reason=wait err=%ld", rc);
		return false;
	}
	switch (ev.type) {
	case RV_EV_TIMEOUT:
		return true;
	case RV_EV_RING_FULL:
		/* KVM_EXIT_DIRTY_RING_FULL: harvest, reset, and the vCPU runs on. */
		return track_collect(run, t);
	case RV_EV_VCPU_DONE: /* a writer gave up (WORK_STATUS_HV_WRITE: its hypercall failed) */
		result_fail(run, "reason=writer-done vcpu=%u status=%lu", ev.vcpu, ev.arg);
		return false;
	case RV_EV_VCPU_FAULT:
		result_fail(run, "reason=fault vcpu=%u exit=%lu info=0x%lx", ev.vcpu, ev.arg, ev.info);
		return false;
	default:
		result_fail(run, "reason=unexpected-event type=%u vcpu=%u", ev.type, ev.vcpu);
		return false;
	}
}

/* One iteration's run phase: let the writers go for `interval` ticks. */
static bool run_phase(struct scenario_run *run, struct tracked *t, uint64_t interval,
		      uint64_t min_writes)
{
	uint64_t start = rdtsc(), w0 = track_writes(t);

	for (;;) {
		uint64_t now = rdtsc();
		if (now - start >= interval && track_writes(t) - w0 >= min_writes)
			return true;
		if (now - start >= 200 * interval) {
			result_fail(run, "reason=no-progress writes=%lu", track_writes(t) - w0);
			return false;
		}
		/* ring: collect as we go; ring-wait: only when a ring is full. */
		if (t->mode != MODE_RING_WAIT && !track_collect(run, t))
			return false;
		if (!poll_events(run, t, ms_ticks(EVENT_POLL_MS)))
			return false;
	}
}

static void check_pages(struct tracked *t, uint64_t it, struct dl_totals *tot)
{
	for (uint64_t p = 0; p < t->npages; p++) {
		uint64_t val = page_value(t, p);
		tot->checked++;
		if (test_bit64(t->dirty, p)) {
			tot->reported++;
			if (val == it || val + 1 == it)
				continue;
			bool held = false;
			for (uint32_t v = 0; v < t->vcpus; v++)
				held |= load_relaxed(&t->ctrl->cur_page[v]) == p + 1;
			if (held && val < it) {
				gprintf("dirty-log: forgiven: page %lu reported in iteration %lu holds %lu: "
					"a vCPU was held at its store to that page (it retires on resume)\n",
					p, it, val);
				tot->forgiven++;
				continue;
			}
			gprintf("dirty-log: page %lu reported dirty in iteration %lu holds %lu\n", p, it,
				val);
			tot->bad++;
		} else if (val >= it) {
			gprintf("dirty-log: LOST: page %lu holds %lu but was not reported in "
				"iteration %lu\n", p, val, it);
			tot->lost++;
		}
	}
}

void scenario_dirty_log(struct scenario_run *run)
{
	uint64_t vcpus, iterations, mem, ring, seed, interval, tracing, hvwrite;
	struct dl_totals tot = { 0 };
	struct rv_dirty_stats st;
	struct tracked t;
	enum track_mode mode;
	uint64_t log_exits = 0;
	bool lazy;

	if (!track_mode_parse(param_str(run, "mode"), &mode)) {
		result_fail(run, "reason=bad-value mode=%s (ring|ring-wait|bitmap|pml)",
			    param_str(run, "mode"));
		return;
	}
	if (!track_protect_parse(param_str(run, "protect"), &lazy)) {
		result_fail(run, "reason=bad-value protect=%s (eager|lazy)",
			    param_str(run, "protect"));
		return;
	}
	const char *pages_s = param_str(run, "ept"), *split_s = param_str(run, "split");
	bool small = !strcmp(pages_s, "small"), split_eager = !strcmp(split_s, "eager");
	if ((!small && strcmp(pages_s, "huge")) || (!split_eager && strcmp(split_s, "lazy"))) {
		result_fail(run, "reason=bad-value ept=%s split=%s (huge|small, lazy|eager)",
			    pages_s, split_s);
		return;
	}
	if (!param_u64(run, "vcpus", RV_MAX_VCPUS, &vcpus) ||
	    !param_u64(run, "iterations", 100000, &iterations) ||
	    !param_u64(run, "mem", 256, &mem) || !param_u64(run, "ring", RV_RING_MAX_ENTRIES, &ring) ||
	    !param_u64(run, "seed", UINT64_MAX, &seed) ||
	    !param_u64(run, "interval", UINT64_MAX, &interval) ||
	    !param_u64(run, "trace", 1, &tracing) || !param_u64(run, "hvwrite", 1, &hvwrite))
		return;
	result_kv(run, "mode=%s protect=%s ept=%s split=%s vcpus=%lu ring=%lu mem=%lu "
		  "iterations=%lu hvwrite=%lu", param_str(run, "mode"), param_str(run, "protect"),
		  pages_s, split_s, vcpus, mode == MODE_BITMAP ? 0 : ring, mem, iterations, hvwrite);
	mgmt_alloc_reset();
	if (!track_create(run, &t, WORK_TEST_DIRTY, mode, (uint32_t)vcpus, mem, ring, seed,
			  hvwrite ? WORK_VALUE_ITERATION_HV : WORK_VALUE_ITERATION, 0))
		goto out;
	t.lazy = lazy;
	/* 1.7: huge EPT pages (the default), split lazily (the default). */
	t.slot_flags = (small ? RV_SLOT_SMALL_PAGES : 0) | (split_eager ? RV_SLOT_SPLIT_EAGER : 0);
	if (tracing)
		trace_start(); /* before logging goes on: the first faults are in it */
	if (!track_log_on(run, &t))
		goto out;
	/* The other kind of bitmap is refused: the backup bitmap in bitmap
	 * mode, the log bitmap in ring modes. */
	long rc = hc_bitmap_get(t.id, 1, t.bmbuf,
				mode == MODE_BITMAP ? RV_BITMAP_BACKUP : RV_BITMAP_CLEAR);
	if (rc != -RV_EINVAL) {
		result_fail(run, "reason=wrong-bitmap-kind-taken rc=%ld", rc);
		goto out;
	}
	if (!track_start(run, &t))
		goto out;

	for (uint64_t it = 1; it <= iterations && !run->failed; it++) {
		memset(t.dirty, 0, (t.npages + 63) / 64 * 8);
		store_release(&t.ctrl->iteration, it);
		if (it > 1 && !track_resume_all(run, &t))
			break;
		if (!run_phase(run, &t, interval, 256))
			break;
		/* Hold the writers, then collect everything: harvest, reset, check. */
		if (!track_pause_all(run, &t) || !track_collect(run, &t))
			break;
		uint64_t lost0 = tot.lost, rep0 = tot.reported;
		check_pages(&t, it, &tot);
		gprintf("dirty-log: iteration %lu: %lu dirty, %lu lost, %lu writes so far\n", it,
			tot.reported - rep0, tot.lost - lost0, track_writes(&t));
	}
	if (tracing)
		trace_dump("dirty-log"); /* for tools/hvtrace */
	uint64_t newly;
	if (!track_costs(run, &t, &st, &log_exits, &newly))
		goto out;
	uint64_t epp100 = log_exits * 100 / newly;
	result_kv(run, "lost=%lu pages_checked=%lu dirty_reported=%lu writes=%lu", tot.lost,
		  tot.checked, tot.reported, track_writes(&t));
	result_kv(run, "soft_full_stops=%lu full_waits=%lu resets=%lu exits=%lu forgiven=%lu",
		  st.soft_full_stops, st.full_waits, st.resets, st.exits, tot.forgiven);
	result_kv(run, "exits_per_page=%lu.%02lu hv_ticks_per_fault=%lu hv_ticks_per_reset_entry=%lu",
		  epp100 / 100, epp100 % 100, st.fault_ticks / newly,
		  st.entries_reset ? st.reset_ticks / st.entries_reset : 0);
	result_kv(run, "backup_pages=%lu initial_pages=%lu range_clears=%lu ept_splits=%lu",
		  t.backup_pages, t.initial_pages, t.range_clears, st.ept_splits);
	run->checked = tot.checked;
	run->lost = tot.lost;
	if (tot.lost)
		result_fail(run, "reason=lost-dirty-pages lost=%lu", tot.lost);
	if (tot.bad)
		result_fail(run, "reason=wrong-values pages=%lu", tot.bad);
	if (t.bad_entries)
		result_fail(run, "reason=bad-ring-entries n=%lu", t.bad_entries);
	if (tot.reported == 0)
		result_fail(run, "reason=nothing-reported");
	/* Lazy: every page counted dirty once, before any was armed. */
	if (lazy && t.initial_pages != t.npages)
		result_fail(run, "reason=initial-bitmap initial_pages=%lu pages=%lu",
			    t.initial_pages, t.npages);
	/* hvwrite: the hypervisor's writes never wait for a full ring (its
	 * stores then find their pages writable): the backup bitmap instead. */
	if (mode == MODE_RING_WAIT && !hvwrite && st.full_waits == 0)
		result_fail(run, "reason=full-ring-path-not-taken");
	if (mode == MODE_RING_WAIT && hvwrite && t.backup_pages == 0)
		result_fail(run, "reason=backup-path-not-taken backup_sets=%lu", st.backup_sets);
out:
	track_finish(run, &t);
}
