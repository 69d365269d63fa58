// SPDX-License-Identifier: MIT
#include "abi/hypercall.h"
#include "dirtyring/dirty.h"
#include "ept/ept.h"
#include "partition/guestmem.h"
#include "partition/hc_check.h"
#include "lib/lib.h"
#include "partition/partition.h"
#include "partition/vcpu.h"

/* Walk [gpa, gpa+len) a page at a time; copy if buf is given. */
static int access(struct vcpu *v, u64 gpa, u8 *buf, u64 len, bool write)
{
	struct partition *p = v->part;

	if (!hc_range_ok(gpa, len))
		return -RV_EFAULT;
	while (len) {
		u64 hpa, perm;
		u64 chunk = MIN(len, PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
		if (ept_translate(&p->ept, gpa, &hpa, &perm))
			return -RV_EFAULT;
		if (write) {
			/* Logged like a guest store (into the caller's ring, or
			 * the backup bitmap when it is full); then writable. */
			if (dirty_hv_write(&p->dirty, v->index, gpa) == DIRTY_NOT_TRACKED &&
			    !(perm & EPT_W))
				return -RV_EFAULT;
		} else if (!(perm & EPT_R)) {
			return -RV_EFAULT;
		}
		if (buf && write)
			memcpy((void *)hpa, buf, chunk);
		else if (buf)
			memcpy(buf, (void *)hpa, chunk);
		gpa += chunk;
		len -= chunk;
		if (buf)
			buf += chunk;
	}
	return 0;
}

int gm_read(struct vcpu *v, u64 gpa, void *dst, u64 len)
{
	return access(v, gpa, dst, len, false);
}

int gm_write(struct vcpu *v, u64 gpa, const void *src, u64 len)
{
	/* Check first, so a fault half-way leaves guest memory untouched. */
	int err = access(v, gpa, NULL, len, true);
	return err ? err : access(v, gpa, (u8 *)src, len, true);
}

int gm_check(struct vcpu *v, u64 gpa, u64 len, bool write)
{
	return access(v, gpa, NULL, len, write);
}
