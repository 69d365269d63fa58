// SPDX-License-Identifier: MIT
/*
 * The workload program.  Every vCPU runs the test the management partition
 * chose in args[0]; the test's return value becomes this vCPU's
 * RV_HC_VCPU_DONE status (see worktests.h).
 */
#include "guest.h"
#include "worktests.h"

struct work_test_desc {
	const char *name;
	int (*fn)(uint32_t vcpu, const struct rv_guest_boot *boot);
};

/*
 * hello: say who we are, and check that the hypervisor agrees (hv_info) and
 * that the privileged calls are closed to a workload.
 */
static int test_hello(uint32_t vcpu, const struct rv_guest_boot *boot)
{
	struct rv_hv_info info;
	struct rv_partition_spec spec = { .image = RV_IMAGE_WORK_ABI, .nr_vcpus = 0 };

	gprintf("hello from vCPU %u of %u (partition %u)\n", vcpu, boot->nr_vcpus,
		boot->partition);

	EXPECT(vcpu < boot->nr_vcpus);
	if (EXPECT_EQ(hc_hv_info(&info), 0)) {
		EXPECT_EQ(info.partition, boot->partition);
		EXPECT_EQ(info.vcpu, vcpu);
	}
	/* Harmless if the check were missing: 9999 is no partition, spec is invalid. */
	EXPECT_EQ(hc_partition_start(9999), -RV_EPERM);
	EXPECT_EQ(hc_partition_create(&spec), -RV_EPERM);
	return WORK_STATUS_OK;
}

/* Indexed by enum work_test. */
static const struct work_test_desc tests[] = {
	[WORK_TEST_HELLO] = { "hello", test_hello },
};

int guest_main(uint32_t vcpu, struct rv_guest_boot *boot)
{
	uint64_t id = boot->args[0];
	int status;

	if (id >= sizeof(tests) / sizeof(tests[0]) || !tests[id].fn) {
		gprintf("work: unknown test %lu\n", id);
		return WORK_STATUS_UNKNOWN_TEST;
	}
	status = tests[id].fn(vcpu, boot);
	/* A test that returned 0 still fails if one of its EXPECTs did. */
	if (status == WORK_STATUS_OK && expect_failures_this_vcpu())
		status = WORK_STATUS_EXPECT;
	return status;
}
