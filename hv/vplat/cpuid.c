// SPDX-License-Identifier: MIT
/*
 * CPUID for a Linux partition (vplat/cpuid.h).  The rule throughout:
 * report a feature only if the partition really has it.  The host's bit
 * is not enough when the feature needs an MSR, a VM-exit handler or a
 * piece of platform that Ringvisor does not virtualize (performance
 * counters, machine checks, MTRRs, thermal control, speculation-control
 * MSRs, MONITOR/MWAIT, VMX itself), because Linux believes CPUID and
 * would then touch what is not there and take a #GP or worse.  The
 * topology is the partition's, not the machine's: nr_vcpus cores of one
 * thread each in one package.
 *
 * Leaves and bits: Vol. 2A, CPUID—CPU Identification (Table 3-8,
 * Information Returned by CPUID Instruction; Table 3-10 for leaf 1 ECX,
 * Table 3-11 for leaf 1 EDX).  Where Linux is the reason, the file of
 * Linux 6.1 that reads the leaf is named.
 */
#include "vplat/cpuid.h"
#include "lib/lib.h"

/* The highest basic leaf Linux is shown.  Leaf 0x15 (the TSC frequency)
 * is always made up here, so the maximum is at least 0x15; above 0x16
 * come leaves (0x17 SoC vendor, 0x18 TLBs, 0x19 Key Locker, 0x1a hybrid,
 * 0x1b PCONFIG, 0x1d/0x1e AMX, 0x1f V2 topology, 0x20 HRESET, ...) that
 * describe hardware this partition does not have. */
#define MIN_BASIC_LEAF 0x15u
#define MAX_BASIC_LEAF 0x16u
#define MAX_EXT_LEAF 0x80000008u

#define HV_RANGE_FIRST 0x40000000u
#define HV_RANGE_LAST 0x4fffffffu
#define EXT_RANGE_FIRST 0x80000000u
#define EXT_RANGE_LAST 0x8fffffffu

/*
 * The hypervisor leaves.  0x40000000 is Ringvisor's own (the signature
 * hv/exits/exits.c has always returned: "RingvisorRV\0" as EBX, ECX,
 * EDX), with no leaves of its own yet, so the maximum is 0x40000001.
 * 0x40000100 carries "Jailhouse\0\0\0": Linux's jailhouse_cpuid_base()
 * (arch/x86/kernel/jailhouse.c) calls hypervisor_cpuid_base()
 * (arch/x86/include/asm/processor.h), which looks at 0x40000000,
 * 0x40000100, ... 0x4000ff00 and memcmp()s 12 bytes of EBX, ECX, EDX
 * with the signature; with `leaves` 0 it does not look at EAX.  Being
 * found there is what makes Linux use its Jailhouse guest support
 * (platform from setup_data, no ACPI, x2APIC).  A second base keeps
 * 0x40000000 ours.
 */
#define RV_CPUID_BASE 0x40000000u
#define RV_SIG_EBX 0x676e6952u /* "Ring" */
#define RV_SIG_ECX 0x6f736976u /* "viso" */
#define RV_SIG_EDX 0x00565272u /* "rRV\0" */
#define JH_CPUID_BASE 0x40000100u
#define JH_SIG_EBX 0x6c69614au /* "Jail" */
#define JH_SIG_ECX 0x73756f68u /* "hous" */
#define JH_SIG_EDX 0x00000065u /* "e\0\0\0" */

/* Leaf 1 ECX (Table 3-10). */
#define L1C_MONITOR BIT(3)
#define L1C_DS_CPL BIT(4)
#define L1C_VMX BIT(5)
#define L1C_SMX BIT(6)
#define L1C_EST BIT(7)
#define L1C_TM2 BIT(8)
#define L1C_SDBG BIT(11)
#define L1C_PDCM BIT(15)
#define L1C_DCA BIT(18)
#define L1C_X2APIC BIT(21)
#define L1C_TSC_DEADLINE BIT(24)
#define L1C_OSXSAVE BIT(27)
#define L1C_HYPERVISOR BIT(31)
/* Leaf 1 EDX (Table 3-11). */
#define L1D_MCE BIT(7)
#define L1D_MTRR BIT(12)
#define L1D_MCA BIT(14)
#define L1D_DS BIT(21)
#define L1D_ACPI BIT(22)
#define L1D_HTT BIT(28)
#define L1D_TM BIT(29)
#define L1D_PBE BIT(31)

#define CR4_OSXSAVE BIT(18)

/*
 * Leaf 1 ECX bits that go: MONITOR (MONITOR and MWAIT exit, and Linux
 * would idle in MWAIT), DS-CPL, EST, TM2, SDBG, PDCM and DCA (each
 * promises MSRs that are not virtualized: debug store, SpeedStep,
 * thermal, silicon debug, IA32_PERF_CAPABILITIES, DCA), VMX (no nested
 * VMX) and SMX (no GETSEC); OSXSAVE is then set from the guest's CR4.
 */
#define L1C_CLEAR                                                                                  \
	(L1C_MONITOR | L1C_DS_CPL | L1C_VMX | L1C_SMX | L1C_EST | L1C_TM2 | L1C_SDBG | L1C_PDCM |  \
	 L1C_DCA | L1C_OSXSAVE)
/* Leaf 1 EDX bits that go: MCE and MCA (no machine-check MSRs or #MC),
 * MTRR (no MTRR MSRs; EPT sets the memory types), DS, ACPI (thermal
 * MSRs), TM, PBE; HTT is set below from the vCPU count. */
#define L1D_CLEAR (L1D_MCE | L1D_MTRR | L1D_MCA | L1D_DS | L1D_ACPI | L1D_HTT | L1D_TM | L1D_PBE)

/*
 * Leaf 7 sub-leaf 0 EBX (Table 3-8): the instructions and paging features
 * a guest may use without help.  FSGSBASE, BMI1, AVX2, SMEP, BMI2, ERMS,
 * ADX, SMAP, CLFLUSHOPT, CLWB and SHA execute in VMX non-root operation
 * without an exit that Ringvisor would have to handle.  INVPCID (10) is
 * not kept: it runs only with the "enable INVPCID" secondary control,
 * which Ringvisor does not set (without it the guest's INVPCID raises
 * #UD, Vol. 3C, 25.6.2, Processor-Based VM-Execution Controls, Table
 * 25-7), and Linux would use it to flush TLBs as soon as this bit said it
 * may; without it Linux flushes with MOV to CR3 and INVLPG.  Not
 * kept: TSC_ADJUST (1, an MSR), SGX (2), HLE and RTM (4, 11, TSX), PQM
 * and PQE (12, 15, resource-director MSRs), MPX (14, BNDCFGS state),
 * AVX-512 (16, 17, 21, 26-28, 30, 31: state not in the XSAVE leaf below),
 * PT (25, its MSRs) and the rest.
 */
#define L7B_KEEP                                                                                   \
	(BIT(0) | BIT(3) | BIT(5) | BIT(7) | BIT(8) | BIT(9) | BIT(19) | BIT(20) | BIT(23) |       \
	 BIT(24) | BIT(29))

/* Leaf 0x80000001 (Table 3-8): ECX LAHF/SAHF (0), LZCNT (5), PREFETCHW
 * (8); EDX SYSCALL (11), XD (20), 1-GByte pages (26), Intel 64 (29).
 * RDTSCP (27) goes: IA32_TSC_AUX is not virtualized, and without the
 * "enable RDTSCP" secondary control (not set) RDTSCP raises #UD. */
#define L81C_KEEP (BIT(0) | BIT(5) | BIT(8))
#define L81D_KEEP (BIT(11) | BIT(20) | BIT(26) | BIT(29))
/* Leaf 0x80000007 EDX bit 8: invariant TSC.  It stays: the TSC is the
 * host's, unscaled and without offset changes, so it is as invariant
 * as the host's. */
#define L87D_INVARIANT_TSC BIT(8)

/* XSAVE components (Vol. 1, 13.1, XSAVE-Supported Features and
 * State-Component Bitmaps): x87 (0), SSE (1), AVX (2).  Only these:
 * the others (MPX, AVX-512, PT, PKRU, AMX, ...) need state or MSRs that
 * are not offered.  Sizes from Vol. 1, 13.4, XSAVE Area: the legacy
 * region is 512 bytes, the XSAVE header 64, and AVX's 256 bytes of
 * YMM_Hi128 follow at offset 576 in the standard format. */
#define XFEATURE_X87 BIT(0)
#define XFEATURE_SSE BIT(1)
#define XFEATURE_AVX BIT(2)
#define XSAVE_LEGACY_AND_HEADER 576u
#define XSAVE_AVX_SIZE 256u
#define XSAVE_AVX_OFFSET 576u
/* Leaf 0xD sub-leaf 1 EAX: XSAVEOPT only.  XSAVEC (1) and XSAVES (3)
 * write the compacted format and XSAVES needs IA32_XSS; XGETBV with
 * ECX = 1 (2) would show XINUSE of the host's components. */
#define LDS1A_KEEP BIT(0)

static void zero(struct cpuid_regs *r)
{
	memset(r, 0, sizeof(*r));
}

/* Bits needed to number n things: the smallest s with 2^s >= n. */
static u32 id_bits(u32 n)
{
	u32 s = 0;

	while (s < 32 && (1ull << s) < n)
		s++;
	return s;
}

static void leaf1(const struct vcpuid_ctx *ctx, const struct cpuid_regs *h, struct cpuid_regs *out)
{
	/* EAX: family, model, stepping are the host's. */
	out->a = h->a;
	/* EBX: brand index and CLFLUSH line size (15:0) are the host's;
	 * 23:16 the number of logical processor IDs in the package, 31:24
	 * the initial APIC ID: the partition's. */
	out->b = (h->b & 0xffffu) | (ctx->nr_vcpus & 0xffu) << 16 | (ctx->apic_id & 0xffu) << 24;
	/* x2APIC and the TSC-deadline timer are what vplat/lapic.h models
	 * (Linux's Jailhouse support wants x2APIC); HYPERVISOR because it
	 * is true, and Linux's hypervisor detection starts there.  OSXSAVE
	 * reflects the guest's CR4.OSXSAVE, not the host's (Table 3-10). */
	out->c = (h->c & ~(u32)L1C_CLEAR) | (u32)(L1C_X2APIC | L1C_TSC_DEADLINE | L1C_HYPERVISOR);
	if (ctx->guest_cr4 & CR4_OSXSAVE)
		out->c |= (u32)L1C_OSXSAVE;
	/* HTT says EBX[23:16] is valid, i.e. more than one logical
	 * processor in the package. */
	out->d = h->d & ~(u32)L1D_CLEAR;
	if (ctx->nr_vcpus > 1)
		out->d |= (u32)L1D_HTT;
}

/* Leaf 4, deterministic cache parameters: the host's caches (sizes,
 * ways, line size are true), but each vCPU is a core of its own that
 * shares no cache with another thread: EAX[25:14] (logical processors
 * sharing the cache, minus 1) = 0, EAX[31:26] (core IDs in the package,
 * minus 1) = nr_vcpus - 1. */
static void leaf4(const struct vcpuid_ctx *ctx, const struct cpuid_regs *h, struct cpuid_regs *out)
{
	/* Cache type 0 in EAX[4:0]: no more caches; the rest is 0. */
	if ((h->a & 0x1f) == 0)
		return;
	*out = *h;
	out->a = (h->a & 0x3fffu) | ((ctx->nr_vcpus - 1) & 0x3fu) << 26;
}

/* Leaf 0xB, extended topology: level 0 SMT with one thread per core,
 * level 1 cores, numbered by the x2APIC ID = vCPU index; EDX is the
 * x2APIC ID at every sub-leaf (Table 3-8, and Vol. 3A, 9.9.1,
 * Hierarchical Mapping of Shared Resources). */
static void leaf_b(u32 sub, const struct vcpuid_ctx *ctx, struct cpuid_regs *out)
{
	out->c = sub & 0xffu; /* the level number, even past the last */
	out->d = ctx->apic_id;
	if (sub == 0) {
		out->a = 0; /* shift to the next level: one thread, no bits */
		out->b = 1;
		out->c |= 1u << 8; /* level type SMT */
	} else if (sub == 1) {
		out->a = id_bits(ctx->nr_vcpus);
		out->b = ctx->nr_vcpus;
		out->c |= 2u << 8; /* level type core */
	}
	/* sub >= 2: level type 0 (invalid), EAX = EBX = 0. */
}

/* Leaf 0xD, XSAVE: x87, SSE and, if the host has it, AVX. */
static void leaf_d(u32 sub, host_cpuid_fn host, struct cpuid_regs *out)
{
	struct cpuid_regs h0;
	u32 size;

	host(0xd, 0, &h0);
	/* x87 and SSE are always in XCR0 where XSAVE exists; without them
	 * there is no XSAVE to describe. */
	if ((h0.a & (XFEATURE_X87 | XFEATURE_SSE)) != (XFEATURE_X87 | XFEATURE_SSE))
		return;
	size = XSAVE_LEGACY_AND_HEADER + (h0.a & XFEATURE_AVX ? XSAVE_AVX_SIZE : 0);
	switch (sub) {
	case 0:
		/* EAX/EDX: the XCR0 bits a guest may set.  EBX is "the size
		 * for the features enabled in XCR0", which depends on the
		 * guest's XCR0; the size for all offered features is never
		 * too small, and is exact for the XCR0 Linux sets (all of
		 * EAX).  ECX: the size for all of them. */
		out->a = h0.a & (u32)(XFEATURE_X87 | XFEATURE_SSE | XFEATURE_AVX);
		out->b = size;
		out->c = size;
		break;
	case 1: {
		struct cpuid_regs h1;

		host(0xd, 1, &h1);
		out->a = h1.a & (u32)LDS1A_KEEP;
		break;
	}
	case 2:
		/* AVX: size and offset in the standard format; ECX 0 (an
		 * XCR0 component, not aligned in the compacted format). */
		if (h0.a & XFEATURE_AVX) {
			out->a = XSAVE_AVX_SIZE;
			out->b = XSAVE_AVX_OFFSET;
		}
		break;
	}
}

/*
 * Leaf 0x15, TSC and core crystal clock: TSC Hz = ECX * EBX / EAX.
 * Linux computes it in 32-bit arithmetic (native_calibrate_tsc(),
 * arch/x86/kernel/tsc.c): crystal_khz = ECX / 1000, then
 * tsc_khz = crystal_khz * EBX / EAX, all unsigned int.  So the product
 * crystal_khz * EBX must stay below 2^32 and ECX must be a multiple of
 * 1000, or Linux's tsc_khz is not ours:
 *   - TSC <= 4294967295 Hz: the crystal is the TSC itself (EAX = EBX = 1,
 *     ECX = tsc_khz * 1000).  Linux also sets lapic_timer_period from
 *     the crystal, assuming the local APIC counts at the crystal's rate,
 *     and vplat/lapic.h's timer counts at the TSC's rate: both true.
 *   - faster: a 1 kHz crystal (ECX = 1000, crystal_khz = 1), EAX = 1,
 *     EBX = tsc_khz.  Still exact; a 1 MHz crystal with EBX = tsc_khz
 *     and EAX = 1000 would overflow 1000 * tsc_khz above 4.29 GHz.
 * No known frequency (0) or one that does not fit 32 bits: all zeros,
 * which says "not enumerated" (EBX = 0) and Linux calibrates instead.
 * Under Jailhouse, Linux takes tsc_khz from setup_data; this leaf is
 * for everything that does not.
 */
static void leaf_15(const struct vcpuid_ctx *ctx, struct cpuid_regs *out)
{
	u64 khz = ctx->tsc_khz;

	if (khz == 0 || khz > 0xffffffffull)
		return;
	out->a = 1;
	if (khz * 1000 <= 0xffffffffull) {
		out->b = 1;
		out->c = (u32)(khz * 1000);
	} else {
		out->b = (u32)khz;
		out->c = 1000;
	}
}

static void basic(u32 leaf, u32 sub, const struct vcpuid_ctx *ctx, host_cpuid_fn host,
		  struct cpuid_regs *out)
{
	struct cpuid_regs h0, h;
	u32 host_max, max;

	host(0, 0, &h0);
	host_max = h0.a;
	max = MIN(MAX(host_max, MIN_BASIC_LEAF), MAX_BASIC_LEAF);
	/* Above the maximum a processor returns "the data for the highest
	 * basic information leaf" (Vol. 2A, CPUID—CPU Identification);
	 * Linux never asks there, and zeros promise nothing. */
	if (leaf > max)
		return;

	switch (leaf) {
	case 0:
		/* The vendor string is the host's: Linux's Intel-specific
		 * paths (e.g. native_calibrate_tsc()) look for it. */
		*out = h0;
		out->a = max;
		return;
	case 0xb:
		leaf_b(sub, ctx, out);
		return;
	case 0x15:
		leaf_15(ctx, out);
		return;
	case 6:
		/*
		 * Only ARAT (EAX bit 2): the APIC timer keeps running while the
		 * vCPU halts, which is true of ours (lapic.c, on the TSC).
		 * Without it Linux marks the timer C3STOP, finds no broadcast
		 * device (no PIT, no HPET) and never goes tickless or high
		 * resolution (kernel/time/tick-common.c).  Power management
		 * itself is not offered.
		 */
		out->a = BIT(2);
		return;
	case 1:
	case 2:
	case 4:
	case 7:
	case 0xd:
		break;
	default:
		/* 3 (serial number), 5 (MONITOR/MWAIT), 8, 9 (DCA), 0xA (performance monitoring: no
		 * PMU), 0xC, 0xE, 0xF (RDT monitoring), 0x10 (RDT
		 * allocation), 0x11, 0x12 (SGX), 0x13, 0x14 (Processor
		 * Trace), 0x16 (frequencies that would be the host's, not
		 * a promise): nothing of it is virtualized. */
		return;
	}

	/* The leaves built on the host's answer: one the host lacks (its
	 * maximum is below 0x15) gets nothing, not the host's repeat of
	 * its highest leaf. */
	if (leaf > host_max)
		return;
	host(leaf, sub, &h);
	switch (leaf) {
	case 1:
		leaf1(ctx, &h, out);
		break;
	case 2:
		/* TLB/cache descriptors: true, and only informational. */
		*out = h;
		break;
	case 4:
		leaf4(ctx, &h, out);
		break;
	case 7:
		/* Sub-leaf 0 only: EAX (the highest sub-leaf) = 0.  ECX goes
		 * whole: PKU/OSPKE (PKRU is not in the XSAVE leaf), LA57
		 * (five-level paging is not offered), WAITPKG (UMWAIT and
		 * TPAUSE), RDPID (IA32_TSC_AUX, #UD without "enable RDTSCP"),
		 * the AVX-512 bits and the others.  EDX goes
		 * whole: its speculation-control and capability bits (IBRS,
		 * STIBP, SSBD, ARCH_CAPABILITIES, MD_CLEAR, ...) promise
		 * MSRs that are not virtualized. */
		if (sub == 0)
			out->b = h.b & (u32)L7B_KEEP;
		break;
	case 0xd:
		leaf_d(sub, host, out);
		break;
	}
}

static void extended(u32 leaf, host_cpuid_fn host, struct cpuid_regs *out)
{
	struct cpuid_regs h;
	u32 max;

	host(EXT_RANGE_FIRST, 0, &h);
	/* Up to 0x80000008 (address sizes); what comes after is
	 * AMD-defined or reserved on Intel. */
	max = MIN(h.a, MAX_EXT_LEAF);
	if (h.a < EXT_RANGE_FIRST || leaf > max)
		return;
	if (leaf == EXT_RANGE_FIRST) {
		out->a = max; /* EBX..EDX reserved on Intel */
		return;
	}
	host(leaf, 0, &h);
	switch (leaf) {
	case 0x80000001:
		out->a = h.a; /* extended signature */
		out->c = h.c & (u32)L81C_KEEP;
		out->d = h.d & (u32)L81D_KEEP;
		break;
	case 0x80000002:
	case 0x80000003:
	case 0x80000004:
		*out = h; /* the brand string */
		break;
	case 0x80000006:
		*out = h; /* L2 cache: line size, associativity, size */
		break;
	case 0x80000007:
		out->d = h.d & (u32)L87D_INVARIANT_TSC;
		break;
	case 0x80000008:
		/* Physical and linear address sizes; EBX (WBNOINVD and
		 * AMD-defined bits) and ECX, EDX (reserved) are not. */
		out->a = h.a;
		break;
	}
	/* 0x80000005: reserved on Intel, zeros. */
}

static void hypervisor(u32 leaf, struct cpuid_regs *out)
{
	switch (leaf) {
	case RV_CPUID_BASE:
		out->a = RV_CPUID_BASE + 1;
		out->b = RV_SIG_EBX;
		out->c = RV_SIG_ECX;
		out->d = RV_SIG_EDX;
		break;
	case JH_CPUID_BASE:
		/* 0x40000101 would hold Jailhouse's feature bits
		 * (JAILHOUSE_CPUID_FEATURES); there are none. */
		out->a = JH_CPUID_BASE + 1;
		out->b = JH_SIG_EBX;
		out->c = JH_SIG_ECX;
		out->d = JH_SIG_EDX;
		break;
	}
	/* Every other hypervisor leaf, 0x40000001 and 0x40000101 among
	 * them, is zeros: no other signature, no feature leaves. */
}

void vcpuid(u32 leaf, u32 sub, const struct vcpuid_ctx *ctx, host_cpuid_fn host,
	    struct cpuid_regs *out)
{
	zero(out);
	if (leaf < HV_RANGE_FIRST)
		basic(leaf, sub, ctx, host, out);
	else if (leaf <= HV_RANGE_LAST)
		hypervisor(leaf, out);
	else if (leaf >= EXT_RANGE_FIRST && leaf <= EXT_RANGE_LAST)
		extended(leaf, host, out);
	/* Other ranges (0x50000000.., 0xc0000000.. and so on): zeros. */
}
