// SPDX-License-Identifier: MIT
/*
 * linux: boot an unmodified Linux kernel in a workload partition and
 * watch its console (RV_HC_CONSOLE_READ) until its init program has shown
 * it runs: its version banner, the init line with the CPU count it sees,
 * heartbeats, and memory-writer rounds with no errors in the writer's own
 * record.  Any partition fault, a panic or an oops fails the run.
 *
 *	RESULT linux PASS vcpus=N mem=M misbehave=none refusals=5/5 nproc=N
 *	    boot_ticks=T heartbeats=H writer_rounds=R writer_errors=0
 *	    stopped_by=none exits=E exits_by_reason=... banner=...
 *
 * With misbehave=panic|triple|devmem the guest's init stops the kernel on
 * purpose once it runs; PASS is its partition stopped for that reason.
 */
#include "lxwatch.h"
#include "rv_exit_reasons.h"

#define POLL_MS 20

static const char *const names[RV_NR_EXIT_REASONS] = {
#define X(nr, name) [nr] = #name,
    RV_EXIT_REASONS(X)
#undef X
};

/* "CPUID:12,RDMSR:40,...": the reasons with a count, in number order. */
static void exits_by_reason(char *out, size_t size, const uint64_t *by)
{
	size_t used = 0;

	out[0] = 0;
	for (int r = 0; r < RV_NR_EXIT_REASONS && used + 40 < size; r++)
		if (by[r])
			used += (size_t)snprintf(out + used, size - used, "%s%s:%lu",
						 used ? "," : "", names[r] ? names[r] : "?", by[r]);
}

/*
 * Specs the hypervisor must refuse, each with its error, leaving no CPU
 * and no page behind: an unprintable command line, one without a NUL,
 * too little RAM for any Linux, and too little for this kernel and initrd
 * (the boot protocol's init_size: checked against the image itself).
 */
static void refusals(struct scenario_run *run, uint32_t vcpus, uint32_t *ok, uint32_t *total)
{
	static struct rv_partition_spec bad;
	struct rv_hv_info before, after;
	static const struct {
		const char *name;
		uint64_t mem;
		int fill; /* 0: "console=ttyS0", 1: a tab in it, 2: no NUL */
		long want;
	} cases[] = {
	    {"cmdline-unprintable", 64, 1, -RV_EINVAL},
	    {"cmdline-unended", 64, 2, -RV_EINVAL},
	    {"mem-below-min", RV_LINUX_MIB_MIN - 1, 0, -RV_EINVAL},
	    {"kernel-too-big", RV_LINUX_MIB_MIN, 0, -RV_E2BIG},
	};

	if (hc_hv_info(&before))
		return;
	for (uint32_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&bad, 0, sizeof(bad));
		bad.image = RV_IMAGE_LINUX_ABI;
		bad.nr_vcpus = vcpus;
		bad.data_mib = cases[i].mem;
		memcpy(bad.cmdline, "console=ttyS0", 13);
		if (cases[i].fill == 1)
			bad.cmdline[7] = '\t';
		if (cases[i].fill == 2)
			memset(bad.cmdline, 'x', sizeof(bad.cmdline));
		long rc = hc_partition_create(&bad);
		(*total)++;
		if (rc == cases[i].want) {
			(*ok)++;
		} else {
			result_fail(run, "reason=refusal case=%s got=%ld want=%ld", cases[i].name,
				    rc, cases[i].want);
			if (rc >= 0)
				hc_partition_destroy((uint64_t)rc);
		}
	}
	(*total)++;
	if (!hc_hv_info(&after) && after.free_cpus == before.free_cpus &&
	    after.free_pages == before.free_pages)
		(*ok)++;
	else
		result_fail(run, "reason=refusal-leak free_cpus=%u/%u free_pages=%lu/%lu",
			    after.free_cpus, before.free_cpus, after.free_pages, before.free_pages);
}

/* What stops the partition when the guest misbehaves on purpose. */
static uint64_t expected_stop(const char *how, uint64_t *info)
{
	*info = 0;
	if (!strcmp(how, "panic"))
		return RV_EXIT_HLT; /* halted with interrupts off after the panic */
	if (!strcmp(how, "triple"))
		return RV_EXIT_TRIPLE_FAULT;
	*info = 0xc0000000;
	return RV_EXIT_EPT_VIOLATION;
}

void scenario_linux(struct scenario_run *run)
{
	struct rv_partition_spec spec;
	uint64_t vcpus, mem, pages, rate, want, timeout_s;
	uint64_t by[RV_NR_EXIT_REASONS] = {0}, exits = 0;
	static struct lx_watch w;
	static char reasons[512];
	struct rv_event ev;

	const char *misbehave = param_str(run, "misbehave");
	bool wild = misbehave && strcmp(misbehave, "none");
	uint64_t stop_reason = ~0ull, stop_info = 0;
	uint32_t ref_ok = 0, ref_total = 0;

	if (!misbehave)
		return;
	if (!param_u64(run, "vcpus", RV_MAX_VCPUS, &vcpus) ||
	    !param_u64(run, "mem", RV_DATA_MIB_MAX, &mem) ||
	    !param_u64(run, "pages", 65536, &pages) || !param_u64(run, "rate", 1000000, &rate) ||
	    !param_u64(run, "heartbeats", 1000, &want) ||
	    !param_u64(run, "timeout", 100000, &timeout_s))
		return;
	refusals(run, (uint32_t)vcpus, &ref_ok, &ref_total);
	lx_spec(&spec, (uint32_t)vcpus, mem, pages, rate, misbehave);
	long id = hc_partition_create(&spec);
	if (id < 0) {
		result_fail(run, "reason=create err=%ld", id);
		return;
	}
	result_kv(run, "vcpus=%lu mem=%lu misbehave=%s refusals=%u/%u", vcpus, mem, misbehave,
		  ref_ok, ref_total);
	lx_watch_init(&w, id);
	w.wild = wild;
	uint64_t deadline = w.t0 + ms_ticks(timeout_s * 1000);
	long rc = hc_partition_start((uint64_t)id);
	if (rc) {
		result_fail(run, "reason=start err=%ld", rc);
		goto destroy;
	}
	/* Done: a failure seen, or what the run waits for (its stop, or
	 * enough heartbeats and writer rounds). */
	while (!w.failed &&
	       !(wild ? stop_reason != ~0ull : w.heartbeats >= want && w.rounds >= 2)) {
		if (rdtsc() > deadline) {
			result_fail(run,
				    "reason=timeout banner=%d init=%d heartbeats=%lu rounds=%lu",
				    w.banner[0] != 0, w.init_seen, w.heartbeats, w.rounds);
			break;
		}
		rc = hc_wait_event(&ev, ms_ticks(POLL_MS));
		if (rc == 0 && ev.type == RV_EV_VCPU_FAULT && ev.partition == id) {
			lx_drain(run, &w);
			stop_reason = ev.arg;
			stop_info = ev.info;
			if (!wild) {
				result_fail(run, "reason=fault vcpu=%u exit=%lu info=0x%lx",
					    ev.vcpu, ev.arg, ev.info);
				break;
			}
		}
		lx_drain(run, &w);
	}
	if (wild && stop_reason != ~0ull) {
		uint64_t want_info, want_reason = expected_stop(misbehave, &want_info);
		if (stop_reason != want_reason || (want_info && stop_info != want_info))
			result_fail(run, "reason=wrong-stop exit=%lu info=0x%lx want=%lu",
				    stop_reason, stop_info, want_reason);
		if (!w.init_seen)
			result_fail(run, "reason=stopped-before-init");
	}
	for (uint32_t v = 0; v < vcpus; v++) {
		struct rv_vcpu_stats st;
		if (hc_vcpu_stats((uint64_t)id, v, &st))
			continue;
		exits += st.exits_total;
		for (int r = 0; r < RV_NR_EXIT_REASONS; r++)
			by[r] += st.exits[r];
	}
	exits_by_reason(reasons, sizeof(reasons), by);
	if (!w.banner[0])
		result_fail(run, "reason=no-banner");
	if (w.nproc != vcpus)
		result_fail(run, "reason=nproc nproc=%lu vcpus=%lu", w.nproc, vcpus);
	if (w.errors)
		result_fail(run, "reason=writer-errors errors=%lu", w.errors);
	const char *stopped = stop_reason == ~0ull ? "none"
			      : stop_reason < RV_NR_EXIT_REASONS && names[stop_reason]
				  ? names[stop_reason]
				  : "other";
	result_kv(run,
		  "nproc=%lu boot_ticks=%lu heartbeats=%lu writer_rounds=%lu writer_errors=%lu "
		  "stopped_by=%s exits=%lu exits_by_reason=%s banner=%s",
		  w.nproc, w.boot_ticks, w.heartbeats, w.rounds, w.errors, stopped, exits, reasons,
		  w.banner[0] ? w.banner : "none");
destroy:
	rc = hc_partition_destroy((uint64_t)id);
	if (rc)
		result_fail(run, "reason=destroy err=%ld", rc);
}
