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
#define MSR_IA32_VMX_PROCBASED_CTLS 0x482
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP 0x48c
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e

#define FEATURE_CONTROL_LOCKED (1ull << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)

#define CPUID1_ECX_VMX (1u << 5)

struct cpucheck_msrs {
	uint64_t vmx_basic;
	uint64_t procbased;    /* the TRUE MSR if vmx_basic bit 55 says so */
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

#endif
