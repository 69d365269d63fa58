/* SPDX-License-Identifier: MIT */
/*
 * Dirty tracking for one partition: which slots are logged, the per-vCPU
 * rings (or, without rings, a bitmap per slot), and the write-fault path
 * that feeds them.  Built on hv/ept's write-tracking primitives, dring.c's
 * ring logic and pml.c's PML-page drain.  docs/06-dirty-ring.md follows one
 * write through.
 *
 * This layer knows no partition or vCPU objects: the partition code embeds
 * a struct dirty_part, points it at its EPT, slot table and CPU mask
 * (dirty_init), and names a vCPU by its index.  Mapping the rings into the
 * management partition and copying bitmaps to a caller are the partition's
 * and the hypercall layer's business.
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
#include "dirtyring/dlimit.h"
#include "dirtyring/dring.h"
#include "ept/ept.h"
#include "ept/slot.h"
#include "lib/spinlock.h"
#include "lib/types.h"

struct dirty_vcpu {
	struct dring ring; /* ring.entries: its pages (0 = no ring) */
	u64 pml_hpa;	   /* PML mode: the vCPU's PML page */
	u32 cpu;	   /* the vCPU's owner CPU, for kicks */
	bool stopped;	   /* held at the soft limit; event posted */
	bool full_wait;	   /* held because a fault found the ring full */
	/* Counters, owner CPU only (no shared cache line on the fault path). */
	u64 write_faults, spurious_faults, ring_pushes, bitmap_sets;
	u64 soft_full_stops, full_waits, fault_ticks, pml_drains, pml_dropped;
	/*
	 * The dirty-rate limit (RV_HC_DIRTY_LIMIT), owner CPU only, applied
	 * from dirty_part.limit_req.  Charged from ring_pushes + bitmap_sets
	 * in dirty_vcpu_may_enter: nothing on the fault path.  held_ticks
	 * and holds are read by management (a torn read is harmless).
	 */
	struct dlimit lim;
	u64 lim_charged; /* ring_pushes + bitmap_sets when last charged */
	/* PML with a limit: entries 511 - pml_cut + 1 .. 511 of the PML page
	 * are not granted this entry (0: the whole page, as without one). */
	u16 pml_cut;
	bool pml_ran; /* the vCPU has exited once: its VMCS is loaded */
	u64 hold_since;	 /* 0, or the TSC when the limit began holding it */
	u64 held_ticks, holds;
} __attribute__((aligned(64)));

/* A sample of a vCPU's logged pages (RV_HC_DIRTY_RATE), management only. */
struct dirty_rate_sample {
	u64 tsc, pages;	   /* the newest sample */
	u64 rate, window;  /* pages per second between the last two, and over how long */
};

struct dirty_part {
	/* Set by dirty_init; the partition owns what they point at. */
	u32 part_id;
	struct ept *ept;
	struct mem_slot *slots; /* RV_MAX_SLOTS of them */
	const u64 *cpu_mask;	/* CPUs the partition's vCPUs run on */
	u32 nr_vcpus;

	bool rings_on;
	bool soft_limit_on;
	bool pml_on;		   /* PML instead of write protection (rings only) */
	u32 log_slots;		   /* bit per slot id with logging on */
	/* A bit per page of a logged slot: the log in bitmap mode, the
	 * backup bitmap in ring modes (dirty_hv_write). */
	u64 *bitmap[RV_MAX_SLOTS];
	u64 backup_sets;	   /* ring modes: pages logged into the backup bitmap */
	struct spinlock reset_lock;
	/* CPUs that did not answer an invalidation (dirty_flush); the
	 * partition code stops the partition (partition_check_cpus). */
	u64 unresponsive;
	u64 resets, entries_reset, pages_protected, reset_ticks, stale_skipped;
	u64 resets_more, reset_max_ticks;
	u32 reset_next; /* the ring the next reset starts at */
	/* Management only (RV_HC_DIRTY_LIMIT, _RATE); the owner CPU reads
	 * limit_req before every entry.  Apart from vcpu[]: no shared line. */
	u64 limit_req[RV_MAX_VCPUS]; /* pages per second, 0 = none */
	struct dirty_rate_sample rate[RV_MAX_VCPUS];
	struct dirty_vcpu vcpu[RV_MAX_VCPUS];
};

enum dirty_fault {
	DIRTY_NOT_TRACKED = 0, /* not a tracking fault: the caller decides */
	DIRTY_HANDLED,	       /* logged (or spurious): resume the guest */
	DIRTY_BLOCKED,	       /* ring full: the vCPU waits, the write retries later */
};

/* Point d at its partition's EPT, slots and CPU mask; nothing logged yet. */
void dirty_init(struct dirty_part *d, u32 part_id, struct ept *ept, struct mem_slot *slots,
		const u64 *cpu_mask);
/* A vCPU was added (index d->nr_vcpus, pinned to cpu). */
void dirty_add_vcpu(struct dirty_part *d, u32 cpu);

/*
 * The write-fault path (owner CPU of vCPU vi, from the EPT-violation
 * handler, or from a hypercall writing guest memory for that vCPU).
 * qual is the exit qualification, for the trace only.
 */
enum dirty_fault dirty_write_fault(struct dirty_part *d, u32 vi, u64 gpa, u64 qual);
/*
 * The hypervisor is about to write gpa for the guest (a hypercall result)
 * through its own mapping, on behalf of vCPU vi (on its owner CPU), or of
 * no vCPU (vi = DIRTY_NO_VCPU, any CPU).  Logs the page as the guest's own
 * store would be: into vi's ring (PML mode: by setting the page's EPT
 * dirty flag as the processor would); when the ring is full or there is
 * no vCPU, into the slot's backup bitmap.  The write never waits and is
 * never lost.  DIRTY_HANDLED: logged or already writable; the caller may
 * write.  DIRTY_NOT_TRACKED: not a page of a logged slot (the caller
 * checks the guest's own permission).
 */
#define DIRTY_NO_VCPU 0xffffffffu
enum dirty_fault dirty_hv_write(struct dirty_part *d, u32 vi, u64 gpa);
/* PML mode, owner CPU, VMCS current: move logged pages into the ring. */
void dirty_pml_drain(struct dirty_part *d, u32 vi);
/*
 * Before every VM entry: false holds the vCPU (its dirty-rate limit, the
 * soft limit, a full ring).  The run loop calls it again on every pass,
 * so a vCPU held by its limit goes on once the TSC reaches the time its
 * budget allows, and answers requests meanwhile.
 */
bool dirty_vcpu_may_enter(struct dirty_part *d, u32 vi);
/*
 * RV_HC_DIRTY_LIMIT: vCPU vi's limit, pages per second (0 = none); the
 * rate is checked (dlimit_rate_ok).  Its owner applies it before its
 * next entry.
 */
void dirty_set_limit(struct dirty_part *d, u32 vi, u64 rate);
/* RV_HC_DIRTY_RATE: sample vi's logged pages (management, CPU 0). */
void dirty_rate(struct dirty_part *d, u32 vi, struct rv_dirty_rate *out);

/* Management operations (hypercalls); 0/count or -RV_E*. */
/*
 * Switch logging of a slot on (write-protect it all; DIRTY_PROTECT_LAZY:
 * protect nothing and set every page's bit, RV_SLOT_LOG_LAZY) or off.
 * Huge EPT leaves (docs/05-partitions.md): on write-protects them whole
 * and the first write fault splits one (lazy splitting), unless
 * DIRTY_SPLIT_EAGER (split them all now) or DIRTY_PROTECT_LAZY (the
 * clears split what they arm); PML splits whatever it arms.  Off
 * rebuilds them unless the slot keeps small pages.
 */
#define DIRTY_PROTECT_LAZY BIT(0)
#define DIRTY_SPLIT_EAGER BIT(1)
int dirty_set_logging(struct dirty_part *d, u32 slot, bool on, u32 how);
/* Put a slot's huge leaves back where its tables allow (logging off):
 * collapse, invalidate on the partition's CPUs, then free the tables. */
void dirty_rebuild_huge(struct dirty_part *d, u32 slot);
/*
 * Allocate and start the rings (their pages: d->vcpu[i].ring.entries).
 * PML only before the partition has started (started = false): its EPTP
 * and VMCS controls are set at first entry.
 */
int dirty_rings_enable(struct dirty_part *d, u64 entries, u64 flags, bool started, u32 *soft_limit);
/*
 * Reset at most max (1..RV_RING_RESET_MAX) harvested entries over all
 * rings, starting at the ring after the one that last ran out of its
 * bound; invalidate before returning.  The count, | RV_RING_RESET_MORE
 * when harvested entries are left; -RV_ENOENT without rings.
 */
s64 dirty_rings_reset(struct dirty_part *d, u32 max);
/* Pages of vCPU vi's ring (0 = none). */
u64 dirty_ring_pages(const struct dirty_part *d, u32 vi);
/*
 * The number of 64-bit words of slot's bitmap, or -RV_E* (no such slot,
 * not logged, or not that kind of bitmap): with backup, the backup bitmap
 * of ring modes; without, the log of bitmap mode.
 */
s64 dirty_bitmap_words(const struct dirty_part *d, u32 slot, bool backup);
/*
 * Words [w, w + n) of slot's bitmap (either kind) into out; with clear,
 * the taken bits are cleared and their pages write-protected again (PML:
 * their dirty flags cleared).  Returns the number
 * of bits set.  The caller flushes (dirty_flush) before it reports.
 */
u64 dirty_bitmap_take(struct dirty_part *d, u32 slot, u64 w, u64 n, bool clear, u64 *out);
/*
 * Clear the bits of in[] from words [w, w + n) and re-protect the pages
 * whose bits were set (logbm_clear); count the pages re-protected.  The
 * caller flushes (dirty_flush) before it reports.
 */
u64 dirty_bitmap_clear(struct dirty_part *d, u32 slot, u64 w, u64 n, const u64 *in);
/* Invalidate the partition's EPT translations on its CPUs and wait. */
void dirty_flush(struct dirty_part *d);
void dirty_stats(const struct dirty_part *d, struct rv_dirty_stats *out);
/* Free rings and bitmaps (partition destroy, failed enable). */
void dirty_teardown(struct dirty_part *d);

#endif
