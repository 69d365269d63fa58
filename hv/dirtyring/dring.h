/* SPDX-License-Identifier: MIT */
/*
 * One dirty ring: the producer/consumer logic of KVM's dirty ring, with
 * nothing of VMX or EPT in it (host unit tests drive it directly).
 *
 * Who touches what:
 *  - entries (struct rv_dirty_entry) are shared with the management
 *    partition, which may write anything into them; every field read from
 *    an entry is treated as untrusted.
 *  - dirty_index is written only by the vCPU's owner CPU (dring_push);
 *  - reset_index only by whoever runs dring_reset (the management
 *    partition's hypercall, under the partition's reset lock).
 *  Both indices are free-running u32 counters; an entry's position is
 *  index & (size - 1), so they may wrap past 2^32.
 */
#ifndef RV_DRING_H
#define RV_DRING_H

#include "abi/hypercall.h"
#include "lib/types.h"

struct dring {
	struct rv_dirty_entry *entries;
	u32 size;       /* power of two */
	u32 soft_limit; /* push reports SOFT_FULL from here on */
	u32 dirty_index;
	u32 reset_index;
};

enum dring_push_result {
	DRING_PUSHED = 0,
	DRING_SOFT_FULL = 1, /* pushed; the ring is now at or over its soft limit */
	DRING_FULL = 2,      /* not pushed: every entry is in use */
};

/* Re-arm tracking for pages base..base+63 of slot whose bits are set in mask. */
typedef void (*dring_rearm_fn)(void *ctx, u32 slot, u64 base, u64 mask);

/*
 * Clip a reset batch to a slot of slot_pages pages: bits naming offsets
 * past its end are removed from *mask.  Returns how many were removed
 * (entries come from shared memory and may name anything).
 */
u64 dring_clip_batch(u64 base, u64 *mask, u64 slot_pages);

/* 0, or -RV_EINVAL for a size that is not a power of two in range. */
int dring_check_size(u64 entries);
void dring_init(struct dring *r, struct rv_dirty_entry *mem, u32 size, u32 soft_limit,
		u32 start_index);
u32 dring_used(const struct dring *r);
enum dring_push_result dring_push(struct dring *r, u32 slot, u64 offset);

/* Is there a free entry?  Only the owner CPU pushes, so room stays room
 * until its next push; a reset can only add room. */
static inline __attribute__((always_inline)) bool dring_has_room(const struct dring *r)
{
	return r->dirty_index - load_acquire(&r->reset_index) < r->size;
}

/*
 * dring_push for a caller that found room (dring_has_room), inline: the
 * write fault's push.  Same order as dring_push: slot and offset, then
 * flags = DIRTY (release), then dirty_index (release).
 */
static inline __attribute__((always_inline)) void dring_push_room(struct dring *r, u32 slot,
								  u64 offset)
{
	u32 di = r->dirty_index;
	struct rv_dirty_entry *e = &r->entries[di & (r->size - 1)];

	e->slot = slot;
	e->offset = offset;
	store_release(&e->flags, RV_DIRTY_FLAG_DIRTY);
	store_release(&r->dirty_index, di + 1);
}
/*
 * Reset at most max harvested entries from reset_index on, in order,
 * stopping early at the first entry without RESET or at dirty_index (so
 * the work is bounded by max and by the ring size, whatever the consumer
 * writes meanwhile).  Neighbouring offsets of one slot (within 64 pages
 * of the batch start) are merged into one rearm call; only after a
 * batch's rearm call has returned are its entries freed (flags 0,
 * release) and reset_index moved past them: an entry is never free while
 * its page is still writable.  Returns the number of entries reset.
 */
u32 dring_reset(struct dring *r, u32 max, dring_rearm_fn fn, void *ctx);
/* Is the entry at reset_index harvested (the next reset has work)? */
bool dring_reset_pending(const struct dring *r);

#endif
