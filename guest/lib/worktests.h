/* SPDX-License-Identifier: MIT */
/*
 * The contract between the management program and the workload: which
 * test a workload runs (boot->args[0], set by the management partition in
 * rv_partition_spec.args) and what its vCPUs report with RV_HC_VCPU_DONE.
 */
#ifndef GUEST_WORKTESTS_H
#define GUEST_WORKTESTS_H

#include "hypercall.h"

/* args[0] */
enum work_test {
	WORK_TEST_HELLO = 0, /* print a line per vCPU, check identity, done */
};

/* RV_HC_VCPU_DONE status (also GUEST_STATUS_* from guest.h). */
#define WORK_STATUS_OK 0
#define WORK_STATUS_EXPECT 1               /* an EXPECT failed */
#define WORK_STATUS_UNKNOWN_TEST RV_EINVAL /* args[0] names no test */

#endif
