/* SPDX-License-Identifier: MIT */
#ifndef RV_SMP_H
#define RV_SMP_H

#include "abi/bootinfo.h"

/* Start every AP from the boot information; returns how many came up. */
/*
 * Start every AP; each sets up its descriptor tables and local APIC, then
 * calls entry (which must not return).  Returns how many came up.
 */
u32 smp_boot_aps(const struct rv_bootinfo *bi, void (*entry)(void));
/* Send the kick IPI to a CPU: it leaves guest mode and re-reads its requests. */
void smp_kick_cpu(u32 cpu);

#endif
