/* SPDX-License-Identifier: MIT */
/*
 * Moving a Linux partition's vCPUs and devices from one partition to
 * another (docs/12-linux.md, "Moving a Linux partition").  Memory is the
 * caller's: copy every slot (or pre-copy it on the dirty log) before or
 * after, but before the destination starts.
 */
#ifndef MGMT_LINUXSTATE_H
#define MGMT_LINUXSTATE_H

#include "mgmt.h"

/*
 * With every vCPU of src held (RV_HC_VCPU_PAUSE), copy each vCPU's state
 * (RV_HC_VCPU_GET_STATE -> RV_HC_VCPU_SET_STATE, the 1.6 tail with the
 * vCPU's platform) and the platform's (RV_HC_PLATFORM_GET_STATE ->
 * RV_HC_PLATFORM_SET_STATE) to dst, created with the same spec and not
 * started.  Read src's console (RV_HC_CONSOLE_READ) to its end before:
 * dst's stream goes on at src's total.  false (and a reason on run's
 * RESULT line) if any call failed.
 */
bool linux_state_move(struct scenario_run *run, long src, long dst, uint32_t vcpus);

/*
 * The same, but leaving out one piece on purpose, to show that the
 * destination needs it (scenario linux-clone's skip=): "none", "timer"
 * (every vCPU's APIC timer left disarmed) or "platform" (the devices not
 * moved at all).
 */
bool linux_state_move_skip(struct scenario_run *run, long src, long dst, uint32_t vcpus,
			   const char *skip);

#endif
