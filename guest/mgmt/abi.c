// SPDX-License-Identifier: MIT
/*
 * Hypercalls that must fail, and how.  Cheap, so `hello` runs them on every
 * boot.  Each argument is wrong in exactly one way, so a hypervisor that
 * checks in another order still owes the same errno.  Run them while no
 * event is pending: a WAIT_EVENT that wrongly succeeded would eat it.
 */
#include "mgmt.h"

/* Far beyond any partition's RAM (and beyond the 4 GiB identity map). */
#define WILD ((void *)0xdead0000000ull)
/*
 * 8 bytes below the end of slot 0: a struct there runs off the RAM.  It is
 * the top of our own (vCPU 0's) stack, which holds only _start's return
 * address, never used: a hypervisor that wrongly writes there breaks
 * nothing we need later.
 */
#define STRADDLE ((void *)(uintptr_t)(RV_SYS_SLOT_SIZE - 8))
/* Something to write that lies inside our RAM: the image itself. */
#define IMAGE ((const void *)(uintptr_t)RV_GPA_IMAGE)

/* A create that should fail but returned an id must not leak a partition. */
static void undo_create(long id)
{
	if (id >= 0) {
		gprintf("abi: bogus spec created partition %ld; destroying it\n", id);
		hc_partition_destroy((uint64_t)id);
	}
}

static bool check_create(const struct rv_partition_spec *spec, long want)
{
	long id = hc_partition_create(spec);
	bool ok = EXPECT_EQ(id, want);

	undo_create(id);
	return ok;
}

void abi_negative_checks(unsigned int *ok, unsigned int *total)
{
	struct rv_partition_spec good = { .image = RV_IMAGE_WORK_ABI, .nr_vcpus = 1 }, spec;
	struct rv_vcpu_stats stats;
	unsigned int n = 0, pass = 0;

#define CHECK(x) (n++, pass += (x))
	/* Call numbers. */
	CHECK(EXPECT_EQ(hypercall6(999, 0, 0, 0, 0, 0, 0), -RV_ENOSYS));
	CHECK(EXPECT_EQ(hypercall6(RV_HC_NR_CALLS, 0, 0, 0, 0, 0, 0), -RV_ENOSYS));

	/* Buffers. */
	CHECK(EXPECT_EQ(hc_console_write(WILD, 16), -RV_EFAULT));
	CHECK(EXPECT_EQ(hc_console_write(STRADDLE, 16), -RV_EFAULT));
	/* The 1 MiB at IMAGE is our RAM: only the length is wrong. */
	CHECK(EXPECT_EQ(hc_console_write(IMAGE, 1ul << 20), -RV_EINVAL));
	CHECK(EXPECT_EQ(hc_console_write(IMAGE, 4097), -RV_EINVAL));
	CHECK(EXPECT_EQ(hc_hv_info(WILD), -RV_EFAULT));
	CHECK(EXPECT_EQ(hc_hv_info(STRADDLE), -RV_EFAULT));
	/*
	 * Not NULL: guest-physical 0 is RAM in every partition.  A short
	 * timeout, so a hypervisor that waits before it checks still returns.
	 */
	CHECK(EXPECT_EQ(hc_wait_event(WILD, 1000), -RV_EFAULT));
	CHECK(EXPECT_EQ(hc_wait_event(STRADDLE, 1000), -RV_EFAULT));

	/* Partition specs. */
	CHECK(check_create(WILD, -RV_EFAULT));
	spec = good;
	spec.nr_vcpus = 0;
	CHECK(check_create(&spec, -RV_EINVAL));
	spec.nr_vcpus = RV_MAX_VCPUS + 1;
	CHECK(check_create(&spec, -RV_EINVAL));
	spec = good;
	spec.image = 0;
	CHECK(check_create(&spec, -RV_EINVAL));
	spec = good;
	spec.data_mib = 1025;
	CHECK(check_create(&spec, -RV_EINVAL));

	/* Partition ids. */
	CHECK(EXPECT_EQ(hc_partition_start(9999), -RV_ENOENT));
	CHECK(EXPECT_EQ(hc_partition_destroy(9999), -RV_ENOENT));
	CHECK(EXPECT_EQ(hc_vcpu_stats(9999, 0, &stats), -RV_ENOENT));
	/* 1.5: the call is there, and the id comes first (the range is fine). */
	CHECK(EXPECT_EQ(hc_bitmap_clear_range(9999, 1, 0, 64, IMAGE, 0), -RV_ENOENT));
#undef CHECK

	*ok += pass;
	*total += n;
}
