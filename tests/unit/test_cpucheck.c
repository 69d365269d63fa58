// SPDX-License-Identifier: MIT
// links: boot/cpucheck.c boot/util.c
/*
 * VT-x verdicts from raw CPUID/MSR values, starting from what Bochs'
 * corei7_skylake_x reports (shared/bochs/README.md), then taking features
 * away one at a time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cpucheck.h"
#include "vmx/vmcs.h" /* VMX_*_REQUIRED: what hv/vmx/vmx.c sets */

#define BOCHS_BASIC 0xD810000000002Bull
#define BOCHS_PROCBASED2 (0x02177FFFull << 32)
#define BOCHS_EPT_VPID_CAP 0xF0106334141ull
#define PROCBASED_ALL (0xfffffffeull << 32)
#define CTLS_ALL (0xffffffffull << 32)

static char msgs[16][256];
static unsigned int nmsgs;

static void missing(void *ctx, const char *msg)
{
	assert_ptr_equal(ctx, msgs);
	assert_true(nmsgs < 16);
	strncpy(msgs[nmsgs++], msg, sizeof(msgs[0]) - 1);
}

static struct cpucheck_msrs bochs(void)
{
	return (struct cpucheck_msrs){
		.vmx_basic = BOCHS_BASIC,
		.pinbased = CTLS_ALL,
		.procbased = PROCBASED_ALL,
		.exit = CTLS_ALL,
		.entry = CTLS_ALL,
		.procbased2 = BOCHS_PROCBASED2,
		.ept_vpid_cap = BOCHS_EPT_VPID_CAP,
	};
}

static unsigned int caps(const struct cpucheck_msrs *m)
{
	nmsgs = 0;
	memset(msgs, 0, sizeof(msgs));
	return cpucheck_caps(m, missing, msgs);
}

static void test_vmx_bit(void **state)
{
	assert_null(cpucheck_vmx(1u << 5));
	assert_null(cpucheck_vmx(0xffffffffu));
	assert_string_equal(cpucheck_vmx(0xffffffdfu),
			    "VMX is not available: under QEMU use -enable-kvm "
			    "-cpu host on an Intel host with kvm_intel nested=1, "
			    "or run under Bochs (tools/hvrun --backend bochs)");
}

static void test_feature_control(void **state)
{
	const char *msg = "x";

	assert_int_equal(cpucheck_feature_control(0, &msg), FC_UNLOCKED);
	assert_null(msg);
	assert_int_equal(cpucheck_feature_control(4, &msg), FC_UNLOCKED);
	assert_int_equal(cpucheck_feature_control(5, &msg), FC_READY);
	assert_null(msg);
	assert_int_equal(cpucheck_feature_control(0x100005, &msg), FC_READY);
	assert_int_equal(cpucheck_feature_control(1, &msg), FC_DISABLED);
	assert_string_equal(msg, "VMX is disabled by firmware "
				 "(IA32_FEATURE_CONTROL locked without VMX): "
				 "enable VT-x in firmware setup");
	/* Locked with only VMX inside SMX: still unusable for us. */
	assert_int_equal(cpucheck_feature_control(3, &msg), FC_DISABLED);
}

static void test_msr_choice(void **state)
{
	assert_int_equal(cpucheck_procbased_msr(BOCHS_BASIC), 0x48e);
	assert_int_equal(cpucheck_procbased_msr(BOCHS_BASIC & ~(1ull << 55)), 0x482);
	assert_true(cpucheck_has_procbased2(1ull << 63));
	assert_false(cpucheck_has_procbased2(~(1ull << 63)));
	assert_true(cpucheck_has_ept_vpid_cap(1ull << 33));
	assert_true(cpucheck_has_ept_vpid_cap(1ull << 37));
	assert_false(cpucheck_has_ept_vpid_cap(~((1ull << 33) | (1ull << 37))));
}

static void test_bochs_passes(void **state)
{
	struct cpucheck_msrs m = bochs();
	char buf[512];

	assert_int_equal(caps(&m), 0);
	assert_int_equal(nmsgs, 0);
	cpucheck_summary(&m, buf, sizeof(buf));
	assert_string_equal(buf, "VMX: VMCS revision 0x2b, TRUE controls yes, "
				 "PML yes (CTLS2 bit 17), EPT A/D yes "
				 "(EPT_VPID_CAP bit 21), 2 MiB/1 GiB EPT pages "
				 "yes/yes, VMCS shadowing yes, #VE yes, monitor "
				 "trap flag yes");
}

static void test_no_secondary(void **state)
{
	struct cpucheck_msrs m = bochs();

	m.procbased &= ~(1ull << 63);
	assert_int_equal(caps(&m), 1);
	assert_string_equal(msgs[0], "secondary VM-execution controls are not "
				     "available (IA32_VMX_TRUE_PROCBASED_CTLS bit "
				     "63), so neither are EPT and VPID: Ringvisor "
				     "needs them; use a VT-x CPU that has them, or run "
				     "under Bochs (tools/hvrun --backend bochs)");
	m.vmx_basic &= ~(1ull << 55);
	assert_int_equal(caps(&m), 1);
	assert_non_null(strstr(msgs[0], "(IA32_VMX_PROCBASED_CTLS bit 63)"));
}

static void test_each_feature(void **state)
{
	static const struct {
		int ctls2;
		int bit;
		const char *start;
	} cases[] = {
		{ 1, 1, "the secondary processor-based VM-execution control \"enable EPT\" "
			"is not available (control bit 1, IA32_VMX_PROCBASED_CTLS2 bit 33): " },
		{ 1, 5, "the secondary processor-based VM-execution control \"enable VPID\" "
			"is not available (control bit 5, IA32_VMX_PROCBASED_CTLS2 bit 37): " },
		{ 1, 7, "the secondary processor-based VM-execution control \"unrestricted "
			"guest\" is not available (control bit 7, IA32_VMX_PROCBASED_CTLS2 "
			"bit 39): " },
		{ 0, 6, "EPT 4-level page walks are not supported (IA32_VMX_EPT_VPID_CAP bit 6): " },
		{ 0, 14, "write-back EPT paging structures are not supported (IA32_VMX_EPT_VPID_CAP bit 14): " },
		{ 0, 20, "INVEPT is not supported (IA32_VMX_EPT_VPID_CAP bit 20): " },
		{ 0, 26, "all-context INVEPT is not supported (IA32_VMX_EPT_VPID_CAP bit 26): " },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cpucheck_msrs m = bochs();

		if (cases[i].ctls2)
			m.procbased2 &= ~(1ull << (32 + cases[i].bit));
		else
			m.ept_vpid_cap &= ~(1ull << cases[i].bit);
		/* No EPT: its capabilities are not reported on top. */
		assert_int_equal(caps(&m), 1);
		assert_memory_equal(msgs[0], cases[i].start, strlen(cases[i].start));
		assert_non_null(strstr(msgs[0], "Ringvisor needs it"));
	}
}

/* What the hypervisor does not use is not asked for (issue 10, item 7). */
static void test_unused_not_required(void **state)
{
	struct cpucheck_msrs m = bochs();

	/* Single-context INVEPT, INVVPID and all its types, 2 MiB/1 GiB pages. */
	m.ept_vpid_cap &= ~((1ull << 25) | (0xfull << 40) | (1ull << 32) | (3ull << 16));
	/* PML, EPT A/D, VMCS shadowing, the preemption timer: optional. */
	m.procbased2 &= ~((1ull << (32 + 17)) | (1ull << (32 + 14)));
	m.ept_vpid_cap &= ~(1ull << 21);
	m.pinbased &= ~(1ull << (32 + 6));
	assert_int_equal(caps(&m), 0);
}

/* Each control the hypervisor sets, taken away alone: one line naming it. */
static void test_each_control(void **state)
{
	static const struct {
		enum cpucheck_ctls ctls;
		const char *msr;
		uint32_t required;
	} fields[] = {
		{ CTLS_PIN, "IA32_VMX_TRUE_PINBASED_CTLS", VMX_PIN_REQUIRED },
		{ CTLS_PROC, "IA32_VMX_TRUE_PROCBASED_CTLS", VMX_PROC_REQUIRED },
		{ CTLS_PROC2, "IA32_VMX_PROCBASED_CTLS2", VMX_PROC2_REQUIRED },
		{ CTLS_EXIT, "IA32_VMX_TRUE_EXIT_CTLS", VMX_EXIT_REQUIRED },
		{ CTLS_ENTRY, "IA32_VMX_TRUE_ENTRY_CTLS", VMX_ENTRY_REQUIRED },
	};
	unsigned int f, bit, seen = 0;
	char where[96];

	for (f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
		/* The loader's list is exactly what vmx.c's setup_controls sets. */
		assert_int_equal(cpucheck_required(fields[f].ctls), fields[f].required);
		for (bit = 0; bit < 32; bit++) {
			struct cpucheck_msrs m = bochs();
			uint64_t *v = fields[f].ctls == CTLS_PIN    ? &m.pinbased :
				      fields[f].ctls == CTLS_PROC   ? &m.procbased :
				      fields[f].ctls == CTLS_PROC2  ? &m.procbased2 :
				      fields[f].ctls == CTLS_EXIT   ? &m.exit :
								      &m.entry;

			*v &= ~(1ull << (32 + bit));
			if (!(fields[f].required & (1u << bit))) {
				assert_int_equal(caps(&m), 0);
				continue;
			}
			assert_int_equal(caps(&m), 1);
			snprintf(where, sizeof(where), "(control bit %u, %s bit %u): ", bit,
				 fields[f].msr, 32 + bit);
			if (!(fields[f].ctls == CTLS_PROC && bit == 31)) {
				assert_non_null(strstr(msgs[0], where));
				assert_memory_equal(msgs[0], "the ", 4);
			}
			seen++;
		}
	}
	assert_int_equal(seen, 2 + 8 + 4 + 5 + 3);

	/* Without the TRUE MSRs the old ones are named. */
	struct cpucheck_msrs m = bochs();
	m.vmx_basic &= ~(1ull << 55);
	m.exit &= ~(1ull << (32 + 15));
	assert_int_equal(caps(&m), 1);
	assert_non_null(strstr(msgs[0], "\"acknowledge interrupt on exit\" is not available "
					"(control bit 15, IA32_VMX_EXIT_CTLS bit 47)"));
	assert_int_equal(cpucheck_ctls_msr(CTLS_ENTRY, m.vmx_basic), 0x484);
	assert_int_equal(cpucheck_ctls_msr(CTLS_ENTRY, BOCHS_BASIC), 0x490);
	assert_int_equal(cpucheck_ctls_msr(CTLS_PROC2, BOCHS_BASIC), 0x48b);
}

static void test_several_missing(void **state)
{
	struct cpucheck_msrs m = bochs();

	/* An old CPU: EPT and VPID, but no unrestricted guest, no CR8 exiting. */
	m.procbased2 &= ~(1ull << (32 + 7));
	m.procbased &= ~(1ull << (32 + 19));
	m.ept_vpid_cap &= ~(1ull << 14);
	assert_int_equal(caps(&m), 3);
	assert_non_null(strstr(msgs[0], "CR8-load exiting"));
	assert_non_null(strstr(msgs[1], "unrestricted guest"));
	assert_non_null(strstr(msgs[2], "write-back EPT"));

	/* Neither EPT nor VPID: two lines, not six. */
	m = bochs();
	m.procbased2 &= ~((1ull << 33) | (1ull << 37));
	m.ept_vpid_cap = 0;
	assert_int_equal(caps(&m), 2);
}

/* The raw dump reads only MSRs that exist (Vol. 3D, Appendix A). */
static void test_cap_msr_list(void **state)
{
	struct cpucheck_msrs m = bochs();
	uint32_t msrs[CPUCHECK_MAX_CAP_MSRS];
	unsigned int n;

	n = cpucheck_cap_msrs(&m, msrs);
	assert_int_equal(n, 11 + 2 + 4 + 1); /* Bochs' skylake_x has VM functions */
	assert_int_equal(msrs[0], 0x480);
	assert_int_equal(msrs[10], 0x48a);
	assert_int_equal(msrs[11], 0x48b);
	assert_int_equal(msrs[12], 0x48c);
	assert_int_equal(msrs[16], 0x490);
	assert_int_equal(msrs[17], 0x491);
	m.procbased2 &= ~(1ull << (32 + 13));
	assert_int_equal(cpucheck_cap_msrs(&m, msrs), 17);
	m = bochs();
	m.vmx_basic &= ~(1ull << 55);
	m.procbased &= ~(1ull << 63);
	m.procbased2 = 0;
	assert_int_equal(cpucheck_cap_msrs(&m, msrs), 11);
}

static void test_summary_without_extras(void **state)
{
	struct cpucheck_msrs m = bochs();
	char buf[512];

	m.procbased2 &= ~(1ull << (32 + 17));
	m.ept_vpid_cap &= ~(1ull << 21);
	m.procbased &= ~(1ull << (32 + 27));
	cpucheck_summary(&m, buf, sizeof(buf));
	assert_non_null(strstr(buf, "PML no (CTLS2 bit 17)"));
	assert_non_null(strstr(buf, "EPT A/D no (EPT_VPID_CAP bit 21)"));
	assert_non_null(strstr(buf, "monitor trap flag no"));
	assert_int_equal(caps(&m), 0); /* optional features */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmx_bit),
		cmocka_unit_test(test_feature_control),
		cmocka_unit_test(test_msr_choice),
		cmocka_unit_test(test_bochs_passes),
		cmocka_unit_test(test_no_secondary),
		cmocka_unit_test(test_each_feature),
		cmocka_unit_test(test_unused_not_required),
		cmocka_unit_test(test_each_control),
		cmocka_unit_test(test_several_missing),
		cmocka_unit_test(test_cap_msr_list),
		cmocka_unit_test(test_summary_without_extras),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
