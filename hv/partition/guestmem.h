/* SPDX-License-Identifier: MIT */
/*
 * Reading and writing a partition's memory on its behalf (hypercall
 * arguments and results).  Every access goes through the partition's own
 * EPT, page by page, with the permission the guest itself would need, so
 * a hypercall can never reach memory the caller could not.
 */
#ifndef RV_GUESTMEM_H
#define RV_GUESTMEM_H

#include "lib/types.h"

struct vcpu;

/*
 * 0, or -RV_EFAULT if any byte is not readable / writable by the calling
 * vCPU's partition.  A write to a page that is write-protected for dirty
 * tracking is logged exactly as if the guest had made it (into the
 * caller's ring), so writes the hypervisor makes on a guest's behalf are
 * never lost; if that ring is full, the page goes to the slot's backup
 * bitmap (dirty_hv_write) and the write still happens.
 */
int gm_read(struct vcpu *v, u64 gpa, void *dst, u64 len);
int gm_write(struct vcpu *v, u64 gpa, const void *src, u64 len);
/* Check a range without copying (a write check logs tracked pages). */
int gm_check(struct vcpu *v, u64 gpa, u64 len, bool write);

#endif
