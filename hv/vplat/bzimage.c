// SPDX-License-Identifier: MIT
/*
 * The Linux x86 boot protocol, loader side (vplat/bzimage.h).  Every
 * offset and rule is from Linux 6.1's Documentation/x86/boot.rst (cited
 * as boot.rst with its section title) and Documentation/x86/zero-page.rst,
 * with arch/x86/include/uapi/asm/bootparam.h for the structures they
 * describe.  A partition boots its kernel through the 64-bit boot
 * protocol: no real-mode setup code runs, so only the setup header and
 * the zero page matter, and the protected-mode kernel is entered at its
 * load address + 0x200 (boot.rst, 64-bit Boot Protocol).
 *
 * The image comes from a disk the hypervisor does not control, so every
 * field that sizes or places something is checked before it is used, and
 * a refusal names the one thing that is wrong.  All fields are
 * little-endian (boot.rst, Details of Header Fields) and read byte by
 * byte: nothing in the image is aligned for us.
 */
#include "vplat/bzimage.h"
#include "abi/hypercall.h"
#include "lib/lib.h"

/* The setup header (boot.rst, The Real-Mode Kernel Header): offsets in
 * the file, which are also its offsets in struct boot_params. */
#define HDR_SETUP_SECTS 0x1f1
#define HDR_SYSSIZE 0x1f4
#define HDR_VID_MODE 0x1fa
#define HDR_BOOT_FLAG 0x1fe
#define HDR_JUMP 0x200
#define HDR_HEADER 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_CODE32_START 0x214
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_HEAP_END_PTR 0x224
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE_KERNEL 0x234
#define HDR_XLOADFLAGS 0x236
#define HDR_CMDLINE_SIZE 0x238
#define HDR_SETUP_DATA 0x250
#define HDR_PREF_ADDRESS 0x258
#define HDR_INIT_SIZE 0x260
#define HDR_HANDOVER_OFFSET 0x264
/* The header of protocol 2.12 ends after handover_offset; a newer one may
 * be longer (2.15 adds kernel_info_offset), but it must fit the hole that
 * struct boot_params leaves for it, which ends where edd_mbr_sig_buffer
 * starts (zero-page.rst: 0x290). */
#define HDR_END_2_12 (HDR_HANDOVER_OFFSET + 4)
#define HDR_END_MAX ZP_EDD_MBR_SIG_BUFFER

/* The rest of struct boot_params (zero-page.rst). */
#define ZP_SIZE 4096
#define ZP_EXT_RAMDISK_IMAGE 0x0c0
#define ZP_EXT_RAMDISK_SIZE 0x0c4
#define ZP_EXT_CMD_LINE_PTR 0x0c8
#define ZP_E820_ENTRIES 0x1e8
#define ZP_EDD_MBR_SIG_BUFFER 0x290
#define ZP_E820_TABLE 0x2d0

#define BOOT_FLAG_MAGIC 0xaa55
#define HEADER_MAGIC 0x53726448 /* "HdrS" */
#define JUMP_SHORT 0xeb
#define SECTOR 512
#define SETUP_SECTS_ZERO_MEANS 4
#define PROTOCOL_2_12 0x020c
#define LOADER_UNDEFINED 0xff  /* boot.rst, type_of_loader: no assigned id */
#define VID_MODE_NORMAL 0xffff /* boot.rst, Special Command Line Options: vga=normal */
#define FOUR_GIB 0x100000000ull

/* loadflags and xloadflags (boot.rst, Details of Header Fields;
 * bootparam.h). */
#define LOADED_HIGH BIT(0)
#define CAN_USE_HEAP BIT(7)
#define XLF_KERNEL_64 BIT(0)
#define XLF_CAN_BE_LOADED_ABOVE_4G BIT(1)

/* bootparam.h: setup_data types and the Jailhouse structure's versions. */
#define SETUP_JAILHOUSE 6
#define JAILHOUSE_SETUP_VERSION 2
#define JAILHOUSE_SETUP_REQUIRED_VERSION 1
#define JAILHOUSE_FLAG_COM1 BIT(0) /* v2.flags bit n: PC UART n (jailhouse.c) */
#define JAILHOUSE_MAX_CPUS 255	   /* cpu_ids[255], APIC ids of 8 bits */

static u16 rd16(const u8 *p, u32 off)
{
	return (u16)(p[off] | p[off + 1] << 8);
}

static u32 rd32(const u8 *p, u32 off)
{
	return (u32)rd16(p, off) | (u32)rd16(p, off + 2) << 16;
}

static u64 rd64(const u8 *p, u32 off)
{
	return (u64)rd32(p, off) | (u64)rd32(p, off + 4) << 32;
}

static void wr16(u8 *p, u32 off, u16 v)
{
	p[off] = (u8)v;
	p[off + 1] = (u8)(v >> 8);
}

static void wr32(u8 *p, u32 off, u32 v)
{
	wr16(p, off, (u16)v);
	wr16(p, off + 2, (u16)(v >> 16));
}

static void wr64(u8 *p, u32 off, u64 v)
{
	wr32(p, off, (u32)v);
	wr32(p, off + 4, (u32)(v >> 32));
}

static int refuse(const char **why, const char *what)
{
	*why = what;
	return -RV_EINVAL;
}

int bzimage_parse(const void *img, u64 len, struct bzimage_info *out, const char **why)
{
	const u8 *p = img;
	u32 hdr_end, sects;

	memset(out, 0, sizeof(*out));
	/* Every field read below lies before the end of the 2.12 header;
	 * a real image is much longer (at least 5 sectors of setup). */
	if (len < HDR_END_2_12)
		return refuse(why, "truncated: the image ends inside the setup header");
	/* boot.rst, Details of Header Fields, boot_flag: "Contains 0xAA55". */
	if (rd16(p, HDR_BOOT_FLAG) != BOOT_FLAG_MAGIC)
		return refuse(why, "not a bzImage: no 0xAA55 boot flag at 0x1fe");
	/* boot.rst, The Real-Mode Kernel Header: without "HdrS" at 0x202
	 * the protocol is "old" (a zImage, no initrd). */
	if (rd32(p, HDR_HEADER) != HEADER_MAGIC)
		return refuse(why, "not a bzImage: no \"HdrS\" at 0x202");
	/* 2.12 brought xloadflags (whose XLF_KERNEL_64 promises the 64-bit
	 * entry point) and the ext_* fields for addresses above 4 GiB
	 * (boot.rst, protocol table); a 64-bit boot needs both. */
	out->version = rd16(p, HDR_VERSION);
	if (out->version < PROTOCOL_2_12)
		return refuse(why,
			      "boot protocol older than 2.12 (no xloadflags, no 64-bit entry)");
	/* boot.rst, 64-bit Boot Protocol: the header ends at "0x0202 + byte
	 * value at offset 0x0201", 0x201 being the offset byte of the short
	 * jump at 0x200 (boot.rst, Details of Header Fields, jump).  That
	 * much is copied into the zero page, so it must cover the 2.12
	 * fields and stay inside the zero page's hole for it. */
	hdr_end = HDR_HEADER + p[HDR_JUMP + 1];
	if (p[HDR_JUMP] != JUMP_SHORT)
		return refuse(why, "no short jump (0xeb) at 0x200 to give the setup header's end");
	if (hdr_end < HDR_END_2_12 || hdr_end > HDR_END_MAX)
		return refuse(why, "setup header end (0x202 + byte at 0x201) outside 0x268..0x290");
	/* boot.rst, Loading The Rest of The Kernel: "is_bzImage =
	 * (protocol >= 0x0200) && (loadflags & 0x01)". */
	if (!(p[HDR_LOADFLAGS] & LOADED_HIGH))
		return refuse(why, "not a bzImage: LOADED_HIGH clear in loadflags (a zImage)");
	out->xloadflags = rd16(p, HDR_XLOADFLAGS);
	if (!(out->xloadflags & XLF_KERNEL_64))
		return refuse(why, "no 64-bit entry point: XLF_KERNEL_64 clear in xloadflags");

	/* boot.rst, setup_sects: "If this field is 0, the real value is 4";
	 * the real-mode code is the boot sector plus setup_sects sectors,
	 * and the protected-mode kernel starts right after it (Loading The
	 * Rest of The Kernel). */
	sects = p[HDR_SETUP_SECTS] ? p[HDR_SETUP_SECTS] : SETUP_SECTS_ZERO_MEANS;
	out->setup_bytes = (sects + 1) * SECTOR;
	if (out->setup_bytes > len)
		return refuse(why, "truncated: setup_sects says the setup code runs past the end");
	if (out->setup_bytes == len)
		return refuse(why, "no protected-mode kernel after the setup code");
	out->kernel_size = len - out->setup_bytes;
	/* syssize (2.04+): the protected-mode code in 16-byte paragraphs,
	 * rounded down by the kernel's build (arch/x86/boot/header.S:
	 * ZO__edata / 16), so a whole image is never shorter. */
	if ((u64)rd32(p, HDR_SYSSIZE) * 16 > out->kernel_size)
		return refuse(why, "truncated: the kernel is shorter than syssize * 16 bytes");

	out->relocatable = p[HDR_RELOCATABLE_KERNEL] != 0;
	out->kernel_alignment = rd32(p, HDR_KERNEL_ALIGNMENT);
	/* boot.rst, init_size: runtime_start = align_up(load_address,
	 * kernel_alignment) for a relocatable kernel; an alignment that is
	 * no power of two aligns nothing. */
	if (out->relocatable &&
	    (out->kernel_alignment == 0 || (out->kernel_alignment & (out->kernel_alignment - 1))))
		return refuse(why, "kernel_alignment of a relocatable kernel is no power of two");
	out->pref_address = rd64(p, HDR_PREF_ADDRESS);
	out->init_size = rd32(p, HDR_INIT_SIZE);
	/* The memory to reserve from the load address: none is no answer. */
	if (out->init_size == 0)
		return refuse(why, "init_size is 0");
	out->cmdline_size = rd32(p, HDR_CMDLINE_SIZE);
	out->initrd_addr_max = rd32(p, HDR_INITRD_ADDR_MAX);
	*why = NULL;
	return 0;
}

/* [addr, addr + size) lies below 4 GiB, where 32-bit fields reach
 * without the ext_* halves and the kernel looks without
 * XLF_CAN_BE_LOADED_ABOVE_4G (boot.rst, xloadflags). */
static bool below_4g(u64 addr, u64 size)
{
	return addr < FOUR_GIB && size <= FOUR_GIB - addr;
}

int bzimage_boot_params(void *zp, const void *img, const struct bzimage_info *info,
			const struct linux_boot_cfg *cfg, const char **why)
{
	const u8 *p = img;
	u8 *z = zp;
	bool above_4g_ok = info->xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G;
	u32 hdr_end;

	if (cfg->nr_e820 == 0)
		return refuse(why, "empty e820 map");
	/* zero-page.rst: e820_table is 0xa00 bytes, 128 entries of 20
	 * (E820_MAX_ENTRIES_ZEROPAGE in bootparam.h). */
	if (cfg->nr_e820 > BZ_E820_MAX)
		return refuse(why, "more e820 entries than the zero page holds (128)");
	/* boot.rst, cmdline_size: "the command line can contain at most
	 * cmdline_size characters" (a longer one is cut by the kernel). */
	if (cfg->cmdline_len > info->cmdline_size)
		return refuse(why, "command line longer than the kernel's cmdline_size");
	/* boot.rst, cmd_line_ptr: "If this field is left at zero, the
	 * kernel will assume that your boot loader does not support the
	 * 2.02+ protocol." */
	if (cfg->cmdline_gpa == 0)
		return refuse(why, "no command line address (cmd_line_ptr 0)");
	if (!above_4g_ok && !below_4g(cfg->cmdline_gpa, (u64)cfg->cmdline_len + 1))
		return refuse(why,
			      "command line above 4 GiB, kernel lacks XLF_CAN_BE_LOADED_ABOVE_4G");
	/* boot.rst, initrd_addr_max: "the address of the highest safe
	 * byte", so the last byte of the initrd may be that address. */
	if (cfg->initrd_size && (cfg->initrd_gpa > info->initrd_addr_max ||
				 cfg->initrd_size - 1 > info->initrd_addr_max - cfg->initrd_gpa))
		return refuse(why, "initrd ends above the kernel's initrd_addr_max");
	/* boot.rst, init_size: a relocatable kernel runs at its load address
	 * aligned up to kernel_alignment, so a misaligned one would move
	 * itself past the memory set aside for it; one that is not
	 * relocatable runs at pref_address, wherever it was put. */
	if (info->relocatable) {
		if (!IS_ALIGNED(cfg->kernel_gpa, info->kernel_alignment))
			return refuse(why, "kernel address not aligned to kernel_alignment");
	} else if (cfg->kernel_gpa != info->pref_address) {
		return refuse(why, "a kernel that is not relocatable must be at pref_address");
	}
	if (!above_4g_ok && !below_4g(cfg->kernel_gpa, info->init_size))
		return refuse(why, "kernel above 4 GiB, kernel lacks XLF_CAN_BE_LOADED_ABOVE_4G");

	/* boot.rst, 64-bit Boot Protocol: the zero page is "initialized to
	 * all zero", then the setup header "from offset 0x01f1 of kernel
	 * image on should be loaded into struct boot_params".  The
	 * sentinel at 0x1ef stays 0: this loader does copy only the header
	 * (bootparam.h, struct boot_params, sentinel). */
	memset(z, 0, ZP_SIZE);
	hdr_end = MIN((u32)HDR_HEADER + p[HDR_JUMP + 1], (u32)HDR_END_MAX);
	memcpy(z + HDR_SETUP_SECTS, p + HDR_SETUP_SECTS, hdr_end - HDR_SETUP_SECTS);

	/* The fields a loader writes (boot.rst, Details of Header Fields,
	 * "write (obligatory)" and "modify (obligatory)"): */
	wr16(z, HDR_VID_MODE, VID_MODE_NORMAL);
	z[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	/* LOADED_HIGH as a bzImage has it; CAN_USE_HEAP off, as nothing
	 * runs the real-mode code that would use heap_end_ptr; no
	 * QUIET_FLAG, so early messages are printed. */
	z[HDR_LOADFLAGS] = LOADED_HIGH;
	wr16(z, HDR_HEAP_END_PTR, 0);
	/* code32_start "defaults to the load address of the kernel" and a
	 * loader that moves a relocatable kernel sets it there; 32 bits. */
	wr32(z, HDR_CODE32_START, (u32)cfg->kernel_gpa);
	/* 64-bit addresses and sizes in the 32-bit header field and the
	 * zero page's high halves (zero-page.rst: ext_ramdisk_image,
	 * ext_ramdisk_size, ext_cmd_line_ptr). */
	if (cfg->initrd_size) {
		wr32(z, HDR_RAMDISK_IMAGE, (u32)cfg->initrd_gpa);
		wr32(z, ZP_EXT_RAMDISK_IMAGE, (u32)(cfg->initrd_gpa >> 32));
		wr32(z, HDR_RAMDISK_SIZE, (u32)cfg->initrd_size);
		wr32(z, ZP_EXT_RAMDISK_SIZE, (u32)(cfg->initrd_size >> 32));
	}
	wr32(z, HDR_CMD_LINE_PTR, (u32)cfg->cmdline_gpa);
	wr32(z, ZP_EXT_CMD_LINE_PTR, (u32)(cfg->cmdline_gpa >> 32));
	/* boot.rst, setup_data: the head of the list; the header copied
	 * from the image has 0 there. */
	wr64(z, HDR_SETUP_DATA, cfg->setup_data_gpa);

	/* zero-page.rst: e820_entries and e820_table, struct boot_e820_entry
	 * being packed: addr, size, type in 20 bytes. */
	z[ZP_E820_ENTRIES] = (u8)cfg->nr_e820;
	for (u32 i = 0; i < cfg->nr_e820; i++) {
		u32 off = ZP_E820_TABLE + i * 20;

		wr64(z, off, cfg->e820[i].addr);
		wr64(z, off + 8, cfg->e820[i].size);
		wr32(z, off + 16, cfg->e820[i].type);
	}
	*why = NULL;
	return 0;
}

/* struct setup_data (boot.rst, setup_data), then the payload: struct
 * jailhouse_setup_data of bootparam.h, packed at every level, whose
 * offsets these assertions pin to the ones Linux 6.1 reads. */
struct bz_setup_data {
	u64 next;
	u32 type;
	u32 len;
} __attribute__((packed));

struct bz_jailhouse_setup_data {
	struct {
		u16 version;
		u16 compatible_version;
	} __attribute__((packed)) hdr;
	struct {
		u16 pm_timer_address;
		u16 num_cpus;
		u64 pci_mmconfig_base;
		u32 tsc_khz;
		u32 apic_khz;
		u8 standard_ioapic;
		u8 cpu_ids[JAILHOUSE_MAX_CPUS];
	} __attribute__((packed)) v1;
	struct {
		u32 flags;
	} __attribute__((packed)) v2;
} __attribute__((packed));

_Static_assert(sizeof(struct bz_setup_data) == 16, "struct setup_data");
_Static_assert(offsetof(struct bz_jailhouse_setup_data, v1) == 4, "jailhouse hdr");
_Static_assert(offsetof(struct bz_jailhouse_setup_data, v1.num_cpus) == 6, "num_cpus");
_Static_assert(offsetof(struct bz_jailhouse_setup_data, v1.pci_mmconfig_base) == 8, "mmconfig");
_Static_assert(offsetof(struct bz_jailhouse_setup_data, v1.tsc_khz) == 16, "tsc_khz");
_Static_assert(offsetof(struct bz_jailhouse_setup_data, v1.apic_khz) == 20, "apic_khz");
_Static_assert(offsetof(struct bz_jailhouse_setup_data, v1.standard_ioapic) == 24, "ioapic");
_Static_assert(offsetof(struct bz_jailhouse_setup_data, v1.cpu_ids) == 25, "cpu_ids");
_Static_assert(offsetof(struct bz_jailhouse_setup_data, v2) == 280, "v2");
_Static_assert(sizeof(struct bz_jailhouse_setup_data) == 284, "SETUP_DATA_V2_LEN");

u32 bzimage_jailhouse_setup_data(void *buf, u32 max, u32 nr_cpus, u32 tsc_khz, u32 apic_khz,
				 bool com1)
{
	struct bz_setup_data sd = {
	    .next = 0,
	    .type = SETUP_JAILHOUSE,
	    .len = sizeof(struct bz_jailhouse_setup_data),
	};
	struct bz_jailhouse_setup_data jh;
	u32 total = sizeof(sd) + sizeof(jh);

	if (max < total || nr_cpus == 0 || nr_cpus > JAILHOUSE_MAX_CPUS)
		return 0;
	memset(&jh, 0, sizeof(jh));
	/*
	 * jailhouse_init_platform() (arch/x86/kernel/jailhouse.c) wants
	 * compatible_version == JAILHOUSE_SETUP_REQUIRED_VERSION and, for
	 * version 2, len >= SETUP_DATA_V2_LEN.  Version 2 because only then
	 * do the flags say which PC UARTs are the partition's (Linux turns
	 * the others off); with version 1 it probes all four and sets up
	 * IRQs 3 and 4 for them.
	 */
	jh.hdr.version = JAILHOUSE_SETUP_VERSION;
	jh.hdr.compatible_version = JAILHOUSE_SETUP_REQUIRED_VERSION;
	/* No ACPI PM timer (pmtmr_ioport 0) and no PCI MMCONFIG: the
	 * partition has neither. */
	jh.v1.pm_timer_address = 0;
	jh.v1.pci_mmconfig_base = 0;
	jh.v1.num_cpus = (u16)nr_cpus;
	/* Linux registers cpu_ids[0..num_cpus) as the APIC ids
	 * (jailhouse_get_smp_config()); a vCPU's x2APIC id is its index. */
	for (u32 i = 0; i < nr_cpus; i++)
		jh.v1.cpu_ids[i] = (u8)i;
	/* tsc_khz becomes Linux's TSC frequency outright (jailhouse_get_tsc())
	 * and apic_khz its lapic_timer_period (apic_khz * (1000 / HZ),
	 * jailhouse_timer_init()): nothing is calibrated. */
	jh.v1.tsc_khz = tsc_khz;
	jh.v1.apic_khz = apic_khz;
	/* The I/O APIC at 0xfec00000 (vplat/ioapic.h). */
	jh.v1.standard_ioapic = 1;
	jh.v2.flags = com1 ? (u32)JAILHOUSE_FLAG_COM1 : 0;

	memcpy(buf, &sd, sizeof(sd));
	memcpy((u8 *)buf + sizeof(sd), &jh, sizeof(jh));
	return total;
}
