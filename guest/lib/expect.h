/* SPDX-License-Identifier: MIT */
/*
 * Checks in the style of Jailhouse's inmates.
 *
 * EXPECT(cond) and EXPECT_EQ(a, b) print file:line, the expression and (for
 * EXPECT_EQ) both values when they fail, count the failure in
 * expect_failures() and carry on.  Both are expressions that yield true
 * when the check held, so callers can tally them.  EXPECT_EQ compares the
 * values as 64-bit integers, so `EXPECT_EQ(hc_x(), -RV_EINVAL)` works
 * whatever the integer types.
 *
 * GUEST_ASSERT(cond) is for "cannot go on": it prints and calls
 * guest_abort() (see guest.h), which does not return.
 */
#ifndef GUEST_EXPECT_H
#define GUEST_EXPECT_H

#include <stdbool.h>
#include <stdint.h>

bool expect_failed(const char *file, int line, const char *expr);
bool expect_eq_failed(const char *file, int line, const char *a, const char *b, uint64_t va,
		      uint64_t vb);
__attribute__((noreturn)) void guest_assert_failed(const char *file, int line, const char *expr);

/* Failed EXPECTs so far: of all vCPUs of this program, and of this vCPU. */
unsigned long expect_failures(void);
unsigned long expect_failures_this_vcpu(void);

#define EXPECT(cond)                                                    \
	({                                                              \
		bool ok__ = !!(cond);                                   \
		if (__builtin_expect(!ok__, 0))                         \
			expect_failed(__FILE__, __LINE__, #cond);       \
		ok__;                                                   \
	})

#define EXPECT_EQ(a, b)                                                         \
	({                                                                      \
		uint64_t a__ = (uint64_t)(a), b__ = (uint64_t)(b);              \
		bool ok__ = a__ == b__;                                         \
		if (__builtin_expect(!ok__, 0))                                 \
			expect_eq_failed(__FILE__, __LINE__, #a, #b, a__, b__); \
		ok__;                                                           \
	})

#define GUEST_ASSERT(cond)                                               \
	do {                                                             \
		if (__builtin_expect(!(cond), 0))                        \
			guest_assert_failed(__FILE__, __LINE__, #cond);  \
	} while (0)

#endif
