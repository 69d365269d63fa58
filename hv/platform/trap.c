// SPDX-License-Identifier: MIT
/* Host exceptions: the hypervisor never expects one, so each is a panic. */
#include "platform/apic.h"
#include "platform/cpustate.h"
#include "platform/desc.h"
#include "platform/panic.h"
#include "lib/x86.h"
#include "platform/console.h"
#include "platform/percpu.h"

struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error, rip, cs, rflags, rsp, ss;
};

static const char *const exc_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound", "#UD invalid opcode", "#NM no FPU", "#DF double fault", "coproc",
	"#TS invalid TSS", "#NP not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved", "#MF x87", "#AC alignment", "#MC machine check",
	"#XM SIMD", "#VE virtualization", "#CP control protection",
};

void isr_dispatch(struct trap_frame *f);
void isr_dispatch(struct trap_frame *f)
{
	if (f->vector == KICK_VECTOR) {
		apic_eoi();
		return;
	}
	if (f->vector >= 32) { /* a device interrupt nobody masked: end it, note it */
		static u32 strays; /* any CPU; only a count for the log */
		if (__atomic_fetch_add(&strays, 1, __ATOMIC_RELAXED) < 4)
			hv_printf("stray interrupt vector %lu in the host\n", f->vector);
		if (apic_needs_eoi(f->vector)) /* the spurious vector takes none */
			apic_eoi();
		return;
	}
	if (f->vector == 2) { /* NMI: a panicking CPU wants to know where we are */
		if (__atomic_exchange_n(&this_cpu()->dump_req, 0, __ATOMIC_SEQ_CST)) {
			hv_printf("NMI dump: host rip=%lx rsp=%lx rbp=%lx\n", f->rip, f->rsp, f->rbp);
			u64 *fp = (u64 *)f->rbp;
			for (int i = 0; i < 8 && fp && ((u64)fp & 7) == 0 && (u64)fp > 0x100000; i++) {
				hv_printf("  called from %lx\n", fp[1]);
				fp = (u64 *)fp[0];
			}
		}
		return;
	}
	const char *name = f->vector < 32 && exc_names[f->vector] ? exc_names[f->vector] : "interrupt";
	hv_printf("host exception %lu (%s) error=%lx rip=%lx rsp=%lx cr2=%lx\n", f->vector, name,
		  f->error, f->rip, f->rsp, f->vector == 14 ? ({
			  u64 cr2;
			  asm volatile("mov %%cr2, %0" : "=r"(cr2));
			  cr2;
		  }) : 0ul);
	hv_printf("rax=%lx rbx=%lx rcx=%lx rdx=%lx rsi=%lx rdi=%lx rbp=%lx\n", f->rax, f->rbx,
		  f->rcx, f->rdx, f->rsi, f->rdi, f->rbp);
	hv_printf("r8=%lx r9=%lx r10=%lx r11=%lx r12=%lx r13=%lx r14=%lx r15=%lx\n", f->r8, f->r9,
		  f->r10, f->r11, f->r12, f->r13, f->r14, f->r15);
	panic("unexpected host exception %lu (%s) at rip %lx", f->vector, name, f->rip);
}
