/* SPDX-License-Identifier: MIT */
/* Local APIC: xAPIC (MMIO) or x2APIC (MSRs), whichever firmware left on. */
#ifndef RV_APIC_H
#define RV_APIC_H

#include "types.h"

void apic_init(u64 mmio_base);  /* boot CPU, once */
u32 apic_id(void);
void apic_eoi(void);
void apic_send_ipi(u32 apic_id, u8 vector);
void apic_send_init(u32 apic_id);
void apic_send_sipi(u32 apic_id, u8 page);
void delay_ticks(u64 ticks);

#endif
