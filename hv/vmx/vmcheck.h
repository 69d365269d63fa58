/* SPDX-License-Identifier: MIT */
/*
 * The VMCS checker: the VM-entry checks of Vol. 3C, 27.2, Checks on VMX
 * Controls and Host-State Area, and 27.3.1, Checks on the Guest State
 * Area, done in software on a snapshot of the VMCS, so that a failed check
 * gets a name, its SDM section and the values involved instead of a bare
 * VM-instruction error number or exit reason 33.
 *
 * Pure: it works on a struct vmcs_image and nothing else (host unit tests
 * link it alone).  hv/vmx/vmx.c fills the image with VMREADs in test
 * builds, at the set-up points only (never on the exit path), and when an
 * entry has failed.
 *
 * It covers the checks that depend on values Ringvisor writes and the
 * guest-state checks a RV_HC_VCPU_SET_STATE caller controls; docs/03-vmx.md
 * lists what it leaves out.
 */
#ifndef RV_VMCHECK_H
#define RV_VMCHECK_H

#include "lib/types.h"

/* A capability MSR of a control: allowed-0 settings in 31:0, allowed-1 in 63:32. */
struct vmcheck_caps {
	u64 pin, proc, proc2, exit, entry; /* the TRUE MSRs where the CPU has them */
	u64 basic, misc;		   /* IA32_VMX_BASIC, IA32_VMX_MISC */
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u64 ept_vpid;	 /* IA32_VMX_EPT_VPID_CAP */
	u8 maxphyaddr;	 /* CPUID.80000008H:EAX[7:0] */
	u8 linear_width; /* CPUID.80000008H:EAX[15:8]: canonical means bits 63:width-1 equal */
};

struct vmcheck_seg {
	u16 sel;
	u32 limit, ar; /* ar in the VMCS format: bit 16 = unusable */
	u64 base;
};

enum vmcheck_seg_idx { VC_ES, VC_CS, VC_SS, VC_DS, VC_FS, VC_GS, VC_LDTR, VC_TR, VC_NR_SEGS };

struct vmcs_image {
	struct vmcheck_caps caps;
	u64 cpu_efer; /* the logical processor's IA32_EFER at entry (27.2.4) */
	/* VM-execution, VM-exit and VM-entry control fields */
	u32 pin, proc, proc2, exit, entry;
	u32 cr3_target_count;
	u64 io_bitmap_a, io_bitmap_b, msr_bitmap;
	u16 vpid;
	u64 eptp, pml_address;
	u32 exit_msr_store_count, exit_msr_load_count, entry_msr_load_count;
	u64 exit_msr_store_addr, exit_msr_load_addr, entry_msr_load_addr;
	u32 entry_intr_info, entry_exception_error, entry_instr_len;
	/* Host-state area */
	u64 host_cr0, host_cr3, host_cr4;
	u16 host_sel[VC_NR_SEGS]; /* ES..GS and TR (the LDTR slot is unused) */
	u64 host_fs_base, host_gs_base, host_tr_base, host_gdtr_base, host_idtr_base;
	u64 host_sysenter_esp, host_sysenter_eip, host_rip;
	u64 host_efer, host_pat;
	/* Guest-state area */
	u64 guest_cr0, guest_cr3, guest_cr4, guest_dr7, guest_debugctl;
	u64 guest_sysenter_esp, guest_sysenter_eip, guest_efer, guest_pat;
	struct vmcheck_seg seg[VC_NR_SEGS];
	u64 gdtr_base, idtr_base;
	u32 gdtr_limit, idtr_limit;
	u64 rip, rflags;
	u32 activity, interruptibility;
	u64 pending_dbg, link_pointer;
	u64 pdpte[4]; /* read only when the guest uses PAE paging under EPT */
};

/* Which part of the VMCS a check is about: who is to blame for a failure. */
enum vmcheck_area {
	VMCHECK_CONTROLS, /* 27.2.1: Ringvisor's own */
	VMCHECK_HOST,	  /* 27.2.2-27.2.4: Ringvisor's own */
	VMCHECK_GUEST,	  /* 27.3.1: Ringvisor's or a VCPU_SET_STATE caller's */
};

#define VMCHECK_MAX_VALUES 3

/* One failed check: where the SDM states it, its name, and the values it looked at. */
struct vmcheck_fail {
	enum vmcheck_area area;
	const char *sdm;  /* "Vol. 3C, 27.3.1.2, Checks on Guest Segment Registers" */
	const char *name; /* short and unique: "guest-cs-type" */
	u32 nr_values;
	const char *value_name[VMCHECK_MAX_VALUES];
	u64 value[VMCHECK_MAX_VALUES];
};

/*
 * Run every check on m.  The failures found are stored in fails[], in the
 * order the SDM lists the checks, up to max of them; the return value is
 * how many checks failed in all (0: the image passes).
 */
u32 vmcheck(const struct vmcs_image *m, struct vmcheck_fail *fails, u32 max);

#endif
