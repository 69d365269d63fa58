// SPDX-License-Identifier: MIT
// links: hv/vplat/cpuid.c
/*
 * CPUID as a Linux partition sees it, over a fake host.  The fake host
 * sets every bit of every register of every leaf (0xffffffff), so each
 * bit the partition must not see shows up when it is not cleared, and
 * each expected value below is written out by hand from the rules in
 * hv/vplat/cpuid.c, not computed the way the code computes it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vplat/cpuid.h"

#define ONES 0xffffffffu

/* What the fake host answers. */
static struct {
	u32 max_basic, max_ext;
	u32 xsave_components; /* leaf 0xD sub-leaf 0 EAX */
	u32 calls;
} host;

static void fake_host(u32 leaf, u32 sub, struct cpuid_regs *r)
{
	host.calls++;
	r->a = r->b = r->c = r->d = ONES;
	if (leaf == 0) {
		r->a = host.max_basic;
		r->b = 0x756e6547; /* "Genu" */
		r->d = 0x49656e69; /* "ineI" */
		r->c = 0x6c65746e; /* "ntel" */
	} else if (leaf == 0x80000000) {
		r->a = host.max_ext;
	} else if (leaf == 4 && sub >= 4) {
		r->a = r->b = r->c = r->d = 0; /* four caches, then type 0 */
	} else if (leaf == 0xd && sub == 0) {
		r->a = host.xsave_components;
	}
}

static struct vcpuid_ctx ctx;

static int setup(void **state)
{
	host.max_basic = 0x20;
	host.max_ext = 0x80000020;
	host.xsave_components = ONES;
	ctx = (struct vcpuid_ctx){.apic_id = 2, .nr_vcpus = 4, .tsc_khz = 2112000};
	return 0;
}

static struct cpuid_regs q(u32 leaf, u32 sub)
{
	struct cpuid_regs r;

	memset(&r, 0x5a, sizeof(r));
	vcpuid(leaf, sub, &ctx, fake_host, &r);
	return r;
}

#define assert_regs(r, ea, eb, ec, ed)                                                             \
	do {                                                                                       \
		struct cpuid_regs r_ = (r);                                                        \
		if (r_.a != (ea) || r_.b != (eb) || r_.c != (ec) || r_.d != (ed))                  \
			fail_msg("%s: got %08x %08x %08x %08x, want %08x %08x %08x %08x", #r,      \
				 r_.a, r_.b, r_.c, r_.d, (u32)(ea), (u32)(eb), (u32)(ec),          \
				 (u32)(ed));                                                       \
	} while (0)
#define assert_zero(r) assert_regs(r, 0, 0, 0, 0)

static void test_max_basic_leaf(void **s)
{
	/* Capped at 0x16; the vendor string is the host's. */
	assert_regs(q(0, 0), 0x16, 0x756e6547, 0x6c65746e, 0x49656e69);
	host.max_basic = 0x16;
	assert_int_equal(q(0, 0).a, 0x16);
	host.max_basic = 0x15;
	assert_int_equal(q(0, 0).a, 0x15);
	assert_zero(q(0x16, 0));
	/* A host below 0x15 still gets 0x15 (the TSC leaf), and the leaves
	 * between its maximum and 0x15 are zeros, not its repeats. */
	host.max_basic = 0xd;
	assert_int_equal(q(0, 0).a, 0x15);
	assert_int_not_equal(q(0xd, 0).a, 0);
	assert_zero(q(0x14, 0));
	assert_int_not_equal(q(0x15, 0).b, 0);
	assert_zero(q(0x16, 0));
	host.max_basic = 6;
	assert_zero(q(7, 0));
	assert_zero(q(0xd, 0));
	assert_int_not_equal(q(4, 0).a, 0);
	host.max_basic = 3;
	assert_zero(q(4, 0));
	/* 0xB is made up, not the host's: there even when the host lacks it. */
	assert_regs(q(0xb, 0), 0, 1, 0x100, 2);
}

static void test_above_max_and_unknown_are_zero(void **s)
{
	/* The host has them all (max 0x20), the partition does not. */
	static const u32 leaves[] = {0x17, 0x18, 0x19, 0x1a, 0x1b,
				     0x1d, 0x1f, 0x20, 0x21, 0x3fffffff};
	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		assert_zero(q(leaves[i], 0));
		assert_zero(q(leaves[i], 1));
	}
	/* Outside the basic, hypervisor and extended ranges. */
	assert_zero(q(0x50000000, 0));
	assert_zero(q(0x7fffffff, 0));
	assert_zero(q(0x90000000, 0));
	assert_zero(q(0xc0000000, 0));
	assert_zero(q(0xffffffff, 0));
}

static void test_leaf1(void **s)
{
	/* EBX: APIC id 2 in 31:24, 4 logical processors in 23:16, host's
	 * 15:0.  ECX: all ones minus MONITOR(3) DS_CPL(4) VMX(5) SMX(6)
	 * EST(7) TM2(8) SDBG(11) PDCM(15) DCA(18) OSXSAVE(27, CR4.OSXSAVE
	 * clear) = 0xffffffff & ~0x080489f8.  EDX: minus MCE(7) MTRR(12)
	 * MCA(14) DS(21) ACPI(22) TM(29) PBE(31) = ~0xa0605080, HTT(28) on. */
	assert_regs(q(1, 0), ONES, 0x0204ffff, 0xf7fb7607, 0x5f9faf7f);
	/* CR4.OSXSAVE (bit 18) on: OSXSAVE on. */
	ctx.guest_cr4 = 1u << 18;
	assert_int_equal(q(1, 0).c, 0xfffb7607);
	/* CR4.PKE (bit 22) changes nothing in leaf 1. */
	ctx.guest_cr4 = 1u << 22;
	assert_int_equal(q(1, 0).c, 0xf7fb7607);
	/* One vCPU: no HTT, a count of 1. */
	ctx.nr_vcpus = 1;
	ctx.apic_id = 0;
	assert_regs(q(1, 0), ONES, 0x0001ffff, 0xf7fb7607, 0x4f9faf7f);
	ctx.nr_vcpus = 8;
	ctx.apic_id = 7;
	assert_int_equal(q(1, 0).b, 0x0708ffff);
}

/* A host with no feature at all: what leaf 1 sets on its own. */
static void zero_host(u32 leaf, u32 sub, struct cpuid_regs *r)
{
	memset(r, 0, sizeof(*r));
	if (leaf == 0)
		r->a = 0x16;
}

static void test_leaf1_sets(void **s)
{
	struct cpuid_regs r;

	/* x2APIC (21), TSC_DEADLINE (24), HYPERVISOR (31). */
	vcpuid(1, 0, &ctx, zero_host, &r);
	assert_regs(r, 0, 0x02040000, 0x81200000, 0x10000000);
	ctx.guest_cr4 = 1u << 18;
	vcpuid(1, 0, &ctx, zero_host, &r);
	assert_int_equal(r.c, 0x89200000);
}

static void test_leaf4(void **s)
{
	/* Four vCPUs: EAX[31:26] = 3, EAX[25:14] = 0, the rest the host's. */
	for (u32 sub = 0; sub < 4; sub++)
		assert_regs(q(4, sub), 0x0c003fff, ONES, ONES, ONES);
	/* The host's type-0 terminator stays all zeros. */
	assert_zero(q(4, 4));
	assert_zero(q(4, 9));
	ctx.nr_vcpus = 1;
	assert_int_equal(q(4, 0).a, 0x00003fff);
	ctx.nr_vcpus = 8;
	assert_int_equal(q(4, 0).a, 0x1c003fff);
}

static void test_leaf_b_topology(void **s)
{
	/* SMT level: shift 0, one thread, level 0 type 1; EDX the x2APIC id. */
	assert_regs(q(0xb, 0), 0, 1, 0x100, 2);
	/* Core level: 4 vCPUs need 2 bits; level 1 type 2. */
	assert_regs(q(0xb, 1), 2, 4, 0x201, 2);
	/* Past the last level: type 0, ECX[7:0] = the sub-leaf. */
	assert_regs(q(0xb, 2), 0, 0, 2, 2);
	assert_regs(q(0xb, 7), 0, 0, 7, 2);
	assert_regs(q(0xb, 0x1ff), 0, 0, 0xff, 2);

	static const u32 bits[][2] = {{1, 0}, {2, 1}, {3, 2}, {4, 2}, {5, 3}, {8, 3}, {9, 4}};
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		ctx.nr_vcpus = bits[i][0];
		ctx.apic_id = bits[i][0] - 1;
		assert_regs(q(0xb, 1), bits[i][1], bits[i][0], 0x201, bits[i][0] - 1);
	}
	/* 0x1F is above the maximum basic leaf (0x16): zeros, even though
	 * the host (max 0x20) has it. */
	assert_zero(q(0x1f, 0));
	assert_zero(q(0x1f, 1));
}

static void test_zero_leaves(void **s)
{
	/* 3 serial number, 5 MONITOR, 8, 9 DCA, 0xA PMU, 0xC, 0xE, 0xF,
	 * 0x10 RDT, 0x11, 0x12 SGX, 0x13, 0x14 PT, 0x16. */
	static const u32 leaves[] = { 3, 5, 8, 9, 0xa, 0xc, 0xe, 0xf, 0x10, 0x11, 0x12, 0x13, 0x14, 0x16 };
	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
		for (u32 sub = 0; sub < 3; sub++)
			assert_zero(q(leaves[i], sub));
	/* Leaf 6: ARAT only (the timer runs while halted), whatever the host says. */
	assert_regs(q(6, 0), 1u << 2, 0, 0, 0);
	/* Leaf 2 (descriptors) is the host's. */
	assert_regs(q(2, 0), ONES, ONES, ONES, ONES);
}

static void test_leaf7(void **s)
{
	/* EBX: FSGSBASE(0) BMI1(3) AVX2(5) SMEP(7) BMI2(8) ERMS(9)
	 * ADX(19) SMAP(20) CLFLUSHOPT(23) CLWB(24) SHA(29).
	 * Not INVPCID(10): its VMX control is not set.  EAX (max sub-leaf), ECX, EDX: 0. */
	assert_regs(q(7, 0), 0, 0x219803a9, 0, 0);
	/* OSPKE does not follow CR4.PKE: PKU is not offered at all. */
	ctx.guest_cr4 = (1u << 22) | (1u << 18);
	assert_regs(q(7, 0), 0, 0x219803a9, 0, 0);
	assert_zero(q(7, 1));
	assert_zero(q(7, 2));
}

static void test_leaf_d_xsave(void **s)
{
	/* x87 | SSE | AVX; 512 + 64 + 256 bytes. */
	assert_regs(q(0xd, 0), 7, 832, 832, 0);
	/* XSAVEOPT only. */
	assert_regs(q(0xd, 1), 1, 0, 0, 0);
	/* AVX: 256 bytes at 576. */
	assert_regs(q(0xd, 2), 256, 576, 0, 0);
	for (u32 sub = 3; sub < 64; sub++)
		assert_zero(q(0xd, sub));
	/* A host without AVX. */
	host.xsave_components = 3;
	assert_regs(q(0xd, 0), 3, 576, 576, 0);
	assert_regs(q(0xd, 1), 1, 0, 0, 0);
	assert_zero(q(0xd, 2));
	/* A host without XSAVE. */
	host.xsave_components = 0;
	assert_zero(q(0xd, 0));
	assert_zero(q(0xd, 1));
}

/*
 * What Linux 6.1 makes of leaf 0x15: native_calibrate_tsc()
 * (arch/x86/kernel/tsc.c), its arithmetic copied with its types
 * (unsigned int throughout), for an Intel CPU that is no Goldmont.
 */
static unsigned long linux_native_calibrate_tsc(unsigned int eax_denominator,
						unsigned int ebx_numerator, unsigned int ecx_hz,
						unsigned int *crystal_khz_out)
{
	unsigned int crystal_khz;

	if (ebx_numerator == 0 || eax_denominator == 0)
		return 0;
	crystal_khz = ecx_hz / 1000;
	/* (cpuid_level >= 0x16 fallback: leaf 0x16 is zeros, gives 0) */
	if (crystal_khz == 0)
		return 0;
	*crystal_khz_out = crystal_khz;
	return crystal_khz * ebx_numerator / eax_denominator;
}

static void test_leaf_15_tsc(void **s)
{
	/* The last two are beyond 2^32 Hz: 1000 * tsc_khz would overflow
	 * Linux's unsigned int with a 1 MHz crystal. */
	static const u64 khz[] = {1,	   999,	    1000,    24000,	   1000000,
				  2112000, 2712345, 3000000, 3999999,	   4294967,
				  4294968, 5000000, 5123457, 0xffffffffull};
	for (size_t i = 0; i < sizeof(khz) / sizeof(khz[0]); i++) {
		unsigned int crystal_khz = 0;

		ctx.tsc_khz = khz[i];
		struct cpuid_regs r = q(0x15, 0);
		assert_int_equal(r.d, 0);
		if (linux_native_calibrate_tsc(r.a, r.b, r.c, &crystal_khz) != khz[i])
			fail_msg("tsc_khz %llu: Linux computes %lu from %u %u %u",
				 (unsigned long long)khz[i],
				 linux_native_calibrate_tsc(r.a, r.b, r.c, &crystal_khz), r.a, r.b,
				 r.c);
		/* The SDM's reading agrees: TSC Hz = ECX * EBX / EAX. */
		assert_int_equal((u64)r.c * r.b / r.a, khz[i] * 1000);
		/* Up to 2^32 Hz the crystal is the TSC, so Linux's
		 * lapic_timer_period (crystal_khz * 1000 / HZ) matches an APIC
		 * timer that counts at the TSC's rate. */
		if (khz[i] <= 4294967)
			assert_int_equal(crystal_khz, khz[i]);
	}
	/* The form, for one value each side of 2^32 Hz. */
	ctx.tsc_khz = 3000000;
	assert_regs(q(0x15, 0), 1, 1, 3000000000u, 0);
	ctx.tsc_khz = 5000000;
	assert_regs(q(0x15, 0), 1, 5000000, 1000, 0);
	/* Unknown or unrepresentable: not enumerated. */
	ctx.tsc_khz = 0;
	assert_zero(q(0x15, 0));
	ctx.tsc_khz = 0x100000000ull;
	assert_zero(q(0x15, 0));
	/* The host's own leaf 0x15 (all ones here) plays no part. */
	ctx.tsc_khz = 2112000;
	assert_regs(q(0x15, 0), 1, 1, 2112000000u, 0);
}

static void test_extended(void **s)
{
	assert_regs(q(0x80000000, 0), 0x80000008, 0, 0, 0);
	/* ECX: LAHF(0) LZCNT(5) PREFETCHW(8); EDX: SYSCALL(11) XD(20)
	 * 1-GByte pages(26) LM(29); no RDTSCP(27). */
	assert_regs(q(0x80000001, 0), ONES, 0, 0x121, 0x24100800);
	for (u32 l = 0x80000002; l <= 0x80000004; l++)
		assert_regs(q(l, 0), ONES, ONES, ONES, ONES);
	assert_zero(q(0x80000005, 0));
	assert_regs(q(0x80000006, 0), ONES, ONES, ONES, ONES);
	/* Invariant TSC only. */
	assert_regs(q(0x80000007, 0), 0, 0, 0, 0x100);
	assert_regs(q(0x80000008, 0), ONES, 0, 0, 0);
	assert_zero(q(0x80000009, 0));
	assert_zero(q(0x8000001f, 0));
	assert_zero(q(0x8fffffff, 0));
	/* A host with fewer extended leaves keeps its maximum. */
	host.max_ext = 0x80000004;
	assert_regs(q(0x80000000, 0), 0x80000004, 0, 0, 0);
	assert_zero(q(0x80000006, 0));
	assert_zero(q(0x80000008, 0));
	assert_regs(q(0x80000004, 0), ONES, ONES, ONES, ONES);
}

static void test_hypervisor_leaves(void **s)
{
	struct cpuid_regs r = q(0x40000000, 0);
	char sig[12];

	/* Ringvisor's signature, as hv/exits/exits.c has returned it. */
	assert_regs(r, 0x40000001, 0x676e6952, 0x6f736976, 0x00565272);
	memcpy(sig, &r.b, 4);
	memcpy(sig + 4, &r.c, 4);
	memcpy(sig + 8, &r.d, 4);
	assert_memory_equal(sig, "RingvisorRV\0", 12);
	assert_zero(q(0x40000001, 0));

	r = q(0x40000100, 0);
	assert_int_equal(r.a, 0x40000101);
	memcpy(sig, &r.b, 4);
	memcpy(sig + 4, &r.c, 4);
	memcpy(sig + 8, &r.d, 4);
	assert_memory_equal(sig, "Jailhouse\0\0\0", 12);
	assert_zero(q(0x40000101, 0));

	static const u32 none[] = {0x40000002, 0x400000ff, 0x40000102, 0x40000200,
				   0x4000ff00, 0x40010000, 0x4fffffff};
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		assert_zero(q(none[i], 0));
	/* Nothing here is the host's. */
	host.calls = 0;
	q(0x40000100, 0);
	q(0x40000000, 0);
	assert_int_equal(host.calls, 0);
}

/* Linux 6.1's hypervisor_cpuid_base() (arch/x86/include/asm/processor.h). */
static u32 linux_hypervisor_cpuid_base(const char *sig, u32 leaves)
{
	for (u32 base = 0x40000000; base < 0x40010000; base += 0x100) {
		struct cpuid_regs r = q(base, 0);
		u32 signature[3] = {r.b, r.c, r.d};

		if (!memcmp(sig, signature, 12) && (leaves == 0 || ((r.a - base) >= leaves)))
			return base;
	}
	return 0;
}

static void test_linux_finds_jailhouse(void **s)
{
	/* jailhouse_cpuid_base() (arch/x86/kernel/jailhouse.c): a CPUID
	 * level, the HYPERVISOR bit, then the scan. */
	assert_true(q(0, 0).a >= 1);
	assert_true(q(1, 0).c & (1u << 31));
	assert_int_equal(linux_hypervisor_cpuid_base("Jailhouse\0\0\0", 0), 0x40000100);
	/* No other hypervisor Linux knows is claimed. */
	assert_int_equal(linux_hypervisor_cpuid_base("KVMKVMKVM\0\0\0", 0), 0);
	assert_int_equal(linux_hypervisor_cpuid_base("XenVMMXenVMM", 0), 0);
	assert_int_equal(linux_hypervisor_cpuid_base("ACRNACRNACRN", 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_max_basic_leaf, setup),
	    cmocka_unit_test_setup(test_above_max_and_unknown_are_zero, setup),
	    cmocka_unit_test_setup(test_leaf1, setup),
	    cmocka_unit_test_setup(test_leaf1_sets, setup),
	    cmocka_unit_test_setup(test_leaf4, setup),
	    cmocka_unit_test_setup(test_leaf_b_topology, setup),
	    cmocka_unit_test_setup(test_zero_leaves, setup),
	    cmocka_unit_test_setup(test_leaf7, setup),
	    cmocka_unit_test_setup(test_leaf_d_xsave, setup),
	    cmocka_unit_test_setup(test_leaf_15_tsc, setup),
	    cmocka_unit_test_setup(test_extended, setup),
	    cmocka_unit_test_setup(test_hypervisor_leaves, setup),
	    cmocka_unit_test_setup(test_linux_finds_jailhouse, setup),
	};
	return cmocka_run_group_tests_name("vcpuid", tests, NULL, NULL);
}
