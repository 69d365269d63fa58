/* SPDX-License-Identifier: MIT */
/*
 * Hypercall argument checks that need no hardware: pure functions, unit
 * tested on the host (tests/unit/test_hc_check.c).
 */
#ifndef RV_HC_CHECK_H
#define RV_HC_CHECK_H

#include "abi/hypercall.h"
#include "lib/types.h"

#define HC_CONSOLE_MAX RV_CONSOLE_MAX
#define HC_DATA_MIB_MAX RV_DATA_MIB_MAX /* slot 1 at creation */
#define HC_SLOT_MIB_MAX RV_DATA_MIB_MAX /* any slot made by RV_HC_SLOT_SET */

/* A guest-physical range that does not wrap and stays below 2^48. */
bool hc_range_ok(u64 gpa, u64 len);
/* 0 or -RV_EINVAL / -RV_ENOSPC for a partition spec. */
int hc_check_spec(const struct rv_partition_spec *s, u32 free_cpus);
/* What RV_HC_SLOT_SET is asked to do, once its arguments are checked. */
enum hc_slot_action { HC_SLOT_CREATE = 0, HC_SLOT_DELETE = 1, HC_SLOT_FLAGS = 2 };
/* A partition's slots as the checks see them (size 0 = no slot). */
struct hc_range {
	u64 gpa, size;
};
/*
 * Check a struct rv_slot against the partition's slots: an action, or
 * -RV_EINVAL (bad id, flags or RV_SLOT_LOG_LAZY without RV_SLOT_LOG_DIRTY,
 * alignment, size or placement), -RV_EEXIST
 * (overlap, or a different range for an existing id), -RV_ENOENT (delete
 * of a slot that does not exist), -RV_EPERM (deleting slot 0).
 */
int hc_check_slot(const struct rv_slot *s, const struct hc_range slots[RV_MAX_SLOTS]);
/*
 * RV_HC_BITMAP_CLEAR_RANGE's range in a slot of `pages` pages: 0, or
 * -RV_EINVAL unless first is a multiple of 64 (RV_BITMAP_RANGE_ALIGN),
 * num is one too or ends the range at the slot's end, and the range lies
 * inside the slot (computed without wrapping).
 */
int hc_check_clear_range(u64 first, u64 num, u64 pages);
/* A window for RV_HC_MAP: page aligned, inside [RV_GPA_WINDOWS, _END). */
int hc_check_window(u64 gpa, u64 size);

/*
 * RV_HC_DIRTY_LIMIT's rate with a TSC of tsc_khz: 0 (none), or
 * -RV_EOPNOTSUPP for a rate other than 0 with no known TSC frequency,
 * -RV_EINVAL above RV_DIRTY_LIMIT_MAX or above a page per tick.
 */
int hc_check_dirty_limit(u64 rate, u64 tsc_khz);

/* Calls only the management partition may make. */
bool hc_is_privileged(u64 nr);

#endif
