/* SPDX-License-Identifier: MIT */
/* UEFI memory map -> rv_bootinfo.mem[]; pure, host-tested. */
#ifndef RV_BOOT_MEMMAP_H
#define RV_BOOT_MEMMAP_H

#include <stddef.h>
#include <stdint.h>
#include "../hv/abi/bootinfo.h"

/*
 * EFI_MEMORY_DESCRIPTOR (UEFI 2.10, 7.2 Memory Allocation Services,
 * EFI_BOOT_SERVICES.GetMemoryMap()).  Firmware may hand out descriptors
 * larger than this (the size GetMemoryMap returns): step by that size,
 * never by sizeof.
 */
struct memmap_efi_desc {
	uint32_t type;
	uint32_t pad;
	uint64_t phys_start;
	uint64_t virt_start;
	uint64_t nr_pages;
	uint64_t attribute;
};

/* EFI_MEMORY_TYPE values (same section). */
enum {
	EFI_MT_RESERVED = 0,
	EFI_MT_LOADER_CODE = 1,
	EFI_MT_LOADER_DATA = 2,
	EFI_MT_BS_CODE = 3,
	EFI_MT_BS_DATA = 4,
	EFI_MT_RT_CODE = 5,
	EFI_MT_RT_DATA = 6,
	EFI_MT_CONVENTIONAL = 7,
	EFI_MT_UNUSABLE = 8,
	EFI_MT_ACPI_RECLAIM = 9,
	EFI_MT_ACPI_NVS = 10,
	EFI_MT_MMIO = 11,
	EFI_MT_MMIO_PORT = 12,
	EFI_MT_PAL_CODE = 13,
	EFI_MT_PERSISTENT = 14,
};

struct memmap_stats {
	uint32_t nr_descs;      /* descriptors read */
	uint32_t nr_dropped;    /* regions dropped because mem[] was full */
	uint64_t dropped_free;  /* bytes of RV_MEM_FREE among them */
	uint64_t dropped_other; /* bytes of any other type among them */
};

/* enum rv_mem_type for an EFI memory type. */
uint32_t memmap_type(uint32_t efi_type);

/*
 * Convert map_size bytes of descriptors, desc_size bytes apart, into at
 * most max regions, sorted by base, with adjacent (or overlapping) regions
 * of the same type merged.  When more than max regions remain, the
 * smallest RESERVED ones are dropped first (unlisted memory is reserved
 * anyway), then the smallest FREE ones (less to allocate from), then
 * MMIO, ACPI and LOADER ones: it never fails.  Returns the number of
 * regions, or -1 if desc_size is too small to be a descriptor.
 */
int memmap_convert(const void *map, size_t map_size, size_t desc_size,
		   struct rv_mem_region *out, uint32_t max,
		   struct memmap_stats *stats);

#endif
