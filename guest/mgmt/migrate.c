// SPDX-License-Identifier: MIT
/*
 * migrate: pre-copy live migration of a running workload into a second
 * partition, on the dirty log (ring, bitmap or PML).
 *
 *  1. the destination is created with the same layout and no running vCPU;
 *     logging goes on for every slot of the source (1.6: the system slot
 *     too, with the code, stacks, page tables and the workload's record);
 *  2. round 0 copies every page; each later round collects the dirty set
 *     (harvest, reset: THE RULE, docs/06-dirty-ring.md) and only then
 *     copies those pages;
 *  3. when a round's dirty set is small enough (or after max_rounds) the
 *     source is held and only the last dirty pages and every vCPU's state
 *     are copied: no slot is copied wholesale;
 *  4. every page of source and destination is compared, the source is
 *     destroyed and the destination started; its vCPUs go on where the
 *     source's stopped and, when told to stop, check their memory against
 *     the record they kept all along.
 *
 * guest=linux migrates our Linux kernel with its memory writer
 * (docs/12-linux.md) instead: it boots, logging goes on once it runs, and
 * after the switch the destination's console must go on where the
 * source's stopped: the heartbeat of PID 1 continues without a gap or a
 * restart, the writer's rounds go on with no error in its own record, and
 * no panic, oops, BUG, soft lockup or WARNING line appears.
 *
 * protect=lazy switches logging on with RV_SLOT_LOG_LAZY: nothing is
 * write-protected then, every page is dirty once, and round 0 is the
 * first collect, which arms the pages range by range (track_collect)
 * before it copies them all.
 *
 * dirty_limit=N|auto limits the source vCPUs' dirty rate (guest/mgmt/dlimit.c).
 *
 *	RESULT migrate PASS rounds= pages_sent= pages_per_round=a,b,c downtime_ticks= mismatch=0 verified=1
 */
#include "dlimit.h"
#include "linuxstate.h"
#include "lxwatch.h"
#include "oracle_track.h"
#include "precopy.h"
#include "track.h"
#include "tracedump.h"

#define DONE_MS 20000

static void copy_page(volatile uint8_t *dst, volatile uint8_t *src)
{
	for (int i = 0; i < 512; i++)
		((volatile uint64_t *)dst)[i] = ((volatile uint64_t *)src)[i];
}

/* The destination's windows, indexed as the source's dirty set. */
struct send_ctx {
	struct tracked *t;
	struct tracked d;
	struct oracle *o; /* the oracle: remembers each page as it was sent */
};

static void send_page(void *c, uint64_t page)
{
	struct send_ctx *s = c;
	volatile uint8_t *to = track_page(&s->d, page);

	copy_page(to, track_page(s->t, page));
	if (s->o)
		s->o->fp[page] = oracle_hash(s->o->key, to);
}

/* Copy the pages of the dirty set collected for this round, and clear it. */
static uint64_t copy_dirty(struct send_ctx *s)
{
	return precopy_take(s->t->dirty, s->t->total_pages, send_page, s);
}

/* gap= is pacing, not a timeout: the work of a round, in ticks. */
static void spin(uint64_t ticks)
{
	uint64_t end = rdtsc() + ticks;
	while (rdtsc() < end)
		cpu_relax();
}

/* The destination, work guest: it goes on, then checks itself against its record. */
static void finish_work(struct scenario_run *run, long dst, uint32_t vcpus, uint64_t gap,
			uint32_t *verified)
{
	struct work_ctrl *ctrl = (struct work_ctrl *)(WIN_SYS(dst) + WORK_CTRL_GPA);
	uint64_t w0 = track_writes(&(struct tracked){ .vcpus = vcpus, .ctrl = ctrl });

	spin(gap);
	store_release(&ctrl->stop, 1);
	for (uint32_t done = 0; done < vcpus;) {
		struct rv_event ev;
		if (hc_wait_event(&ev, ms_ticks(DONE_MS)) || ev.type == RV_EV_TIMEOUT) {
			result_fail(run, "reason=destination-timeout done=%u", done);
			break;
		}
		if (ev.partition != (uint32_t)dst)
			continue;
		if (ev.type == RV_EV_VCPU_FAULT) {
			result_fail(run, "reason=destination-fault vcpu=%u exit=%lu info=0x%lx", ev.vcpu,
				    ev.arg, ev.info);
			break;
		}
		if (ev.type == RV_EV_VCPU_DONE) {
			done++;
			*verified += ev.arg == WORK_STATUS_OK;
		}
	}
	uint64_t w1 = track_writes(&(struct tracked){ .vcpus = vcpus, .ctrl = ctrl });
	gprintf("migrate: the destination made %lu more stores after the switch\n", w1 - w0);
	if (w1 == w0)
		result_fail(run, "reason=destination-did-not-run");
}

/*
 * The destination, Linux: the same console watch goes on reading, now the
 * destination's stream (the UART's state moved with the rest), so a line
 * the source began is finished by the destination and the heartbeat
 * numbers must simply go on.  The writer checks every page of its record
 * each round: two more rounds without an error, and `after` heartbeats.
 */
static void finish_linux(struct scenario_run *run, struct lx_watch *w, long dst, uint64_t after,
			 uint32_t vcpus, uint32_t *verified)
{
	uint64_t gaps = w->hb_gaps, last = w->hb_last, errors = w->errors;

	w->id = dst;
	if (!lx_wait(run, w, after, 2, 120000))
		return;
	if (w->hb_gaps != gaps || w->hb_last < last + after)
		result_fail(run, "reason=heartbeat-gap before=%lu after=%lu gaps=%lu", last,
			    w->hb_last, w->hb_gaps);
	else if (w->errors != errors)
		result_fail(run, "reason=writer-errors errors=%lu", w->errors - errors);
	else
		*verified = vcpus;
}

void scenario_migrate(struct scenario_run *run)
{
	uint64_t vcpus, mem, wws, seed, max_rounds, ring, threshold, gap, rate, tracing;
	static struct lx_watch lw;
	static struct send_ctx sc;
	struct precopy pc = { 0 };
	uint64_t mismatch = 0, downtime = 0, hb_before = 0, lost = 0, *final = NULL;
	static struct oracle_track ot;
	bool oracle_on = false;
	uint32_t verified = 0;
	enum track_mode mode;
	struct tracked src;
	struct mig_limit ml;
	long dst = -1;
	bool lazy, is_linux;

	if (!track_mode_parse(param_str(run, "mode"), &mode) || mode == MODE_RING_WAIT) {
		result_fail(run, "reason=bad-value mode=%s (ring|bitmap|pml)", param_str(run, "mode"));
		return;
	}
	if (!track_protect_parse(param_str(run, "protect"), &lazy)) {
		result_fail(run, "reason=bad-value protect=%s (eager|lazy)",
			    param_str(run, "protect"));
		return;
	}
	is_linux = !strcmp(param_str(run, "guest"), "linux");
	if (!param_u64(run, "vcpus", RV_MAX_VCPUS, &vcpus) || !param_u64(run, "mem", 256, &mem) ||
	    !param_u64(run, "wws", 256, &wws) || !param_u64(run, "seed", UINT64_MAX, &seed) ||
	    !param_u64(run, "max_rounds", PRECOPY_MAX_ROUNDS, &max_rounds) ||
	    !param_u64(run, "ring", RV_RING_MAX_ENTRIES, &ring) ||
	    !param_u64(run, "threshold", UINT64_MAX, &threshold) ||
	    !param_u64(run, "gap", UINT64_MAX, &gap) || !param_u64(run, "rate", 1000000, &rate) ||
	    !param_u64(run, "trace", 1, &tracing) || !mig_limit_parse(run, &ml))
		return;
	if (!mem)
		mem = is_linux ? 32 : 8;
	if (is_linux && mem < RV_LINUX_MIB_MIN) {
		result_fail(run, "reason=bad-value mem=%lu (Linux: at least %d)", mem,
			    RV_LINUX_MIB_MIN);
		return;
	}
	if (!wws || wws > mem)
		wws = is_linux ? 1 : mem;
	mgmt_alloc_reset();
	memset(&src, 0, sizeof(src));

	/* 1. The source, running; the destination: same spec, not started. */
	struct rv_partition_spec spec = { .image = RV_IMAGE_WORK_ABI, .nr_vcpus = (uint32_t)vcpus,
					  .data_mib = mem,
					  .args = { WORK_TEST_MIGRATE, seed, 0, wws << 8 } };
	if (is_linux) {
		/* The writer: wws MiB at `rate` pages a second. */
		lx_spec(&spec, (uint32_t)vcpus, mem, wws << 8, rate, "none");
		if (!track_create_spec(run, &src, &spec, mode, ring) || !track_start(run, &src))
			goto out;
		lx_watch_init(&lw, src.id);
		/* Booted: init ran, two heartbeats and a writer round. */
		if (!lx_wait(run, &lw, 2, 1, 600000))
			goto out;
		gprintf("migrate: Linux %s up after %lu ticks, heartbeat %lu, writer round %lu\n",
			lw.banner, lw.boot_ticks, lw.hb_last, lw.rounds);
	} else {
		if (!track_create(run, &src, WORK_TEST_MIGRATE, mode, (uint32_t)vcpus, mem, ring,
				  seed, 0, wws << 8) ||
		    !track_start(run, &src))
			goto out;
		store_release(&src.ctrl->iteration, 1);
	}
	dst = hc_partition_create(&spec);
	long rc;
	if (dst < 0 || (rc = hc_map((uint64_t)dst, 0, WIN_SYS(dst))) ||
	    (rc = hc_map((uint64_t)dst, 1, WIN_DATA(dst)))) {
		result_fail(run, "reason=destination dst=%ld", dst);
		goto out;
	}
	sc.t = &src;
	sc.o = NULL; /* until the oracle's baseline */
	sc.d = (struct tracked){ .npages = src.npages, .data = (volatile uint8_t *)WIN_DATA(dst),
				 .sys = (volatile uint8_t *)WIN_SYS(dst) };
	src.lazy = lazy;
	src.all_slots = true;
	/* A fixed limit before logging: the first faults are limited too. */
	if (!mig_limit_start(run, &ml, src.id, (uint32_t)vcpus) || !track_log_on(run, &src))
		goto out;

	/*
	 * The oracle, a check and not part of the migration (guest/mgmt/
	 * oracle.h).  Its baseline: hold the source, collect (with lazy
	 * protection this is round 0's collect, which arms every page),
	 * fingerprint every page of every slot, let it go on.  From then on
	 * it keeps, for each page, the fingerprint of the copy last sent
	 * (send_page) in the pre-copy rounds.  At the stop, with the source
	 * held, a page whose fingerprint differs from its last sent copy and
	 * that is not in the last dirty set was written after that copy and
	 * never reported: lost.  (The
	 * comparison at the switch reads both partitions' bytes instead, and
	 * catches a wrong copy too; for a correct copy the two agree.)
	 */
	final = mgmt_alloc((src.total_pages + 63) / 64 * 8);
	if (!final) {
		result_fail(run, "reason=mgmt-memory pages=%lu", src.total_pages);
		goto out;
	}
	if (!track_pause_all(run, &src) || !track_collect(run, &src) ||
	    !oracle_track_start(run, &ot, &src) || !track_resume_all(run, &src))
		goto out;
	oracle_on = true;
	sc.o = &ot.o;

	/* 2. Round 0 sends everything; then only what was dirtied. */
	uint64_t sent0 = src.total_pages, t_copy = rdtsc();
	if (lazy) {
		/* Every page was set and none armed: the collect above armed
		 * them, and only now are they copied, as any round's. */
		sent0 = copy_dirty(&sc);
		if (src.initial_pages != src.total_pages || sent0 != src.total_pages) {
			result_fail(run,
				    "reason=initial-bitmap initial_pages=%lu sent=%lu pages=%lu",
				    src.initial_pages, sent0, src.total_pages);
			goto out;
		}
	} else {
		for (uint64_t p = 0; p < src.total_pages; p++)
			send_page(&sc, p);
	}
	mig_limit_copied(&ml, sent0, rdtsc() - t_copy);
	gprintf("migrate: round 0: %lu pages (every page of %lu MiB and the 4 MiB system slot)\n",
		sent0, mem);
	bool stop = precopy_record(&pc, sent0, threshold, max_rounds);
	while (!stop && !run->failed) {
		/* trace=1: the hypervisor's trace of the last round, the stop
		 * and the switch (each round drops the records of the one before:
		 * its buffer holds 16384). */
		if (tracing)
			trace_start();
		spin(gap);
		if (is_linux)
			lx_drain(run, &lw);
		uint64_t h0 = src.harvested;
		if (!track_collect(run, &src)) /* harvest + reset, before any copy */
			goto out;
		t_copy = rdtsc();
		uint64_t n = copy_dirty(&sc);
		t_copy = rdtsc() - t_copy;
		gprintf("migrate: round %lu: %lu pages (%lu ring entries, %lu backup)\n", pc.rounds,
			n, src.harvested - h0, src.backup_pages);
		if (!mig_limit_round(run, &ml, src.id, (uint32_t)vcpus, pc.rounds, n, t_copy,
				     threshold))
			goto out;
		stop = precopy_record(&pc, n, threshold, max_rounds);
	}
	if (run->failed)
		goto out;
	mig_limit_finish(run, &ml, src.id, (uint32_t)vcpus);

	/* 3. Stop and copy: hold the source, take the rest and the vCPUs. */
	uint64_t t_hold = rdtsc();
	if (!track_pause_all(run, &src) || !track_collect(run, &src))
		goto out;
	/* The last dirty set, kept for the oracle (which takes no
	 * fingerprints inside the downtime: it checks these pages as
	 * reported). */
	memcpy(final, src.dirty, (src.total_pages + 63) / 64 * 8);
	sc.o = NULL;
	precopy_record(&pc, copy_dirty(&sc), 0, 0);
	if (is_linux) {
		/* Its console to the end first: the destination's stream goes
		 * on at the source's position (linux_state_move). */
		lx_drain(run, &lw);
		hb_before = lw.hb_last;
		if (!linux_state_move(run, src.id, dst, (uint32_t)vcpus))
			goto out;
	}
	for (uint32_t v = 0; !is_linux && v < vcpus; v++) {
		struct rv_vcpu_state st;
		if ((rc = hc_vcpu_get_state((uint64_t)src.id, v, &st)) ||
		    (rc = hc_vcpu_set_state((uint64_t)dst, v, &st))) {
			result_fail(run, "reason=vcpu-state vcpu=%u err=%ld", v, rc);
			goto out;
		}
	}
	/* 4. Compare every page (not part of the downtime: a check), then switch over. */
	downtime = rdtsc() - t_hold;
	/* The oracle, the source still held: every page against the copy
	 * last sent, the last dirty set counted as reported.  Its check reads
	 * the reported set from t->dirty: lend it that set. */
	uint64_t *taken = src.dirty;
	src.dirty = final;
	lost = oracle_track_check(&ot, &src, pc.rounds);
	src.dirty = taken;
	for (uint64_t p = 0; p < src.total_pages; p++) {
		volatile uint64_t *a = (volatile uint64_t *)track_page(&src, p);
		volatile uint64_t *b = (volatile uint64_t *)track_page(&sc.d, p);
		for (int i = 0; i < 512; i++)
			if (a[i] != b[i]) {
				uint64_t pg;
				uint32_t slot = track_slot_of(&src, p, &pg);
				if (!mismatch++)
					gprintf("migrate: first difference: slot %u page %lu word %d: "
						"source 0x%lx, destination 0x%lx\n",
						slot, pg, i, a[i], b[i]);
				break;
			}
	}
	run->checked = src.total_pages;
	run->lost = mismatch > lost ? mismatch : lost;
	uint64_t t_destroy = rdtsc();
	if ((rc = hc_partition_destroy((uint64_t)src.id))) {
		result_fail(run, "reason=destroy-source err=%ld", rc);
		goto out;
	}
	src.id = 0;
	uint64_t t_switch = t_destroy;
	if ((rc = hc_partition_start((uint64_t)dst))) {
		result_fail(run, "reason=start-destination err=%ld", rc);
		goto out;
	}
	downtime += rdtsc() - t_switch; /* hold + last copy, then destroy + start */
	if (tracing) {
		spin(gap); /* the destination's first exits */
		trace_dump("migrate"); /* for tools/hvtrace (docs/08-debugging.md) */
	}

	if (is_linux)
		finish_linux(run, &lw, dst, 2, (uint32_t)vcpus, &verified);
	else
		finish_work(run, dst, (uint32_t)vcpus, gap, &verified);
out:;
	/* Whole, however many rounds: result_kv() takes an item of any length. */
	static char list[PRECOPY_LIST_MAX];
	precopy_format(&pc, list, sizeof(list));
	result_kv(run,
		  "guest=%s mode=%s protect=%s vcpus=%lu mem=%lu wws=%lu rounds=%lu pages_sent=%lu "
		  "pages_per_round=%s downtime_ticks=%lu lost=%lu mismatch=%lu verified=%d "
		  "range_clears=%lu",
		  is_linux ? "linux" : "work", param_str(run, "mode"), param_str(run, "protect"), vcpus,
		  mem, wws, pc.rounds, pc.total, list, downtime, lost, mismatch, verified == vcpus,
		  src.range_clears);
	result_kv(run, "heartbeat_before=%lu heartbeat_after=%lu", hb_before,
		  is_linux ? lw.hb_last : 0);
	if (is_linux)
		result_kv(run, "rate=%lu writer_rounds=%lu writer_errors=%lu", rate, lw.rounds,
			  lw.errors);
	mig_limit_report(run, &ml, (uint32_t)vcpus);
	if (oracle_on && downtime) {
		/* The verdict in words, for a person watching (make run). */
		struct rv_hv_info hi;
		uint64_t khz = hc_hv_info(&hi) || !hi.tsc_khz ? 1 : hi.tsc_khz;
		static char tail[96];
		if (is_linux)
			snprintf(tail, sizeof(tail),
				 "heartbeat %lu -> %lu on the destination, writer errors %lu", hb_before,
				 lw.hb_last, lw.errors);
		else
			snprintf(tail, sizeof(tail), "%u of %lu vCPUs verified their record", verified,
				 vcpus);
		gprintf("migrate: verdict: lost=%lu (the oracle: %lu pages fingerprinted, none "
			"trusted to the guest), mismatch=%lu at the switch, downtime %lu ticks "
			"(%lu.%03lu ms), %s\n",
			lost, src.total_pages, mismatch, downtime, downtime / khz,
			downtime % khz * 1000 / khz, tail);
	}
	if (lost) {
		char first[96];
		oracle_track_first(&ot, first, sizeof(first));
		result_fail(run, "reason=lost-dirty-pages lost=%lu first=%s", lost, first);
	}
	if (mismatch)
		result_fail(run, "reason=mismatch pages=%lu", mismatch);
	if (verified != vcpus && !run->failed && !run->skipped)
		result_fail(run, "reason=not-verified verified=%u/%lu", verified, vcpus);
	if (src.id > 0)
		track_finish(run, &src);
	if (dst > 0)
		hc_partition_destroy((uint64_t)dst);
}
