/* SPDX-License-Identifier: MIT */
/*
 * The Linux x86 boot protocol, as the loader of a Linux partition needs
 * it: check a bzImage's setup header, and build the "zero page" (struct
 * boot_params) with an e820 map, the command line, the initrd and a
 * setup_data chain.  Pure functions over buffers (host-tested in
 * tests/unit/test_bzimage.c); where things go in guest-physical memory is
 * the caller's choice (vplat/linux.c).  Offsets and rules from the
 * kernel's Documentation/x86/boot.rst ("THE LINUX/x86 BOOT PROTOCOL") and
 * Documentation/x86/zero-page.rst, Linux 6.1.
 */
#ifndef RV_VPLAT_BZIMAGE_H
#define RV_VPLAT_BZIMAGE_H

#include "lib/types.h"

/* What the loader needs from a bzImage's setup header (offset 0x1f1). */
struct bzimage_info {
	u16 version;          /* boot protocol, e.g. 0x020f for 2.15 */
	u32 setup_bytes;      /* (setup_sects ? setup_sects : 4) + 1 sectors of 512 */
	u64 kernel_size;      /* the protected-mode kernel: file size - setup_bytes */
	u64 pref_address;     /* where the kernel prefers to be loaded */
	u32 init_size;        /* memory the kernel needs from its load address */
	u32 kernel_alignment; /* a relocatable kernel's load address alignment */
	bool relocatable;
	u32 cmdline_size;     /* longest command line, without its NUL */
	u32 initrd_addr_max;  /* highest address the initrd may end at, minus 1 */
	u16 xloadflags;
};

/*
 * Check `img` (len bytes): boot sector signature 0xAA55, "HdrS", protocol
 * 2.12 or later (64-bit entry, xloadflags), XLF_KERNEL_64 set, the whole
 * setup and a non-empty kernel within len.  0 and *out filled, or
 * -RV_EINVAL with *why naming what is wrong (a static string).
 */
int bzimage_parse(const void *img, u64 len, struct bzimage_info *out, const char **why);

/* One e820 entry (zero-page.rst: e820_table at 0x2d0, e820_entries at 0x1e8). */
#define E820_RAM 1
#define E820_RESERVED 2
struct e820_entry {
	u64 addr;
	u64 size;
	u32 type;
} __attribute__((packed));
#define BZ_E820_MAX 128

struct linux_boot_cfg {
	const struct e820_entry *e820;
	u32 nr_e820;           /* 1..BZ_E820_MAX */
	u64 cmdline_gpa;       /* where the caller put the command line */
	u32 cmdline_len;       /* without NUL; <= info->cmdline_size */
	u64 initrd_gpa, initrd_size; /* 0, 0 for none */
	u64 setup_data_gpa;    /* first struct setup_data, 0 for none */
	u64 kernel_gpa;        /* where the protected-mode kernel was copied */
};

/*
 * Fill the 4096-byte zero page `zp`: cleared, then the setup header copied
 * from the image (boot.rst: "copy the setup header"), then type_of_loader
 * 0xff, the loader flags (LOADED_HIGH, CAN_USE_HEAP off), code32_start,
 * ramdisk_image/size (+ ext_ramdisk_* high halves), cmd_line_ptr
 * (+ ext_cmd_line_ptr), setup_data, the e820 table.  0, or -RV_EINVAL with
 * *why (too many e820 entries, a command line too long, an initrd above
 * initrd_addr_max, a kernel address not aligned for a relocatable kernel,
 * or not pref_address for one that is not).
 */
int bzimage_boot_params(void *zp, const void *img, const struct bzimage_info *info,
			const struct linux_boot_cfg *cfg, const char **why);

/*
 * The SETUP_JAILHOUSE setup_data (type 6) upstream's Jailhouse guest
 * support reads (arch/x86/include/uapi/asm/bootparam.h, struct
 * jailhouse_setup_data; arch/x86/kernel/jailhouse.c): header version 2,
 * compatible version 1, no PM timer, no PCI MMCONFIG, the CPUs' APIC ids
 * 0..nr_cpus-1, TSC and APIC timer frequencies in kHz, standard IOAPIC on,
 * flags bit 0 (COM1) when `com1`.  Written as struct setup_data (next = 0,
 * type, len) followed by the payload into buf (at most max bytes).
 * Returns the bytes written, or 0 if max is too small or nr_cpus is 0 or
 * above 255.
 */
u32 bzimage_jailhouse_setup_data(void *buf, u32 max, u32 nr_cpus, u32 tsc_khz, u32 apic_khz,
				 bool com1);

#endif
