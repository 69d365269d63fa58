// SPDX-License-Identifier: MIT
/*
 * migrate: pre-copy live migration of a running workload into a second
 * partition, on the dirty log (ring, bitmap or PML).
 *
 *  1. the destination is created with the same layout and no running vCPU;
 *     logging goes on for the source's data slot;
 *  2. round 0 copies every data page; each later round collects the dirty
 *     set (harvest, reset: THE RULE, docs/06-dirty-ring.md) and only then
 *     copies those pages;
 *  3. when a round's dirty set is small enough (or after max_rounds) the
 *     source is held, the last dirty pages, the whole system slot (code,
 *     stacks, page tables, the workload's record) and every vCPU's state
 *     are copied;
 *  4. every page of source and destination is compared, the source is
 *     destroyed and the destination started; its vCPUs go on where the
 *     source's stopped and, when told to stop, check their memory against
 *     the record they kept all along.
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
#include "precopy.h"
#include "track.h"

#define DONE_MS 20000

static void copy_page(volatile uint8_t *dst, volatile uint8_t *src)
{
	for (int i = 0; i < 512; i++)
		((volatile uint64_t *)dst)[i] = ((volatile uint64_t *)src)[i];
}

struct send_ctx {
	struct tracked *t;
	volatile uint8_t *dst;
};

static void send_page(void *c, uint64_t page)
{
	struct send_ctx *s = c;
	copy_page(s->dst + page * 4096, s->t->data + page * 4096);
}

/* Copy the pages of the dirty set collected for this round, and clear it. */
static uint64_t copy_dirty(struct tracked *t, volatile uint8_t *dst)
{
	struct send_ctx s = { t, dst };
	return precopy_take(t->dirty, t->npages, send_page, &s);
}

/* gap= is pacing, not a timeout: the work of a round, in ticks. */
static void spin(uint64_t ticks)
{
	uint64_t end = rdtsc() + ticks;
	while (rdtsc() < end)
		cpu_relax();
}

void scenario_migrate(struct scenario_run *run)
{
	uint64_t vcpus, mem, wws, seed, max_rounds, ring, threshold, gap;
	struct precopy pc = { 0 };
	uint64_t mismatch = 0, downtime = 0;
	uint32_t verified = 0;
	enum track_mode mode;
	struct tracked src;
	struct mig_limit ml;
	long dst = -1;
	bool lazy;

	if (!track_mode_parse(param_str(run, "mode"), &mode) || mode == MODE_RING_WAIT) {
		result_fail(run, "reason=bad-value mode=%s (ring|bitmap|pml)", param_str(run, "mode"));
		return;
	}
	if (!track_protect_parse(param_str(run, "protect"), &lazy)) {
		result_fail(run, "reason=bad-value protect=%s (eager|lazy)",
			    param_str(run, "protect"));
		return;
	}
	if (!param_u64(run, "vcpus", RV_MAX_VCPUS, &vcpus) || !param_u64(run, "mem", 256, &mem) ||
	    !param_u64(run, "wws", 256, &wws) || !param_u64(run, "seed", UINT64_MAX, &seed) ||
	    !param_u64(run, "max_rounds", PRECOPY_MAX_ROUNDS, &max_rounds) ||
	    !param_u64(run, "ring", RV_RING_MAX_ENTRIES, &ring) ||
	    !param_u64(run, "threshold", UINT64_MAX, &threshold) ||
	    !param_u64(run, "gap", UINT64_MAX, &gap))
		return;
	if (!mig_limit_parse(run, &ml))
		return;
	if (!wws || wws > mem)
		wws = mem;
	mgmt_alloc_reset();
	memset(&src, 0, sizeof(src));
	if (!track_create(run, &src, WORK_TEST_MIGRATE, mode, (uint32_t)vcpus, mem, ring, seed, 0,
			  wws << 8) ||
	    !track_start(run, &src))
		goto out;
	store_release(&src.ctrl->iteration, 1);

	/* 1. The destination: same image, layout and vCPUs; not started. */
	struct rv_partition_spec spec = { .image = RV_IMAGE_WORK_ABI, .nr_vcpus = (uint32_t)vcpus,
					  .data_mib = mem,
					  .args = { WORK_TEST_MIGRATE, seed, 0, wws << 8 } };
	dst = hc_partition_create(&spec);
	long rc;
	if (dst < 0 || (rc = hc_map((uint64_t)dst, 0, WIN_SYS(dst))) ||
	    (rc = hc_map((uint64_t)dst, 1, WIN_DATA(dst)))) {
		result_fail(run, "reason=destination dst=%ld", dst);
		goto out;
	}
	volatile uint8_t *dst_data = (volatile uint8_t *)WIN_DATA(dst);
	volatile uint8_t *dst_sys = (volatile uint8_t *)WIN_SYS(dst);
	volatile uint8_t *src_sys = (volatile uint8_t *)WIN_SYS(src.id);
	src.lazy = lazy;
	/* A fixed limit before logging: the first faults are limited too. */
	if (!mig_limit_start(run, &ml, src.id, (uint32_t)vcpus) || !track_log_on(run, &src))
		goto out;

	/* 2. Round 0 sends everything; then only what was dirtied. */
	uint64_t sent0 = src.npages, t_copy = rdtsc();
	if (lazy) {
		/* Every page is set and none armed: the first collect arms
		 * them, and only then are they copied, as any round's. */
		if (!track_collect(run, &src))
			goto out;
		sent0 = copy_dirty(&src, dst_data);
		if (src.initial_pages != src.npages || sent0 != src.npages) {
			result_fail(run,
				    "reason=initial-bitmap initial_pages=%lu sent=%lu pages=%lu",
				    src.initial_pages, sent0, src.npages);
			goto out;
		}
	} else {
		for (uint64_t p = 0; p < src.npages; p++)
			copy_page(dst_data + p * 4096, src.data + p * 4096);
	}
	mig_limit_copied(&ml, sent0, rdtsc() - t_copy);
	bool stop = precopy_record(&pc, sent0, threshold, max_rounds);
	while (!stop && !run->failed) {
		spin(gap);
		if (!track_collect(run, &src)) /* harvest + reset, before any copy */
			goto out;
		t_copy = rdtsc();
		uint64_t n = copy_dirty(&src, dst_data);
		t_copy = rdtsc() - t_copy;
		gprintf("migrate: round %lu: %lu pages\n", pc.rounds, n);
		if (!mig_limit_round(run, &ml, src.id, (uint32_t)vcpus, pc.rounds, n, t_copy,
				     threshold))
			goto out;
		stop = precopy_record(&pc, n, threshold, max_rounds);
	}
	mig_limit_finish(run, &ml, src.id, (uint32_t)vcpus);

	/* 3. Stop and copy: hold the source, take the rest and the vCPUs. */
	downtime = rdtsc();
	if (!track_pause_all(run, &src) || !track_collect(run, &src))
		goto out;
	precopy_record(&pc, copy_dirty(&src, dst_data), 0, 0);
	for (uint64_t off = 0; off < RV_SYS_SLOT_SIZE; off += 4096)
		copy_page(dst_sys + off, src_sys + off);
	for (uint32_t v = 0; v < vcpus; v++) {
		struct rv_vcpu_state st;
		if ((rc = hc_vcpu_get_state((uint64_t)src.id, v, &st)) ||
		    (rc = hc_vcpu_set_state((uint64_t)dst, v, &st))) {
			result_fail(run, "reason=vcpu-state vcpu=%u err=%ld", v, rc);
			goto out;
		}
	}
	/* 4. Compare every page (not part of the downtime: a check), then switch over. */
	downtime = rdtsc() - downtime;
	for (uint64_t p = 0; p < src.npages + RV_SYS_SLOT_SIZE / 4096; p++) {
		bool sys = p >= src.npages;
		volatile uint8_t *a = sys ? src_sys + (p - src.npages) * 4096 : src.data + p * 4096;
		volatile uint8_t *b = sys ? dst_sys + (p - src.npages) * 4096 : dst_data + p * 4096;
		for (int i = 0; i < 512; i++)
			if (((volatile uint64_t *)a)[i] != ((volatile uint64_t *)b)[i]) {
				if (!mismatch++)
					gprintf("migrate: first difference: %s page %lu word %d: source "
						"0x%lx, destination 0x%lx\n", sys ? "system" : "data",
						sys ? p - src.npages : p, i, ((volatile uint64_t *)a)[i],
						((volatile uint64_t *)b)[i]);
				break;
			}
	}
	run->checked = src.npages + RV_SYS_SLOT_SIZE / 4096;
	run->lost = mismatch;
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

	/* The destination goes on, then checks itself against its record. */
	struct work_ctrl *ctrl = (struct work_ctrl *)(WIN_SYS(dst) + WORK_CTRL_GPA);
	uint64_t w0 = track_writes(&(struct tracked){ .vcpus = (uint32_t)vcpus, .ctrl = ctrl });
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
			verified += ev.arg == WORK_STATUS_OK;
		}
	}
	uint64_t w1 = track_writes(&(struct tracked){ .vcpus = (uint32_t)vcpus, .ctrl = ctrl });
	gprintf("migrate: the destination made %lu more stores after the switch\n", w1 - w0);
	if (w1 == w0)
		result_fail(run, "reason=destination-did-not-run");
out:;
	/* Whole, however many rounds: result_kv() takes an item of any length. */
	static char list[PRECOPY_LIST_MAX];
	precopy_format(&pc, list, sizeof(list));
	result_kv(run,
		  "mode=%s protect=%s vcpus=%lu mem=%lu wws=%lu rounds=%lu pages_sent=%lu "
		  "pages_per_round=%s downtime_ticks=%lu mismatch=%lu verified=%d range_clears=%lu",
		  param_str(run, "mode"), param_str(run, "protect"), vcpus, mem, wws, pc.rounds,
		  pc.total, list, downtime, mismatch, verified == vcpus, src.range_clears);
	mig_limit_report(run, &ml, (uint32_t)vcpus);
	if (mismatch)
		result_fail(run, "reason=mismatch pages=%lu", mismatch);
	if (verified != vcpus && !run->failed && !run->skipped)
		result_fail(run, "reason=not-verified verified=%u/%lu", verified, vcpus);
	if (src.id > 0)
		track_finish(run, &src);
	if (dst > 0)
		hc_partition_destroy((uint64_t)dst);
}
