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
 * Every run also has the oracle (oracle_track.h), which trusts nothing
 * the guest does: a fingerprint of every tracked page at the start, and
 * at every iteration's end every page whose fingerprint changed must have
 * been reported.  guest=linux runs only the oracle, over every slot of an
 * unmodified Linux (lxwatch.h), booted first, with its memory writer
 * (writer=on) or idle but for its heartbeat (writer=off); each iteration
 * is a check point `interval` ticks after the last.
 *
 *	RESULT dirty-log PASS|FAIL mode= lost=0 pages_checked= dirty_reported= writes= ...
 *	    guest= writer= pages= dirtied= changed= oracle_lost= first=
 */
#include "lxwatch.h"
#include "oracle_track.h"
#include "track.h"
#include "tracedump.h"

#define LINUX_BOOT_MS 900000 /* of real time (the TSC frequency): a Bochs boot takes minutes */
#define LINUX_MEM_MIB 32     /* mem=0 with guest=linux */
#define WORK_MEM_MIB 16	     /* mem=0 with guest=work */

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

/*
 * One iteration's run phase: let the writers go for `interval` ticks (and
 * min_writes stores).  @w: a Linux guest's console, read as we go (a
 * kernel that oopses fails the run).
 */
static bool run_phase(struct scenario_run *run, struct tracked *t, uint64_t interval,
		      uint64_t min_writes, struct lx_watch *w)
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
		if (w) {
			lx_drain(run, w);
			if (w->failed)
				return false;
		}
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

struct dl_params {
	enum track_mode mode;
	bool lazy, is_linux, writer;
	uint64_t vcpus, iterations, mem, ring, seed, interval, tracing, hvwrite;
	uint64_t writer_pages, rate;
	uint32_t slot_flags; /* 1.7: ept=small, split=eager */
};

/* What both guests' runs print and judge. */
struct dl_run {
	struct tracked t;
	struct oracle_track ot;
	struct dl_totals tot;
	struct lx_watch w; /* guest=linux */
	uint64_t hb0;	   /* heartbeats seen when logging went on */
};

/*
 * A check point (the vCPUs held, the log just collected): the oracle over
 * every tracked page, then an empty dirty set for the next iteration.
 */
static void oracle_point(struct dl_run *r, uint64_t it)
{
	uint64_t t0 = rdtsc();
	uint64_t lost = oracle_track_check(&r->ot, &r->t, it);
	const struct oracle *o = &r->ot.o;

	gprintf("dirty-log: oracle check %lu: %lu pages reported, %lu changed, %lu lost "
		"(%lu pages hashed in %lu ticks)\n",
		it, o->reported, o->changed, lost, o->pages, rdtsc() - t0);
	memset(r->t.dirty, 0, (r->t.total_pages + 63) / 64 * 8);
}

/* guest=work: KVM's dirty_log_test, its cooperative check and the oracle. */
static void run_work(struct scenario_run *run, const struct dl_params *p, struct dl_run *r)
{
	struct tracked *t = &r->t;

	if (!track_create(run, t, WORK_TEST_DIRTY, p->mode, (uint32_t)p->vcpus, p->mem, p->ring,
			  p->seed, p->hvwrite ? WORK_VALUE_ITERATION_HV : WORK_VALUE_ITERATION, 0))
		return;
	t->lazy = p->lazy;
	t->slot_flags = p->slot_flags;
	if (p->tracing)
		trace_start(); /* before logging goes on: the first faults are in it */
	if (!track_log_on(run, t))
		return;
	/* The other kind of bitmap is refused: the backup bitmap in bitmap
	 * mode, the log bitmap in ring modes. */
	long rc = hc_bitmap_get(t->id, 1, t->bmbuf,
				p->mode == MODE_BITMAP ? RV_BITMAP_BACKUP : RV_BITMAP_CLEAR);
	if (rc != -RV_EINVAL) {
		result_fail(run, "reason=wrong-bitmap-kind-taken rc=%ld", rc);
		return;
	}
	/* Not started yet: held.  Nothing written since logging went on. */
	if (!oracle_track_start(run, &r->ot, t) || !track_start(run, t))
		return;

	for (uint64_t it = 1; it <= p->iterations && !run->failed; it++) {
		store_release(&t->ctrl->iteration, it);
		if (it > 1 && !track_resume_all(run, t))
			break;
		if (!run_phase(run, t, p->interval, 256, NULL))
			break;
		/* Hold the writers, then collect everything: harvest, reset, check. */
		if (!track_pause_all(run, t) || !track_collect(run, t))
			break;
		uint64_t lost0 = r->tot.lost, rep0 = r->tot.reported;
		check_pages(t, it, &r->tot);
		gprintf("dirty-log: iteration %lu: %lu dirty, %lu lost, %lu writes so far\n", it,
			r->tot.reported - rep0, r->tot.lost - lost0, track_writes(t));
		oracle_point(r, it);
	}
}

/*
 * guest=linux: boot it, hold it, log every slot, baseline; then per
 * iteration run `interval` ticks, hold, collect, and the oracle's check.
 */
static void run_linux(struct scenario_run *run, const struct dl_params *p, struct dl_run *r)
{
	struct rv_partition_spec spec;
	struct tracked *t = &r->t;

	lx_spec(&spec, (uint32_t)p->vcpus, p->mem, p->writer ? p->writer_pages : 0,
		p->rate, "none");
	if (!track_create_spec(run, t, &spec, p->mode, p->ring))
		return;
	t->lazy = p->lazy;
	t->slot_flags = p->slot_flags;
	t->all_slots = true;
	if (!track_start(run, t))
		return;
	lx_watch_init(&r->w, t->id);
	/* Booted: a heartbeat, and with the writer one of its rounds. */
	if (!lx_wait(run, &r->w, 1, p->writer ? 1 : 0, LINUX_BOOT_MS))
		return;
	gprintf("dirty-log: Linux %s up after %lu ticks, %lu heartbeats, writer %s\n",
		r->w.banner, r->w.boot_ticks, r->w.heartbeats, p->writer ? "on" : "off");
	r->hb0 = r->w.heartbeats;
	if (p->tracing)
		trace_start();
	/* The baseline: held, logging on (eager: every page protected; lazy:
	 * every page set, armed by this first collect), the log collected. */
	if (!track_pause_all(run, t) || !track_log_on(run, t) || !track_collect(run, t))
		return;
	memset(t->dirty, 0, (t->total_pages + 63) / 64 * 8);
	if (!oracle_track_start(run, &r->ot, t))
		return;
	for (uint64_t it = 1; it <= p->iterations && !run->failed; it++) {
		if (!track_resume_all(run, t) || !run_phase(run, t, p->interval, 0, &r->w))
			break;
		if (!track_pause_all(run, t) || !track_collect(run, t))
			break;
		oracle_point(r, it);
	}
	lx_drain(run, &r->w);
}

void scenario_dirty_log(struct scenario_run *run)
{
	static struct dl_run r;
	struct dl_params p = {0};
	struct tracked *t = &r.t;
	struct rv_dirty_stats st;
	uint64_t log_exits = 0;
	const char *guest = param_str(run, "guest"), *writer = param_str(run, "writer");

	if (!track_mode_parse(param_str(run, "mode"), &p.mode)) {
		result_fail(run, "reason=bad-value mode=%s (ring|ring-wait|bitmap|pml)",
			    param_str(run, "mode"));
		return;
	}
	if (!track_protect_parse(param_str(run, "protect"), &p.lazy)) {
		result_fail(run, "reason=bad-value protect=%s (eager|lazy)",
			    param_str(run, "protect"));
		return;
	}
	if ((strcmp(guest, "work") && strcmp(guest, "linux")) ||
	    (strcmp(writer, "on") && strcmp(writer, "off"))) {
		result_fail(run, "reason=bad-value guest=%s writer=%s", guest, writer);
		return;
	}
	/* 1.7: huge EPT pages (the default), split lazily (the default). */
	if (!track_ept_parse(run, &p.slot_flags))
		return;
	p.is_linux = !strcmp(guest, "linux");
	p.writer = !strcmp(writer, "on");
	if (!param_u64(run, "vcpus", RV_MAX_VCPUS, &p.vcpus) ||
	    !param_u64(run, "iterations", 100000, &p.iterations) ||
	    !param_u64(run, "mem", WIN_DATA_MAX_MIB, &p.mem) ||
	    !param_u64(run, "ring", RV_RING_MAX_ENTRIES, &p.ring) ||
	    !param_u64(run, "seed", UINT64_MAX, &p.seed) ||
	    !param_u64(run, "interval", UINT64_MAX, &p.interval) ||
	    !param_u64(run, "trace", 1, &p.tracing) || !param_u64(run, "hvwrite", 1, &p.hvwrite) ||
	    !param_u64(run, "writer_pages", 65536, &p.writer_pages) ||
	    !param_u64(run, "rate", 1000000, &p.rate))
		return;
	if (p.is_linux && p.hvwrite) {
		result_fail(run, "reason=bad-value hvwrite=1 (guest=work only)");
		return;
	}
	if (!p.mem)
		p.mem = p.is_linux ? LINUX_MEM_MIB : WORK_MEM_MIB;
	result_kv(run, "mode=%s protect=%s ept=%s split=%s vcpus=%lu ring=%lu mem=%lu "
		  "iterations=%lu hvwrite=%lu",
		  param_str(run, "mode"), param_str(run, "protect"), param_str(run, "ept"),
		  param_str(run, "split"), p.vcpus,
		  p.mode == MODE_BITMAP ? 0 : p.ring, p.mem, p.iterations, p.hvwrite);
	result_kv(run, "guest=%s writer=%s", guest, p.is_linux ? writer : "work");
	mgmt_alloc_reset();
	memset(&r, 0, sizeof(r));
	if (p.is_linux)
		run_linux(run, &p, &r);
	else
		run_work(run, &p, &r);
	if (p.tracing)
		trace_dump("dirty-log"); /* for tools/hvtrace */
	if (run->failed || !r.ot.o.based)
		goto out;
	uint64_t newly;
	if (!track_costs(run, t, &st, &log_exits, &newly))
		goto out;
	uint64_t epp100 = log_exits * 100 / newly;
	const struct oracle *o = &r.ot.o;
	static char first[ORACLE_NAMED * 24 + 8];
	oracle_track_first(&r.ot, first, sizeof(first));
	if (p.is_linux) {
		/* The oracle is the check: its pages, its counts. */
		r.tot.lost = o->total_lost;
		r.tot.checked = o->pages * o->checks;
		r.tot.reported = o->total_reported;
	}
	result_kv(run, "lost=%lu pages_checked=%lu dirty_reported=%lu writes=%lu", r.tot.lost,
		  r.tot.checked, r.tot.reported, track_writes(t));
	result_kv(run, "soft_full_stops=%lu full_waits=%lu resets=%lu exits=%lu forgiven=%lu",
		  st.soft_full_stops, st.full_waits, st.resets, st.exits, r.tot.forgiven);
	result_kv(run, "exits_per_page=%lu.%02lu hv_ticks_per_fault=%lu hv_ticks_per_reset_entry=%lu",
		  epp100 / 100, epp100 % 100, st.fault_ticks / newly,
		  st.entries_reset ? st.reset_ticks / st.entries_reset : 0);
	result_kv(run, "backup_pages=%lu initial_pages=%lu range_clears=%lu ept_splits=%lu",
		  t->backup_pages, t->initial_pages, t->range_clears, st.ept_splits);
	result_kv(run, "pages=%lu dirtied=%lu changed=%lu oracle_lost=%lu first=%s key=%s", o->pages,
		  o->total_reported, o->total_changed, o->total_lost, first, r.ot.key_source);
	if (p.is_linux)
		result_kv(run, "heartbeats=%lu writer_rounds=%lu writer_errors=%lu",
			  r.w.heartbeats - r.hb0, r.w.rounds, r.w.errors);
	else
		result_kv(run, "heartbeats=0 writer_rounds=0 writer_errors=0");
	run->checked = r.tot.checked;
	run->lost = r.tot.lost > o->total_lost ? r.tot.lost : o->total_lost;
	if (r.tot.lost)
		result_fail(run, "reason=lost-dirty-pages lost=%lu first=%s", r.tot.lost, first);
	if (o->total_lost)
		result_fail(run, "reason=lost-dirty-pages lost=%lu first=%s oracle=1", o->total_lost,
			    first);
	if (r.tot.bad)
		result_fail(run, "reason=wrong-values pages=%lu", r.tot.bad);
	if (t->bad_entries)
		result_fail(run, "reason=bad-ring-entries n=%lu", t->bad_entries);
	if (r.tot.reported == 0)
		result_fail(run, "reason=nothing-reported");
	/* A check that saw nothing change checked nothing. */
	if (o->total_changed == 0)
		result_fail(run, "reason=nothing-changed");
	if (r.w.errors)
		result_fail(run, "reason=writer-errors errors=%lu", r.w.errors);
	/* Lazy: every page counted dirty once, before any was armed. */
	if (p.lazy && t->initial_pages != t->total_pages)
		result_fail(run, "reason=initial-bitmap initial_pages=%lu pages=%lu",
			    t->initial_pages, t->total_pages);
	/* hvwrite: the hypervisor's writes never wait for a full ring (its
	 * stores then find their pages writable): the backup bitmap instead.
	 * A Linux guest fills its rings only if it writes enough. */
	if (!p.is_linux && p.mode == MODE_RING_WAIT && !p.hvwrite && st.full_waits == 0)
		result_fail(run, "reason=full-ring-path-not-taken");
	if (p.mode == MODE_RING_WAIT && p.hvwrite && t->backup_pages == 0)
		result_fail(run, "reason=backup-path-not-taken backup_sets=%lu", st.backup_sets);
out:
	track_finish(run, t);
}
