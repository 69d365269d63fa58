/* SPDX-License-Identifier: MIT */
/*
 * An I/O APIC (82093AA data sheet: IOREGSEL at offset 0x00, IOWIN at
 * 0x10; registers ID 0x00, VER 0x01, ARB 0x02, redirection table
 * 0x10..0x3f; plus the EOI register at 0x40 of version 0x20 I/O APICs) with
 * 24 pins, at guest-physical 0xfec00000, for the one device of a Linux
 * partition that interrupts: the UART on pin 4.  Edge-triggered delivery
 * only; a level-triggered entry is delivered like an edge and its Remote
 * IRR is never set (no device here holds a level).  Pure: host-tested in
 * tests/unit/test_ioapic.c.
 *
 * Owner: the partition's platform lock serialises all calls.
 */
#ifndef RV_VPLAT_IOAPIC_H
#define RV_VPLAT_IOAPIC_H

#include "abi/hypercall.h"
#include "lib/types.h"

#define IOAPIC_GPA 0xfec00000ull
#define IOAPIC_PINS 24

struct vioapic {
	u32 sel;                /* IOREGSEL */
	u32 id;                 /* bits 27:24 of register 0 */
	u64 redir[IOAPIC_PINS]; /* reset: masked (bit 16) */
};

/* Where an interrupt goes: the redirection entry, decoded. */
struct ioapic_route {
	u8 vector;
	u8 mode;      /* delivery mode, bits 10:8: 0 fixed, 1 lowest, 4 NMI, ... */
	bool logical; /* destination mode, bit 11 */
	u32 dest;     /* bits 63:56 (physical APIC id or logical mask) */
};

void ioapic_reset(struct vioapic *io);
/* A 32-bit access at offset off (0x00, 0x10 or 0x40) of the page; other
 * offsets and sizes read as all ones and writes are dropped. */
u32 ioapic_mmio_read(struct vioapic *io, u64 off);
void ioapic_mmio_write(struct vioapic *io, u64 off, u32 val);
/* An edge on `pin`: true and *out filled when the entry is unmasked. */
bool ioapic_edge(const struct vioapic *io, u32 pin, struct ioapic_route *out);

/* Moving a partition (RV_HC_PLATFORM_GET/SET_STATE): the registers into s
 * and back; ioapic_check: 0, or -1 for what the model never holds (bits
 * 31:8 of IOREGSEL, ID bits outside 27:24, a redirection entry with its
 * read-only or reserved bits set). */
void ioapic_save(const struct vioapic *io, struct rv_platform_state *s);
int ioapic_check(const struct rv_platform_state *s);
void ioapic_restore(struct vioapic *io, const struct rv_platform_state *s);

#endif
