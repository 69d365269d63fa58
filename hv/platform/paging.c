// SPDX-License-Identifier: MIT
#include "platform/paging.h"
#include "lib/lib.h"
#include "platform/console.h"
#include "platform/panic.h"

#define MAX_GIB 64 /* identity map up to 64 GiB of physical space */
#define PTE_P BIT(0)
#define PTE_RW BIT(1)
#define PTE_PWT BIT(3)
#define PTE_PCD BIT(4)
#define PTE_PS BIT(7)

/* Owned by this file; read-only after paging_init(). */
static u64 pml4[512] __attribute__((aligned(4096)));
static u64 pdpt[512] __attribute__((aligned(4096)));
static u64 pd[MAX_GIB][512] __attribute__((aligned(4096)));
static u64 mapped_gib;

u64 paging_init(u64 top)
{
	u64 gib = MAX(4, ALIGN_UP(top, 1ull << 30) >> 30);

	if (gib > MAX_GIB) {
		hv_printf("paging: %lu GiB of physical space, mapping the first %u\n", gib, MAX_GIB);
		gib = MAX_GIB;
	}
	mapped_gib = gib;
	pml4[0] = (u64)pdpt | PTE_P | PTE_RW;
	for (u64 g = 0; g < gib; g++) {
		pdpt[g] = (u64)pd[g] | PTE_P | PTE_RW;
		for (u64 i = 0; i < 512; i++) {
			u64 pa = (g << 30) | (i << 21);
			u64 attr = PTE_P | PTE_RW | PTE_PS;
			if (g == 3) /* 3-4 GiB: PCI MMIO, IOAPIC, local APIC */
				attr |= PTE_PCD | PTE_PWT;
			pd[g][i] = pa | attr;
		}
	}
	return (u64)pml4;
}

u64 paging_cr3(void) { return (u64)pml4; }

u64 paging_limit(void) { return mapped_gib << 30; }
