// SPDX-License-Identifier: MIT
/*
 * linux-clone: the stop-and-copy move of a running Linux partition, end
 * to end (docs/12-linux.md, "Moving a Linux partition").  Boot Linux with
 * its writer, wait for a few heartbeats, hold every vCPU, read the
 * console to its end, create a destination with the same spec, copy both
 * slots wholesale through RV_HC_MAP windows, move the vCPUs' and the
 * platform's state (linux_state_move), destroy the source and start the
 * destination.  PASS: the destination's heartbeats go on from the
 * source's last number + 1, one by one; its writer goes on with rounds
 * past the source's and no errors; nothing on its console says Oops, BUG,
 * soft lockup, panic or WARNING; no fault.
 *
 *	RESULT linux-clone PASS vcpus=N mem=M skip=none heartbeat_before=H
 *	    heartbeat_after=H2 writer_round_before=R writer_round_after=R2
 *	    writer_errors=0 copied_pages=P move_ticks=T dst_exits=E0/E1...
 *
 * skip=timer|platform leaves a piece of the state behind on purpose
 * (linuxstate.h): the run must then FAIL.
 *
 * The consoles are read with lxwatch.h, as linux and migrate guest=linux
 * read theirs.
 */
#include "linuxstate.h"
#include "lxwatch.h"
#include "track.h"

/* Milliseconds left before the run's deadline (at least 1). */
static uint64_t ms_left(uint64_t deadline)
{
	uint64_t now = rdtsc(), per_ms = ms_ticks(1);

	return now >= deadline ? 1 : (deadline - now) / (per_ms ? per_ms : 1) + 1;
}

/* Map slot `slot` of both partitions and copy it whole; the pages copied. */
static uint64_t copy_slot(long src, long dst, uint32_t slot, uint64_t bytes)
{
	uint64_t *s = (uint64_t *)(slot ? WIN_DATA(src) : WIN_SYS(src));
	uint64_t *d = (uint64_t *)(slot ? WIN_DATA(dst) : WIN_SYS(dst));

	if (hc_map((uint64_t)src, slot, (uint64_t)(uintptr_t)s) ||
	    hc_map((uint64_t)dst, slot, (uint64_t)(uintptr_t)d))
		return 0;
	/* REP MOVSQ: the library's memcpy goes byte by byte, slow for 68 MiB under Bochs. */
	uint64_t n = bytes / 8;
	asm volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return bytes / 4096;
}

void scenario_linux_clone(struct scenario_run *run)
{
	static struct rv_partition_spec spec;
	static struct lx_watch ws, wd;
	uint64_t vcpus, mem, pages, rate, before, after, timeout_s;
	long src, dst = -1, rc;
	const char *skip = param_str(run, "skip");

	if (!param_u64(run, "vcpus", RV_MAX_VCPUS, &vcpus) ||
	    !param_u64(run, "mem", WIN_DATA_MAX_MIB, &mem) ||
	    !param_u64(run, "pages", 65536, &pages) || !param_u64(run, "rate", 1000000, &rate) ||
	    !param_u64(run, "before", 1000, &before) || !param_u64(run, "after", 1000, &after) ||
	    !param_u64(run, "timeout", 100000, &timeout_s))
		return;
	if (mem < RV_LINUX_MIB_MIN) {
		result_fail(run, "reason=bad-value mem=%lu", mem);
		return;
	}
	lx_spec(&spec, (uint32_t)vcpus, mem, pages, rate, "none");
	result_kv(run, "vcpus=%lu mem=%lu skip=%s", vcpus, mem, skip);
	uint64_t deadline = rdtsc() + ms_ticks(timeout_s * 1000);

	/* 1. The source: boot, init, `before` heartbeats and a writer round. */
	src = hc_partition_create(&spec);
	if (src < 0) {
		result_fail(run, "reason=create err=%ld", src);
		return;
	}
	lx_watch_init(&ws, src);
	if ((rc = hc_partition_start((uint64_t)src))) {
		result_fail(run, "reason=start err=%ld", rc);
		goto out;
	}
	if (!lx_wait(run, &ws, before, 1, ms_left(deadline)))
		goto out;

	/* 2. Hold it, and read its console to the end: what it printed is all there. */
	uint64_t t_move = rdtsc();
	for (uint32_t v = 0; v < vcpus; v++)
		if ((rc = hc_vcpu_pause((uint64_t)src, v))) {
			result_fail(run, "reason=pause vcpu=%u err=%ld", v, rc);
			goto out;
		}
	lx_drain(run, &ws);
	if (ws.failed)
		goto out;

	/* 3. The destination, not started: memory, vCPUs, devices. */
	dst = hc_partition_create(&spec);
	if (dst < 0) {
		result_fail(run, "reason=create-destination err=%ld", dst);
		goto out;
	}
	uint64_t copied = copy_slot(src, dst, 0, RV_SYS_SLOT_SIZE);
	copied += copied ? copy_slot(src, dst, 1, mem << 20) : 0;
	if (copied != (RV_SYS_SLOT_SIZE + (mem << 20)) / 4096) {
		result_fail(run, "reason=map copied_pages=%lu", copied);
		goto out;
	}
	if (!linux_state_move_skip(run, src, dst, (uint32_t)vcpus, skip))
		goto out;
	if ((rc = hc_partition_destroy((uint64_t)src))) {
		result_fail(run, "reason=destroy-source err=%ld", rc);
		goto out;
	}
	src = -1;
	/* Its console goes on where the source's stopped, its writer from its round. */
	lx_watch_init(&wd, dst);
	wd.offset = ws.offset;
	wd.rounds = ws.rounds;
	if ((rc = hc_partition_start((uint64_t)dst))) {
		result_fail(run, "reason=start-destination err=%ld", rc);
		goto out;
	}
	t_move = rdtsc() - t_move;

	/* 4. The destination goes on where the source stopped: `after`
	 * heartbeats from the next number on, two more writer rounds. */
	bool ok = lx_wait(run, &wd, after, 2, ms_left(deadline));
	if (ok && (wd.hb_first != ws.hb_last + 1 || ws.hb_gaps || wd.hb_gaps))
		result_fail(run, "reason=heartbeat-gap before=%lu first_after=%lu gaps=%lu/%lu",
			    ws.hb_last, wd.hb_first, ws.hb_gaps, wd.hb_gaps);
	if (ws.errors + wd.errors)
		result_fail(run, "reason=writer-errors errors=%lu", ws.errors + wd.errors);
	/* Every vCPU of the destination ran (an idle one still exits: HLT, its timer). */
	static char per_vcpu[8 * 24];
	size_t used = 0;
	per_vcpu[0] = 0;
	for (uint32_t v = 0; v < vcpus; v++) {
		static struct rv_vcpu_stats vs;
		if (hc_vcpu_stats((uint64_t)dst, v, &vs))
			vs.exits_total = 0;
		used += (size_t)snprintf(per_vcpu + used, sizeof(per_vcpu) - used, "%s%lu",
					 v ? "/" : "", vs.exits_total);
		if (ok && !vs.exits_total)
			result_fail(run, "reason=vcpu-idle vcpu=%u", v);
	}
	result_kv(run,
		  "heartbeat_before=%lu heartbeat_after=%lu writer_round_before=%lu "
		  "writer_round_after=%lu writer_errors=%lu copied_pages=%lu move_ticks=%lu "
		  "dst_exits=%s",
		  ws.hb_last, wd.heartbeats ? wd.hb_last : ws.hb_last, ws.rounds, wd.rounds,
		  ws.errors + wd.errors, copied, t_move, per_vcpu);
out:
	if (src >= 0 && (rc = hc_partition_destroy((uint64_t)src)))
		result_fail(run, "reason=destroy err=%ld", rc);
	if (dst >= 0 && (rc = hc_partition_destroy((uint64_t)dst)))
		result_fail(run, "reason=destroy-destination err=%ld", rc);
}
