/* SPDX-License-Identifier: MIT */
/*
 * What every guest program gets: the hypercall ABI, the lib's headers, and
 * the program's life cycle.
 *
 * entry.asm's _start calls guest_start(vcpu, boot) on every vCPU at once;
 * guest_start checks the boot block and calls the program's
 * guest_main(vcpu, boot).  When guest_main returns, a workload vCPU reports
 * RV_HC_VCPU_DONE(status) and the management program RV_HC_SHUTDOWN(status).
 *
 * No vCPU zeroes .bss: partition RAM comes zeroed from the hypervisor and
 * the image is copied into it, so .bss (which is not in the flat binary)
 * is already zero on entry, before any vCPU runs.  Doing it here would race
 * with vCPUs that already started using it.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hypercall.h"
#include "arch.h"
#include "console.h"
#include "expect.h"
#include "hc.h"
#include "str.h"

/* RV_HC_VCPU_DONE status of a workload vCPU whose GUEST_ASSERT failed. */
#define GUEST_STATUS_ASSERT 134 /* like a shell's 128 + SIGABRT */
/* ...and of one whose boot block was unusable. */
#define GUEST_STATUS_BAD_BOOT 135

/* Provided by each program. */
int guest_main(uint32_t vcpu, struct rv_guest_boot *boot);

/* The boot block: at a fixed address in every partition. */
static inline struct rv_guest_boot *guest_boot(void)
{
	return (struct rv_guest_boot *)(uintptr_t)RV_GPA_BOOT;
}

/*
 * This vCPU's index, from where its stack is: the hypervisor gives vCPU i
 * the RV_STACK_SIZE bytes below RV_GPA_STACKS_TOP - i * RV_STACK_SIZE.
 * Guests have no per-CPU segment; this needs none.
 */
static inline uint32_t guest_vcpu(void)
{
	uintptr_t sp;

	asm("mov %%rsp, %0" : "=r"(sp));
	return (uint32_t)((RV_GPA_STACKS_TOP - 1 - sp) / RV_STACK_SIZE);
}

/* Called by _start only. */
__attribute__((noreturn)) void guest_start(uint32_t vcpu, struct rv_guest_boot *boot);

/*
 * Stop this vCPU for good after its last hypercall: spin (HLT would be a
 * VM exit the hypervisor may treat as a fault).
 */
__attribute__((noreturn)) void guest_park(void);

/*
 * Give up: a workload vCPU reports done with GUEST_STATUS_ASSERT; the
 * management program prints "RESULT <scenario> FAIL reason=assert" for
 * the scenario named by guest_set_scenario() and shuts down with status 1.
 */
__attribute__((noreturn)) void guest_abort(void);
void guest_set_scenario(const char *name);

#endif
