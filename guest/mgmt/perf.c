// SPDX-License-Identifier: MIT
/*
 * perf: KVM's dirty_log_perf_test on Ringvisor.  Populate the workload's
 * memory, switch dirty logging on, then per iteration every vCPU writes
 * its share of the first `dirty` MiB once and we get and clear the dirty
 * log; finally switch logging off.  Every phase is timed with RDTSC in
 * the management partition (under Bochs a tick is an instruction, so the
 * figures are exactly reproducible).  tools/perf-suite runs this across
 * modes, sizes and vCPU counts and writes docs/perf/.
 *
 *   get   ring/pml: harvest the rings; bitmap: fetch the bitmap and scan it
 *   clear ring/pml: RV_HC_RING_RESET; bitmap: RV_HC_BITMAP_CLEAR
 *
 * protect=lazy switches logging on with RV_SLOT_LOG_LAZY (enable_ticks:
 * nothing armed), then times the first pass (first_pass_ticks): get the
 * initially-set bitmap and arm it by RV_HC_BITMAP_CLEAR_RANGE, the work
 * eager protection does at enable.  The iterations are the same after it.
 *
 * Huge EPT pages (ABI 1.7): ept=huge (the default mapping: 2 MiB EPT
 * pages) or small (RV_SLOT_SMALL_PAGES before populating: 4 KiB only);
 * split=lazy (the default: the first write fault splits) or eager
 * (RV_SLOT_SPLIT_EAGER: split every huge page at enable).  ept_tables_* are
 * the partition's EPT table pages before logging, while logging (after
 * the iterations) and after logging is off again (huge pages rebuilt);
 * disable_ticks includes the rebuild.
 *
 *	RESULT perf PASS mode= ... enable_ticks= dirty_ticks= get_ticks= clear_ticks= ...
 */
#include "track.h"

#define PERF_WAIT_MS 20000

/* Wait until every vCPU finished iteration it; full rings get emptied. */
static bool wait_written(struct scenario_run *run, struct tracked *t, uint64_t it,
			 uint64_t *extra_get, uint64_t *extra_clear)
{
	uint64_t start = rdtsc(), limit = ms_ticks(PERF_WAIT_MS);

	for (;;) {
		uint32_t done = 0;
		for (uint32_t v = 0; v < t->vcpus; v++)
			done += load_acquire(&t->ctrl->done_iter[v]) == it;
		if (done == t->vcpus)
			return true;
		if (rdtsc() - start > limit) {
			result_fail(run, "reason=timeout iteration=%lu done=%u", it, done);
			return false;
		}
		struct rv_event ev;
		if (t->mode != MODE_BITMAP && hc_wait_event(&ev, 0) == 0 &&
		    ev.type == RV_EV_RING_FULL) {
			/* A ring smaller than the share: collect as KVM's test would. */
			uint64_t t0 = rdtsc();
			track_harvest(run, t);
			uint64_t t1 = rdtsc();
			if (!track_reset(run, t))
				return false;
			*extra_get += t1 - t0;
			*extra_clear += rdtsc() - t1;
		}
		cpu_relax();
	}
}

static uint64_t count_bits(const uint64_t *bm, uint64_t npages)
{
	uint64_t n = 0;
	for (uint64_t w = 0; w < (npages + 63) / 64; w++)
		for (uint64_t x = bm[w]; x; x &= x - 1)
			n++;
	return n;
}

void scenario_perf(struct scenario_run *run)
{
	uint64_t vcpus, mem, dirty, iterations, ring, t0;
	uint64_t populate = 0, enable = 0, disable = 0, sum_dirty = 0, sum_get = 0, sum_clear = 0;
	uint64_t pages_logged = 0, log_exits = 0, first_pass = 0;
	struct rv_dirty_stats st;
	struct tracked t;
	enum track_mode mode;
	bool lazy;
	uint64_t tables_before = 0, tables_logging = 0;

	if (!track_mode_parse(param_str(run, "mode"), &mode) || mode == MODE_RING_WAIT) {
		result_fail(run, "reason=bad-value mode=%s (ring|bitmap|pml)", param_str(run, "mode"));
		return;
	}
	if (!track_protect_parse(param_str(run, "protect"), &lazy)) {
		result_fail(run, "reason=bad-value protect=%s (eager|lazy)",
			    param_str(run, "protect"));
		return;
	}
	uint32_t slot_flags;
	if (!track_ept_parse(run, &slot_flags))
		return;
	bool small = slot_flags & RV_SLOT_SMALL_PAGES;
	if (!param_u64(run, "vcpus", RV_MAX_VCPUS, &vcpus) ||
	    !param_u64(run, "mem", RV_DATA_MIB_MAX, &mem) ||
	    !param_u64(run, "dirty", RV_DATA_MIB_MAX, &dirty) ||
	    !param_u64(run, "iterations", 1000, &iterations) ||
	    !param_u64(run, "ring", RV_RING_MAX_ENTRIES, &ring))
		return;
	if (!dirty || dirty > mem)
		dirty = mem;
	uint64_t dirty_pages = dirty << 8;
	result_kv(run, "mode=%s protect=%s ept=%s split=%s vcpus=%lu mem=%lu dirty=%lu "
		  "iterations=%lu", param_str(run, "mode"), param_str(run, "protect"),
		  param_str(run, "ept"), param_str(run, "split"), vcpus, mem, dirty, iterations);
	mgmt_alloc_reset();
	memset(&t, 0, sizeof(t));
	if (!track_create(run, &t, WORK_TEST_PERF, mode, (uint32_t)vcpus, mem, ring, 0, 0, dirty_pages))
		goto out;
	t.slot_flags = slot_flags;
	if (small) {
		/* 4 KiB EPT pages only, from before the first write on. */
		struct rv_slot sm = {.id = 1, .flags = RV_SLOT_SMALL_PAGES, .gpa = RV_GPA_DATA,
				     .size = t.npages * 4096};
		long rc = hc_slot_set(t.id, &sm);
		if (rc) {
			result_fail(run, "reason=small-pages err=%ld", rc);
			goto out;
		}
	}
	if (!track_start(run, &t))
		goto out;

	/* Populate: the first pass touches every page, logging off. */
	t0 = rdtsc();
	store_release(&t.ctrl->iteration, 1);
	if (!wait_written(run, &t, 1, &sum_get, &sum_clear))
		goto out;
	populate = rdtsc() - t0;

	if (hc_dirty_stats((uint64_t)t.id, &st)) {
		result_fail(run, "reason=stats");
		goto out;
	}
	tables_before = st.ept_tables;
	t.exits_before_log = track_log_exits(&t); /* the code's fetch split, outside the log */
	t.lazy = lazy;
	t0 = rdtsc();
	if (!track_log_on(run, &t))
		goto out;
	enable = rdtsc() - t0;
	if (lazy) {
		/* Every page set, none armed: the first pass arms them all. */
		t0 = rdtsc();
		if (!track_collect(run, &t))
			goto out;
		first_pass = rdtsc() - t0;
		if (t.initial_pages != t.npages) {
			result_fail(run, "reason=initial-bitmap initial_pages=%lu pages=%lu",
				    t.initial_pages, t.npages);
			goto out;
		}
	}

	for (uint64_t i = 1; i <= iterations && !run->failed; i++) {
		uint64_t it = i + 1, got;
		memset(t.dirty, 0, (t.npages + 63) / 64 * 8);
		t0 = rdtsc();
		store_release(&t.ctrl->iteration, it);
		if (!wait_written(run, &t, it, &sum_get, &sum_clear))
			break;
		sum_dirty += rdtsc() - t0;

		t0 = rdtsc();
		if (mode == MODE_BITMAP) {
			long rc = hc_bitmap_get(t.id, 1, t.bmbuf, 0);
			if (rc < 0) {
				result_fail(run, "reason=bitmap-get err=%ld", rc);
				break;
			}
			got = count_bits(t.bmbuf, t.npages); /* a VMM scans it all */
		} else {
			/* A ring consumer gets a list of pages: nothing to scan. */
			got = track_harvest(run, &t);
		}
		sum_get += rdtsc() - t0;
		/* Not timed: each page written is reported exactly once. */
		if (mode != MODE_BITMAP && count_bits(t.dirty, t.npages) != got)
			result_fail(run, "reason=duplicate-entries iteration=%lu entries=%lu pages=%lu",
				    i, got, count_bits(t.dirty, t.npages));

		t0 = rdtsc();
		if (mode == MODE_BITMAP) {
			long rc = hc_bitmap_clear(t.id, 1, t.bmbuf);
			if (rc < 0 || (uint64_t)rc != got) {
				result_fail(run, "reason=bitmap-clear rc=%ld got=%lu", rc, got);
				break;
			}
		} else if (!track_reset(run, &t)) {
			break;
		}
		sum_clear += rdtsc() - t0;
		pages_logged += got;
		if (got != dirty_pages)
			result_fail(run, "reason=wrong-dirty-count iteration=%lu reported=%lu written=%lu",
				    i, got, dirty_pages);
		gprintf("perf: iteration %lu: %lu pages dirty\n", i, got);
	}

	if (!run->failed && hc_dirty_stats((uint64_t)t.id, &st) == 0)
		tables_logging = st.ept_tables;
	/* Off, keeping small pages if asked (else the huge ones come back). */
	struct rv_slot off = {.id = 1, .flags = t.slot_flags & RV_SLOT_SMALL_PAGES,
			      .gpa = RV_GPA_DATA, .size = t.npages * 4096};
	t0 = rdtsc();
	if (hc_slot_set(t.id, &off))
		result_fail(run, "reason=log-off");
	disable = rdtsc() - t0;

	uint64_t newly;
	if (!track_costs(run, &t, &st, &log_exits, &newly))
		goto out;
	uint64_t n = iterations ? iterations : 1, pages = pages_logged ? pages_logged : 1;
	uint64_t epp1000 = log_exits * 1000 / newly;
	result_kv(run,
		  "populate_ticks=%lu enable_ticks=%lu first_pass_ticks=%lu dirty_ticks=%lu "
		  "get_ticks=%lu clear_ticks=%lu disable_ticks=%lu",
		  populate, enable, first_pass, sum_dirty / n, sum_get / n, sum_clear / n, disable);
	result_kv(run, "exits_per_page=%lu.%03lu hv_ticks_per_fault=%lu harvest_ticks_per_page=%lu "
		  "reset_ticks_per_page=%lu pages=%lu", epp1000 / 1000, epp1000 % 1000,
		  st.fault_ticks / newly, sum_get / pages, sum_clear / pages, pages_logged);
	result_kv(run, "ept_tables_before=%lu ept_tables_logging=%lu ept_tables_after=%lu "
		  "ept_splits=%lu ept_collapses=%lu", tables_before, tables_logging, st.ept_tables,
		  st.ept_splits, st.ept_collapses);
out:
	track_finish(run, &t);
}
