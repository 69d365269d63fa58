/* SPDX-License-Identifier: MIT */
/*
 * The virtual platform of a Linux partition: what its vCPUs see besides
 * their RAM (docs/12-linux.md).  A partition has one (p->plat) when it was
 * created from a Linux image; our own guests have none and keep the
 * strict policy of hv/exits/exits.c, where anything a workload has no
 * business doing stops it.
 *
 * The device models (uart.c, ioapic.c, lapic.c, cpuid.c, decode.c,
 * bzimage.c) are pure; this glue wires them to vCPUs: the exits that
 * reach them (msr.c, pio.c, mmio.c), the loading of the kernel (linux.c)
 * and, before every entry, the interrupt to inject, the timer to arm and
 * whether a halted or not yet started vCPU may run at all (vplat.c).
 */
#ifndef RV_VPLAT_H
#define RV_VPLAT_H

#include "abi/hypercall.h"
#include "lib/spinlock.h"
#include "lib/types.h"
#include "vplat/ioapic.h"
#include "vplat/lapic.h"
#include "vplat/uart.h"

struct partition;
struct vcpu;
struct vmx_exit;

#define VPLAT_CONSOLE_SIZE 16384 /* the partition's console, kept for RV_HC_CONSOLE_READ */

/* One vCPU's platform state.  Owner: the vCPU's CPU, except where said. */
struct vplat_vcpu {
	struct vlapic lapic; /* irr[] also set by other vCPUs (lapic.h) */
	bool halted;        /* in HLT until an interrupt it can take */
	bool parked;        /* HLT with interrupts off: only INIT wakes it */
	bool waiting_sipi;  /* after INIT (or never started): waits for a SIPI */
	u32 init;           /* an INIT arrived (any vCPU of the partition; atomic) */
	u32 sipi;           /* 0x100 | vector of a start-up IPI (any vCPU; atomic) */
	u64 pat;	     /* IA32_PAT as the guest wrote it */
	u32 msr_refusals;    /* RDMSR/WRMSR answered with #GP, for the log */
};

struct vplat {
	u32 nr_vcpus;
	struct spinlock lock; /* the devices below and the console */
	struct uart16550 uart;
	bool uart_line; /* the UART's interrupt line at the last access */
	struct vioapic ioapic;
	u64 con_total; /* bytes ever written to con[] */
	u64 con_base;  /* where the stream starts: 0, or the source's total (a moved partition) */
	char con[VPLAT_CONSOLE_SIZE];
	struct vplat_vcpu vcpu[RV_MAX_VCPUS];
};

/*
 * Load a Linux partition (created with RV_IMAGE_LINUX_ABI, not started):
 * the kernel and initrd by the boot protocol, the boot vCPU's registers,
 * the platform.  0, or a negative RV_E* code with the reason printed; on
 * error the caller destroys the partition.
 */
int vplat_linux_create(struct partition *p, const struct rv_partition_spec *spec);

/* Before every entry of a Linux vCPU (run loop): false if it may not run
 * now (halted with nothing to wake it, or not started yet). */
bool vplat_prepare(struct vcpu *v);

/* Exits of a Linux vCPU that its platform answers. */
int vplat_cpuid(struct vcpu *v, const struct vmx_exit *e);
int vplat_rdmsr(struct vcpu *v, const struct vmx_exit *e);
int vplat_wrmsr(struct vcpu *v, const struct vmx_exit *e);
int vplat_io(struct vcpu *v, const struct vmx_exit *e);
int vplat_hlt(struct vcpu *v, const struct vmx_exit *e);
int vplat_xsetbv(struct vcpu *v, const struct vmx_exit *e);
int vplat_cr_access(struct vcpu *v, const struct vmx_exit *e);
/* An EPT violation outside RAM: the I/O APIC's page; -1 if not that. */
int vplat_mmio(struct vcpu *v, const struct vmx_exit *e);
/* #UD or #GP for an instruction the platform does not offer. */
void vplat_refuse(struct vcpu *v, const struct vmx_exit *e, u8 vector);

/* Deliver a fixed interrupt `vector` to vCPU `dst` of p and wake it. */
void vplat_deliver(struct partition *p, u32 dst, u8 vector);

/* An IPI written to the ICR of vCPU src (msr.c). */
void vplat_send_ipi(struct vcpu *src, const struct vlapic_ipi *ipi);
/* The UART's sink: a line to the console and the console stream (ctx: the vCPU). */
void vplat_console_sink(void *ctx, const char *line, u32 len);

/* Flush the UART's partial line (the partition is stopping). */
void vplat_flush(struct vcpu *v);

/*
 * Moving a Linux partition (abi/hypercall.h, RV_HC_VCPU_GET/SET_STATE and
 * RV_HC_PLATFORM_GET/SET_STATE; docs/12-linux.md).  The vCPU calls: vCPU i
 * of p is held (save) or p not started (restore), so its owner does not
 * touch its platform part.  The check functions: 0, or -RV_EINVAL for a
 * state the platform would choke on; the restore functions want a
 * checked state.
 */
void vplat_vcpu_save(struct partition *p, u32 i, struct rv_vcpu_plat *s);
int vplat_vcpu_check(struct partition *p, u32 i, const struct rv_vcpu_state *s);
void vplat_vcpu_restore(struct partition *p, u32 i, const struct rv_vcpu_plat *s);
void vplat_save(struct partition *p, struct rv_platform_state *s);
int vplat_check(struct partition *p, const struct rv_platform_state *s);
void vplat_restore(struct partition *p, const struct rv_platform_state *s);

/* RV_HC_CONSOLE_READ (abi/hypercall.h). */
int vplat_console_read(struct partition *p, struct rv_console_read *io, void *buf);

#endif
