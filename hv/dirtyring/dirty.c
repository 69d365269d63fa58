// SPDX-License-Identifier: MIT
#include "dirtyring/dirty.h"
#include "dirtyring/logbm.h"
#include "dirtyring/pml.h"
#include "lib/lib.h"
#include "lib/x86.h"
#include "platform/event.h"
#include "platform/mm.h"
#include "platform/panic.h"
#include "platform/percpu.h"
#include "platform/smp.h"
#include "platform/trace.h"
#include "platform/tsc.h"
#include "vmx/vmx.h"

static u32 tag(const struct dirty_part *d, u32 vi)
{
	return d->part_id << 16 | vi;
}

void dirty_init(struct dirty_part *d, u32 part_id, struct ept *ept, struct mem_slot *slots,
		const u64 *cpu_mask)
{
	memset(d, 0, sizeof(*d));
	d->part_id = part_id;
	d->ept = ept;
	d->slots = slots;
	d->cpu_mask = cpu_mask;
}

void dirty_add_vcpu(struct dirty_part *d, u32 cpu)
{
	d->rate[d->nr_vcpus].tsc = rdtsc(); /* RV_HC_DIRTY_RATE's first sample */
	d->vcpu[d->nr_vcpus++].cpu = cpu;
}

void dirty_flush(struct dirty_part *d)
{
	d->unresponsive |= vmx_flush_cpus(*d->cpu_mask);
}

/*
 * The slot holding gpa if logging is on for it, else NULL.  Only the
 * logged slots are looked at (a logged slot is always in use: deleting a
 * slot switches its logging off first), and one unsigned compare checks
 * both ends of each.  Inlined: the write-fault path pays for every call
 * (docs/09).
 */
static __attribute__((always_inline)) inline struct mem_slot *logged_slot(struct dirty_part *d,
									  u64 gpa)
{
	for (u32 m = READ_ONCE(d->log_slots); m; m &= m - 1) {
		struct mem_slot *s = &d->slots[(u32)__builtin_ctz(m)];
		if (gpa - s->gpa < s->size)
			return s;
	}
	return NULL;
}

/* Pages a slot's dirty bitmap takes: a bit per page, whole pages. */
static u64 bitmap_pages(const struct mem_slot *s)
{
	return ALIGN_UP((slot_pages(s) + 7) / 8, PAGE_SIZE) / PAGE_SIZE;
}

/* Push page offset of slot s into vCPU vi's ring, which has room
 * (dring_has_room), count it and trace it. */
static __attribute__((always_inline)) inline void push_room(struct dirty_part *d, u32 vi,
							    const struct mem_slot *s, u64 offset)
{
	struct dirty_vcpu *dv = &d->vcpu[vi];

	dring_push_room(&dv->ring, s->id, offset);
	dv->ring_pushes++;
	/* Only the trace wants the count: no call for it otherwise. */
	if (__builtin_expect(READ_ONCE(trace_on), 0))
		trace(RV_TR_RING_PUSH, tag(d, vi),
		      (u64)(dv->ring.dirty_index - 1) << 32 | dring_used(&dv->ring),
		      (u64)s->id << 48 | offset);
}

/* Push gpa's page into vCPU vi's ring if it has room; false if full. */
static bool push(struct dirty_part *d, u32 vi, const struct mem_slot *s, u64 gpa)
{
	if (!dring_has_room(&d->vcpu[vi].ring))
		return false;
	push_room(d, vi, s, (gpa - s->gpa) >> PAGE_SHIFT);
	return true;
}

static u64 *huge_fault(struct dirty_part *d, u64 gpa, enum dirty_fault *r);

/*
 * The write fault.  Vol. 3C, 29.3.3, EPT-Induced VM Exits: the write did
 * not happen; the guest's RIP still points at the store.  We log the page,
 * give write access back and re-enter: the store executes again and
 * retires.  If the ring is completely full we must not do that (the write
 * would go unreported), so the vCPU waits instead, with the page still
 * protected.
 */
enum dirty_fault dirty_write_fault(struct dirty_part *d, u32 vi, u64 gpa, u64 qual)
{
	struct dirty_vcpu *dv = &d->vcpu[vi];
	u64 t0 = rdtsc();
	u64 *leaf = ept_leaf(d->ept, gpa);
	enum dirty_fault r;

	/* No 4 KiB leaf: unmapped, or a huge one (off the common path). */
	if (__builtin_expect(!leaf, 0) && !(leaf = huge_fault(d, gpa, &r)))
		return r;
	u64 ent = READ_ONCE(*leaf);
	if (!(ent & EPT_TRACKED)) {
		if (!(ent & EPT_W))
			return DIRTY_NOT_TRACKED; /* read-only for another reason */
		/* Another vCPU un-protected it first; our TLB entry was stale
		 * and the violation itself flushed it (Vol. 3C, 29.4.3.1,
		 * Operations that Invalidate Cached Mappings). */
		dv->spurious_faults++;
		return DIRTY_HANDLED;
	}
	struct mem_slot *s = logged_slot(d, gpa);
	if (!s)
		return DIRTY_NOT_TRACKED;
	trace(RV_TR_EPT_VIOLATION, tag(d, vi), gpa, qual);

	bool rings = d->rings_on;
	/* Only this CPU pushes to dv's ring: the room found here stays. */
	if (rings && !dring_has_room(&dv->ring)) {
		dv->full_waits++;
		if (!dv->full_wait) {
			dv->full_wait = true;
			event_post(RV_EV_RING_FULL, d->part_id, vi, dv->ring.size, gpa);
		}
		trace(RV_TR_FULL_WAIT, tag(d, vi), gpa, 0);
		return DIRTY_BLOCKED;
	}
	/* Only the vCPU that flips the entry logs the page. */
	if (!ept_track_unprotect(d->ept, leaf)) {
		dv->spurious_faults++;
		return DIRTY_HANDLED;
	}
	dv->write_faults++;
	u64 offset = (gpa - s->gpa) >> PAGE_SHIFT;
	if (rings) {
		push_room(d, vi, s, offset);
	} else {
		__atomic_fetch_or(&d->bitmap[s->id][offset / 64], BIT(offset % 64),
				  __ATOMIC_RELAXED);
		dv->bitmap_sets++;
	}
	dv->fault_ticks += rdtsc() - t0;
	return DIRTY_HANDLED;
}

struct pml_ctx {
	struct dirty_part *d;
	u32 vi;
};

static bool pml_push(void *c, u64 gpa)
{
	struct pml_ctx *ctx = c;
	struct mem_slot *s = logged_slot(ctx->d, gpa);

	/* Guest page-table A/D updates and unlogged slots get logged too. */
	if (!s) {
		ctx->d->vcpu[ctx->vi].pml_dropped++;
		return true;
	}
	return push(ctx->d, ctx->vi, s, gpa);
}

/*
 * The backup bitmap (KVM's DIRTY_LOG_RING_WITH_BITMAP): in ring modes
 * d->bitmap[] of a logged slot takes the pages the hypervisor writes when
 * no ring can: the writing vCPU's ring is full, or there is no vCPU.  The
 * consumer collects it after its final harvest and reset, before its final
 * copy (dirty_bitmap_take with backup).  In bitmap mode the same bitmap is
 * the log itself.  Set after the page was made writable (or its dirty flag
 * set), so a collect that misses the bit finds the page still writable and
 * the bit in its next round.
 */
static void backup_set(struct dirty_part *d, const struct mem_slot *s, u64 gpa)
{
	u64 offset = (gpa - s->gpa) >> PAGE_SHIFT;

	__atomic_fetch_or(&d->bitmap[s->id][offset / 64], BIT(offset % 64), __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&d->backup_sets, 1, __ATOMIC_RELAXED);
}

/*
 * No 4 KiB leaf for gpa: unmapped, or a huge leaf maps it.  A tracked huge
 * leaf (lazy splitting, or one a failed split protected whole) is split
 * now and the caller goes on with gpa's 4 KiB leaf, so only that page
 * becomes writable; the translation of the others does not change, and a
 * CPU still holding the read-only huge one faults again and finds them.
 * Without memory for the split the whole leaf becomes writable and every
 * page of it goes into the slot's bitmap (the log in bitmap mode, the
 * backup bitmap in ring modes, which the consumer collects before its
 * final copy): nothing is lost.  NULL with *r otherwise.
 */
static __attribute__((noinline, cold)) u64 *huge_fault(struct dirty_part *d, u64 gpa,
						       enum dirty_fault *r)
{
	struct mem_slot *s;
	u32 l;
	u64 *ent = ept_entry(d->ept, gpa, &l), *leaf;

	*r = DIRTY_NOT_TRACKED;
	if (!ent || l == 0)
		return ent; /* unmapped, or split meanwhile */
	u64 v = READ_ONCE(*ent);
	if (!(v & EPT_TRACKED)) {
		/* Writable: a stale translation (spurious); else not ours. */
		if (v & EPT_W)
			*r = DIRTY_HANDLED;
		return NULL;
	}
	if (!(s = logged_slot(d, gpa)))
		return NULL;
	if ((leaf = ept_split(d->ept, gpa)))
		return leaf;
	*r = DIRTY_HANDLED;
	if (ept_track_unprotect(d->ept, ent)) {
		u64 size = EPT_LEVEL_SIZE(l), first = (gpa & ~(size - 1)) - s->gpa;
		for (u64 off = 0; off < size; off += PAGE_SIZE)
			backup_set(d, s, s->gpa + first + off);
	}
	return NULL;
}

enum dirty_fault dirty_hv_write(struct dirty_part *d, u32 vi, u64 gpa)
{
	struct mem_slot *s = logged_slot(d, gpa);
	u64 *leaf = s ? ept_leaf(d->ept, gpa) : NULL;
	struct dirty_vcpu *dv = vi < d->nr_vcpus ? &d->vcpu[vi] : NULL;
	enum dirty_fault r = DIRTY_NOT_TRACKED;

	if (!leaf && (!s || !(leaf = huge_fault(d, gpa, &r))))
		return r;
	/* Only vi's owner CPU pushes to its ring: room stays room. */
	bool room = dv && (!d->rings_on || dring_has_room(&dv->ring));
	if (d->pml_on) {
		/* Nothing would log this store: set the dirty flag as the
		 * processor would and log the page if the flag was clear. */
		if ((READ_ONCE(*leaf) & EPT_DIRTY) ||
		    (__atomic_fetch_or(leaf, EPT_DIRTY, __ATOMIC_SEQ_CST) & EPT_DIRTY))
			return DIRTY_HANDLED;
		if (room)
			push(d, vi, s, gpa);
		else
			backup_set(d, s, gpa);
		return DIRTY_HANDLED;
	}
	u64 ent = READ_ONCE(*leaf);
	if (!(ent & EPT_TRACKED))
		return ent & EPT_W ? DIRTY_HANDLED : DIRTY_NOT_TRACKED;
	if (room)
		return dirty_write_fault(d, vi, gpa, 0); /* as if the guest had stored */
	/* Only the CPU that flips the entry logs the page. */
	if (ept_track_unprotect(d->ept, leaf))
		backup_set(d, s, gpa);
	return DIRTY_HANDLED;
}

/*
 * The dirty-rate limit granted this entry only the PML entries below the
 * top `pml_cut` (limit_may_enter): move what the processor logged there
 * up to the top of the page, where pml_drain reads, oldest still first.
 */
static __attribute__((noinline)) u16 pml_uncut(struct dirty_vcpu *dv, u16 idx)
{
	u64 *page = (u64 *)dv->pml_hpa;
	u32 top = PML_ENTRIES - 1 - dv->pml_cut;

	/*
	 * The processor only counts the index down from top (to 0xffff when
	 * the page is full); above top means it was rewritten since the cut,
	 * a bug of ours: the log is then already where pml_drain reads.
	 */
	ASSERT(idx >= PML_ENTRIES || idx <= top);
	if (idx < PML_ENTRIES && idx > top) {
		dv->pml_cut = 0;
		return idx;
	}
	u32 n = idx >= PML_ENTRIES ? top + 1 : top - idx;

	memmove(page + PML_ENTRIES - n, page + top + 1 - n, n * sizeof(u64));
	dv->pml_cut = 0;
	idx = (u16)(PML_ENTRIES - 1 - n);
	vmx_set_pml_index(idx);
	return idx;
}

void dirty_pml_drain(struct dirty_part *d, u32 vi)
{
	struct dirty_vcpu *dv = &d->vcpu[vi];
	struct pml_ctx ctx = {d, vi};
	u16 idx = vmx_pml_index();
	u32 pushed;

	dv->pml_ran = true;
	if (dv->pml_cut)
		idx = pml_uncut(dv, idx);
	if (idx == 511)
		return; /* nothing logged: the common case, one VMREAD */
	u64 t0 = rdtsc();
	u16 left = pml_drain((u64 *)dv->pml_hpa, idx, pml_push, &ctx, &pushed);
	vmx_set_pml_index(left);
	dv->pml_drains++;
	if (left != 511 && !dv->full_wait) {
		/* The ring is full: what is left stays in the PML page, and
		 * the vCPU waits for a reset (the reserve makes this rare). */
		dv->full_wait = true;
		dv->full_waits++;
		event_post(RV_EV_RING_FULL, d->part_id, vi, dv->ring.size, 0);
	}
	dv->fault_ticks += rdtsc() - t0;
}

/* Pages vCPU vi has logged: what its limit charges and its rate counts. */
static u64 logged_pages(const struct dirty_vcpu *dv)
{
	return READ_ONCE(dv->ring_pushes) + READ_ONCE(dv->bitmap_sets);
}

/*
 * The dirty-rate limit (docs/06-dirty-ring.md, "The dirty-rate limit"):
 * charge what the vCPU logged since the last entry, and hold it while it
 * is ahead of its budget.  No wait here: the run loop comes back on its
 * next pass, after it has served invalidations and requests.
 */
static __attribute__((noinline)) bool limit_may_enter(struct dirty_part *d, u32 vi)
{
	struct dirty_vcpu *dv = &d->vcpu[vi];
	u64 req = READ_ONCE(d->limit_req[vi]), now = rdtsc(), logged = logged_pages(dv);

	if (req != dv->lim.rate) {
		if (dv->hold_since) {
			WRITE_ONCE(dv->held_ticks, dv->held_ticks + now - dv->hold_since);
			dv->hold_since = 0;
		}
		dlimit_set(&dv->lim, req, tsc_khz() * 1000, now);
		dv->lim_charged = logged;
		return true;
	}
	dlimit_charge(&dv->lim, logged - dv->lim_charged, now);
	dv->lim_charged = logged;
	if (dlimit_may_enter(&dv->lim, now)) {
		if (dv->hold_since) {
			WRITE_ONCE(dv->held_ticks, dv->held_ticks + now - dv->hold_since);
			dv->hold_since = 0;
		}
		/*
		 * PML logs without an exit, up to a whole page: grant only the
		 * entries the budget allows, so the PML-full exit (Vol. 3C,
		 * 29.3.6, Page-Modification Logging) comes when it is spent.
		 * Only on an empty, uncut log of a vCPU that has run (its VMCS
		 * current); dirty_pml_drain undoes the cut after the exit.
		 */
		if (dv->pml_hpa && dv->pml_ran && !dv->pml_cut && vmx_pml_index() == 511) {
			u64 k = dlimit_grant(&dv->lim, now, PML_ENTRIES);
			if (k && k < PML_ENTRIES) {
				dv->pml_cut = (u16)(PML_ENTRIES - k);
				vmx_set_pml_index((u16)(k - 1));
			}
		}
		return true;
	}
	if (!dv->hold_since) {
		dv->hold_since = now;
		WRITE_ONCE(dv->holds, dv->holds + 1);
	}
	return false;
}

/* The ring's part: a vCPU waiting for a reset (full) or for its consumer (soft limit). */
static bool ring_may_enter(struct dirty_part *d, u32 vi)
{
	struct dirty_vcpu *dv = &d->vcpu[vi];
	u32 used = dring_used(&dv->ring);
	if (dv->full_wait) {
		if (used >= dv->ring.size)
			return false;
		dv->full_wait = false; /* the faulting store runs again now */
		if (dv->pml_hpa) {
			dirty_pml_drain(d, vi); /* the rest of the PML page first */
			if (dv->full_wait)
				return false;
		}
		trace(RV_TR_RESUME, tag(d, vi), used, 0);
	}
	if (d->soft_limit_on && used >= dv->ring.soft_limit) {
		if (!dv->stopped) {
			/* KVM's KVM_EXIT_DIRTY_RING_FULL, as an event. */
			dv->stopped = true;
			dv->soft_full_stops++;
			trace(RV_TR_SOFT_FULL, tag(d, vi), used, 0);
			event_post(RV_EV_RING_FULL, d->part_id, vi, used, 0);
		}
		return false;
	}
	if (dv->stopped) {
		dv->stopped = false;
		trace(RV_TR_RESUME, tag(d, vi), used, 0);
	}
	return true;
}

bool dirty_vcpu_may_enter(struct dirty_part *d, u32 vi)
{
	struct dirty_vcpu *dv = &d->vcpu[vi];

	if (d->rings_on && !ring_may_enter(d, vi))
		return false;
	/*
	 * The limit last: the PML cut it may set must reach this entry, and
	 * ring_may_enter's drain of a full-wait vCPU's PML page would undo
	 * it.  Two loads when no limit was ever set.
	 */
	return !(dv->lim.rate | READ_ONCE(d->limit_req[vi])) || limit_may_enter(d, vi);
}

/*
 * Logging is off: put the slot's huge leaves back (KVM's recovery of huge
 * pages when dirty logging stops).  Each batch of detached tables is
 * freed only after every CPU of the partition has invalidated (Vol. 3C,
 * 29.4.3.1, Operations that Invalidate Cached Mappings): until then one
 * may still walk them.  Tables a CPU did not confirm are never freed.
 */
void dirty_rebuild_huge(struct dirty_part *d, u32 id)
{
	const struct mem_slot *s = &d->slots[id];
	u64 freed[64], cur = s->gpa, end = s->gpa + s->size;

	if (s->small || !d->ept->max_level || (d->log_slots & BIT(id)))
		return;
	while (cur < end) {
		u32 n = ept_collapse(d->ept, s->gpa, slot_pages(s), freed, 64, &cur);
		if (!n)
			continue;
		u64 stuck = vmx_flush_cpus(*d->cpu_mask);
		d->unresponsive |= stuck;
		if (!stuck)
			ept_free_tables(d->ept, freed, n);
		else /* kept for good: still paging-structure pages in use */
			__atomic_fetch_add(&d->ept->nr_tables, n, __ATOMIC_RELAXED);
	}
}

void dirty_set_limit(struct dirty_part *d, u32 vi, u64 rate)
{
	WRITE_ONCE(d->limit_req[vi], rate);
}

void dirty_rate(struct dirty_part *d, u32 vi, struct rv_dirty_rate *out)
{
	struct dirty_rate_sample *s = &d->rate[vi];
	const struct dirty_vcpu *dv = &d->vcpu[vi];
	u64 now = rdtsc(), pages = logged_pages(dv), hz = tsc_khz() * 1000;

	if (now - s->tsc >= tsc_ms(RV_DIRTY_RATE_MIN_MS)) {
		s->window = now - s->tsc;
		s->rate = dlimit_rate(pages - s->pages, s->window, hz);
		s->tsc = now;
		s->pages = pages;
	}
	*out = (struct rv_dirty_rate){
		.rate = s->rate,
		.window_ticks = s->window,
		.pages = pages,
		.limit = READ_ONCE(d->limit_req[vi]),
		.held_ticks = READ_ONCE(dv->held_ticks),
		.holds = READ_ONCE(dv->holds),
		.tsc = s->tsc,
	};
}

int dirty_set_logging(struct dirty_part *d, u32 id, bool on, u32 how)
{
	struct mem_slot *s = &d->slots[id];
	u64 pages = slot_pages(s);
	bool lazy = how & DIRTY_PROTECT_LAZY;

	if (on == !!(d->log_slots & BIT(id)))
		return 0;
	if (on) {
		/* The log in bitmap mode, the backup bitmap in ring modes. */
		d->bitmap[id] = (u64 *)mm_alloc(bitmap_pages(s));
		if (!d->bitmap[id])
			return -RV_ENOMEM;
		/*
		 * Lazy (KVM_DIRTY_LOG_INITIALLY_SET): every page dirty once
		 * and nothing armed, so the cost is the bitmap's, not a walk
		 * of every page; the consumer arms pages by clearing their
		 * bits.  Set before the slot is logged: no fault can come
		 * meanwhile, every page is writable.
		 */
		if (lazy)
			logbm_fill(d->bitmap[id], pages);
		/* Set the bit first: a fault on a protected page must find it. */
		__atomic_fetch_or(&d->log_slots, BIT(id), __ATOMIC_SEQ_CST);
		/* Nothing lost its write access: no translation to invalidate. */
		if (lazy)
			return 0;
		/*
		 * PML logs a page when its dirty flag goes 0 -> 1: clear them all,
		 * splitting huge leaves (one flag would hide 511 pages).  Write
		 * protection protects a huge leaf whole and its first write
		 * fault splits it (lazy splitting, measured the cheaper: docs/09);
		 * DIRTY_SPLIT_EAGER splits them all now, in the same pass
		 * (KVM's eager page splitting, Linux 5.18).  A leaf that cannot
		 * be split for want of memory is protected whole either way.
		 * The flush below covers the splits too.
		 */
		if (d->pml_on)
			d->pages_protected += ept_clear_dirty(d->ept, s->gpa, pages);
		else if (how & DIRTY_SPLIT_EAGER)
			d->pages_protected += ept_track_protect_split(d->ept, s->gpa, pages);
		else
			d->pages_protected += ept_track_protect(d->ept, s->gpa, pages);
	} else {
		/* PML too: a huge leaf a failed split protected is tracked. */
		ept_track_release(d->ept, s->gpa, pages);
		__atomic_fetch_and(&d->log_slots, ~BIT(id), __ATOMIC_SEQ_CST);
	}
	/* Before returning, no CPU may still write through an old translation. */
	dirty_flush(d);
	if (!on && d->bitmap[id]) {
		mm_free((u64)d->bitmap[id], bitmap_pages(s));
		d->bitmap[id] = NULL;
	}
	if (!on)
		dirty_rebuild_huge(d, id);
	return 0;
}

u64 dirty_ring_pages(const struct dirty_part *d, u32 vi)
{
	const struct dring *r = &d->vcpu[vi].ring;

	return r->entries ? (u64)r->size * sizeof(struct rv_dirty_entry) / PAGE_SIZE : 0;
}

int dirty_rings_enable(struct dirty_part *d, u64 entries, u64 flags, bool started, u32 *soft_limit)
{
	bool pml = flags & RV_RING_PML;
	u64 reserve = RV_RING_RESERVE + (pml ? RV_RING_PML_RESERVE : 0);
	u64 pages = entries * sizeof(struct rv_dirty_entry) / PAGE_SIZE;
	int err;

	if ((err = dring_check_size(entries)))
		return err;
	if (flags & ~(u64)(RV_RING_NO_SOFT_LIMIT | RV_RING_PML))
		return -RV_EINVAL;
	/* PML needs room for a whole PML page above the soft limit: at least
	 * 1024 entries (QEMU's minimum too), and a soft limit to keep it. */
	if (pml && ((flags & RV_RING_NO_SOFT_LIMIT) || entries < 1024))
		return -RV_EINVAL;
	if (pml && !vmx_has_pml())
		return -RV_EOPNOTSUPP;
	if (d->rings_on)
		return -RV_EEXIST;
	if (d->log_slots) /* the bitmaps are already collecting */
		return -RV_EBUSY;
	if (pml && started)
		return -RV_EBUSY; /* the EPTP and VMCS controls are set at first entry */
	u32 soft = flags & RV_RING_NO_SOFT_LIMIT ? (u32)entries : (u32)(entries - reserve);
	for (u32 i = 0; i < d->nr_vcpus; i++) {
		struct dirty_vcpu *dv = &d->vcpu[i];
		u64 hpa = mm_alloc(pages);
		if (!hpa)
			goto fail;
		dring_init(&dv->ring, (struct rv_dirty_entry *)hpa, (u32)entries, soft, 0);
		if (pml && !(dv->pml_hpa = mm_alloc(1)))
			goto fail;
	}
	*soft_limit = soft;
	d->soft_limit_on = !(flags & RV_RING_NO_SOFT_LIMIT);
	d->pml_on = pml;
	store_release(&d->rings_on, true);
	return 0;
fail:
	dirty_teardown(d);
	return -RV_ENOMEM;
}

struct rearm_ctx {
	struct dirty_part *d;
	u64 protected, stale;
};

/* dring_reset's callback: entries come from shared memory, so check them. */
static void rearm(void *c, u32 slot, u64 base, u64 mask)
{
	struct rearm_ctx *ctx = c;
	struct dirty_part *d = ctx->d;

	if (slot >= RV_MAX_SLOTS || !d->slots[slot].used || !(d->log_slots & BIT(slot))) {
		ctx->stale += popcount64(mask);
		return;
	}
	const struct mem_slot *s = &d->slots[slot];
	/* A batch reaches 63 pages past base at most: clip only near the end. */
	if (slot_pages(s) - base < 64 || base >= slot_pages(s)) {
		ctx->stale += dring_clip_batch(base, &mask, slot_pages(s));
		if (!mask)
			return;
	}
	u64 gpa = s->gpa + base * PAGE_SIZE;
	ctx->protected += d->pml_on ? ept_clear_dirty_mask(d->ept, gpa, mask)
				    : ept_track_protect_mask(d->ept, gpa, mask);
}

s64 dirty_rings_reset(struct dirty_part *d, u32 max)
{
	struct rearm_ctx ctx = {d, 0, 0};
	u64 t0 = rdtsc();
	u32 total = 0, n = d->nr_vcpus;
	bool more = false;

	if (!d->rings_on)
		return -RV_ENOENT;
	spin_lock(&d->reset_lock);
	/*
	 * At most max entries in all, so one call holds this CPU (the
	 * management partition's) for a bounded time however big the rings
	 * and however fast the consumer marks; round robin over the rings,
	 * so a ring whose consumer keeps marking cannot starve the others.
	 */
	for (u32 k = 0, i = d->reset_next; k < n && total < max; k++, i = i + 1 == n ? 0 : i + 1) {
		u32 got = dring_reset(&d->vcpu[i].ring, max - total, rearm, &ctx);
		total += got;
		if (got)
			trace(RV_TR_RESET, tag(d, i), got, dring_used(&d->vcpu[i].ring));
		if (total == max)
			d->reset_next = i + 1 == n ? 0 : i + 1;
	}
	/* One invalidation for all rings, finished on every CPU before we return. */
	if (total)
		dirty_flush(d);
	if (total == max)
		for (u32 i = 0; i < n && !more; i++)
			more = dring_reset_pending(&d->vcpu[i].ring);
	u64 ticks = rdtsc() - t0;
	d->resets++;
	d->resets_more += more;
	d->entries_reset += total;
	d->pages_protected += ctx.protected;
	d->stale_skipped += ctx.stale;
	d->reset_ticks += ticks;
	if (ticks > d->reset_max_ticks)
		d->reset_max_ticks = ticks;
	spin_unlock(&d->reset_lock);
	/* Held vCPUs re-check their ring before the next entry; kick them. */
	for (u32 i = 0; i < n; i++)
		if ((d->vcpu[i].stopped || d->vcpu[i].full_wait) && d->vcpu[i].cpu != this_cpu_id())
			smp_kick_cpu(d->vcpu[i].cpu);
	return (s64)total | (more ? (s64)RV_RING_RESET_MORE : 0);
}

s64 dirty_bitmap_words(const struct dirty_part *d, u32 slot, bool backup)
{
	if (slot >= RV_MAX_SLOTS || !d->slots[slot].used)
		return -RV_ENOENT;
	if (backup != d->rings_on || !d->bitmap[slot])
		return -RV_EINVAL; /* not logging, or the other kind of bitmap */
	return (s64)((slot_pages(&d->slots[slot]) + 63) / 64);
}

/* Re-protect the pages of word w of slot's bitmap whose bits are in m. */
static u64 reprotect(struct dirty_part *d, u32 slot, u64 w, u64 m)
{
	u64 gpa = d->slots[slot].gpa + w * 64 * PAGE_SIZE;

	if (!m)
		return 0;
	return d->pml_on ? ept_clear_dirty_mask(d->ept, gpa, m) : ept_track_protect_mask(d->ept, gpa, m);
}

u64 dirty_bitmap_take(struct dirty_part *d, u32 slot, u64 w, u64 n, bool clear, u64 *out)
{
	u64 *bm = d->bitmap[slot], set = 0;

	for (u64 i = 0; i < n; i++) {
		out[i] = clear ? __atomic_exchange_n(&bm[w + i], 0, __ATOMIC_SEQ_CST)
			       : __atomic_load_n(&bm[w + i], __ATOMIC_RELAXED);
		set += popcount64(out[i]);
		if (clear)
			d->pages_protected += reprotect(d, slot, w + i, out[i]);
	}
	return set;
}

struct arm_ctx {
	struct dirty_part *d;
	u32 slot;
	u64 armed;
};

static void arm(void *c, u64 w, u64 mask)
{
	struct arm_ctx *ctx = c;

	ctx->armed += reprotect(ctx->d, ctx->slot, w, mask);
}

u64 dirty_bitmap_clear(struct dirty_part *d, u32 slot, u64 w, u64 n, const u64 *in)
{
	struct arm_ctx ctx = {d, slot, 0};

	logbm_clear(d->bitmap[slot], w, n, in, arm, &ctx);
	d->pages_protected += ctx.armed;
	return ctx.armed;
}

void dirty_stats(const struct dirty_part *d, struct rv_dirty_stats *o)
{
	memset(o, 0, sizeof(*o));
	for (u32 i = 0; i < d->nr_vcpus; i++) {
		const struct dirty_vcpu *dv = &d->vcpu[i];
		o->write_faults += READ_ONCE(dv->write_faults);
		o->spurious_faults += READ_ONCE(dv->spurious_faults);
		o->ring_pushes += READ_ONCE(dv->ring_pushes);
		o->bitmap_sets += READ_ONCE(dv->bitmap_sets);
		o->soft_full_stops += READ_ONCE(dv->soft_full_stops);
		o->full_waits += READ_ONCE(dv->full_waits);
		o->fault_ticks += READ_ONCE(dv->fault_ticks);
		o->pml_drains += READ_ONCE(dv->pml_drains);
		o->pml_dropped += READ_ONCE(dv->pml_dropped);
	}
	o->resets = d->resets;
	o->entries_reset = d->entries_reset;
	o->pages_protected = d->pages_protected;
	o->reset_ticks = d->reset_ticks;
	o->stale_skipped = d->stale_skipped;
	o->resets_more = d->resets_more;
	o->reset_max_ticks = d->reset_max_ticks;
	o->backup_sets = READ_ONCE(d->backup_sets);
	o->ept_tables = READ_ONCE(d->ept->nr_tables);
	o->ept_splits = READ_ONCE(d->ept->nr_splits);
	o->ept_collapses = READ_ONCE(d->ept->nr_collapses);
}

void dirty_teardown(struct dirty_part *d)
{
	for (u32 i = 0; i < RV_MAX_VCPUS; i++) {
		struct dirty_vcpu *dv = &d->vcpu[i];
		if (dv->pml_hpa) {
			mm_free(dv->pml_hpa, 1);
			dv->pml_hpa = 0;
		}
		if (dv->ring.entries) {
			mm_free((u64)dv->ring.entries, dirty_ring_pages(d, i));
			dv->ring.entries = NULL;
		}
	}
	for (u32 s = 0; s < RV_MAX_SLOTS; s++)
		if (d->bitmap[s]) {
			mm_free((u64)d->bitmap[s], bitmap_pages(&d->slots[s]));
			d->bitmap[s] = NULL;
		}
	d->rings_on = false;
	d->pml_on = false;
	d->log_slots = 0;
}
