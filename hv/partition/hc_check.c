// SPDX-License-Identifier: MIT
#include "partition/hc_check.h"

bool hc_range_ok(u64 gpa, u64 len)
{
	const u64 limit = 1ull << 48;
	return gpa < limit && len <= limit - gpa;
}

int hc_check_spec(const struct rv_partition_spec *s, u32 free_cpus)
{
	if (s->image != RV_IMAGE_WORK_ABI && s->image != RV_IMAGE_LINUX_ABI)
		return -RV_EINVAL;
	/* The command line: NUL-terminated, printable, only for Linux. */
	u32 n = 0;
	while (n < RV_CMDLINE_MAX && s->cmdline[n]) {
		char c = s->cmdline[n++];
		if (c < 0x20 || c > 0x7e || s->image != RV_IMAGE_LINUX_ABI)
			return -RV_EINVAL;
	}
	if (n == RV_CMDLINE_MAX)
		return -RV_EINVAL;
	for (; n < RV_CMDLINE_MAX; n++) /* nothing hides after the NUL */
		if (s->cmdline[n])
			return -RV_EINVAL;
	if (s->image == RV_IMAGE_LINUX_ABI && s->data_mib < RV_LINUX_MIB_MIN)
		return -RV_EINVAL;
	if (s->nr_vcpus == 0 || s->nr_vcpus > RV_MAX_VCPUS)
		return -RV_EINVAL;
	if (s->data_mib > HC_DATA_MIB_MAX)
		return -RV_EINVAL;
	if (s->nr_vcpus > free_cpus)
		return -RV_ENOSPC;
	return 0;
}

static bool overlaps(u64 a, u64 alen, u64 b, u64 blen) { return a < b + blen && b < a + alen; }

int hc_check_slot(const struct rv_slot *s, const struct hc_range slots[RV_MAX_SLOTS])
{
	if (s->id >= RV_MAX_SLOTS ||
	    (s->flags & ~(u32)(RV_SLOT_LOG_DIRTY | RV_SLOT_LOG_LAZY | RV_SLOT_SMALL_PAGES |
			       RV_SLOT_SPLIT_EAGER)))
		return -RV_EINVAL;
	/* Both lazy flags say how logging goes on: without it they mean nothing. */
	if ((s->flags & (RV_SLOT_LOG_LAZY | RV_SLOT_SPLIT_EAGER)) && !(s->flags & RV_SLOT_LOG_DIRTY))
		return -RV_EINVAL;
	if (!IS_ALIGNED(s->gpa | s->size, PAGE_SIZE))
		return -RV_EINVAL;
	const struct hc_range *cur = &slots[s->id];
	if (cur->size) {
		/* 1.6: slot 0 may be logged like any other (a Linux guest's
		 * RAM starts there); it is never deleted. */
		if (s->id == 0 && s->size == 0)
			return -RV_EPERM;
		if (s->size == 0)
			return HC_SLOT_DELETE;
		if (s->gpa != cur->gpa || s->size != cur->size)
			return -RV_EEXIST;
		return HC_SLOT_FLAGS;
	}
	if (s->size == 0)
		return -RV_ENOENT;
	if (s->size > ((u64)HC_SLOT_MIB_MAX << 20) || s->gpa < RV_GPA_DATA ||
	    s->gpa >= RV_GPA_DATA_END || s->size > RV_GPA_DATA_END - s->gpa)
		return -RV_EINVAL;
	for (u32 i = 0; i < RV_MAX_SLOTS; i++)
		if (slots[i].size && overlaps(s->gpa, s->size, slots[i].gpa, slots[i].size))
			return -RV_EEXIST;
	return HC_SLOT_CREATE;
}

int hc_check_clear_range(u64 first, u64 num, u64 pages)
{
	/* KVM_CLEAR_DIRTY_LOG's rules: whole bitmap words, inside the slot. */
	if (!IS_ALIGNED(first, RV_BITMAP_RANGE_ALIGN) || first > pages || num > pages - first)
		return -RV_EINVAL;
	if (!IS_ALIGNED(num, RV_BITMAP_RANGE_ALIGN) && first + num != pages)
		return -RV_EINVAL;
	return 0;
}

int hc_check_window(u64 gpa, u64 size)
{
	if (!IS_ALIGNED(gpa, PAGE_SIZE) || gpa < RV_GPA_WINDOWS || gpa >= RV_GPA_WINDOWS_END ||
	    size > RV_GPA_WINDOWS_END - gpa)
		return -RV_EINVAL;
	return 0;
}

int hc_check_dirty_limit(u64 rate, u64 tsc_khz)
{
	if (rate && !tsc_khz)
		return -RV_EOPNOTSUPP;
	/* tsc_khz * 1000 without wrapping: a rate is at most 2^26 anyway. */
	if (rate > RV_DIRTY_LIMIT_MAX || (tsc_khz < (1ull << 44) && rate > tsc_khz * 1000))
		return -RV_EINVAL;
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
