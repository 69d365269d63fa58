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
#include "mgmt.h"
#include "rv_exit_reasons.h"

#define POLL_MS 20
#define LINE_MAX 256
#define BANNER_MAX 48

struct watch {
	char line[LINE_MAX];
	uint32_t len;
	char banner[BANNER_MAX];
	uint64_t boot_ticks, heartbeats, rounds, errors, nproc;
	bool init_seen, failed;
	bool wild; /* misbehave= asked for a panic: one is expected */
};

/* The number after `key` in s, or false. */
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

static bool contains(const char *s, const char *needle)
{
	size_t n = strlen(needle);

	for (; *s; s++)
		if (!strncmp(s, needle, n))
			return true;
	return false;
}

/* One complete console line of the guest. */
static void line(struct scenario_run *run, struct watch *w, uint64_t t0)
{
	const char *s = w->line;
	uint64_t n;

	if (!w->banner[0] && contains(s, "Linux version ")) {
		const char *b = s;
		while (strncmp(b, "Linux version ", 14))
			b++;
		uint32_t i = 0;
		/* "Linux version 6.1.192 (...)": the version, spaces to '_'. */
		for (b += 14; *b && *b != ' ' && i < BANNER_MAX - 1; b++)
			w->banner[i++] = *b;
		w->banner[i] = 0;
	}
	if (!w->init_seen && contains(s, "RVLINUX init:")) {
		w->init_seen = true;
		w->boot_ticks = rdtsc() - t0;
		number_after(s, "cpus=", &w->nproc);
	}
	if (contains(s, "RVLINUX heartbeat ") && number_after(s, "heartbeat ", &n))
		w->heartbeats++;
	if (contains(s, "RVLINUX writer: round=")) {
		number_after(s, "round=", &w->rounds);
		if (number_after(s, "errors=", &n))
			w->errors += n;
	}
	if (contains(s, "RVLINUX writer: FAIL") || contains(s, "RVLINUX misbehave: FAIL") ||
	    (!w->wild &&
	     (contains(s, "Kernel panic") || contains(s, "Oops") || contains(s, "BUG: ")))) {
		if (!w->failed)
			result_fail(run, "reason=guest-error");
		w->failed = true;
	}
}

/* Read what the guest printed since *offset and feed whole lines to line(). */
static void drain(struct scenario_run *run, long id, uint64_t *offset, struct watch *w, uint64_t t0)
{
	static char buf[RV_CONSOLE_MAX];
	struct rv_console_read io = {.offset = *offset, .buf = (uintptr_t)buf, .len = sizeof(buf)};

	for (;;) {
		io.offset = *offset;
		long n = hc_console_read((uint64_t)id, &io);
		if (n <= 0)
			return;
		*offset = io.offset + (uint64_t)n;
		for (long i = 0; i < n; i++) {
			if (buf[i] == '\n' || w->len == LINE_MAX - 1) {
				w->line[w->len] = 0;
				line(run, w, t0);
				w->len = 0;
			} else {
				w->line[w->len++] = buf[i];
			}
		}
	}
}

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
	struct rv_partition_spec spec = {.image = RV_IMAGE_LINUX_ABI};
	uint64_t vcpus, mem, pages, rate, want, timeout_s, offset = 0;
	uint64_t by[RV_NR_EXIT_REASONS] = {0}, exits = 0;
	static struct watch w;
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
	memset(&w, 0, sizeof(w));
	w.wild = wild;
	refusals(run, (uint32_t)vcpus, &ref_ok, &ref_total);
	spec.nr_vcpus = (uint32_t)vcpus;
	spec.data_mib = mem;
	/* tsc=reliable: the TSC is the only clock (no HPET, no PM timer to
	 * check it against); the rv_* words reach init as its environment. */
	snprintf(spec.cmdline, sizeof(spec.cmdline),
		 "console=ttyS0 earlyprintk=serial,ttyS0,115200 tsc=reliable panic=-1 "
		 "pci=lastbus=0 rv_pages=%lu rv_rate=%lu rv_misbehave=%s",
		 pages, rate, misbehave);
	long id = hc_partition_create(&spec);
	if (id < 0) {
		result_fail(run, "reason=create err=%ld", id);
		return;
	}
	result_kv(run, "vcpus=%lu mem=%lu misbehave=%s refusals=%u/%u", vcpus, mem, misbehave,
		  ref_ok, ref_total);
	uint64_t t0 = rdtsc(), deadline = t0 + ms_ticks(timeout_s * 1000);
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
			drain(run, id, &offset, &w, t0);
			stop_reason = ev.arg;
			stop_info = ev.info;
			if (!wild) {
				result_fail(run, "reason=fault vcpu=%u exit=%lu info=0x%lx",
					    ev.vcpu, ev.arg, ev.info);
				break;
			}
		}
		drain(run, id, &offset, &w, t0);
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
