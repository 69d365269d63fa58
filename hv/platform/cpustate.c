// SPDX-License-Identifier: MIT
#include "platform/cpustate.h"
#include "lib/x86.h"
#ifndef RV_HOST_TEST
#include "platform/apic.h"
#include "platform/console.h"
#include "platform/panic.h"
#endif

const char *cpu_state_check(const struct cpu_state *s)
{
	if (s->cr0 & (CR0_CD | CR0_NW))
		return "CR0.CD or CR0.NW set: caches disabled";
	if ((s->cr0 & HV_CR0) != HV_CR0)
		return "CR0 lacks a bit of HV_CR0";
	if (!(s->cr4 & CR4_VMXE) || !(s->cr4 & CR4_PAE))
		return "CR4.VMXE or CR4.PAE clear";
	if (!(s->svr & APIC_SVR_ENABLE))
		return "local APIC software-disabled (SVR bit 8 clear)";
	if ((s->svr & 0xff) != APIC_SPURIOUS_VECTOR)
		return "local APIC spurious vector is not APIC_SPURIOUS_VECTOR";
	if (s->tpr != HV_APIC_TPR)
		return "local APIC task priority is not 0";
	/* The identity map uses PAT entry 0 (no PWT/PCD) and 3 (PWT|PCD, the
	 * 3-4 GiB hole): platform/paging.c. */
	if (pat_entry(s->pat, 0) != PAT_WB)
		return "IA32_PAT entry 0 is not write-back";
	if (pat_entry(s->pat, 3) != PAT_UC)
		return "IA32_PAT entry 3 is not uncacheable";
	if (s->has_mtrr && !(s->mtrr_def_type & MTRR_DEF_E))
		return "MTRRs disabled (IA32_MTRR_DEF_TYPE.E clear): all memory uncacheable";
	return NULL;
}

#ifndef RV_HOST_TEST
#define MSR_IA32_MTRR_DEF_TYPE 0x2ff

void cpu_self_check(void)
{
	u32 a, b, c, d;
	struct cpu_state s = {
	    .cr0 = read_cr0(),
	    .cr4 = read_cr4(),
	    .svr = apic_svr(),
	    .tpr = apic_tpr(),
	    .pat = rdmsr(MSR_IA32_PAT),
	};

	cpuid(1, 0, &a, &b, &c, &d);
	s.has_mtrr = d & BIT(12);
	if (s.has_mtrr)
		s.mtrr_def_type = rdmsr(MSR_IA32_MTRR_DEF_TYPE);
	hv_printf("self-check: cr0=%lx cr4=%lx svr=%x tpr=%x pat=%lx mtrr_def=%lx\n", s.cr0, s.cr4,
		  s.svr, s.tpr, s.pat, s.mtrr_def_type);
	const char *why = cpu_state_check(&s);
	if (why)
		panic("CPU state self-check: %s", why);
}
#endif
