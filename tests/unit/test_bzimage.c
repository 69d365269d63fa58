// SPDX-License-Identifier: MIT
// links: hv/vplat/bzimage.c
/*
 * The Linux boot protocol over synthetic bzImages: a buffer with a
 * hand-made setup header like the one Linux 6.1's arch/x86/boot/header.S
 * builds (protocol 2.15), every refusal, and the zero page checked byte
 * by byte at the offsets of Documentation/x86/boot.rst and zero-page.rst
 * (written here as numbers, not the code's names).  If a real kernel has
 * been built at build/linux/bzImage, it is parsed too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "abi/hypercall.h"
#include "vplat/bzimage.h"

#define IMG_MAX (256 * 1024)
static uint8_t img[IMG_MAX];
static size_t img_len;
static uint8_t zp[4096 + 64]; /* a guard after the page */

static void put16(uint8_t *p, u32 off, u16 v)
{
	p[off] = (uint8_t)v;
	p[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, u32 off, u32 v)
{
	put16(p, off, (u16)v);
	put16(p, off + 2, (u16)(v >> 16));
}

static void put64(uint8_t *p, u32 off, u64 v)
{
	put32(p, off, (u32)v);
	put32(p, off + 4, (u32)(v >> 32));
}

static u16 get16(const uint8_t *p, u32 off)
{
	return (u16)(p[off] | p[off + 1] << 8);
}

static u32 get32(const uint8_t *p, u32 off)
{
	return get16(p, off) | (u32)get16(p, off + 2) << 16;
}

static u64 get64(const uint8_t *p, u32 off)
{
	return get32(p, off) | (u64)get32(p, off + 4) << 32;
}

/*
 * A 2.15 image: setup_sects 0 (= 4, so 2560 bytes of real-mode code),
 * then `kernel` bytes of "protected-mode kernel".  The bytes around the
 * header are 0xcc, and the byte where boot_params has its sentinel
 * (0x1ef) is 0xff as in header.S, so that a loader that copies more than
 * the header is caught.
 */
static void make_image(size_t kernel)
{
	img_len = 2560 + kernel;
	memset(img, 0xcc, sizeof(img));
	img[0x1ef] = 0xff;
	memset(img + 0x1f1, 0, 0x26c - 0x1f1);
	img[0x1f1] = 0;			       /* setup_sects */
	put16(img, 0x1f2, 1);		       /* root_flags */
	put32(img, 0x1f4, (u32)(kernel / 16)); /* syssize */
	put16(img, 0x1fa, 0xfff0);	       /* vid_mode as built */
	put16(img, 0x1fe, 0xaa55);	       /* boot_flag */
	img[0x200] = 0xeb;		       /* jump */
	img[0x201] = 0x6a;		       /* to 0x26c: the 2.15 header's end */
	memcpy(img + 0x202, "HdrS", 4);
	put16(img, 0x206, 0x020f);     /* version 2.15 */
	put16(img, 0x20e, 0x3900);     /* kernel_version */
	img[0x211] = 0x01;	       /* loadflags: LOADED_HIGH */
	put16(img, 0x212, 0x8000);     /* setup_move_size */
	put32(img, 0x214, 0x100000);   /* code32_start */
	put32(img, 0x22c, 0x7fffffff); /* initrd_addr_max */
	put32(img, 0x230, 0x200000);   /* kernel_alignment */
	img[0x234] = 1;		       /* relocatable_kernel */
	img[0x235] = 21;	       /* min_alignment */
	put16(img, 0x236, 0x1f);       /* xloadflags: KERNEL_64, ABOVE_4G, EFI */
	put32(img, 0x238, 2047);       /* cmdline_size */
	put32(img, 0x248, 0x3ab);      /* payload_offset */
	put32(img, 0x24c, 0x7654);     /* payload_length */
	put64(img, 0x258, 0x1000000);  /* pref_address */
	put32(img, 0x260, 0x2400000);  /* init_size */
	put32(img, 0x264, 0x190);      /* handover_offset */
	put32(img, 0x268, 0x1234560);  /* kernel_info_offset */
	for (size_t i = 2560; i < img_len; i++)
		img[i] = (uint8_t)i;
}

static int setup(void **state)
{
	make_image(64 * 1024);
	return 0;
}

static struct bzimage_info parse_ok(void)
{
	struct bzimage_info info;
	const char *why = "unset";
	int r = bzimage_parse(img, img_len, &info, &why);

	if (r != 0)
		fail_msg("refused: %s", why);
	assert_null(why);
	return info;
}

static void expect_parse_refusal(u64 len, const char *want)
{
	struct bzimage_info info;
	const char *why = NULL;

	assert_int_equal(bzimage_parse(img, len, &info, &why), -RV_EINVAL);
	assert_non_null(why);
	assert_string_equal(why, want);
}

static void test_parse(void **s)
{
	struct bzimage_info info = parse_ok();

	assert_int_equal(info.version, 0x020f);
	assert_int_equal(info.setup_bytes, 5 * 512); /* setup_sects 0 means 4 */
	assert_int_equal(info.kernel_size, 64 * 1024);
	assert_int_equal(info.pref_address, 0x1000000);
	assert_int_equal(info.init_size, 0x2400000);
	assert_int_equal(info.kernel_alignment, 0x200000);
	assert_true(info.relocatable);
	assert_int_equal(info.cmdline_size, 2047);
	assert_int_equal(info.initrd_addr_max, 0x7fffffff);
	assert_int_equal(info.xloadflags, 0x1f);

	/* A real setup_sects (the kernel after it is shorter). */
	img[0x1f1] = 27;
	put32(img, 0x1f4, (u32)(img_len - 28 * 512) / 16);
	info = parse_ok();
	assert_int_equal(info.setup_bytes, 28 * 512);
	assert_int_equal(info.kernel_size, img_len - 28 * 512);
	/* 2.12 is the oldest accepted, with its shorter header (to 0x268). */
	make_image(4096);
	put16(img, 0x206, 0x020c);
	img[0x201] = 0x66;
	info = parse_ok();
	assert_int_equal(info.version, 0x020c);
	/* A kernel that is not relocatable needs no kernel_alignment. */
	img[0x234] = 0;
	put32(img, 0x230, 0);
	info = parse_ok();
	assert_false(info.relocatable);
	/* A tail after syssize * 16 bytes is fine (the build rounds down). */
	put32(img, 0x1f4, 4096 / 16 - 1);
	parse_ok();
}

static void test_parse_refusals(void **s)
{
	expect_parse_refusal(0, "truncated: the image ends inside the setup header");
	expect_parse_refusal(0x267, "truncated: the image ends inside the setup header");

	put16(img, 0x1fe, 0x55aa);
	expect_parse_refusal(img_len, "not a bzImage: no 0xAA55 boot flag at 0x1fe");
	make_image(64 * 1024);
	memcpy(img + 0x202, "HdrT", 4);
	expect_parse_refusal(img_len, "not a bzImage: no \"HdrS\" at 0x202");
	make_image(64 * 1024);
	put16(img, 0x206, 0x020b);
	expect_parse_refusal(img_len,
			     "boot protocol older than 2.12 (no xloadflags, no 64-bit entry)");
	make_image(64 * 1024);
	img[0x200] = 0xe9;
	expect_parse_refusal(img_len,
			     "no short jump (0xeb) at 0x200 to give the setup header's end");
	make_image(64 * 1024);
	img[0x201] = 0x65; /* ends at 0x267, inside handover_offset */
	expect_parse_refusal(img_len,
			     "setup header end (0x202 + byte at 0x201) outside 0x268..0x290");
	img[0x201] = 0x8f; /* ends at 0x291, inside edd_mbr_sig_buffer */
	expect_parse_refusal(img_len,
			     "setup header end (0x202 + byte at 0x201) outside 0x268..0x290");
	img[0x201] = 0x8e; /* 0x290: the most there is room for */
	parse_ok();
	make_image(64 * 1024);
	img[0x211] = 0x80;
	expect_parse_refusal(img_len, "not a bzImage: LOADED_HIGH clear in loadflags (a zImage)");
	make_image(64 * 1024);
	put16(img, 0x236, 0x1e);
	expect_parse_refusal(img_len, "no 64-bit entry point: XLF_KERNEL_64 clear in xloadflags");

	/* setup_sects 255: 128 KiB of setup in a 66 KiB file. */
	make_image(64 * 1024);
	img[0x1f1] = 255;
	expect_parse_refusal(img_len,
			     "truncated: setup_sects says the setup code runs past the end");
	/* Exactly the setup code (setup_sects 0 = 4 sectors + the boot sector). */
	make_image(64 * 1024);
	expect_parse_refusal(2560, "no protected-mode kernel after the setup code");
	expect_parse_refusal(2559, "truncated: setup_sects says the setup code runs past the end");
	/* An image cut short in its kernel. */
	expect_parse_refusal(img_len - 1,
			     "truncated: the kernel is shorter than syssize * 16 bytes");
	expect_parse_refusal(2561, "truncated: the kernel is shorter than syssize * 16 bytes");
	put32(img, 0x1f4, 0xffffffff); /* syssize * 16 needs 36 bits */
	expect_parse_refusal(img_len, "truncated: the kernel is shorter than syssize * 16 bytes");

	make_image(64 * 1024);
	put32(img, 0x230, 0);
	expect_parse_refusal(img_len,
			     "kernel_alignment of a relocatable kernel is no power of two");
	put32(img, 0x230, 0x300000);
	expect_parse_refusal(img_len,
			     "kernel_alignment of a relocatable kernel is no power of two");
	make_image(64 * 1024);
	put32(img, 0x260, 0);
	expect_parse_refusal(img_len, "init_size is 0");
}

static const struct e820_entry e820[] = {
    {0x0, 0x9fc00, E820_RAM},
    {0x9fc00, 0x400, E820_RESERVED},
    {0x100000, 0x7ff00000, E820_RAM},
    {0xfec00000, 0x1000, E820_RESERVED},
    {0x100000000ull, 0x40000000ull, E820_RAM},
};

static struct linux_boot_cfg good_cfg(void)
{
	return (struct linux_boot_cfg){
	    .e820 = e820,
	    .nr_e820 = 5,
	    .cmdline_gpa = 0x20000,
	    .cmdline_len = 40,
	    .initrd_gpa = 0x7000000,
	    .initrd_size = 0x123456,
	    .setup_data_gpa = 0x21000,
	    .kernel_gpa = 0x1000000,
	};
}

static void boot_params_ok(const struct bzimage_info *info, const struct linux_boot_cfg *cfg)
{
	const char *why = "unset";

	memset(zp, 0xee, sizeof(zp));
	if (bzimage_boot_params(zp, img, info, cfg, &why) != 0)
		fail_msg("refused: %s", why);
	assert_null(why);
	/* Nothing past the 4096 bytes. */
	for (size_t i = 4096; i < sizeof(zp); i++)
		assert_int_equal(zp[i], 0xee);
}

static void expect_bp_refusal(const struct bzimage_info *info, const struct linux_boot_cfg *cfg,
			      const char *want)
{
	const char *why = NULL;

	assert_int_equal(bzimage_boot_params(zp, img, info, cfg, &why), -RV_EINVAL);
	assert_non_null(why);
	assert_string_equal(why, want);
}

static void test_boot_params(void **s)
{
	struct bzimage_info info = parse_ok();
	struct linux_boot_cfg cfg = good_cfg();

	boot_params_ok(&info, &cfg);

	/* The loader's fields (boot.rst). */
	assert_int_equal(zp[0x210], 0xff);	       /* type_of_loader: undefined */
	assert_int_equal(zp[0x211], 0x01);	       /* loadflags: LOADED_HIGH only */
	assert_int_equal(get32(zp, 0x214), 0x1000000); /* code32_start */
	assert_int_equal(get32(zp, 0x218), 0x7000000); /* ramdisk_image */
	assert_int_equal(get32(zp, 0x21c), 0x123456);  /* ramdisk_size */
	assert_int_equal(get16(zp, 0x224), 0);	       /* heap_end_ptr */
	assert_int_equal(get32(zp, 0x228), 0x20000);   /* cmd_line_ptr */
	assert_int_equal(get64(zp, 0x250), 0x21000);   /* setup_data */
	assert_int_equal(get16(zp, 0x1fa), 0xffff);    /* vid_mode: normal */
	/* zero-page.rst: the high halves. */
	assert_int_equal(get32(zp, 0x0c0), 0); /* ext_ramdisk_image */
	assert_int_equal(get32(zp, 0x0c4), 0); /* ext_ramdisk_size */
	assert_int_equal(get32(zp, 0x0c8), 0); /* ext_cmd_line_ptr */
	/* The e820 map: 20-byte packed entries at 0x2d0, count at 0x1e8. */
	assert_int_equal(zp[0x1e8], 5);
	for (u32 i = 0; i < 5; i++) {
		assert_int_equal(get64(zp, 0x2d0 + 20 * i), e820[i].addr);
		assert_int_equal(get64(zp, 0x2d0 + 20 * i + 8), e820[i].size);
		assert_int_equal(get32(zp, 0x2d0 + 20 * i + 16), e820[i].type);
	}
	assert_int_equal(get32(zp, 0x2d0 + 20 * 4 + 16), 1);
	assert_int_equal(get64(zp, 0x2d0 + 20 * 4), 0x100000000ull);

	/* The header, copied as it is where the loader writes nothing. */
	assert_memory_equal(zp + 0x202, "HdrS", 4);
	assert_int_equal(zp[0x1f1], 0);
	assert_int_equal(get16(zp, 0x1f2), 1);
	assert_int_equal(get32(zp, 0x1f4), 64 * 1024 / 16);
	assert_int_equal(get16(zp, 0x1fe), 0xaa55);
	assert_int_equal(zp[0x200], 0xeb);
	assert_int_equal(zp[0x201], 0x6a);
	assert_int_equal(get16(zp, 0x206), 0x020f);
	assert_int_equal(get16(zp, 0x212), 0x8000);
	assert_int_equal(get32(zp, 0x22c), 0x7fffffff);
	assert_int_equal(get32(zp, 0x230), 0x200000);
	assert_int_equal(zp[0x234], 1);
	assert_int_equal(zp[0x235], 21);
	assert_int_equal(get16(zp, 0x236), 0x1f);
	assert_int_equal(get32(zp, 0x238), 2047);
	assert_int_equal(get32(zp, 0x248), 0x3ab);
	assert_int_equal(get64(zp, 0x258), 0x1000000);
	assert_int_equal(get32(zp, 0x260), 0x2400000);
	assert_int_equal(get32(zp, 0x264), 0x190);
	assert_int_equal(get32(zp, 0x268), 0x1234560);

	/* Everything else is zero: before the header (the sentinel at
	 * 0x1ef included), after it up to the e820 table, after the table. */
	for (u32 i = 0; i < 0x1f1; i++)
		if (i != 0x1e8 && zp[i] != 0)
			fail_msg("zero page byte %#x is %#x", i, zp[i]);
	for (u32 i = 0x26c; i < 0x2d0; i++)
		if (zp[i] != 0)
			fail_msg("zero page byte %#x is %#x", i, zp[i]);
	for (u32 i = 0x2d0 + 5 * 20; i < 4096; i++)
		if (zp[i] != 0)
			fail_msg("zero page byte %#x is %#x", i, zp[i]);
}

static void test_boot_params_high_and_limits(void **s)
{
	struct bzimage_info info = parse_ok();
	struct linux_boot_cfg cfg = good_cfg();
	struct e820_entry many[BZ_E820_MAX + 1];

	/* Above 4 GiB (XLF_CAN_BE_LOADED_ABOVE_4G): the high halves. */
	cfg.cmdline_gpa = 0x123456000ull;
	cfg.kernel_gpa = 0x200000000ull;
	cfg.setup_data_gpa = 0x300000010ull;
	boot_params_ok(&info, &cfg);
	assert_int_equal(get32(zp, 0x228), 0x23456000);
	assert_int_equal(get32(zp, 0x0c8), 0x1);
	assert_int_equal(get32(zp, 0x214), 0); /* code32_start: the low half */
	assert_int_equal(get64(zp, 0x250), 0x300000010ull);

	/* No initrd: all four ramdisk fields 0. */
	cfg = good_cfg();
	cfg.initrd_gpa = 0;
	cfg.initrd_size = 0;
	boot_params_ok(&info, &cfg);
	assert_int_equal(get32(zp, 0x218), 0);
	assert_int_equal(get32(zp, 0x21c), 0);
	assert_int_equal(get32(zp, 0x0c0), 0);
	assert_int_equal(get32(zp, 0x0c4), 0);
	assert_int_equal(get64(zp, 0x250), 0x21000);

	/* Limits that are still allowed. */
	cfg = good_cfg();
	cfg.cmdline_len = 2047;	     /* = cmdline_size */
	cfg.initrd_gpa = 0x7ffff000; /* last byte at initrd_addr_max */
	cfg.initrd_size = 0x1000;
	for (u32 i = 0; i < BZ_E820_MAX; i++)
		many[i] = (struct e820_entry){(u64)i << 20, 1 << 20, E820_RAM};
	cfg.e820 = many;
	cfg.nr_e820 = BZ_E820_MAX;
	boot_params_ok(&info, &cfg);
	assert_int_equal(zp[0x1e8], 128);
	assert_int_equal(get64(zp, 0x2d0 + 127 * 20), 127ull << 20);
	assert_int_equal(get32(zp, 0x2d0 + 127 * 20 + 16), E820_RAM); /* ends at 0xcd0 */
	assert_int_equal(get32(zp, 0x218), 0x7ffff000);
	/* A kernel that is not relocatable, at its pref_address. */
	img[0x234] = 0;
	info = parse_ok();
	cfg = good_cfg();
	boot_params_ok(&info, &cfg);
	assert_int_equal(zp[0x234], 0);
}

static void test_boot_params_refusals(void **s)
{
	struct bzimage_info info = parse_ok();
	struct linux_boot_cfg cfg;
	struct e820_entry many[BZ_E820_MAX + 1];

	cfg = good_cfg();
	cfg.nr_e820 = 0;
	expect_bp_refusal(&info, &cfg, "empty e820 map");
	for (u32 i = 0; i <= BZ_E820_MAX; i++)
		many[i] = (struct e820_entry){(u64)i << 20, 1 << 20, E820_RAM};
	cfg.e820 = many;
	cfg.nr_e820 = BZ_E820_MAX + 1;
	expect_bp_refusal(&info, &cfg, "more e820 entries than the zero page holds (128)");

	cfg = good_cfg();
	cfg.cmdline_len = 2048;
	expect_bp_refusal(&info, &cfg, "command line longer than the kernel's cmdline_size");
	cfg = good_cfg();
	cfg.cmdline_gpa = 0;
	expect_bp_refusal(&info, &cfg, "no command line address (cmd_line_ptr 0)");

	cfg = good_cfg();
	cfg.initrd_gpa = 0x7ffff000;
	cfg.initrd_size = 0x1001;
	expect_bp_refusal(&info, &cfg, "initrd ends above the kernel's initrd_addr_max");
	cfg.initrd_gpa = 0x80000000;
	cfg.initrd_size = 1;
	expect_bp_refusal(&info, &cfg, "initrd ends above the kernel's initrd_addr_max");
	cfg.initrd_gpa = 0x1000;
	cfg.initrd_size = ~0ull; /* would wrap */
	expect_bp_refusal(&info, &cfg, "initrd ends above the kernel's initrd_addr_max");
	cfg.initrd_gpa = 0x100000000ull;
	cfg.initrd_size = 0x1000;
	expect_bp_refusal(&info, &cfg, "initrd ends above the kernel's initrd_addr_max");

	/* 2 MiB alignment: 17 MiB is not. */
	cfg = good_cfg();
	cfg.kernel_gpa = 0x1100000;
	expect_bp_refusal(&info, &cfg, "kernel address not aligned to kernel_alignment");
	cfg.kernel_gpa = 0x1000001;
	expect_bp_refusal(&info, &cfg, "kernel address not aligned to kernel_alignment");
	cfg.kernel_gpa = 0x1200000;
	boot_params_ok(&info, &cfg);

	/* Not relocatable: only pref_address (16 MiB) will do, even an
	 * aligned address elsewhere. */
	img[0x234] = 0;
	info = parse_ok();
	expect_bp_refusal(&info, &cfg, "a kernel that is not relocatable must be at pref_address");

	/* Without XLF_CAN_BE_LOADED_ABOVE_4G, nothing may reach past 4 GiB. */
	make_image(64 * 1024);
	put16(img, 0x236, 0x01);
	info = parse_ok();
	cfg = good_cfg();
	boot_params_ok(&info, &cfg);
	cfg.cmdline_gpa = 0x100000000ull;
	expect_bp_refusal(&info, &cfg,
			  "command line above 4 GiB, kernel lacks XLF_CAN_BE_LOADED_ABOVE_4G");
	cfg.cmdline_gpa = 0xffffffe0; /* 40 characters and the NUL: past 4 GiB */
	expect_bp_refusal(&info, &cfg,
			  "command line above 4 GiB, kernel lacks XLF_CAN_BE_LOADED_ABOVE_4G");
	cfg.cmdline_gpa = 0xffffffd7; /* ends at 0xffffffff */
	boot_params_ok(&info, &cfg);
	cfg = good_cfg();
	cfg.kernel_gpa = 0x100000000ull;
	expect_bp_refusal(&info, &cfg,
			  "kernel above 4 GiB, kernel lacks XLF_CAN_BE_LOADED_ABOVE_4G");
	cfg.kernel_gpa = 0xfe000000; /* + init_size 36 MiB: past 4 GiB */
	expect_bp_refusal(&info, &cfg,
			  "kernel above 4 GiB, kernel lacks XLF_CAN_BE_LOADED_ABOVE_4G");
}

/* Linux 6.1's checks in jailhouse_init_platform() (arch/x86/kernel/
 * jailhouse.c), on the setup_data header and the payload. */
static bool linux_accepts(const uint8_t *sd)
{
	u32 len = get32(sd, 12);
	u16 version = get16(sd, 16), compatible = get16(sd, 18);
	const u32 v1_len = 4 + 276, v2_len = v1_len + 4; /* SETUP_DATA_V{1,2}_LEN */

	if (get32(sd, 8) != 6 || len < 4)
		return false;
	if (version == 0 || compatible != 1 || (version == 1 && len < v1_len) ||
	    (version >= 2 && len < v2_len))
		return false;
	return true;
}

static void test_jailhouse_setup_data(void **s)
{
	uint8_t buf[400];

	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(bzimage_jailhouse_setup_data(buf, sizeof(buf), 4, 2112000, 2112000, true),
			 300);
	/* struct setup_data: next, type SETUP_JAILHOUSE, len 284. */
	assert_int_equal(get64(buf, 0), 0);
	assert_int_equal(get32(buf, 8), 6);
	assert_int_equal(get32(buf, 12), 284);
	/* struct jailhouse_setup_data at 16: every field at its packed
	 * offset (hdr 0, v1 4, v2 280 within the payload). */
	const uint8_t *jh = buf + 16;
	assert_int_equal(get16(jh, 0), 2);	  /* hdr.version */
	assert_int_equal(get16(jh, 2), 1);	  /* hdr.compatible_version */
	assert_int_equal(get16(jh, 4), 0);	  /* v1.pm_timer_address */
	assert_int_equal(get16(jh, 6), 4);	  /* v1.num_cpus */
	assert_int_equal(get64(jh, 8), 0);	  /* v1.pci_mmconfig_base */
	assert_int_equal(get32(jh, 16), 2112000); /* v1.tsc_khz */
	assert_int_equal(get32(jh, 20), 2112000); /* v1.apic_khz */
	assert_int_equal(jh[24], 1);		  /* v1.standard_ioapic */
	for (u32 i = 0; i < 255; i++)		  /* v1.cpu_ids[255] */
		assert_int_equal(jh[25 + i], i < 4 ? i : 0);
	assert_int_equal(get32(jh, 280), 1); /* v2.flags: COM1 */
	assert_int_equal(buf[300], 0xee);    /* nothing after it */
	assert_true(linux_accepts(buf));

	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(bzimage_jailhouse_setup_data(buf, 300, 255, 3000000, 1000000, false), 300);
	assert_int_equal(get16(buf, 16 + 6), 255);
	assert_int_equal(buf[16 + 25 + 254], 254);
	assert_int_equal(get32(buf, 16 + 16), 3000000);
	assert_int_equal(get32(buf, 16 + 20), 1000000);
	assert_int_equal(get32(buf, 16 + 280), 0); /* no UART */
	assert_true(linux_accepts(buf));

	/* Refusals write nothing. */
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(bzimage_jailhouse_setup_data(buf, 299, 4, 1, 1, true), 0);
	assert_int_equal(bzimage_jailhouse_setup_data(buf, 0, 4, 1, 1, true), 0);
	assert_int_equal(bzimage_jailhouse_setup_data(buf, sizeof(buf), 0, 1, 1, true), 0);
	assert_int_equal(bzimage_jailhouse_setup_data(buf, sizeof(buf), 256, 1, 1, true), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xee);
}

/* A real kernel, when one has been built (not needed for the test). */
static void test_real_bzimage(void **s)
{
	FILE *f = fopen("build/linux/bzImage", "rb");
	struct bzimage_info info;
	const char *why = NULL;
	long len;
	uint8_t *buf;

	if (!f) {
		skip();
		return;
	}
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	buf = malloc((size_t)len);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	if (bzimage_parse(buf, (u64)len, &info, &why) != 0)
		fail_msg("build/linux/bzImage refused: %s", why);
	assert_true(info.version >= 0x020c);
	assert_true(info.xloadflags & 1);
	assert_true(info.kernel_size + info.setup_bytes == (u64)len);
	/* Its zero page: the header copied, the sentinel (0xff in the
	 * image) left 0. */
	struct linux_boot_cfg cfg = good_cfg();
	cfg.kernel_gpa =
	    info.relocatable ? ALIGN_UP(0x1000000, info.kernel_alignment) : info.pref_address;
	if (bzimage_boot_params(zp, buf, &info, &cfg, &why) != 0)
		fail_msg("build/linux/bzImage: boot params refused: %s", why);
	assert_memory_equal(zp + 0x202, "HdrS", 4);
	assert_int_equal(zp[0x1ef], 0);
	assert_int_equal(get16(zp, 0x206), info.version);
	/* The half of it is refused as truncated. */
	assert_int_equal(bzimage_parse(buf, (u64)len / 2, &info, &why), -RV_EINVAL);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_parse, setup),
	    cmocka_unit_test_setup(test_parse_refusals, setup),
	    cmocka_unit_test_setup(test_boot_params, setup),
	    cmocka_unit_test_setup(test_boot_params_high_and_limits, setup),
	    cmocka_unit_test_setup(test_boot_params_refusals, setup),
	    cmocka_unit_test_setup(test_jailhouse_setup_data, setup),
	    cmocka_unit_test(test_real_bzimage),
	};
	return cmocka_run_group_tests_name("bzimage", tests, NULL, NULL);
}
