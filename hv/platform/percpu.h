/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU state.  Each CPU finds its own struct through GS base (gs:0
 * holds the pointer), which is also the VMCS host GS base, so it survives
 * VM exits.  A struct percpu is written only by its own CPU, except the
 * fields marked "cross-CPU", whose protocol is described next to them.
 */
#ifndef RV_PERCPU_H
#define RV_PERCPU_H

#include "abi/bootinfo.h"
#include "lib/types.h"

struct vcpu;

#define HV_STACK_SIZE (32 * 1024)

struct tss64 {
	u32 rsvd0;
	u64 rsp[3];
	u64 rsvd1;
	u64 ist[7];
	u64 rsvd2;
	u16 rsvd3;
	u16 iomap_base;
} __attribute__((packed));

struct percpu {
	struct percpu *self; /* must stay first: gs:0 */
	u32 id;              /* 0 = boot CPU */
	u32 apic_id;
	u64 stack_top;
	u64 vmxon_pa;
	u32 online;  /* cross-CPU: set by the CPU itself once it runs C code */
	u32 vmx_on;  /* cross-CPU: set by the CPU once VMXON succeeded */

	/*
	 * cross-CPU: the vCPU pinned to this CPU.  Written by the partition
	 * code (under partition_lock) and read by this CPU's run loop.
	 */
	struct vcpu *volatile vcpu;

	/*
	 * cross-CPU: EPT invalidation requests.  A requester increments
	 * flush_req and kicks; this CPU runs INVEPT (all contexts) and then
	 * stores flush_req's value into flush_done (release).  The requester
	 * waits until flush_done reaches the value it produced.
	 */
	u64 flush_req;
	u64 flush_done;

	/* Written by this CPU only, read by a panic on another: where it is. */
	u32 in_guest;     /* between VM entry and the exit handler's return */
	u32 last_exit;    /* basic reason of the last exit it handled */
	u64 loops;        /* run-loop iterations */
	u32 dump_req;     /* cross-CPU: a panicking CPU asks for a state dump (NMI) */

	u64 gdt[8];
	struct tss64 tss;
} __attribute__((aligned(64)));

/* Owned by smp.c: filled on the boot CPU before any AP starts. */
extern struct percpu cpus[RV_MAX_CPUS];
extern u32 nr_cpus;

#ifdef RV_HOST_TEST
u32 this_cpu_id(void);
#else
static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	asm volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}
static inline u32 this_cpu_id(void) { return this_cpu()->id; }
#endif

#endif
