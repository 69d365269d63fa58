// SPDX-License-Identifier: MIT
/*
 * EPT violations (Vol. 3C, 29.3.3, EPT-Induced VM Exits).  The exit
 * qualification says what the access was (bit 0 read, 1 write, 2 fetch)
 * and what the entry allowed (bits 3-5); the guest-physical address is
 * in its own VMCS field (Vol. 3C, 28.2.1, Basic VM-Exit Information).
 * A write to a page write-protected for dirty tracking is logged and
 * retried (hv/dirtyring/dirty.c); a fetch from a huge page whose execute
 * permission is withheld (the iTLB-multihit erratum, hv/ept/ept.h
 * nx_huge) splits it and is retried.  Any other EPT violation is a guest
 * touching memory outside its partition, or writing memory it may only
 * read: the partition stops and the management partition is told the
 * address.
 */
#include "dirtyring/dirty.h"
#include "ept/ept.h"
#include "exits/exits.h"
#include "partition/partition.h"
#include "partition/vcpu.h"
#include "platform/console.h"
#include "vmx/vmx.h"
#include "vplat/vplat.h"

/*
 * The PML page is full (the write that caused it has not happened yet).
 * Nothing to do here: the run loop (run.c) drains the PML page after every
 * exit, this one included, before the vCPU enters again.
 */
enum exit_action exit_pml_full(struct vcpu *v, const struct vmx_exit *e)
{
	return EXIT_RESUME;
}

enum exit_action exit_ept_violation(struct vcpu *v, const struct vmx_exit *e)
{
	u64 gpa = e->gpa, q = e->qual;

	if (q & 2) { /* data write */
		enum dirty_fault r = dirty_write_fault(&v->part->dirty, v->index, gpa, q);
		if (r == DIRTY_HANDLED)
			return EXIT_RESUME;
		if (r == DIRTY_BLOCKED)
			return EXIT_STOP;
	}
	/* A fetch from a huge leaf whose execute permission is withheld
	 * (struct ept.nx_huge): split it to 4 KiB pages and retry. */
	if (q & 4) {
		int r = ept_exec_fault(&v->part->ept, gpa);
		if (r > 0)
			return EXIT_RESUME;
		if (r < 0)
			hv_printf("vCPU %u.%u: no memory to split the huge page at %lx "
				  "for an instruction fetch\n",
				  v->part->id, v->index, gpa);
	}
	/* A Linux partition's I/O APIC lives outside its RAM (hv/vplat/mmio.c). */
	if (v->part->plat) {
		if (vplat_mmio(v, e) == 0)
			return EXIT_RESUME;
		vplat_flush(v);
	}
	hv_printf("vCPU %u.%u: EPT violation: %s of guest-physical %lx at rip %lx\n",
		  v->part->id, v->index, q & 2 ? "write" : q & 4 ? "fetch" : "read", gpa,
		  vmx_guest_rip());
	partition_fault(v, e->basic, gpa);
	return EXIT_STOP;
}
