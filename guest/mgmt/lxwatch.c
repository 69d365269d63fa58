// SPDX-License-Identifier: MIT
#include "lxwatch.h"

#define POLL_MS 20

void lx_spec(struct rv_partition_spec *spec, uint32_t vcpus, uint64_t mem, uint64_t pages,
	     uint64_t rate, const char *misbehave)
{
	memset(spec, 0, sizeof(*spec));
	spec->image = RV_IMAGE_LINUX_ABI;
	spec->nr_vcpus = vcpus;
	spec->data_mib = mem;
	/* tsc=reliable: the TSC is the only clock (no HPET, no PM timer to
	 * check it against); the rv_* words reach init as its environment. */
	snprintf(spec->cmdline, sizeof(spec->cmdline),
		 "console=ttyS0 earlyprintk=serial,ttyS0,115200 tsc=reliable panic=-1 "
		 "pci=lastbus=0 rv_pages=%lu rv_rate=%lu rv_misbehave=%s rv_writer=%s",
		 pages ? pages : 1, rate, misbehave, pages ? "on" : "off");
}

void lx_watch_init(struct lx_watch *w, long id)
{
	memset(w, 0, sizeof(*w));
	w->id = id;
	w->t0 = rdtsc();
}

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

/* Lines a healthy kernel and init never print. */
static bool bad_line(const struct lx_watch *w, const char *s)
{
	if (contains(s, "RVLINUX writer: FAIL") || contains(s, "RVLINUX misbehave: FAIL"))
		return true;
	if (w->wild)
		return false;
	return contains(s, "Kernel panic") || contains(s, "Oops") || contains(s, "BUG: ") ||
	       contains(s, "soft lockup") || contains(s, "WARNING: ") ||
	       contains(s, "rcu_sched self-detected stall") || contains(s, "hard LOCKUP");
}

static void heartbeat(struct lx_watch *w, uint64_t n)
{
	if (!w->heartbeats)
		w->hb_first = n;
	else if (n != w->hb_last + 1)
		w->hb_gaps++;
	w->hb_last = n;
	w->heartbeats++;
}

/* One complete console line of the guest. */
static void line(struct scenario_run *run, struct lx_watch *w)
{
	const char *s = w->line;
	uint64_t n;

	if (!w->banner[0] && contains(s, "Linux version ")) {
		const char *b = s;
		while (strncmp(b, "Linux version ", 14))
			b++;
		uint32_t i = 0;
		/* "Linux version 6.1.192 (...)": the version. */
		for (b += 14; *b && *b != ' ' && i < LX_BANNER_MAX - 1; b++)
			w->banner[i++] = *b;
		w->banner[i] = 0;
	}
	if (!w->init_seen && contains(s, "RVLINUX init:")) {
		w->init_seen = true;
		w->boot_ticks = rdtsc() - w->t0;
		number_after(s, "cpus=", &w->nproc);
	}
	if (contains(s, "RVLINUX heartbeat ") && number_after(s, "heartbeat ", &n))
		heartbeat(w, n);
	if (contains(s, "RVLINUX writer: round=")) {
		number_after(s, "round=", &w->rounds);
		if (number_after(s, "errors=", &n))
			w->errors += n;
	}
	if (bad_line(w, s)) {
		if (!w->failed) {
			snprintf(w->bad, sizeof(w->bad), "%s", s);
			if (!w->quiet)
				result_fail(run, "reason=guest-error");
		}
		w->failed = true;
	}
}

void lx_drain(struct scenario_run *run, struct lx_watch *w)
{
	static char buf[RV_CONSOLE_MAX];
	struct rv_console_read io = {.buf = (uintptr_t)buf, .len = sizeof(buf)};

	for (;;) {
		io.offset = w->offset;
		long n = hc_console_read((uint64_t)w->id, &io);
		if (n <= 0)
			return;
		w->offset = io.offset + (uint64_t)n;
		for (long i = 0; i < n; i++) {
			if (buf[i] == '\n' || w->len == LX_LINE_MAX - 1) {
				w->line[w->len] = 0;
				line(run, w);
				w->len = 0;
			} else {
				w->line[w->len++] = buf[i];
			}
		}
	}
}

bool lx_wait(struct scenario_run *run, struct lx_watch *w, uint64_t heartbeats, uint64_t rounds,
	     uint64_t timeout_ms)
{
	uint64_t hb = w->heartbeats + heartbeats, r = w->rounds + rounds;
	uint64_t deadline = rdtsc() + ms_ticks(timeout_ms);
	struct rv_event ev;

	while (!w->failed && (w->heartbeats < hb || w->rounds < r)) {
		if (rdtsc() > deadline) {
			result_fail(run,
				    "reason=timeout banner=%d init=%d heartbeats=%lu rounds=%lu",
				    w->banner[0] != 0, w->init_seen, w->heartbeats, w->rounds);
			return false;
		}
		if (hc_wait_event(&ev, ms_ticks(POLL_MS)) == 0 && ev.type == RV_EV_VCPU_FAULT &&
		    ev.partition == (uint32_t)w->id) {
			lx_drain(run, w);
			result_fail(run, "reason=fault vcpu=%u exit=%lu info=0x%lx", ev.vcpu, ev.arg,
				    ev.info);
			return false;
		}
		lx_drain(run, w);
	}
	return !w->failed;
}
