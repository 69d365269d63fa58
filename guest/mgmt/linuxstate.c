// SPDX-License-Identifier: MIT
/*
 * Moving a Linux partition's state (linuxstate.h).  The ABI side is
 * hv/abi/hypercall.h's rv_vcpu_state (1.6 tail) and rv_platform_state.
 */
#include "linuxstate.h"

bool linux_state_move_skip(struct scenario_run *run, long src, long dst, uint32_t vcpus,
			   const char *skip)
{
	/* Static: 4.7 KiB and more; the management program runs one scenario at a time. */
	static struct rv_vcpu_state st;
	static struct rv_platform_state ps;
	long rc;

	for (uint32_t v = 0; v < vcpus; v++) {
		if ((rc = hc_vcpu_get_state((uint64_t)src, v, &st))) {
			result_fail(run, "reason=vcpu-get-state vcpu=%u err=%ld", v, rc);
			return false;
		}
		if (!(st.plat.flags & RV_VCPU_PLAT)) {
			result_fail(run, "reason=vcpu-state-no-platform vcpu=%u", v);
			return false;
		}
		if (!strcmp(skip, "timer"))
			st.plat.timer_deadline = st.plat.tsc_deadline = 0;
		if ((rc = hc_vcpu_set_state((uint64_t)dst, v, &st))) {
			result_fail(run, "reason=vcpu-set-state vcpu=%u err=%ld", v, rc);
			return false;
		}
	}
	if (!strcmp(skip, "platform"))
		return true;
	if ((rc = hc_platform_get_state((uint64_t)src, &ps))) {
		result_fail(run, "reason=platform-get-state err=%ld", rc);
		return false;
	}
	if ((rc = hc_platform_set_state((uint64_t)dst, &ps))) {
		result_fail(run, "reason=platform-set-state err=%ld", rc);
		return false;
	}
	return true;
}

bool linux_state_move(struct scenario_run *run, long src, long dst, uint32_t vcpus)
{
	return linux_state_move_skip(run, src, dst, vcpus, "none");
}
