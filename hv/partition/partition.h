/* SPDX-License-Identifier: MIT */
/*
 * Partitions: a set of vCPUs and the guest-physical memory only they can
 * reach, through their own EPT.  Partition 0 is the management partition
 * (one vCPU, on the boot CPU); the others are workloads it creates.  All
 * partition objects live in a fixed table owned by partition.c.  They are
 * changed by the management partition's hypercalls, which run one at a
 * time on CPU 0 (creation and freeing also take partition_lock, the only
 * steps that publish to or retire from other CPUs), and by a vCPU's owner
 * CPU when it faults (state and the stop requests, nothing else).
 */
#ifndef RV_PARTITION_H
#define RV_PARTITION_H

#include "abi/hypercall.h"
#include "abi/bootinfo.h"
#include "dirtyring/dirty.h"
#include "ept/ept.h"
#include "ept/slot.h"
#include "lib/types.h"

struct vcpu;
struct vplat;

#define MAX_PARTITIONS 8

enum partition_state {
	PART_FREE = 0,
	PART_CREATED,  /* memory and vCPUs exist, nothing runs */
	PART_RUNNING,
	PART_STOPPED,  /* a guest fault stopped it */
};

struct partition {
	u32 id;
	u32 state; /* enum partition_state */
	bool is_mgmt;
	struct ept ept;
	struct mem_slot slots[RV_MAX_SLOTS];
	u32 nr_vcpus;
	struct vcpu *vcpus[RV_MAX_VCPUS];
	u64 cpu_mask; /* CPUs its vCPUs are pinned to */
	/* RV_HC_MAP windows of this partition's slots in the management
	 * partition (guest-physical there; 0 = none), removed on destroy. */
	u64 window[RV_MAX_SLOTS];
	struct dirty_part dirty;
	/* A Linux partition's virtual platform (hv/vplat/, which owns it and
	 * sets it before the partition starts); NULL for our own guests. */
	struct vplat *plat;
};

int partition_init(const struct rv_bootinfo *bi);
struct partition *partition_mgmt(void);
struct partition *partition_get(u32 id);
static inline u32 partition_id(const struct partition *p) { return p->id; }

/* Management operations; return 0/id or a negative RV_E* code. */
int partition_create(const struct rv_partition_spec *spec);
int partition_start(u32 id);
int partition_destroy(u32 id);
/* Create, delete or change a slot (RV_HC_SLOT_SET). */
int partition_slot_set(struct partition *p, const struct rv_slot *s);
/* Map slot `slot` of p into the management partition at mgmt_gpa. */
int partition_map(struct partition *p, u32 slot, u64 mgmt_gpa);
/* Start p's dirty rings and map them into the management partition. */
int partition_rings_enable(struct partition *p, u64 entries, u64 flags,
			   struct rv_ring_info *out);
/* A vCPU faulted: stop its whole partition and tell the management one. */
void partition_fault(struct vcpu *v, u32 reason, u64 info);
/* Stop p from another CPU (e.g. reason RV_FAULT_CPU_UNRESPONSIVE). */
void partition_stop(struct partition *p, u32 reason, u64 info);
/*
 * After a management operation on p: if one of p's CPUs did not answer an
 * EPT invalidation (p->dirty.unresponsive), stop p and return
 * -RV_ETIMEDOUT; else 0.
 */
int partition_check_cpus(struct partition *p);
/* An image the loader put in memory (bootinfo.h), size 0 if absent. */
const struct rv_image *partition_image(u32 id);
/* Host address of [gpa, gpa + len) in p's RAM, NULL unless one slot holds
 * all of it.  For the partition code's own set-up (no dirty logging). */
void *partition_ram(struct partition *p, u64 gpa, u64 len);
/* Number of CPUs with no vCPU pinned to them (CPU 0 excluded). */
u32 partition_free_cpus(void);

#endif
