// SPDX-License-Identifier: MIT
/*
 * The per-CPU run loop and the cross-CPU protocol around it: requests and
 * kicks for vCPUs, and EPT invalidation on remote CPUs.
 */
#include "apic.h"
#include "console.h"
#include "desc.h"
#include "dirtyring/dirty.h"
#include "panic.h"
#include "partition.h"
#include "percpu.h"
#include "vcpu.h"
#include "vmx/vmx.h"
#include "x86.h"

#define WAIT_LIMIT 1000000000ull /* TSC ticks before a CPU counts as stuck */

void vcpu_kick(struct vcpu *v)
{
	if (v->cpu != this_cpu_id())
		apic_send_ipi(cpus[v->cpu].apic_id, KICK_VECTOR);
}

/* Answer EPT invalidation requests (see struct percpu). */
static void service_flush(struct percpu *c)
{
	u64 req = load_acquire(&c->flush_req);

	if (req != READ_ONCE(c->flush_done)) {
		vmx_invept_all();
		store_release(&c->flush_done, req);
	}
}

void cpu_wait_relax(void)
{
	service_flush(this_cpu());
	cpu_relax();
}

void cpu_flush_ept(u64 mask)
{
	u64 want[RV_MAX_CPUS];
	u32 self = this_cpu_id();

	for (u32 i = 0; i < nr_cpus; i++) {
		if (!(mask & BIT(i)) || i == self)
			continue;
		want[i] = __atomic_add_fetch(&cpus[i].flush_req, 1, __ATOMIC_SEQ_CST);
		apic_send_ipi(cpus[i].apic_id, KICK_VECTOR);
	}
	if (mask & BIT(self))
		vmx_invept_all();
	for (u32 i = 0; i < nr_cpus; i++) {
		if (!(mask & BIT(i)) || i == self)
			continue;
		u64 end = rdtsc() + WAIT_LIMIT;
		while (load_acquire(&cpus[i].flush_done) < want[i]) {
			if (rdtsc() > end) {
				struct percpu *t = &cpus[i];
				struct vcpu *tv = READ_ONCE(t->vcpu);
				hv_printf("CPU %u: in_guest=%u last_exit=%u loops=%lu flush %lu/%lu "
					  "vcpu state=%u requests=%lx\n", i, READ_ONCE(t->in_guest),
					  READ_ONCE(t->last_exit), READ_ONCE(t->loops),
					  READ_ONCE(t->flush_done), READ_ONCE(t->flush_req),
					  tv ? READ_ONCE(tv->state) : 99, tv ? READ_ONCE(tv->requests) : 0);
				/* Ask it where it is: an NMI gets through when the kick did not. */
				WRITE_ONCE(t->dump_req, 1);
				apic_send_nmi(t->apic_id);
				delay_ticks(20000000);
				panic("CPU %u did not answer an EPT invalidation request", i);
			}
			cpu_wait_relax();
		}
	}
}

int vcpu_pause_sync(struct vcpu *v)
{
	u64 end = rdtsc() + WAIT_LIMIT;

	vcpu_request(v, VREQ_PAUSE);
	vcpu_kick(v);
	for (;;) {
		/*
		 * Only the owner's answer counts: PAUSED (it saw the request,
		 * and checks it before every entry), or a state it never leaves.
		 * BLOCKED is not an answer: that vCPU may have read its requests
		 * before ours arrived.
		 */
		u32 s = load_acquire(&v->state);
		if (s == VCPU_PAUSED || vcpu_state_is_final(s) ||
		    (s == VCPU_NEW && !(load_acquire(&v->requests) & VREQ_RUN)))
			return 0;
		if (rdtsc() > end)
			return -RV_ETIMEDOUT;
		cpu_wait_relax();
	}
}

int vcpu_save_sync(struct vcpu *v)
{
	u64 seq = load_acquire(&v->saved_seq), end = rdtsc() + WAIT_LIMIT;
	u32 s = load_acquire(&v->state);

	if (s != VCPU_PAUSED || !v->loaded)
		return -RV_EBUSY; /* hold it first; a vCPU that never ran has no state */
	vcpu_request(v, VREQ_SAVE);
	vcpu_kick(v);
	while (load_acquire(&v->saved_seq) == seq) {
		if (rdtsc() > end)
			return -RV_ETIMEDOUT;
		cpu_wait_relax();
	}
	return 0;
}

void vcpu_resume(struct vcpu *v)
{
	vcpu_clear_request(v, VREQ_PAUSE);
	vcpu_kick(v);
}

/*
 * Decide, on the owner CPU and before every VM entry, whether v may run.
 * Requests are checked here and only here, so a vCPU never enters the
 * guest with a request outstanding.
 */
static bool vcpu_ready(struct percpu *c, struct vcpu *v)
{
	u64 req = load_acquire(&v->requests);

	if (req & VREQ_DETACH) {
		vmx_vcpu_unload(v);
		WRITE_ONCE(c->vcpu, NULL);
		store_release(&v->state, VCPU_DEAD);
		return false;
	}
	if (req & VREQ_SAVE) {
		if (v->loaded)
			vmx_save_state(v, &v->saved);
		vcpu_clear_request(v, VREQ_SAVE);
		store_release(&v->saved_seq, v->saved_seq + 1);
	}
	if (vcpu_state_is_final(v->state))
		return false;
	if (req & VREQ_STOP) {
		store_release(&v->state, VCPU_FAULTED);
		return false;
	}
	if (!(req & VREQ_RUN))
		return false;
	if (req & VREQ_PAUSE) {
		store_release(&v->state, VCPU_PAUSED);
		return false;
	}
	/* A ring at its soft limit, or full, holds the vCPU until a reset. */
	if (!dirty_vcpu_may_enter(v)) {
		if (v->state != VCPU_BLOCKED)
			store_release(&v->state, VCPU_BLOCKED);
		return false;
	}
	if (!v->loaded)
		vmx_vcpu_load(v);
	if (v->state != VCPU_RUNNING)
		store_release(&v->state, VCPU_RUNNING);
	return true;
}

void cpu_run_loop(void)
{
	struct percpu *c = this_cpu();

	for (;;) {
		service_flush(c);
		c->loops++;
		struct vcpu *v = READ_ONCE(c->vcpu);
		if (v && vcpu_ready(c, v)) {
			WRITE_ONCE(c->in_guest, 1);
			vmx_run(v);
			/* PML: what the processor logged reaches the ring at every exit. */
			if (v->pml_hpa)
				dirty_pml_drain(v);
			WRITE_ONCE(c->in_guest, 0);
			WRITE_ONCE(c->last_exit, EXIT_REASON_BASIC(v->exit_reason));
		} else {
			cpu_relax();
		}
	}
}
