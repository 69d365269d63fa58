// SPDX-License-Identifier: MIT
#include "dirtyring/dring.h"

u64 dring_clip_batch(u64 base, u64 *mask, u64 slot_pages)
{
	u64 keep = base >= slot_pages ? 0
		   : slot_pages - base >= 64 ? ~0ull
					     : (1ull << (slot_pages - base)) - 1;
	u64 stale = popcount64(*mask & ~keep);

	*mask &= keep;
	return stale;
}

int dring_check_size(u64 n)
{
	if (n < RV_RING_MIN_ENTRIES || n > RV_RING_MAX_ENTRIES || (n & (n - 1)))
		return -RV_EINVAL;
	return 0;
}

void dring_init(struct dring *r, struct rv_dirty_entry *mem, u32 size, u32 soft_limit,
		u32 start_index)
{
	r->entries = mem;
	r->size = size;
	r->soft_limit = soft_limit;
	r->dirty_index = r->reset_index = start_index;
	for (u32 i = 0; i < size; i++)
		mem[i] = (struct rv_dirty_entry){ 0, 0, 0 };
}

u32 dring_used(const struct dring *r)
{
	return load_acquire(&r->dirty_index) - load_acquire(&r->reset_index);
}

enum dring_push_result dring_push(struct dring *r, u32 slot, u64 offset)
{
	if (!dring_has_room(r))
		return DRING_FULL;
	dring_push_room(r, slot, offset);
	return dring_used(r) >= r->soft_limit ? DRING_SOFT_FULL : DRING_PUSHED;
}

/*
 * Re-protect a batch's pages, then free its entries [first, to).  One
 * release fence orders the reads of slot and offset and the rearm before
 * every store after it, so each store of 0 is a release store (the ABI's
 * order) without a compiler barrier per entry; the producer may reuse an
 * entry once it load-acquires the reset_index stored last.
 */
static void batch_flush(struct dring *r, u32 slot, u64 base, u64 mask, u32 first, u32 to,
			dring_rearm_fn fn, void *ctx)
{
	struct rv_dirty_entry *ents = r->entries;
	u32 wrap = r->size - 1;

	fn(ctx, slot, base, mask);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (u32 i = first; i != to; i++)
		__atomic_store_n(&ents[i & wrap].flags, 0, __ATOMIC_RELAXED);
	store_release(&r->reset_index, to);
}

u32 dring_reset(struct dring *r, u32 max, dring_rearm_fn fn, void *ctx)
{
	/* The batch in locals (registers), the ring's shape read once: the
	 * acquire loads below would make the compiler reload anything else. */
	struct rv_dirty_entry *ents = r->entries;
	u32 wrap = r->size - 1;
	u32 end = load_acquire(&r->dirty_index);
	u32 start = r->reset_index, i = start, first = start, b_slot = 0;
	u64 b_base = 0, b_mask = 0; /* b_mask 0: no batch open */

	/* Unsigned: i - start counts entries, across a 2^32 wrap too. */
	if (end - start > max)
		end = start + max;
	for (; i != end; i++) {
		struct rv_dirty_entry *e = &ents[i & wrap];
		if (!(load_acquire(&e->flags) & RV_DIRTY_FLAG_RESET))
			break; /* not harvested yet: the consumer goes strictly in order */
		u32 slot = READ_ONCE(e->slot);
		u64 off = READ_ONCE(e->offset);
		if (b_mask && b_slot == slot && off - b_base < 64) {
			b_mask |= BIT(off - b_base); /* off >= b_base, or the difference is huge */
			continue;
		}
		if (b_mask)
			batch_flush(r, b_slot, b_base, b_mask, first, i, fn, ctx);
		b_slot = slot;
		b_base = off;
		b_mask = 1;
		first = i;
	}
	if (b_mask)
		batch_flush(r, b_slot, b_base, b_mask, first, i, fn, ctx);
	return i - start;
}

bool dring_reset_pending(const struct dring *r)
{
	u32 ri = r->reset_index;

	return ri != load_acquire(&r->dirty_index) &&
	       (load_acquire(&r->entries[ri & (r->size - 1)].flags) & RV_DIRTY_FLAG_RESET);
}
