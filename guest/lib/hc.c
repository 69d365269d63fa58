// SPDX-License-Identifier: MIT
/* Hypercall wrappers: pointers go through as numbers (guests are identity mapped). */
#include "hc.h"

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
