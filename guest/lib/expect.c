// SPDX-License-Identifier: MIT
#include "expect.h"
#include "arch.h"
#include "console.h"
#include "guest.h"

/*
 * Per vCPU, so one vCPU's verdict does not depend on another's timing; the
 * last slot catches a vCPU whose stack is not where it should be.  .bss
 * starts zeroed (see guest.h).
 */
static unsigned long nr_failures[RV_MAX_VCPUS + 1];

static void count_failure(void)
{
	uint32_t v = guest_vcpu();

	fetch_add(&nr_failures[v < RV_MAX_VCPUS ? v : RV_MAX_VCPUS], 1);
}

unsigned long expect_failures(void)
{
	unsigned long n = 0;

	for (int i = 0; i <= RV_MAX_VCPUS; i++)
		n += load_acquire(&nr_failures[i]);
	return n;
}

unsigned long expect_failures_this_vcpu(void)
{
	uint32_t v = guest_vcpu();

	return load_acquire(&nr_failures[v < RV_MAX_VCPUS ? v : RV_MAX_VCPUS]);
}

bool expect_failed(const char *file, int line, const char *expr)
{
	count_failure();
	gprintf("FAIL %s:%d: EXPECT(%s)\n", file, line, expr);
	return false;
}

bool expect_eq_failed(const char *file, int line, const char *a, const char *b, uint64_t va,
		      uint64_t vb)
{
	count_failure();
	/* Signed and hex: errno results read best signed, addresses in hex. */
	gprintf("FAIL %s:%d: EXPECT_EQ(%s, %s): %ld (0x%lx) != %ld (0x%lx)\n", file, line, a, b,
		(long)va, va, (long)vb, vb);
	return false;
}

void guest_assert_failed(const char *file, int line, const char *expr)
{
	gprintf("ASSERT failed %s:%d: %s\n", file, line, expr);
	guest_abort();
}
