// SPDX-License-Identifier: MIT
/*
 * The boot CPU's VT-x checks (verdicts in cpucheck.c) and the list of CPUs
 * from the ACPI MADT (parsing in acpi.c), or from the firmware's MP
 * Services protocol when there is no MADT.  Only the boot CPU runs here; the
 * hypervisor enables VMX on the others itself when it starts them.
 */
#include "loader.h"
#include "acpi.h"
#include "cpucheck.h"
#include "tscfreq.h"
#include "util.h"
#include "x86.h"

#define MSR_IA32_APIC_BASE 0x1b
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ull

static void missing(void *ctx, const char *msg)
{
	unsigned int *n = ctx;

	fail_line("%s", msg);
	(*n)++;
}

/*
 * Every VMX capability MSR this CPU has, raw, four to a line: what a bug
 * report from a new host needs (tools/hvrun --bundle keeps it), and what
 * the checks below decided from.
 */
static void dump_cap_msrs(const struct cpucheck_msrs *m)
{
	uint32_t msrs[CPUCHECK_MAX_CAP_MSRS];
	unsigned int i, n = cpucheck_cap_msrs(m, msrs);
	char line[160];
	size_t len = 0;

	for (i = 0; i < n; i++) {
		len += rv_snprintf(line + len, sizeof(line) - len, " %x=%016llx", msrs[i],
				   (unsigned long long)rdmsr(msrs[i]));
		if (i % 4 == 3 || i == n - 1) {
			say("VMX capability MSRs:%s", line);
			len = 0;
		}
	}
}

EFI_STATUS cpu_check_vmx(void)
{
	struct cpucheck_msrs m = { 0 };
	uint32_t a, b, c, d;
	unsigned int bad = 0;
	enum cpucheck_fc fc_state;
	const char *msg;
	char buf[256];
	uint64_t fc;

	/* Without VMX every MSR below would #GP: stop here. */
	cpuid(1, 0, &a, &b, &c, &d);
	msg = cpucheck_vmx(c);
	if (msg)
		return fail("%s", msg);

	fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	fc_state = cpucheck_feature_control(fc, &msg);
	if (msg)
		missing(&bad, msg);

	/* Each MSR is read only if the one before says it exists. */
	m.vmx_basic = rdmsr(MSR_IA32_VMX_BASIC);
	m.pinbased = rdmsr(cpucheck_ctls_msr(CTLS_PIN, m.vmx_basic));
	m.procbased = rdmsr(cpucheck_ctls_msr(CTLS_PROC, m.vmx_basic));
	m.exit = rdmsr(cpucheck_ctls_msr(CTLS_EXIT, m.vmx_basic));
	m.entry = rdmsr(cpucheck_ctls_msr(CTLS_ENTRY, m.vmx_basic));
	if (cpucheck_has_procbased2(m.procbased))
		m.procbased2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
	if (cpucheck_has_ept_vpid_cap(m.procbased2))
		m.ept_vpid_cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	dump_cap_msrs(&m);
	cpucheck_summary(&m, buf, sizeof(buf));
	say("%s", buf);
	cpucheck_caps(&m, missing, &bad);
	if (bad)
		return fail_end();

	/*
	 * VMXON needs bit 2 (VMX outside SMX) and bit 0 (lock) on every CPU:
	 * Vol. 3C, 24.7, Enabling and Entering VMX Operation.  This is the
	 * boot CPU's; OVMF leaves the MSR at 0.
	 */
	if (fc_state == FC_UNLOCKED) {
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCKED |
							FEATURE_CONTROL_VMX_OUTSIDE_SMX);
		say("IA32_FEATURE_CONTROL was 0x%llx (unlocked): enabled VMX "
		    "outside SMX and locked it, now 0x%llx",
		    (unsigned long long)fc,
		    (unsigned long long)rdmsr(MSR_IA32_FEATURE_CONTROL));
	} else {
		say("IA32_FEATURE_CONTROL 0x%llx: VMX enabled and locked by "
		    "the firmware", (unsigned long long)fc);
	}
	return EFI_SUCCESS;
}

/* The x2APIC id if CPUID leaf 0xB exists, else the 8-bit initial APIC id. */
static uint32_t boot_apic_id(void)
{
	uint32_t a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	if (a >= 0xb) {
		cpuid(0xb, 0, &a, &b, &c, &d);
		if (b & 0xffff)
			return d;
	}
	cpuid(1, 0, &a, &b, &c, &d);
	return b >> 24;
}

static void *find_rsdp(void)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
	void *rsdp = NULL;

	if (LibGetSystemConfigurationTable(&acpi20, &rsdp) == EFI_SUCCESS && rsdp)
		return rsdp;
	if (LibGetSystemConfigurationTable(&acpi10, &rsdp) == EFI_SUCCESS && rsdp)
		return rsdp;
	return NULL;
}

/* The MADT's CPUs; -1 with the reason in err if there is no usable MADT. */
static int cpus_from_acpi(void *rsdp, uint32_t bsp, struct acpi_cpus *cpus,
			  char *err, size_t errlen)
{
	const char *root = "?";
	const uint8_t *madt;

	if (!rsdp) {
		rv_snprintf(err, errlen, "none of the %llu EFI configuration "
			    "tables is an ACPI RSDP",
			    (unsigned long long)ST->NumberOfTableEntries);
		return -1;
	}
	madt = acpi_find_table(rsdp, "APIC", &root, err, errlen);
	if (!madt)
		return -1;
	if (!acpi_checksum_ok(madt, rv_get32(madt + 4)))
		say("warning: the MADT's checksum is wrong; using it anyway");
	if (acpi_parse_madt(madt, bsp, cpus, err, errlen))
		return -1;
	say("ACPI: RSDP at %p, MADT at %p (via the %s)", rsdp, madt, root);
	return 0;
}

/*
 * EFI_MP_SERVICES_PROTOCOL: PI 1.7, Vol. 2, 13.4 (gnu-efi lacks it).  OVMF
 * has it under Bochs, where it installs no ACPI tables (those come from
 * QEMU's fw_cfg).
 */
#define MP_SERVICES_GUID                                                   \
	{ 0x3fdda605, 0xa76e, 0x4f46,                                      \
	  { 0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08 } }
#define MP_PROCESSOR_AS_BSP 0x1
#define MP_PROCESSOR_ENABLED 0x2

struct mp_processor_info {
	UINT64 processor_id; /* the APIC id */
	UINT32 status_flag;
	UINT32 location[3];
	UINT32 location2[6]; /* PI 1.7 extended topology: only room for it */
};

struct mp_services {
	EFI_STATUS(EFIAPI *get_number_of_processors)(struct mp_services *mp,
						     UINTN *nr, UINTN *nr_enabled);
	EFI_STATUS(EFIAPI *get_processor_info)(struct mp_services *mp, UINTN cpu,
					       struct mp_processor_info *info);
	void *startup_all_aps, *startup_this_ap, *switch_bsp,
		*enable_disable_ap, *who_am_i;
};

static int cpus_from_mp_services(uint32_t bsp, struct acpi_cpus *cpus,
				 char *err, size_t errlen)
{
	EFI_GUID guid = MP_SERVICES_GUID;
	struct mp_processor_info info;
	struct mp_services *mp;
	UINTN nr, nr_enabled, i;
	EFI_STATUS st;

	st = LibLocateProtocol(&guid, (void **)&mp);
	if (EFI_ERROR(st) || !mp) {
		rv_snprintf(err, errlen, "no MP Services protocol: %s",
			    efi_strerror(st));
		return -1;
	}
	st = uefi_call_wrapper(mp->get_number_of_processors, 3, mp, &nr,
			       &nr_enabled);
	if (EFI_ERROR(st)) {
		rv_snprintf(err, errlen, "MP Services: GetNumberOfProcessors: %s",
			    efi_strerror(st));
		return -1;
	}
	acpi_cpus_init(cpus, bsp);
	for (i = 0; i < nr; i++) {
		st = uefi_call_wrapper(mp->get_processor_info, 3, mp, i, &info);
		if (EFI_ERROR(st)) {
			rv_snprintf(err, errlen, "MP Services: GetProcessorInfo(%llu): %s",
				    (unsigned long long)i, efi_strerror(st));
			return -1;
		}
		if (info.processor_id == bsp) {
			cpus->bsp_listed = 1;
			continue;
		}
		if (!(info.status_flag & MP_PROCESSOR_ENABLED)) {
			cpus->nr_disabled++;
			continue;
		}
		acpi_cpus_add(cpus, (uint32_t)info.processor_id);
	}
	/* Where the boot CPU's local APIC is, as the MADT would have said. */
	cpus->lapic_phys = rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_ADDR_MASK;
	say("MP Services: %llu processors, %llu enabled; local APIC base from "
	    "IA32_APIC_BASE", (unsigned long long)nr,
	    (unsigned long long)nr_enabled);
	return 0;
}

EFI_STATUS cpu_find_all(struct rv_bootinfo *bi)
{
	char err[160], err2[160], ids[RV_MAX_CPUS * 11 + 1];
	struct acpi_cpus cpus;
	uint32_t bsp, i;
	void *rsdp;
	int n = 0;

	bsp = boot_apic_id();
	rsdp = find_rsdp();
	if (cpus_from_acpi(rsdp, bsp, &cpus, err, sizeof(err))) {
		say("no usable ACPI MADT (%s): asking the firmware's MP Services "
		    "protocol for the CPUs", err);
		if (cpus_from_mp_services(bsp, &cpus, err2, sizeof(err2)))
			return fail("cannot find the CPUs: %s; and %s", err, err2);
	}
	if (!cpus.bsp_listed)
		say("warning: the boot CPU (APIC id %u) is not listed; counting "
		    "it anyway", bsp);
	if (cpus.nr_ignored)
		say("warning: %u more CPUs are ignored: at most %d are supported "
		    "(RV_MAX_CPUS)", cpus.nr_ignored, RV_MAX_CPUS);
	if (cpus.nr_disabled)
		say("%u disabled CPU%s skipped", cpus.nr_disabled,
		    cpus.nr_disabled == 1 ? "" : "s");
	if (!cpus.lapic_phys)
		return fail("the local APIC address is 0");

	bi->rsdp_phys = (uintptr_t)rsdp;
	bi->lapic_phys = cpus.lapic_phys;
	bi->bsp_apic_id = bsp;
	bi->nr_cpus = cpus.nr_cpus;
	ids[0] = '\0';
	for (i = 0; i < cpus.nr_cpus; i++) {
		bi->apic_ids[i] = cpus.apic_ids[i];
		n += rv_snprintf(ids + n, sizeof(ids) - (size_t)n, " %u",
				 cpus.apic_ids[i]);
	}
	say("%u CPU%s (APIC ids%s), local APIC at 0x%llx", cpus.nr_cpus,
	    cpus.nr_cpus == 1 ? "" : "s", ids,
	    (unsigned long long)cpus.lapic_phys);
	return EFI_SUCCESS;
}

/*
 * How fast the TSC counts, for the hypervisor's timeouts and delays
 * (docs/02-boot.md).  CPUID leaf 0x15 gives it exactly where it lists the
 * crystal's frequency (Vol. 2A, CPUID—CPU Identification, leaf 15H, Time
 * Stamp Counter and Nominal Core Crystal Clock Information Leaf);
 * otherwise the loader counts ticks over a firmware Stall() of STALL_US.
 * Under Bochs the TSC and the firmware's timer both run on emulated
 * instruction ticks, so the measurement gives the same number every run.
 * Leaf 0x16's base frequency is printed as a cross-check only: it is
 * the processor's, not necessarily the TSC's.
 */
#define STALL_US 20000

EFI_STATUS cpu_tsc_freq(struct rv_bootinfo *bi)
{
	uint32_t max, a, b, c, d, base_mhz = 0;
	uint64_t khz = 0, t0, t1;

	cpuid(0, 0, &max, &b, &c, &d);
	if (max >= 0x16) {
		cpuid(0x16, 0, &a, &b, &c, &d);
		base_mhz = a & 0xffff;
	}
	if (max >= 0x15) {
		cpuid(0x15, 0, &a, &b, &c, &d);
		khz = tscfreq_khz_cpuid15(a, b, c);
		if (khz) {
			bi->tsc_khz = khz;
			say("TSC: %llu kHz from CPUID leaf 0x15 (crystal %u Hz x %u/%u; leaf 0x16 "
			    "base %u MHz)", (unsigned long long)khz, c, b, a, base_mhz);
			return EFI_SUCCESS;
		}
	}
	t0 = rdtsc();
	uefi_call_wrapper(BS->Stall, 1, STALL_US);
	t1 = rdtsc();
	khz = tscfreq_khz_measured(t1 - t0, STALL_US);
	if (!khz)
		return fail("cannot measure the TSC: it did not advance over a %u us Stall()",
			    STALL_US);
	bi->tsc_khz = khz;
	say("TSC: %llu kHz, measured over a %u us firmware Stall() (%llu ticks; CPUID leaf "
	    "0x15 %s, leaf 0x16 base %u MHz)", (unsigned long long)khz, STALL_US,
	    (unsigned long long)(t1 - t0), max >= 0x15 ? "lists no crystal" : "absent",
	    base_mhz);
	return EFI_SUCCESS;
}
