// SPDX-License-Identifier: MIT
/*
 * The management program: check the ABI version, run each scenario the
 * loader passed (or `hello` with its defaults if none), and shut down with
 * status 0 only if every one passed.  guest_start() makes the shutdown
 * hypercall with guest_main()'s return value.
 */
#include "mgmt.h"

/* All failed: the hypervisor speaks another ABI, so nothing can run. */
static void fail_all(const struct rv_run *runs, uint32_t nr, long version)
{
	for (uint32_t i = 0; i < nr; i++) {
		char name[RV_RUN_STR + 1];

		snprintf(name, sizeof(name), "%.*s", RV_RUN_STR, runs[i].scenario);
		gprintf("RESULT %s FAIL reason=abi-version hv=0x%lx guest=0x%x\n",
			name[0] ? name : "(empty)", version, RV_ABI_VERSION);
	}
}

int guest_main(uint32_t vcpu, struct rv_guest_boot *boot)
{
	static const struct rv_run default_run = { .scenario = "hello" };
	const struct rv_run *runs = boot->runs;
	uint32_t nr = boot->nr_runs, passed = 0;
	long version;
	bool ok = true;

	if (vcpu != 0) {
		gprintf("mgmt: vCPU %u idles; the management program runs on vCPU 0\n", vcpu);
		guest_park();
	}
	GUEST_ASSERT(boot->role == RV_ROLE_MGMT);

	version = hc_version();
	if (version < 0)
		gprintf("mgmt: RV_HC_VERSION failed: %ld\n", version);
	else
		gprintf("Ringvisor management partition %u: hypervisor ABI %lu.%lu, built for "
			"%d.%d, %u run(s)\n", boot->partition, RV_VERSION_MAJOR(version),
			RV_VERSION_MINOR(version), RV_ABI_MAJOR, RV_ABI_MINOR, nr);

	if (nr > RV_RUN_MAX) {
		gprintf("mgmt: boot block lists %u runs, at most %u; running the first %u\n", nr,
			RV_RUN_MAX, RV_RUN_MAX);
		nr = RV_RUN_MAX;
		ok = false;
	}
	if (nr == 0) {
		runs = &default_run;
		nr = 1;
	}

	/*
	 * Same major, and a minor at least ours (so, with the same major, a
	 * version at least ours): a newer minor only adds calls, an older
	 * one may lack some we use.
	 */
	if (version < 0 || RV_VERSION_MAJOR(version) != RV_ABI_MAJOR || version < RV_ABI_VERSION) {
		fail_all(runs, nr, version);
		return 1;
	}

	for (uint32_t i = 0; i < nr; i++)
		passed += run_scenario(&runs[i]);
	ok = ok && passed == nr;
	gprintf("mgmt: %u of %u run(s) passed; shutting down with status %d\n", passed, nr, !ok);
	return !ok;
}
