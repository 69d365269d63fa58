// SPDX-License-Identifier: MIT
/*
 * The one memory-mapped device of a Linux partition: the I/O APIC at
 * 0xfec00000.  Its page is not in the partition's EPT, so every access is
 * an EPT violation (Vol. 3C, 29.3.3, EPT-Induced VM Exits) that says the
 * guest-physical address but not the access's size or register: those
 * come from the instruction, fetched through the guest's page tables and
 * decoded (decode.c).  Any other address outside RAM stops the partition
 * (hv/exits/eptfault.c), as before.
 */
#include "lib/x86.h"
#include "partition/partition.h"
#include "partition/vcpu.h"
#include "platform/console.h"
#include "vmx/vmx.h"
#include "vplat/decode.h"
#include "vplat/vplat.h"

#define PTE_P BIT(0)
#define PTE_PS BIT(7)
#define PTE_ADDR 0x000ffffffffff000ull

/*
 * Linear to guest-physical through the guest's 4-level tables (Vol. 3A,
 * 4.5, 4-Level Paging and 5-Level Paging; CPUID hides LA57), or the
 * identity with paging off.  Only present entries are followed; access
 * rights are not checked (the guest's kernel fetches its own code).
 */
static bool guest_walk(struct partition *p, u64 la, u64 *gpa)
{
	if (!(vmx_guest_cr0() & CR0_PG)) {
		*gpa = la & 0xffffffff;
		return true;
	}
	if (!(vmx_guest_efer() & EFER_LMA))
		return false; /* 32-bit paging: Linux on x86-64 never maps MMIO so */
	u64 table = vmx_guest_cr3() & PTE_ADDR;
	for (int level = 3; level >= 0; level--) {
		u64 *t = partition_ram(p, table, PAGE_SIZE);
		if (!t)
			return false;
		u64 e = READ_ONCE(t[(la >> (12 + 9 * level)) & 511]);
		if (!(e & PTE_P))
			return false;
		if (level == 0 || ((level == 1 || level == 2) && (e & PTE_PS))) {
			u64 page = 1ull << (12 + 9 * level);
			*gpa = (e & PTE_ADDR & ~(page - 1)) | (la & (page - 1));
			return true;
		}
		table = e & PTE_ADDR;
	}
	return false;
}

/* Up to 15 instruction bytes at the guest's RIP; how many could be read. */
static u32 fetch(struct partition *p, u8 *buf)
{
	u64 rip = vmx_guest_rip();
	u32 n = 0;

	while (n < 15) {
		u64 gpa;
		if (!guest_walk(p, rip + n, &gpa))
			break;
		u8 *b = partition_ram(p, gpa, 1);
		if (!b)
			break;
		buf[n++] = *b;
	}
	return n;
}

int vplat_mmio(struct vcpu *v, const struct vmx_exit *e)
{
	struct partition *p = v->part;
	struct vplat *pl = p->plat;
	struct guest_regs *r = &v->vmx.regs;
	struct mmio_insn in;
	u8 bytes[15];

	if (e->gpa < IOAPIC_GPA || e->gpa >= IOAPIC_GPA + PAGE_SIZE)
		return -1;
	/*
	 * Only a data read or write by an instruction in 64-bit code, not
	 * during event delivery: the exit qualification says a linear address
	 * was translated (bits 7 and 8) and it was no fetch (bit 2; Vol. 3C,
	 * 28.2.1, Table 28-7); IDT-vectoring information says no event was on
	 * its way (28.2.4).  Anything else (an IDT or a stack on this page,
	 * a page-table walk through it, code outside 64-bit mode, where the
	 * decoder's REX would be INC or DEC) stops the partition.
	 */
	if ((e->idt_vec_info & BIT(31)) || (e->qual & BIT(2)) || (e->qual & 0x180) != 0x180 ||
	    !vmx_guest_64bit())
		return -1;
	u32 n = fetch(p, bytes);
	if (decode_mmio(bytes, n, &in) || in.size == 1) {
		hv_printf("vCPU %u.%u: I/O APIC access at rip %lx by an instruction not emulated "
			  "(%u bytes fetched, first %x)\n",
			  p->id, v->index, vmx_guest_rip(), n, n ? bytes[0] : 0);
		return -1;
	}
	u64 off = e->gpa - IOAPIC_GPA;
	u64 mask = in.size == 8 ? ~0ull : (1ull << (8 * in.size)) - 1;
	spin_lock(&pl->lock);
	if (in.write) {
		u64 val = in.imm ? in.imm_val : vmx_gpr(r, in.reg);
		if (in.size == 4)
			ioapic_mmio_write(&pl->ioapic, off, (u32)val);
	} else {
		u64 val = in.size == 4 ? ioapic_mmio_read(&pl->ioapic, off) : mask;
		/* A 32- or 64-bit destination takes it whole (32-bit writes clear
		 * bits 63:32); a 16-bit one keeps the register's other bits. */
		if (in.reg_size == 2)
			val = (vmx_gpr(r, in.reg) & ~0xffffull) | (val & 0xffff);
		vmx_set_gpr(r, in.reg, val);
	}
	spin_unlock(&pl->lock);
	vmx_skip_len(in.len);
	return 0;
}
