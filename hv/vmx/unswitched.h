/* SPDX-License-Identifier: MIT */
/*
 * Inside hv/vmx/ only: the guest state that VM entry and exit leave alone
 * (unswitched.c).  docs/03-vmx.md, "What VMX switches and what we do".
 */
#ifndef RV_VMX_UNSWITCHED_H
#define RV_VMX_UNSWITCHED_H

#include "abi/hypercall.h"
#include "vmx/vmx.h"

/* This CPU: CR0/CR4 bits for x87/SSE/XSAVE, and XCR0; 0 or -RV_E*. */
int unswitched_cpu_init(void);
/* The vCPU's XSAVE page; 0 or -RV_ENOMEM. */
int unswitched_alloc(struct vmx_vcpu *v);
void unswitched_free(struct vmx_vcpu *v);
/* Put the vCPU's state (s, or the initial state if s is NULL) into this CPU's registers. */
void unswitched_load(struct vmx_vcpu *v, const struct rv_vcpu_state *s);
/* Copy this CPU's registers, which hold the loaded vCPU's state, into s. */
void unswitched_save(struct vmx_vcpu *v, struct rv_vcpu_state *s);
/* Leave nothing of the guest in this CPU's registers. */
void unswitched_scrub(void);
/* Would unswitched_load fault on s?  0 or -RV_EINVAL.  own_xcr0: s->xcr0
 * may be a guest's own (vmx_set_xcr0's rules), not only the host's. */
int unswitched_check(const struct rv_vcpu_state *s, bool own_xcr0);

#endif
