/* SPDX-License-Identifier: MIT */
/*
 * Boot-information structure: the only thing boot/ (the UEFI loader) and
 * hv/ (the hypervisor) share.  The loader fills it in, exits boot services
 * and jumps to the hypervisor's entry point with its physical address in
 * RDI (System V calling convention).  Everything in it is physical and
 * identity-mapped at the moment of the jump.  See docs/02-boot.md.
 */
#ifndef RV_BOOTINFO_H
#define RV_BOOTINFO_H

#include <stdint.h>

#define RV_BOOTINFO_MAGIC 0x4f4f42564e495252ul /* "RRINVBOO" */
#define RV_BOOTINFO_VERSION 2 /* 2: tsc_khz */

/* Fixed physical load address of the hypervisor image (hv/hv.ld). */
#define RV_HV_LOAD_ADDR 0x02000000ul

/* Header at offset 0 of hv.bin, so the loader can check and size it. */
#define RV_HV_IMAGE_MAGIC 0x5648524956474e52ul /* "RNGVIRHV" */
struct rv_hv_image_header {
	uint64_t magic;
	uint64_t load_addr;  /* must equal RV_HV_LOAD_ADDR */
	uint64_t file_size;  /* bytes of the file (text + data) */
	uint64_t mem_size;   /* bytes including .bss, page aligned */
	uint64_t entry;      /* physical address of hv_entry */
};

/* Memory regions the hypervisor may use, from the UEFI memory map. */
enum rv_mem_type {
	RV_MEM_FREE = 1,     /* conventional or boot-services memory */
	RV_MEM_RESERVED = 2, /* anything the hypervisor must leave alone */
	RV_MEM_LOADER = 3,   /* what the loader allocated (images, bootinfo) */
	RV_MEM_ACPI = 4,     /* ACPI tables and NVS */
	RV_MEM_MMIO = 5,
};

struct rv_mem_region {
	uint64_t base;
	uint64_t size;
	uint32_t type; /* enum rv_mem_type */
	uint32_t pad;
};

#define RV_MAX_MEM_REGIONS 256
#define RV_MAX_CPUS 16
#define RV_MAX_IMAGES 4

/* Images the loader put in memory (besides the hypervisor itself). */
/* Linux and its initrd are optional: size 0 when the disk has none. */
enum rv_image_id { RV_IMAGE_MGMT = 0, RV_IMAGE_WORK = 1, RV_IMAGE_LINUX = 2, RV_IMAGE_INITRD = 3 };

struct rv_image {
	uint64_t phys; /* where the loader put the file, page aligned */
	uint64_t size; /* its size in bytes (0 = absent) */
};

/* Run configuration, parsed by the loader from \ringvisor.cfg. */
#define RV_CFG_MAX_RUNS 16
#define RV_CFG_MAX_PARAMS 16
#define RV_CFG_NAME_LEN 32
#define RV_CFG_VALUE_LEN 32

struct rv_cfg_param {
	char key[RV_CFG_NAME_LEN];
	char value[RV_CFG_VALUE_LEN];
};

struct rv_cfg_run {
	char scenario[RV_CFG_NAME_LEN];
	uint32_t nr_params;
	uint32_t pad;
	struct rv_cfg_param params[RV_CFG_MAX_PARAMS];
};

struct rv_config {
	uint32_t nr_runs;
	uint32_t poweroff_on_error; /* runner=hvrun: power off instead of returning */
	uint32_t verbose;           /* log=verbose: log every VM exit */
	uint32_t pad;
	struct rv_cfg_run runs[RV_CFG_MAX_RUNS];
};

struct rv_bootinfo {
	uint64_t magic;
	uint32_t version;
	uint32_t nr_mem_regions;
	struct rv_mem_region mem[RV_MAX_MEM_REGIONS];

	/* CPUs from the ACPI MADT (or UEFI MP Services where there is no
	 * ACPI, as under Bochs): local APIC ids, boot CPU first. */
	uint32_t nr_cpus;
	uint32_t bsp_apic_id;
	uint32_t apic_ids[RV_MAX_CPUS];
	uint64_t lapic_phys; /* local APIC MMIO base (MADT, else IA32_APIC_BASE) */
	uint64_t rsdp_phys;  /* ACPI RSDP, for anyone who needs more */

	/* A 4 KiB page below 1 MiB for the AP start-up code. */
	uint64_t trampoline_phys;

	struct rv_image images[RV_MAX_IMAGES];
	struct rv_config config;

	/* Version 2: how fast the TSC counts, in kHz (never 0): from CPUID
	 * leaf 0x15, else measured against the firmware's Stall(). */
	uint64_t tsc_khz;
};

#endif
