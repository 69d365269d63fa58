// SPDX-License-Identifier: MIT
/*
 * The VMCS checker (vmcheck.h): the VM-entry checks of Vol. 3C, 27.2 and
 * 27.3.1, in the order the SDM lists them, each with a short name.  Bit
 * positions are spelled out here rather than taken from vmcs.h and
 * lib/x86.h so that the checker reads next to the SDM's text.
 */
#include "vmx/vmcheck.h"

#define SDM_EXEC "Vol. 3C, 27.2.1.1, VM-Execution Control Fields"
#define SDM_EXIT "Vol. 3C, 27.2.1.2, VM-Exit Control Fields"
#define SDM_ENTRY "Vol. 3C, 27.2.1.3, VM-Entry Control Fields"
#define SDM_HOST_CR "Vol. 3C, 27.2.2, Checks on Host Control Registers, MSRs, and SSP"
#define SDM_HOST_SEG "Vol. 3C, 27.2.3, Checks on Host Segment and Descriptor-Table Registers"
#define SDM_HOST_SIZE "Vol. 3C, 27.2.4, Checks Related to Address-Space Size"
#define SDM_G_CR "Vol. 3C, 27.3.1.1, Checks on Guest Control Registers, Debug Registers, and MSRs"
#define SDM_G_SEG "Vol. 3C, 27.3.1.2, Checks on Guest Segment Registers"
#define SDM_G_DT "Vol. 3C, 27.3.1.3, Checks on Guest Descriptor-Table Registers"
#define SDM_G_RIP "Vol. 3C, 27.3.1.4, Checks on Guest RIP, RFLAGS, and SSP"
#define SDM_G_NONREG "Vol. 3C, 27.3.1.5, Checks on Guest Non-Register State"
#define SDM_G_PDPTE "Vol. 3C, 27.3.1.6, Checks on Guest Page-Directory-Pointer-Table Entries"

/* Controls (Vol. 3C, 25.6-25.8) */
#define PIN_NMI_EXITING BIT(3)
#define PIN_VIRTUAL_NMIS BIT(5)
#define PIN_PREEMPTION_TIMER BIT(6)
#define PROC_NMI_WINDOW BIT(22)
#define PROC_IO_BITMAPS BIT(25)
#define PROC_MTF BIT(27)
#define PROC_MSR_BITMAPS BIT(28)
#define PROC_SECONDARY BIT(31)
#define PROC2_EPT BIT(1)
#define PROC2_VPID BIT(5)
#define PROC2_UNRESTRICTED BIT(7)
#define PROC2_PML BIT(17)
#define EXIT_HOST_SIZE BIT(9)
#define EXIT_LOAD_PAT BIT(19)
#define EXIT_LOAD_EFER BIT(21)
#define EXIT_SAVE_TIMER BIT(22)
#define ENTRY_LOAD_DEBUG BIT(2)
#define ENTRY_IA32E BIT(9)
#define ENTRY_SMM BIT(10)
#define ENTRY_DUAL_MONITOR BIT(11)
#define ENTRY_LOAD_PAT BIT(14)
#define ENTRY_LOAD_EFER BIT(15)
/* Event injection (Vol. 3C, 25.8.3, VM-Entry Controls for Event Injection) */
#define INTR_VALID BIT(31)
#define INTR_ERROR_CODE BIT(11)
#define INTR_TYPE(i) (((i) >> 8) & 7)
#define INTR_VECTOR(i) ((i)&0xff)
enum {
	EV_EXT_INT = 0,
	EV_RESERVED = 1,
	EV_NMI = 2,
	EV_HW_EXC = 3,
	EV_SW_INT = 4,
	EV_PRIV_SW_EXC = 5,
	EV_SW_EXC = 6,
	EV_OTHER = 7
};
/* Registers (Vol. 3A, 2.5, Control Registers; 2.2.1, Extended Feature Enable Register) */
#define CR0_PE BIT(0)
#define CR0_PG BIT(31)
#define CR4_PAE BIT(5)
#define CR4_PCIDE BIT(17)
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define EFER_ALLOWED (BIT(0) | EFER_LME | EFER_LMA | BIT(11)) /* SCE, LME, LMA, NXE */
#define RFLAGS_TF BIT(8)
#define RFLAGS_IF BIT(9)
#define RFLAGS_VM BIT(17)
/* Segment access rights in the VMCS format (Vol. 3C, 25.4.1, Guest Register State) */
#define AR_TYPE(ar) ((ar)&0xf)
#define AR_S BIT(4)
#define AR_DPL(ar) (((ar) >> 5) & 3)
#define AR_P BIT(7)
#define AR_L BIT(13)
#define AR_DB BIT(14)
#define AR_G BIT(15)
#define AR_UNUSABLE BIT(16)
#define AR_RESERVED 0xfffe0f00u /* bits 31:17 and 11:8 */

static const char *const seg_names[VC_NR_SEGS] = {"es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr"};

struct ctx {
	const struct vmcs_image *m;
	struct vmcheck_fail *fails;
	u32 max, nr;
	enum vmcheck_area area;
	const char *sdm;
};

static void section(struct ctx *c, enum vmcheck_area area, const char *sdm)
{
	c->area = area;
	c->sdm = sdm;
}

/* Record a failed check (ok false) with up to three named values. */
static void check(struct ctx *c, bool ok, const char *name, u32 nv, const char *n0, u64 v0,
		  const char *n1, u64 v1, const char *n2, u64 v2)
{
	if (ok)
		return;
	if (c->nr < c->max) {
		struct vmcheck_fail *f = &c->fails[c->nr];
		f->area = c->area;
		f->sdm = c->sdm;
		f->name = name;
		f->nr_values = nv;
		f->value_name[0] = n0, f->value[0] = v0;
		f->value_name[1] = n1, f->value[1] = v1;
		f->value_name[2] = n2, f->value[2] = v2;
	}
	c->nr++;
}

#define CHECK1(c, ok, name, a, va) check(c, ok, name, 1, a, va, NULL, 0, NULL, 0)
#define CHECK2(c, ok, name, a, va, b, vb) check(c, ok, name, 2, a, va, b, vb, NULL, 0)
#define CHECK3(c, ok, name, a, va, b, vb, d, vd) check(c, ok, name, 3, a, va, b, vb, d, vd)

/* A control field against its capability MSR (Vol. 3D, A.3-A.5). */
static bool ctl_ok(u32 ctl, u64 cap)
{
	u32 allowed0 = (u32)cap, allowed1 = (u32)(cap >> 32);

	return (ctl & allowed0) == allowed0 && !(ctl & ~allowed1);
}

/* A CR0/CR4 value against its fixed MSRs (Vol. 3D, A.7 and A.8). */
static bool fixed_ok(u64 v, u64 fixed0, u64 fixed1)
{
	return (v & fixed0) == fixed0 && !(v & ~fixed1);
}

/* A physical address within MAXPHYADDR. */
static bool pa_ok(const struct ctx *c, u64 pa)
{
	return c->m->caps.maxphyaddr >= 64 || !(pa >> c->m->caps.maxphyaddr);
}

static bool page_pa_ok(const struct ctx *c, u64 pa)
{
	return IS_ALIGNED(pa, PAGE_SIZE) && pa_ok(c, pa);
}

/* Bits 63:width-1 all equal (Vol. 1, 3.3.7.1, Canonical Addressing). */
static bool canonical(const struct ctx *c, u64 a)
{
	u32 w = c->m->caps.linear_width ? c->m->caps.linear_width : 48;
	s64 s = (s64)(a << (64 - w)) >> (64 - w);

	return (u64)s == a;
}

/* Each byte a memory type PAT may hold: 0, 1, 4, 5, 6 or 7 (Vol. 3A, 12.12.2). */
static bool pat_ok(u64 pat)
{
	for (int i = 0; i < 8; i++) {
		u8 t = (u8)(pat >> (8 * i));
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

/* An MSR-load/store area: 16-byte aligned, wholly below MAXPHYADDR. */
static bool msr_area_ok(const struct ctx *c, u32 count, u64 addr)
{
	return !count ||
	       (IS_ALIGNED(addr, 16) && pa_ok(c, addr) && pa_ok(c, addr + (u64)count * 16 - 1));
}

static u32 secondary(const struct vmcs_image *m)
{
	return m->proc & PROC_SECONDARY ? m->proc2 : 0; /* off when not activated */
}

static void check_exec_controls(struct ctx *c)
{
	const struct vmcs_image *m = c->m;
	u32 p2 = secondary(m);

	section(c, VMCHECK_CONTROLS, SDM_EXEC);
	CHECK3(c, ctl_ok(m->pin, m->caps.pin), "pin-controls", "pin", m->pin, "allowed0",
	       (u32)m->caps.pin, "allowed1", m->caps.pin >> 32);
	CHECK3(c, ctl_ok(m->proc, m->caps.proc), "proc-controls", "proc", m->proc, "allowed0",
	       (u32)m->caps.proc, "allowed1", m->caps.proc >> 32);
	if (m->proc & PROC_SECONDARY)
		CHECK3(c, ctl_ok(m->proc2, m->caps.proc2), "proc2-controls", "proc2", m->proc2,
		       "allowed0", (u32)m->caps.proc2, "allowed1", m->caps.proc2 >> 32);
	CHECK2(c, m->cr3_target_count <= ((m->caps.misc >> 16) & 0x1ff), "cr3-target-count",
	       "count", m->cr3_target_count, "misc", m->caps.misc);
	if (m->proc & PROC_IO_BITMAPS)
		CHECK2(c, page_pa_ok(c, m->io_bitmap_a) && page_pa_ok(c, m->io_bitmap_b),
		       "io-bitmap-address", "a", m->io_bitmap_a, "b", m->io_bitmap_b);
	if (m->proc & PROC_MSR_BITMAPS)
		CHECK1(c, page_pa_ok(c, m->msr_bitmap), "msr-bitmap-address", "msr_bitmap",
		       m->msr_bitmap);
	CHECK1(c, !(m->pin & PIN_VIRTUAL_NMIS) || (m->pin & PIN_NMI_EXITING), "virtual-nmis", "pin",
	       m->pin);
	CHECK2(c, !(m->proc & PROC_NMI_WINDOW) || (m->pin & PIN_VIRTUAL_NMIS), "nmi-window", "pin",
	       m->pin, "proc", m->proc);
	if (p2 & PROC2_VPID)
		CHECK1(c, m->vpid != 0, "vpid-zero", "vpid", m->vpid);
	if (p2 & PROC2_EPT) {
		u64 e = m->eptp, cap = m->caps.ept_vpid;
		u32 type = e & 7, walk = (e >> 3) & 7;
		CHECK2(c, (type == 0 && (cap & BIT(8))) || (type == 6 && (cap & BIT(14))),
		       "eptp-memory-type", "eptp", e, "ept_vpid_cap", cap);
		CHECK2(c, (walk == 3 && (cap & BIT(6))) || (walk == 4 && (cap & BIT(7))),
		       "eptp-walk-length", "eptp", e, "ept_vpid_cap", cap);
		CHECK2(c, !(e & BIT(6)) || (cap & BIT(21)), "eptp-ad-flags", "eptp", e,
		       "ept_vpid_cap", cap);
		CHECK2(c, !(e & 0xf80) && pa_ok(c, e), "eptp-reserved", "eptp", e, "maxphyaddr",
		       m->caps.maxphyaddr);
	}
	CHECK1(c, !(p2 & PROC2_UNRESTRICTED) || (p2 & PROC2_EPT), "unrestricted-needs-ept", "proc2",
	       p2);
	if (p2 & PROC2_PML) {
		CHECK1(c, p2 & PROC2_EPT, "pml-needs-ept", "proc2", p2);
		CHECK2(c, page_pa_ok(c, m->pml_address), "pml-address", "pml_address",
		       m->pml_address, "maxphyaddr", m->caps.maxphyaddr);
	}
}

static void check_exit_controls(struct ctx *c)
{
	const struct vmcs_image *m = c->m;

	section(c, VMCHECK_CONTROLS, SDM_EXIT);
	CHECK3(c, ctl_ok(m->exit, m->caps.exit), "exit-controls", "exit", m->exit, "allowed0",
	       (u32)m->caps.exit, "allowed1", m->caps.exit >> 32);
	CHECK2(c, (m->pin & PIN_PREEMPTION_TIMER) || !(m->exit & EXIT_SAVE_TIMER),
	       "exit-save-timer", "pin", m->pin, "exit", m->exit);
	CHECK2(c, msr_area_ok(c, m->exit_msr_store_count, m->exit_msr_store_addr),
	       "exit-msr-store-area", "count", m->exit_msr_store_count, "address",
	       m->exit_msr_store_addr);
	CHECK2(c, msr_area_ok(c, m->exit_msr_load_count, m->exit_msr_load_addr),
	       "exit-msr-load-area", "count", m->exit_msr_load_count, "address",
	       m->exit_msr_load_addr);
}

/*
 * The exceptions delivered with an error code where IA32_VMX_BASIC[56] is
 * 0 (Vol. 3C, 27.2.1.3): #DF, #TS, #NP, #SS, #GP, #PF, #AC.  Not #CP (21):
 * processors with CET report BASIC[56] = 1.
 */
static bool has_error_code(u32 vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17;
}

static void check_entry_controls(struct ctx *c)
{
	const struct vmcs_image *m = c->m;
	u32 info = m->entry_intr_info, type = INTR_TYPE(info), vec = INTR_VECTOR(info);

	section(c, VMCHECK_CONTROLS, SDM_ENTRY);
	CHECK3(c, ctl_ok(m->entry, m->caps.entry), "entry-controls", "entry", m->entry, "allowed0",
	       (u32)m->caps.entry, "allowed1", m->caps.entry >> 32);
	if (info & INTR_VALID) {
		u32 p2 = secondary(m);
		bool pe = (m->guest_cr0 & CR0_PE) || !(p2 & PROC2_UNRESTRICTED);
		/*
		 * The error code goes with hardware exceptions in protected
		 * mode only; without IA32_VMX_BASIC[56] exactly with those
		 * that push one.
		 */
		bool may_code = type == EV_HW_EXC && pe;
		bool code = info & INTR_ERROR_CODE;
		CHECK1(c,
		       type != EV_RESERVED && (type != EV_OTHER || (m->caps.proc >> 32) & PROC_MTF),
		       "entry-event-type", "intr_info", info);
		CHECK1(c,
		       (type != EV_NMI || vec == 2) && (type != EV_HW_EXC || vec <= 31) &&
			   (type != EV_OTHER || vec == 0),
		       "entry-event-vector", "intr_info", info);
		CHECK2(c,
		       (m->caps.basic & BIT(56)) ? !code || may_code
						 : code == (may_code && has_error_code(vec)),
		       "entry-event-error-code", "intr_info", info, "guest_cr0", m->guest_cr0);
		CHECK1(c, !(info & 0x7ffff000), "entry-event-reserved", "intr_info", info);
		if (info & INTR_ERROR_CODE)
			CHECK1(c, !(m->entry_exception_error >> 16), "entry-event-error-high",
			       "error", m->entry_exception_error);
		if (type == EV_SW_INT || type == EV_PRIV_SW_EXC || type == EV_SW_EXC)
			CHECK2(c,
			       m->entry_instr_len <= 15 &&
				   (m->entry_instr_len || (m->caps.misc & BIT(30))),
			       "entry-event-length", "intr_info", info, "length",
			       m->entry_instr_len);
	}
	CHECK2(c, msr_area_ok(c, m->entry_msr_load_count, m->entry_msr_load_addr),
	       "entry-msr-load-area", "count", m->entry_msr_load_count, "address",
	       m->entry_msr_load_addr);
	CHECK1(c, !(m->entry & (ENTRY_SMM | ENTRY_DUAL_MONITOR)), "entry-smm", "entry", m->entry);
}

static void check_host_cr_msrs(struct ctx *c)
{
	const struct vmcs_image *m = c->m;

	section(c, VMCHECK_HOST, SDM_HOST_CR);
	CHECK3(c, fixed_ok(m->host_cr0, m->caps.cr0_fixed0, m->caps.cr0_fixed1), "host-cr0-fixed",
	       "cr0", m->host_cr0, "fixed0", m->caps.cr0_fixed0, "fixed1", m->caps.cr0_fixed1);
	CHECK3(c, fixed_ok(m->host_cr4, m->caps.cr4_fixed0, m->caps.cr4_fixed1), "host-cr4-fixed",
	       "cr4", m->host_cr4, "fixed0", m->caps.cr4_fixed0, "fixed1", m->caps.cr4_fixed1);
	CHECK2(c, pa_ok(c, m->host_cr3), "host-cr3-width", "cr3", m->host_cr3, "maxphyaddr",
	       m->caps.maxphyaddr);
	CHECK2(c, canonical(c, m->host_sysenter_esp) && canonical(c, m->host_sysenter_eip),
	       "host-sysenter-canonical", "esp", m->host_sysenter_esp, "eip", m->host_sysenter_eip);
	if (m->exit & EXIT_LOAD_PAT)
		CHECK1(c, pat_ok(m->host_pat), "host-pat", "pat", m->host_pat);
	if (m->exit & EXIT_LOAD_EFER) {
		bool size = m->exit & EXIT_HOST_SIZE;
		CHECK1(c, !(m->host_efer & ~EFER_ALLOWED), "host-efer-reserved", "efer",
		       m->host_efer);
		CHECK2(c,
		       !!(m->host_efer & EFER_LMA) == size && !!(m->host_efer & EFER_LME) == size,
		       "host-efer-lma", "efer", m->host_efer, "exit", m->exit);
	}
}

static void check_host_segments(struct ctx *c)
{
	const struct vmcs_image *m = c->m;
	static const int segs[] = {VC_ES, VC_CS, VC_SS, VC_DS, VC_FS, VC_GS, VC_TR};

	section(c, VMCHECK_HOST, SDM_HOST_SEG);
	for (u32 i = 0; i < ARRAY_SIZE(segs); i++)
		CHECK2(c, !(m->host_sel[segs[i]] & 7), "host-selector-rpl-ti", seg_names[segs[i]],
		       m->host_sel[segs[i]], "segment", (u64)segs[i]);
	CHECK1(c, m->host_sel[VC_CS] != 0, "host-cs-null", "cs", m->host_sel[VC_CS]);
	CHECK1(c, m->host_sel[VC_TR] != 0, "host-tr-null", "tr", m->host_sel[VC_TR]);
	if (!(m->exit & EXIT_HOST_SIZE))
		CHECK1(c, m->host_sel[VC_SS] != 0, "host-ss-null", "ss", m->host_sel[VC_SS]);
	const u64 bases[] = {m->host_fs_base, m->host_gs_base, m->host_gdtr_base, m->host_idtr_base,
			     m->host_tr_base};
	static const char *const base_names[] = {"fs_base", "gs_base", "gdtr_base", "idtr_base",
						 "tr_base"};
	for (u32 i = 0; i < ARRAY_SIZE(bases); i++)
		CHECK1(c, canonical(c, bases[i]), "host-base-canonical", base_names[i], bases[i]);
}

static void check_address_space_size(struct ctx *c)
{
	const struct vmcs_image *m = c->m;
	bool size = m->exit & EXIT_HOST_SIZE;

	section(c, VMCHECK_HOST, SDM_HOST_SIZE);
	/*
	 * In IA-32e mode the host must stay 64-bit; outside it neither host
	 * nor guest may be.  (The SDM's "host address-space size 0 needs
	 * IA-32e mode guest 0" follows from these two.)
	 */
	if (m->cpu_efer & EFER_LMA)
		CHECK2(c, size, "host-address-space-size", "exit", m->exit, "cpu_efer",
		       m->cpu_efer);
	else
		CHECK3(c, !size && !(m->entry & ENTRY_IA32E), "host-address-space-size", "exit",
		       m->exit, "entry", m->entry, "cpu_efer", m->cpu_efer);
	if (size) {
		CHECK1(c, m->host_cr4 & CR4_PAE, "host-cr4-pae", "cr4", m->host_cr4);
		CHECK1(c, canonical(c, m->host_rip), "host-rip", "rip", m->host_rip);
	} else {
		CHECK1(c, !(m->host_cr4 & CR4_PCIDE), "host-cr4-pcide", "cr4", m->host_cr4);
		CHECK1(c, !(m->host_rip >> 32), "host-rip", "rip", m->host_rip);
	}
}

static void check_guest_cr_msrs(struct ctx *c)
{
	const struct vmcs_image *m = c->m;
	bool ia32e = m->entry & ENTRY_IA32E;
	u64 fixed0 = m->caps.cr0_fixed0;

	section(c, VMCHECK_GUEST, SDM_G_CR);
	/* Unrestricted guest lifts the PE and PG requirements (27.3.1.1). */
	if (secondary(m) & PROC2_UNRESTRICTED)
		fixed0 &= ~(CR0_PE | CR0_PG);
	CHECK3(c, fixed_ok(m->guest_cr0, fixed0, m->caps.cr0_fixed1), "guest-cr0-fixed", "cr0",
	       m->guest_cr0, "fixed0", fixed0, "fixed1", m->caps.cr0_fixed1);
	CHECK1(c, !(m->guest_cr0 & CR0_PG) || (m->guest_cr0 & CR0_PE), "guest-cr0-pg-pe", "cr0",
	       m->guest_cr0);
	CHECK3(c, fixed_ok(m->guest_cr4, m->caps.cr4_fixed0, m->caps.cr4_fixed1), "guest-cr4-fixed",
	       "cr4", m->guest_cr4, "fixed0", m->caps.cr4_fixed0, "fixed1", m->caps.cr4_fixed1);
	if (m->entry & ENTRY_LOAD_DEBUG)
		CHECK1(c, !(m->guest_dr7 >> 32), "guest-dr7-high", "dr7", m->guest_dr7);
	if (ia32e)
		CHECK2(c, (m->guest_cr0 & CR0_PG) && (m->guest_cr4 & CR4_PAE), "guest-ia32e-paging",
		       "cr0", m->guest_cr0, "cr4", m->guest_cr4);
	else
		CHECK1(c, !(m->guest_cr4 & CR4_PCIDE), "guest-cr4-pcide", "cr4", m->guest_cr4);
	CHECK2(c, pa_ok(c, m->guest_cr3), "guest-cr3-width", "cr3", m->guest_cr3, "maxphyaddr",
	       m->caps.maxphyaddr);
	CHECK2(c, canonical(c, m->guest_sysenter_esp) && canonical(c, m->guest_sysenter_eip),
	       "guest-sysenter-canonical", "esp", m->guest_sysenter_esp, "eip",
	       m->guest_sysenter_eip);
	if (m->entry & ENTRY_LOAD_PAT)
		CHECK1(c, pat_ok(m->guest_pat), "guest-pat", "pat", m->guest_pat);
	if (m->entry & ENTRY_LOAD_EFER) {
		u64 efer = m->guest_efer;
		CHECK1(c, !(efer & ~EFER_ALLOWED), "guest-efer-reserved", "efer", efer);
		CHECK2(c, !!(efer & EFER_LMA) == ia32e, "guest-efer-lma", "efer", efer, "entry",
		       m->entry);
		if (m->guest_cr0 & CR0_PG)
			CHECK2(c, !!(efer & EFER_LMA) == !!(efer & EFER_LME), "guest-efer-lme",
			       "efer", efer, "cr0", m->guest_cr0);
	}
}

/* Limit and granularity agree (27.3.1.2): G=0 up to 1 MiB, G=1 with 4 KiB units. */
static bool granularity_ok(const struct vmcheck_seg *s)
{
	if ((s->limit & 0xfff) != 0xfff && (s->ar & AR_G))
		return false;
	if ((s->limit >> 20) && !(s->ar & AR_G))
		return false;
	return true;
}

static void check_guest_segments(struct ctx *c)
{
	const struct vmcs_image *m = c->m;
	const struct vmcheck_seg *cs = &m->seg[VC_CS], *ss = &m->seg[VC_SS];
	const struct vmcheck_seg *tr = &m->seg[VC_TR], *ldtr = &m->seg[VC_LDTR];
	bool unrestricted = secondary(m) & PROC2_UNRESTRICTED;
	bool v86 = m->rflags & RFLAGS_VM;
	bool ia32e = m->entry & ENTRY_IA32E;
	static const int data[] = {VC_DS, VC_ES, VC_FS, VC_GS};

#define USABLE(s) (!((s)->ar & AR_UNUSABLE))
	section(c, VMCHECK_GUEST, SDM_G_SEG);
	/* Selectors */
	CHECK1(c, !(tr->sel & 4), "guest-tr-ti", "tr", tr->sel);
	if (USABLE(ldtr))
		CHECK1(c, !(ldtr->sel & 4), "guest-ldtr-ti", "ldtr", ldtr->sel);
	if (!v86 && !unrestricted)
		CHECK2(c, (ss->sel & 3) == (cs->sel & 3), "guest-ss-rpl", "ss", ss->sel, "cs",
		       cs->sel);
	/* Bases */
	for (int i = 0; v86 && i < VC_LDTR; i++)
		CHECK2(c, m->seg[i].base == (u64)m->seg[i].sel << 4, "guest-v86-base", seg_names[i],
		       m->seg[i].sel, "base", m->seg[i].base);
	for (int i = VC_FS; i < VC_NR_SEGS; i++)
		if (i != VC_LDTR || USABLE(ldtr))
			CHECK2(c, canonical(c, m->seg[i].base), "guest-base-canonical", "segment",
			       (u64)i, "base", m->seg[i].base);
	for (int i = VC_ES; i <= VC_DS; i++)
		if (i == VC_CS || USABLE(&m->seg[i]))
			CHECK2(c, !(m->seg[i].base >> 32), "guest-base-high", "segment", (u64)i,
			       "base", m->seg[i].base);
	if (v86) { /* limits and access rights of virtual-8086 mode */
		for (int i = 0; i < VC_LDTR; i++) {
			CHECK2(c, m->seg[i].limit == 0xffff, "guest-v86-limit", "segment", (u64)i,
			       "limit", m->seg[i].limit);
			CHECK2(c, m->seg[i].ar == 0xf3, "guest-v86-ar", "segment", (u64)i, "ar",
			       m->seg[i].ar);
		}
	} else {
		u32 t = AR_TYPE(cs->ar);
		CHECK1(c, t == 9 || t == 11 || t == 13 || t == 15 || (unrestricted && t == 3),
		       "guest-cs-type", "cs_ar", cs->ar);
		if (USABLE(ss))
			CHECK1(c, AR_TYPE(ss->ar) == 3 || AR_TYPE(ss->ar) == 7, "guest-ss-type",
			       "ss_ar", ss->ar);
		for (u32 k = 0; k < ARRAY_SIZE(data); k++) {
			const struct vmcheck_seg *s = &m->seg[data[k]];
			if (USABLE(s))
				CHECK2(c, (s->ar & 1) && (!(s->ar & 8) || (s->ar & 2)),
				       "guest-data-type", "segment", (u64)data[k], "ar", s->ar);
		}
		for (int i = 0; i < VC_LDTR; i++)
			if (i == VC_CS || USABLE(&m->seg[i]))
				CHECK2(c, m->seg[i].ar & AR_S, "guest-seg-s", "segment", (u64)i,
				       "ar", m->seg[i].ar);
		if (t == 3)
			CHECK1(c, AR_DPL(cs->ar) == 0, "guest-cs-dpl", "cs_ar", cs->ar);
		else if (t == 9 || t == 11)
			CHECK2(c, AR_DPL(cs->ar) == AR_DPL(ss->ar), "guest-cs-dpl", "cs_ar", cs->ar,
			       "ss_ar", ss->ar);
		else if (t == 13 || t == 15)
			CHECK2(c, AR_DPL(cs->ar) <= AR_DPL(ss->ar), "guest-cs-dpl", "cs_ar", cs->ar,
			       "ss_ar", ss->ar);
		if (!unrestricted)
			CHECK2(c, AR_DPL(ss->ar) == (ss->sel & 3u), "guest-ss-dpl", "ss", ss->sel,
			       "ss_ar", ss->ar);
		if (t == 3 || !(m->guest_cr0 & CR0_PE))
			CHECK3(c, AR_DPL(ss->ar) == 0, "guest-ss-dpl", "ss_ar", ss->ar, "cs_ar",
			       cs->ar, "cr0", m->guest_cr0);
		for (u32 k = 0; !unrestricted && k < ARRAY_SIZE(data); k++) {
			const struct vmcheck_seg *s = &m->seg[data[k]];
			if (USABLE(s) && AR_TYPE(s->ar) <= 11)
				CHECK3(c, AR_DPL(s->ar) >= (s->sel & 3u), "guest-data-dpl",
				       "segment", (u64)data[k], "sel", s->sel, "ar", s->ar);
		}
		for (int i = 0; i < VC_LDTR; i++)
			if (i == VC_CS || USABLE(&m->seg[i]))
				CHECK2(c, m->seg[i].ar & AR_P, "guest-seg-present", "segment",
				       (u64)i, "ar", m->seg[i].ar);
		for (int i = 0; i < VC_LDTR; i++)
			if (i == VC_CS || USABLE(&m->seg[i]))
				CHECK2(c, !(m->seg[i].ar & AR_RESERVED), "guest-ar-reserved",
				       "segment", (u64)i, "ar", m->seg[i].ar);
		if (ia32e && (cs->ar & AR_L))
			CHECK1(c, !(cs->ar & AR_DB), "guest-cs-l-d", "cs_ar", cs->ar);
		for (int i = 0; i < VC_LDTR; i++)
			if (i == VC_CS || USABLE(&m->seg[i]))
				CHECK3(c, granularity_ok(&m->seg[i]), "guest-granularity",
				       "segment", (u64)i, "limit", m->seg[i].limit, "ar",
				       m->seg[i].ar);
	}
	/* TR: a busy TSS, 64-bit in IA-32e mode */
	CHECK1(c, ia32e ? AR_TYPE(tr->ar) == 11 : AR_TYPE(tr->ar) == 3 || AR_TYPE(tr->ar) == 11,
	       "guest-tr-type", "tr_ar", tr->ar);
	CHECK1(c, !(tr->ar & (AR_S | AR_UNUSABLE)) && (tr->ar & AR_P), "guest-tr-ar", "tr_ar",
	       tr->ar);
	CHECK1(c, !(tr->ar & AR_RESERVED), "guest-ar-reserved", "tr_ar", tr->ar);
	CHECK2(c, granularity_ok(tr), "guest-granularity", "tr_limit", tr->limit, "tr_ar", tr->ar);
	if (USABLE(ldtr)) {
		CHECK1(c, AR_TYPE(ldtr->ar) == 2 && !(ldtr->ar & AR_S) && (ldtr->ar & AR_P),
		       "guest-ldtr-ar", "ldtr_ar", ldtr->ar);
		CHECK1(c, !(ldtr->ar & AR_RESERVED), "guest-ar-reserved", "ldtr_ar", ldtr->ar);
		CHECK2(c, granularity_ok(ldtr), "guest-granularity", "ldtr_limit", ldtr->limit,
		       "ldtr_ar", ldtr->ar);
	}
#undef USABLE
}

static void check_guest_dt(struct ctx *c)
{
	const struct vmcs_image *m = c->m;

	section(c, VMCHECK_GUEST, SDM_G_DT);
	CHECK2(c, canonical(c, m->gdtr_base) && canonical(c, m->idtr_base),
	       "guest-dt-base-canonical", "gdtr_base", m->gdtr_base, "idtr_base", m->idtr_base);
	CHECK2(c, !(m->gdtr_limit >> 16) && !(m->idtr_limit >> 16), "guest-dt-limit", "gdtr_limit",
	       m->gdtr_limit, "idtr_limit", m->idtr_limit);
}

static void check_guest_rip_rflags(struct ctx *c)
{
	const struct vmcs_image *m = c->m;
	bool ia32e = m->entry & ENTRY_IA32E;
	u32 info = m->entry_intr_info;

	section(c, VMCHECK_GUEST, SDM_G_RIP);
	if (ia32e && (m->seg[VC_CS].ar & AR_L))
		CHECK1(c, canonical(c, m->rip), "guest-rip", "rip", m->rip);
	else
		CHECK2(c, !(m->rip >> 32), "guest-rip", "rip", m->rip, "cs_ar", m->seg[VC_CS].ar);
	/* Reserved: 63:22, 15, 5, 3 must be 0; bit 1 must be 1. */
	CHECK1(c, !(m->rflags & (~0x3fffffull | BIT(15) | BIT(5) | BIT(3))) && (m->rflags & 2),
	       "guest-rflags-reserved", "rflags", m->rflags);
	if (ia32e || !(m->guest_cr0 & CR0_PE))
		CHECK2(c, !(m->rflags & RFLAGS_VM), "guest-rflags-vm", "rflags", m->rflags, "cr0",
		       m->guest_cr0);
	if ((info & INTR_VALID) && INTR_TYPE(info) == EV_EXT_INT)
		CHECK2(c, m->rflags & RFLAGS_IF, "guest-rflags-if", "rflags", m->rflags,
		       "intr_info", info);
}

static void check_guest_nonreg(struct ctx *c)
{
	const struct vmcs_image *m = c->m;
	u32 act = m->activity, intr = m->interruptibility, info = m->entry_intr_info;
	bool inject = info & INTR_VALID;

	section(c, VMCHECK_GUEST, SDM_G_NONREG);
	/* 0 active, 1 HLT, 2 shutdown, 3 wait-for-SIPI; 1-3 as IA32_VMX_MISC[8:6] lists them */
	CHECK2(c, act == 0 || (act <= 3 && (m->caps.misc & BIT(5 + act))), "guest-activity-state",
	       "activity", act, "misc", m->caps.misc);
	if (act == 1)
		CHECK2(c, AR_DPL(m->seg[VC_SS].ar) == 0, "guest-activity-hlt-dpl", "activity", act,
		       "ss_ar", m->seg[VC_SS].ar);
	if (intr & 3)
		CHECK2(c, act == 0, "guest-activity-blocking", "activity", act, "interruptibility",
		       intr);
	CHECK1(c, !(intr & ~0x1fu), "guest-intr-reserved", "interruptibility", intr);
	CHECK1(c, (intr & 3) != 3, "guest-intr-sti-movss", "interruptibility", intr);
	if (!(m->rflags & RFLAGS_IF))
		CHECK2(c, !(intr & 1), "guest-intr-sti-if", "interruptibility", intr, "rflags",
		       m->rflags);
	if (inject && INTR_TYPE(info) == EV_EXT_INT)
		CHECK2(c, !(intr & 3), "guest-intr-event", "interruptibility", intr, "intr_info",
		       info);
	if (inject && INTR_TYPE(info) == EV_NMI) {
		CHECK2(c, !(intr & 2), "guest-intr-event", "interruptibility", intr, "intr_info",
		       info);
		if (m->pin & PIN_VIRTUAL_NMIS)
			CHECK2(c, !(intr & 8), "guest-intr-nmi", "interruptibility", intr,
			       "intr_info", info);
	}
	CHECK1(c, !(intr & 4), "guest-intr-smi", "interruptibility", intr);
	CHECK1(c, !(m->pending_dbg & ~(0xfull | BIT(12) | BIT(14) | BIT(16))),
	       "guest-pending-dbg-reserved", "pending_dbg", m->pending_dbg);
	/*
	 * A single-step trap pending behind an interrupt shadow or HLT must be
	 * recorded as pending (BS): with TF=1 and DEBUGCTL.BTF=0 it must be
	 * set, otherwise clear.
	 */
	if ((intr & 3) || act == 1) {
		bool step = (m->rflags & RFLAGS_TF) && !(m->guest_debugctl & BIT(1));
		CHECK3(c, !!(m->pending_dbg & BIT(14)) == step, "guest-pending-dbg-bs",
		       "pending_dbg", m->pending_dbg, "rflags", m->rflags, "interruptibility",
		       intr);
	}
	if (m->link_pointer != ~0ull)
		CHECK1(c, page_pa_ok(c, m->link_pointer), "guest-link-pointer", "link",
		       m->link_pointer);
}

static void check_guest_pdptes(struct ctx *c)
{
	const struct vmcs_image *m = c->m;

	/* PAE paging under EPT: entry loads the PDPTEs from the VMCS. */
	if (!(m->guest_cr0 & CR0_PG) || !(m->guest_cr4 & CR4_PAE) || (m->entry & ENTRY_IA32E) ||
	    !(secondary(m) & PROC2_EPT))
		return;
	section(c, VMCHECK_GUEST, SDM_G_PDPTE);
	for (int i = 0; i < 4; i++) {
		u64 e = m->pdpte[i];
		if (e & 1)
			CHECK2(c, !(e & 0x1e6) && pa_ok(c, e), "guest-pdpte-reserved", "index",
			       (u64)i, "pdpte", e);
	}
}

u32 vmcheck(const struct vmcs_image *m, struct vmcheck_fail *fails, u32 max)
{
	struct ctx c = {.m = m, .fails = fails, .max = max};

	check_exec_controls(&c);
	check_exit_controls(&c);
	check_entry_controls(&c);
	check_host_cr_msrs(&c);
	check_host_segments(&c);
	check_address_space_size(&c);
	check_guest_cr_msrs(&c);
	check_guest_segments(&c);
	check_guest_dt(&c);
	check_guest_rip_rflags(&c);
	check_guest_nonreg(&c);
	check_guest_pdptes(&c);
	return c.nr;
}
