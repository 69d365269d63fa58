// SPDX-License-Identifier: MIT
/* Hypercall wrappers: pointers go through as numbers (guests are identity mapped). */
#include "hc.h"
#include "console.h"
#include "guest.h"

#define P(ptr) ((unsigned long)(uintptr_t)(ptr))

long hc_version(void)
{
	return hypercall6(RV_HC_VERSION, 0, 0, 0, 0, 0, 0);
}

long hc_console_write(const void *buf, size_t len)
{
	return hypercall6(RV_HC_CONSOLE_WRITE, P(buf), len, 0, 0, 0, 0);
}

long hc_vcpu_done(uint64_t status)
{
	return hypercall6(RV_HC_VCPU_DONE, status, 0, 0, 0, 0, 0);
}

long hc_wait_event(struct rv_event *out, uint64_t timeout_ticks)
{
	return hypercall6(RV_HC_WAIT_EVENT, P(out), timeout_ticks, 0, 0, 0, 0);
}

long hc_shutdown(uint64_t status)
{
	return hypercall6(RV_HC_SHUTDOWN, status, 0, 0, 0, 0, 0);
}

long hc_hv_info(struct rv_hv_info *out)
{
	return hypercall6(RV_HC_HV_INFO, P(out), 0, 0, 0, 0, 0);
}

uint64_t ms_ticks(uint64_t ms)
{
	/* Every vCPU that asks stores the same number: no lock needed. */
	static uint64_t khz;
	struct rv_hv_info info;

	if (!__atomic_load_n(&khz, __ATOMIC_RELAXED)) {
		if (hc_hv_info(&info) || !info.tsc_khz) {
			gprintf("ms_ticks: the hypervisor reports no TSC frequency\n");
			guest_abort();
		}
		__atomic_store_n(&khz, info.tsc_khz, __ATOMIC_RELAXED);
	}
	return ms * __atomic_load_n(&khz, __ATOMIC_RELAXED);
}

long hc_partition_create(const struct rv_partition_spec *spec)
{
	return hypercall6(RV_HC_PARTITION_CREATE, P(spec), 0, 0, 0, 0, 0);
}

long hc_partition_start(uint64_t id)
{
	return hypercall6(RV_HC_PARTITION_START, id, 0, 0, 0, 0, 0);
}

long hc_partition_destroy(uint64_t id)
{
	return hypercall6(RV_HC_PARTITION_DESTROY, id, 0, 0, 0, 0, 0);
}

long hc_vcpu_stats(uint64_t id, uint64_t vcpu, struct rv_vcpu_stats *out)
{
	return hypercall6(RV_HC_VCPU_STATS, id, vcpu, P(out), 0, 0, 0);
}

long hc_slot_set(uint64_t id, const struct rv_slot *slot)
{
	return hypercall6(RV_HC_SLOT_SET, id, P(slot), 0, 0, 0, 0);
}

long hc_ring_enable(uint64_t id, uint64_t entries, uint64_t flags, struct rv_ring_info *out)
{
	return hypercall6(RV_HC_RING_ENABLE, id, entries, flags, P(out), 0, 0);
}

long hc_ring_reset(uint64_t id, uint64_t max)
{
	return hypercall6(RV_HC_RING_RESET, id, max, 0, 0, 0, 0);
}

long hc_bitmap_get(uint64_t id, uint64_t slot, uint64_t *buf, uint64_t flags)
{
	return hypercall6(RV_HC_BITMAP_GET, id, slot, P(buf), flags, 0, 0);
}

long hc_bitmap_clear(uint64_t id, uint64_t slot, const uint64_t *buf)
{
	return hypercall6(RV_HC_BITMAP_CLEAR, id, slot, P(buf), 0, 0, 0);
}

long hc_bitmap_clear_range(uint64_t id, uint64_t slot, uint64_t first, uint64_t num,
			   const uint64_t *buf, uint64_t flags)
{
	return hypercall6(RV_HC_BITMAP_CLEAR_RANGE, id, slot, first, num, P(buf), flags);
}

long hc_vcpu_pause(uint64_t id, uint64_t vcpu)
{
	return hypercall6(RV_HC_VCPU_PAUSE, id, vcpu, 0, 0, 0, 0);
}

long hc_vcpu_resume(uint64_t id, uint64_t vcpu)
{
	return hypercall6(RV_HC_VCPU_RESUME, id, vcpu, 0, 0, 0, 0);
}

long hc_map(uint64_t id, uint64_t slot, uint64_t gpa)
{
	return hypercall6(RV_HC_MAP, id, slot, gpa, 0, 0, 0);
}

long hc_dirty_stats(uint64_t id, struct rv_dirty_stats *out)
{
	return hypercall6(RV_HC_DIRTY_STATS, id, P(out), 0, 0, 0, 0);
}

long hc_trace(uint64_t op, struct rv_trace_rec *buf, uint64_t max)
{
	return hypercall6(RV_HC_TRACE, op, P(buf), max, 0, 0, 0);
}

long hc_vcpu_get_state(uint64_t id, uint64_t vcpu, struct rv_vcpu_state *out)
{
	return hypercall6(RV_HC_VCPU_GET_STATE, id, vcpu, P(out), 0, 0, 0);
}

long hc_vcpu_set_state(uint64_t id, uint64_t vcpu, const struct rv_vcpu_state *in)
{
	return hypercall6(RV_HC_VCPU_SET_STATE, id, vcpu, P(in), 0, 0, 0);
}

long hc_partition_watchdog(uint64_t id, uint64_t ticks)
{
	return hypercall6(RV_HC_PARTITION_WATCHDOG, id, ticks, 0, 0, 0, 0);
}

long hc_console_read(uint64_t id, struct rv_console_read *io)
{
	return hypercall6(RV_HC_CONSOLE_READ, id, (unsigned long)io, 0, 0, 0, 0);
}

long hc_platform_get_state(uint64_t id, struct rv_platform_state *out)
{
	return hypercall6(RV_HC_PLATFORM_GET_STATE, id, P(out), 0, 0, 0, 0);
}

long hc_platform_set_state(uint64_t id, const struct rv_platform_state *in)
{
	return hypercall6(RV_HC_PLATFORM_SET_STATE, id, P(in), 0, 0, 0, 0);
}

void hc_start_state(struct rv_vcpu_state *st)
{
	memset(st, 0, sizeof(*st));
	st->rip = RV_GPA_IMAGE;
	st->gpr[4] = RV_GPA_STACKS_TOP;
	st->rflags = 0x202;
	st->cr0 = 0x80000031; /* PG, NE, ET, PE */
	st->cr3 = RV_GPA_PML4;
	st->cr4 = 0x20;       /* PAE */
	st->efer = 0x500;     /* LMA, LME */
	st->dr7 = 0x400;
	for (int s = 0; s < RV_NR_SEGS; s++)
		st->seg[s] = (struct rv_segment){ .limit = 0xffffffff, .ar = 0xc093, .sel = 0x10 };
	st->seg[RV_SEG_CS] = (struct rv_segment){ .limit = 0xffffffff, .ar = 0xa09b, .sel = 0x08 };
	st->seg[RV_SEG_LDTR] = (struct rv_segment){ .ar = 1u << 16 };
	st->seg[RV_SEG_TR] = (struct rv_segment){ .base = RV_GPA_GDT + 0x800, .limit = 0x67,
						  .ar = 0x8b, .sel = 0x18 };
	st->gdtr_base = RV_GPA_GDT;
	st->gdtr_limit = 39;
}

long hc_dirty_limit(uint64_t id, uint64_t vcpu, uint64_t pages_per_second)
{
	return hypercall6(RV_HC_DIRTY_LIMIT, id, vcpu, pages_per_second, 0, 0, 0);
}

long hc_dirty_rate(uint64_t id, uint64_t vcpu, struct rv_dirty_rate *out)
{
	return hypercall6(RV_HC_DIRTY_RATE, id, vcpu, P(out), 0, 0, 0);
}
