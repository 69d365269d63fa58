/* SPDX-License-Identifier: MIT */
/*
 * Reading and writing a partition's memory on its behalf (hypercall
 * arguments and results).  Every access goes through the partition's own
 * EPT, page by page, with the permission the guest itself would need, so
 * a hypercall can never reach memory the caller could not.
 */
#ifndef RV_GUESTMEM_H
#define RV_GUESTMEM_H

#include "types.h"

struct partition;

/* 0, or -RV_EFAULT if any byte is not readable / writable by the guest. */
int gm_read(struct partition *p, u64 gpa, void *dst, u64 len);
int gm_write(struct partition *p, u64 gpa, const void *src, u64 len);
/* Check a range without copying. */
int gm_check(struct partition *p, u64 gpa, u64 len, bool write);

#endif
