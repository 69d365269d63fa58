// SPDX-License-Identifier: MIT
/*
 * GDT, TSS and IDT.  The hypervisor needs its own: OVMF's live in boot
 * services memory, which we reclaim, and VM entry refuses a host TR
 * selector of 0 (Vol. 3C, 27.2.3, Checks on Host Segment and
 * Descriptor-Table Registers).  Interrupts stay disabled in the host; the
 * IDT catches exceptions (each a panic) and the kick vector.
 */
#include "platform/desc.h"
#include "lib/lib.h"
#include "lib/x86.h"

struct idt_entry {
	u16 off0, sel;
	u8 ist, type;
	u16 off1;
	u32 off2, rsvd;
} __attribute__((packed));

static struct idt_entry idt[256]; /* written once by the boot CPU */
extern u64 isr_table[];           /* hv/isr.asm */

static void idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		u64 h = isr_table[v];
		idt[v] = (struct idt_entry){
			.off0 = (u16)h, .sel = HV_CS, .ist = 0, .type = 0x8e,
			.off1 = (u16)(h >> 16), .off2 = (u32)(h >> 32),
		};
	}
}

u64 desc_idt_base(void) { return (u64)idt; }

void desc_init_cpu(struct percpu *c)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) gdtr, idtr;
	u64 tss = (u64)&c->tss;

	if (c->id == 0)
		idt_init();
	memset(c->gdt, 0, sizeof(c->gdt));
	c->gdt[1] = 0x00af9b000000ffffull; /* 0x08: 64-bit code, DPL 0 */
	c->gdt[2] = 0x00cf93000000ffffull; /* 0x10: data */
	/* 0x18: 64-bit available TSS (type 9), 16 bytes */
	c->gdt[3] = (sizeof(struct tss64) - 1) | ((tss & 0xffffff) << 16) | (0x89ull << 40) |
		    ((tss >> 24) & 0xff) << 56;
	c->gdt[4] = tss >> 32;
	memset(&c->tss, 0, sizeof(c->tss));
	c->tss.iomap_base = sizeof(struct tss64);
	c->tss.rsp[0] = c->stack_top;

	gdtr.limit = sizeof(c->gdt) - 1;
	gdtr.base = (u64)c->gdt;
	idtr.limit = sizeof(idt) - 1;
	idtr.base = (u64)idt;
	asm volatile("lgdt %0\n\t"
		     "lidt %1\n\t"
		     "pushq $0x08\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "movw $0x10, %%ax\n\t"
		     "movw %%ax, %%ds\n\t"
		     "movw %%ax, %%es\n\t"
		     "movw %%ax, %%ss\n\t"
		     "xorw %%ax, %%ax\n\t"
		     "movw %%ax, %%fs\n\t"
		     "movw %%ax, %%gs\n\t"
		     "movw $0x18, %%ax\n\t"
		     "ltr %%ax"
		     :
		     : "m"(gdtr), "m"(idtr)
		     : "rax", "memory");
	/* Loading GS above cleared its base: point it at this CPU's struct. */
	wrmsr(MSR_IA32_GS_BASE, (u64)c);
}
