// SPDX-License-Identifier: MIT
/*
 * faults: misbehaving workloads stop only themselves.  For each kind of
 * misbehaviour (enum work_fault) a one-vCPU workload is started; the
 * hypervisor must stop it and send us RV_EV_VCPU_FAULT with the exit
 * reason that caught it, while a bystander workload (a dirty writer, when
 * a CPU is free for it) keeps making progress.
 *
 *	RESULT faults PASS kinds=9 contained=9 bystander_writes=N
 */
#include "track.h"

#define FAULT_WAIT_MS 10000

static const struct {
	const char *name;
	uint64_t exit_reason; /* what the hypervisor must report (Vol. 3D, App. C) */
} kinds[WORK_FAULT_NR] = {
	[WORK_FAULT_UD] = { "ud2", RV_EXIT_TRIPLE_FAULT }, /* no IDT */
	[WORK_FAULT_DIVIDE] = { "divide", RV_EXIT_TRIPLE_FAULT },
	[WORK_FAULT_IO] = { "io", RV_EXIT_IO_INSTRUCTION },
	[WORK_FAULT_WRMSR] = { "wrmsr", RV_EXIT_WRMSR },
	[WORK_FAULT_RAM] = { "ram", RV_EXIT_EPT_VIOLATION },
	[WORK_FAULT_VMXON] = { "vmxon", RV_EXIT_VMXON },
	[WORK_FAULT_HLT] = { "hlt", RV_EXIT_HLT },
	[WORK_FAULT_BAD_STATE] = { "bad-state", RV_EXIT_ENTRY_FAIL_GUEST_STATE },
	[WORK_FAULT_PENDING_DB] = { "pending-db", RV_EXIT_TRIPLE_FAULT }, /* #DB, no IDT */
	[WORK_FAULT_SPIN] = { "spin", RV_EXIT_PREEMPTION_TIMER }, /* the watchdog */
};

/*
 * spin: the workload feeds a watchdog of SPIN_WATCHDOG_MS for SPIN_FED_MS,
 * then spins with interrupts off (the watchdog call takes TSC ticks).  The stop must come
 * after both (a watchdog that ignored the hypercalls would fire during
 * the feeding) and name the watchdog.
 */
#define SPIN_WATCHDOG_MS 50
#define SPIN_FED_MS 150
#define SPIN_WATCHDOG ms_ticks(SPIN_WATCHDOG_MS)
#define SPIN_FED ms_ticks(SPIN_FED_MS)

/*
 * Set when the processor has no VMX-preemption timer: spin cannot be
 * tested, and the RESULT line says so instead of counting it (only the
 * management program's vCPU 0 runs scenarios).
 */
static bool spin_untestable;

/* The watchdog's own errors, on a partition that has not started yet. */
static bool watchdog_checks(struct scenario_run *run, long id)
{
	long rc;

	if ((rc = hc_partition_watchdog((uint64_t)id, RV_WATCHDOG_MAX + 1)) != -RV_EINVAL) {
		result_fail(run, "reason=watchdog-max rc=%ld", rc);
		return false;
	}
	if ((rc = hc_partition_watchdog(9999, SPIN_WATCHDOG)) != -RV_ENOENT) {
		result_fail(run, "reason=watchdog-enoent rc=%ld", rc);
		return false;
	}
	rc = hc_partition_watchdog((uint64_t)id, SPIN_WATCHDOG);
	if (rc == -RV_EOPNOTSUPP) {
		gprintf("faults: no VMX-preemption timer here: spin is not testable\n");
		spin_untestable = true;
		return false;
	}
	if (rc) {
		result_fail(run, "reason=watchdog-set rc=%ld", rc);
		return false;
	}
	return true;
}

/*
 * The documented start state (docs/05-partitions.md) with one change.
 * bad-state: an unusable code segment, which VM entry must refuse (Vol.
 * 3C, 27.3.1.2, Checks on Guest Segment Registers), stopping only this
 * vCPU's partition with the guest-state fields printed.  pending-db: a
 * single-step #DB pending, which must be delivered (and, with no IDT,
 * end in a triple fault): the state's pending debug exceptions are loaded.
 */
static struct rv_vcpu_state state_buf; /* 4.7 KiB: not on our stack */

static struct rv_vcpu_state *start_state(void)
{
	hc_start_state(&state_buf);
	return &state_buf;
}

static long give_state(long id, uint32_t kind)
{
	struct rv_vcpu_state *st = start_state();

	if (kind == WORK_FAULT_BAD_STATE)
		st->seg[RV_SEG_CS].ar = 1u << 16; /* unusable */
	else
		st->pending_dbg = 1u << 14; /* BS: a single-step trap, delivered before
					     * the first instruction (Vol. 3C, 27.7.3) */
	return hc_vcpu_set_state((uint64_t)id, 0, st);
}

/*
 * States whose pending event VM entry would refuse with VMfail (which only
 * the hypervisor's own bugs may cause), or that the hypervisor cannot
 * load: RV_HC_VCPU_SET_STATE must refuse each with -RV_EINVAL.  Returns
 * how many were refused; the last, a valid event, must be accepted.
 */
static uint32_t state_refusals(struct scenario_run *run)
{
	static const struct {
		const char *name;
		uint32_t info, error, len;
		uint64_t dr7;
	} bad[] = {
		{ "pf-without-error-code", 0x80000b0e & ~0x800u, 0, 0, 0x400 },
		{ "ud-with-error-code", 0x80000b06, 0, 0, 0x400 },
		{ "nmi", 0x80000202, 0, 0, 0x400 },
		{ "int-without-length", 0x80000480, 0, 0, 0x400 },
		{ "reserved-bits", 0x80010306, 0, 0, 0x400 },
		{ "error-code-high-bits", 0x80000b0d, 0x10000, 0, 0x400 },
		{ "dr7-high-bits", 0, 0, 0, 0x400 | (1ull << 40) },
	};
	struct rv_partition_spec spec = { .image = RV_IMAGE_WORK_ABI, .nr_vcpus = 1,
					  .args = { WORK_TEST_HELLO } };
	uint32_t refused = 0;
	long rc, id = hc_partition_create(&spec);

	if (id < 0) {
		result_fail(run, "reason=create kind=states err=%ld", id);
		return 0;
	}
	for (uint32_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rv_vcpu_state *st = start_state();
		st->event_info = bad[i].info;
		st->event_error = bad[i].error;
		st->event_insn_len = bad[i].len;
		st->dr7 = bad[i].dr7;
		if ((rc = hc_vcpu_set_state((uint64_t)id, 0, st)) == -RV_EINVAL)
			refused++;
		else
			result_fail(run, "reason=state-accepted state=%s rc=%ld", bad[i].name, rc);
	}
	/* 1.6: SYSCALL/SYSENTER MSRs WRMSR or VM entry would refuse, and what
	 * only a Linux vCPU may carry (its platform, its own XCR0). */
	for (uint32_t i = 0; i < 7; i++) {
		static const char *const names[] = {
			"star-low-bits", "sfmask-high-bits", "lstar-noncanonical",
			"sysenter-eip-noncanonical", "sysenter-cs-high-bits", "platform-on-workload",
			"guest-xcr0-on-workload",
		};
		struct rv_vcpu_state *st = start_state();
		switch (i) {
		case 0: st->star = 1; break;
		case 1: st->sfmask = 1ull << 32; break;
		case 2: st->lstar = 1ull << 47; break;
		case 3: st->sysenter_eip = 1ull << 63; break;
		case 4: st->sysenter_cs = 1ull << 32; break;
		case 5: st->plat.flags = RV_VCPU_PLAT; break;
		default: st->xcr0 = 3; break; /* x87 | SSE: a Linux guest's XSETBV may, ours not */
		}
		if ((rc = hc_vcpu_set_state((uint64_t)id, 0, st)) == -RV_EINVAL)
			refused++;
		else
			result_fail(run, "reason=state-accepted state=%s rc=%ld", names[i], rc);
	}
	/* Blocking and pending debug exceptions VM entry would refuse
	 * (Vol. 3C, 27.3.1.5, Checks on Guest Non-Register State). */
	for (uint32_t i = 0; i < 6; i++) {
		static const char *const names[] = {
		    "sti-and-movss",   "sti-with-if-clear", "smi-blocking",
		    "sti-with-extint", "movss-bs-not-tf",   "rtm-alone",
		};
		struct rv_vcpu_state *st = start_state();
		switch (i) {
		case 0:
			st->interruptibility = 3;
			break;
		case 1:
			st->interruptibility = 1;
			st->rflags &= ~0x200ull;
			break;
		case 2:
			st->interruptibility = 4;
			break;
		case 3:
			st->interruptibility = 1;
			st->event_info = 0x80000020;
			break;
		case 4:
			st->interruptibility = 2;
			st->pending_dbg = 1u << 14;
			break;
		default:
			st->pending_dbg = 1u << 16;
			break;
		}
		if ((rc = hc_vcpu_set_state((uint64_t)id, 0, st)) == -RV_EINVAL)
			refused++;
		else
			result_fail(run, "reason=state-accepted state=%s rc=%ld", names[i], rc);
	}
	struct rv_vcpu_state *st = start_state();
	st->interruptibility = 1; /* blocking by STI with IF set: valid */
	if ((rc = hc_vcpu_set_state((uint64_t)id, 0, st)))
		result_fail(run, "reason=state-refused state=sti-blocking rc=%ld", rc);
	st = start_state();
	st->event_info = 0x80000b0d; /* #GP with error code 0: a valid event */
	if ((rc = hc_vcpu_set_state((uint64_t)id, 0, st)))
		result_fail(run, "reason=state-refused state=gp-with-error-code rc=%ld", rc);
	hc_partition_destroy((uint64_t)id);
	return refused;
}

static bool one_fault(struct scenario_run *run, uint32_t kind)
{
	struct rv_partition_spec spec = { .image = RV_IMAGE_WORK_ABI, .nr_vcpus = 1,
					  .args = { WORK_TEST_FAULT, kind, SPIN_WATCHDOG, SPIN_FED } };
	struct rv_event ev;
	bool ok = false;
	long id = hc_partition_create(&spec);

	if (id < 0) {
		result_fail(run, "reason=create kind=%s err=%ld", kinds[kind].name, id);
		return false;
	}
	long rc;
	if ((kind == WORK_FAULT_BAD_STATE || kind == WORK_FAULT_PENDING_DB) &&
	    (rc = give_state(id, kind))) {
		result_fail(run, "reason=set-state err=%ld", rc);
		goto out;
	}
	if (kind == WORK_FAULT_SPIN && !watchdog_checks(run, id))
		goto out;
	uint64_t started = rdtsc();
	if (hc_partition_start((uint64_t)id)) {
		result_fail(run, "reason=start kind=%s", kinds[kind].name);
		goto out;
	}
	if (kind == WORK_FAULT_SPIN && (rc = hc_partition_watchdog((uint64_t)id, 1)) != -RV_EBUSY) {
		result_fail(run, "reason=watchdog-after-start rc=%ld", rc);
		goto out;
	}
	for (;;) {
		if (hc_wait_event(&ev, ms_ticks(FAULT_WAIT_MS)) || ev.type == RV_EV_TIMEOUT) {
			result_fail(run, "reason=no-fault-event kind=%s", kinds[kind].name);
			break;
		}
		if (ev.partition != id)
			continue; /* the bystander's ring events: not ours to judge here */
		if (ev.type != RV_EV_VCPU_FAULT) {
			result_fail(run, "reason=wrong-event kind=%s type=%u", kinds[kind].name, ev.type);
			break;
		}
		gprintf("faults: %s stopped partition %ld: exit %lu, info 0x%lx\n", kinds[kind].name,
			id, ev.arg, ev.info);
		if (ev.arg != kinds[kind].exit_reason) {
			result_fail(run, "reason=wrong-exit kind=%s exit=%lu want=%lu", kinds[kind].name,
				    ev.arg, kinds[kind].exit_reason);
			break;
		}
		if (kind == WORK_FAULT_SPIN && (ev.info != SPIN_WATCHDOG ||
						ev.tsc - started < SPIN_FED + SPIN_WATCHDOG)) {
			result_fail(run, "reason=watchdog-early info=%lu after=%lu", ev.info,
				    ev.tsc - started);
			break;
		}
		if (kind == WORK_FAULT_RAM && ev.info != 0x30000000ull) {
			result_fail(run, "reason=wrong-gpa info=0x%lx", ev.info);
			break;
		}
		ok = true;
		break;
	}
out:
	if (hc_partition_destroy((uint64_t)id))
		result_fail(run, "reason=destroy kind=%s", kinds[kind].name);
	return ok;
}

/*
 * The ways a workload may try to keep its CPU from answering the
 * hypervisor (enum work_block), and the exit that stops the ones the
 * hypervisor stops at once (0: it keeps running).
 */
static const struct {
	const char *name;
	uint64_t exit_reason;
} blockers[WORK_BLOCK_NR] = {
	[WORK_BLOCK_CLI_SPIN] = { "cli-spin", 0 },
	[WORK_BLOCK_CLI_WRITE] = { "cli-write", 0 },
	[WORK_BLOCK_MOVSS] = { "movss-shadow", 0 },
	[WORK_BLOCK_PAUSE] = { "pause-loop", 0 },
	[WORK_BLOCK_CR8] = { "cr8-raise", RV_EXIT_CR_ACCESS },
	[WORK_BLOCK_HLT] = { "cli-hlt", RV_EXIT_HLT },
	[WORK_BLOCK_MWAIT] = { "cli-mwait", RV_EXIT_MWAIT },
};

#define BLOCK_PAGES 16
#define BLOCK_OP_MS 6000 /* one request's bound in the hypervisor (SMP_WAIT_LIMIT_MS), and some */

/* An operation on a blocking workload must return `want` within the bound. */
static bool block_op(struct scenario_run *run, const char *kind, const char *op, long rc,
		     long want, uint64_t t0)
{
	uint64_t ticks = rdtsc() - t0;

	if (rc == want && ticks < ms_ticks(BLOCK_OP_MS))
		return true;
	result_fail(run, "reason=block-op kind=%s op=%s rc=%ld want=%ld ticks=%lu", kind, op, rc,
		    want, ticks);
	return false;
}

/*
 * Start a workload that blocks in one way, then do to it everything that
 * needs its CPU's answer: reset its ring (an EPT invalidation there),
 * switch its logging off and on, pause, resume and destroy it.  Each must
 * come back in time and as documented.
 */
static bool one_blocker(struct scenario_run *run, uint32_t kind)
{
	const char *name = blockers[kind].name;
	struct tracked t;
	struct rv_event ev;
	struct rv_slot off = { .id = 1, .flags = 0, .gpa = RV_GPA_DATA, .size = 1 << 20 };
	struct rv_slot on = off;
	bool ok = false, stopped = false;
	uint64_t t0;
	long rc;

	on.flags = RV_SLOT_LOG_DIRTY;
	if (!track_create(run, &t, WORK_TEST_BLOCK, MODE_RING, 1, 1, 1024, kind, 0, BLOCK_PAGES) ||
	    !track_log_on(run, &t) || !track_start(run, &t))
		goto out;
	for (uint64_t until = rdtsc() + ms_ticks(FAULT_WAIT_MS); !load_acquire(&t.ctrl->done_iter[0]);)
		if (rdtsc() > until) {
			result_fail(run, "reason=block-not-started kind=%s", name);
			goto out;
		}
	for (uint64_t until = rdtsc() + ms_ticks(10); rdtsc() < until;)
		cpu_relax(); /* let it get into its loop */
	if (track_harvest(run, &t) < BLOCK_PAGES) {
		result_fail(run, "reason=block-few-entries kind=%s n=%lu", name, t.unreset);
		goto out;
	}
	t0 = rdtsc();
	rc = hc_ring_reset((uint64_t)t.id, 0); /* 16 entries: within the bound */
	if (!block_op(run, name, "reset", rc, (long)t.unreset, t0))
		goto out;
	t.unreset = 0;
	t0 = rdtsc();
	if (!block_op(run, name, "log-off", hc_slot_set((uint64_t)t.id, &off), 0, t0))
		goto out;
	t0 = rdtsc();
	if (!block_op(run, name, "log-on", hc_slot_set((uint64_t)t.id, &on), 0, t0))
		goto out;
	t0 = rdtsc();
	if (!block_op(run, name, "pause", hc_vcpu_pause((uint64_t)t.id, 0), 0, t0))
		goto out;
	if ((rc = hc_vcpu_resume((uint64_t)t.id, 0))) {
		result_fail(run, "reason=block-resume kind=%s rc=%ld", name, rc);
		goto out;
	}
	/* What happened to it: the ones the hypervisor stops say how. */
	while (hc_wait_event(&ev, 0) == 0 && ev.type != RV_EV_TIMEOUT) {
		if (ev.partition != t.id)
			continue; /* the bystander's */
		if (ev.type == RV_EV_VCPU_FAULT && ev.arg == blockers[kind].exit_reason) {
			stopped = true;
			continue;
		}
		result_fail(run, "reason=block-event kind=%s type=%u arg=%lu", name, ev.type, ev.arg);
		goto out;
	}
	if (stopped != (blockers[kind].exit_reason != 0)) {
		result_fail(run, "reason=block-stop kind=%s stopped=%d", name, stopped);
		goto out;
	}
	t0 = rdtsc();
	rc = hc_partition_destroy((uint64_t)t.id);
	t.id = 0;
	ok = block_op(run, name, "destroy", rc, 0, t0);
	gprintf("faults: %s: reset, logging off and on, pause, resume and destroy all answered%s\n",
		name, stopped ? " (stopped at once)" : "");
out:
	if (t.id > 0)
		hc_partition_destroy((uint64_t)t.id);
	return ok;
}

/*
 * A start state with paging off, which unrestricted guest allows (Vol.
 * 3C, 27.3.1.1, Checks on Guest Control Registers, Debug Registers, and
 * MSRs): 32-bit protected mode, flat segments, CR0 = PE|ET|NE, EFER 0.  The
 * vCPU starts at the five instructions below, written into its memory; they hand the CR0 it
 * runs with to RV_HC_VCPU_DONE.  A hypervisor that forced PG on would
 * start it with paging through CR3 = 0, and it would fault instead.
 */
#define PM32_CODE_GPA 0xe000ull
static const uint8_t pm32_code[] = {
	0x0f, 0x20, 0xc0,                       /* mov %cr0, %eax */
	0x89, 0xc7,                             /* mov %eax, %edi */
	0xb8, RV_HC_VCPU_DONE, 0x00, 0x00, 0x00, /* mov $RV_HC_VCPU_DONE, %eax */
	0x0f, 0x01, 0xc1,                       /* vmcall */
	0xeb, 0xfe,                             /* jmp . */
};

static bool paging_off_check(struct scenario_run *run)
{
	static struct rv_vcpu_state st; /* 4.7 KiB: not on our stack */
	struct rv_partition_spec spec = { .image = RV_IMAGE_WORK_ABI, .nr_vcpus = 1,
					  .args = { WORK_TEST_HELLO } };
	struct rv_event ev;
	bool ok = false;
	long rc, id = hc_partition_create(&spec);

	if (id < 0) {
		result_fail(run, "reason=create kind=paging-off err=%ld", id);
		return false;
	}
	if ((rc = hc_map((uint64_t)id, 0, WIN_SYS(id)))) {
		result_fail(run, "reason=map kind=paging-off err=%ld", rc);
		goto out;
	}
	memcpy((void *)(WIN_SYS(id) + PM32_CODE_GPA), pm32_code, sizeof(pm32_code));
	memset(&st, 0, sizeof(st));
	st.rip = PM32_CODE_GPA;
	st.gpr[4] = RV_GPA_STACKS_TOP;
	st.rflags = 0x202;
	st.cr0 = 0x31; /* PE, ET, NE: no paging */
	st.dr7 = 0x400;
	for (int i = 0; i < RV_NR_SEGS; i++)
		st.seg[i] = (struct rv_segment){ .limit = 0xffffffff, .ar = 0xc093, .sel = 0x10 };
	st.seg[RV_SEG_CS] = (struct rv_segment){ .limit = 0xffffffff, .ar = 0xc09b, .sel = 0x08 };
	st.seg[RV_SEG_LDTR] = (struct rv_segment){ .ar = 1u << 16 };
	st.seg[RV_SEG_TR] = (struct rv_segment){ .base = RV_GPA_GDT + 0x800, .limit = 0x67,
						 .ar = 0x8b, .sel = 0x18 };
	st.gdtr_base = RV_GPA_GDT;
	st.gdtr_limit = 39;
	if ((rc = hc_vcpu_set_state((uint64_t)id, 0, &st)) || (rc = hc_partition_start((uint64_t)id))) {
		result_fail(run, "reason=paging-off-setup err=%ld", rc);
		goto out;
	}
	for (;;) {
		if (hc_wait_event(&ev, ms_ticks(FAULT_WAIT_MS)) || ev.type == RV_EV_TIMEOUT) {
			result_fail(run, "reason=paging-off-no-event");
			break;
		}
		if (ev.partition != id)
			continue;
		if (ev.type != RV_EV_VCPU_DONE || !(ev.arg & 1) || (ev.arg & (1ull << 31))) {
			result_fail(run, "reason=paging-off type=%u arg=0x%lx", ev.type, ev.arg);
			break;
		}
		gprintf("faults: a vCPU started with paging off ran with CR0 = 0x%lx\n", ev.arg);
		ok = true;
		break;
	}
out:
	hc_partition_destroy((uint64_t)id);
	return ok;
}

void scenario_faults(struct scenario_run *run)
{
	struct rv_hv_info info;
	struct tracked by;
	uint32_t contained = 0;
	uint64_t before = 0, after = 0;
	bool bystander = false;

	mgmt_alloc_reset();
	memset(&by, 0, sizeof(by));
	spin_untestable = false;
	if (hc_hv_info(&info) == 0 && info.free_cpus >= 2) {
		/* A writer in its own partition that must not notice anything. */
		bystander = track_create(run, &by, WORK_TEST_DIRTY, MODE_BITMAP, 1, 1, 0, 7,
					 WORK_VALUE_ITERATION, 0) &&
			    track_start(run, &by);
		if (bystander)
			store_release(&by.ctrl->iteration, 1);
	}
	if (bystander) {
		uint64_t until = rdtsc() + ms_ticks(10);
		while (rdtsc() < until)
			cpu_relax();
		before = track_writes(&by);
	}
	for (uint32_t k = 0; k < WORK_FAULT_NR; k++)
		contained += one_fault(run, k);
	uint32_t answered = 0;
	for (uint32_t k = 0; k < WORK_BLOCK_NR; k++)
		answered += one_blocker(run, k);
	bool paging_off = paging_off_check(run);
	uint32_t refusals = state_refusals(run);
	if (bystander) {
		after = track_writes(&by);
		if (after <= before)
			result_fail(run, "reason=bystander-stalled writes=%lu", after);
		track_finish(run, &by);
	}
	uint32_t kinds_run = WORK_FAULT_NR - spin_untestable;
	result_kv(run, "kinds=%u contained=%u blockers=%u answered=%u bystander=%d", kinds_run,
		  contained, WORK_BLOCK_NR, answered, bystander);
	result_kv(run, "bystander_writes=%lu paging_off=%d state_refusals=%u", after - before,
		  paging_off, refusals);
	if (spin_untestable)
		result_kv(run, "untestable=spin"); /* no VMX-preemption timer */
	if (contained != kinds_run)
		result_fail(run, "reason=not-contained contained=%u", contained);
	if (answered != WORK_BLOCK_NR)
		result_fail(run, "reason=blocked answered=%u", answered);
}
