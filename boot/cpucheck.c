// SPDX-License-Identifier: MIT
/*
 * VMX capability checks.  The capability MSRs report, for each VM-execution
 * control, whether it may be 1 in the high dword ("allowed-1 settings"):
 * Vol. 3D, A.3.2, Primary Processor-Based VM-Execution Controls and A.3.3,
 * Secondary Processor-Based VM-Execution Controls.  EPT and VPID features
 * are in Vol. 3D, A.10, VPID and EPT Capabilities; IA32_VMX_BASIC bit 55 in
 * A.1, Basic VMX Information.
 */
#include "cpucheck.h"
#include "util.h"

#define BIT(n) (1ull << (n))

/* Controls are in the high dword of the capability MSR. */
#define ALLOWED1(ctl_bit) BIT(32 + (ctl_bit))

#define VMX_BASIC_TRUE_CTLS BIT(55)
#define PROC_MTF ALLOWED1(27)
#define PROC_SECONDARY ALLOWED1(31)
#define PROC2_EPT ALLOWED1(1)
#define PROC2_VPID ALLOWED1(5)
#define PROC2_UNRESTRICTED ALLOWED1(7)
#define PROC2_VMCS_SHADOW ALLOWED1(14)
#define PROC2_PML ALLOWED1(17)
#define PROC2_EPT_VE ALLOWED1(18)
#define CAP_WALK4 BIT(6)
#define CAP_WB BIT(14)
#define CAP_2M BIT(16)
#define CAP_1G BIT(17)
#define CAP_INVEPT BIT(20)
#define CAP_EPT_AD BIT(21)
#define CAP_INVEPT_SINGLE BIT(25)
#define CAP_INVEPT_ALL BIT(26)
#define CAP_INVVPID BIT(32)

#define BOCHS_HINT "run under Bochs (tools/hvrun --backend bochs)"
#define NEED_HINT "Ringvisor needs it; use a VT-x CPU that has it, or " BOCHS_HINT

const char *cpucheck_vmx(uint32_t cpuid1_ecx)
{
	if (cpuid1_ecx & CPUID1_ECX_VMX)
		return NULL;
	return "VMX is not available: under QEMU use -enable-kvm -cpu host on "
	       "an Intel host with kvm_intel nested=1, or " BOCHS_HINT;
}

/* Vol. 3C, 24.7, Enabling and Entering VMX Operation. */
enum cpucheck_fc cpucheck_feature_control(uint64_t fc, const char **msg)
{
	*msg = NULL;
	if (!(fc & FEATURE_CONTROL_LOCKED))
		return FC_UNLOCKED;
	if (fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)
		return FC_READY;
	*msg = "VMX is disabled by firmware (IA32_FEATURE_CONTROL locked "
	       "without VMX): enable VT-x in firmware setup";
	return FC_DISABLED;
}

uint32_t cpucheck_procbased_msr(uint64_t vmx_basic)
{
	return vmx_basic & VMX_BASIC_TRUE_CTLS ?
		       MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
		       MSR_IA32_VMX_PROCBASED_CTLS;
}

int cpucheck_has_procbased2(uint64_t procbased)
{
	return !!(procbased & PROC_SECONDARY);
}

/* The MSR exists if either feature may be enabled (Vol. 3D, A.10). */
int cpucheck_has_ept_vpid_cap(uint64_t procbased2)
{
	return !!(procbased2 & (PROC2_EPT | PROC2_VPID));
}

struct need {
	int msr; /* 2: procbased2, 3: ept_vpid_cap */
	uint64_t bit;
	const char *what;
};

static const struct need needs[] = {
	{ 2, PROC2_EPT, "EPT is not available (IA32_VMX_PROCBASED_CTLS2 bit 1)" },
	{ 2, PROC2_VPID, "VPID is not available (IA32_VMX_PROCBASED_CTLS2 bit 5)" },
	{ 2, PROC2_UNRESTRICTED, "unrestricted guest is not available "
				 "(IA32_VMX_PROCBASED_CTLS2 bit 7)" },
	{ 3, CAP_WALK4, "EPT 4-level page walks are not supported "
			"(IA32_VMX_EPT_VPID_CAP bit 6)" },
	{ 3, CAP_WB, "write-back EPT paging structures are not supported "
		     "(IA32_VMX_EPT_VPID_CAP bit 14)" },
	{ 3, CAP_INVEPT, "INVEPT is not supported (IA32_VMX_EPT_VPID_CAP bit 20)" },
	{ 3, CAP_INVEPT_SINGLE, "single-context INVEPT is not supported "
				"(IA32_VMX_EPT_VPID_CAP bit 25)" },
	{ 3, CAP_INVEPT_ALL, "all-context INVEPT is not supported "
			     "(IA32_VMX_EPT_VPID_CAP bit 26)" },
	{ 3, CAP_INVVPID, "INVVPID is not supported (IA32_VMX_EPT_VPID_CAP bit 32)" },
};

unsigned int cpucheck_caps(const struct cpucheck_msrs *m,
			   void (*missing)(void *ctx, const char *msg),
			   void *ctx)
{
	char buf[320];
	unsigned int i, n = 0;

	if (!cpucheck_has_procbased2(m->procbased)) {
		rv_snprintf(buf, sizeof(buf), "secondary VM-execution controls "
			    "are not available (%s bit 63), so neither are EPT "
			    "and VPID: Ringvisor needs them; use a VT-x CPU that "
			    "has them, or " BOCHS_HINT,
			    m->vmx_basic & VMX_BASIC_TRUE_CTLS ?
				    "IA32_VMX_TRUE_PROCBASED_CTLS" :
				    "IA32_VMX_PROCBASED_CTLS");
		missing(ctx, buf);
		return 1;
	}
	for (i = 0; i < RV_ARRAY_SIZE(needs); i++) {
		const struct need *nd = &needs[i];
		uint64_t v = nd->msr == 2 ? m->procbased2 : m->ept_vpid_cap;

		/* Without EPT (VPID) its capabilities mean nothing: say it once. */
		if (nd->msr == 3 && nd->bit != CAP_INVVPID &&
		    !(m->procbased2 & PROC2_EPT))
			continue;
		if (nd->bit == CAP_INVVPID && !(m->procbased2 & PROC2_VPID))
			continue;
		if (v & nd->bit)
			continue;
		rv_snprintf(buf, sizeof(buf), "%s: " NEED_HINT, nd->what);
		missing(ctx, buf);
		n++;
	}
	return n;
}

static const char *yes_no(uint64_t v, uint64_t bit)
{
	return v & bit ? "yes" : "no";
}

void cpucheck_summary(const struct cpucheck_msrs *m, char *buf, size_t len)
{
	rv_snprintf(buf, len, "VMX: VMCS revision 0x%x, TRUE controls %s, "
		    "PML %s (CTLS2 bit 17), EPT A/D %s (EPT_VPID_CAP bit 21), "
		    "2 MiB/1 GiB EPT pages %s/%s, VMCS shadowing %s, #VE %s, "
		    "monitor trap flag %s",
		    (unsigned int)(m->vmx_basic & 0x7fffffff),
		    yes_no(m->vmx_basic, VMX_BASIC_TRUE_CTLS),
		    yes_no(m->procbased2, PROC2_PML),
		    yes_no(m->ept_vpid_cap, CAP_EPT_AD), yes_no(m->ept_vpid_cap, CAP_2M),
		    yes_no(m->ept_vpid_cap, CAP_1G),
		    yes_no(m->procbased2, PROC2_VMCS_SHADOW),
		    yes_no(m->procbased2, PROC2_EPT_VE), yes_no(m->procbased, PROC_MTF));
}
