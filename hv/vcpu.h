/* SPDX-License-Identifier: MIT */
/*
 * Virtual CPUs and the per-CPU run loop.  Every vCPU is pinned to one
 * physical CPU (its "owner") for its whole life; only the owner enters it,
 * handles its exits and writes its state.  Other CPUs talk to it through
 * `requests` (atomic bit operations) and a kick IPI.  See docs/05-partitions.md.
 */
#ifndef RV_VCPU_H
#define RV_VCPU_H

#include "abi/hypercall.h"
#include "types.h"

struct partition;

/* Guest general registers, saved and loaded by hv/vmx/vmx_asm.asm. */
struct guest_regs {
	u64 rax, rcx, rdx, rbx, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};

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

/* Register state a vCPU starts with (filled by partition.c). */
struct vcpu_boot {
	u64 rip, rsp, rdi, rsi;
	u64 cr3, gdtr_base, gdtr_limit, tr_base;
};

struct vcpu {
	struct guest_regs regs; /* must stay first: the entry code uses it */
	struct partition *part;
	u32 index;   /* within the partition */
	u32 cpu;     /* owner CPU */
	u16 vpid;    /* VPID tag, unique and non-zero */
	u32 state;   /* enum vcpu_state; written by the owner only */
	u64 requests;/* VREQ_*; atomic, any CPU */
	bool loaded; /* VMCS is current and initialised on the owner */
	bool launched;
	u64 vmcs_pa;
	u64 pml_hpa; /* PML page, 0 = PML off (set by dirty tracking before start) */
	u64 done_status;
	/* Watchdog (RV_HC_PARTITION_WATCHDOG): guest ticks allowed between
	 * hypercalls (0 = none; fixed once started), and what is left of
	 * them.  Owner only, once the partition runs. */
	u64 watchdog;
	u64 watchdog_left;

	/* Information about the exit being handled (owner only). */
	u32 exit_reason;
	u64 exit_qual;

	struct rv_vcpu_stats stats; /* owner writes; others read (tearing is fine) */
	struct vcpu_boot boot;
	/* Migration: state to start from (set before the first entry), and
	 * the state the owner saved on VREQ_SAVE (saved_seq counts saves). */
	bool has_init_state;
	struct rv_vcpu_state init_state;
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

/* The per-CPU loop: never returns. */
void cpu_run_loop(void) __attribute__((noreturn));
/* Spin-wait helper for host loops: keeps answering TLB flush requests. */
void cpu_wait_relax(void);
/* Invalidate EPT-derived translations on the given CPUs (bit per CPU),
 * including this one, and wait for every one of them to finish. */
void cpu_flush_ept(u64 cpu_mask);

#endif
