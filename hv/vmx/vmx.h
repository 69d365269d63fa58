/* SPDX-License-Identifier: MIT */
/* VMX operation: VMXON, VMCS set-up, VM entry and exit dispatch. */
#ifndef RV_VMX_H
#define RV_VMX_H

#include "types.h"
#include "exits.h"
#include "vmx/vmcs.h"

struct vcpu;
struct rv_vcpu_state;

/* Enter VMX operation on this CPU; 0 or a negative error (printed). */
int vmx_cpu_init(void);
/* Make v's VMCS current on this CPU and fill it in (first time only). */
void vmx_vcpu_load(struct vcpu *v);
/* VMCLEAR v's VMCS (before it is freed or moved). */
void vmx_vcpu_unload(struct vcpu *v);
/* Enter the guest once and dispatch the exit that ends it. */
enum exit_action vmx_run(struct vcpu *v);

u64 vmx_read(enum vmcs_field f);
void vmx_write(enum vmcs_field f, u64 v);
void vmx_advance_rip(struct vcpu *v);
/* Guest state out of / into the current VMCS (migration). */
void vmx_save_state(struct vcpu *v, struct rv_vcpu_state *s);
void vmx_load_state(struct vcpu *v, const struct rv_vcpu_state *s);
void vmx_invept_all(void);
/* Can this processor run the watchdog (a VMX-preemption timer)? */
bool vmx_has_preemption_timer(void);
const char *vmx_exit_name(u32 reason);
/* Print the current exit and guest registers (panic path); no-op outside. */
void vmx_dump_current(void);
/* Print the guest-state fields that VM entry checks. */
void vmx_dump_guest_state(void);
const char *vmx_insn_error_str(u32 err);

#endif
