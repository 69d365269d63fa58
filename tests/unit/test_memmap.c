// SPDX-License-Identifier: MIT
// links: boot/memmap.c boot/util.c
/*
 * UEFI memory map -> bootinfo.mem[]: types, sorting, merging, and what
 * happens when there are more regions than slots.  Descriptors are laid
 * out DESC bytes apart, as OVMF does (48, larger than the 40-byte struct).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "memmap.h"

#define DESC 48
#define MAXD 2048
#define PG 4096ull

static uint8_t map[MAXD * DESC];
static size_t nd;
static struct rv_mem_region out[RV_MAX_MEM_REGIONS + 1];
static struct memmap_stats st;

static void add(uint32_t type, uint64_t base, uint64_t pages)
{
	struct memmap_efi_desc d = { .type = type, .phys_start = base,
				     .virt_start = 0xdead, .nr_pages = pages,
				     .attribute = 0xf };

	memset(map + nd * DESC, 0xee, DESC); /* the padding is not ours */
	memcpy(map + nd * DESC, &d, sizeof(d));
	nd++;
}

static int convert(uint32_t max)
{
	memset(out, 0, sizeof(out));
	return memmap_convert(map, nd * DESC, DESC, out, max, &st);
}

static void expect(int i, uint64_t base, uint64_t size, uint32_t type)
{
	assert_int_equal(out[i].base, base);
	assert_int_equal(out[i].size, size);
	assert_int_equal(out[i].type, type);
}

static int setup(void **state)
{
	nd = 0;
	memset(&st, 0, sizeof(st));
	return 0;
}

static void test_types(void **state)
{
	static const uint32_t want[] = {
		[EFI_MT_RESERVED] = RV_MEM_RESERVED,
		[EFI_MT_LOADER_CODE] = RV_MEM_LOADER,
		[EFI_MT_LOADER_DATA] = RV_MEM_LOADER,
		[EFI_MT_BS_CODE] = RV_MEM_FREE,
		[EFI_MT_BS_DATA] = RV_MEM_FREE,
		[EFI_MT_RT_CODE] = RV_MEM_RESERVED,
		[EFI_MT_RT_DATA] = RV_MEM_RESERVED,
		[EFI_MT_CONVENTIONAL] = RV_MEM_FREE,
		[EFI_MT_UNUSABLE] = RV_MEM_RESERVED,
		[EFI_MT_ACPI_RECLAIM] = RV_MEM_ACPI,
		[EFI_MT_ACPI_NVS] = RV_MEM_ACPI,
		[EFI_MT_MMIO] = RV_MEM_MMIO,
		[EFI_MT_MMIO_PORT] = RV_MEM_MMIO,
		[EFI_MT_PAL_CODE] = RV_MEM_RESERVED,
		[EFI_MT_PERSISTENT] = RV_MEM_RESERVED,
	};
	uint32_t t;

	for (t = 0; t < sizeof(want) / sizeof(want[0]); t++)
		assert_int_equal(memmap_type(t), want[t]);
	assert_int_equal(memmap_type(15), RV_MEM_RESERVED); /* unaccepted */
	assert_int_equal(memmap_type(0x80000000u), RV_MEM_RESERVED); /* OEM */
}

/* A small OVMF-like map, out of order, with mergeable neighbours. */
static void test_convert_and_merge(void **state)
{
	add(EFI_MT_BS_CODE, 0x0, 0x1);
	add(EFI_MT_CONVENTIONAL, 0x1000, 0x9e);        /* to 0x9f000 */
	add(EFI_MT_LOADER_DATA, 0x9f000, 0x1);         /* trampoline */
	add(EFI_MT_CONVENTIONAL, 0x100000, 0x700);     /* to 0x800000 */
	add(EFI_MT_ACPI_NVS, 0x800000, 0x8);
	add(EFI_MT_CONVENTIONAL, 0x808000, 0x7f8);     /* to 0x1000000 */
	add(EFI_MT_BS_DATA, 0x1000000, 0x1000);        /* to 0x2000000 */
	add(EFI_MT_LOADER_DATA, 0x2000000, 0x40);      /* hv.bin */
	add(EFI_MT_MMIO, 0xfee00000, 0x1);
	add(EFI_MT_MMIO, 0xffe00000, 0x200);           /* flash, not adjacent */
	add(EFI_MT_LOADER_CODE, 0x2040000, 0x10);      /* next to hv.bin */
	add(EFI_MT_RT_DATA, 0x2050000, 0x10);
	add(EFI_MT_CONVENTIONAL, 0x2060000, 0x0);      /* empty: skipped */

	assert_int_equal(convert(RV_MAX_MEM_REGIONS), 9);
	expect(0, 0x0, 0x9f000, RV_MEM_FREE);
	expect(1, 0x9f000, 0x1000, RV_MEM_LOADER);
	expect(2, 0x100000, 0x700000, RV_MEM_FREE);
	expect(3, 0x800000, 0x8000, RV_MEM_ACPI);
	expect(4, 0x808000, 0x17f8000, RV_MEM_FREE);
	expect(5, 0x2000000, 0x50000, RV_MEM_LOADER);
	expect(6, 0x2050000, 0x10000, RV_MEM_RESERVED);
	expect(7, 0xfee00000, 0x1000, RV_MEM_MMIO);
	expect(8, 0xffe00000, 0x200000, RV_MEM_MMIO);
	assert_int_equal(st.nr_descs, 13);
	assert_int_equal(st.nr_dropped, 0);
}

static void test_merge_both_ways(void **state)
{
	/* Merging into the next region, then bridging two regions. */
	add(EFI_MT_CONVENTIONAL, 0x3000, 1);
	add(EFI_MT_CONVENTIONAL, 0x1000, 1);
	add(EFI_MT_CONVENTIONAL, 0x2000, 1);
	add(EFI_MT_CONVENTIONAL, 0x6000, 1);
	add(EFI_MT_BS_DATA, 0x4000, 2);
	assert_int_equal(convert(RV_MAX_MEM_REGIONS), 1);
	expect(0, 0x1000, 0x6000, RV_MEM_FREE);

	/* Overlapping descriptors of one type become their union. */
	setup(NULL);
	add(EFI_MT_RESERVED, 0x10000, 4);
	add(EFI_MT_RESERVED, 0x12000, 4);
	add(EFI_MT_RESERVED, 0x11000, 1);
	assert_int_equal(convert(RV_MAX_MEM_REGIONS), 1);
	expect(0, 0x10000, 0x6000, RV_MEM_RESERVED);
}

static void test_bad_input(void **state)
{
	add(EFI_MT_CONVENTIONAL, 0, 1);
	assert_int_equal(memmap_convert(map, DESC, 32, out, 8, &st), -1);
	assert_int_equal(memmap_convert(map, DESC, DESC, out, 0, &st), -1);
	/* A partial trailing descriptor is not read. */
	assert_int_equal(memmap_convert(map, DESC + 20, DESC, out, 8, NULL), 1);
	/* A page count that would wrap the address space is skipped. */
	add(EFI_MT_CONVENTIONAL, 0xfffffffffff00000ull, 0x10000000000000ull);
	assert_int_equal(convert(8), 1);
	assert_int_equal(st.nr_descs, 2);
	/* An empty map. */
	assert_int_equal(memmap_convert(map, 0, DESC, out, 8, &st), 0);
}

static void test_full_drops_reserved_then_free(void **state)
{
	/* FREE sizes 1, 9, 3, 4, 5 pages, each followed by a RESERVED page. */
	static const uint64_t sizes[] = { 1, 9, 3, 4, 5 };
	uint64_t base = 0;
	int i, j;

	for (i = 0; i < 5; i++) {
		add(EFI_MT_CONVENTIONAL, base, sizes[i]);
		base += sizes[i] * PG;
		add(EFI_MT_RESERVED, base, 1);
		base += PG;
	}
	/* 10 regions into 7 slots: three RESERVED pages go. */
	assert_int_equal(convert(7), 7);
	assert_int_equal(st.nr_dropped, 3);
	assert_int_equal(st.dropped_free, 0);
	assert_int_equal(st.dropped_other, 3 * PG);
	/* All FREE ones kept, in order, with two of the RESERVED pages. */
	for (i = 0, j = 0; i < 7; i++) {
		if (out[i].type == RV_MEM_RESERVED)
			continue;
		assert_int_equal(out[i].type, RV_MEM_FREE);
		assert_int_equal(out[i].size, sizes[j] * PG);
		if (i)
			assert_true(out[i - 1].base < out[i].base);
		j++;
	}
	assert_int_equal(j, 5);

	/* Into 2 slots: all RESERVED go, then the FREE 1, 3 and 4 pages. */
	assert_int_equal(convert(2), 2);
	assert_int_equal(st.nr_dropped, 8);
	assert_int_equal(st.dropped_free, (1 + 3 + 4) * PG);
	assert_int_equal(st.dropped_other, 5 * PG);
	expect(0, 2 * PG, 9 * PG, RV_MEM_FREE);
	expect(1, 21 * PG, 5 * PG, RV_MEM_FREE);
}

static void test_full_no_free(void **state)
{
	/* RESERVED goes first, then MMIO; ACPI and LOADER stay longest. */
	add(EFI_MT_MMIO, 0x100000, 1);
	add(EFI_MT_RESERVED, 0x200000, 3);
	add(EFI_MT_ACPI_NVS, 0x300000, 1);
	add(EFI_MT_RESERVED, 0x400000, 2);
	add(EFI_MT_LOADER_DATA, 0x500000, 1);
	add(EFI_MT_MMIO, 0x600000, 5);
	assert_int_equal(convert(3), 3);
	assert_int_equal(st.nr_dropped, 3);
	assert_int_equal(st.dropped_other, (3 + 2 + 1) * PG);
	expect(0, 0x300000, PG, RV_MEM_ACPI);
	expect(1, 0x500000, PG, RV_MEM_LOADER);
	expect(2, 0x600000, 5 * PG, RV_MEM_MMIO);
}

static void test_overflow_full_size(void **state)
{
	/* 600 FREE regions separated by runtime-data pages: 1200 regions. */
	uint64_t base = 0x100000;
	int i, nfree = 0, n7 = 0;

	for (i = 0; i < 600; i++) {
		add(EFI_MT_CONVENTIONAL, base, 1 + (uint64_t)(i % 7));
		base += (1 + i % 7) * PG;
		add(EFI_MT_RT_DATA, base, 1);
		base += PG;
	}
	assert_int_equal(convert(RV_MAX_MEM_REGIONS), RV_MAX_MEM_REGIONS);
	assert_int_equal(st.nr_descs, 1200);
	assert_int_equal(st.nr_dropped, 1200 - RV_MAX_MEM_REGIONS);
	assert_int_equal(out[RV_MAX_MEM_REGIONS].size, 0); /* untouched */
	for (i = 0; i < RV_MAX_MEM_REGIONS; i++) {
		nfree += out[i].type == RV_MEM_FREE;
		/* The largest: 85 of 7 pages, 86 of 6 and 85 of 5. */
		assert_true(out[i].size >= 5 * PG);
		n7 += out[i].size == 7 * PG;
		if (i)
			assert_true(out[i - 1].base + out[i - 1].size <= out[i].base);
	}
	assert_int_equal(nfree, RV_MAX_MEM_REGIONS);
	assert_int_equal(n7, 85);
	assert_int_equal(st.dropped_other, 600 * PG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_types, setup),
		cmocka_unit_test_setup(test_convert_and_merge, setup),
		cmocka_unit_test_setup(test_merge_both_ways, setup),
		cmocka_unit_test_setup(test_bad_input, setup),
		cmocka_unit_test_setup(test_full_drops_reserved_then_free, setup),
		cmocka_unit_test_setup(test_full_no_free, setup),
		cmocka_unit_test_setup(test_overflow_full_size, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
