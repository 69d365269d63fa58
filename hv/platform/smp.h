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

/*
 * Waiting for another CPU to act on a request (docs/03-vmx.md, "Requests
 * no guest can block").  smp_wait_begin kicks the CPU with the fixed IPI;
 * smp_wait_more, called in the waiting loop, sends it an NMI if the kick
 * has not been answered after SMP_NMI_AFTER_MS (and again every
 * SMP_NMI_AFTER_MS, since an NMI that arrives in the host between its last
 * check of requests and VM entry is spent there), and returns false once
 * SMP_WAIT_LIMIT_MS have passed: the CPU does not answer.
 */
struct smp_wait {
	u32 cpu;
	u32 nmis;      /* NMIs sent so far */
	u64 next_nmi;  /* TSC of the next NMI */
	u64 end;       /* TSC of giving up */
};

#define SMP_NMI_AFTER_MS 10
#define SMP_WAIT_LIMIT_MS 5000

void smp_wait_begin(struct smp_wait *w, u32 cpu);
bool smp_wait_more(struct smp_wait *w);

#endif
