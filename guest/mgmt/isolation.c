// SPDX-License-Identifier: MIT
/*
 * isolation: a workload tries to reach outside its partition, and each
 * attempt must end in the documented outcome (docs/05-partitions.md,
 * "What a workload can reach"): the access is refused and the partition
 * stopped (RV_EV_VCPU_FAULT with the exit reason and its detail), or, for
 * a hypercall, the call fails and the workload is told (it reports
 * WORK_ISO_TOLD(errno) through RV_HC_VCPU_DONE).  Each attempt runs in a
 * fresh one-vCPU workload with no data slot, so its RAM is the 4 MiB
 * system slot and nothing else.
 *
 * Nothing outside the workload may change.  A bystander workload with a
 * dirty ring writes a few pages and is then paused; before and after the
 * attempts we hash our own code, read-only data, system tables and boot
 * block, a canary buffer, the bystander's ring (its entries not yet
 * harvested) and all of its memory (through our windows), and compare
 * the hypervisor's free pages.  Any difference is a violation.
 *
 *	RESULT isolation PASS attempts=N contained=N violations=0 ...
 */
#include "prng.h"
#include "track.h"

#define ISO_WAIT_MS 10000
/* RV_HV_LOAD_ADDR (hv/bootinfo.h): the loader puts hv.bin at this host-physical address. */
#define HV_HPA 0x02000000ull
#define CANARY_BYTES 0x10000ull

/* Operands that depend on the bystander, resolved when the attempt runs. */
enum iso_fix {
	FIX_NONE,
	FIX_BY_RING,	 /* a = where we see the bystander's ring */
	FIX_BY_WIN_SYS,	 /* a = where we see its system slot */
	FIX_BY_WIN_DATA, /* a = where we see its data slot */
	FIX_BY_ID,	 /* b = its partition id */
	FIX_BY_RING_B,	 /* b = where we see its ring (a hypercall's pointer) */
};

/* What the attempt must end in. */
enum iso_want {
	WANT_EPT,  /* EPT violation, info = the guest-physical address a */
	WANT_IO,   /* I/O instruction, the qualification names port a, direction, string */
	WANT_MSR,  /* RDMSR or WRMSR exit, info = the MSR a */
	WANT_EXIT, /* exit `exit`, info not checked */
	WANT_TOLD, /* VCPU_DONE with WORK_ISO_TOLD(exit): the hypercall failed */
	WANT_OK,   /* VCPU_DONE with WORK_STATUS_OK: allowed, and harmless */
};

struct attempt {
	const char *name;
	enum work_iso_op op;
	uint64_t a, b, c, d;
	enum iso_fix fix;
	enum iso_want want;
	uint32_t exit; /* exit reason (Vol. 3D, Appendix C), or errno for WANT_TOLD */
	uint64_t qual; /* WANT_IO: qualification bits 0-5 (size - 1, in, string, rep) */
};

/* One row a line: clang-format would spread each over four. */
/* clang-format off */
/* Table rows by kind; the rows' operands are in enum work_iso_op's terms. */
#define EPT(n, o, addr, val) { n, o, addr, val, 0, 0, FIX_NONE, WANT_EPT, RV_EXIT_EPT_VIOLATION, 0 }
#define IO(n, o, port, val, q) { n, o, port, val, 0, 0, FIX_NONE, WANT_IO, RV_EXIT_IO_INSTRUCTION, q }
#define MSR(n, o, msr, val) { n, o, msr, val, 0, 0, FIX_NONE, WANT_MSR, o == WORK_ISO_RDMSR ? RV_EXIT_RDMSR : RV_EXIT_WRMSR, 0 }
#define VMX(n, insn, reason) { n, WORK_ISO_VMX, insn, 0, 0, 0, FIX_NONE, WANT_EXIT, reason, 0 }
#define HC(n, nr, x, y, z, fix, err) { n, WORK_ISO_HC, nr, x, y, z, fix, WANT_TOLD, err, 0 }
#define FIXED(n, o, fix, want, reason) { n, o, 0, 0, 0, 0, fix, want, reason, 0 }

static const struct attempt attempts[] = {
	/* Memory: every guest-physical address outside the slots is unmapped in EPT. */
	EPT("read-hv-image", WORK_ISO_READ, HV_HPA, 0),
	EPT("write-hv-image", WORK_ISO_WRITE, HV_HPA + 0x1000, 0x5a5a),
	EPT("read-past-ram", WORK_ISO_READ, RV_SYS_SLOT_SIZE, 0),
	EPT("write-data-gpa", WORK_ISO_WRITE, RV_GPA_DATA, 1),
	EPT("read-rings", WORK_ISO_READ, RV_GPA_RINGS, 0),
	FIXED("write-bystander-ring", WORK_ISO_WRITE, FIX_BY_RING, WANT_EPT, RV_EXIT_EPT_VIOLATION),
	FIXED("read-bystander-ring", WORK_ISO_READ, FIX_BY_RING, WANT_EPT, RV_EXIT_EPT_VIOLATION),
	FIXED("write-bystander-window", WORK_ISO_WRITE, FIX_BY_WIN_DATA, WANT_EPT, RV_EXIT_EPT_VIOLATION),
	FIXED("read-bystander-ctrl", WORK_ISO_READ, FIX_BY_WIN_SYS, WANT_EPT, RV_EXIT_EPT_VIOLATION),
	EPT("write-windows", WORK_ISO_WRITE, RV_GPA_WINDOWS, 1),
	EPT("fetch-rings", WORK_ISO_FETCH, RV_GPA_RINGS, 0),
	EPT("fetch-hv-image", WORK_ISO_FETCH, HV_HPA, 0),
	EPT("read-pci-mmio", WORK_ISO_READ, 0xe0000000ull, 0),
	EPT("write-ioapic", WORK_ISO_WRITE, 0xfec00000ull, 0),
	EPT("read-lapic", WORK_ISO_READ, 0xfee00000ull, 0),
	EPT("write-lapic-icr", WORK_ISO_WRITE, 0xfee00300ull, 0xc4500), /* INIT to all others */
	EPT("read-flash", WORK_ISO_READ, 0xffe00000ull, 0),
	EPT("read-64g", WORK_ISO_HIGH, 0x1000000000ull, 0),
	/* Page tables in the rings: the walk itself reads there (PML4 entry 0). */
	EPT("cr3-in-rings", WORK_ISO_CR3, RV_GPA_RINGS, 0),
	/* A guest PTE with a bit at or above MAXPHYADDR: #PF (reserved bit), no IDT. */
	FIXED("read-past-maxphyaddr", WORK_ISO_HIGH, FIX_NONE, WANT_EXIT, RV_EXIT_TRIPLE_FAULT),
	/* I/O ports: unconditional I/O exiting. */
	IO("in-com1", WORK_ISO_IN, 0x3f8, 0, 0x08),
	IO("out-com1", WORK_ISO_OUT, 0x3f8, 'X', 0x00),
	IO("outl-pci-addr", WORK_ISO_OUTL, 0xcf8, 0x80000000u, 0x03),
	IO("in-pci-data", WORK_ISO_IN, 0xcfc, 0, 0x08),
	IO("outs-bochs-shutdown", WORK_ISO_OUTS, 0x8900, 0, 0x30),
	IO("out-isa-debug-exit", WORK_ISO_OUT, 0xf4, 0, 0x00),
	IO("out-kbc-reset", WORK_ISO_OUT, 0x64, 0xfe, 0x00),
	IO("out-reset-control", WORK_ISO_OUT, 0xcf9, 0x06, 0x00),
	IO("out-post", WORK_ISO_OUT, 0x80, 0, 0x00),
	/* MSRs: no MSR bitmap, so every RDMSR and WRMSR exits. */
	MSR("rdmsr-feature-control", WORK_ISO_RDMSR, 0x3a, 0),
	MSR("wrmsr-feature-control", WORK_ISO_WRMSR, 0x3a, 0),
	MSR("rdmsr-vmx-basic", WORK_ISO_RDMSR, 0x480, 0),
	MSR("rdmsr-apic-base", WORK_ISO_RDMSR, 0x1b, 0),
	MSR("wrmsr-apic-base", WORK_ISO_WRMSR, 0x1b, 0),
	MSR("wrmsr-efer", WORK_ISO_WRMSR, 0xc0000080u, 0),
	MSR("rdmsr-gs-base", WORK_ISO_RDMSR, 0xc0000101u, 0),
	MSR("wrmsr-sysenter-eip", WORK_ISO_WRMSR, 0x176, 0x1000),
	/* VMX instructions exit; VMFUNC and GETSEC raise #UD first. */
	VMX("vmxon", WORK_VMX_VMXON, RV_EXIT_VMXON),
	VMX("vmxoff", WORK_VMX_VMXOFF, RV_EXIT_VMXOFF),
	VMX("vmclear", WORK_VMX_VMCLEAR, RV_EXIT_VMCLEAR),
	VMX("vmptrld", WORK_VMX_VMPTRLD, RV_EXIT_VMPTRLD),
	VMX("vmptrst", WORK_VMX_VMPTRST, RV_EXIT_VMPTRST),
	VMX("vmread", WORK_VMX_VMREAD, RV_EXIT_VMREAD),
	VMX("vmwrite", WORK_VMX_VMWRITE, RV_EXIT_VMWRITE),
	VMX("vmlaunch", WORK_VMX_VMLAUNCH, RV_EXIT_VMLAUNCH),
	VMX("vmresume", WORK_VMX_VMRESUME, RV_EXIT_VMRESUME),
	VMX("invept", WORK_VMX_INVEPT, RV_EXIT_INVEPT),
	VMX("invvpid", WORK_VMX_INVVPID, RV_EXIT_INVVPID),
	VMX("vmfunc", WORK_VMX_VMFUNC, RV_EXIT_TRIPLE_FAULT),
	VMX("getsec", WORK_VMX_GETSEC, RV_EXIT_TRIPLE_FAULT),
	VMX("invd", WORK_VMX_INVD, RV_EXIT_INVD),
	/* CR4.OSXSAVE is 0 in the start state: #UD before the exit. */
	VMX("xsetbv", WORK_VMX_XSETBV, RV_EXIT_TRIPLE_FAULT),
	/* Exits we ask for, so that these stop a workload too (hv/vmx/vmx.c:setup_controls). */
	VMX("wbinvd", WORK_VMX_WBINVD, RV_EXIT_WBINVD),
	VMX("rdpmc", WORK_VMX_RDPMC, RV_EXIT_RDPMC),
	VMX("monitor", WORK_VMX_MONITOR, RV_EXIT_MONITOR),
	VMX("mwait", WORK_VMX_MWAIT, RV_EXIT_MWAIT),
	FIXED("cr4-vmxe", WORK_ISO_CR4_VMXE, FIX_NONE, WANT_EXIT, RV_EXIT_CR_ACCESS),
	/* The real TPR: a raised one would hold back every kick to this CPU
	 * (docs/03, Requests no guest can block). */
	{ "cr8-raise-tpr", WORK_ISO_CR8_WRITE, 15, 0, 0, 0, FIX_NONE, WANT_EXIT, RV_EXIT_CR_ACCESS, 0 },
	FIXED("cr8-read-tpr", WORK_ISO_CR8_READ, FIX_NONE, WANT_EXIT, RV_EXIT_CR_ACCESS),
	/* Hypercalls a workload may not make: refused, and the workload is told. */
	HC("hc-shutdown", RV_HC_SHUTDOWN, 0, 0, 0, FIX_NONE, RV_EPERM),
	HC("hc-destroy-mgmt", RV_HC_PARTITION_DESTROY, 0, 0, 0, FIX_NONE, RV_EPERM),
	HC("hc-destroy-bystander", RV_HC_PARTITION_DESTROY, 0, 0, 0, FIX_BY_ID, RV_EPERM),
	HC("hc-ring-reset", RV_HC_RING_RESET, 0, 0, 0, FIX_BY_ID, RV_EPERM),
	HC("hc-pause-bystander", RV_HC_VCPU_PAUSE, 0, 0, 0, FIX_BY_ID, RV_EPERM),
	HC("hc-resume-bystander", RV_HC_VCPU_RESUME, 0, 0, 0, FIX_BY_ID, RV_EPERM),
	HC("hc-map-bystander", RV_HC_MAP, 0, 1, RV_GPA_WINDOWS, FIX_BY_ID, RV_EPERM),
	HC("hc-wait-event", RV_HC_WAIT_EVENT, 0x8000, 0, 0, FIX_NONE, RV_EPERM),
	HC("hc-trace-disable", RV_HC_TRACE, 1, 0, 0, FIX_NONE, RV_EPERM),
	HC("hc-unknown", 999, 0, 0, 0, FIX_NONE, RV_ENOSYS),
	/* Unprivileged calls with pointers outside the caller's RAM. */
	HC("hc-info-to-rings", RV_HC_HV_INFO, RV_GPA_RINGS, 0, 0, FIX_NONE, RV_EFAULT),
	HC("hc-info-to-bystander-ring", RV_HC_HV_INFO, 0, 0, 0, FIX_BY_RING_B, RV_EFAULT),
	HC("hc-info-to-hv-image", RV_HC_HV_INFO, HV_HPA, 0, 0, FIX_NONE, RV_EFAULT),
	HC("hc-info-past-ram", RV_HC_HV_INFO, RV_SYS_SLOT_SIZE - 8, 0, 0, FIX_NONE, RV_EFAULT),
	HC("hc-info-wrap", RV_HC_HV_INFO, ~0ull - 7, 0, 0, FIX_NONE, RV_EFAULT),
	HC("hc-console-from-lapic", RV_HC_CONSOLE_WRITE, 0xfee00000ull, 16, 0, FIX_NONE, RV_EFAULT),
	HC("hc-console-from-windows", RV_HC_CONSOLE_WRITE, RV_GPA_WINDOWS, 16, 0, FIX_NONE, RV_EFAULT),
	/* The console: allowed, but what it prints cannot pass or end the run (docs/10). */
	FIXED("console-forge", WORK_ISO_FORGE, FIX_NONE, WANT_OK, 0),
};
/* clang-format on */

#define NR_ATTEMPTS (sizeof(attempts) / sizeof(attempts[0]))

extern const char __image_start[];

/* What must not change, hashed one region at a time. */
enum region {
	REG_MGMT_CODE,	 /* our .text and .rodata */
	REG_MGMT_TABLES, /* our GDT, TSS and page tables */
	REG_MGMT_BOOT,	 /* our boot block */
	REG_CANARY,	 /* a buffer in our data slot */
	REG_BY_RING,	 /* the bystander's ring, with entries not yet harvested */
	REG_BY_SYS,	 /* the bystander's system slot (code, stack, control page) */
	REG_BY_DATA,	 /* the bystander's data slot */
	REG_NR
};

static const char *const region_names[REG_NR] = {
    "mgmt-code",      "mgmt-tables",   "mgmt-boot",	 "canary",
    "bystander-ring", "bystander-sys", "bystander-data",
};

/*
 * Our GDT, TSS and page tables, without the bits the processor itself sets
 * as we run: accessed and dirty in paging entries (bits 5 and 6, Vol. 3A,
 * 4.8, Accessed and Dirty Flags) and accessed in segment descriptors (bit
 * 40, Vol. 3A, 3.4.5.1, Code- and Data-Segment Descriptor Types).  Our
 * first touch of a window sets them, and that is not the workload's doing.
 */
static uint64_t hash_tables(uint64_t h)
{
	const volatile uint64_t *w = (const volatile uint64_t *)RV_GPA_GDT;
	const uint64_t mask = ~(0x60ull | 1ull << 40);

	for (uint64_t i = 0; i < (RV_GPA_PD + 0x4000 - RV_GPA_GDT) / 8; i++) {
		h ^= w[i] & mask;
		h *= 0x100000001b3ull;
	}
	return h;
}

static void hash_all(const struct tracked *by, const void *canary, uint64_t out[REG_NR])
{
	out[REG_MGMT_CODE] =
	    mem_hash(MEM_HASH_BASIS, __image_start, (uint64_t)(__rodata_end - __image_start) & ~7ull);
	out[REG_MGMT_TABLES] = hash_tables(MEM_HASH_BASIS);
	out[REG_MGMT_BOOT] =
	    mem_hash(MEM_HASH_BASIS, (void *)RV_GPA_BOOT, sizeof(struct rv_guest_boot) & ~7ull);
	out[REG_CANARY] = mem_hash(MEM_HASH_BASIS, canary, CANARY_BYTES);
	out[REG_BY_RING] = mem_hash(MEM_HASH_BASIS, (void *)by->rings.gpa[0],
				      (uint64_t)by->rings.entries * sizeof(struct rv_dirty_entry));
	out[REG_BY_SYS] = mem_hash(MEM_HASH_BASIS, (void *)WIN_SYS(by->id), RV_SYS_SLOT_SIZE);
	out[REG_BY_DATA] = mem_hash(MEM_HASH_BASIS, (const void *)by->data, by->npages * 4096);
}

/* Entries the bystander's ring holds (pushed, not yet harvested). */
static uint32_t ring_used(const struct tracked *by)
{
	const struct rv_dirty_entry *ring = (const struct rv_dirty_entry *)by->rings.gpa[0];
	uint32_t n = 0;

	for (uint32_t i = 0; i < by->rings.entries; i++)
		n += load_acquire(&ring[i].flags) == RV_DIRTY_FLAG_DIRTY;
	return n;
}

/* Did the event say what the attempt's row says it must? */
static bool judge(struct scenario_run *run, const struct attempt *at, uint64_t a,
		  const struct rv_event *ev)
{
	if (at->want == WANT_OK) {
		if (ev->type == RV_EV_VCPU_DONE && ev->arg == WORK_STATUS_OK)
			return true;
		result_fail(run, "reason=not-done attempt=%s event=%u arg=0x%lx", at->name,
			    ev->type, ev->arg);
		return false;
	}
	if (at->want == WANT_TOLD) {
		if (ev->type == RV_EV_VCPU_DONE && ev->arg == WORK_ISO_TOLD(at->exit))
			return true;
		result_fail(run, "reason=not-told attempt=%s event=%u arg=0x%lx want=0x%x",
			    at->name, ev->type, ev->arg, WORK_ISO_TOLD(at->exit));
		return false;
	}
	if (ev->type != RV_EV_VCPU_FAULT) {
		/* The workload reported done: the access came back to it. */
		result_fail(run, "reason=not-stopped attempt=%s event=%u status=%lu", at->name,
			    ev->type, ev->arg);
		return false;
	}
	if (ev->arg != at->exit) {
		result_fail(run, "reason=wrong-exit attempt=%s exit=%lu want=%u", at->name, ev->arg,
			    at->exit);
		return false;
	}
	switch (at->want) {
	case WANT_EPT:
	case WANT_MSR:
		if (ev->info == a)
			return true;
		break;
	case WANT_IO:
		/* Vol. 3C, 28.2.1, Basic VM-Exit Information: size - 1, in, string, REP; port. */
		if ((ev->info & 0x3f) == at->qual && (ev->info >> 16 & 0xffff) == a)
			return true;
		break;
	default:
		return true;
	}
	result_fail(run, "reason=wrong-info attempt=%s info=0x%lx a=0x%lx", at->name, ev->info, a);
	return false;
}

static bool one_attempt(struct scenario_run *run, const struct attempt *at,
			const struct tracked *by)
{
	struct rv_partition_spec spec = {
	    .image = RV_IMAGE_WORK_ABI,
	    .nr_vcpus = 1,
	    .args = {WORK_TEST_ISOLATION, at->op, at->a, at->b, at->c, at->d}};
	struct rv_event ev;
	bool ok = false;
	long id;

	switch (at->fix) {
	case FIX_BY_RING:
		spec.args[2] = by->rings.gpa[0];
		break;
	case FIX_BY_WIN_SYS:
		spec.args[2] = WIN_SYS(by->id) + WORK_CTRL_GPA;
		break;
	case FIX_BY_WIN_DATA:
		spec.args[2] = WIN_DATA(by->id);
		break;
	case FIX_BY_ID:
		spec.args[3] = (uint64_t)by->id;
		break;
	case FIX_BY_RING_B:
		spec.args[3] = by->rings.gpa[0];
		break;
	case FIX_NONE:
		break;
	}
	id = hc_partition_create(&spec);
	if (id < 0) {
		result_fail(run, "reason=create attempt=%s err=%ld", at->name, id);
		return false;
	}
	if (hc_partition_start((uint64_t)id)) {
		result_fail(run, "reason=start attempt=%s", at->name);
		goto out;
	}
	for (;;) {
		if (hc_wait_event(&ev, ms_ticks(ISO_WAIT_MS)) || ev.type == RV_EV_TIMEOUT) {
			result_fail(run, "reason=no-event attempt=%s", at->name);
			break;
		}
		if (ev.partition != id)
			continue; /* the bystander is paused; nothing else is ours */
		gprintf("isolation: %s: partition %ld %s %lu, info 0x%lx\n", at->name, id,
			ev.type == RV_EV_VCPU_FAULT ? "stopped by exit" : "done with status",
			ev.arg, ev.info);
		ok = judge(run, at, spec.args[2], &ev);
		break;
	}
out:
	if (hc_partition_destroy((uint64_t)id))
		result_fail(run, "reason=destroy attempt=%s", at->name);
	return ok;
}

void scenario_isolation(struct scenario_run *run)
{
	struct rv_hv_info info;
	struct tracked by;
	struct prng rng;
	uint64_t h0[REG_NR], h1[REG_NR], free0 = 0, free1 = 0, writes0, writes1 = 0, t0, ticks;
	uint32_t contained = 0, violations = 0, ring0;
	uint64_t *canary;

	mgmt_alloc_reset();
	memset(&by, 0, sizeof(by));
	canary = mgmt_alloc(CANARY_BYTES);
	if (!canary) {
		result_fail(run, "reason=mgmt-memory");
		return;
	}
	prng_seed(&rng, 0x15014710);
	for (uint64_t i = 0; i < CANARY_BYTES / 8; i++)
		canary[i] = prng_next(&rng);

	/*
	 * The bystander: a ring-mode dirty writer whose ring we do not
	 * harvest.  Paused after a few stores, it has logged only a few of
	 * its 4096 pages, so anything that let it run again during the
	 * attempts would add ring entries, not just change page contents.
	 * The ring holds all 4096 pages: it never blocks at its soft limit.
	 */
	if (!track_create(run, &by, WORK_TEST_DIRTY, MODE_RING, 1, 16, 16384, 7, WORK_VALUE_UNIQUE, 0) ||
	    !track_log_on(run, &by) || !track_start(run, &by)) {
		track_finish(run, &by);
		return;
	}
	store_release(&by.ctrl->iteration, 1);
	for (uint64_t until = rdtsc() + ms_ticks(ISO_WAIT_MS); track_writes(&by) < 64;) {
		if (rdtsc() > until) {
			result_fail(run, "reason=bystander-idle writes=%lu", track_writes(&by));
			track_finish(run, &by);
			return;
		}
		cpu_relax();
	}
	if (!track_pause_all(run, &by)) {
		track_finish(run, &by);
		return;
	}
	writes0 = track_writes(&by);
	ring0 = ring_used(&by);
	if (!ring0) {
		/* An empty ring would hash the same whatever happened to it. */
		result_fail(run, "reason=bystander-ring-empty writes=%lu", writes0);
		track_finish(run, &by);
		return;
	}

	if (hc_hv_info(&info) == 0)
		free0 = info.free_pages;
	hash_all(&by, canary, h0);
	t0 = rdtsc();
	for (uint32_t i = 0; i < NR_ATTEMPTS; i++)
		contained += one_attempt(run, &attempts[i], &by);
	ticks = (rdtsc() - t0) / NR_ATTEMPTS;
	hash_all(&by, canary, h1);
	if (hc_hv_info(&info) == 0)
		free1 = info.free_pages;

	violations = NR_ATTEMPTS - contained;
	for (int r = 0; r < REG_NR; r++)
		if (h0[r] != h1[r]) {
			violations++;
			result_fail(run, "reason=changed region=%s before=0x%lx after=0x%lx",
				    region_names[r], h0[r], h1[r]);
		}
	if (free0 != free1 || !free0) {
		violations++;
		result_fail(run, "reason=free-pages before=%lu after=%lu", free0, free1);
	}

	/* The bystander must go on as if nothing had happened. */
	if (track_resume_all(run, &by)) {
		for (uint64_t until = rdtsc() + ms_ticks(20); rdtsc() < until;)
			cpu_relax();
		writes1 = track_writes(&by);
		if (writes1 <= writes0) {
			violations++;
			result_fail(run, "reason=bystander-stalled writes=%lu", writes1);
		}
	}
	track_finish(run, &by);

	result_kv(run, "attempts=%u contained=%u violations=%u regions=%u ring_entries=%u",
		  (uint32_t)NR_ATTEMPTS, contained, violations, REG_NR, ring0);
	result_kv(run, "free_pages=%lu bystander_writes=%lu ticks_per_attempt=%lu", free1,
		  writes1 - writes0, ticks);
	if (contained != NR_ATTEMPTS)
		result_fail(run, "reason=not-contained contained=%u", contained);
}

/*
 * isolation-state: what VM entry and exit do not switch (docs/03-vmx.md).
 * A workload leaves a secret in each (WORK_SECRETS_PLANT) and is
 * destroyed; the next one, on the same CPU, must find each in its initial
 * state (WORK_SECRETS_LOOK).  Then a workload plants its secrets and
 * waits (WORK_SECRETS_KEEP); we hold it, move it into a new partition on
 * another CPU with RV_HC_VCPU_GET_STATE and SET_STATE, destroy the
 * source, and it must find every one of its own.
 *
 *	RESULT isolation-state PASS secrets=N leaked=0 lost=0 ...
 */
static const char *const secret_names[WORK_SECRET_NR] = {
	"xmm", "x87", "mxcsr", "ymm", "pkru", "cr2", "dr0", "dr1", "dr2", "dr3", "dr6", "kgs",
};

/* Create a one-vCPU secrets workload with its system slot mapped; -1 on failure. */
static long secrets_create(struct scenario_run *run, enum work_secrets_op op, uint64_t seed)
{
	struct rv_partition_spec spec = { .image = RV_IMAGE_WORK_ABI, .nr_vcpus = 1,
					  .args = { WORK_TEST_SECRETS, op, seed } };
	long id = hc_partition_create(&spec), rc;

	if (id < 0) {
		result_fail(run, "reason=create op=%u err=%ld", op, id);
		return -1;
	}
	if ((rc = hc_map((uint64_t)id, 0, WIN_SYS(id)))) {
		result_fail(run, "reason=map op=%u err=%ld", op, rc);
		hc_partition_destroy((uint64_t)id);
		return -1;
	}
	return id;
}

/* Wait for partition id's vCPU to finish; its done status, or -1 (run failed). */
static long secrets_wait(struct scenario_run *run, long id)
{
	struct rv_event ev;

	for (;;) {
		if (hc_wait_event(&ev, ms_ticks(ISO_WAIT_MS)) || ev.type == RV_EV_TIMEOUT) {
			result_fail(run, "reason=no-event partition=%ld", id);
			return -1;
		}
		if (ev.partition != id)
			continue;
		if (ev.type != RV_EV_VCPU_DONE) {
			result_fail(run, "reason=stopped partition=%ld exit=%lu info=0x%lx", id,
				    ev.arg, ev.info);
			return -1;
		}
		return (long)ev.arg;
	}
}

/* Copy partition id's report out of its system slot. */
static void secrets_report(long id, struct work_secrets_report *rep)
{
	memcpy(rep, (void *)(WIN_SYS(id) + WORK_SECRETS_REPORT_GPA), sizeof(*rep));
}

/* One result_fail per wrong secret, with what was read. */
static void secrets_blame(struct scenario_run *run, const char *what,
			  const struct work_secrets_report *rep)
{
	for (int i = 0; i < WORK_SECRET_NR; i++)
		if (rep->bad & (1u << i))
			result_fail(run, "reason=%s secret=%s value=0x%lx", what, secret_names[i],
				    rep->value[i]);
}

/* Run op to its end in a fresh partition, report in *rep; the done status or -1. */
static long secrets_once(struct scenario_run *run, enum work_secrets_op op, uint64_t seed,
			 struct work_secrets_report *rep)
{
	long id = secrets_create(run, op, seed), status = -1;

	if (id < 0)
		return -1;
	if (hc_partition_start((uint64_t)id))
		result_fail(run, "reason=start op=%u", op);
	else if ((status = secrets_wait(run, id)) >= 0)
		secrets_report(id, rep);
	if (hc_partition_destroy((uint64_t)id))
		result_fail(run, "reason=destroy op=%u", op);
	return status;
}

/* Plant in a source, hold it, move its vCPU to a new partition, check there. */
static bool secrets_move(struct scenario_run *run, uint64_t seed, struct work_secrets_report *rep)
{
	long src = secrets_create(run, WORK_SECRETS_KEEP, seed), dst = -1, rc, status;
	struct work_ctrl *sctl, *dctl;
	static struct rv_vcpu_state st; /* 4.6 KiB: not on our stack */
	bool ok = false;

	if (src < 0)
		return false;
	sctl = (struct work_ctrl *)(WIN_SYS(src) + WORK_CTRL_GPA);
	if (hc_partition_start((uint64_t)src)) {
		result_fail(run, "reason=start-source");
		goto out;
	}
	for (uint64_t until = rdtsc() + ms_ticks(ISO_WAIT_MS); !load_acquire(&sctl->writes[0]);) {
		if (rdtsc() > until) {
			result_fail(run, "reason=source-silent");
			goto out;
		}
		cpu_relax();
	}
	if ((rc = hc_vcpu_pause((uint64_t)src, 0))) {
		result_fail(run, "reason=pause err=%ld", rc);
		goto out;
	}
	dst = secrets_create(run, WORK_SECRETS_KEEP, seed); /* on another CPU: src holds its own */
	if (dst < 0)
		goto out;
	dctl = (struct work_ctrl *)(WIN_SYS(dst) + WORK_CTRL_GPA);
	for (uint64_t off = 0; off < RV_SYS_SLOT_SIZE; off += 8)
		*(volatile uint64_t *)(WIN_SYS(dst) + off) = *(volatile uint64_t *)(WIN_SYS(src) + off);
	if ((rc = hc_vcpu_get_state((uint64_t)src, 0, &st)) ||
	    (rc = hc_vcpu_set_state((uint64_t)dst, 0, &st))) {
		result_fail(run, "reason=vcpu-state err=%ld", rc);
		goto out;
	}
	if ((rc = hc_partition_destroy((uint64_t)src))) {
		result_fail(run, "reason=destroy-source err=%ld", rc);
		goto out;
	}
	src = -1;
	store_release(&dctl->stop, 1);
	if ((rc = hc_partition_start((uint64_t)dst))) {
		result_fail(run, "reason=start-destination err=%ld", rc);
		goto out;
	}
	status = secrets_wait(run, dst);
	if (status >= 0) {
		secrets_report(dst, rep);
		ok = true;
	}
out:
	if (src >= 0 && hc_partition_destroy((uint64_t)src))
		result_fail(run, "reason=destroy-source");
	if (dst >= 0 && hc_partition_destroy((uint64_t)dst))
		result_fail(run, "reason=destroy-destination");
	return ok;
}

void scenario_isolation_state(struct scenario_run *run)
{
	struct work_secrets_report plant, look, moved;
	uint64_t seed;
	long st;

	if (!param_u64(run, "seed", 0xffffff, &seed))
		return;
	memset(&plant, 0, sizeof(plant));
	memset(&look, 0, sizeof(look));
	memset(&moved, 0, sizeof(moved));

	/* 1. Left behind: plant, destroy, look on the same CPU. */
	st = secrets_once(run, WORK_SECRETS_PLANT, seed, &plant);
	if (st < 0)
		return;
	if (st != WORK_STATUS_OK) {
		secrets_blame(run, "did-not-take", &plant);
		result_fail(run, "reason=plant status=0x%lx", st);
		return;
	}
	st = secrets_once(run, WORK_SECRETS_LOOK, seed, &look);
	if (st < 0)
		return;
	if (look.apic_id != plant.apic_id)
		result_fail(run, "reason=other-cpu plant=%lu look=%lu", plant.apic_id, look.apic_id);
	if (st != WORK_STATUS_OK || look.bad) {
		secrets_blame(run, "leaked", &look);
		result_fail(run, "reason=leaked mask=0x%lx status=0x%lx", look.bad, st);
	}

	/* 2. Carried along: plant, move to another CPU, find them there. */
	if (secrets_move(run, seed + 1, &moved)) {
		if (moved.apic_id == plant.apic_id)
			result_fail(run, "reason=same-cpu apic=%lu", moved.apic_id);
		if (moved.bad) {
			secrets_blame(run, "lost", &moved);
			result_fail(run, "reason=lost mask=0x%lx", moved.bad);
		}
	}
	unsigned n = 0;
	for (uint64_t m = plant.have; m; m &= m - 1)
		n++;
	result_kv(run, "secrets=%u have=0x%lx leaked=0x%lx lost=0x%lx", n, plant.have, look.bad,
		  moved.bad);
	result_kv(run, "cpu_plant=%lu cpu_look=%lu cpu_moved=%lu", plant.apic_id, look.apic_id,
		  moved.apic_id);
}
