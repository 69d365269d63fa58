/* SPDX-License-Identifier: MIT */
/*
 * Hypercall argument checks that need no hardware: pure functions, unit
 * tested on the host (tests/unit/test_hc_check.c).
 */
#ifndef RV_HC_CHECK_H
#define RV_HC_CHECK_H

#include "abi/hypercall.h"
#include "types.h"

#define HC_CONSOLE_MAX 4096
#define HC_DATA_MIB_MAX 512 /* slot 1 at creation */
#define HC_SLOT_MIB_MAX 512 /* any slot made by RV_HC_SLOT_SET */

/* A guest-physical range that does not wrap and stays below 2^48. */
bool hc_range_ok(u64 gpa, u64 len);
/* 0 or -RV_EINVAL / -RV_ENOSPC for a partition spec. */
int hc_check_spec(const struct rv_partition_spec *s, u32 free_cpus);
/* Calls only the management partition may make. */
bool hc_is_privileged(u64 nr);

#endif
