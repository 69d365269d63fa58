// SPDX-License-Identifier: MIT
// links: hv/partition/hc_check.c
/* Hypercall argument checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "partition/hc_check.h"

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

/* A Linux spec: enough RAM, a command line that is printable and ended;
 * our own workload takes none. */
static void test_spec_cmdline(void **s)
{
	struct rv_partition_spec sp = {
	    .image = RV_IMAGE_LINUX_ABI, .nr_vcpus = 1, .data_mib = RV_LINUX_MIB_MIN};
	assert_int_equal(hc_check_spec(&sp, 3), 0);
	strcpy(sp.cmdline, "console=ttyS0 rv_pages=256");
	assert_int_equal(hc_check_spec(&sp, 3), 0);
	sp.data_mib = RV_LINUX_MIB_MIN - 1;
	assert_int_equal(hc_check_spec(&sp, 3), -RV_EINVAL);
	sp.data_mib = RV_LINUX_MIB_MIN;
	sp.cmdline[3] = '\n'; /* not printable */
	assert_int_equal(hc_check_spec(&sp, 3), -RV_EINVAL);
	memset(sp.cmdline, 'x', sizeof(sp.cmdline)); /* no NUL */
	assert_int_equal(hc_check_spec(&sp, 3), -RV_EINVAL);
	memset(sp.cmdline, 0, sizeof(sp.cmdline));
	sp.cmdline[RV_CMDLINE_MAX - 1] = 'x'; /* hidden after the NUL */
	assert_int_equal(hc_check_spec(&sp, 3), -RV_EINVAL);
	memset(sp.cmdline, 0, sizeof(sp.cmdline));
	sp.image = RV_IMAGE_WORK_ABI;
	strcpy(sp.cmdline, "quiet"); /* our workload takes no command line */
	assert_int_equal(hc_check_spec(&sp, 3), -RV_EINVAL);
}

static void test_slots(void **st)
{
	struct hc_range slots[RV_MAX_SLOTS] = { { 0, RV_SYS_SLOT_SIZE }, { RV_GPA_DATA, 4 << 20 } };
	struct rv_slot s = { .id = 1, .flags = RV_SLOT_LOG_DIRTY, .gpa = RV_GPA_DATA, .size = 4 << 20 };

	assert_int_equal(hc_check_slot(&s, slots), HC_SLOT_FLAGS);
	s.size = 0;
	assert_int_equal(hc_check_slot(&s, slots), HC_SLOT_DELETE);
	s.size = 8 << 20; /* same id, other range */
	assert_int_equal(hc_check_slot(&s, slots), -RV_EEXIST);
	/* A new slot: must not overlap, must be aligned and inside the data area. */
	s = (struct rv_slot){ .id = 2, .gpa = RV_GPA_DATA + (4 << 20), .size = 1 << 20 };
	assert_int_equal(hc_check_slot(&s, slots), HC_SLOT_CREATE);
	s.gpa = RV_GPA_DATA + (3 << 20);
	assert_int_equal(hc_check_slot(&s, slots), -RV_EEXIST); /* overlaps slot 1 */
	s.gpa = RV_GPA_DATA + (4 << 20) + 8;
	assert_int_equal(hc_check_slot(&s, slots), -RV_EINVAL); /* misaligned */
	s.gpa = RV_GPA_DATA + (4 << 20);
	s.size = 4097;
	assert_int_equal(hc_check_slot(&s, slots), -RV_EINVAL);
	s.size = ((u64)HC_SLOT_MIB_MAX + 1) << 20;
	assert_int_equal(hc_check_slot(&s, slots), -RV_EINVAL); /* too large */
	s.gpa = RV_GPA_DATA_END - 4096;
	s.size = 8192;
	assert_int_equal(hc_check_slot(&s, slots), -RV_EINVAL); /* runs past the data area */
	s.gpa = 0x2000;
	s.size = 4096;
	assert_int_equal(hc_check_slot(&s, slots), -RV_EINVAL); /* inside the system area */
	s.gpa = ~0ull & PAGE_MASK;
	assert_int_equal(hc_check_slot(&s, slots), -RV_EINVAL); /* wraps */
	s = (struct rv_slot){ .id = 3, .size = 0 };
	assert_int_equal(hc_check_slot(&s, slots), -RV_ENOENT);
	s = (struct rv_slot){ .id = RV_MAX_SLOTS, .gpa = RV_GPA_DATA, .size = 4096 };
	assert_int_equal(hc_check_slot(&s, slots), -RV_EINVAL);
	s = (struct rv_slot){ .id = 1, .flags = 0x80, .gpa = RV_GPA_DATA, .size = 4 << 20 };
	assert_int_equal(hc_check_slot(&s, slots), -RV_EINVAL); /* unknown flag */
	/* 1.6: slot 0 is logged like any slot (lazily too), never deleted. */
	s = (struct rv_slot){ .id = 0, .flags = RV_SLOT_LOG_DIRTY, .gpa = 0, .size = RV_SYS_SLOT_SIZE };
	assert_int_equal(hc_check_slot(&s, slots), HC_SLOT_FLAGS);
	s.flags = RV_SLOT_LOG_DIRTY | RV_SLOT_LOG_LAZY;
	assert_int_equal(hc_check_slot(&s, slots), HC_SLOT_FLAGS);
	s.size = 2 << 20; /* not its range */
	assert_int_equal(hc_check_slot(&s, slots), -RV_EEXIST);
	s.size = 0;
	s.flags = RV_SLOT_LOG_DIRTY;
	assert_int_equal(hc_check_slot(&s, slots), -RV_EPERM);
}

/* 1.5: lazy protection is a way of switching logging on, nothing alone. */
static void test_slots_lazy(void **st)
{
	struct hc_range slots[RV_MAX_SLOTS] = {{0, RV_SYS_SLOT_SIZE}, {RV_GPA_DATA, 4 << 20}};
	struct rv_slot s = {.id = 1,
			    .flags = RV_SLOT_LOG_DIRTY | RV_SLOT_LOG_LAZY,
			    .gpa = RV_GPA_DATA,
			    .size = 4 << 20};

	assert_int_equal(hc_check_slot(&s, slots), HC_SLOT_FLAGS);
	s.flags = RV_SLOT_LOG_LAZY;
	assert_int_equal(hc_check_slot(&s, slots), -RV_EINVAL);
	s.flags = RV_SLOT_LOG_LAZY | 4;
	assert_int_equal(hc_check_slot(&s, slots), -RV_EINVAL);
	/* A new slot made logging lazily from the start. */
	s = (struct rv_slot){.id = 2,
			     .flags = RV_SLOT_LOG_DIRTY | RV_SLOT_LOG_LAZY,
			     .gpa = RV_GPA_DATA + (4 << 20),
			     .size = 1 << 20};
	assert_int_equal(hc_check_slot(&s, slots), HC_SLOT_CREATE);
	s.flags = RV_SLOT_LOG_LAZY;
	assert_int_equal(hc_check_slot(&s, slots), -RV_EINVAL);
	/* Deleting with the lazy flag alone is refused before the delete. */
	s = (struct rv_slot){.id = 1, .flags = RV_SLOT_LOG_LAZY, .gpa = RV_GPA_DATA, .size = 0};
	assert_int_equal(hc_check_slot(&s, slots), -RV_EINVAL);
}

/* 1.7: small pages alone or with logging; lazy splitting only with logging. */
static void test_slots_huge(void **st)
{
	struct hc_range slots[RV_MAX_SLOTS] = {{0, RV_SYS_SLOT_SIZE}, {RV_GPA_DATA, 4 << 20}};
	struct rv_slot s = {.id = 1, .flags = RV_SLOT_SMALL_PAGES, .gpa = RV_GPA_DATA, .size = 4 << 20};

	assert_int_equal(hc_check_slot(&s, slots), HC_SLOT_FLAGS);
	s.flags = RV_SLOT_SMALL_PAGES | RV_SLOT_LOG_DIRTY | RV_SLOT_SPLIT_EAGER;
	assert_int_equal(hc_check_slot(&s, slots), HC_SLOT_FLAGS);
	s.flags = RV_SLOT_LOG_DIRTY | RV_SLOT_SPLIT_EAGER | RV_SLOT_LOG_LAZY;
	assert_int_equal(hc_check_slot(&s, slots), HC_SLOT_FLAGS);
	s.flags = RV_SLOT_SPLIT_EAGER;
	assert_int_equal(hc_check_slot(&s, slots), -RV_EINVAL);
	s.flags = RV_SLOT_SPLIT_EAGER | RV_SLOT_SMALL_PAGES;
	assert_int_equal(hc_check_slot(&s, slots), -RV_EINVAL);
	s.flags = RV_SLOT_LOG_DIRTY | 16; /* the next bit is still unknown */
	assert_int_equal(hc_check_slot(&s, slots), -RV_EINVAL);
	s = (struct rv_slot){.id = 2, .flags = RV_SLOT_SMALL_PAGES, .gpa = RV_GPA_DATA + (4 << 20),
			     .size = 2 << 20};
	assert_int_equal(hc_check_slot(&s, slots), HC_SLOT_CREATE);
}

/* KVM_CLEAR_DIRTY_LOG's ranges: whole words, inside the slot. */
static void test_clear_range(void **st)
{
	assert_int_equal(hc_check_clear_range(0, 4096, 4096), 0);
	assert_int_equal(hc_check_clear_range(0, 64, 4096), 0);
	assert_int_equal(hc_check_clear_range(4032, 64, 4096), 0);
	assert_int_equal(hc_check_clear_range(4096, 0, 4096), 0); /* empty, at the end */
	assert_int_equal(hc_check_clear_range(0, 0, 4096), 0);
	assert_int_equal(hc_check_clear_range(1, 64, 4096), -RV_EINVAL); /* first misaligned */
	assert_int_equal(hc_check_clear_range(63, 1, 64), -RV_EINVAL);
	assert_int_equal(hc_check_clear_range(0, 65, 4096), -RV_EINVAL); /* num misaligned */
	assert_int_equal(hc_check_clear_range(0, 1, 4096), -RV_EINVAL);
	assert_int_equal(hc_check_clear_range(4096, 64, 4096), -RV_EINVAL); /* past the end */
	assert_int_equal(hc_check_clear_range(4032, 128, 4096), -RV_EINVAL);
	assert_int_equal(hc_check_clear_range(4160, 0, 4096), -RV_EINVAL);
	/* A slot whose size is not a multiple of 64 pages: the last range ends it. */
	assert_int_equal(hc_check_clear_range(64, 36, 100), 0);
	assert_int_equal(hc_check_clear_range(0, 100, 100), 0);
	assert_int_equal(hc_check_clear_range(0, 1, 1), 0);
	assert_int_equal(hc_check_clear_range(64, 35, 100), -RV_EINVAL);
	assert_int_equal(hc_check_clear_range(64, 37, 100), -RV_EINVAL);
	assert_int_equal(hc_check_clear_range(0, 99, 100), -RV_EINVAL);
	/* No wrap lets a huge range through. */
	assert_int_equal(hc_check_clear_range(64, ~0ull - 63, 4096), -RV_EINVAL);
	assert_int_equal(hc_check_clear_range(~0ull & ~63ull, 128, 4096), -RV_EINVAL);
}

static void test_windows(void **st)
{
	assert_int_equal(hc_check_window(RV_GPA_WINDOWS, 4096), 0);
	assert_int_equal(hc_check_window(RV_GPA_WINDOWS_END - 4096, 4096), 0);
	assert_int_equal(hc_check_window(RV_GPA_WINDOWS_END - 4096, 8192), -RV_EINVAL);
	assert_int_equal(hc_check_window(RV_GPA_WINDOWS - 4096, 4096), -RV_EINVAL);
	assert_int_equal(hc_check_window(RV_GPA_WINDOWS + 1, 4096), -RV_EINVAL);
	assert_int_equal(hc_check_window(RV_GPA_RINGS, 4096), -RV_EINVAL);
	assert_int_equal(hc_check_window(RV_GPA_WINDOWS, ~0ull), -RV_EINVAL);
}

/* 1.7: RV_HC_DIRTY_LIMIT's rate, with Bochs' TSC (200004 kHz) or none. */
static void test_dirty_limit(void **st)
{
	assert_int_equal(hc_check_dirty_limit(0, 200004), 0);
	assert_int_equal(hc_check_dirty_limit(0, 0), 0); /* lifting needs no TSC */
	assert_int_equal(hc_check_dirty_limit(1, 200004), 0);
	assert_int_equal(hc_check_dirty_limit(RV_DIRTY_LIMIT_MAX, 200004), 0);
	assert_int_equal(hc_check_dirty_limit(RV_DIRTY_LIMIT_MAX + 1, 200004), -RV_EINVAL);
	assert_int_equal(hc_check_dirty_limit(~0ull, 200004), -RV_EINVAL);
	assert_int_equal(hc_check_dirty_limit(~0ull, ~0ull), -RV_EINVAL);
	assert_int_equal(hc_check_dirty_limit(1, 0), -RV_EOPNOTSUPP);
	/* At most a page a tick: a 1 MHz TSC cannot pace 1,000,001 pages a second. */
	assert_int_equal(hc_check_dirty_limit(1000000, 1000), 0);
	assert_int_equal(hc_check_dirty_limit(1000001, 1000), -RV_EINVAL);
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
	assert_true(hc_is_privileged(RV_HC_DIRTY_LIMIT));
	assert_true(hc_is_privileged(RV_HC_DIRTY_RATE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ranges),	 cmocka_unit_test(test_spec),
	    cmocka_unit_test(test_spec_cmdline), cmocka_unit_test(test_slots),
	    cmocka_unit_test(test_slots_lazy),	 cmocka_unit_test(test_clear_range),
	    cmocka_unit_test(test_slots_huge),
	    cmocka_unit_test(test_windows),	 cmocka_unit_test(test_privileged),
	    cmocka_unit_test(test_dirty_limit),
	};
	return cmocka_run_group_tests_name("hc_check", tests, NULL, NULL);
}
