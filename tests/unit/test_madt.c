// SPDX-License-Identifier: MIT
// links: boot/acpi.c boot/util.c
/*
 * ACPI: finding the MADT through the RSDP (XSDT or RSDT) and collecting
 * the CPUs from it.  Tables are built in host memory; their "physical"
 * addresses are host pointers, as the loader's are identity-mapped ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "acpi.h"

static uint8_t madt[1024];
static size_t madt_len;
static char err[256];
static struct acpi_cpus cpus;

static void fix_checksum(uint8_t *t, size_t len, size_t at)
{
	uint8_t sum = 0;
	size_t i;

	t[at] = 0;
	for (i = 0; i < len; i++)
		sum = (uint8_t)(sum + t[i]);
	t[at] = (uint8_t)(0x100 - sum);
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void madt_begin(uint32_t lapic)
{
	memset(madt, 0, sizeof(madt));
	memcpy(madt, "APIC", 4);
	madt[8] = 5; /* revision */
	put32(madt + 36, lapic);
	put32(madt + 40, 1); /* PCAT_COMPAT */
	madt_len = 44;
}

static void madt_end(void)
{
	put32(madt + 4, (uint32_t)madt_len);
	fix_checksum(madt, madt_len, 9);
}

static void lapic(uint8_t id, uint32_t flags)
{
	uint8_t *e = madt + madt_len;

	e[0] = 0;
	e[1] = 8;
	e[2] = id; /* ACPI processor UID */
	e[3] = id;
	put32(e + 4, flags);
	madt_len += 8;
}

static void x2apic(uint32_t id, uint32_t flags)
{
	uint8_t *e = madt + madt_len;

	e[0] = 9;
	e[1] = 16;
	put32(e + 4, id);
	put32(e + 8, flags);
	put32(e + 12, id);
	madt_len += 16;
}

static void ioapic(void)
{
	uint8_t *e = madt + madt_len;

	e[0] = 1;
	e[1] = 12;
	put32(e + 4, 0xfec00000);
	madt_len += 12;
}

static void override(uint64_t addr)
{
	uint8_t *e = madt + madt_len;

	e[0] = 5;
	e[1] = 12;
	put64(e + 4, addr);
	madt_len += 12;
}

static int parse(uint32_t bsp)
{
	madt_end();
	memset(err, 0, sizeof(err));
	return acpi_parse_madt(madt, bsp, &cpus, err, sizeof(err));
}

static void expect_ids(const uint32_t *ids, uint32_t n)
{
	uint32_t i;

	assert_int_equal(cpus.nr_cpus, n);
	for (i = 0; i < n; i++)
		assert_int_equal(cpus.apic_ids[i], ids[i]);
}

static void test_ovmf_like(void **state)
{
	static const uint32_t want[] = { 0, 1, 2, 3 };

	madt_begin(0xfee00000);
	lapic(0, 1);
	lapic(1, 1);
	ioapic();
	lapic(2, 1);
	lapic(3, 1);
	assert_int_equal(parse(0), 0);
	expect_ids(want, 4);
	assert_int_equal(cpus.lapic_phys, 0xfee00000);
	assert_int_equal(cpus.bsp_listed, 1);
	assert_int_equal(cpus.nr_ignored, 0);
	assert_int_equal(cpus.nr_disabled, 0);
	assert_true(acpi_checksum_ok(madt, madt_len));
}

static void test_bsp_first_and_flags(void **state)
{
	static const uint32_t want[] = { 6, 2, 4, 0x100 };

	madt_begin(0xfee00000);
	lapic(2, 1);
	lapic(3, 0);      /* disabled, not online capable */
	lapic(4, 2);      /* online capable: may be started */
	lapic(6, 1);      /* the boot CPU, listed late */
	x2apic(0x100, 1); /* beyond 8 bits */
	x2apic(2, 1);     /* the same CPU as lapic 2 */
	x2apic(0x101, 0); /* disabled */
	override(0xfed00000ull);
	assert_int_equal(parse(6), 0);
	expect_ids(want, 4);
	assert_int_equal(cpus.nr_disabled, 2);
	assert_int_equal(cpus.lapic_phys, 0xfed00000ull);
	assert_int_equal(cpus.bsp_listed, 1);
}

static void test_bsp_missing(void **state)
{
	static const uint32_t want[] = { 9, 0, 1 };

	madt_begin(0xfee00000);
	lapic(0, 1);
	lapic(1, 1);
	assert_int_equal(parse(9), 0);
	expect_ids(want, 3);
	assert_int_equal(cpus.bsp_listed, 0);
}

static void test_too_many(void **state)
{
	uint32_t want[RV_MAX_CPUS];
	uint32_t i;

	/* 20 CPUs, the boot CPU last: it must survive the cut. */
	madt_begin(0xfee00000);
	for (i = 0; i < 20; i++)
		lapic((uint8_t)(i + 1), 1);
	want[0] = 20;
	for (i = 1; i < RV_MAX_CPUS; i++)
		want[i] = i;
	assert_int_equal(parse(20), 0);
	expect_ids(want, RV_MAX_CPUS);
	assert_int_equal(cpus.nr_ignored, 4);
}

static void test_malformed(void **state)
{
	madt_begin(0xfee00000);
	lapic(0, 1);
	madt[44 + 1] = 0; /* entry length 0 would loop forever */
	assert_int_equal(parse(0), -1);
	assert_string_equal(err, "MADT: entry at offset 44 (type 0) has a bad length");

	madt_begin(0xfee00000);
	lapic(0, 1);
	madt[44 + 1] = 40; /* runs past the table */
	assert_int_equal(parse(0), -1);
	assert_string_equal(err, "MADT: entry at offset 44 (type 0) has a bad length");

	madt_begin(0xfee00000);
	lapic(0, 1);
	madt[44 + 1] = 4; /* too short for a local APIC entry */
	assert_int_equal(parse(0), -1);
	assert_string_equal(err, "MADT: entry at offset 44 (type 0) is only 4 bytes long");

	madt_begin(0xfee00000);
	lapic(0, 1);
	madt_len--; /* one byte of an entry left over at the end */
	assert_int_equal(parse(0), -1);

	madt_begin(0xfee00000);
	madt_len = 40;
	assert_int_equal(parse(0), -1);
	assert_string_equal(err, "MADT: length 40 is shorter than its 44-byte header");

	madt_begin(0xfee00000);
	memcpy(madt, "FACP", 4);
	assert_int_equal(parse(0), -1);
	assert_string_equal(err, "MADT: signature is not \"APIC\"");
}

/*
 * An RSDP (v2 with an XSDT, or v1 with an RSDT) pointing at two tables,
 * a FACP and (with_madt) a copy of the MADT, all inside mem.
 */
static uint8_t rsdp[36], tables_mem[4096];
static uint8_t *root, *other, *madt_copy;

static void build_root(int v2, int with_madt, uint8_t *mem)
{
	size_t esz = v2 ? 8 : 4, i;
	uint64_t tables[2];

	root = mem;
	other = mem + 256;
	madt_copy = mem + 512;
	memset(rsdp, 0, sizeof(rsdp));
	memset(mem, 0, 4096);
	memcpy(other, "FACP", 4);
	put32(other + 4, 36);
	madt_begin(0xfee00000);
	lapic(0, 1);
	madt_end();
	memcpy(madt_copy, madt, madt_len);
	tables[0] = (uintptr_t)other;
	tables[1] = with_madt ? (uintptr_t)madt_copy : 0;

	memcpy(root, v2 ? "XSDT" : "RSDT", 4);
	put32(root + 4, (uint32_t)(36 + 2 * esz));
	for (i = 0; i < 2; i++)
		if (v2)
			put64(root + 36 + i * 8, tables[i]);
		else
			put32(root + 36 + i * 4, (uint32_t)tables[i]);
	fix_checksum(root, 36 + 2 * esz, 9);

	memcpy(rsdp, "RSD PTR ", 8);
	rsdp[15] = v2 ? 2 : 0;
	put32(rsdp + 16, (uint32_t)(uintptr_t)root); /* the 32-bit RSDT */
	if (v2) {
		put32(rsdp + 20, 36);
		put64(rsdp + 24, (uintptr_t)root);
	}
	fix_checksum(rsdp, 20, 8);
	if (v2)
		fix_checksum(rsdp, 36, 32);
}

static void test_find_via_xsdt(void **state)
{
	const char *via = NULL;

	build_root(1, 1, tables_mem);
	assert_ptr_equal(acpi_find_table(rsdp, "APIC", &via, err, sizeof(err)),
			 madt_copy);
	assert_string_equal(via, "XSDT");
	assert_ptr_equal(acpi_find_table(rsdp, "FACP", NULL, err, sizeof(err)), other);

	build_root(1, 0, tables_mem);
	assert_null(acpi_find_table(rsdp, "APIC", NULL, err, sizeof(err)));
	assert_string_equal(err, "ACPI: no \"APIC\" table among the 2 tables of the XSDT");
}

static void test_find_via_rsdt(void **state)
{
	const char *via = NULL;
	uint8_t *low;

	/* The RSDT holds 32-bit addresses: put the tables below 2 GiB. */
	low = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	assert_true(low != MAP_FAILED);
	build_root(0, 1, low);
	assert_ptr_equal(acpi_find_table(rsdp, "APIC", &via, err, sizeof(err)),
			 madt_copy);
	assert_string_equal(via, "RSDT");
	assert_int_equal(acpi_parse_madt(madt_copy, 0, &cpus, err, sizeof(err)), 0);
	assert_int_equal(cpus.nr_cpus, 1);

	/* Revision 2 without an XSDT address: the RSDT field is used. */
	build_root(1, 1, low);
	put64(rsdp + 24, 0);
	fix_checksum(rsdp, 36, 32);
	assert_null(acpi_find_table(rsdp, "APIC", &via, err, sizeof(err)));
	assert_string_equal(via, "RSDT");
	assert_non_null(strstr(err, "which is not an RSDT"));
	munmap(low, 4096);
}

static void test_bad_rsdp(void **state)
{
	build_root(1, 1, tables_mem);
	rsdp[0] = 'X';
	assert_null(acpi_find_table(rsdp, "APIC", NULL, err, sizeof(err)));
	assert_memory_equal(err, "ACPI: no \"RSD PTR \" signature", 28);

	build_root(1, 1, tables_mem);
	rsdp[9]++;
	assert_null(acpi_find_table(rsdp, "APIC", NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "has a bad checksum"));

	build_root(1, 1, tables_mem);
	memcpy(root, "RSDT", 4);
	assert_null(acpi_find_table(rsdp, "APIC", NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "which is not an XSDT"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ovmf_like),
		cmocka_unit_test(test_bsp_first_and_flags),
		cmocka_unit_test(test_bsp_missing),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_find_via_xsdt),
		cmocka_unit_test(test_find_via_rsdt),
		cmocka_unit_test(test_bad_rsdp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
