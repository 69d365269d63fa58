// SPDX-License-Identifier: MIT
// links: hv/platform/cpustate.c
/*
 * The values every CPU is set up with (platform/cpustate.h) and the
 * per-CPU self-check's verdicts on them: the state the code writes
 * passes, and each way a CPU can be left wrong is named.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/x86.h"
#include "platform/cpustate.h"

/* What the boot CPU printed under Bochs (docs/02-boot.md). */
static struct cpu_state good(void)
{
	return (struct cpu_state){
	    .cr0 = HV_CR0,
	    .cr4 = 0x2668,
	    .svr = HV_APIC_SVR,
	    .tpr = HV_APIC_TPR,
	    .pat = 0x0007040600070406ull, /* the power-up default */
	    .has_mtrr = true,
	    .mtrr_def_type = 0xc06,
	};
}

static void test_values_written(void **st)
{
	/* CR0: PG, WP, NE, ET, MP, PE; caches on (CD = NW = 0), TS clear. */
	assert_int_equal(HV_CR0, 0x80010033);
	assert_int_equal(HV_CR0 & (CR0_CD | CR0_NW), 0);
	/* The VMX fixed-1 bits of CR0 on every processor: PE, NE, PG (Vol. 3D, A.7). */
	assert_int_equal(HV_CR0 & (CR0_PE | CR0_NE | CR0_PG), CR0_PE | CR0_NE | CR0_PG);
	/* The trampoline loads it with a 32-bit move. */
	assert_int_equal(HV_CR0 >> 32, 0);
	/* SVR: software enable plus a spurious vector whose low nibble is 1111b. */
	assert_int_equal(HV_APIC_SVR, 0x1ff);
	assert_int_equal(APIC_SPURIOUS_VECTOR & 0xf, 0xf);
	assert_int_equal(HV_APIC_TPR, 0);
}

static void test_eoi_only_for_real_interrupts(void **st)
{
	assert_false(apic_needs_eoi(APIC_SPURIOUS_VECTOR));
	assert_true(apic_needs_eoi(0xf0)); /* the kick */
	assert_true(apic_needs_eoi(0x20));
}

static void test_good_state_passes(void **st)
{
	struct cpu_state s = good();
	assert_null(cpu_state_check(&s));
	s.has_mtrr = false, s.mtrr_def_type = 0; /* no MTRRs: nothing to check */
	assert_null(cpu_state_check(&s));
}

static void expect_reason(struct cpu_state s, const char *word)
{
	const char *why = cpu_state_check(&s);
	assert_non_null(why);
	assert_non_null(strstr(why, word));
}

static void test_each_fault_named(void **st)
{
	struct cpu_state s;

	/* An AP as the old trampoline left it: CR0 = E0000031H-style. */
	s = good(), s.cr0 |= CR0_CD | CR0_NW;
	expect_reason(s, "caches disabled");
	s = good(), s.cr0 |= CR0_CD;
	expect_reason(s, "caches disabled");
	s = good(), s.cr0 &= ~CR0_WP;
	expect_reason(s, "HV_CR0");
	s = good(), s.cr4 &= ~CR4_VMXE;
	expect_reason(s, "VMXE");
	/* An AP whose APIC was never enabled after INIT: SVR = 0FFH. */
	s = good(), s.svr = 0xff;
	expect_reason(s, "software-disabled");
	s = good(), s.svr = 0x10f;
	expect_reason(s, "spurious vector");
	s = good(), s.tpr = 0x20;
	expect_reason(s, "task priority");
	s = good(), s.pat = 0x0007040600070400ull;
	expect_reason(s, "entry 0");
	s = good(), s.pat = 0x0007040606070406ull;
	expect_reason(s, "entry 3");
	s = good(), s.mtrr_def_type = 0x006;
	expect_reason(s, "MTRRs disabled");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_values_written),
	    cmocka_unit_test(test_eoi_only_for_real_interrupts),
	    cmocka_unit_test(test_good_state_passes),
	    cmocka_unit_test(test_each_fault_named),
	};
	return cmocka_run_group_tests_name("cpustate", tests, NULL, NULL);
}
