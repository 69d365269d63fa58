/* SPDX-License-Identifier: MIT */
/*
 * Typed wrappers for the hypercalls of hv/abi/hypercall.h.  Each returns
 * what the hypervisor left in RAX: >= 0 on success, -RV_E* on failure.
 * Ids and indices are passed as 64-bit values unchanged, so tests can hand
 * the hypervisor out-of-range numbers and check it rejects them.
 */
#ifndef GUEST_HC_H
#define GUEST_HC_H

#include <stddef.h>
#include <stdint.h>
#include "hypercall.h"

/* VMCALL with RAX = nr and RDI, RSI, RDX, R10, R8, R9 = a1..a6 (entry.asm). */
long hypercall6(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
		unsigned long a4, unsigned long a5, unsigned long a6);

long hc_version(void);
long hc_console_write(const void *buf, size_t len);
long hc_vcpu_done(uint64_t status);
long hc_wait_event(struct rv_event *out, uint64_t timeout_ticks);
long hc_shutdown(uint64_t status);
long hc_hv_info(struct rv_hv_info *out);
/*
 * TSC ticks in ms milliseconds, from rv_hv_info.tsc_khz (ABI 1.2): every
 * timeout in the guests is written in ms and converted here.  Pacing
 * that defines a benchmark's work (interval=, gap=) stays in ticks.
 */
uint64_t ms_ticks(uint64_t ms);
long hc_partition_create(const struct rv_partition_spec *spec);
long hc_partition_start(uint64_t id);
long hc_partition_destroy(uint64_t id);
long hc_vcpu_stats(uint64_t id, uint64_t vcpu, struct rv_vcpu_stats *out);

/* Dirty tracking (docs/06-dirty-ring.md). */
long hc_slot_set(uint64_t id, const struct rv_slot *slot);
long hc_ring_enable(uint64_t id, uint64_t entries, uint64_t flags, struct rv_ring_info *out);
/* At most max entries (0: RV_RING_RESET_MAX); | RV_RING_RESET_MORE: call again. */
long hc_ring_reset(uint64_t id, uint64_t max);
long hc_bitmap_get(uint64_t id, uint64_t slot, uint64_t *buf, uint64_t flags);
long hc_bitmap_clear(uint64_t id, uint64_t slot, const uint64_t *buf);
/* 1.5: clear and arm pages [first, first + num) whose bits buf sets (bit 0: page first). */
long hc_bitmap_clear_range(uint64_t id, uint64_t slot, uint64_t first, uint64_t num,
			   const uint64_t *buf, uint64_t flags);
long hc_vcpu_pause(uint64_t id, uint64_t vcpu);
long hc_vcpu_resume(uint64_t id, uint64_t vcpu);
long hc_map(uint64_t id, uint64_t slot, uint64_t gpa);
long hc_dirty_stats(uint64_t id, struct rv_dirty_stats *out);
long hc_trace(uint64_t op, struct rv_trace_rec *buf, uint64_t max);
long hc_vcpu_get_state(uint64_t id, uint64_t vcpu, struct rv_vcpu_state *out);
long hc_vcpu_set_state(uint64_t id, uint64_t vcpu, const struct rv_vcpu_state *in);
long hc_partition_watchdog(uint64_t id, uint64_t ticks);
long hc_console_read(uint64_t id, struct rv_console_read *io);
/* 1.6 */
long hc_platform_get_state(uint64_t id, struct rv_platform_state *out);
long hc_platform_set_state(uint64_t id, const struct rv_platform_state *in);
/* 1.7: a vCPU's dirty-rate limit (RV_DIRTY_ALL_VCPUS: each), and its measured rate. */
long hc_dirty_limit(uint64_t id, uint64_t vcpu, uint64_t pages_per_second);
long hc_dirty_rate(uint64_t id, uint64_t vcpu, struct rv_dirty_rate *out);

/*
 * The start state every workload vCPU gets (docs/05-partitions.md), as a
 * struct rv_vcpu_state for RV_HC_VCPU_SET_STATE: 64-bit mode, paging on
 * through the partition's identity tables, flat segments, the TSS.
 */
void hc_start_state(struct rv_vcpu_state *st);

/* Split RV_HC_VERSION's result. */
#define RV_VERSION_MAJOR(v) ((unsigned long)(v) >> 16)
#define RV_VERSION_MINOR(v) ((unsigned long)(v) & 0xffff)

#endif
