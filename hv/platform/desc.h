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

#endif
