/* SPDX-License-Identifier: MIT */
/*
 * Virtual CPUs and their requests.  Every vCPU is pinned to one
 * physical CPU (its "owner") for its whole life; only the owner enters it,
 * handles its exits and writes its state.  Other CPUs talk to it through
 * `requests` (atomic bit operations) and a kick IPI.  See docs/05-partitions.md.
 */
#ifndef RV_VCPU_H
#define RV_VCPU_H

#include "abi/hypercall.h"
#include "lib/types.h"
#include "vmx/vmx.h"

struct partition;

enum vcpu_state {
	VCPU_NEW = 0,   /* created, never entered */
	VCPU_RUNNING,   /* the owner enters it */
	VCPU_PAUSED,    /* held in the hypervisor by a pause request */
	VCPU_BLOCKED,   /* held by a subsystem (e.g. a full dirty ring) */
	VCPU_DONE,      /* said RV_HC_VCPU_DONE */
	VCPU_FAULTED,   /* stopped by a guest fault */
	VCPU_DEAD,      /* detached from its CPU; may be freed */
};

/* Requests, set by any CPU, acted on by the owner before the next entry. */
#define VREQ_RUN BIT(0)    /* the partition was started */
#define VREQ_PAUSE BIT(1)  /* hold the vCPU (management asked) */
#define VREQ_DETACH BIT(2) /* the partition is being destroyed */
#define VREQ_STOP BIT(3)   /* another vCPU of the partition faulted */
#define VREQ_SAVE BIT(4)   /* copy the guest state into `saved` (held vCPU) */

struct vcpu {
	struct vmx_vcpu vmx; /* must stay first: its regs are the entry code's */
	struct partition *part;
	u32 index;   /* within the partition */
	u32 cpu;     /* owner CPU */
	u32 state;   /* enum vcpu_state; written by the owner only */
	u64 requests;/* VREQ_*; atomic, any CPU */
	u64 done_status;
	/* Watchdog (RV_HC_PARTITION_WATCHDOG): guest ticks allowed between
	 * hypercalls (0 = none; fixed once started).  What is left of them
	 * is vmx.timer_left, refilled by every hypercall. */
	u64 watchdog;

	/* The exit being handled (owner only; for handlers and the panic dump). */
	struct vmx_exit exit;

	struct rv_vcpu_stats stats; /* owner writes; others read (tearing is fine) */
	/* Migration: the state the owner saved on VREQ_SAVE (saved_seq counts
	 * saves); the state to start from is vmx.init_state. */
	struct rv_vcpu_state saved;
	u64 saved_seq;
};

static inline void vcpu_request(struct vcpu *v, u64 req)
{
	__atomic_fetch_or(&v->requests, req, __ATOMIC_SEQ_CST);
}
static inline void vcpu_clear_request(struct vcpu *v, u64 req)
{
	__atomic_fetch_and(&v->requests, ~req, __ATOMIC_SEQ_CST);
}
static inline bool vcpu_state_is_final(u32 s)
{
	return s == VCPU_DONE || s == VCPU_FAULTED || s == VCPU_DEAD;
}

/* Force the owner out of guest mode so it sees new requests. */
void vcpu_kick(struct vcpu *v);
/* Pause a vCPU and wait until it is held (or finished). */
int vcpu_pause_sync(struct vcpu *v);
void vcpu_resume(struct vcpu *v);
/* Have a held vCPU's owner save its state into v->saved; 0 or -RV_E*. */
int vcpu_save_sync(struct vcpu *v);

/*
 * On the owner CPU, before every VM entry: act on requests and decide
 * whether v may run now (false: it is held, done or gone).  Requests are
 * checked here and only here, so a vCPU never enters the guest with a
 * request outstanding.
 */
bool vcpu_ready(struct vcpu *v);

#endif
