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
 *	    writer_errors=0 copied_pages=P move_ticks=T
 *
 * skip=timer|platform leaves a piece of the state behind on purpose
 * (linuxstate.h): the run must then FAIL.
 *
 * The console parsing is linux.c's in spirit, kept apart: that scenario
 * watches a boot, this one numbers and compares across a move.
 */
#include "linuxstate.h"
#include "track.h"

#define POLL_MS 20
#define LINE_MAX 256

struct clone_watch {
	char line[LINE_MAX];
	uint32_t len;
	uint64_t heartbeats;  /* heartbeat lines seen */
	uint64_t first_hb, last_hb;
	uint64_t round, errors;
	bool init_seen;
	bool strict;          /* the destination: every bad word fails */
	bool failed;
	const char *who;
};

static bool contains(const char *s, const char *needle)
{
	size_t n = strlen(needle);

	for (; *s; s++)
		if (!strncmp(s, needle, n))
			return true;
	return false;
}

static bool number_after(const char *s, const char *key, uint64_t *out)
{
	size_t k = strlen(key);

	for (; *s; s++) {
		if (strncmp(s, key, k))
			continue;
		s += k;
		if (*s < '0' || *s > '9')
			return false;
		*out = 0;
		while (*s >= '0' && *s <= '9')
			*out = *out * 10 + (uint64_t)(*s++ - '0');
		return true;
	}
	return false;
}

static void clone_line(struct scenario_run *run, struct clone_watch *w)
{
	static const char *const bad[] = {"Oops", "BUG", "soft lockup", "panic", "WARNING"};
	const char *s = w->line;
	uint64_t n;

	if (contains(s, "RVLINUX init:"))
		w->init_seen = true;
	if (contains(s, "RVLINUX heartbeat ") && number_after(s, "heartbeat ", &n)) {
		/* One by one: a gap or a restart is a failure on either side. */
		if (w->heartbeats && n != w->last_hb + 1 && !w->failed) {
			result_fail(run, "reason=heartbeat-gap side=%s last=%lu got=%lu", w->who,
				    w->last_hb, n);
			w->failed = true;
		}
		if (!w->heartbeats)
			w->first_hb = n;
		w->last_hb = n;
		w->heartbeats++;
	}
	if (contains(s, "RVLINUX writer: round=")) {
		number_after(s, "round=", &w->round);
		if (number_after(s, "errors=", &n))
			w->errors += n;
	}
	bool wrong = contains(s, "RVLINUX writer: FAIL") || contains(s, "Kernel panic") ||
		     contains(s, "Oops") || contains(s, "BUG: ");
	for (uint32_t i = 0; w->strict && i < sizeof(bad) / sizeof(bad[0]); i++)
		wrong = wrong || contains(s, bad[i]);
	if (wrong && !w->failed) {
		gprintf("linux-clone: %s console: %s\n", w->who, s);
		result_fail(run, "reason=guest-error side=%s", w->who);
		w->failed = true;
	}
}

static void clone_drain(struct scenario_run *run, long id, uint64_t *offset,
			struct clone_watch *w)
{
	static char buf[RV_CONSOLE_MAX];
	struct rv_console_read io = {.buf = (uintptr_t)buf, .len = sizeof(buf)};

	for (;;) {
		io.offset = *offset;
		long n = hc_console_read((uint64_t)id, &io);
		if (n <= 0)
			return;
		*offset = io.offset + (uint64_t)n;
		for (long i = 0; i < n; i++) {
			if (buf[i] == '\n' || w->len == LINE_MAX - 1) {
				w->line[w->len] = 0;
				clone_line(run, w);
				w->len = 0;
			} else {
				w->line[w->len++] = buf[i];
			}
		}
	}
}

/* Poll id's console until done(w) or a fault or the deadline; false on failure. */
static bool clone_wait(struct scenario_run *run, long id, uint64_t *offset, struct clone_watch *w,
		       uint64_t deadline, uint64_t hb_want, uint64_t round_want)
{
	struct rv_event ev;

	while (!w->failed && !(w->heartbeats >= hb_want && w->round >= round_want)) {
		if (rdtsc() > deadline) {
			result_fail(run, "reason=timeout side=%s init=%d heartbeats=%lu last=%lu "
				    "round=%lu", w->who, w->init_seen, w->heartbeats, w->last_hb,
				    w->round);
			return false;
		}
		long rc = hc_wait_event(&ev, ms_ticks(POLL_MS));
		if (rc == 0 && ev.type == RV_EV_VCPU_FAULT && ev.partition == id) {
			clone_drain(run, id, offset, w);
			result_fail(run, "reason=fault side=%s vcpu=%u exit=%lu info=0x%lx", w->who,
				    ev.vcpu, ev.arg, ev.info);
			return false;
		}
		clone_drain(run, id, offset, w);
	}
	return !w->failed;
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
	static struct clone_watch ws, wd;
	uint64_t vcpus, mem, pages, rate, before, after, timeout_s, off_src = 0, off_dst;
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
	memset(&spec, 0, sizeof(spec));
	memset(&ws, 0, sizeof(ws));
	memset(&wd, 0, sizeof(wd));
	ws.who = "source";
	wd.who = "destination";
	wd.strict = true;
	spec.image = RV_IMAGE_LINUX_ABI;
	spec.nr_vcpus = (uint32_t)vcpus;
	spec.data_mib = mem;
	snprintf(spec.cmdline, sizeof(spec.cmdline),
		 "console=ttyS0 earlyprintk=serial,ttyS0,115200 tsc=reliable panic=-1 "
		 "pci=lastbus=0 rv_pages=%lu rv_rate=%lu rv_misbehave=none",
		 pages, rate);
	result_kv(run, "vcpus=%lu mem=%lu skip=%s", vcpus, mem, skip);
	uint64_t deadline = rdtsc() + ms_ticks(timeout_s * 1000);

	/* 1. The source: boot, init, `before` heartbeats and a writer round. */
	src = hc_partition_create(&spec);
	if (src < 0) {
		result_fail(run, "reason=create err=%ld", src);
		return;
	}
	if ((rc = hc_partition_start((uint64_t)src))) {
		result_fail(run, "reason=start err=%ld", rc);
		goto out;
	}
	if (!clone_wait(run, src, &off_src, &ws, deadline, before, 1))
		goto out;

	/* 2. Hold it, and read its console to the end: what it printed is all there. */
	uint64_t t_move = rdtsc();
	for (uint32_t v = 0; v < vcpus; v++)
		if ((rc = hc_vcpu_pause((uint64_t)src, v))) {
			result_fail(run, "reason=pause vcpu=%u err=%ld", v, rc);
			goto out;
		}
	clone_drain(run, src, &off_src, &ws);
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
	if ((rc = hc_partition_start((uint64_t)dst))) {
		result_fail(run, "reason=start-destination err=%ld", rc);
		goto out;
	}
	t_move = rdtsc() - t_move;

	/* 4. The destination goes on where the source stopped. */
	off_dst = off_src;
	wd.last_hb = ws.last_hb; /* its first heartbeat must be the next one */
	wd.heartbeats = 0;
	bool ok = clone_wait(run, dst, &off_dst, &wd, deadline, after, ws.round + 2);
	if (ok && wd.first_hb != ws.last_hb + 1)
		result_fail(run, "reason=heartbeat-restart before=%lu first_after=%lu", ws.last_hb,
			    wd.first_hb);
	if (ws.errors + wd.errors)
		result_fail(run, "reason=writer-errors errors=%lu", ws.errors + wd.errors);
	result_kv(run,
		  "heartbeat_before=%lu heartbeat_after=%lu writer_round_before=%lu "
		  "writer_round_after=%lu writer_errors=%lu copied_pages=%lu move_ticks=%lu",
		  ws.last_hb, wd.last_hb, ws.round, wd.round, ws.errors + wd.errors, copied, t_move);
out:
	if (src >= 0 && (rc = hc_partition_destroy((uint64_t)src)))
		result_fail(run, "reason=destroy err=%ld", rc);
	if (dst >= 0 && (rc = hc_partition_destroy((uint64_t)dst)))
		result_fail(run, "reason=destroy-destination err=%ld", rc);
}
