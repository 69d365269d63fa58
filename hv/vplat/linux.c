// SPDX-License-Identifier: MIT
/*
 * Loading Linux into a partition by the x86 boot protocol (the kernel's
 * Documentation/x86/boot.rst, "64-bit Boot Protocol"), and the platform
 * it then runs on.  Guest-physical layout of a Linux partition:
 *
 *   0x0000 - 0xffff      ours: GDT (0x1000), identity page tables
 *                        (0x2000-0x7fff), boot stack (below 0x9000),
 *                        zero page (0xa000), command line (0xb000),
 *                        setup_data (0xc000); e820 leaves it out
 *   0x10000 - 0x9efff    RAM (the kernel's real-mode trampoline for its
 *                        application processors must lie below 1 MiB)
 *   0x100000 - 0x3fffff  RAM (the rest of the 4 MiB system slot)
 *   16 MiB - +data_mib   RAM: the kernel at 16 MiB, the initrd at the top
 *   0xfec00000           the I/O APIC (mmio.c), not RAM: every access exits
 *
 * Everything is checked before anything is copied; on an error the
 * caller destroys the partition, so a bad image changes nothing.
 */
#include "lib/lib.h"
#include "partition/partition.h"
#include "partition/vcpu.h"
#include "platform/console.h"
#include "platform/tsc.h"
#include "vmx/vmx.h"
#include "vplat/bzimage.h"
#include "vplat/vplat.h"

#define LINUX_GDT RV_GPA_GDT
#define LINUX_STACK 0x9000ull
#define LINUX_ZERO_PAGE 0xa000ull
#define LINUX_CMDLINE 0xb000ull
#define LINUX_SETUP_DATA 0xc000ull
#define LINUX_LOW_RAM 0x10000ull
#define LINUX_LOW_RAM_END 0x9f000ull
#define LINUX_64BIT_ENTRY 0x200		   /* boot.rst: "the 64-bit entry ... at offset 0x200" */
#define PAT_POWER_ON 0x0007040600070406ull /* Vol. 3A, 12.12.4, Programming the PAT */

/* Owner: this file; one per partition slot, in use while p->plat points to it. */
static struct vplat plats[MAX_PARTITIONS];

static int fail(struct partition *p, int err, const char *why)
{
	hv_printf("partition %u: Linux not loaded: %s\n", p->id, why);
	return err;
}

/*
 * The boot protocol's GDT: __BOOT_CS 0x10 a flat 64-bit code segment,
 * __BOOT_DS 0x18 flat data ("a GDT must be loaded with the descriptors for
 * selectors __BOOT_CS(0x10) and __BOOT_DS(0x18)"), and our TSS at 0x20,
 * which VM entry wants in TR (Vol. 3C, 27.3.1.2).
 */
static void linux_gdt(struct partition *p)
{
	u64 *gdt = partition_ram(p, LINUX_GDT, 8 * 6);
	u64 tss = LINUX_GDT + 0x800;

	memset(gdt, 0, 8 * 6);
	gdt[2] = 0x00af9b000000ffffull;
	gdt[3] = 0x00cf93000000ffffull;
	gdt[4] = 0x67 | ((tss & 0xffffff) << 16) | (0x8bull << 40) | ((tss >> 24) & 0xff) << 56;
	gdt[5] = tss >> 32;
}

static void vcpu_setup(struct partition *p, struct vcpu *v, u64 entry)
{
	struct vplat_vcpu *pv = &p->plat->vcpu[v->index];

	vlapic_reset(&pv->lapic, v->index);
	pv->pat = PAT_POWER_ON;
	/* The guest's timer runs on the VMX-preemption timer; no watchdog. */
	v->vmx.use_timer = true;
	v->vmx.timer_left = ~0ull;
	if (v->index) { /* an application processor waits for INIT and SIPI */
		pv->waiting_sipi = true;
		return;
	}
	/* boot.rst, 64-bit boot protocol: long mode, paging on with the
	 * kernel, zero page and command line identity-mapped, interrupts
	 * off, %rsi = the zero page. */
	v->vmx.boot.rip = entry;
	v->vmx.boot.rsi = LINUX_ZERO_PAGE;
	v->vmx.boot.rdi = 0;
	v->vmx.boot.rsp = LINUX_STACK;
	v->vmx.boot.cs = 0x10;
	v->vmx.boot.ds = 0x18;
	v->vmx.boot.tr = 0x20;
	v->vmx.boot.gdtr_base = LINUX_GDT;
	v->vmx.boot.gdtr_limit = 6 * 8 - 1;
	v->vmx.boot.irq_off = true;
}

int vplat_linux_create(struct partition *p, const struct rv_partition_spec *spec)
{
	const struct rv_image *img = partition_image(RV_IMAGE_LINUX);
	const struct rv_image *rd = partition_image(RV_IMAGE_INITRD);
	struct bzimage_info info;
	const char *why;

	if (!vmx_has_preemption_timer())
		return fail(p, -RV_EOPNOTSUPP, "no VMX-preemption timer for the guest's timer");
	/* The guest switches to long mode itself (its APs from real mode):
	 * VM exits must keep the IA-32e mode guest control in step, which
	 * every processor with unrestricted guest does (Vol. 3D, A.6). */
	if (!vmx_exit_saves_lma())
		return fail(p, -RV_EOPNOTSUPP, "VM exits do not save EFER.LMA (IA32_VMX_MISC bit 5)");
	if (!img->size)
		return fail(p, -RV_ENOENT, "the disk has no \\linux.img");
	if (bzimage_parse((const void *)img->phys, img->size, &info, &why))
		return fail(p, -RV_EINVAL, why);

	u64 ram_end = RV_GPA_DATA + (spec->data_mib << 20);
	u64 kernel = RV_GPA_DATA;
	if (info.relocatable)
		kernel =
		    ALIGN_UP(kernel, info.kernel_alignment ? info.kernel_alignment : PAGE_SIZE);
	else if (info.pref_address != kernel)
		return fail(p, -RV_EINVAL, "a kernel that is not relocatable must load at 16 MiB");
	u64 initrd = rd->size ? (ram_end - rd->size) & PAGE_MASK : 0;
	u64 kernel_end = kernel + MAX((u64)info.init_size, info.kernel_size);
	if (kernel_end > (rd->size ? initrd : ram_end) || rd->size > ram_end)
		return fail(p, -RV_E2BIG,
			    "the kernel and initrd do not fit in the partition's RAM");
	u32 cmdline_len = (u32)strlen(spec->cmdline);
	if (cmdline_len > info.cmdline_size)
		return fail(p, -RV_EINVAL, "the command line is longer than the kernel takes");

	struct e820_entry e820[] = {
	    {LINUX_LOW_RAM, LINUX_LOW_RAM_END - LINUX_LOW_RAM, E820_RAM},
	    {0x100000, RV_SYS_SLOT_SIZE - 0x100000, E820_RAM},
	    {RV_GPA_DATA, spec->data_mib << 20, E820_RAM},
	};
	struct linux_boot_cfg cfg = {
	    .e820 = e820,
	    .nr_e820 = ARRAY_SIZE(e820),
	    .cmdline_gpa = LINUX_CMDLINE,
	    .cmdline_len = cmdline_len,
	    .initrd_gpa = initrd,
	    .initrd_size = rd->size,
	    .setup_data_gpa = LINUX_SETUP_DATA,
	    .kernel_gpa = kernel,
	};
	void *zp = partition_ram(p, LINUX_ZERO_PAGE, PAGE_SIZE);
	if (bzimage_boot_params(zp, (const void *)img->phys, &info, &cfg, &why))
		return fail(p, -RV_EINVAL, why);
	u32 tsc = (u32)tsc_khz();
	if (!bzimage_jailhouse_setup_data(partition_ram(p, LINUX_SETUP_DATA, PAGE_SIZE), PAGE_SIZE,
					  p->nr_vcpus, tsc, tsc, true))
		return fail(p, -RV_EINVAL, "no room for the setup_data");

	/* Checked: now copy. */
	memcpy(partition_ram(p, kernel, info.kernel_size), (const u8 *)img->phys + info.setup_bytes,
	       info.kernel_size);
	if (rd->size)
		memcpy(partition_ram(p, initrd, rd->size), (const void *)rd->phys, rd->size);
	memcpy(partition_ram(p, LINUX_CMDLINE, cmdline_len + 1), spec->cmdline, cmdline_len + 1);
	linux_gdt(p);

	struct vplat *pl = &plats[p->id];
	memset(pl, 0, sizeof(*pl));
	pl->nr_vcpus = p->nr_vcpus;
	uart_reset(&pl->uart);
	ioapic_reset(&pl->ioapic);
	p->plat = pl;
	for (u32 i = 0; i < p->nr_vcpus; i++)
		vcpu_setup(p, p->vcpus[i], kernel + LINUX_64BIT_ENTRY);
	hv_printf(
	    "partition %u: Linux (boot protocol %u.%u) at %lx, %lu KiB; initrd at %lx, %lu KiB; "
	    "%u vCPUs, %lu MiB; \"%s\"\n",
	    p->id, info.version >> 8, info.version & 0xff, kernel, info.kernel_size >> 10, initrd,
	    rd->size >> 10, p->nr_vcpus, spec->data_mib, spec->cmdline);
	return 0;
}
