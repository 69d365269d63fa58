/* SPDX-License-Identifier: MIT */
/* Local APIC: xAPIC (MMIO) or x2APIC (MSRs), whichever firmware left on. */
#ifndef RV_APIC_H
#define RV_APIC_H

#include "lib/types.h"

void apic_init(u64 mmio_base);  /* boot CPU, once; includes apic_cpu_init */
void apic_cpu_init(void);       /* every CPU: enable, TPR 0, mask LINT0/1 and timer */
void pic_mask_all(void);        /* once */
u32 apic_id(void);
void apic_dump(void); /* for panics: this CPU's interrupt state */
void apic_eoi(void);
u32 apic_svr(void);
u32 apic_tpr(void);
void apic_send_ipi(u32 apic_id, u8 vector);
void apic_send_init(u32 apic_id);
void apic_send_sipi(u32 apic_id, u8 page);
void apic_send_nmi(u32 apic_id);

#endif
