// SPDX-License-Identifier: MIT
/*
 * The cross-CPU protocol around a vCPU: requests and kicks, pause, resume
 * and save, and the owner's check of its requests before every entry.
 * The run loop that calls vcpu_ready is hv/exits/run.c.
 */
#include "dirtyring/dirty.h"
#include "lib/x86.h"
#include "partition/partition.h"
#include "partition/vcpu.h"
#include "platform/percpu.h"
#include "platform/smp.h"
#include "platform/tsc.h"
#include "vmx/vmx.h"

void vcpu_kick(struct vcpu *v)
{
	if (v->cpu != this_cpu_id())
		smp_kick_cpu(v->cpu);
}

/* v's CPU did not answer even NMIs: stop v's partition, tell the caller. */
static int unresponsive(struct vcpu *v)
{
	partition_stop(v->part, RV_FAULT_CPU_UNRESPONSIVE, BIT(v->cpu));
	return -RV_ETIMEDOUT;
}

int vcpu_pause_sync(struct vcpu *v)
{
	struct smp_wait w;

	vcpu_request(v, VREQ_PAUSE);
	smp_wait_begin(&w, v->cpu);
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
		if (!smp_wait_more(&w))
			return unresponsive(v);
		vmx_wait_relax();
	}
}

int vcpu_save_sync(struct vcpu *v)
{
	u64 seq = load_acquire(&v->saved_seq);
	u32 s = load_acquire(&v->state);
	struct smp_wait w;

	if (s != VCPU_PAUSED || !v->vmx.loaded)
		return -RV_EBUSY; /* hold it first; a vCPU that never ran has no state */
	vcpu_request(v, VREQ_SAVE);
	smp_wait_begin(&w, v->cpu);
	while (load_acquire(&v->saved_seq) == seq) {
		if (!smp_wait_more(&w))
			return unresponsive(v);
		vmx_wait_relax();
	}
	return 0;
}

void vcpu_resume(struct vcpu *v)
{
	vcpu_clear_request(v, VREQ_PAUSE);
	vcpu_kick(v);
}

bool vcpu_ready(struct vcpu *v)
{
	struct percpu *c = this_cpu();
	u64 req = load_acquire(&v->requests);

	if (req & VREQ_DETACH) {
		vmx_vcpu_unload(&v->vmx);
		WRITE_ONCE(c->vcpu, NULL);
		store_release(&v->state, VCPU_DEAD);
		return false;
	}
	if (req & VREQ_SAVE) {
		if (v->vmx.loaded)
			vmx_save_state(&v->vmx, &v->saved);
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
	if (!dirty_vcpu_may_enter(&v->part->dirty, v->index)) {
		if (v->state != VCPU_BLOCKED)
			store_release(&v->state, VCPU_BLOCKED);
		return false;
	}
	if (!v->vmx.loaded)
		vmx_vcpu_load(&v->vmx);
	if (v->state != VCPU_RUNNING)
		store_release(&v->state, VCPU_RUNNING);
	return true;
}
