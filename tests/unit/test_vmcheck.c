// SPDX-License-Identifier: MIT
// links: hv/vmx/vmcheck.c
/*
 * The VMCS checker: the image Ringvisor really builds passes, and each
 * check, broken alone, fails with exactly its own name.
 *
 * The good image mirrors hv/vmx/vmx.c (setup_controls, setup_host_state,
 * setup_guest_state) with the capability MSRs Bochs 2.7's
 * corei7_skylake_x reports (read by the hypervisor in a test boot; the
 * secondary controls and EPT/VPID values agree with
 * /work/shared/bochs/README.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/vmcheck.h"
#include "vmx/vmx.h"

/* Bochs 2.7, cpu model corei7_skylake_x (TRUE control MSRs: IA32_VMX_BASIC[55] is set). */
static const struct vmcheck_caps bochs_caps = {
    .pin = 0x0000007f00000016ull,
    .proc = 0xf7f9fffe04006172ull,
    .proc2 = 0x02177fff00000000ull,
    .exit = 0x007fffff00036dfbull,
    .entry = 0x0000ffff000011fbull,
    .basic = 0x00d810000000002bull,
    .misc = 0x600401e0ull,
    .cr0_fixed0 = 0x80000021ull,
    .cr0_fixed1 = 0xffffffffull,
    .cr4_fixed0 = 0x2000ull,
    .cr4_fixed1 = 0x3727ffull,
    .ept_vpid = 0xf0106334141ull,
    .maxphyaddr = 40,
    .linear_width = 48,
};

/* What vmx.c's adjust_controls() makes of a wish. */
static u32 adjust(u64 cap, u32 want)
{
	return (want | (u32)cap) & (u32)(cap >> 32);
}

static void set_seg(struct vmcs_image *m, int i, u16 sel, u32 ar)
{
	m->seg[i] = (struct vmcheck_seg){.sel = sel, .limit = 0xffffffff, .ar = ar, .base = 0};
}

/* A vCPU with PML and the watchdog's timer, as hv/vmx/vmx.c sets it up. */
static void good_image(struct vmcs_image *m)
{
	memset(m, 0, sizeof(*m));
	m->caps = bochs_caps;
	m->cpu_efer = 0xd00; /* SCE off, LME, LMA, NXE: the host's EFER */
	/* setup_controls() */
	m->pin = adjust(m->caps.pin, BIT(0) | BIT(3) | BIT(6));
	m->proc = adjust(m->caps.proc, BIT(7) | BIT(24) | BIT(10) | BIT(29) | BIT(11) | BIT(31));
	m->proc2 = adjust(m->caps.proc2, BIT(1) | BIT(5) | BIT(7) | BIT(6) | BIT(17));
	m->pml_address = 0x2345000;
	m->exit = adjust(m->caps.exit, BIT(9) | BIT(15) | BIT(20) | BIT(21));
	m->entry = adjust(m->caps.entry, BIT(9) | BIT(15));
	m->link_pointer = ~0ull;
	m->vpid = 1;
	m->eptp = 0x104000 | 6 | (3 << 3) | BIT(6); /* WB, 4-level, A/D flags */
	/* setup_host_state() */
	m->host_cr0 = 0x80010033;
	m->host_cr3 = 0x2056000;
	m->host_cr4 = 0x2668;
	m->host_sel[VC_CS] = 0x08;
	m->host_sel[VC_SS] = m->host_sel[VC_DS] = m->host_sel[VC_ES] = 0x10;
	m->host_sel[VC_TR] = 0x18;
	m->host_gs_base = 0x3f00000;
	m->host_tr_base = 0x3f00100;
	m->host_gdtr_base = 0x3f00200;
	m->host_idtr_base = 0x3e00000;
	m->host_efer = 0xd00;
	m->host_rip = 0x201234;
	/* setup_guest_state() */
	m->guest_cr0 = 0x80000031; /* PE, ET, NE, PG and CR0_FIXED0 */
	m->guest_cr3 = 0x20000;
	m->guest_cr4 = 0x2020; /* PAE and CR4_FIXED0 (VMXE) */
	m->guest_efer = 0x500;
	m->guest_dr7 = 0x400;
	set_seg(m, VC_CS, 0x08, 0xa09b);
	for (int i = 0; i < VC_LDTR; i++)
		if (i != VC_CS)
			set_seg(m, i, 0x10, 0xc093);
	m->seg[VC_LDTR] = (struct vmcheck_seg){.ar = BIT(16)};
	m->seg[VC_TR] =
	    (struct vmcheck_seg){.sel = 0x18, .limit = 0x67, .ar = 0x8b, .base = 0x1800};
	m->gdtr_base = 0x1000;
	m->gdtr_limit = 39;
	m->rip = 0x10000;
	m->rflags = 0x202;
}

/* The same vCPU in 32-bit protected mode with PAE paging (a VCPU_SET_STATE caller's choice). */
static void pm32(struct vmcs_image *m)
{
	m->entry &= ~(u32)BIT(9);
	m->guest_efer = 0;
	m->seg[VC_CS].ar = 0xc09b;
}

/* Segments as virtual-8086 mode wants them. */
static void v86_segments(struct vmcs_image *m)
{
	for (int i = 0; i < VC_LDTR; i++)
		m->seg[i] =
		    (struct vmcheck_seg){.sel = 0x100, .base = 0x1000, .limit = 0xffff, .ar = 0xf3};
	m->rflags |= BIT(17);
}

/* A host (and so a guest) outside IA-32e mode. */
static void host32(struct vmcs_image *m)
{
	m->cpu_efer = 0;
	m->exit &= ~(u32)BIT(9);
	m->host_efer = 0;
	pm32(m);
}

#define INJECT(type, vec) (BIT(31) | (type) << 8 | (vec))

/* One broken image per check: the mutation, and the name that must fail. */
#define BREAKS(X)                                                                                  \
	X(pin_controls, "pin-controls", m->pin &= ~(u32)BIT(1))                                    \
	X(proc_controls, "proc-controls", m->proc |= BIT(0))                                       \
	X(proc2_controls, "proc2-controls", m->proc2 |= BIT(31))                                   \
	X(cr3_target_count, "cr3-target-count", m->cr3_target_count = 5)                           \
	X(io_bitmap, "io-bitmap-address", m->proc |= BIT(25); m->io_bitmap_a = 0x1001)             \
	X(msr_bitmap, "msr-bitmap-address", m->proc |= BIT(28); m->msr_bitmap = 1ull << 45)        \
	X(virtual_nmis, "virtual-nmis", m->pin = (m->pin & ~(u32)BIT(3)) | BIT(5))                 \
	X(nmi_window, "nmi-window", m->proc |= BIT(22))                                            \
	X(vpid_zero, "vpid-zero", m->vpid = 0)                                                     \
	X(eptp_memory_type, "eptp-memory-type", m->eptp = (m->eptp & ~7ull) | 5)                   \
	X(eptp_walk_length, "eptp-walk-length", m->eptp = (m->eptp & ~0x38ull) | 4 << 3)           \
	X(eptp_ad_flags, "eptp-ad-flags", m->caps.ept_vpid &= ~BIT(21))                            \
	X(eptp_reserved, "eptp-reserved", m->eptp |= BIT(8))                                       \
	X(unrestricted_ept, "unrestricted-needs-ept", m->proc2 &= ~(u32)(BIT(1) | BIT(17)))        \
	X(pml_ept, "pml-needs-ept", m->proc2 &= ~(u32)(BIT(1) | BIT(7)))                           \
	X(pml_address, "pml-address", m->pml_address |= 0x800)                                     \
	X(exit_controls, "exit-controls", m->exit &= ~(u32)BIT(0))                                 \
	X(exit_save_timer, "exit-save-timer", m->pin &= ~(u32)BIT(6); m->exit |= BIT(22))          \
	X(exit_msr_store, "exit-msr-store-area", m->exit_msr_store_count = 1;                      \
	  m->exit_msr_store_addr = 0x1008)                                                         \
	X(exit_msr_load, "exit-msr-load-area", m->exit_msr_load_count = 1;                         \
	  m->exit_msr_load_addr = (1ull << 40) - 8)                                                \
	X(entry_controls, "entry-controls", m->entry &= ~(u32)BIT(0))                              \
	X(event_type, "entry-event-type", m->entry_intr_info = INJECT(1, 0))                       \
	X(event_vector, "entry-event-vector", m->entry_intr_info = INJECT(2, 3))                   \
	X(event_error_code, "entry-event-error-code", m->entry_intr_info = INJECT(3, 13))          \
	X(event_reserved, "entry-event-reserved", m->entry_intr_info = INJECT(3, 6) | BIT(12))     \
	X(event_error_high, "entry-event-error-high",                                              \
	  m->entry_intr_info = INJECT(3, 13) | BIT(11);                                            \
	  m->entry_exception_error = 0x10000)                                                      \
	X(event_length, "entry-event-length", m->entry_intr_info = INJECT(4, 0x80);                \
	  m->entry_instr_len = 16)                                                                 \
	X(entry_msr_load, "entry-msr-load-area", m->entry_msr_load_count = 2;                      \
	  m->entry_msr_load_addr = 0x1004)                                                         \
	X(entry_smm, "entry-smm", m->entry |= BIT(10))                                             \
	X(host_cr0, "host-cr0-fixed", m->host_cr0 &= ~BIT(5))                                      \
	X(host_cr4, "host-cr4-fixed", m->host_cr4 &= ~BIT(13))                                     \
	X(host_cr3, "host-cr3-width", m->host_cr3 |= 1ull << 45)                                   \
	X(host_sysenter, "host-sysenter-canonical", m->host_sysenter_eip = 1ull << 47)             \
	X(host_pat, "host-pat", m->exit |= BIT(19); m->host_pat = 0x0007040600070402ull)           \
	X(host_efer_reserved, "host-efer-reserved", m->host_efer |= BIT(1))                        \
	X(host_efer_lma, "host-efer-lma", m->host_efer &= ~BIT(10))                                \
	X(host_sel, "host-selector-rpl-ti", m->host_sel[VC_DS] = 0x13)                             \
	X(host_cs_null, "host-cs-null", m->host_sel[VC_CS] = 0)                                    \
	X(host_tr_null, "host-tr-null", m->host_sel[VC_TR] = 0)                                    \
	X(host_ss_null, "host-ss-null", host32(m); m->host_sel[VC_SS] = 0)                         \
	X(host_base, "host-base-canonical", m->host_gs_base = 1ull << 47)                          \
	X(host_size, "host-address-space-size", m->cpu_efer = 0)                                   \
	X(host_cr4_pae, "host-cr4-pae", m->host_cr4 &= ~BIT(5))                                    \
	X(host_rip, "host-rip", m->host_rip = 1ull << 47)                                          \
	X(host_cr4_pcide, "host-cr4-pcide", host32(m); m->host_cr4 |= BIT(17))                     \
	X(guest_cr0, "guest-cr0-fixed", m->guest_cr0 &= ~BIT(5))                                   \
	X(guest_cr0_pg_pe, "guest-cr0-pg-pe", m->guest_cr0 &= ~BIT(0))                             \
	X(guest_cr4, "guest-cr4-fixed", m->guest_cr4 &= ~BIT(13))                                  \
	X(guest_dr7, "guest-dr7-high", m->entry |= BIT(2); m->guest_dr7 |= 1ull << 32)             \
	X(guest_ia32e_paging, "guest-ia32e-paging", m->guest_cr4 &= ~BIT(5))                       \
	X(guest_cr4_pcide, "guest-cr4-pcide", pm32(m); m->guest_cr4 |= BIT(17))                    \
	X(guest_cr3, "guest-cr3-width", m->guest_cr3 |= 1ull << 40)                                \
	X(guest_sysenter, "guest-sysenter-canonical", m->guest_sysenter_esp = 1ull << 47)          \
	X(guest_pat, "guest-pat", m->entry |= BIT(14); m->guest_pat = 0x0007040600070403ull)       \
	X(guest_efer_reserved, "guest-efer-reserved", m->guest_efer |= BIT(1))                     \
	X(guest_efer_lma, "guest-efer-lma", m->guest_efer &= ~(BIT(8) | BIT(10)))                  \
	X(guest_efer_lme, "guest-efer-lme", m->guest_efer &= ~BIT(8))                              \
	X(guest_tr_ti, "guest-tr-ti", m->seg[VC_TR].sel = 0x1c)                                    \
	X(guest_ldtr_ti, "guest-ldtr-ti",                                                          \
	  m->seg[VC_LDTR] = (struct vmcheck_seg){.sel = 0x2c, .ar = 0x82})                         \
	X(guest_ss_rpl, "guest-ss-rpl", m->proc2 &= ~(u32)BIT(7); m->seg[VC_CS].sel = 0x0b)        \
	X(guest_v86_base, "guest-v86-base", pm32(m); v86_segments(m); m->seg[VC_GS].base = 0)      \
	X(guest_v86_limit, "guest-v86-limit", pm32(m); v86_segments(m);                            \
	  m->seg[VC_SS].limit = 0xfffff)                                                           \
	X(guest_v86_ar, "guest-v86-ar", pm32(m); v86_segments(m); m->seg[VC_DS].ar = 0xf2)         \
	X(guest_base_canonical, "guest-base-canonical", m->seg[VC_FS].base = 1ull << 47)           \
	X(guest_base_high, "guest-base-high", m->seg[VC_DS].base = 1ull << 32)                     \
	X(guest_cs_type, "guest-cs-type", m->seg[VC_CS].ar = 0xa091)                               \
	X(guest_ss_type, "guest-ss-type", m->seg[VC_SS].ar = 0xc091)                               \
	X(guest_data_type, "guest-data-type", m->seg[VC_DS].ar = 0xc092)                           \
	X(guest_seg_s, "guest-seg-s", m->seg[VC_ES].ar &= ~(u32)BIT(4))                            \
	X(guest_cs_dpl, "guest-cs-dpl", m->seg[VC_CS].ar |= 3 << 5)                                \
	X(guest_ss_dpl, "guest-ss-dpl", m->proc2 &= ~(u32)BIT(7); m->seg[VC_CS].sel |= 3;          \
	  m->seg[VC_SS].sel |= 3)                                                                  \
	X(guest_data_dpl, "guest-data-dpl", m->proc2 &= ~(u32)BIT(7); m->seg[VC_DS].sel = 0x13)    \
	X(guest_seg_present, "guest-seg-present", m->seg[VC_GS].ar &= ~(u32)BIT(7))                \
	X(guest_ar_reserved, "guest-ar-reserved", m->seg[VC_FS].ar |= BIT(8))                      \
	X(guest_cs_l_d, "guest-cs-l-d", m->seg[VC_CS].ar |= BIT(14))                               \
	X(guest_granularity, "guest-granularity", m->seg[VC_DS].limit = 0xfffff000)                \
	X(guest_tr_type, "guest-tr-type", m->seg[VC_TR].ar = 0x83)                                 \
	X(guest_tr_ar, "guest-tr-ar", m->seg[VC_TR].ar |= BIT(4))                                  \
	X(guest_ldtr_ar, "guest-ldtr-ar", m->seg[VC_LDTR] = (struct vmcheck_seg){.ar = 0x83})      \
	X(guest_dt_base, "guest-dt-base-canonical", m->idtr_base = 1ull << 50)                     \
	X(guest_dt_limit, "guest-dt-limit", m->gdtr_limit = 0x10000)                               \
	X(guest_rip, "guest-rip", m->rip = 1ull << 47)                                             \
	X(guest_rflags_reserved, "guest-rflags-reserved", m->rflags &= ~2ull)                      \
	X(guest_rflags_vm, "guest-rflags-vm", v86_segments(m))                                     \
	X(guest_rflags_if, "guest-rflags-if", m->rflags &= ~BIT(9);                                \
	  m->entry_intr_info = INJECT(0, 0x20))                                                    \
	X(guest_activity, "guest-activity-state", m->activity = 4)                                 \
	X(guest_activity_hlt, "guest-activity-hlt-dpl", m->activity = 1;                           \
	  m->seg[VC_CS].ar |= 3 << 5; m->seg[VC_SS].ar |= 3 << 5)                                  \
	X(guest_activity_blocking, "guest-activity-blocking", m->activity = 1;                     \
	  m->interruptibility = 1)                                                                 \
	X(guest_intr_reserved, "guest-intr-reserved", m->interruptibility = BIT(5))                \
	X(guest_intr_sti_movss, "guest-intr-sti-movss", m->interruptibility = 3)                   \
	X(guest_intr_sti_if, "guest-intr-sti-if", m->rflags &= ~BIT(9); m->interruptibility = 1)   \
	X(guest_intr_event, "guest-intr-event", m->entry_intr_info = INJECT(0, 0x20);              \
	  m->interruptibility = 2)                                                                 \
	X(guest_intr_nmi, "guest-intr-nmi", m->pin |= BIT(5); m->entry_intr_info = INJECT(2, 2);   \
	  m->interruptibility = 8)                                                                 \
	X(guest_intr_smi, "guest-intr-smi", m->interruptibility = 4)                               \
	X(guest_pending_reserved, "guest-pending-dbg-reserved", m->pending_dbg = BIT(4))           \
	X(guest_pending_bs, "guest-pending-dbg-bs", m->rflags |= BIT(8); m->interruptibility = 1)  \
	X(guest_link, "guest-link-pointer", m->link_pointer = 0x1001)                              \
	X(guest_pdpte, "guest-pdpte-reserved", pm32(m); m->pdpte[2] = 0x5003)

#define DEFINE_BREAK(fn, name, ...)                                                                \
	static void break_##fn(struct vmcs_image *m)                                               \
	{                                                                                          \
		__VA_ARGS__;                                                                       \
	}
BREAKS(DEFINE_BREAK)

static const struct {
	const char *name;
	void (*mutate)(struct vmcs_image *m);
} breaks[] = {
#define BREAK_ENTRY(fn, name, ...) {name, break_##fn},
    BREAKS(BREAK_ENTRY)};

static void print_fails(const struct vmcheck_fail *f, u32 n)
{
	for (u32 i = 0; i < n; i++)
		print_message("  failed: %s (%s)\n", f[i].name, f[i].sdm);
}

static void assert_passes(const struct vmcs_image *m)
{
	struct vmcheck_fail f[16];
	u32 n = vmcheck(m, f, 16);

	print_fails(f, n < 16 ? n : 16);
	assert_int_equal(n, 0);
}

static void test_good_image_passes(void **s)
{
	struct vmcs_image m;

	good_image(&m);
	assert_passes(&m);
}

/* What vmx.c writes without PML or watchdog, as in a plain partition. */
static void test_plain_vcpu_passes(void **s)
{
	struct vmcs_image m;

	good_image(&m);
	m.pin &= ~(u32)BIT(6);
	m.proc2 &= ~(u32)BIT(17);
	m.eptp &= ~BIT(6);
	m.pml_address = 0;
	assert_passes(&m);
}

/* The helpers the broken images build on are themselves good. */
static void test_variants_pass(void **s)
{
	struct vmcs_image m;

	good_image(&m);
	pm32(&m);
	assert_passes(&m);
	good_image(&m);
	pm32(&m);
	v86_segments(&m);
	assert_passes(&m);
	good_image(&m);
	host32(&m);
	assert_passes(&m);
}

static void test_each_break_fails_alone(void **s)
{
	for (size_t i = 0; i < ARRAY_SIZE(breaks); i++) {
		struct vmcs_image m;
		struct vmcheck_fail f[16];

		good_image(&m);
		breaks[i].mutate(&m);
		u32 n = vmcheck(&m, f, 16);
		if (n != 1 || strcmp(f[0].name, breaks[i].name)) {
			print_message("break %s:\n", breaks[i].name);
			print_fails(f, n < 16 ? n : 16);
		}
		assert_int_equal(n, 1);
		assert_string_equal(f[0].name, breaks[i].name);
		assert_non_null(strstr(f[0].sdm, "Vol. 3C, 27."));
		assert_true(f[0].nr_values >= 1 && f[0].nr_values <= VMCHECK_MAX_VALUES);
	}
}

/*
 * An exit during the delivery of an exception with an error code (a #PF
 * whose push hits a write-protected stack page: Linux under dirty
 * logging) is re-injected with its error code: "deliver error code" kept,
 * the undefined bit 12 dropped.  With bit 11 lost (a mask of 0x7ff), every
 * one of these fails entry-event-error-code, as a real run did (docs/03).
 */
static void test_reinjected_events_enter(void **s)
{
	static const u32 with_code[] = {8, 10, 11, 12, 13, 14, 17};
	struct vmcs_image m;

	for (size_t i = 0; i < ARRAY_SIZE(with_code); i++) {
		good_image(&m);
		m.entry_intr_info = vmx_reinject_info(INJECT(3, with_code[i]) | BIT(11) | BIT(12));
		m.entry_exception_error = 0x6; /* a user-mode write to a page not present */
		assert_int_equal(m.entry_intr_info, INJECT(3, with_code[i]) | BIT(11));
		assert_passes(&m);
	}
	good_image(&m); /* an external interrupt: no error code */
	m.entry_intr_info = vmx_reinject_info(INJECT(0, 0x20) | BIT(12));
	assert_int_equal(m.entry_intr_info, INJECT(0, 0x20));
	assert_passes(&m);
	good_image(&m); /* #UD: none either */
	m.entry_intr_info = vmx_reinject_info(INJECT(3, 6));
	assert_passes(&m);
}

/* Every name is tested: no two breaks share one, and the list is not short. */
static void test_names_unique(void **s)
{
	for (size_t i = 0; i < ARRAY_SIZE(breaks); i++)
		for (size_t j = i + 1; j < ARRAY_SIZE(breaks); j++)
			assert_true(strcmp(breaks[i].name, breaks[j].name) != 0);
}

/* Who is to blame: controls and host state are Ringvisor's, guest state maybe not. */
static void test_areas(void **s)
{
	struct vmcs_image m;
	struct vmcheck_fail f[4];

	good_image(&m);
	break_vpid_zero(&m);
	assert_int_equal(vmcheck(&m, f, 4), 1);
	assert_int_equal(f[0].area, VMCHECK_CONTROLS);
	good_image(&m);
	break_host_tr_null(&m);
	assert_int_equal(vmcheck(&m, f, 4), 1);
	assert_int_equal(f[0].area, VMCHECK_HOST);
	good_image(&m);
	break_guest_tr_type(&m);
	assert_int_equal(vmcheck(&m, f, 4), 1);
	assert_int_equal(f[0].area, VMCHECK_GUEST);
	assert_string_equal(f[0].value_name[0], "tr_ar");
	assert_int_equal(f[0].value[0], 0x83);
}

/*
 * Several failures: all are counted, the first max stored in SDM order
 * (controls before host before guest), so the first says whose fault it is.
 */
static void test_every_failure_counted(void **s)
{
	struct vmcs_image m;
	struct vmcheck_fail f[2];

	good_image(&m);
	break_guest_rip(&m);
	break_host_cs_null(&m);
	break_vpid_zero(&m);
	assert_int_equal(vmcheck(&m, f, 2), 3);
	assert_string_equal(f[0].name, "vpid-zero");
	assert_string_equal(f[1].name, "host-cs-null");
	assert_int_equal(vmcheck(&m, NULL, 0), 3);
}

/* The faults scenario's bad-state kind: an unusable code segment (guest/mgmt/faults.c). */
static void test_faults_bad_state(void **s)
{
	struct vmcs_image m;
	struct vmcheck_fail f[8];

	good_image(&m);
	m.seg[VC_CS] = (struct vmcheck_seg){.sel = 0x08, .limit = 0xffffffff, .ar = BIT(16)};
	u32 n = vmcheck(&m, f, 8);
	assert_true(n >= 1);
	assert_string_equal(f[0].name, "guest-cs-type");
	assert_int_equal(f[0].area, VMCHECK_GUEST);
}

/*
 * The preemption timer as Vol. 3C, 26.5.1 describes it, entered at TSC
 * value t0 with value n: a step each time bit `rate` of the TSC changes,
 * the exit when it reaches 0.  Returns the ticks from entry to the exit.
 */
static u64 timer_expiry(u64 t0, u64 n, u32 rate)
{
	u64 t = t0;

	while (n) {
		t++;
		if (((t ^ (t - 1)) >> rate) & 1)
			n--;
	}
	return t - t0;
}

/* vmx_timer_steps never ends the guest early, whatever the TSC's phase
 * at entry, and at most two steps late. */
static void test_timer_never_early(void **s)
{
	static const u32 rates[] = {0, 1, 3, 5};

	for (u32 r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
		u32 rate = rates[r];
		u64 step = 1ull << rate;
		for (u64 d = 0; d <= 5 * step + 1; d++)
			for (u64 t0 = 0; t0 < 2 * step; t0++) {
				u64 got = timer_expiry(t0, vmx_timer_steps(d, rate), rate);
				if (got < d || got > d + 2 * step)
					fail_msg(
					    "rate %u, deadline %lu, entry at %lu: exit after %lu",
					    rate, (unsigned long)d, (unsigned long)t0,
					    (unsigned long)got);
			}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_image_passes),
	    cmocka_unit_test(test_plain_vcpu_passes),
	    cmocka_unit_test(test_variants_pass),
	    cmocka_unit_test(test_each_break_fails_alone),
	    cmocka_unit_test(test_names_unique),
	    cmocka_unit_test(test_reinjected_events_enter),
	    cmocka_unit_test(test_areas),
	    cmocka_unit_test(test_every_failure_counted),
	    cmocka_unit_test(test_faults_bad_state),
	    cmocka_unit_test(test_timer_never_early),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
