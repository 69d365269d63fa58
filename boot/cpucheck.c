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
#define PROC2_VMFUNC ALLOWED1(13)
#define CAP_WALK4 BIT(6)
#define CAP_WB BIT(14)
#define CAP_2M BIT(16)
#define CAP_1G BIT(17)
#define CAP_INVEPT BIT(20)
#define CAP_EPT_AD BIT(21)
#define CAP_INVEPT_ALL BIT(26)

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

uint32_t cpucheck_ctls_msr(enum cpucheck_ctls which, uint64_t vmx_basic)
{
	static const uint32_t msr[CTLS_NR][2] = {
		[CTLS_PIN] = { MSR_IA32_VMX_PINBASED_CTLS, MSR_IA32_VMX_TRUE_PINBASED_CTLS },
		[CTLS_PROC] = { MSR_IA32_VMX_PROCBASED_CTLS, MSR_IA32_VMX_TRUE_PROCBASED_CTLS },
		[CTLS_PROC2] = { MSR_IA32_VMX_PROCBASED_CTLS2, MSR_IA32_VMX_PROCBASED_CTLS2 },
		[CTLS_EXIT] = { MSR_IA32_VMX_EXIT_CTLS, MSR_IA32_VMX_TRUE_EXIT_CTLS },
		[CTLS_ENTRY] = { MSR_IA32_VMX_ENTRY_CTLS, MSR_IA32_VMX_TRUE_ENTRY_CTLS },
	};

	return msr[which][!!(vmx_basic & VMX_BASIC_TRUE_CTLS)];
}

static const char *const ctls_msr_name[CTLS_NR][2] = {
	[CTLS_PIN] = { "IA32_VMX_PINBASED_CTLS", "IA32_VMX_TRUE_PINBASED_CTLS" },
	[CTLS_PROC] = { "IA32_VMX_PROCBASED_CTLS", "IA32_VMX_TRUE_PROCBASED_CTLS" },
	[CTLS_PROC2] = { "IA32_VMX_PROCBASED_CTLS2", "IA32_VMX_PROCBASED_CTLS2" },
	[CTLS_EXIT] = { "IA32_VMX_EXIT_CTLS", "IA32_VMX_TRUE_EXIT_CTLS" },
	[CTLS_ENTRY] = { "IA32_VMX_ENTRY_CTLS", "IA32_VMX_TRUE_ENTRY_CTLS" },
};

/*
 * Every control hv/vmx/vmx.c's setup_controls always sets (Vol. 3C, 25.6
 * to 25.8).  A control the CPU does not allow to be 1 would make the
 * hypervisor stop at its first VMCS set-up: refused here instead, before
 * anything starts.  PML and the VMX-preemption timer are optional (the
 * hypervisor probes them; a missing one makes that mode -RV_EOPNOTSUPP).
 */
static const struct control {
	enum cpucheck_ctls ctls;
	uint8_t bit;
	const char *what;
} controls[] = {
	{ CTLS_PIN, 0, "external-interrupt exiting" },
	{ CTLS_PIN, 3, "NMI exiting" },
	{ CTLS_PROC, 7, "HLT exiting" },
	{ CTLS_PROC, 10, "MWAIT exiting" },
	{ CTLS_PROC, 11, "RDPMC exiting" },
	{ CTLS_PROC, 19, "CR8-load exiting" },
	{ CTLS_PROC, 20, "CR8-store exiting" },
	{ CTLS_PROC, 24, "unconditional I/O exiting" },
	{ CTLS_PROC, 29, "MONITOR exiting" },
	{ CTLS_PROC2, 1, "enable EPT" },
	{ CTLS_PROC2, 5, "enable VPID" },
	{ CTLS_PROC2, 6, "WBINVD exiting" },
	{ CTLS_PROC2, 7, "unrestricted guest" },
	{ CTLS_EXIT, 2, "save debug controls" },
	{ CTLS_EXIT, 9, "host address-space size" },
	{ CTLS_EXIT, 15, "acknowledge interrupt on exit" },
	{ CTLS_EXIT, 20, "save IA32_EFER" },
	{ CTLS_EXIT, 21, "load IA32_EFER" },
	{ CTLS_ENTRY, 2, "load debug controls" },
	{ CTLS_ENTRY, 9, "IA-32e mode guest" },
	{ CTLS_ENTRY, 15, "load IA32_EFER" },
};

static const char *const ctls_kind[CTLS_NR] = {
	[CTLS_PIN] = "pin-based VM-execution control",
	[CTLS_PROC] = "processor-based VM-execution control",
	[CTLS_PROC2] = "secondary processor-based VM-execution control",
	[CTLS_EXIT] = "VM-exit control",
	[CTLS_ENTRY] = "VM-entry control",
};

uint32_t cpucheck_required(enum cpucheck_ctls which)
{
	uint32_t mask = which == CTLS_PROC ? 1u << 31 : 0; /* secondary controls */
	unsigned int i;

	for (i = 0; i < RV_ARRAY_SIZE(controls); i++)
		if (controls[i].ctls == which)
			mask |= 1u << controls[i].bit;
	return mask;
}

/*
 * What the hypervisor uses of IA32_VMX_EPT_VPID_CAP (Vol. 3D, A.10): the
 * EPTP it writes asks for a 4-level walk and write-back paging structures
 * (hv/ept/ept.c, ept_eptp), and it invalidates with all-context INVEPT
 * only (hv/vmx/vmx.c, vmx_invept_all).  Single-context INVEPT and INVVPID
 * are never executed: with EPT on, a VPID's translations are combined
 * mappings, which all-context INVEPT drops too (Vol. 3C, 29.4.3.1,
 * Operations that Invalidate Cached Mappings).
 */
static const struct {
	uint64_t bit;
	const char *what;
} ept_needs[] = {
	{ CAP_WALK4, "EPT 4-level page walks are not supported "
		     "(IA32_VMX_EPT_VPID_CAP bit 6)" },
	{ CAP_WB, "write-back EPT paging structures are not supported "
		  "(IA32_VMX_EPT_VPID_CAP bit 14)" },
	{ CAP_INVEPT, "INVEPT is not supported (IA32_VMX_EPT_VPID_CAP bit 20)" },
	{ CAP_INVEPT_ALL, "all-context INVEPT is not supported "
			  "(IA32_VMX_EPT_VPID_CAP bit 26)" },
};

static uint64_t ctls_value(const struct cpucheck_msrs *m, enum cpucheck_ctls which)
{
	switch (which) {
	case CTLS_PIN:
		return m->pinbased;
	case CTLS_PROC:
		return m->procbased;
	case CTLS_PROC2:
		return m->procbased2;
	case CTLS_EXIT:
		return m->exit;
	default:
		return m->entry;
	}
}

unsigned int cpucheck_caps(const struct cpucheck_msrs *m,
			   void (*missing)(void *ctx, const char *msg),
			   void *ctx)
{
	int true_ctls = !!(m->vmx_basic & VMX_BASIC_TRUE_CTLS);
	char buf[320];
	unsigned int i, n = 0;

	if (!cpucheck_has_procbased2(m->procbased)) {
		rv_snprintf(buf, sizeof(buf), "secondary VM-execution controls "
			    "are not available (%s bit 63), so neither are EPT "
			    "and VPID: Ringvisor needs them; use a VT-x CPU that "
			    "has them, or " BOCHS_HINT,
			    ctls_msr_name[CTLS_PROC][true_ctls]);
		missing(ctx, buf);
		return 1;
	}
	/* Vol. 3D, A.3-A.5: a control may be 1 if its allowed-1 bit is set. */
	for (i = 0; i < RV_ARRAY_SIZE(controls); i++) {
		const struct control *c = &controls[i];

		if (ctls_value(m, c->ctls) & ALLOWED1(c->bit))
			continue;
		rv_snprintf(buf, sizeof(buf), "the %s \"%s\" is not available "
			    "(control bit %u, %s bit %u): " NEED_HINT, ctls_kind[c->ctls],
			    c->what, c->bit, ctls_msr_name[c->ctls][true_ctls], 32u + c->bit);
		missing(ctx, buf);
		n++;
	}
	/* Without EPT its capabilities mean nothing: said once above. */
	if (!(m->procbased2 & PROC2_EPT))
		return n;
	for (i = 0; i < RV_ARRAY_SIZE(ept_needs); i++) {
		if (m->ept_vpid_cap & ept_needs[i].bit)
			continue;
		rv_snprintf(buf, sizeof(buf), "%s: " NEED_HINT, ept_needs[i].what);
		missing(ctx, buf);
		n++;
	}
	return n;
}

unsigned int cpucheck_cap_msrs(const struct cpucheck_msrs *m, uint32_t *msrs)
{
	unsigned int n = 0;
	uint32_t msr;

	/* IA32_VMX_BASIC to IA32_VMX_VMCS_ENUM exist with VMX (A.1-A.9). */
	for (msr = MSR_IA32_VMX_BASIC; msr <= 0x48a; msr++)
		msrs[n++] = msr;
	if (cpucheck_has_procbased2(m->procbased))
		msrs[n++] = MSR_IA32_VMX_PROCBASED_CTLS2;
	if (cpucheck_has_ept_vpid_cap(m->procbased2))
		msrs[n++] = MSR_IA32_VMX_EPT_VPID_CAP;
	if (m->vmx_basic & VMX_BASIC_TRUE_CTLS) /* A.1: bit 55 */
		for (msr = MSR_IA32_VMX_TRUE_PINBASED_CTLS; msr <= MSR_IA32_VMX_TRUE_ENTRY_CTLS; msr++)
			msrs[n++] = msr;
	if (m->procbased2 & PROC2_VMFUNC) /* A.11, VM Functions */
		msrs[n++] = MSR_IA32_VMX_VMFUNC;
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
