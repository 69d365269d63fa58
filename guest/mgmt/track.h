/* SPDX-License-Identifier: MIT */
/*
 * A workload partition under dirty tracking, seen from the management
 * partition: creating it with its memory mapped into ours, switching
 * logging on, harvesting its rings (the consumer side of KVM's dirty
 * ring), and collecting the dirty set in either ring or bitmap mode.
 * Used by dirty-log, race-demo, migrate and perf.
 *
 * Every slot (1.6): with all_slots set before track_log_on, the system
 * slot (slot 0) is logged too.  The dirty set then covers one index space:
 * the data slot's pages 0..npages-1 first (so code that knows only the data
 * slot still works), then the system slot's at npages + its page number.
 *
 * THE RULE (docs/06-dirty-ring.md): harvest, then reset, then read page
 * contents.  A page's contents may only be trusted to include every write
 * that was reported once the reset that re-protects it has returned:
 * until then the vCPU can still write through its writable mapping
 * without faulting, and such a write would never be reported again.
 */
#ifndef MGMT_TRACK_H
#define MGMT_TRACK_H

#include "mgmt.h"
#include "worktests.h"

/* Windows for workload memory in our guest-physical space (RV_HC_MAP). */
#define WIN_SYS(id) (RV_GPA_WINDOWS + (uint64_t)(id) * RV_SYS_SLOT_SIZE)
#define WIN_DATA(id) (0x80000000ull + ((uint64_t)(id) - 1) * 0x10000000ull)
#define WIN_DATA_MAX_MIB 256

enum track_mode { MODE_RING, MODE_RING_WAIT, MODE_BITMAP, MODE_PML };

/*
 * protect=lazy: logging goes on with RV_SLOT_LOG_LAZY (every page set,
 * nothing armed) and is armed by RV_HC_BITMAP_CLEAR_RANGE in ranges of
 * this many pages (a page table's worth; KVM's granularity is 64).
 */
#define TRACK_RANGE_PAGES 512
/* Pages of the system slot, slot 0. */
#define TRACK_SYS_PAGES (RV_SYS_SLOT_SIZE / 4096)

struct tracked {
	long id;
	bool started;
	uint32_t vcpus;
	uint64_t npages;
	enum track_mode mode;
	struct work_ctrl *ctrl;     /* the workload's control page, mapped */
	volatile uint8_t *data;     /* its data slot (slot 1), mapped; NULL above WIN_DATA_MAX_MIB */
	volatile uint8_t *sys;      /* its system slot (slot 0), mapped */
	bool all_slots;             /* log slot 0 too; set before track_log_on */
	uint64_t total_pages;       /* pages in the dirty set's index space */
	struct rv_ring_info rings;
	uint32_t fetch[RV_MAX_VCPUS]; /* our harvest index per ring */
	uint64_t *dirty;   /* the dirty set being collected: a bit per page */
	uint64_t *bmbuf;   /* what RV_HC_BITMAP_GET returns (ring modes: the backup bitmap) */
	uint64_t backup_pages; /* ring modes: pages the backup bitmaps reported */
	uint64_t harvested, unreset; /* entries harvested; not yet reset */
	uint64_t resets; /* RV_HC_RING_RESET calls made */
	uint64_t bad_entries;
	/* protect=lazy: set by the caller after track_create. */
	bool lazy;
	bool initial_taken;	/* the first collect took the initially-set bitmap */
	uint64_t initial_pages; /* pages that first collect found set (all of them) */
	uint64_t range_clears;	/* RV_HC_BITMAP_CLEAR_RANGE calls made */
	/* 1.7: more RV_SLOT_* flags for the data slot's logging switches
	 * (RV_SLOT_SMALL_PAGES, RV_SLOT_SPLIT_EAGER); set by the caller. */
	uint32_t slot_flags;
	/* track_log_exits before logging went on, for a workload already
	 * running (a fetch that split a huge page is not the log's); set by
	 * the caller, 0 if the vCPUs start after log-on. */
	uint64_t exits_before_log;
};

/* Bump allocator over the management partition's data slot. */
void *mgmt_alloc(uint64_t bytes);
void mgmt_alloc_reset(void);

/* Parse "ring", "ring-wait", "bitmap" or "pml". */
bool track_mode_parse(const char *s, enum track_mode *out);
/* Parse protect= "eager" or "lazy". */
bool track_protect_parse(const char *s, bool *lazy);
/*
 * 1.7: the run's ept= ("huge" or "small") and split= ("lazy" or "eager")
 * as slot flags (RV_SLOT_SMALL_PAGES, RV_SLOT_SPLIT_EAGER); false (run
 * failed, reason=bad-value) on another word.
 */
bool track_ept_parse(struct scenario_run *run, uint32_t *slot_flags);
/*
 * Create a partition from @spec, map its slots 0 and 1 into our windows
 * and (for ring modes) enable its rings.  *t needs no initialising; its
 * ctrl is NULL (not one of our workloads).
 */
bool track_create_spec(struct scenario_run *run, struct tracked *t,
		       const struct rv_partition_spec *spec, enum track_mode mode, uint64_t ring);
/* Create, map and (for ring modes) ring-enable a workload running @test
 * (args[1..3] = seed, value, span).  *t needs no initialising. */
bool track_create(struct scenario_run *run, struct tracked *t, enum work_test test,
		  enum track_mode mode,
		  uint32_t vcpus, uint64_t mem_mib, uint64_t ring, uint64_t seed,
		  enum work_value value, uint64_t span);
/* Switch logging of the data slot on, and of slot 0 with all_slots
 * (write-protecting every page; lazy: none). */
bool track_log_on(struct scenario_run *run, struct tracked *t);
/* Start the workload's vCPUs. */
bool track_start(struct scenario_run *run, struct tracked *t);
/* Harvest every ring in order, marking pages in t->dirty; returns entries. */
uint64_t track_harvest(struct scenario_run *run, struct tracked *t);
/*
 * RV_HC_RING_RESET with bound max (0: RV_RING_RESET_MAX) until it stops
 * saying RV_RING_RESET_MORE: the entries reset, or -RV_E*; *calls counts
 * the calls made.
 */
long track_reset_calls(struct tracked *t, uint64_t max, uint64_t *calls);
/* Reset what was harvested (checks the count, as QEMU does). */
bool track_reset(struct scenario_run *run, struct tracked *t);
/*
 * Ring modes: harvest + reset, then get and clear the backup bitmap (the
 * pages the hypervisor wrote when no ring had room), as KVM's
 * DIRTY_LOG_RING_WITH_BITMAP wants it: after the final reset, before any
 * copy.  Bitmap mode: get and clear.  Lazy: in bitmap mode always, in ring
 * modes on the first collect (the initially-set backup bitmap), the get
 * does not clear; the bits got are cleared and armed range by range.
 */
bool track_collect(struct scenario_run *run, struct tracked *t);
bool track_pause_all(struct scenario_run *run, struct tracked *t);
bool track_resume_all(struct scenario_run *run, struct tracked *t);
/* Tell the writers to stop, wait for them, and destroy the partition. */
void track_finish(struct scenario_run *run, struct tracked *t);
/* EPT-violation and PML-full exits of every vCPU so far. */
uint64_t track_log_exits(const struct tracked *t);
/*
 * The hypervisor's dirty statistics, the exits spent on logging (EPT
 * violations and PML-full exits of every vCPU since exits_before_log) and the pages newly logged
 * (ring entries and bitmap bits, at least 1); false (run failed) on error.
 */
bool track_costs(struct scenario_run *run, struct tracked *t, struct rv_dirty_stats *st,
		 uint64_t *log_exits, uint64_t *newly);
/* Sum of the vCPUs' store counters. */
uint64_t track_writes(const struct tracked *t);

static inline bool test_bit64(const uint64_t *bm, uint64_t i) { return bm[i / 64] >> (i % 64) & 1; }
static inline void set_bit64(uint64_t *bm, uint64_t i) { bm[i / 64] |= 1ull << (i % 64); }
/* Index i of the dirty set as a page in our windows. */
static inline volatile uint8_t *track_page(const struct tracked *t, uint64_t i)
{
	return i < t->npages ? t->data + i * 4096 : t->sys + (i - t->npages) * 4096;
}
/* Which slot index i is in (0 or 1), and its page number there. */
static inline uint32_t track_slot_of(const struct tracked *t, uint64_t i, uint64_t *page)
{
	*page = i < t->npages ? i : i - t->npages;
	return i < t->npages ? 1 : 0;
}
static inline uint64_t page_value(const struct tracked *t, uint64_t page)
{
	return *(volatile uint64_t *)(t->data + page * 4096);
}

#endif
