/* SPDX-License-Identifier: MIT */
/*
 * What Ringvisor needs from VT-x, decided from raw CPUID and MSR values;
 * pure, host-tested.  boot/cpu.c reads the values (in an order that never
 * touches an MSR the CPU does not have) and acts on the verdicts.
 */
#ifndef RV_BOOT_CPUCHECK_H
#define RV_BOOT_CPUCHECK_H

#include <stddef.h>
#include <stdint.h>

#define MSR_IA32_FEATURE_CONTROL 0x3a
#define MSR_IA32_VMX_BASIC 0x480
#define MSR_IA32_VMX_PINBASED_CTLS 0x481
#define MSR_IA32_VMX_PROCBASED_CTLS 0x482
#define MSR_IA32_VMX_EXIT_CTLS 0x483
#define MSR_IA32_VMX_ENTRY_CTLS 0x484
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP 0x48c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS 0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS 0x490
#define MSR_IA32_VMX_VMFUNC 0x491

#define FEATURE_CONTROL_LOCKED (1ull << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)

#define CPUID1_ECX_VMX (1u << 5)

struct cpucheck_msrs {
	uint64_t vmx_basic;
	/* pinbased, procbased, exit, entry: the TRUE MSRs if vmx_basic bit 55 */
	uint64_t pinbased;
	uint64_t procbased;
	uint64_t exit;
	uint64_t entry;
	uint64_t procbased2;   /* 0 if procbased does not allow it */
	uint64_t ept_vpid_cap; /* 0 if neither EPT nor VPID is allowed */
};

/* NULL if CPUID.1:ECX says VMX is there, else the message to print. */
const char *cpucheck_vmx(uint32_t cpuid1_ecx);

enum cpucheck_fc {
	FC_READY,    /* locked with VMX outside SMX enabled */
	FC_UNLOCKED, /* we must set bits 0 and 2 before VMXON */
	FC_DISABLED, /* locked without VMX: only firmware setup can help */
};
enum cpucheck_fc cpucheck_feature_control(uint64_t fc, const char **msg);

/* IA32_VMX_TRUE_PROCBASED_CTLS if IA32_VMX_BASIC bit 55, else the old one. */
uint32_t cpucheck_procbased_msr(uint64_t vmx_basic);

/* The control fields whose capability MSRs cpucheck_caps() reads. */
enum cpucheck_ctls {
	CTLS_PIN,
	CTLS_PROC,
	CTLS_PROC2,
	CTLS_EXIT,
	CTLS_ENTRY,
	CTLS_NR
};
/* The capability MSR of that field (TRUE one if IA32_VMX_BASIC bit 55). */
uint32_t cpucheck_ctls_msr(enum cpucheck_ctls which, uint64_t vmx_basic);
/*
 * The controls of that field the hypervisor always sets (hv/vmx/vmx.c,
 * setup_controls); they must be allowed-1.  Equal to vmcs.h's
 * VMX_*_REQUIRED (tests/unit/test_cpucheck.c checks it).
 */
uint32_t cpucheck_required(enum cpucheck_ctls which);
/* Whether IA32_VMX_PROCBASED_CTLS2 / IA32_VMX_EPT_VPID_CAP may be read. */
int cpucheck_has_procbased2(uint64_t procbased);
int cpucheck_has_ept_vpid_cap(uint64_t procbased2);

/*
 * Calls missing(ctx, message) once for each capability Ringvisor needs and
 * the CPU lacks; returns how many that was (0: all there).
 */
unsigned int cpucheck_caps(const struct cpucheck_msrs *m,
			   void (*missing)(void *ctx, const char *msg),
			   void *ctx);

/* One line on what was found, including optional features (PML, EPT A/D). */
void cpucheck_summary(const struct cpucheck_msrs *m, char *buf, size_t len);

/*
 * The VMX capability MSRs that exist on a CPU with these values (Vol. 3D,
 * Appendix A): each is readable without #GP.  Fills msrs[] (at most
 * CPUCHECK_MAX_CAP_MSRS) and returns how many.
 */
#define CPUCHECK_MAX_CAP_MSRS 18
unsigned int cpucheck_cap_msrs(const struct cpucheck_msrs *m, uint32_t *msrs);

#endif
