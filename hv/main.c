// SPDX-License-Identifier: MIT
/*
 * hv_main: the boot CPU's path from the loader's jump to the first VM
 * entry.  The order matters: per-CPU pointer (console needs it), console,
 * our own page tables and descriptor tables (OVMF's live in memory we are
 * about to reclaim), the page allocator, VMX on this CPU, the APs, and
 * finally the management partition.  See docs/02-boot.md.
 */
#include "exits/exits.h"
#include "lib/x86.h"
#include "partition/partition.h"
#include "platform/apic.h"
#include "platform/console.h"
#include "platform/cpustate.h"
#include "platform/desc.h"
#include "platform/mm.h"
#include "platform/paging.h"
#include "platform/panic.h"
#include "platform/percpu.h"
#include "platform/smp.h"
#include "platform/tsc.h"
#include "ept/ept.h"
#include "vmx/vmx.h"

/* How long the boot CPU waits for the started APs to enter VMX operation. */
#define VMX_ON_WAIT_MS 2000

extern u8 hv_stacks[];
extern u8 __hv_start[], __hv_end[];

void hv_main(struct rv_bootinfo *bi);

/* Each AP, once smp.c has set up its descriptor tables and APIC. */
static void ap_main(void) __attribute__((noreturn));
static void ap_main(void)
{
	if (vmx_cpu_init() == 0)
		hv_printf("in VMX operation\n");
	cpu_self_check();
	cpu_run_loop();
}

static void check_bootinfo(const struct rv_bootinfo *bi)
{
	if (bi->magic != RV_BOOTINFO_MAGIC || bi->version != RV_BOOTINFO_VERSION)
		panic("boot information at %p has magic %lx version %u; expected %lx version %u",
		      bi, bi->magic, bi->version, RV_BOOTINFO_MAGIC, RV_BOOTINFO_VERSION);
	if (bi->nr_mem_regions > RV_MAX_MEM_REGIONS || bi->nr_cpus > RV_MAX_CPUS ||
	    !bi->tsc_khz)
		panic("boot information is corrupt (%u regions, %u CPUs, TSC %lu kHz)",
		      bi->nr_mem_regions, bi->nr_cpus, bi->tsc_khz);
}

static u64 top_of_memory(const struct rv_bootinfo *bi)
{
	u64 top = 0;
	for (u32 i = 0; i < bi->nr_mem_regions; i++)
		if (bi->mem[i].type == RV_MEM_FREE || bi->mem[i].type == RV_MEM_LOADER)
			top = MAX(top, bi->mem[i].base + bi->mem[i].size);
	return top;
}

void hv_main(struct rv_bootinfo *bi)
{
	cpus[0].self = &cpus[0];
	wrmsr(MSR_IA32_GS_BASE, (u64)&cpus[0]);
	console_init();
	panic_set_dump_hook(run_dump_current);
	hv_printf("Ringvisor hypervisor, image %p-%p\n", __hv_start, __hv_end);
	check_bootinfo(bi);
	hv_verbose = bi->config.verbose;
	tsc_init(bi->tsc_khz);
	hv_printf("TSC %lu kHz (from the loader; %s), timeouts in ms\n", bi->tsc_khz,
		  cpu_has_invariant_tsc() ? "invariant" : "not reported invariant");

	nr_cpus = bi->nr_cpus ? bi->nr_cpus : 1;
	for (u32 i = 0; i < nr_cpus; i++) {
		cpus[i].self = &cpus[i];
		cpus[i].id = i;
		cpus[i].apic_id = bi->nr_cpus ? bi->apic_ids[i] : 0;
		cpus[i].stack_top = (u64)hv_stacks + (i + 1) * HV_STACK_SIZE;
	}

	write_cr3(paging_init(top_of_memory(bi)));
	/* The same CR0 as every AP (trampoline.asm), whatever OVMF left. */
	write_cr0(HV_CR0);
	desc_init_cpu(&cpus[0]);
	cpus[0].online = 1;
	u64 free = mm_init(bi->mem, bi->nr_mem_regions, paging_limit());
	if (!free)
		panic("no free memory in the firmware's memory map (%u regions)",
		      bi->nr_mem_regions);
	hv_printf("%lu MiB free for partitions and tables\n", free >> 8);
	if (mm_unmapped_bytes())
		hv_printf("%lu MiB above the %lu GiB the hypervisor maps are not used\n",
			  mm_unmapped_bytes() >> 20, paging_limit() >> 30);
	pic_mask_all();
	apic_init(bi->lapic_phys);
	if (apic_id() != cpus[0].apic_id) {
		hv_printf("boot CPU has APIC id %u, not %u as the MADT said; using %u\n", apic_id(),
			  cpus[0].apic_id, apic_id());
		cpus[0].apic_id = apic_id();
	}
	if (vmx_cpu_init())
		panic("cannot enter VMX operation on the boot CPU");
	hv_printf("in VMX operation\n");
	cpu_self_check();
	hv_printf("memory types: identity map PAT entries 0 (WB) and 3 (UC, 3-4 GiB); EPT "
		  "structures type %lu, guest RAM type %lu (6 = WB), guest PAT applies\n",
		  (u64)EPTP_MEMTYPE_WB, (u64)(EPT_MT_WB >> 3));

	u32 up = smp_boot_aps(bi, ap_main);
	u64 end = rdtsc() + tsc_ms(VMX_ON_WAIT_MS);
	u32 vmx = 0;
	while (rdtsc() < end) {
		vmx = 0;
		for (u32 i = 0; i < nr_cpus; i++)
			vmx += load_acquire(&cpus[i].vmx_on);
		if (vmx == up + 1)
			break;
		cpu_relax();
	}
	hv_printf("%u CPUs found, %u started, %u in VMX operation\n", nr_cpus, up + 1, vmx);

	int err = partition_init(bi);
	if (err)
		panic("cannot create the management partition: error %d", err);
	cpu_run_loop();
}
