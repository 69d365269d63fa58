// SPDX-License-Identifier: MIT
/*
 * The processor a Linux vCPU sees: CPUID (cpuid.c says what), XSETBV and
 * CR8, which in 64-bit mode is the local APIC's task priority (Vol. 3A,
 * 11.8.6, Task Priority in IA-32e Mode).
 */
#include "lib/x86.h"
#include "partition/partition.h"
#include "partition/vcpu.h"
#include "platform/tsc.h"
#include "vmx/vmx.h"
#include "vplat/cpuid.h"
#include "vplat/vplat.h"

static void host_cpuid(u32 leaf, u32 sub, struct cpuid_regs *r)
{
	cpuid(leaf, sub, &r->a, &r->b, &r->c, &r->d);
}

int vplat_cpuid(struct vcpu *v, const struct vmx_exit *e)
{
	struct guest_regs *r = &v->vmx.regs;
	struct vcpuid_ctx ctx = {
	    .apic_id = v->index,
	    .nr_vcpus = v->part->nr_vcpus,
	    .tsc_khz = tsc_khz(),
	    .guest_cr4 = vmx_guest_cr4(),
	};
	struct cpuid_regs out;

	vcpuid((u32)r->rax, (u32)r->rcx, &ctx, host_cpuid, &out);
	r->rax = out.a, r->rbx = out.b, r->rcx = out.c, r->rdx = out.d;
	vmx_skip_instruction(e);
	return 0;
}

int vplat_xsetbv(struct vcpu *v, const struct vmx_exit *e)
{
	struct guest_regs *r = &v->vmx.regs;

	if ((u32)r->rcx != 0 || vmx_set_xcr0((r->rdx << 32) | (u32)r->rax)) {
		vplat_refuse(v, e, 13);
		return 0;
	}
	vmx_skip_instruction(e);
	return 0;
}

/*
 * Control-register exits (Vol. 3C, 28.2.1, Table 28-3, Exit Qualification
 * for Control-Register Accesses): MOV to and from CR8 (CR8-load and
 * -store exiting), and a MOV to CR4 that would change VMXE (the CR4
 * guest/host mask): VMX is not offered, so #GP, as without it.
 */
int vplat_cr_access(struct vcpu *v, const struct vmx_exit *e)
{
	struct guest_regs *r = &v->vmx.regs;
	struct vlapic *l = &v->part->plat->vcpu[v->index].lapic;
	u32 cr = e->qual & 15, type = (e->qual >> 4) & 3, gpr = (e->qual >> 8) & 15;

	if (cr != 8 || type > 1) {
		vplat_refuse(v, e, 13);
		return 0;
	}
	if (type == 0) {
		u64 val = vmx_gpr(r, gpr);
		if (val >> 4) { /* reserved bits 63:4 (Vol. 3A, 2.5) */
			vplat_refuse(v, e, 13);
			return 0;
		}
		l->tpr = (u32)(val << 4);
	} else {
		vmx_set_gpr(r, gpr, l->tpr >> 4);
	}
	vmx_skip_instruction(e);
	return 0;
}
