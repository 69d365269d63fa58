/* SPDX-License-Identifier: MIT */
/*
 * Exit handlers, one per entry of hv/vmx/exit_reasons.def.  hv/vmx/ calls
 * them through the table and knows nothing else about them; each lives
 * with the subsystem it belongs to (hypercalls in hypercall.c, EPT
 * violations in eptfault.c, the rest in exits.c).
 */
#ifndef RV_EXITS_H
#define RV_EXITS_H

struct vcpu;

/*
 * What a handler expects next.  The run loop does not need to be told:
 * it re-checks the vCPU's state and requests before every entry
 * (vcpu.c:vcpu_ready), so a handler that stops its vCPU does so through
 * that state, and this value is for the reader (and the debugger).
 */
enum exit_action {
	EXIT_RESUME = 0, /* enter the guest again */
	EXIT_STOP = 1,   /* the vCPU's state changed; the run loop sees it */
};

typedef enum exit_action (*exit_handler_t)(struct vcpu *v);

#define X(nr, name, fn) enum exit_action fn(struct vcpu *v);
#include "vmx/exit_reasons.def"
#undef X
enum exit_action exit_unexpected(struct vcpu *v);

#endif
