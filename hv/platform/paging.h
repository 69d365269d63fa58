/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's own page tables: an identity map of physical memory
 * with 2 MiB pages, write-back except the 3-4 GiB hole (MMIO, the local
 * APIC), which is uncached.  Built once on the boot CPU; every CPU loads
 * the same CR3.
 */
#ifndef RV_PAGING_H
#define RV_PAGING_H

#include "lib/types.h"

/* Map [0, top) (rounded up to 1 GiB, at least 4 GiB); returns the CR3. */
u64 paging_init(u64 top);
u64 paging_cr3(void);
/* The first physical address paging_init() left unmapped (at most 64 GiB). */
u64 paging_limit(void);

#endif
