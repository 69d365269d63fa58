/* SPDX-License-Identifier: MIT */
/*
 * Real time from the TSC.  The loader measured how fast it counts
 * (struct rv_bootinfo.tsc_khz, docs/02-boot.md); every timeout and delay in
 * the hypervisor is written in microseconds or milliseconds and converted
 * here, once.  This assumes a TSC that counts at one rate (invariant TSC;
 * the banner says whether the CPU reports it).  Bochs' TSC counts emulated
 * instructions, and so does the loader's measurement against the firmware's
 * timer: runs there stay exactly reproducible in ticks.
 */
#ifndef RV_TSC_H
#define RV_TSC_H

#include "lib/types.h"

void tsc_init(u64 khz); /* boot CPU, before anything waits */
u64 tsc_khz(void);
bool cpu_has_invariant_tsc(void);
/* Ticks in us microseconds / ms milliseconds (rounded down, at least 1). */
u64 tsc_us(u64 us);
u64 tsc_ms(u64 ms);
/* Busy-wait (interrupts as they are). */
void udelay(u64 us);

/* Pure conversion, for the host tests. */
static inline u64 tsc_ticks(u64 khz, u64 us)
{
	u64 t = khz * us / 1000;
	return t ? t : 1;
}

#endif
