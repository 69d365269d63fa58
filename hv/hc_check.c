// SPDX-License-Identifier: MIT
#include "hc_check.h"

bool hc_range_ok(u64 gpa, u64 len)
{
	const u64 limit = 1ull << 48;
	return gpa < limit && len <= limit - gpa;
}

int hc_check_spec(const struct rv_partition_spec *s, u32 free_cpus)
{
	if (s->image != RV_IMAGE_WORK_ABI)
		return -RV_EINVAL;
	if (s->nr_vcpus == 0 || s->nr_vcpus > RV_MAX_VCPUS)
		return -RV_EINVAL;
	if (s->data_mib > HC_DATA_MIB_MAX)
		return -RV_EINVAL;
	if (s->nr_vcpus > free_cpus)
		return -RV_ENOSPC;
	return 0;
}

bool hc_is_privileged(u64 nr)
{
	switch (nr) {
	case RV_HC_VERSION:
	case RV_HC_CONSOLE_WRITE:
	case RV_HC_VCPU_DONE:
	case RV_HC_HV_INFO:
		return false;
	default:
		return true;
	}
}
