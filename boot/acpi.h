/* SPDX-License-Identifier: MIT */
/*
 * ACPI table walking and MADT parsing; pure, host-tested.  Physical
 * addresses in the tables are used as pointers: the loader runs on the
 * firmware's identity map (and the tests put real host addresses there).
 */
#ifndef RV_BOOT_ACPI_H
#define RV_BOOT_ACPI_H

#include <stddef.h>
#include <stdint.h>
#include "../hv/abi/bootinfo.h"

/* The CPUs found, from the MADT or (see cpu.c) the MP Services protocol. */
struct acpi_cpus {
	uint32_t nr_cpus;
	uint32_t apic_ids[RV_MAX_CPUS]; /* the boot CPU first */
	uint32_t nr_ignored;  /* usable CPUs beyond RV_MAX_CPUS */
	uint32_t nr_disabled; /* entries neither enabled nor online-capable */
	uint32_t bsp_listed;  /* 0: the boot CPU was missing from the MADT */
	uint64_t lapic_phys;  /* type 5 override, else the MADT header's */
};

/* 1 if the len bytes at p sum to 0 (mod 256), as every ACPI table must. */
int acpi_checksum_ok(const void *p, size_t len);

/*
 * Find the table with signature sig (e.g. "APIC") through the RSDP: the
 * XSDT if the RSDP has one (revision >= 2), else the RSDT.  Returns the
 * table, or NULL with a message in err.  *root_sig (if not NULL) is set
 * to "XSDT" or "RSDT", whichever was used.
 */
const void *acpi_find_table(const void *rsdp, const char *sig,
			    const char **root_sig, char *err, size_t errlen);

/*
 * Collect the usable CPUs of a MADT: processor local APIC entries (type 0)
 * and processor local x2APIC entries (type 9) with flags bit 0 (enabled) or
 * bit 1 (online capable), each APIC id once, the boot CPU's (bsp_apic_id)
 * first.  Returns 0, or -1 with a message in err if the table is malformed.
 */
int acpi_parse_madt(const void *madt, uint32_t bsp_apic_id,
		    struct acpi_cpus *out, char *err, size_t errlen);

/* Start a list holding only the boot CPU (the MADT parser does this). */
void acpi_cpus_init(struct acpi_cpus *out, uint32_t bsp_apic_id);
/* Add a usable CPU: once per APIC id, counted in nr_ignored when full. */
void acpi_cpus_add(struct acpi_cpus *out, uint32_t apic_id);

#endif
