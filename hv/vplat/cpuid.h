/* SPDX-License-Identifier: MIT */
/*
 * CPUID as a Linux partition sees it: the host's answer filtered to what
 * the partition virtualizes (Vol. 2A, CPUID, Table 3-8), topology made up
 * of its own vCPUs, the TSC frequency in leaf 0x15, and two hypervisor
 * leaves: Ringvisor's signature at 0x40000000 and, at 0x40000100, the
 * "Jailhouse" signature that makes upstream Linux use its Jailhouse guest
 * support (arch/x86/kernel/jailhouse.c, found by hypervisor_cpuid_base(),
 * which scans 0x40000000-0x4000ff00 in steps of 0x100).  Pure:
 * host-tested in tests/unit/test_vcpuid.c.
 */
#ifndef RV_VPLAT_CPUID_H
#define RV_VPLAT_CPUID_H

#include "lib/types.h"

struct cpuid_regs {
	u32 a, b, c, d;
};

struct vcpuid_ctx {
	u32 apic_id;   /* this vCPU's x2APIC id (its index) */
	u32 nr_vcpus;
	u64 tsc_khz;
	u64 guest_cr4; /* for OSXSAVE (bit 18) and OSPKE (bit 22) */
};

/* The host's CPUID(leaf, sub), as the caller read it. */
typedef void (*host_cpuid_fn)(u32 leaf, u32 sub, struct cpuid_regs *r);

/* What the guest gets for CPUID(leaf, sub). */
void vcpuid(u32 leaf, u32 sub, const struct vcpuid_ctx *ctx, host_cpuid_fn host,
	    struct cpuid_regs *out);

#endif
