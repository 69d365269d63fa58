// SPDX-License-Identifier: MIT
/*
 * fuzz: a storm of pseudo-random hypercalls (guest/lib/fuzz.c) from a
 * workload partition and then from the management partition.  The
 * hypervisor must never crash, hang, or change anything it was not asked
 * to: every rejected call returns a documented error code, every call the
 * ABI says must fail does, and afterwards
 *   - our own code, boot page, GDT and a canary below the scratch are
 *     unchanged (the hypervisor wrote for us only into the scratch);
 *   - a bystander (a dirty writer with its own ring, created before the
 *     storm, whose id the fuzzer never names) kept writing, and its ring
 *     and dirty counters are exactly as before;
 *   - once every partition the fuzzer created is destroyed, the
 *     hypervisor's free pages are exactly what they were (no leak);
 *   - the hypervisor still answers (hv_alive=1).
 * A crash or a hang fails the run by itself (no RESULT line, or a panic).
 *
 *	RESULT fuzz PASS calls=N rejected=N accepted=N violations=0 hv_alive=1 ...
 */
#include "fuzz.h"
#include "track.h"

#define WORK_WAIT_MS 200000 /* the workload's whole storm, under Bochs */
#define BYSTANDER_MIB 1
#define BYSTANDER_RING 1024
#define SETTLE_MS 20000
#define PROGRESS_MS 800 /* a writing bystander stores within this */

/* What must not change while the storm blows. */
struct fz_sums {
	uint64_t code, gdt, boot, canary, ring;
	struct rv_dirty_stats st;
};

/* Let the workload make its storm; its report comes back through its control page. */
static bool work_storm(struct scenario_run *run, uint64_t seed, uint64_t count,
		       struct fz_stats *out)
{
	struct tracked t;
	struct rv_event ev;
	bool ok = false;

	memset(&t, 0, sizeof(t));
	/* mem=1: the fuzzer's scratch and a canary at the end of the data slot. */
	if (!track_create(run, &t, WORK_TEST_FUZZ, MODE_BITMAP, 1, 1, 0, seed, 0, count) ||
	    !track_start(run, &t))
		goto out;
	for (;;) {
		long rc = hc_wait_event(&ev, ms_ticks(WORK_WAIT_MS));
		if (rc || ev.type == RV_EV_TIMEOUT) {
			result_fail(run, "reason=work-timeout err=%ld", rc);
			goto out;
		}
		if (ev.partition != t.id)
			continue;
		if (ev.type != RV_EV_VCPU_DONE) {
			result_fail(run, "reason=work-event type=%u exit=%lu info=0x%lx", ev.type,
				    ev.arg, ev.info);
			goto out;
		}
		break;
	}
	memcpy(out, (void *)(WIN_SYS(t.id) + WORK_FUZZ_REPORT_GPA), sizeof(*out));
	/* Workload text, bound for our RESULT line: one line, terminated, printable. */
	out->first[sizeof(out->first) - 1] = '\0';
	for (char *ch = out->first; *ch; ch++)
		if (*ch < ' ' || *ch > '~')
			*ch = '?';
	if (out->violations)
		result_fail(run, "reason=work-violations n=%lu first: %s", out->violations,
			    out->first);
	else if (ev.arg != WORK_STATUS_OK)
		result_fail(run, "reason=work-status status=%lu", ev.arg);
	else if (out->calls != count)
		result_fail(run, "reason=work-calls calls=%lu want=%lu", out->calls, count);
	else
		ok = true;
out:
	if (t.id > 0 && hc_partition_destroy((uint64_t)t.id))
		result_fail(run, "reason=work-destroy");
	return ok;
}

/*
 * The management partition's EPT keeps the page tables it grows for a
 * window or a ring after they are unmapped (hv/ept/ept.c frees tables
 * only with the whole EPT).  Grow them now for every place the storm
 * can map something (the rings of every id a partition can get, and
 * FZ_WIN(k)), so that the free-page count before and after the storm
 * must be exactly equal.
 */
static bool prime_tables(struct scenario_run *run)
{
	struct rv_partition_spec spec = { .image = RV_IMAGE_WORK_ABI, .nr_vcpus = 1 };
	struct rv_ring_info info;
	long ids[FZ_MAX_ID + 1];
	uint32_t n = 0;
	bool ok = true;

	while (n < FZ_MAX_ID && (ids[n] = hc_partition_create(&spec)) > 0) {
		ok &= hc_ring_enable((uint64_t)ids[n], RV_RING_MAX_ENTRIES, 0, &info) == 0;
		n++;
	}
	for (uint32_t i = 0; i < n; i++)
		ok &= hc_partition_destroy((uint64_t)ids[i]) == 0;
	for (uint32_t k = 0; k < FZ_NR_WIN && ok; k++) {
		long id = hc_partition_create(&spec);
		ok &= id > 0 && hc_map((uint64_t)id, 0, FZ_WIN(k)) == 0;
		if (id > 0)
			ok &= hc_partition_destroy((uint64_t)id) == 0;
	}
	if (!ok || n == 0)
		result_fail(run, "reason=prime partitions=%u", n);
	return ok && n;
}

static void take_sums(const struct tracked *by, const uint8_t *canary, struct fz_sums *s)
{
	s->code = mem_hash(MEM_HASH_BASIS, (void *)RV_GPA_IMAGE,
			   (uint64_t)__rodata_end - RV_GPA_IMAGE);
	s->gdt = mem_hash(MEM_HASH_BASIS, (void *)RV_GPA_GDT, 0x1000);
	s->boot = mem_hash(MEM_HASH_BASIS, (void *)RV_GPA_BOOT, 0x1000);
	s->canary = mem_hash(MEM_HASH_BASIS, canary, FZ_SCRATCH_SIZE);
	s->ring = mem_hash(MEM_HASH_BASIS, (void *)by->rings.gpa[0],
			   (uint64_t)by->rings.entries * sizeof(struct rv_dirty_entry));
	if (hc_dirty_stats((uint64_t)by->id, &s->st))
		memset(&s->st, 0xff, sizeof(s->st));
}

static void compare_sums(struct scenario_run *run, const struct fz_sums *a,
			 const struct fz_sums *b)
{
	if (a->code != b->code)
		result_fail(run, "reason=mgmt-code-changed");
	if (a->gdt != b->gdt || a->boot != b->boot)
		result_fail(run, "reason=mgmt-low-pages-changed gdt=%d boot=%d", a->gdt != b->gdt,
			    a->boot != b->boot);
	if (a->canary != b->canary)
		result_fail(run, "reason=mgmt-canary-changed");
	if (a->ring != b->ring)
		result_fail(run, "reason=bystander-ring-changed");
	if (a->st.ring_pushes != b->st.ring_pushes || a->st.resets != b->st.resets ||
	    a->st.entries_reset != b->st.entries_reset ||
	    a->st.pages_protected != b->st.pages_protected)
		result_fail(run, "reason=bystander-dirty-state-changed pushes=%lu/%lu resets=%lu/%lu "
			    "protected=%lu/%lu", a->st.ring_pushes, b->st.ring_pushes, a->st.resets,
			    b->st.resets, a->st.pages_protected, b->st.pages_protected);
}

/* The bystander: a dirty writer on a 1 MiB tracked slot whose ring never fills. */
static bool start_bystander(struct scenario_run *run, struct tracked *by, uint64_t seed)
{
	struct rv_dirty_stats st;
	uint64_t end;

	memset(by, 0, sizeof(*by));
	if (!track_create(run, by, WORK_TEST_DIRTY, MODE_RING, 1, BYSTANDER_MIB, BYSTANDER_RING, seed + 1,
			  WORK_VALUE_ITERATION, 0) ||
	    !track_log_on(run, by) || !track_start(run, by))
		return false;
	store_release(&by->ctrl->iteration, 1);
	/*
	 * Every page of its slot, written once, is one ring entry; we never
	 * harvest, so once all are in (256 < the soft limit) its ring and
	 * dirty counters stay still while it goes on writing.
	 */
	end = rdtsc() + ms_ticks(SETTLE_MS);
	do {
		if (hc_dirty_stats((uint64_t)by->id, &st))
			break;
		if (st.ring_pushes == by->npages)
			return true;
		cpu_relax();
	} while (rdtsc() < end);
	result_fail(run, "reason=bystander-settle pushes=%lu", st.ring_pushes);
	return false;
}

/* True if the bystander's writers store more within a short while. */
static bool bystander_moves(const struct tracked *by)
{
	uint64_t w = track_writes(by), end = rdtsc() + ms_ticks(PROGRESS_MS);

	while (rdtsc() < end)
		if (track_writes(by) > w)
			return true;
	return false;
}

static void print_table(const char *who, const struct fz_stats *st)
{
	char line[400];

	fz_table(st, line, sizeof(line));
	gprintf("fuzz: %s accepted/rejected per call: %s\n", who, line);
}

void scenario_fuzz(struct scenario_run *run)
{
	static struct fz_ctx c; /* too big for the stack */
	const struct rv_guest_boot *boot = guest_boot();
	uint64_t ram_end = boot->data_gpa + boot->data_size;
	uint8_t *canary = (uint8_t *)(ram_end - 2 * FZ_SCRATCH_SIZE);
	struct rv_hv_info before = { 0 }, after;
	struct fz_stats work;
	struct fz_sums s0, s1;
	struct tracked by;
	uint64_t seed, count, w0 = 0, w1 = 0, t0 = rdtsc(), t_work = 0, t_mgmt = 0;
	bool alive = false, counted = false;
	uint32_t left = 0;

	if (!param_u64(run, "seed", UINT64_MAX, &seed) ||
	    !param_u64(run, "count", 1000000, &count))
		return;
	memset(&c, 0, sizeof(c));
	memset(&work, 0, sizeof(work));
	memset(&by, 0, sizeof(by));
	mgmt_alloc_reset();

	/* 1. The workload's storm, in its own partition (a failure is no reason to stop). */
	work_storm(run, seed, count, &work);
	t_work = rdtsc() - t0;
	print_table("workload", &work);

	/* 2. Free pages before, with the management partition's EPT grown. */
	if (!prime_tables(run))
		goto report;
	if (hc_hv_info(&before)) {
		result_fail(run, "reason=hv-info");
		goto report;
	}
	counted = true;

	/* 3. The bystander, and what must not change. */
	if (!start_bystander(run, &by, seed))
		goto finish;
	for (uint64_t i = 0; i < FZ_SCRATCH_SIZE; i++)
		canary[i] = (uint8_t)(i * 13 + 5);
	take_sums(&by, canary, &s0);

	/* 4. Our storm. */
	fz_init(&c, seed ^ 0x6d676d74ull, true, boot->partition, (uint32_t)by.id, ram_end);
	c.avoid_win = WIN_SYS(by.id);
	w0 = track_writes(&by);
	t_mgmt = rdtsc();
	for (uint64_t i = 0; i < count; i++)
		fz_step(&c);
	t_mgmt = rdtsc() - t_mgmt;
	w1 = track_writes(&by);
	print_table("mgmt", &c.st);

	/* 5. Clean up after it: our partitions, the trace, stale events. */
	for (uint32_t id = 1; id <= FZ_MAX_ID; id++) {
		if (!c.live[id])
			continue;
		left++;
		long rc = hc_partition_destroy(id);
		if (rc)
			result_fail(run, "reason=cleanup-destroy id=%u err=%ld", id, rc);
	}
	hc_trace(RV_TRACE_DISABLE, NULL, 0);
	for (int i = 0; i < 256; i++) {
		struct rv_event ev;
		if (hc_wait_event(&ev, 0) || ev.type == RV_EV_TIMEOUT)
			break;
	}

	/* 6. The checks. */
	alive = hc_version() == RV_ABI_VERSION && hc_hv_info(&after) == 0;
	if (!alive)
		result_fail(run, "reason=hv-dead");
	if (c.st.violations)
		result_fail(run, "reason=violations n=%lu first: %s", c.st.violations, c.st.first);
	take_sums(&by, canary, &s1);
	compare_sums(run, &s0, &s1);
	if (w1 <= w0 || !bystander_moves(&by))
		result_fail(run, "reason=bystander-stalled writes=%lu", w1 - w0);
finish:
	track_finish(run, &by);
	if (hc_hv_info(&after)) {
		result_fail(run, "reason=hv-dead");
	} else if (counted) {
		if (after.free_pages != before.free_pages)
			result_fail(run, "reason=page-leak free_pages=%lu before=%lu",
				    after.free_pages, before.free_pages);
		if (after.free_cpus != before.free_cpus)
			result_fail(run, "reason=cpu-leak free_cpus=%u before=%u", after.free_cpus,
				    before.free_cpus);
	}
report:
	alive = hc_version() == RV_ABI_VERSION && hc_hv_info(&after) == 0;
	result_kv(run, "calls=%lu rejected=%lu accepted=%lu violations=%lu hv_alive=%d",
		  work.calls + c.st.calls, work.rejected + c.st.rejected,
		  work.accepted + c.st.accepted, work.violations + c.st.violations, alive);
	result_kv(run, "seed=%lu work_calls=%lu work_accepted=%lu mgmt_calls=%lu mgmt_accepted=%lu",
		  seed, work.calls, work.accepted, c.st.calls, c.st.accepted);
	result_kv(run, "created=%u destroyed=%u cleanup=%u bystander_writes=%lu free_pages=%lu",
		  c.created, c.destroyed, left, w1 - w0, before.free_pages);
	result_kv(run, "ticks_work=%lu ticks_mgmt=%lu", t_work, t_mgmt);
}
