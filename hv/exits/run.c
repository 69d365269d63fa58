// SPDX-License-Identifier: MIT
/*
 * The per-CPU run loop: pick up this CPU's vCPU, let it check its
 * requests, enter it through hv/vmx/, count and trace the exit and call
 * its handler from the one exit-reason table.
 */
#include "dirtyring/dirty.h"
#include "exits/exits.h"
#include "lib/x86.h"
#include "partition/partition.h"
#include "partition/vcpu.h"
#include "platform/console.h"
#include "platform/percpu.h"
#include "platform/trace.h"
#include "rv_exit_reasons.h" /* generated from vmx/exit_reasons.def */
#include "vmx/vmx.h"
#include "vplat/vplat.h"

_Static_assert(RV_EXIT_REASON_LIMIT <= RV_NR_EXIT_REASONS,
	       "an exit reason in exit_reasons.def does not fit struct rv_vcpu_stats");

/* The dispatch table, generated from exit_reasons.def. */
static const exit_handler_t exit_table[RV_NR_EXIT_REASONS] = {
#define X(nr, name, handler) [nr] = handler,
#include "vmx/exit_reasons.def"
#undef X
};

/* The vCPU whose exit this CPU is handling, for the panic dump. */
static struct vcpu *current_vcpu[RV_MAX_CPUS]; /* each CPU writes its own slot */

void run_dump_current(void)
{
	struct vcpu *v = current_vcpu[this_cpu_id()];

	if (!v)
		return;
	hv_printf("vCPU %u.%u exit reason %u (%s) qualification %lx\n", partition_id(v->part),
		  v->index, v->exit.reason, vmx_exit_name(v->exit.reason), v->exit.qual);
	vmx_dump_guest(&v->vmx);
}

static void run_once(struct vcpu *v)
{
	u32 cpu = this_cpu_id();
	struct vmx_exit *e = &v->exit;

	current_vcpu[cpu] = v; /* a failed entry panics with this vCPU's state */
	vmx_run(&v->vmx, e);
	v->stats.exits_total++;
	if (e->basic < RV_NR_EXIT_REASONS)
		v->stats.exits[e->basic]++;
	trace(RV_TR_EXIT, v->part->id << 16 | v->index, e->basic, trace_on ? vmx_guest_rip() : 0);
	hv_debug("exit %s (%u) rip=%lx qual=%lx\n", vmx_exit_name(e->basic), e->basic,
		 vmx_guest_rip(), e->qual);
	exit_handler_t fn = e->basic < RV_NR_EXIT_REASONS && exit_table[e->basic]
				? exit_table[e->basic]
				: exit_unexpected;
	fn(v, e);
	/*
	 * An exit during event delivery (an EPT violation on the guest's
	 * stack, IDT or GDT; a full PML page) must not lose the event:
	 * deliver it with the next entry, whenever that is (a vCPU held for
	 * a full ring enters later, with the same VMCS).  For a vCPU the
	 * handler stopped there is no next entry, and no harm.
	 */
	if (vmx_reinject(e) && !vcpu_state_is_final(v->state))
		v->stats.reinjected++;
	/* PML: what the processor logged reaches the ring at every exit. */
	if (v->vmx.pml_hpa)
		dirty_pml_drain(&v->part->dirty, v->index);
	current_vcpu[cpu] = NULL;
}

void cpu_run_loop(void)
{
	struct percpu *c = this_cpu();

	for (;;) {
		vmx_flush_service();
		c->loops++;
		struct vcpu *v = READ_ONCE(c->vcpu);
		/* A Linux vCPU may be halted or not started: its platform says. */
		if (v && vcpu_ready(v) && (!v->part->plat || vplat_prepare(v))) {
			WRITE_ONCE(c->in_guest, 1);
			run_once(v);
			WRITE_ONCE(c->in_guest, 0);
			WRITE_ONCE(c->last_exit, v->exit.basic);
		} else {
			cpu_relax();
		}
	}
}
