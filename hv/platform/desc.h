/* SPDX-License-Identifier: MIT */
/* The hypervisor's own GDT, TSS and IDT (one GDT/TSS per CPU, one IDT). */
#ifndef RV_DESC_H
#define RV_DESC_H

#include "platform/percpu.h"

#define HV_CS 0x08
#define HV_DS 0x10
#define HV_TSS 0x18
#define KICK_VECTOR 0xf0 /* IPI that forces a CPU out of guest mode */

void desc_init_cpu(struct percpu *c); /* builds and loads GDT, TSS, IDT */
u64 desc_idt_base(void);

/*
 * Execute an IRET to ourselves.  An NMI that causes a VM exit leaves NMIs
 * blocked in the host until the next IRET, as if the host had taken it
 * (the reason KVM runs its NMI handler after such an exit): the next kick
 * NMI would wait forever, since the hypervisor never takes an interrupt.
 * This IRET ends that blocking (Vol. 3A, 6.7.1, Handling Multiple NMIs).
 */
static inline void desc_unblock_nmi(void)
{
	asm volatile("mov %%rsp, %%rax\n\t"
		     "pushq %0\n\t"   /* SS */
		     "pushq %%rax\n\t" /* RSP */
		     "pushfq\n\t"
		     "pushq %1\n\t"   /* CS */
		     "lea 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "iretq\n"
		     "1:"
		     :
		     : "i"(HV_DS), "i"(HV_CS)
		     : "rax", "memory", "cc");
}

#endif
