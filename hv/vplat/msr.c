// SPDX-License-Identifier: MIT
/*
 * RDMSR and WRMSR of a Linux vCPU.  Every MSR access exits (no MSR
 * bitmap, Vol. 3C, 26.1.3, Instructions That Cause VM Exits
 * Conditionally); what is answered is an allow list, and anything else
 * gets #GP, as on a processor without that MSR (Vol. 2B, RDMSR: "#GP(0)
 * if ECX specifies a reserved or unimplemented MSR address").  Linux
 * probes such MSRs with the _safe accessors and goes on.
 *
 * The list, and why each entry is there:
 *   x2APIC 0x800-0x8ff, IA32_TSC_DEADLINE   the local APIC (lapic.c)
 *   EFER, FS/GS base, SYSENTER_*, DEBUGCTL  kept in the VMCS (vmx_plat.c)
 *   KERNEL_GS_BASE, STAR, LSTAR, CSTAR,     not switched by VMX: written
 *   SFMASK                                  to the processor, which the
 *                                           vCPU owns, and scrubbed when
 *                                           it leaves (vmx/unswitched.c)
 *   IA32_APIC_BASE     x2APIC on, at 0xfee00000, BSP flag on vCPU 0; fixed
 *   IA32_PAT           kept, not applied (no device memory to type)
 *   MISC_ENABLE        fast strings, no BTS/PEBS; fixed
 *   UCODE_REV, PLATFORM_ID   0 (Linux writes UCODE_REV before reading it)
 *   FEATURE_CONTROL    locked, VMX off
 *   TSC                read only
 * Features whose MSRs are not listed are hidden by CPUID (cpuid.c).
 */
#include "lib/x86.h"
#include "partition/partition.h"
#include "partition/vcpu.h"
#include "platform/console.h"
#include "vmx/vmx.h"
#include "vplat/vplat.h"

#define MSR_IA32_TSC 0x10
#define MSR_IA32_PLATFORM_ID 0x17
#define MSR_IA32_UCODE_REV 0x8b
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SFMASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102
#define APIC_BASE_BSP BIT(8)
#define APIC_BASE_EXTD BIT(10)
#define APIC_BASE_EN BIT(11)
#define MISC_ENABLE_VALUE (BIT(0) | BIT(11) | BIT(12))
#define MSR_REFUSALS_SHOWN 8

static u64 apic_base(struct vcpu *v)
{
	return 0xfee00000ull | APIC_BASE_EN | APIC_BASE_EXTD | (v->index ? 0 : APIC_BASE_BSP);
}

static int hw_msr(u32 msr)
{
	return msr == MSR_KERNEL_GS_BASE || msr == MSR_STAR || msr == MSR_LSTAR ||
	       msr == MSR_CSTAR || msr == MSR_SFMASK;
}

/*
 * What may reach the processor's own MSR: a WRMSR that faulted in the
 * hypervisor would be a panic.  Addresses must be canonical; SFMASK's
 * bits 63:32 and STAR's bits 31:0 are reserved (Vol. 3A, 5.8.8, Fast
 * System Calls in 64-Bit Mode, Figure 5-14), and Linux writes 0 there.
 */
static bool hw_msr_ok(u32 msr, u64 val)
{
	switch (msr) {
	case MSR_STAR:
		return (u32)val == 0;
	case MSR_SFMASK:
		return (val >> 32) == 0;
	default: /* LSTAR, CSTAR, KERNEL_GS_BASE */
		return x86_canonical(val);
	}
}

static int refuse(struct vcpu *v, const struct vmx_exit *e, const char *op, u32 msr)
{
	struct vplat_vcpu *pv = &v->part->plat->vcpu[v->index];

	if (pv->msr_refusals++ < MSR_REFUSALS_SHOWN)
		hv_printf("vCPU %u.%u: %s of MSR %x refused with #GP\n", v->part->id, v->index, op,
			  msr);
	vplat_refuse(v, e, 13);
	return 0;
}

int vplat_rdmsr(struct vcpu *v, const struct vmx_exit *e)
{
	struct guest_regs *r = &v->vmx.regs;
	struct vplat_vcpu *pv = &v->part->plat->vcpu[v->index];
	u32 msr = (u32)r->rcx;
	u64 val = 0;

	if ((msr >= 0x800 && msr <= 0x8ff) || msr == MSR_TSC_DEADLINE) {
		if (vlapic_rdmsr(&pv->lapic, msr, rdtsc(), &val))
			return refuse(v, e, "RDMSR", msr);
	} else if (vmx_guest_msr_read(msr, &val) == 0) {
	} else if (hw_msr(msr)) {
		val = rdmsr(msr);
	} else {
		switch (msr) {
		case MSR_IA32_APIC_BASE:
			val = apic_base(v);
			break;
		case MSR_IA32_PAT:
			val = pv->pat;
			break;
		case MSR_IA32_MISC_ENABLE:
			val = MISC_ENABLE_VALUE;
			break;
		case MSR_IA32_UCODE_REV:
		case MSR_IA32_PLATFORM_ID:
			val = 0;
			break;
		case MSR_IA32_FEATURE_CONTROL:
			val = BIT(0);
			break;
		case MSR_IA32_TSC:
			val = rdtsc();
			break;
		default:
			return refuse(v, e, "RDMSR", msr);
		}
	}
	r->rax = (u32)val;
	r->rdx = val >> 32;
	vmx_skip_instruction(e);
	return 0;
}

int vplat_wrmsr(struct vcpu *v, const struct vmx_exit *e)
{
	struct guest_regs *r = &v->vmx.regs;
	struct vplat_vcpu *pv = &v->part->plat->vcpu[v->index];
	u32 msr = (u32)r->rcx;
	u64 val = (r->rdx << 32) | (u32)r->rax;
	bool ok = true;

	if ((msr >= 0x800 && msr <= 0x8ff) || msr == MSR_TSC_DEADLINE) {
		struct vlapic_ipi ipi = {0};
		ok = !vlapic_wrmsr(&pv->lapic, msr, val, rdtsc(), &ipi);
		if (ok && ipi.valid)
			vplat_send_ipi(v, &ipi);
	} else {
		int g = vmx_guest_msr_write(msr, val);
		if (g == 0)
			ok = true;
		else if (g == -2)
			ok = false;
		else if (hw_msr(msr))
			ok = hw_msr_ok(msr, val);
		else if (msr == MSR_IA32_PAT)
			ok = x86_pat_ok(val);
		else if (msr == MSR_IA32_UCODE_REV)
			ok = true;
		else if (msr == MSR_IA32_APIC_BASE)
			ok = (val & ~(u64)APIC_BASE_BSP) == (apic_base(v) & ~(u64)APIC_BASE_BSP);
		else if (msr == MSR_IA32_MISC_ENABLE)
			ok = val == MISC_ENABLE_VALUE;
		else
			ok = false;
		if (ok && hw_msr(msr))
			wrmsr(msr, val);
		if (ok && msr == MSR_IA32_PAT)
			pv->pat = val;
	}
	if (!ok)
		return refuse(v, e, "WRMSR", msr);
	vmx_skip_instruction(e);
	return 0;
}
