// SPDX-License-Identifier: MIT
/*
 * The I/O APIC of a Linux partition (hv/vplat/ioapic.h), after the 82093AA
 * data sheet (3.0 Register Description), with the version and EOI register
 * of the I/O(x)APICs in PCI 2.2 chipsets (version 0x20), which is what
 * Linux's arch/x86/kernel/apic/io_apic.c expects of a modern one:
 *
 *   io_apic_read/io_apic_write  IOREGSEL at 0x00, then IOWIN at 0x10.
 *   mp_register_ioapic()        registers 0, 1, 2 must not all read ~0
 *                               (bad_ioapic_register) and register 1 gives
 *                               the number of pins (bits 23:16, plus one).
 *   __eoi_ioapic_pin()          a version >= 0x20 takes a write of the
 *                               vector to the EOI register at 0x40.
 *   ioapic_write_entry()        high half first, then the low half that
 *                               may unmask; clear_IO_APIC_pin() reads the
 *                               entry back and looks at Remote IRR (reads 0
 *                               here, so it never tries to EOI a pin).
 */
#include "lib/types.h"
#include "lib/lib.h"
#include "vplat/ioapic.h"

/* MMIO offsets in the page. */
#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOEOI 0x40

/* Register indexes behind IOWIN. */
#define REG_ID 0x00
#define REG_VER 0x01
#define REG_ARB 0x02
#define REG_REDIR0 0x10

#define ID_MASK 0x0f000000u /* bits 27:24; the rest is reserved */
/* Version 0x20 (PCI 2.2 I/O(x)APIC), maximum redirection entry in 23:16. */
#define VERSION (0x20u | ((IOAPIC_PINS - 1u) << 16))

/* Redirection entry bits (82093AA, 3.2.4). */
#define RTE_VECTOR 0x00000000000000ffull
#define RTE_MODE 0x0000000000000700ull
#define RTE_LOGICAL BIT(11)
#define RTE_DELIVS BIT(12) /* delivery status: read-only */
#define RTE_POLARITY BIT(13)
#define RTE_REMOTE_IRR BIT(14) /* read-only */
#define RTE_LEVEL BIT(15)
#define RTE_MASKED BIT(16)
#define RTE_DEST 0xff00000000000000ull
/*
 * What software can set: everything but the two read-only status bits and
 * the reserved bits 55:17, which read 0.  Delivery status reads 0 (idle)
 * because delivery here is instant; Remote IRR reads 0 because no level
 * is ever held (ioapic.h).
 */
#define RTE_WRITABLE                                                                               \
	(RTE_VECTOR | RTE_MODE | RTE_LOGICAL | RTE_POLARITY | RTE_LEVEL | RTE_MASKED | RTE_DEST)

void ioapic_reset(struct vioapic *io)
{
	memset(io, 0, sizeof(*io));
	/* 82093AA, 3.2.4: after reset every entry is masked. */
	for (u32 i = 0; i < IOAPIC_PINS; i++)
		io->redir[i] = RTE_MASKED;
}

/* The pin behind register index `reg`, or -1: 0x10 + 2 * pin (+1 high). */
static int redir_pin(u32 reg)
{
	if (reg < REG_REDIR0 || reg >= REG_REDIR0 + 2 * IOAPIC_PINS)
		return -1;
	return (int)((reg - REG_REDIR0) / 2);
}

static u32 reg_read(const struct vioapic *io, u32 reg)
{
	int pin = redir_pin(reg);

	if (pin >= 0)
		return (reg & 1) ? (u32)(io->redir[pin] >> 32) : (u32)io->redir[pin];
	switch (reg) {
	case REG_ID:
		return io->id;
	case REG_VER:
		return VERSION;
	case REG_ARB:
		/*
		 * The arbitration id is loaded from the ID register (82093AA,
		 * 3.2.3); there is no APIC bus to change it.
		 */
		return io->id;
	}
	/*
	 * Nothing else is implemented (register 3, Boot Configuration, is a
	 * chipset extension).  Reading 0 keeps Linux's print_IO_APIC() from
	 * taking it for a copy of register 1 or 2.
	 */
	return 0;
}

static void reg_write(struct vioapic *io, u32 reg, u32 val)
{
	int pin = redir_pin(reg);
	u64 e;

	if (pin < 0) {
		/* Version and arbitration are read-only. */
		if (reg == REG_ID)
			io->id = val & ID_MASK;
		return;
	}
	e = io->redir[pin];
	if (reg & 1)
		e = (e & 0xffffffffull) | ((u64)val << 32);
	else
		e = (e & ~0xffffffffull) | val;
	io->redir[pin] = e & RTE_WRITABLE;
}

u32 ioapic_mmio_read(struct vioapic *io, u64 off)
{
	switch (off) {
	case IOREGSEL:
		return io->sel;
	case IOWIN:
		return reg_read(io, io->sel);
	case IOEOI:
		return 0; /* write-only */
	}
	return ~0u;
}

void ioapic_mmio_write(struct vioapic *io, u64 off, u32 val)
{
	switch (off) {
	case IOREGSEL:
		/* 82093AA, 3.1.1: bits 7:0 select the register, 31:8 reserved. */
		io->sel = val & 0xff;
		return;
	case IOWIN:
		reg_write(io, io->sel, val);
		return;
	case IOEOI:
		/*
		 * An EOI clears Remote IRR of the entries with that vector;
		 * Remote IRR is never set here (edge delivery only), so there
		 * is nothing to clear and nothing to re-deliver.
		 */
		return;
	}
}

bool ioapic_edge(const struct vioapic *io, u32 pin, struct ioapic_route *out)
{
	u64 e;

	if (pin >= IOAPIC_PINS)
		return false;
	e = io->redir[pin];
	if (e & RTE_MASKED)
		return false;
	out->vector = (u8)(e & RTE_VECTOR);
	out->mode = (u8)((e & RTE_MODE) >> 8);
	out->logical = e & RTE_LOGICAL;
	/*
	 * An 8-bit destination, as Linux programs it without interrupt
	 * remapping (destid_0_7; bits 55:49 carry virt_destid_8_14 only for
	 * a hypervisor that offers the extended destination id, which this
	 * platform does not, so they are reserved and read 0).
	 */
	out->dest = (u32)(e >> 56);
	return true;
}

_Static_assert(RV_IOAPIC_PINS == IOAPIC_PINS, "rv_platform_state.ioapic_redir has every pin");

void ioapic_save(const struct vioapic *io, struct rv_platform_state *s)
{
	s->ioapic_sel = io->sel;
	s->ioapic_id = io->id;
	for (u32 i = 0; i < IOAPIC_PINS; i++)
		s->ioapic_redir[i] = io->redir[i];
}

int ioapic_check(const struct rv_platform_state *s)
{
	if (s->ioapic_sel & ~0xffu || s->ioapic_id & ~ID_MASK)
		return -1;
	for (u32 i = 0; i < IOAPIC_PINS; i++)
		if (s->ioapic_redir[i] & ~RTE_WRITABLE)
			return -1;
	return 0;
}

void ioapic_restore(struct vioapic *io, const struct rv_platform_state *s)
{
	io->sel = s->ioapic_sel;
	io->id = s->ioapic_id;
	for (u32 i = 0; i < IOAPIC_PINS; i++)
		io->redir[i] = s->ioapic_redir[i];
}
