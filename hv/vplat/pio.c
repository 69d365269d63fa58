// SPDX-License-Identifier: MIT
/*
 * Port I/O of a Linux vCPU.  Every IN and OUT exits (unconditional I/O
 * exiting); the exit qualification says port, size and direction (Vol.
 * 3C, 28.2.1, Basic VM-Exit Information, Table 28-5, Exit Qualification
 * for I/O Instructions).  COM1 (0x3f8-0x3ff) is the UART; behind every
 * other port there is nothing, as on a machine without that device: a
 * read returns all ones and a write is dropped.  String I/O (INS, OUTS)
 * is not emulated: Linux uses it for disks, which this platform has none
 * of, and a guest that tries it is stopped with the reason printed.
 */
#include "lib/x86.h"
#include "partition/partition.h"
#include "partition/vcpu.h"
#include "platform/console.h"
#include "vmx/vmx.h"
#include "vplat/vplat.h"

#define COM1 0x3f8
#define UART_IRQ 4 /* COM1's ISA IRQ, on I/O APIC pin 4 (linux.c tells the guest) */

/*
 * An edge on the UART's interrupt line goes through the I/O APIC to the
 * local APIC its redirection entry names (82093AA data sheet; physical
 * destination = the vCPU index, which is its x2APIC id).  Called with
 * the platform lock held.
 */
static void uart_irq_update(struct vcpu *v)
{
	struct vplat *pl = v->part->plat;
	bool line = uart_irq_line(&pl->uart);
	struct ioapic_route rt;

	if (line && !pl->uart_line && ioapic_edge(&pl->ioapic, UART_IRQ, &rt) && !rt.logical &&
	    rt.mode <= 1 && rt.vector >= 16)
		vplat_deliver(v->part, rt.dest, rt.vector);
	pl->uart_line = line;
}

int vplat_io(struct vcpu *v, const struct vmx_exit *e)
{
	struct vplat *pl = v->part->plat;
	struct guest_regs *r = &v->vmx.regs;
	u32 size = (e->qual & 7) + 1, port = (u32)(e->qual >> 16) & 0xffff;
	bool in = e->qual & BIT(3);

	if (e->qual & BIT(4)) {
		hv_printf("vCPU %u.%u: string I/O (%s port %x) is not emulated\n", v->part->id,
			  v->index, in ? "INS" : "OUTS", port);
		return -1;
	}
	u64 mask = size == 4 ? 0xffffffffull : (1ull << (8 * size)) - 1;
	if (port >= COM1 && port < COM1 + 8 && size == 1) {
		spin_lock(&pl->lock);
		if (in)
			r->rax = (r->rax & ~mask) | uart_read(&pl->uart, port - COM1);
		else
			uart_write(&pl->uart, port - COM1, (u8)r->rax, vplat_console_sink, v);
		uart_irq_update(v);
		spin_unlock(&pl->lock);
	} else if (in) {
		/* IN to EAX clears bits 63:32 of RAX, as every 32-bit destination does. */
		r->rax = size == 4 ? mask : (r->rax & ~mask) | mask;
	}
	vmx_skip_instruction(e);
	return 0;
}
