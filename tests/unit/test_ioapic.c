// SPDX-License-Identifier: MIT
// links: hv/vplat/ioapic.c
/*
 * The I/O APIC model through the accesses Linux 6.1 makes
 * (arch/x86/kernel/apic/io_apic.c): indirect register access, the entry
 * writes in Linux's order, the version check, EOI; and the routing decode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vplat/ioapic.h"

static struct vioapic io;

static int setup(void **state)
{
	memset(&io, 0x5a, sizeof(io)); /* reset must not depend on zeroed memory */
	ioapic_reset(&io);
	return 0;
}

/* io_apic_read() and io_apic_write(). */
static u32 rd(u32 reg)
{
	ioapic_mmio_write(&io, 0x00, reg);
	return ioapic_mmio_read(&io, 0x10);
}

static void wr(u32 reg, u32 val)
{
	ioapic_mmio_write(&io, 0x00, reg);
	ioapic_mmio_write(&io, 0x10, val);
}

/* ioapic_write_entry(): the high half first, so an unmask comes last. */
static void write_entry(u32 pin, u64 e)
{
	wr(0x11 + 2 * pin, (u32)(e >> 32));
	wr(0x10 + 2 * pin, (u32)e);
}

static u64 read_entry(u32 pin)
{
	return rd(0x10 + 2 * pin) | (u64)rd(0x11 + 2 * pin) << 32;
}

static void test_id_version_arbitration(void **s)
{
	assert_int_equal(rd(0x00), 0);
	/* Only bits 27:24 of the ID register are writable. */
	wr(0x00, 0xffffffff);
	assert_int_equal(rd(0x00), 0x0f000000);
	wr(0x00, 0x02000000);
	assert_int_equal(rd(0x00), 0x02000000);
	/* Arbitration reads the ID. */
	assert_int_equal(rd(0x02), 0x02000000);
	/* 24 entries (23 in bits 23:16), version 0x20. */
	assert_int_equal(rd(0x01), 0x00170020);
	/* io_apic_get_redir_entries() and the version check of __eoi_ioapic_pin(). */
	assert_int_equal(((rd(0x01) >> 16) & 0xff) + 1, IOAPIC_PINS);
	assert_true((rd(0x01) & 0xff) >= 0x20);
	/* Version and arbitration are read-only. */
	wr(0x01, 0);
	wr(0x02, 0x0f000000);
	assert_int_equal(rd(0x01), 0x00170020);
	assert_int_equal(rd(0x02), 0x02000000);
	/* bad_ioapic_register(): not all ones. */
	assert_false(rd(0) == ~0u && rd(1) == ~0u && rd(2) == ~0u);
	/* Register 3 (Boot Configuration) is not there: 0, not a copy of 1 or 2. */
	assert_int_equal(rd(0x03), 0);
}

static void test_ioregsel(void **s)
{
	ioapic_mmio_write(&io, 0x00, 0x12345611);
	assert_int_equal(ioapic_mmio_read(&io, 0x00), 0x11); /* bits 7:0 */
	ioapic_mmio_write(&io, 0x00, 0x01);
	assert_int_equal(ioapic_mmio_read(&io, 0x10), 0x00170020);
	/* Reading IOWIN twice reads the same register: no auto-increment. */
	assert_int_equal(ioapic_mmio_read(&io, 0x10), 0x00170020);
}

static void test_reset_all_masked(void **s)
{
	for (u32 pin = 0; pin < IOAPIC_PINS; pin++) {
		struct ioapic_route r;

		assert_int_equal(read_entry(pin), 0x10000);
		assert_false(ioapic_edge(&io, pin, &r));
	}
}

static void test_entry_round_trip(void **s)
{
	/* Every writable bit of both halves. */
	write_entry(4, 0xff0000000001afffull);
	assert_int_equal(read_entry(4), 0xff0000000001afffull);
	/* Halves are independent. */
	wr(0x11 + 2 * 4, 0x01000000);
	assert_int_equal(read_entry(4), 0x010000000001afffull);
	wr(0x10 + 2 * 4, 0x00010031);
	assert_int_equal(read_entry(4), 0x0100000000010031ull);
	/* Neighbours untouched. */
	assert_int_equal(read_entry(3), 0x10000);
	assert_int_equal(read_entry(5), 0x10000);
	/* The last pin: registers 0x3e and 0x3f. */
	write_entry(23, 0x0300000000000041ull);
	assert_int_equal(rd(0x3e), 0x41);
	assert_int_equal(rd(0x3f), 0x03000000);
}

static void test_read_only_and_reserved_bits(void **s)
{
	/* Delivery status (12) and Remote IRR (14) read 0 whatever is written. */
	write_entry(1, BIT(12) | BIT(14) | 0x30);
	assert_int_equal(read_entry(1), 0x30);
	/* Reserved bits 55:17 read 0. */
	write_entry(1, 0x00fffffffffe0030ull);
	assert_int_equal(read_entry(1), 0x30);
	/*
	 * clear_IO_APIC_pin(): mask, read back, find no Remote IRR, then
	 * ioapic_mask_entry() writes the low half first.
	 */
	write_entry(2, 0x0000000000008031ull); /* level, unmasked */
	u64 e = read_entry(2) | BIT(16);
	write_entry(2, e);
	e = read_entry(2);
	assert_false(e & BIT(14));
	wr(0x10 + 2 * 2, 0x10000);
	wr(0x11 + 2 * 2, 0);
	assert_int_equal(read_entry(2), 0x10000);
}

static void test_mask_and_edge(void **s)
{
	struct ioapic_route r;

	/* What Linux programs for the UART: vector 0x24, fixed, physical, to CPU 0. */
	write_entry(4, 0x0000000000010024ull);
	assert_false(ioapic_edge(&io, 4, &r)); /* still masked */
	/* unmask_ioapic_irq(): only the low half. */
	wr(0x10 + 2 * 4, 0x00000024);
	memset(&r, 0xee, sizeof(r));
	assert_true(ioapic_edge(&io, 4, &r));
	assert_int_equal(r.vector, 0x24);
	assert_int_equal(r.mode, 0);
	assert_false(r.logical);
	assert_int_equal(r.dest, 0);
	/* mask_ioapic_irq(), then the dummy read io_apic_sync() makes. */
	wr(0x10 + 2 * 4, 0x00010024);
	ioapic_mmio_read(&io, 0x10);
	assert_false(ioapic_edge(&io, 4, &r));
}

static void test_routing_decode(void **s)
{
	const struct {
		u64 entry;
		u8 vector, mode;
		bool logical;
		u32 dest;
	} cases[] = {
	    {0x0300000000000031ull, 0x31, 0, false, 3},	   /* fixed, physical CPU 3 */
	    {0xff00000000000031ull, 0x31, 0, false, 0xff}, /* 8 bits of destination */
	    {0x0500000000000931ull, 0x31, 1, true, 5},	   /* lowest priority, logical */
	    {0x0100000000000400ull, 0x00, 4, false, 1},	   /* NMI */
	    {0x0000000000000700ull, 0x00, 7, false, 0},	   /* ExtINT */
	    {0x020000000000a0efull, 0xef, 0, false, 2},	   /* level, active low: still an edge */
	    {0x8000000000000fffull, 0xff, 7, true, 0x80},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ioapic_route r;

		write_entry(7, cases[i].entry);
		assert_true(ioapic_edge(&io, 7, &r));
		assert_int_equal(r.vector, cases[i].vector);
		assert_int_equal(r.mode, cases[i].mode);
		assert_int_equal(r.logical, cases[i].logical);
		assert_int_equal(r.dest, cases[i].dest);
	}
}

static void test_out_of_range(void **s)
{
	struct ioapic_route r;

	/* Pins past the last. */
	assert_false(ioapic_edge(&io, IOAPIC_PINS, &r));
	assert_false(ioapic_edge(&io, ~0u, &r));
	/* Register indexes past the table, or between ARB and the table, read 0 ... */
	for (u32 reg = 0x03; reg < 0x10; reg++)
		assert_int_equal(rd(reg), 0);
	for (u32 reg = 0x40; reg < 0x100; reg++) {
		wr(reg, 0xffffffff); /* ... and take no write */
		assert_int_equal(rd(reg), 0);
	}
	for (u32 pin = 0; pin < IOAPIC_PINS; pin++)
		assert_int_equal(read_entry(pin), 0x10000);
	assert_int_equal(rd(0x00), 0);
	/* Offsets other than IOREGSEL, IOWIN, EOI read all ones; writes are dropped. */
	const u64 offs[] = {0x04, 0x08, 0x0c, 0x14, 0x20, 0x30, 0x3c, 0x44, 0x80, 0xffc, 0x1000};
	ioapic_mmio_write(&io, 0x00, 0x01);
	for (size_t i = 0; i < ARRAY_SIZE(offs); i++) {
		ioapic_mmio_write(&io, offs[i], 0x10);
		assert_int_equal(ioapic_mmio_read(&io, offs[i]), 0xffffffff);
	}
	assert_int_equal(ioapic_mmio_read(&io, 0x00), 0x01);
	assert_int_equal(ioapic_mmio_read(&io, 0x10), 0x00170020);
}

static void test_eoi_register(void **s)
{
	/* __eoi_ioapic_pin(): a write of the vector; accepted, changes nothing. */
	write_entry(4, 0x0000000000008024ull);
	ioapic_mmio_write(&io, 0x00, 0x10 + 2 * 4);
	ioapic_mmio_write(&io, 0x40, 0x24);
	assert_int_equal(ioapic_mmio_read(&io, 0x00), 0x18); /* IOREGSEL kept */
	assert_int_equal(read_entry(4), 0x0000000000008024ull);
	assert_int_equal(ioapic_mmio_read(&io, 0x40), 0); /* write-only */
}


/* ---- moving a partition (ioapic_save / ioapic_check / ioapic_restore) ----- */

static void test_state_round_trip(void **s)
{
	struct rv_platform_state st;
	struct vioapic m;
	struct ioapic_route rt;

	write_entry(4, 0x0300000000000031ull); /* vector 0x31 to APIC 3, unmasked */
	write_entry(9, 0x0100000000008022ull); /* level, masked below */
	wr(0x00, 0x0a000000);		       /* ID 10 */
	ioapic_mmio_write(&io, 0x00, 0x12);    /* IOREGSEL left at pin 1 low */
	memset(&st, 0x77, sizeof(st));
	ioapic_save(&io, &st);
	assert_int_equal(ioapic_check(&st), 0);
	memset(&m, 0x5a, sizeof(m));
	ioapic_restore(&m, &st);
	assert_memory_equal(&m, &io, sizeof(io));
	assert_true(ioapic_edge(&m, 4, &rt));
	assert_int_equal(rt.vector, 0x31);
	assert_int_equal(rt.dest, 3);
	assert_int_equal(ioapic_mmio_read(&m, 0x00), 0x12);
}

static void test_state_refusals(void **s)
{
	struct rv_platform_state good, st;

	memset(&good, 0, sizeof(good));
	ioapic_save(&io, &good);
	assert_int_equal(ioapic_check(&good), 0);
	st = good;
	st.ioapic_sel = 0x100; /* 82093AA, 3.1.1: bits 31:8 reserved */
	assert_int_equal(ioapic_check(&st), -1);
	st = good;
	st.ioapic_id = 0x10000000; /* only 27:24 */
	assert_int_equal(ioapic_check(&st), -1);
	st = good;
	st.ioapic_redir[23] |= 1ull << 12; /* delivery status: read-only */
	assert_int_equal(ioapic_check(&st), -1);
	st = good;
	st.ioapic_redir[0] |= 1ull << 14; /* Remote IRR: never set here */
	assert_int_equal(ioapic_check(&st), -1);
	st = good;
	st.ioapic_redir[5] |= 1ull << 40; /* reserved 55:17 */
	assert_int_equal(ioapic_check(&st), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_id_version_arbitration, setup),
	    cmocka_unit_test_setup(test_ioregsel, setup),
	    cmocka_unit_test_setup(test_reset_all_masked, setup),
	    cmocka_unit_test_setup(test_entry_round_trip, setup),
	    cmocka_unit_test_setup(test_read_only_and_reserved_bits, setup),
	    cmocka_unit_test_setup(test_mask_and_edge, setup),
	    cmocka_unit_test_setup(test_routing_decode, setup),
	    cmocka_unit_test_setup(test_out_of_range, setup),
	    cmocka_unit_test_setup(test_eoi_register, setup),
	    cmocka_unit_test_setup(test_state_round_trip, setup),
	    cmocka_unit_test_setup(test_state_refusals, setup),
	};
	return cmocka_run_group_tests_name("ioapic", tests, NULL, NULL);
}
