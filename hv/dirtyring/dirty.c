// SPDX-License-Identifier: MIT
#include "console.h"
#include "dirtyring/dirty.h"
#include "dirtyring/pml.h"
#include "ept/ept.h"
#include "event.h"
#include "guestmem.h"
#include "lib.h"
#include "mm.h"
#include "panic.h"
#include "partition.h"
#include "trace.h"
#include "vcpu.h"
#include "vmx/vmx.h"
#include "x86.h"

static u32 tag(const struct vcpu *v) { return v->part->id << 16 | v->index; }

/* PML needs the control (Vol. 3D, A.3.3) and EPT A/D flags (A.10). */
static bool dirty_pml_supported(void)
{
	return (rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) >> 32 & PROC2_PML) &&
	       (rdmsr(MSR_IA32_VMX_EPT_VPID_CAP) & BIT(21));
}

static struct mem_slot *slot_of(struct partition *p, u64 gpa)
{
	for (u32 i = 0; i < RV_MAX_SLOTS; i++) {
		struct mem_slot *s = &p->slots[i];
		if (s->used && gpa >= s->gpa && gpa - s->gpa < s->size)
			return s;
	}
	return NULL;
}

/*
 * The write fault.  Vol. 3C, 29.3.3: the write did not happen; the
 * guest's RIP still points at the store.  We log the page, give write
 * access back and re-enter: the store executes again and retires.  If the
 * ring is completely full we must not do that (the write would go
 * unreported), so the vCPU waits instead, with the page still protected.
 */
enum dirty_fault dirty_write_fault(struct vcpu *v, u64 gpa)
{
	struct partition *p = v->part;
	struct dirty_part *d = &p->dirty;
	struct dirty_vcpu *dv = &d->vcpu[v->index];
	u64 t0 = rdtsc();
	u64 *leaf = ept_leaf(&p->ept, gpa);

	if (!leaf)
		return DIRTY_NOT_TRACKED;
	u64 ent = READ_ONCE(*leaf);
	if (!(ent & EPT_TRACKED)) {
		if (!(ent & EPT_W))
			return DIRTY_NOT_TRACKED; /* read-only for another reason */
		/* Another vCPU un-protected it first; our TLB entry was stale
		 * and the violation itself flushed it (Vol. 3C, 29.4.3.1, Operations that Invalidate Cached Mappings). */
		dv->spurious_faults++;
		return DIRTY_HANDLED;
	}
	struct mem_slot *s = slot_of(p, gpa);
	if (!s || !(d->log_slots & BIT(s->id)))
		return DIRTY_NOT_TRACKED;
	u64 offset = (gpa - s->gpa) >> PAGE_SHIFT;
	trace(RV_TR_EPT_VIOLATION, tag(v), gpa, v->exit_qual);

	if (d->rings_on && dring_used(&dv->ring) >= dv->ring.size) {
		dv->full_waits++;
		if (!dv->full_wait) {
			dv->full_wait = true;
			event_post(RV_EV_RING_FULL, p->id, v->index, dv->ring.size, gpa);
		}
		trace(RV_TR_FULL_WAIT, tag(v), gpa, 0);
		return DIRTY_BLOCKED;
	}
	/* Only the vCPU that flips the entry logs the page. */
	if (!ept_track_unprotect(&p->ept, leaf)) {
		dv->spurious_faults++;
		return DIRTY_HANDLED;
	}
	dv->write_faults++;
	if (d->rings_on) {
		/* Only the trace wants the count: no call for it otherwise. */
		u32 used_before = READ_ONCE(trace_on) ? dring_used(&dv->ring) : 0;
		enum dring_push_result r = dring_push(&dv->ring, s->id, offset);
		ASSERT(r != DRING_FULL); /* we checked, and only this CPU pushes */
		dv->ring_pushes++;
		trace(RV_TR_RING_PUSH, tag(v), (u64)(dv->ring.dirty_index - 1) << 32 | (used_before + 1),
		      (u64)s->id << 48 | offset);
	} else {
		u64 *bm = d->bitmap[s->id];
		__atomic_fetch_or(&bm[offset / 64], BIT(offset % 64), __ATOMIC_RELAXED);
		dv->bitmap_sets++;
	}
	dv->fault_ticks += rdtsc() - t0;
	return DIRTY_HANDLED;
}

static bool pml_push(void *ctx, u64 gpa)
{
	struct vcpu *v = ctx;
	struct partition *p = v->part;
	struct dirty_vcpu *dv = &p->dirty.vcpu[v->index];
	struct mem_slot *s = slot_of(p, gpa);

	/* Guest page-table A/D updates and unlogged slots get logged too. */
	if (!s || !(p->dirty.log_slots & BIT(s->id))) {
		dv->pml_dropped++;
		return true;
	}
	u64 offset = (gpa - s->gpa) >> PAGE_SHIFT;
	u32 used = READ_ONCE(trace_on) ? dring_used(&dv->ring) : 0; /* for the trace */
	if (dring_push(&dv->ring, s->id, offset) == DRING_FULL)
		return false;
	dv->ring_pushes++;
	trace(RV_TR_RING_PUSH, tag(v), (u64)(dv->ring.dirty_index - 1) << 32 | (used + 1),
	      (u64)s->id << 48 | offset);
	return true;
}

enum dirty_fault dirty_hv_write(struct vcpu *v, u64 gpa)
{
	struct partition *p = v->part;
	struct dirty_vcpu *dv = &p->dirty.vcpu[v->index];

	if (!p->dirty.pml_on)
		return DIRTY_HANDLED; /* write protection already logged it */
	struct mem_slot *s = slot_of(p, gpa);
	u64 *leaf = ept_leaf(&p->ept, gpa);
	if (!s || !leaf || !(p->dirty.log_slots & BIT(s->id)) || (READ_ONCE(*leaf) & EPT_DIRTY))
		return DIRTY_HANDLED;
	if (dring_used(&dv->ring) >= dv->ring.size)
		return DIRTY_BLOCKED;
	if (__atomic_fetch_or(leaf, EPT_DIRTY, __ATOMIC_SEQ_CST) & EPT_DIRTY)
		return DIRTY_HANDLED; /* the processor logged it meanwhile */
	dring_push(&dv->ring, s->id, (gpa - s->gpa) >> PAGE_SHIFT);
	dv->ring_pushes++;
	return DIRTY_HANDLED;
}

void dirty_pml_drain(struct vcpu *v)
{
	struct dirty_vcpu *dv = &v->part->dirty.vcpu[v->index];
	u16 idx = (u16)vmx_read(GUEST_PML_INDEX);
	u32 pushed;

	if (idx == 511)
		return; /* nothing logged: the common case, one VMREAD */
	u64 t0 = rdtsc();
	u16 left = pml_drain((u64 *)v->pml_hpa, idx, pml_push, v, &pushed);
	vmx_write(GUEST_PML_INDEX, left);
	dv->pml_drains++;
	if (left != 511 && !dv->full_wait) {
		/* The ring is full: what is left stays in the PML page, and
		 * the vCPU waits for a reset (the reserve makes this rare). */
		dv->full_wait = true;
		dv->full_waits++;
		event_post(RV_EV_RING_FULL, v->part->id, v->index, dv->ring.size, 0);
	}
	dv->fault_ticks += rdtsc() - t0;
}

bool dirty_vcpu_may_enter(struct vcpu *v)
{
	struct dirty_part *d = &v->part->dirty;
	struct dirty_vcpu *dv = &d->vcpu[v->index];

	if (!d->rings_on)
		return true;
	u32 used = dring_used(&dv->ring);
	if (dv->full_wait) {
		if (used >= dv->ring.size)
			return false;
		dv->full_wait = false; /* the faulting store runs again now */
		if (v->pml_hpa) {
			dirty_pml_drain(v); /* the rest of the PML page first */
			if (dv->full_wait)
				return false;
		}
		trace(RV_TR_RESUME, tag(v), used, 0);
	}
	if (d->soft_limit_on && used >= dv->ring.soft_limit) {
		if (!dv->stopped) {
			/* KVM's KVM_EXIT_DIRTY_RING_FULL, as an event. */
			dv->stopped = true;
			dv->soft_full_stops++;
			trace(RV_TR_SOFT_FULL, tag(v), used, 0);
			event_post(RV_EV_RING_FULL, v->part->id, v->index, used, 0);
		}
		return false;
	}
	if (dv->stopped) {
		dv->stopped = false;
		trace(RV_TR_RESUME, tag(v), used, 0);
	}
	return true;
}

int dirty_set_logging(struct partition *p, u32 id, bool on)
{
	struct dirty_part *d = &p->dirty;
	struct mem_slot *s = &p->slots[id];
	u64 pages = s->size / PAGE_SIZE;

	if (on == !!(d->log_slots & BIT(id)))
		return 0;
	if (on && d->pml_on) {
		/* PML logs a page when its dirty flag goes 0 -> 1: clear them all. */
		__atomic_fetch_or(&d->log_slots, BIT(id), __ATOMIC_SEQ_CST);
		d->pages_protected += ept_clear_dirty(&p->ept, s->gpa, pages);
	} else if (on) {
		if (!d->rings_on) {
			u64 bm_pages = ALIGN_UP((pages + 7) / 8, PAGE_SIZE) / PAGE_SIZE;
			d->bitmap[id] = (u64 *)mm_alloc(bm_pages);
			if (!d->bitmap[id])
				return -RV_ENOMEM;
		}
		/* Set the bit first: a fault on a protected page must find it. */
		__atomic_fetch_or(&d->log_slots, BIT(id), __ATOMIC_SEQ_CST);
		d->pages_protected += ept_track_protect(&p->ept, s->gpa, pages);
	} else {
		if (!d->pml_on)
			ept_track_release(&p->ept, s->gpa, pages);
		__atomic_fetch_and(&d->log_slots, ~BIT(id), __ATOMIC_SEQ_CST);
	}
	/* Before returning, no CPU may still write through an old translation. */
	cpu_flush_ept(p->cpu_mask);
	if (!on && d->bitmap[id]) {
		mm_free((u64)d->bitmap[id], ALIGN_UP((pages + 7) / 8, PAGE_SIZE) / PAGE_SIZE);
		d->bitmap[id] = NULL;
	}
	return 0;
}

int dirty_rings_enable(struct partition *p, u64 entries, u64 flags, struct rv_ring_info *out)
{
	struct dirty_part *d = &p->dirty;
	struct partition *mgmt = partition_mgmt();
	int err;

	bool pml = flags & RV_RING_PML;
	u64 reserve = RV_RING_RESERVE + (pml ? RV_RING_PML_RESERVE : 0);

	if ((err = dring_check_size(entries)))
		return err;
	if (flags & ~(u64)(RV_RING_NO_SOFT_LIMIT | RV_RING_PML))
		return -RV_EINVAL;
	/* PML needs room for a whole PML page above the soft limit: at least
	 * 1024 entries (QEMU's minimum too), and a soft limit to keep it. */
	if (pml && ((flags & RV_RING_NO_SOFT_LIMIT) || entries < 1024))
		return -RV_EINVAL;
	if (pml && !dirty_pml_supported())
		return -RV_EOPNOTSUPP;
	if (d->rings_on)
		return -RV_EEXIST;
	if (d->log_slots) /* the bitmaps are already collecting */
		return -RV_EBUSY;
	if (pml && p->state != PART_CREATED)
		return -RV_EBUSY; /* the EPTP and VMCS controls are set at first entry */
	u64 bytes = entries * sizeof(struct rv_dirty_entry);
	memset(out, 0, sizeof(*out));
	for (u32 i = 0; i < p->nr_vcpus; i++) {
		struct dirty_vcpu *dv = &d->vcpu[i];
		u64 gpa = RV_GPA_RINGS + ((u64)(p->id * RV_MAX_VCPUS + i) << 20);
		dv->ring_pages = bytes / PAGE_SIZE;
		dv->ring_hpa = mm_alloc(dv->ring_pages);
		if (!dv->ring_hpa)
			goto fail;
		if (ept_map(&mgmt->ept, gpa, dv->ring_hpa, dv->ring_pages, EPT_R | EPT_W)) {
			mm_free(dv->ring_hpa, dv->ring_pages);
			dv->ring_hpa = 0;
			goto fail;
		}
		u32 soft = flags & RV_RING_NO_SOFT_LIMIT ? (u32)entries : (u32)(entries - reserve);
		if (pml) {
			dv->pml_hpa = mm_alloc(1);
			if (!dv->pml_hpa)
				goto fail;
			p->vcpus[i]->pml_hpa = dv->pml_hpa;
		}
		dring_init(&dv->ring, (struct rv_dirty_entry *)dv->ring_hpa, (u32)entries, soft, 0);
		out->gpa[i] = gpa;
		out->soft_limit = soft;
	}
	out->nr_rings = p->nr_vcpus;
	out->entries = (u32)entries;
	d->soft_limit_on = !(flags & RV_RING_NO_SOFT_LIMIT);
	d->pml_on = pml;
	store_release(&d->rings_on, true);
	return 0;
fail:
	dirty_teardown(p);
	return -RV_ENOMEM;
}

struct rearm_ctx {
	struct partition *p;
	u64 protected, stale;
};

/* dring_reset's callback: entries come from shared memory, so check them. */
static void rearm(void *c, u32 slot, u64 base, u64 mask)
{
	struct rearm_ctx *ctx = c;
	struct partition *p = ctx->p;

	if (slot >= RV_MAX_SLOTS || !p->slots[slot].used || !(p->dirty.log_slots & BIT(slot))) {
		ctx->stale += popcount64(mask);
		return;
	}
	ctx->stale += dring_clip_batch(base, &mask, p->slots[slot].size / PAGE_SIZE);
	if (!mask)
		return;
	u64 gpa = p->slots[slot].gpa + base * PAGE_SIZE;
	ctx->protected += p->dirty.pml_on ? ept_clear_dirty_mask(&p->ept, gpa, mask)
					  : ept_track_protect_mask(&p->ept, gpa, mask);
}

s64 dirty_rings_reset(struct partition *p)
{
	struct dirty_part *d = &p->dirty;
	struct rearm_ctx ctx = { p, 0, 0 };
	u64 t0 = rdtsc();
	s64 total = 0;

	if (!d->rings_on)
		return -RV_ENOENT;
	spin_lock(&d->reset_lock);
	for (u32 i = 0; i < p->nr_vcpus; i++) {
		u32 n = dring_reset(&d->vcpu[i].ring, rearm, &ctx);
		total += n;
		if (n)
			trace(RV_TR_RESET, p->id << 16 | i, n, dring_used(&d->vcpu[i].ring));
	}
	/* One invalidation for all rings, finished on every CPU before we return. */
	if (total)
		cpu_flush_ept(p->cpu_mask);
	d->resets++;
	d->entries_reset += (u64)total;
	d->pages_protected += ctx.protected;
	d->stale_skipped += ctx.stale;
	d->reset_ticks += rdtsc() - t0;
	spin_unlock(&d->reset_lock);
	/* Held vCPUs re-check their ring before the next entry; kick them. */
	for (u32 i = 0; i < p->nr_vcpus; i++)
		if (d->vcpu[i].stopped || d->vcpu[i].full_wait)
			vcpu_kick(p->vcpus[i]);
	return total;
}

static int bitmap_slot(struct partition *p, u32 slot, u64 *words)
{
	if (slot >= RV_MAX_SLOTS || !p->slots[slot].used)
		return -RV_ENOENT;
	if (p->dirty.rings_on || !p->dirty.bitmap[slot])
		return -RV_EINVAL; /* not logging, or logging into rings */
	*words = (p->slots[slot].size / PAGE_SIZE + 63) / 64;
	return 0;
}

s64 dirty_bitmap_get(struct partition *p, u32 slot, struct vcpu *caller, u64 buf, u64 flags)
{
	u64 words, set = 0, chunk[64];
	int err = bitmap_slot(p, slot, &words);

	if (err)
		return err;
	if (flags & ~(u64)RV_BITMAP_CLEAR)
		return -RV_EINVAL;
	/* Check the whole buffer first: bits we cleared must reach the caller. */
	if (gm_check(caller, buf, words * 8, true))
		return -RV_EFAULT;
	u64 *bm = p->dirty.bitmap[slot];
	for (u64 w = 0; w < words; w += 64) {
		u64 n = MIN(64, words - w);
		for (u64 i = 0; i < n; i++) {
			chunk[i] = flags & RV_BITMAP_CLEAR
					   ? __atomic_exchange_n(&bm[w + i], 0, __ATOMIC_SEQ_CST)
					   : __atomic_load_n(&bm[w + i], __ATOMIC_RELAXED);
			set += popcount64(chunk[i]);
			if ((flags & RV_BITMAP_CLEAR) && chunk[i])
				p->dirty.pages_protected += ept_track_protect_mask(
					&p->ept, p->slots[slot].gpa + (w + i) * 64 * PAGE_SIZE, chunk[i]);
		}
		gm_write(caller, buf + w * 8, chunk, n * 8);
	}
	if (flags & RV_BITMAP_CLEAR)
		cpu_flush_ept(p->cpu_mask);
	return (s64)set;
}

s64 dirty_bitmap_clear(struct partition *p, u32 slot, struct vcpu *caller, u64 buf)
{
	u64 words, cleared = 0, chunk[64];
	int err = bitmap_slot(p, slot, &words);

	if (err)
		return err;
	if (gm_check(caller, buf, words * 8, false))
		return -RV_EFAULT;
	u64 *bm = p->dirty.bitmap[slot];
	for (u64 w = 0; w < words; w += 64) {
		u64 n = MIN(64, words - w);
		gm_read(caller, buf + w * 8, chunk, n * 8);
		for (u64 i = 0; i < n; i++) {
			u64 m = __atomic_fetch_and(&bm[w + i], ~chunk[i], __ATOMIC_SEQ_CST) & chunk[i];
			if (m)
				cleared += ept_track_protect_mask(
					&p->ept, p->slots[slot].gpa + (w + i) * 64 * PAGE_SIZE, m);
		}
	}
	p->dirty.pages_protected += cleared;
	cpu_flush_ept(p->cpu_mask);
	return (s64)cleared;
}

void dirty_stats(struct partition *p, struct rv_dirty_stats *o)
{
	struct dirty_part *d = &p->dirty;

	memset(o, 0, sizeof(*o));
	for (u32 i = 0; i < p->nr_vcpus; i++) {
		struct dirty_vcpu *dv = &d->vcpu[i];
		o->write_faults += READ_ONCE(dv->write_faults);
		o->spurious_faults += READ_ONCE(dv->spurious_faults);
		o->ring_pushes += READ_ONCE(dv->ring_pushes);
		o->bitmap_sets += READ_ONCE(dv->bitmap_sets);
		o->soft_full_stops += READ_ONCE(dv->soft_full_stops);
		o->full_waits += READ_ONCE(dv->full_waits);
		o->fault_ticks += READ_ONCE(dv->fault_ticks);
		o->pml_drains += READ_ONCE(dv->pml_drains);
		o->pml_dropped += READ_ONCE(dv->pml_dropped);
		o->exits += READ_ONCE(p->vcpus[i]->stats.exits_total);
	}
	o->resets = d->resets;
	o->entries_reset = d->entries_reset;
	o->pages_protected = d->pages_protected;
	o->reset_ticks = d->reset_ticks;
	o->stale_skipped = d->stale_skipped;
}

void dirty_teardown(struct partition *p)
{
	struct dirty_part *d = &p->dirty;
	struct partition *mgmt = partition_mgmt();

	for (u32 i = 0; i < RV_MAX_VCPUS; i++) {
		struct dirty_vcpu *dv = &d->vcpu[i];
		if (dv->pml_hpa) {
			mm_free(dv->pml_hpa, 1);
			dv->pml_hpa = 0;
			if (i < p->nr_vcpus)
				p->vcpus[i]->pml_hpa = 0;
		}
		if (!dv->ring_hpa)
			continue;
		ept_unmap(&mgmt->ept, RV_GPA_RINGS + ((u64)(p->id * RV_MAX_VCPUS + i) << 20),
			  dv->ring_pages);
		mm_free(dv->ring_hpa, dv->ring_pages);
		dv->ring_hpa = 0;
	}
	cpu_flush_ept(mgmt->cpu_mask); /* the management partition's view of them */
	for (u32 s = 0; s < RV_MAX_SLOTS; s++)
		if (d->bitmap[s]) {
			u64 pages = p->slots[s].size / PAGE_SIZE;
			mm_free((u64)d->bitmap[s], ALIGN_UP((pages + 7) / 8, PAGE_SIZE) / PAGE_SIZE);
			d->bitmap[s] = NULL;
		}
	d->rings_on = false;
	d->pml_on = false;
	d->log_slots = 0;
}
