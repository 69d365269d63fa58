// SPDX-License-Identifier: MIT
// links: hv/hc_check.c
/* Hypercall argument checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hc_check.h"

static void test_ranges(void **s)
{
	assert_true(hc_range_ok(0, 0));
	assert_true(hc_range_ok(0x1000, 4096));
	assert_true(hc_range_ok((1ull << 48) - 1, 1));
	assert_false(hc_range_ok((1ull << 48) - 1, 2));
	assert_false(hc_range_ok(1ull << 48, 0));
	assert_false(hc_range_ok(0x1000, ~0ull));      /* wraps */
	assert_false(hc_range_ok(~0ull - 10, 100));
}

static void test_spec(void **s)
{
	struct rv_partition_spec sp = { .image = RV_IMAGE_WORK_ABI, .nr_vcpus = 2, .data_mib = 4 };
	assert_int_equal(hc_check_spec(&sp, 3), 0);
	assert_int_equal(hc_check_spec(&sp, 1), -RV_ENOSPC);
	sp.nr_vcpus = 0;
	assert_int_equal(hc_check_spec(&sp, 3), -RV_EINVAL);
	sp.nr_vcpus = RV_MAX_VCPUS + 1;
	assert_int_equal(hc_check_spec(&sp, 99), -RV_EINVAL);
	sp.nr_vcpus = 1;
	sp.image = 7;
	assert_int_equal(hc_check_spec(&sp, 3), -RV_EINVAL);
	sp.image = RV_IMAGE_WORK_ABI;
	sp.data_mib = HC_DATA_MIB_MAX + 1;
	assert_int_equal(hc_check_spec(&sp, 3), -RV_EINVAL);
}

static void test_privileged(void **s)
{
	assert_false(hc_is_privileged(RV_HC_VERSION));
	assert_false(hc_is_privileged(RV_HC_CONSOLE_WRITE));
	assert_false(hc_is_privileged(RV_HC_VCPU_DONE));
	assert_true(hc_is_privileged(RV_HC_SHUTDOWN));
	assert_true(hc_is_privileged(RV_HC_WAIT_EVENT));
	assert_true(hc_is_privileged(RV_HC_PARTITION_CREATE));
	assert_true(hc_is_privileged(RV_HC_PARTITION_DESTROY));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_spec),
		cmocka_unit_test(test_privileged),
	};
	return cmocka_run_group_tests_name("hc_check", tests, NULL, NULL);
}
