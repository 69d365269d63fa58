// SPDX-License-Identifier: MIT
/*
 * WORK_TEST_EVENTS: take exceptions, software interrupts and single-step
 * traps with the IDT, a copy of the GDT and the stack all in the data
 * slot, which the management partition logs and re-protects again and
 * again.  Delivering an event writes the stack (the interrupt frame) and
 * may write the GDT (a descriptor's accessed bit): when that page is
 * write-protected the delivery itself takes an EPT violation, and the
 * hypervisor must inject the event again (docs/03-vmx.md).  A single-step
 * #DB is a trap: its instruction has retired, so a lost one stays lost,
 * and the count below shows it.
 */
#include "guest.h"
#include "work.h"
#include "worktests.h"

/* In the data slot (guest-physical = linear here). */
#define EV_IDT (RV_GPA_DATA + 0x0000)
#define EV_GDT (RV_GPA_DATA + 0x1000)
#define EV_STACK_TOP (RV_GPA_DATA + 0x8000)
#define EV_STEPS 64 /* single-stepped NOPs per round */

/* Counted by the handlers (in our image: the system slot, not logged). */
uint64_t ev_db, ev_bp, ev_sw, ev_ud;
extern const uint8_t ev_sled_start[], ev_sled_end[];
void ev_db_entry(void);
void ev_bp_entry(void);
void ev_sw_entry(void);
void ev_ud_entry(void);
/* Call fn(arg) with the stack pointer at top; return its result. */
uint64_t ev_on_stack(uint64_t top, uint64_t (*fn)(uint64_t), uint64_t arg);

/*
 * The handlers.  #DB counts traps whose RIP lies in the sled and, at its
 * end, clears TF in the saved RFLAGS.  #UD steps over the two-byte UD2.
 */
asm(".text\n"
    "ev_db_entry:\n"
    "	push %rax\n"
    "	mov 8(%rsp), %rax\n"          /* the saved RIP */
    "	cmp $ev_sled_start, %rax\n"
    "	jbe 1f\n"
    "	cmp $ev_sled_end, %rax\n"
    "	ja 1f\n"
    "	lock incq ev_db(%rip)\n"
    "	cmp $ev_sled_end, %rax\n"
    "	jne 1f\n"
    "	btrq $8, 24(%rsp)\n"          /* TF off in the saved RFLAGS */
    "1:	pop %rax\n"
    "	iretq\n"
    "ev_bp_entry:\n"
    "	lock incq ev_bp(%rip)\n"
    "	iretq\n"
    "ev_sw_entry:\n"
    "	lock incq ev_sw(%rip)\n"
    "	iretq\n"
    "ev_ud_entry:\n"
    "	lock incq ev_ud(%rip)\n"
    "	addq $2, (%rsp)\n"
    "	iretq\n"
    "ev_on_stack:\n"
    "	push %rbp\n"
    "	mov %rsp, %rbp\n"
    "	mov %rdi, %rsp\n"
    "	mov %rdx, %rdi\n"
    "	call *%rsi\n"
    "	mov %rbp, %rsp\n"
    "	pop %rbp\n"
    "	ret\n");

struct idt_gate {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, rsvd;
} __attribute__((packed));

struct dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static void set_gate(struct idt_gate *idt, int vec, void (*fn)(void))
{
	uint64_t a = (uint64_t)fn;

	/* A present 64-bit interrupt gate, DPL 0 (DPL 3 for INT3 and INT n
	 * would not matter at CPL 0; keep it simple). */
	idt[vec] = (struct idt_gate){ .off0 = (uint16_t)a, .sel = 0x08, .type = 0x8e,
				      .off1 = (uint16_t)(a >> 16), .off2 = (uint32_t)(a >> 32) };
}

/* One round: EV_STEPS single-stepped NOPs, INT3, INT 0x80, UD2. */
static void one_round(void)
{
	asm volatile("pushfq\n\t"
		     "orq $0x100, (%%rsp)\n\t"
		     "popfq\n\t" /* TF: a trap after each instruction from the next one on */
		     ".globl ev_sled_start\n"
		     "ev_sled_start:\n\t"
		     ".rept 64\n\t"
		     "nop\n\t"
		     ".endr\n"
		     ".globl ev_sled_end\n"
		     "ev_sled_end:\n\t"
		     "int3\n\t"
		     "int $0x80\n\t"
		     "ud2\n\t" ::
			     : "memory", "cc");
}

/* The rounds, on the stack in the data slot; returns how many ran. */
static uint64_t run_rounds(uint64_t rounds)
{
	struct work_ctrl *ctrl = (struct work_ctrl *)WORK_CTRL_GPA;
	uint64_t r;

	for (r = 0; r < rounds && !load_acquire(&ctrl->stop); r++) {
		one_round();
		store_relaxed(&ctrl->writes[0], r + 1);
	}
	return r;
}

int test_events(uint32_t vcpu, const struct rv_guest_boot *boot)
{
	struct work_ctrl *ctrl = (struct work_ctrl *)WORK_CTRL_GPA;
	struct idt_gate *idt = (struct idt_gate *)EV_IDT;
	uint64_t rounds = boot->args[3], r;
	struct dtr old_gdt, gdt, idtr = { 256 * 16 - 1, EV_IDT };

	_Static_assert(EV_STEPS == 64, "the sled in one_round has 64 NOPs");
	if (vcpu != 0 || boot->data_size < 0x8000)
		return WORK_STATUS_EXPECT;
	memset(idt, 0, 256 * 16);
	set_gate(idt, 1, ev_db_entry);
	set_gate(idt, 3, ev_bp_entry);
	set_gate(idt, 6, ev_ud_entry);
	set_gate(idt, 0x80, ev_sw_entry);
	/* The GDT too: a copy in the data slot, code and data descriptors
	 * with their accessed bits clear, so that loading them writes it. */
	asm volatile("sgdt %0" : "=m"(old_gdt));
	memcpy((void *)EV_GDT, (void *)old_gdt.base, old_gdt.limit + 1u);
	((uint64_t *)EV_GDT)[1] &= ~(1ull << 40);
	((uint64_t *)EV_GDT)[2] &= ~(1ull << 40);
	gdt = (struct dtr){ old_gdt.limit, EV_GDT };
	asm volatile("lgdt %0; lidt %1" ::"m"(gdt), "m"(idtr) : "memory");
	/* The stack as well: every interrupt frame goes to the data slot. */
	r = ev_on_stack(EV_STACK_TOP, run_rounds, rounds);
	struct dtr none = { 0, 0 };
	asm volatile("lgdt %0; lidt %1" ::"m"(old_gdt), "m"(none) : "memory");
	/* What arrived, for the management partition (counted on both sides). */
	ctrl->done_iter[0] = r;
	ctrl->cur_page[0] = ev_db;
	ctrl->cur_page[1] = ev_bp + ev_sw + ev_ud;
	gprintf("events: %lu rounds: %lu single-step traps (want %lu), %lu #BP, %lu INT 0x80, "
		"%lu #UD\n", r, ev_db, r * EV_STEPS, ev_bp, ev_sw, ev_ud);
	return ev_db == r * EV_STEPS && ev_bp == r && ev_sw == r && ev_ud == r ? WORK_STATUS_OK
									      : WORK_STATUS_EXPECT;
}
