// SPDX-License-Identifier: MIT
/*
 * Explaining failed VM entries.  A VMfail leaves a number in the
 * VM-instruction error field (Vol. 3C, 31.4, VM Instruction Error
 * Numbers); a VM entry that fails its guest-state checks exits with basic
 * reason 33 instead (Vol. 3C, 27.8, VM-Entry Failures During or After
 * Loading Guest State).  Both get printed in words here, and in test builds
 * with the VMCS checker's verdict (vmcheck.h): which check of Vol. 3C,
 * 27.2 or 27.3.1 the VMCS fails, with the values involved.
 */
#include "platform/console.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

static const char *const insn_errors[] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "invalid operand to INVEPT/INVVPID",
};

const char *vmx_insn_error_str(u32 err)
{
	if (err < sizeof(insn_errors) / sizeof(insn_errors[0]) && insn_errors[err])
		return insn_errors[err];
	return "unknown VM-instruction error";
}

const char *vmx_dump_guest_state(void)
{
	static const struct {
		const char *name;
		enum vmcs_field sel, base, limit, ar;
	} segs[] = {
		{ "cs", GUEST_CS_SEL, GUEST_CS_BASE, GUEST_CS_LIMIT, GUEST_CS_AR },
		{ "ss", GUEST_SS_SEL, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR },
		{ "ds", GUEST_DS_SEL, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR },
		{ "es", GUEST_ES_SEL, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR },
		{ "tr", GUEST_TR_SEL, GUEST_TR_BASE, GUEST_TR_LIMIT, GUEST_TR_AR },
		{ "ldtr", GUEST_LDTR_SEL, GUEST_LDTR_BASE, GUEST_LDTR_LIMIT, GUEST_LDTR_AR },
	};

	hv_printf("guest state: cr0=%lx cr3=%lx cr4=%lx efer=%lx dr7=%lx\n", vmx_read(GUEST_CR0),
		  vmx_read(GUEST_CR3), vmx_read(GUEST_CR4), vmx_read(GUEST_IA32_EFER),
		  vmx_read(GUEST_DR7));
	hv_printf("guest state: rip=%lx rsp=%lx rflags=%lx activity=%lu interruptibility=%lx\n",
		  vmx_read(GUEST_RIP), vmx_read(GUEST_RSP), vmx_read(GUEST_RFLAGS),
		  vmx_read(GUEST_ACTIVITY_STATE), vmx_read(GUEST_INTERRUPTIBILITY));
	for (unsigned i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
		hv_printf("guest state: %s sel=%lx base=%lx limit=%lx ar=%lx\n", segs[i].name,
			  vmx_read(segs[i].sel), vmx_read(segs[i].base), vmx_read(segs[i].limit),
			  vmx_read(segs[i].ar));
	hv_printf("guest state: gdtr=%lx/%lx idtr=%lx/%lx link=%lx\n", vmx_read(GUEST_GDTR_BASE),
		  vmx_read(GUEST_GDTR_LIMIT), vmx_read(GUEST_IDTR_BASE), vmx_read(GUEST_IDTR_LIMIT),
		  vmx_read(VMCS_LINK_POINTER));
	hv_printf("controls: pin=%lx proc=%lx proc2=%lx exit=%lx entry=%lx eptp=%lx\n",
		  vmx_read(PIN_BASED_CONTROLS), vmx_read(PROC_BASED_CONTROLS),
		  vmx_read(PROC_BASED_CONTROLS2), vmx_read(EXIT_CONTROLS), vmx_read(ENTRY_CONTROLS),
		  vmx_read(EPT_POINTER));
#if RV_ASSERTS
	const char *first;
	if (!vmx_check_current(&first))
		hv_printf("vmcheck: the VMCS passes every check of the checker (docs/03-vmx.md "
			  "lists what it leaves out)\n");
	return first;
#else
	return "";
#endif
}
