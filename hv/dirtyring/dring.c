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
 * Re-protect a batch's pages, then free its entries e[0..n).  One release
 * fence orders the reads of slot and offset and the rearm before every
 * store after it, so each store of 0 is a release store (the ABI's order)
 * without a compiler barrier per entry; the producer may reuse an entry
 * once it load-acquires the reset_index stored last.  (On x86 the fence
 * and the release stores are plain stores in program order, Vol. 3A,
 * 9.2.2, Memory Ordering in P6 and More Recent Processor Families: no
 * locked instruction is needed for this order.)
 */
static void batch_flush(struct dring *r, u32 slot, u64 base, u64 mask,
			struct rv_dirty_entry *e, u32 n, u32 to, dring_rearm_fn fn, void *ctx)
{
	fn(ctx, slot, base, mask);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (u32 k = 0; k < n; k++)
		__atomic_store_n(&e[k].flags, 0, __ATOMIC_RELAXED);
	store_release(&r->reset_index, to);
}

/* The first 8 bytes of an entry (flags, slot) read as one u64. */
typedef u64 __attribute__((may_alias)) u64_alias;

u32 dring_reset(struct dring *r, u32 max, dring_rearm_fn fn, void *ctx)
{
	/* The ring's shape in locals (registers): the acquire loads below
	 * would make the compiler reload anything else. */
	struct rv_dirty_entry *ents = r->entries;
	u32 size = r->size;
	u32 start = r->reset_index, i = start;
	/* Unsigned: dirty_index - start counts entries, across a 2^32 wrap too. */
	u32 left = load_acquire(&r->dirty_index) - start;

	if (left > max)
		left = max;
	/*
	 * One batch per turn: its first entry opens it, and the entries
	 * after it join while they are harvested, name the same slot and
	 * lie within 64 pages from the first.  A batch stops at the ring's
	 * end (so the inner loop walks a pointer, no index to wrap).
	 */
	while (left) {
		struct rv_dirty_entry *e = &ents[i & (size - 1)];
		if (!(load_acquire(&e->flags) & RV_DIRTY_FLAG_RESET))
			break; /* not harvested yet: the consumer goes strictly in order */
		u32 slot = READ_ONCE(e->slot);
		u64 base = READ_ONCE(e->offset), mask = 1;
		u32 run = size - (i & (size - 1));

		if (run > left)
			run = left;
		struct rv_dirty_entry *f = e + 1, *end = e + run;
		/*
		 * flags and slot in one 8-byte acquire load (x86 is little
		 * endian: flags in the low half), compared with what a
		 * harvested entry of this batch holds: DIRTY|RESET, slot.  An
		 * entry that differs (another slot, or flags the consumer
		 * wrote otherwise, RESET alone say) ends the batch, and the
		 * outer loop then looks at it with the ABI's test: RESET set.
		 */
		u64 key = (u64)slot << 32 | (RV_DIRTY_FLAG_DIRTY | RV_DIRTY_FLAG_RESET);
		for (; f != end; f++) {
			if (load_acquire((const u64_alias *)f) != key)
				break;
			u64 delta = READ_ONCE(f->offset) - base; /* huge if below base */
			if (delta >= 64)
				break;
			mask |= BIT(delta);
		}
		u32 n = (u32)(f - e);
		i += n;
		left -= n;
		batch_flush(r, slot, base, mask, e, n, i, fn, ctx);
	}
	return i - start;
}

bool dring_reset_pending(const struct dring *r)
{
	u32 ri = r->reset_index;

	return ri != load_acquire(&r->dirty_index) &&
	       (load_acquire(&r->entries[ri & (r->size - 1)].flags) & RV_DIRTY_FLAG_RESET);
}
