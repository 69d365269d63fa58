/* SPDX-License-Identifier: MIT */
/*
 * Dirty tracking for one partition: which slots are logged, the per-vCPU
 * rings (or, without rings, a bitmap per slot), and the write-fault path
 * that feeds them.  Built on hv/ept's write-tracking primitives and on
 * dring.c's ring logic.  docs/06-dirty-ring.md follows one write through.
 *
 * Ownership: a vCPU's struct dirty_vcpu (ring producer side, counters) is
 * written only by that vCPU's owner CPU.  Everything else in struct
 * dirty_part changes only in management hypercalls, which run on CPU 0
 * one at a time; reset_lock still guards the ring reset so the rule is
 * explicit and checked.
 */
#ifndef RV_DIRTY_H
#define RV_DIRTY_H

#include "abi/hypercall.h"
#include "dirtyring/dring.h"
#include "spinlock.h"
#include "types.h"

struct partition;
struct vcpu;

struct dirty_vcpu {
	struct dring ring;
	u64 ring_hpa;      /* ring pages, mapped into the management partition */
	u64 ring_pages;
	u64 pml_hpa;       /* PML mode: the vCPU's PML page */
	bool stopped;      /* held at the soft limit; event posted */
	bool full_wait;    /* held because a fault found the ring full */
	/* Counters, owner CPU only (no shared cache line on the fault path). */
	u64 write_faults, spurious_faults, ring_pushes, bitmap_sets;
	u64 soft_full_stops, full_waits, fault_ticks, pml_drains, pml_dropped;
} __attribute__((aligned(64)));

struct dirty_part {
	bool rings_on;
	bool soft_limit_on;
	bool pml_on;            /* PML instead of write protection (rings only) */
	u32 log_slots;          /* bit per slot id with logging on */
	u64 *bitmap[RV_MAX_SLOTS]; /* bitmap mode: a bit per page of a logged slot */
	struct spinlock reset_lock;
	u64 resets, entries_reset, pages_protected, reset_ticks, stale_skipped;
	struct dirty_vcpu vcpu[RV_MAX_VCPUS];
};

enum dirty_fault {
	DIRTY_NOT_TRACKED = 0, /* not a tracking fault: the caller decides */
	DIRTY_HANDLED,         /* logged (or spurious): resume the guest */
	DIRTY_BLOCKED,         /* ring full: the vCPU waits, the write retries later */
};

/* The write-fault path (owner CPU, from the EPT-violation handler). */
enum dirty_fault dirty_write_fault(struct vcpu *v, u64 gpa);
/*
 * The hypervisor is about to write gpa for the guest (a hypercall result)
 * through its own mapping.  In PML mode nothing would log that: set the
 * page's EPT dirty flag as the processor would and push it into v's ring
 * if the flag was clear.  DIRTY_BLOCKED: v's ring is full, do not write.
 */
enum dirty_fault dirty_hv_write(struct vcpu *v, u64 gpa);
/* PML mode, owner CPU, VMCS current: move logged pages into the ring. */
void dirty_pml_drain(struct vcpu *v);
/* Before every VM entry: false holds the vCPU (soft limit, full ring). */
bool dirty_vcpu_may_enter(struct vcpu *v);

/* Management operations (hypercalls); 0/count or -RV_E*. */
/* Switch logging of a slot on (write-protect it all) or off. */
int dirty_set_logging(struct partition *p, u32 slot, bool on);
int dirty_rings_enable(struct partition *p, u64 entries, u64 flags, struct rv_ring_info *out);
s64 dirty_rings_reset(struct partition *p);
s64 dirty_bitmap_get(struct partition *p, u32 slot, struct vcpu *caller, u64 buf, u64 flags);
s64 dirty_bitmap_clear(struct partition *p, u32 slot, struct vcpu *caller, u64 buf);
void dirty_stats(struct partition *p, struct rv_dirty_stats *out);
/* Free rings and bitmaps (partition destroy). */
void dirty_teardown(struct partition *p);

#endif
