// SPDX-License-Identifier: MIT
/*
 * The workload program.  Every vCPU runs the test the management partition
 * chose in args[0]; the test's return value becomes this vCPU's
 * RV_HC_VCPU_DONE status (see worktests.h).
 */
#include "guest.h"
#include "fuzz.h"
#include "prng.h"
#include "work.h"
#include "worktests.h"

struct work_test_desc {
	const char *name;
	int (*fn)(uint32_t vcpu, const struct rv_guest_boot *boot);
};

/*
 * hello: say who we are, and check that the hypervisor agrees (hv_info) and
 * that the privileged calls are closed to a workload.
 */
static int test_hello(uint32_t vcpu, const struct rv_guest_boot *boot)
{
	struct rv_hv_info info;
	struct rv_partition_spec spec = { .image = RV_IMAGE_WORK_ABI, .nr_vcpus = 0 };

	uint64_t cr0;

	asm volatile("mov %%cr0, %0" : "=r"(cr0));
	gprintf("hello from vCPU %u of %u (partition %u), cr0=%lx\n", vcpu, boot->nr_vcpus,
		boot->partition, cr0);

	EXPECT(vcpu < boot->nr_vcpus);
	if (EXPECT_EQ(hc_hv_info(&info), 0)) {
		EXPECT_EQ(info.partition, boot->partition);
		EXPECT_EQ(info.vcpu, vcpu);
		EXPECT(info.tsc_khz != 0);
	}
	/* Harmless if the check were missing: 9999 is no partition, spec is invalid. */
	EXPECT_EQ(hc_partition_start(9999), -RV_EPERM);
	EXPECT_EQ(hc_partition_create(&spec), -RV_EPERM);
	if (cr0 & (WORK_CR0_CD | WORK_CR0_NW))
		return WORK_STATUS_CACHES_OFF;
	return WORK_STATUS_OK;
}

/*
 * The dirty-log writer (KVM's dirty_log_test guest): store the current
 * iteration number into the first 8 bytes of pseudo-random pages of the
 * data slot, as fast as possible, until told to stop.
 */
static int test_dirty(uint32_t vcpu, const struct rv_guest_boot *boot)
{
	struct work_ctrl *ctrl = (struct work_ctrl *)WORK_CTRL_GPA;
	uint64_t npages = boot->data_size / 4096;
	uint64_t span = boot->args[3] && boot->args[3] < npages ? boot->args[3] : npages;
	volatile uint8_t *data = (volatile uint8_t *)boot->data_gpa;
	bool unique = boot->args[2] == WORK_VALUE_UNIQUE;
	bool hv = boot->args[2] == WORK_VALUE_ITERATION_HV;
	struct prng rng;

	if (!npages)
		return WORK_STATUS_EXPECT;
	prng_seed(&rng, boot->args[1] * 0x9e3779b97f4a7c15ull + vcpu + 1);
	while (!load_acquire(&ctrl->stop)) {
		uint64_t it = load_acquire(&ctrl->iteration);
		if (!it) {
			cpu_relax();
			continue;
		}
		uint64_t page = prng_below(&rng, span);
		store_relaxed(&ctrl->cur_page[vcpu], page + 1);
		asm volatile("" ::: "memory"); /* x86 keeps the two stores in order */
		uint64_t n = ctrl->writes[vcpu] + 1;
		if (hv && hc_hv_info((struct rv_hv_info *)(data + page * 4096 +
							   WORK_HV_WRITE_OFFSET)))
			return WORK_STATUS_HV_WRITE;
		*(volatile uint64_t *)(data + page * 4096) =
			unique ? (uint64_t)(vcpu + 1) << 48 | n : it;
		store_relaxed(&ctrl->writes[vcpu], n);
	}
	store_relaxed(&ctrl->cur_page[vcpu], 0);
	return WORK_STATUS_OK;
}

/*
 * KVM's dirty_log_perf_test guest: for every new iteration number, write
 * each page of this vCPU's share of the first args[3] pages once, then
 * say so.  The hypercall before saying so is a VM exit, which is where
 * the hypervisor drains the PML page: when the management partition sees
 * done_iter, every page written is in the ring.
 */
static int test_perf(uint32_t vcpu, const struct rv_guest_boot *boot)
{
	struct work_ctrl *ctrl = (struct work_ctrl *)WORK_CTRL_GPA;
	uint64_t npages = boot->data_size / 4096, seen = 0;
	volatile uint8_t *data = (volatile uint8_t *)boot->data_gpa;

	if (boot->args[3] && boot->args[3] < npages)
		npages = boot->args[3];
	uint64_t first = npages * vcpu / boot->nr_vcpus;
	uint64_t end = npages * (vcpu + 1) / boot->nr_vcpus;
	while (!load_acquire(&ctrl->stop)) {
		uint64_t it = load_acquire(&ctrl->iteration);
		if (it == seen) {
			cpu_relax();
			continue;
		}
		for (uint64_t p = first; p < end; p++)
			*(volatile uint64_t *)(data + p * 4096) = it;
		seen = it;
		ctrl->writes[vcpu] += end - first;
		hc_version();
		store_release(&ctrl->done_iter[vcpu], it);
	}
	return WORK_STATUS_OK;
}

/*
 * The migration workload: keep writing unique values into pseudo-random
 * pages of the working set and remember each in the record; when told to
 * stop (by then, typically, in another partition), check them all.
 */
static int test_migrate(uint32_t vcpu, const struct rv_guest_boot *boot)
{
	struct work_ctrl *ctrl = (struct work_ctrl *)WORK_CTRL_GPA;
	uint64_t *record = (uint64_t *)WORK_RECORD_GPA;
	volatile uint8_t *data = (volatile uint8_t *)boot->data_gpa;
	uint64_t npages = boot->data_size / 4096, n = boot->nr_vcpus, bad = 0;
	uint64_t wws = boot->args[3] && boot->args[3] < npages ? boot->args[3] : npages;
	struct prng rng;

	if (npages > WORK_RECORD_MAX_PAGES || wws < n)
		return WORK_STATUS_EXPECT;
	prng_seed(&rng, boot->args[1] * 0x9e3779b97f4a7c15ull + vcpu + 1);
	while (!load_acquire(&ctrl->iteration))
		cpu_relax();
	while (!load_acquire(&ctrl->stop)) {
		uint64_t page = vcpu + n * prng_below(&rng, wws / n);
		uint64_t val = (uint64_t)(vcpu + 1) << 48 | (ctrl->writes[vcpu] + 1);
		*(volatile uint64_t *)(data + page * 4096) = val;
		record[page] = val;
		store_relaxed(&ctrl->writes[vcpu], ctrl->writes[vcpu] + 1);
	}
	for (uint64_t p = vcpu; p < npages; p += n)
		if (*(volatile uint64_t *)(data + p * 4096) != record[p]) {
			if (bad++ < 3)
				gprintf("migrate: vCPU %u: page %lu holds 0x%lx, my record says 0x%lx\n",
					vcpu, p, *(volatile uint64_t *)(data + p * 4096), record[p]);
		}
	gprintf("migrate: vCPU %u checked its %lu pages after %lu stores: %lu wrong\n", vcpu,
		(npages - vcpu + n - 1) / n, ctrl->writes[vcpu], bad);
	return bad ? WORK_STATUS_EXPECT : WORK_STATUS_OK;
}

/*
 * The workload's hypercall storm (the `fuzz` scenario): every privileged
 * call must fail with -RV_EPERM, whatever its arguments; the others must
 * keep their contracts, and nothing the hypervisor writes for us may land
 * outside our scratch (the last FZ_SCRATCH_SIZE bytes of the data slot).
 */
static int test_fuzz(uint32_t vcpu, const struct rv_guest_boot *boot)
{
	static struct fz_ctx c; /* vCPU 0's alone */
	struct fz_stats *rep = (struct fz_stats *)WORK_FUZZ_REPORT_GPA;
	uint64_t ram_end = boot->data_gpa + boot->data_size;
	uint64_t code, canary, code_len = (uint64_t)__rodata_end - RV_GPA_IMAGE;
	uint8_t *below;

	if (vcpu != 0)
		return WORK_STATUS_OK;
	if (boot->data_size < 2 * FZ_SCRATCH_SIZE)
		return WORK_STATUS_EXPECT;
	/* A canary just below the scratch, and our code: neither may change. */
	below = (uint8_t *)(ram_end - 2 * FZ_SCRATCH_SIZE);
	for (uint64_t i = 0; i < FZ_SCRATCH_SIZE; i++)
		below[i] = (uint8_t)(i * 7 + 1);
	canary = mem_hash(MEM_HASH_BASIS, below, FZ_SCRATCH_SIZE);
	code = mem_hash(MEM_HASH_BASIS, (void *)RV_GPA_IMAGE, code_len);

	fz_init(&c, boot->args[1], false, boot->partition, FZ_NO_ID, ram_end);
	for (uint64_t i = 0; i < boot->args[3]; i++)
		fz_step(&c);
	if (mem_hash(MEM_HASH_BASIS, below, FZ_SCRATCH_SIZE) != canary ||
	    mem_hash(MEM_HASH_BASIS, (void *)RV_GPA_IMAGE, code_len) != code) {
		if (!c.st.violations)
			snprintf(c.st.first, sizeof(c.st.first), "kind=own-memory-changed");
		c.st.violations++;
	}
	memcpy(rep, &c.st, sizeof(c.st));
	return c.st.violations ? WORK_STATUS_EXPECT : WORK_STATUS_OK;
}

/* Misbehave in one of the ways of enum work_fault; never returns normally. */
static int test_fault(uint32_t vcpu, const struct rv_guest_boot *boot)
{
	volatile uint64_t zero = 0, x = 1;
	uint64_t region = 0;

	gprintf("fault: vCPU %u misbehaving (kind %lu)\n", vcpu, boot->args[1]);
	switch (boot->args[1]) {
	case WORK_FAULT_UD:
		asm volatile("ud2");
		break;
	case WORK_FAULT_DIVIDE:
		x = x / zero;
		break;
	case WORK_FAULT_IO:
		asm volatile("outb %%al, $0x80" ::"a"(0));
		break;
	case WORK_FAULT_WRMSR:
		asm volatile("wrmsr" ::"c"(0x1b), "a"(0), "d"(0));
		break;
	case WORK_FAULT_RAM:
		*(volatile uint64_t *)0x30000000ull = 1; /* where rings live in the management partition */
		break;
	case WORK_FAULT_VMXON:
		asm volatile("vmxon %0" ::"m"(region) : "cc");
		break;
	case WORK_FAULT_HLT:
		asm volatile("hlt");
		break;
	case WORK_FAULT_SPIN: {
		/* A hypercall every quarter watchdog period keeps us alive... */
		uint64_t start = rdtsc(), last = start;
		while (rdtsc() - start < boot->args[3]) {
			if (rdtsc() - last > boot->args[2] / 4) {
				hc_version();
				last = rdtsc();
			}
		}
		/* ...until we stop calling, with no interrupt able to reach us. */
		asm volatile("cli; 1: jmp 1b");
		break;
	}
	}
	gprintf("fault: vCPU %u is still running after kind %lu\n", vcpu, boot->args[1]);
	return WORK_STATUS_EXPECT;
}



/*
 * Write our pages once (ring entries for the management partition to
 * reset), say so, then try to keep our CPU from answering the hypervisor.
 */
static int test_block(uint32_t vcpu, const struct rv_guest_boot *boot)
{
	struct work_ctrl *ctrl = (struct work_ctrl *)WORK_CTRL_GPA;
	volatile uint64_t *data = (volatile uint64_t *)boot->data_gpa;
	uint64_t npages = boot->data_size / 4096;
	uint64_t span = boot->args[3] && boot->args[3] < npages ? boot->args[3] : npages;

	for (uint64_t p = 0; p < span; p++) {
		data[p * 512] = p + 1;
		store_relaxed(&ctrl->writes[vcpu], p + 1);
	}
	store_release(&ctrl->done_iter[vcpu], 1);
	switch (boot->args[1]) {
	case WORK_BLOCK_CLI_SPIN:
		asm volatile("cli; 1: jmp 1b");
		break;
	case WORK_BLOCK_CLI_WRITE:
		asm volatile("cli");
		for (uint64_t n = 0;; n++)
			data[(n % span) * 512] = n;
		break;
	case WORK_BLOCK_MOVSS:
		asm volatile("cli; mov %%ss, %%eax; 1: mov %%eax, %%ss; mov %%eax, %%ss; jmp 1b" ::
				     : "rax");
		break;
	case WORK_BLOCK_PAUSE:
		asm volatile("sti; 1: pause; jmp 1b");
		break;
	case WORK_BLOCK_CR8:
		asm volatile("mov %0, %%cr8; 1: jmp 1b" ::"r"(15ull));
		break;
	case WORK_BLOCK_HLT:
		asm volatile("cli; hlt");
		break;
	case WORK_BLOCK_MWAIT:
		asm volatile("cli; mwait" ::"a"(0), "c"(0)); /* no MONITOR: it exits too */
		break;
	}
	gprintf("block: vCPU %u: kind %lu returned\n", vcpu, boot->args[1]);
	return WORK_STATUS_EXPECT;
}

/* A VMX instruction (or GETSEC, INVD, XSETBV); each must exit or fault, never return. */
static void iso_vmx(uint64_t which)
{
	uint64_t region[2] = { 0x1000, 0 }, val = 0, field = 0x4400; /* VM-instruction error */

	switch (which) {
	case WORK_VMX_VMXON:
		asm volatile("vmxon %0" ::"m"(region[0]) : "cc", "memory");
		break;
	case WORK_VMX_VMXOFF:
		asm volatile("vmxoff" ::: "cc", "memory");
		break;
	case WORK_VMX_VMCLEAR:
		asm volatile("vmclear %0" ::"m"(region[0]) : "cc", "memory");
		break;
	case WORK_VMX_VMPTRLD:
		asm volatile("vmptrld %0" ::"m"(region[0]) : "cc", "memory");
		break;
	case WORK_VMX_VMPTRST:
		asm volatile("vmptrst %0" : "=m"(region[0])::"cc");
		break;
	case WORK_VMX_VMREAD:
		asm volatile("vmread %1, %0" : "=r"(val) : "r"(field) : "cc");
		break;
	case WORK_VMX_VMWRITE:
		asm volatile("vmwrite %1, %0" ::"r"(field), "r"(val) : "cc");
		break;
	case WORK_VMX_VMLAUNCH:
		asm volatile("vmlaunch" ::: "cc", "memory");
		break;
	case WORK_VMX_VMRESUME:
		asm volatile("vmresume" ::: "cc", "memory");
		break;
	case WORK_VMX_INVEPT: /* type 2: all contexts */
		asm volatile("invept %0, %1" ::"m"(region), "r"(2ull) : "cc", "memory");
		break;
	case WORK_VMX_INVVPID:
		asm volatile("invvpid %0, %1" ::"m"(region), "r"(2ull) : "cc", "memory");
		break;
	case WORK_VMX_VMFUNC: /* function 0, EPTP switching */
		asm volatile("vmfunc" ::"a"(0), "c"(0) : "memory");
		break;
	case WORK_VMX_GETSEC: /* leaf 0, CAPABILITIES */
		asm volatile("getsec" ::"a"(0), "b"(0) : "memory");
		break;
	case WORK_VMX_INVD:
		asm volatile("invd" ::: "memory");
		break;
	case WORK_VMX_XSETBV: /* XCR0 = x87 only */
		asm volatile("xsetbv" ::"a"(1), "d"(0), "c"(0) : "memory");
		break;
	case WORK_VMX_WBINVD:
		asm volatile("wbinvd" ::: "memory");
		break;
	case WORK_VMX_RDPMC: /* counter 0 */
		asm volatile("rdpmc" ::"c"(0) : "rax", "rdx");
		break;
	case WORK_VMX_MONITOR: /* arm a monitor on our own boot block */
		asm volatile("monitor" ::"a"(RV_GPA_BOOT), "c"(0), "d"(0) : "memory");
		break;
	case WORK_VMX_MWAIT: /* C0, no hints: would park this CPU */
		asm volatile("mwait" ::"a"(0), "c"(0) : "memory");
		break;
	}
	(void)val;
}

/*
 * Our guest page tables map only 0-4 GiB.  To name a guest-physical
 * address beyond, add a PDPT entry for linear 4 GiB that points to a page
 * directory of our own (in free RAM of slot 0, below the stacks) with one
 * 2 MiB page at @gpa.  Everything written here is our own memory.
 */
#define ISO_SCRATCH_PD 0x3d0000ull
static uint64_t iso_high_read(uint64_t gpa)
{
	volatile uint64_t *pdpt = (volatile uint64_t *)RV_GPA_PDPT;
	volatile uint64_t *pd = (volatile uint64_t *)ISO_SCRATCH_PD;
	uint32_t a, b, c, d;

	if (!gpa) {
		asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000008), "c"(0));
		gpa = 1ull << (a & 0xff); /* the first address past MAXPHYADDR */
	}
	for (int i = 0; i < 512; i++)
		pd[i] = 0;
	pd[0] = gpa | 0x83; /* present, writable, 2 MiB page */
	pdpt[4] = ISO_SCRATCH_PD | 0x3;
	asm volatile("invlpg (%0)" ::"r"(0x100000000ull) : "memory");
	return *(volatile uint64_t *)0x100000000ull;
}

/*
 * One attempt to reach outside the partition (enum work_iso_op).  A
 * refused access never comes back here; a refused hypercall returns an
 * error, which we report as WORK_ISO_TOLD(errno).  Anything else that
 * returns is a hole in the partition: WORK_STATUS_EXPECT.
 */
static int test_isolation(uint32_t vcpu, const struct rv_guest_boot *boot)
{
	static const char shutdown[] = "Shutdown";
	uint64_t op = boot->args[1], a = boot->args[2], b = boot->args[3];
	uint64_t val = 0;
	long rc;

	gprintf("isolation: vCPU %u attempt op %lu on 0x%lx\n", vcpu, op, a);
	switch (op) {
	case WORK_ISO_READ:
		val = *(volatile uint64_t *)a;
		break;
	case WORK_ISO_WRITE:
		*(volatile uint64_t *)a = b;
		break;
	case WORK_ISO_FETCH:
		((void (*)(void))a)();
		break;
	case WORK_ISO_HIGH:
		val = iso_high_read(a);
		break;
	case WORK_ISO_IN:
		asm volatile("inb %%dx, %%al" : "=a"(val) : "d"(a));
		break;
	case WORK_ISO_OUT:
		asm volatile("outb %%al, %%dx" ::"a"(b), "d"(a));
		break;
	case WORK_ISO_OUTL:
		asm volatile("outl %%eax, %%dx" ::"a"(b), "d"(a));
		break;
	case WORK_ISO_OUTS: {
		const char *p = shutdown;
		uint64_t n = sizeof(shutdown) - 1;
		asm volatile("rep outsb" : "+S"(p), "+c"(n) : "d"(a) : "memory");
		break;
	}
	case WORK_ISO_RDMSR: {
		uint32_t lo, hi;
		asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(a));
		val = (uint64_t)hi << 32 | lo;
		break;
	}
	case WORK_ISO_WRMSR:
		asm volatile("wrmsr" ::"c"(a), "a"((uint32_t)b), "d"((uint32_t)(b >> 32)));
		break;
	case WORK_ISO_VMX:
		iso_vmx(a);
		break;
	case WORK_ISO_CR4_VMXE: {
		uint64_t cr4;
		asm volatile("mov %%cr4, %0" : "=r"(cr4));
		asm volatile("mov %0, %%cr4" ::"r"(cr4 | (1ull << 13)) : "memory");
		break;
	}
	case WORK_ISO_CR8_WRITE:
		asm volatile("mov %0, %%cr8" ::"r"(a) : "memory");
		break;
	case WORK_ISO_CR8_READ: {
		uint64_t tpr;
		asm volatile("mov %%cr8, %0" : "=r"(tpr));
		break;
	}
	case WORK_ISO_CR3:
		/* The next instruction fetch walks page tables at @a (PML4 entry 0). */
		asm volatile("mov %0, %%cr3" ::"r"(a) : "memory");
		break;
	case WORK_ISO_HC:
		rc = hypercall6(a, b, boot->args[4], boot->args[5], 0, 0, 0);
		if (rc < 0 && rc > -0x100) {
			gprintf("isolation: hypercall %lu refused: %ld\n", a, rc);
			return (int)WORK_ISO_TOLD(-rc);
		}
		gprintf("isolation: hypercall %lu returned %ld\n", a, rc);
		return WORK_STATUS_EXPECT;
	case WORK_ISO_FORGE:
		/*
		 * The console is ours to write, but the hypervisor prefixes each
		 * line with our partition, and tools/hvrun believes RESULT only
		 * from the management partition and the end markers only from
		 * the hypervisor: had it believed these, the run would end here
		 * with one RESULT too many.
		 */
		gprintf("RESULT isolation PASS forged-by-a-workload=1\n");
		gprintf("RINGVISOR SHUTDOWN status=0\n");
		gprintf("RINGVISOR PANIC at forged.c:1: forged by a workload\n");
		return WORK_STATUS_OK;
	default:
		return WORK_STATUS_UNKNOWN_TEST;
	}
	gprintf("isolation: vCPU %u is still running after op %lu on 0x%lx (read 0x%lx)\n", vcpu,
		op, a, val);
	return WORK_STATUS_EXPECT;
}

/*
 * WORK_TEST_SECRETS: the registers VM entry and exit leave alone
 * (docs/03-vmx.md).  Our C code never touches them (-mgeneral-regs-only,
 * no page faults, no breakpoints), so between the inline assembly below
 * they hold exactly what we, or the hypervisor, put there.
 */
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_FSGSBASE (1ull << 16)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_PKE (1ull << 22)
#define SECRET_MXCSR 0x7f80u	  /* 1F80H with rounding toward zero */
#define SECRET_DR6 0x4005ull	  /* B0, B2, BS */
#define SECRET_PKRU 0x55555554u /* access disabled for keys 1-15; ours is key 0 */
#define DR6_MASK 0xe00full	  /* B0-B3, BD, BS, BT */

static uint64_t secret_of(uint64_t seed, int i)
{
	return 0x00005ec000000000ull | (seed & 0xffffff) << 8 | (uint64_t)i; /* canonical */
}

/* What this processor has; turns on what we need to reach it (CR4 is ours). */
static uint64_t secrets_have(void)
{
	uint32_t a, b, c, d, b7 = 0, c7 = 0, max;
	uint64_t cr4, have = (1u << WORK_SECRET_NR) - 1;

	asm volatile("cpuid" : "=a"(max), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	if (max >= 7)
		asm volatile("cpuid" : "=a"(a), "=b"(b7), "=c"(c7), "=d"(d) : "a"(7), "c"(0));
	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (c & (1u << 26))
		cr4 |= CR4_OSXSAVE;
	if (c7 & (1u << 3))
		cr4 |= CR4_PKE;
	if (b7 & 1)
		cr4 |= CR4_FSGSBASE;
	asm volatile("mov %0, %%cr4" ::"r"(cr4) : "memory");
	have &= ~(uint64_t)(1u << WORK_SECRET_YMM | 1u << WORK_SECRET_PKRU | 1u << WORK_SECRET_KGS);
	if ((c & (1u << 26)) && (c & (1u << 28))) {
		uint32_t lo, hi;
		asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		if ((lo & 6) == 6)
			have |= 1u << WORK_SECRET_YMM;
	}
	if (c7 & (1u << 3))
		have |= 1u << WORK_SECRET_PKRU;
	if (b7 & 1)
		have |= 1u << WORK_SECRET_KGS;
	return have;
}

static void secrets_plant(uint64_t have, uint64_t seed)
{
	uint64_t xmm[2] = { secret_of(seed, WORK_SECRET_XMM), secret_of(seed, WORK_SECRET_XMM) };
	uint64_t st[2] = { secret_of(seed, WORK_SECRET_X87), 0x3fff };
	uint64_t ymm[4] = { 0, 0, secret_of(seed, WORK_SECRET_YMM), secret_of(seed, WORK_SECRET_YMM) };
	uint32_t mxcsr = SECRET_MXCSR;

	asm volatile("movdqu %0, %%xmm7" ::"m"(xmm));
	asm volatile("fninit; fldt %0" ::"m"(st));
	asm volatile("ldmxcsr %0" ::"m"(mxcsr));
	if (have & (1u << WORK_SECRET_YMM))
		asm volatile("vmovdqu %0, %%ymm5" ::"m"(ymm));
	if (have & (1u << WORK_SECRET_PKRU))
		asm volatile("wrpkru" ::"a"(SECRET_PKRU), "c"(0), "d"(0));
	asm volatile("mov %0, %%cr2" ::"r"(secret_of(seed, WORK_SECRET_CR2)));
	asm volatile("mov %0, %%db0" ::"r"(secret_of(seed, WORK_SECRET_DR0)));
	asm volatile("mov %0, %%db1" ::"r"(secret_of(seed, WORK_SECRET_DR1)));
	asm volatile("mov %0, %%db2" ::"r"(secret_of(seed, WORK_SECRET_DR2)));
	asm volatile("mov %0, %%db3" ::"r"(secret_of(seed, WORK_SECRET_DR3)));
	asm volatile("mov %0, %%db6" ::"r"(SECRET_DR6));
	/* KERNEL_GS_BASE = secret; GS base gets the old KERNEL_GS_BASE (we do not use GS). */
	if (have & (1u << WORK_SECRET_KGS))
		asm volatile("wrgsbase %0; swapgs" ::"r"(secret_of(seed, WORK_SECRET_KGS)));
}

/* Read each; lo = its value (the low 8 bytes), hi = the next 8 where there are more. */
static void secrets_read(uint64_t have, uint64_t lo[WORK_SECRET_NR], uint64_t hi[WORK_SECRET_NR])
{
	static uint8_t fx[512] __attribute__((aligned(16)));
	uint64_t ymm[4] = { 0 }, v;
	uint32_t mxcsr;

	for (int i = 0; i < WORK_SECRET_NR; i++)
		lo[i] = hi[i] = 0;
	asm volatile("fxsave64 %0" : "=m"(fx));
	memcpy(&lo[WORK_SECRET_XMM], fx + 160 + 7 * 16, 8);
	memcpy(&hi[WORK_SECRET_XMM], fx + 160 + 7 * 16 + 8, 8);
	memcpy(&lo[WORK_SECRET_X87], fx + 32, 8);
	memcpy(&hi[WORK_SECRET_X87], fx + 40, 2);
	asm volatile("stmxcsr %0" : "=m"(mxcsr));
	lo[WORK_SECRET_MXCSR] = mxcsr;
	if (have & (1u << WORK_SECRET_YMM)) {
		asm volatile("vmovdqu %%ymm5, %0" : "=m"(ymm));
		lo[WORK_SECRET_YMM] = ymm[2];
		hi[WORK_SECRET_YMM] = ymm[3];
	}
	if (have & (1u << WORK_SECRET_PKRU)) {
		uint32_t pkru, d;
		asm volatile("rdpkru" : "=a"(pkru), "=d"(d) : "c"(0));
		lo[WORK_SECRET_PKRU] = pkru;
	}
	asm volatile("mov %%cr2, %0" : "=r"(v));
	lo[WORK_SECRET_CR2] = v;
	asm volatile("mov %%db0, %0" : "=r"(v));
	lo[WORK_SECRET_DR0] = v;
	asm volatile("mov %%db1, %0" : "=r"(v));
	lo[WORK_SECRET_DR1] = v;
	asm volatile("mov %%db2, %0" : "=r"(v));
	lo[WORK_SECRET_DR2] = v;
	asm volatile("mov %%db3, %0" : "=r"(v));
	lo[WORK_SECRET_DR3] = v;
	asm volatile("mov %%db6, %0" : "=r"(v));
	lo[WORK_SECRET_DR6] = v;
	if (have & (1u << WORK_SECRET_KGS)) {
		asm volatile("swapgs; rdgsbase %0; swapgs" : "=r"(v));
		lo[WORK_SECRET_KGS] = v;
	}
}

/* A bit per secret that does not hold what it should: ours (mine) or the initial state. */
static uint64_t secrets_wrong(uint64_t have, uint64_t seed, bool mine, const uint64_t *lo,
			      const uint64_t *hi)
{
	uint64_t bad = 0;

	for (int i = 0; i < WORK_SECRET_NR; i++) {
		uint64_t s = secret_of(seed, i), want_lo = mine ? s : 0, want_hi = 0;
		uint64_t got_lo = lo[i], got_hi = hi[i];

		if (!(have & (1u << i)))
			continue;
		switch (i) {
		case WORK_SECRET_XMM:
		case WORK_SECRET_YMM:
			want_hi = want_lo;
			break;
		case WORK_SECRET_X87:
			want_hi = mine ? 0x3fff : 0;
			break;
		case WORK_SECRET_MXCSR:
			want_lo = mine ? SECRET_MXCSR : 0x1f80;
			break;
		case WORK_SECRET_PKRU:
			want_lo = mine ? SECRET_PKRU : 0;
			break;
		case WORK_SECRET_DR6:
			got_lo &= DR6_MASK;
			want_lo = mine ? SECRET_DR6 : 0;
			break;
		}
		if (got_lo != want_lo || got_hi != want_hi)
			bad |= 1u << i;
	}
	return bad;
}

static uint64_t apic_id(void)
{
	uint32_t a, b, c, d;

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	return b >> 24;
}

static int test_secrets(uint32_t vcpu, const struct rv_guest_boot *boot)
{
	struct work_ctrl *ctrl = (struct work_ctrl *)WORK_CTRL_GPA;
	struct work_secrets_report *rep = (struct work_secrets_report *)WORK_SECRETS_REPORT_GPA;
	uint64_t seed = boot->args[2], lo[WORK_SECRET_NR], hi[WORK_SECRET_NR], have, bad;

	if (vcpu != 0)
		return WORK_STATUS_OK;
	have = secrets_have();
	switch (boot->args[1]) {
	case WORK_SECRETS_LOOK:
		secrets_read(have, lo, hi);
		bad = secrets_wrong(have, seed, false, lo, hi);
		break;
	case WORK_SECRETS_PLANT:
	case WORK_SECRETS_KEEP:
		secrets_plant(have, seed);
		secrets_read(have, lo, hi);
		bad = secrets_wrong(have, seed, true, lo, hi);
		if (bad || boot->args[1] == WORK_SECRETS_PLANT)
			break;
		/* Exits (the console, kicks, the pause) and maybe a move; then look again. */
		gprintf("secrets: vCPU 0 planted %lx on APIC %lu\n", have, apic_id());
		store_release(&ctrl->writes[0], 1);
		while (!load_acquire(&ctrl->stop))
			cpu_relax();
		secrets_read(have, lo, hi);
		bad = secrets_wrong(have, seed, true, lo, hi);
		break;
	default:
		return WORK_STATUS_UNKNOWN_TEST;
	}
	rep->apic_id = apic_id();
	rep->have = have;
	rep->bad = bad;
	memcpy(rep->value, lo, sizeof(lo));
	gprintf("secrets: op %lu on APIC %lu: have %lx, wrong %lx\n", boot->args[1], rep->apic_id,
		have, bad);
	return bad ? (int)WORK_SECRETS_BAD(bad) : WORK_STATUS_OK;
}

/* Indexed by enum work_test. */
static const struct work_test_desc tests[] = {
	[WORK_TEST_HELLO] = { "hello", test_hello },
	[WORK_TEST_DIRTY] = { "dirty", test_dirty },
	[WORK_TEST_FAULT] = { "fault", test_fault },
	[WORK_TEST_PERF] = { "perf", test_perf },
	[WORK_TEST_MIGRATE] = { "migrate", test_migrate },
	[WORK_TEST_ISOLATION] = { "isolation", test_isolation },
	[WORK_TEST_FUZZ] = { "fuzz", test_fuzz },
	[WORK_TEST_BLOCK] = { "block", test_block },
	[WORK_TEST_EVENTS] = { "events", test_events },
	[WORK_TEST_SECRETS] = { "secrets", test_secrets },
};

int guest_main(uint32_t vcpu, struct rv_guest_boot *boot)
{
	uint64_t id = boot->args[0];
	int status;

	if (id >= sizeof(tests) / sizeof(tests[0]) || !tests[id].fn) {
		gprintf("work: unknown test %lu\n", id);
		return WORK_STATUS_UNKNOWN_TEST;
	}
	status = tests[id].fn(vcpu, boot);
	/* A test that returned 0 still fails if one of its EXPECTs did. */
	if (status == WORK_STATUS_OK && expect_failures_this_vcpu())
		status = WORK_STATUS_EXPECT;
	return status;
}
