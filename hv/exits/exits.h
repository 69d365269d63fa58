/* SPDX-License-Identifier: MIT */
/*
 * Exit handlers, one per entry of hv/vmx/exit_reasons.def.  The run loop
 * (run.c) enters the guest through hv/vmx/, gets the exit decoded into a
 * struct vmx_exit and calls the handler the table names for its basic
 * reason.  Handlers live with what they handle: hypercalls in
 * hypercall.c, EPT violations and PML-full exits in eptfault.c, the rest
 * in exits.c.  None of them touches the VMCS except through hv/vmx/'s
 * accessors.
 */
#ifndef RV_EXITS_H
#define RV_EXITS_H

#include "vmx/vmx.h"

struct vcpu;

/*
 * What a handler expects next.  The run loop does not need to be told:
 * it re-checks the vCPU's state and requests before every entry
 * (partition/vcpu.c:vcpu_ready), so a handler that stops its vCPU does so
 * through that state, and this value is for the reader (and the debugger).
 */
enum exit_action {
	EXIT_RESUME = 0, /* enter the guest again */
	EXIT_STOP = 1,	 /* the vCPU's state changed; the run loop sees it */
};

typedef enum exit_action (*exit_handler_t)(struct vcpu *v, const struct vmx_exit *e);

#define X(nr, name, fn) enum exit_action fn(struct vcpu *v, const struct vmx_exit *e);
#include "vmx/exit_reasons.def"
#undef X
enum exit_action exit_unexpected(struct vcpu *v, const struct vmx_exit *e);

/* The per-CPU loop: never returns. */
void cpu_run_loop(void) __attribute__((noreturn));
/* Print this CPU's current vCPU and exit (the panic dump hook). */
void run_dump_current(void);

#endif
