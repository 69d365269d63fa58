// SPDX-License-Identifier: MIT
#include "track.h"

#define DONE_WAIT_MS 20000

static uint64_t alloc_used; /* bytes of our data slot handed out */

void *mgmt_alloc(uint64_t bytes)
{
	const struct rv_guest_boot *b = guest_boot();
	uint64_t at = (alloc_used + 4095) & ~4095ull;

	if (at + bytes > b->data_size)
		return NULL;
	alloc_used = at + bytes;
	memset((void *)(b->data_gpa + at), 0, bytes);
	return (void *)(b->data_gpa + at);
}

void mgmt_alloc_reset(void) { alloc_used = 0; }

bool track_mode_parse(const char *s, enum track_mode *out)
{
	if (!strcmp(s, "ring"))
		*out = MODE_RING;
	else if (!strcmp(s, "ring-wait"))
		*out = MODE_RING_WAIT;
	else if (!strcmp(s, "bitmap"))
		*out = MODE_BITMAP;
	else if (!strcmp(s, "pml"))
		*out = MODE_PML;
	else
		return false;
	return true;
}

bool track_protect_parse(const char *s, bool *lazy)
{
	if (!strcmp(s, "eager"))
		*lazy = false;
	else if (!strcmp(s, "lazy"))
		*lazy = true;
	else
		return false;
	return true;
}

bool track_ept_parse(struct scenario_run *run, uint32_t *slot_flags)
{
	const char *pages = param_str(run, "ept"), *split = param_str(run, "split");
	bool small = !strcmp(pages, "small"), eager = !strcmp(split, "eager");

	if ((!small && strcmp(pages, "huge")) || (!eager && strcmp(split, "lazy"))) {
		result_fail(run, "reason=bad-value ept=%s split=%s (huge|small, lazy|eager)", pages,
			    split);
		return false;
	}
	*slot_flags = (small ? RV_SLOT_SMALL_PAGES : 0) | (eager ? RV_SLOT_SPLIT_EAGER : 0);
	return true;
}

bool track_create_spec(struct scenario_run *run, struct tracked *t,
		       const struct rv_partition_spec *spec, enum track_mode mode, uint64_t ring)
{
	uint64_t mem_mib = spec->data_mib;
	long rc;

	memset(t, 0, sizeof(*t));
	t->mode = mode;
	t->vcpus = spec->nr_vcpus;
	t->npages = mem_mib << 8;
	t->total_pages = t->npages;
	if (mem_mib == 0 || mem_mib > RV_DATA_MIB_MAX) {
		result_fail(run, "reason=bad-value mem=%lu (1..%d)", mem_mib, RV_DATA_MIB_MAX);
		return false;
	}
	/* Room for every slot's pages: all_slots may be set later. */
	uint64_t words = (t->npages + TRACK_SYS_PAGES + 63) / 64;
	t->dirty = mgmt_alloc(words * 8);
	t->bmbuf = mgmt_alloc(words * 8);
	if (!t->dirty || !t->bmbuf) {
		result_fail(run, "reason=mgmt-memory pages=%lu", t->npages);
		return false;
	}
	t->id = hc_partition_create(spec);
	if (t->id < 0) {
		result_fail(run, "reason=create err=%ld vcpus=%u", t->id, t->vcpus);
		return false;
	}
	/* A data slot larger than a window (perf only) is not mapped: t->data NULL. */
	bool window = mem_mib <= WIN_DATA_MAX_MIB;
	if ((rc = hc_map(t->id, 0, WIN_SYS(t->id))) ||
	    (window && (rc = hc_map(t->id, 1, WIN_DATA(t->id))))) {
		result_fail(run, "reason=map err=%ld", rc);
		return false;
	}
	t->sys = (volatile uint8_t *)WIN_SYS(t->id);
	t->data = window ? (volatile uint8_t *)WIN_DATA(t->id) : NULL;
	if (mode != MODE_BITMAP) {
		uint64_t flags = mode == MODE_RING_WAIT ? RV_RING_NO_SOFT_LIMIT
				 : mode == MODE_PML	 ? RV_RING_PML
							 : 0;
		rc = hc_ring_enable(t->id, ring, flags, &t->rings);
		if (rc == -RV_EOPNOTSUPP && mode == MODE_PML) {
			/* The hypervisor's "vmx: no PML" line at boot says why. */
			result_skip(run, "reason=pml-unsupported err=%ld", rc);
			return false;
		}
		if (rc) {
			result_fail(run, "reason=ring-enable err=%ld ring=%lu", rc, ring);
			return false;
		}
	}
	return true;
}

bool track_create(struct scenario_run *run, struct tracked *t, enum work_test test,
		  enum track_mode mode,
		  uint32_t vcpus, uint64_t mem_mib, uint64_t ring, uint64_t seed,
		  enum work_value value, uint64_t span)
{
	struct rv_partition_spec spec = {
		.image = RV_IMAGE_WORK_ABI, .nr_vcpus = vcpus, .data_mib = mem_mib,
		.args = { test, seed, value, span },
	};

	if (!track_create_spec(run, t, &spec, mode, ring))
		return false;
	t->ctrl = (struct work_ctrl *)(WIN_SYS(t->id) + WORK_CTRL_GPA);
	return true;
}

uint64_t track_log_exits(const struct tracked *t)
{
	struct rv_vcpu_stats vs;
	uint64_t n = 0;

	for (uint32_t v = 0; v < t->vcpus; v++)
		if (!hc_vcpu_stats((uint64_t)t->id, v, &vs))
			n += vs.exits[RV_EXIT_EPT_VIOLATION] + vs.exits[RV_EXIT_PML_FULL];
	return n;
}

bool track_log_on(struct scenario_run *run, struct tracked *t)
{
	struct rv_slot s = {.id = 1,
			    .flags = RV_SLOT_LOG_DIRTY | (t->lazy ? RV_SLOT_LOG_LAZY : 0) |
				     t->slot_flags,
			    .gpa = RV_GPA_DATA,
			    .size = t->npages * 4096};
	long rc = hc_slot_set(t->id, &s);

	if (!rc && t->all_slots) {
		/* The data slot first: a write to slot 0 meanwhile is in the
		 * initial copy, which starts after we return. */
		s.id = 0;
		s.gpa = 0;
		s.size = RV_SYS_SLOT_SIZE;
		rc = hc_slot_set(t->id, &s);
		t->total_pages = t->npages + TRACK_SYS_PAGES;
	}
	if (rc)
		result_fail(run, "reason=log-on err=%ld slot=%u", rc, s.id);
	return !rc;
}

/*
 * The consumer side of one ring, strictly in order: acquire-load flags
 * until an entry is not exactly DIRTY, read it, then release-store
 * DIRTY|RESET (KVM's Documentation/virt/kvm/api.rst, "dirty ring").
 * "Exactly": an entry we harvested but the hypervisor has not reset yet
 * still has DIRTY set; after a full lap of a full ring, that is the next
 * entry we look at, and it must stop us, not be harvested again.
 *
 * harvest_run is the loop for good entries (slot 1 with an offset inside
 * it, or with all_slots slot 0 inside the system slot): it calls nothing,
 * so the ring, its end, the slots' sizes and the bitmap stay in registers;
 * per entry it does the acquire load, reads slot and offset, sets the
 * page's bit and release-stores, nothing more (docs/09, "Where the ticks
 * go").  It stops at the first entry that is not DIRTY or not good and
 * returns it.  harvest_ring then looks at that entry again, with the
 * handshake of its own (acquire load, then slot and offset): not DIRTY,
 * the harvest is over; DIRTY and good, the producer pushed it after
 * harvest_run's load, and the run goes on; DIRTY and bad, it is reported
 * and marked.  A lap ends at an entry we harvested ourselves, so a run is
 * bounded by the ring's size.
 */

/* The bit of (slot, off) in t->dirty: data pages first, then the system
 * slot's (track.h); false for an entry naming anything else.  sys_pages
 * is 0 unless slot 0 is logged. */
static inline bool harvest_bit(uint32_t slot, uint64_t off, uint64_t npages, uint64_t sys_pages,
			       uint64_t *bit)
{
	if (slot == 1 && off < npages)
		*bit = off;
	else if (slot == 0 && off < sys_pages)
		*bit = npages + off;
	else
		return false;
	return true;
}

static struct rv_dirty_entry *harvest_run(struct rv_dirty_entry *e, struct rv_dirty_entry *ring,
					  struct rv_dirty_entry *end, uint64_t npages,
					  uint64_t sys_pages, uint64_t *dirty, uint32_t *n)
{
	struct rv_dirty_entry *from = e; /* entries taken: e - from, plus a lap's */
	uint64_t bit;

	while (load_acquire(&e->flags) == RV_DIRTY_FLAG_DIRTY &&
	       harvest_bit(e->slot, e->offset, npages, sys_pages, &bit)) {
		set_bit64(dirty, bit);
		store_release(&e->flags, RV_DIRTY_FLAG_DIRTY | RV_DIRTY_FLAG_RESET);
		if (++e == end) {
			*n += (uint32_t)(e - from);
			e = from = ring;
		}
	}
	*n += (uint32_t)(e - from);
	return e;
}

static uint64_t harvest_ring(struct tracked *t, uint32_t v)
{
	struct rv_dirty_entry *ring = (struct rv_dirty_entry *)t->rings.gpa[v];
	struct rv_dirty_entry *end = ring + t->rings.entries;
	struct rv_dirty_entry *e = &ring[t->fetch[v] & (t->rings.entries - 1)];
	uint64_t sys_pages = t->all_slots ? TRACK_SYS_PAGES : 0, bit;
	uint32_t n = 0;

	for (;;) {
		e = harvest_run(e, ring, end, t->npages, sys_pages, t->dirty, &n);
		if (load_acquire(&e->flags) != RV_DIRTY_FLAG_DIRTY)
			break;
		if (harvest_bit(e->slot, e->offset, t->npages, sys_pages, &bit))
			continue; /* pushed after harvest_run's load: a good one */
		gprintf("harvest: ring %u entry %u names slot %u offset %lu\n", v,
			t->fetch[v] + n, e->slot, e->offset);
		t->bad_entries++;
		store_release(&e->flags, RV_DIRTY_FLAG_DIRTY | RV_DIRTY_FLAG_RESET);
		n++;
		if (++e == end)
			e = ring;
	}
	t->fetch[v] += n;
	return n;
}

uint64_t track_harvest(struct scenario_run *run, struct tracked *t)
{
	uint64_t n = 0;

	for (uint32_t v = 0; v < t->vcpus; v++)
		n += harvest_ring(t, v);
	t->harvested += n;
	t->unreset += n;
	return n;
}

long track_reset_calls(struct tracked *t, uint64_t max, uint64_t *calls)
{
	/* Each call resets at most max (RV_RING_RESET_MAX) entries of our
	 * t->unreset; a bound on the calls, should RV_RING_RESET_MORE lie. */
	uint64_t bound = max ? max : RV_RING_RESET_MAX;
	uint64_t limit = t->unreset / bound + t->vcpus + 2, total = 0;
	long rc;

	do {
		rc = hc_ring_reset(t->id, max);
		if (rc < 0)
			return rc;
		total += (uint64_t)rc & ~RV_RING_RESET_MORE;
		t->resets++;
		(*calls)++;
	} while ((uint64_t)rc & RV_RING_RESET_MORE && --limit);
	return rc & RV_RING_RESET_MORE ? -RV_EAGAIN : (long)total;
}

bool track_reset(struct scenario_run *run, struct tracked *t)
{
	uint64_t calls = 0;
	long rc = track_reset_calls(t, 0, &calls);

	if (rc < 0 || (uint64_t)rc != t->unreset) {
		result_fail(run, "reason=reset rc=%ld harvested=%lu calls=%lu", rc, t->unreset,
			    calls);
		return false;
	}
	t->unreset = 0;
	return true;
}

/*
 * Lazy protection's consumer, KVM's manual protection: get the bitmap
 * without clearing it, then clear and arm it range by range with the bits
 * we got.  Our caller reads the pages only after we return, so after the
 * clear that armed them: a write between our get and a clear found its
 * page writable and still set, and is in what the caller reads.  The
 * pages set, or -1 (run failed).
 */
static long collect_ranges_slot(struct scenario_run *run, struct tracked *t, bool rings,
				uint32_t slot)
{
	uint64_t flags = rings ? RV_BITMAP_BACKUP : 0;
	uint64_t pages = slot ? t->npages : TRACK_SYS_PAGES;
	uint64_t *bm = slot ? t->bmbuf : t->bmbuf + t->npages / 64;
	long rc = hc_bitmap_get(t->id, slot, bm, flags);

	if (rc < 0) {
		result_fail(run, "reason=bitmap-get err=%ld backup=%d lazy=1 slot=%u", rc, rings,
			    slot);
		return -1;
	}
	for (uint64_t first = 0; first < pages; first += TRACK_RANGE_PAGES) {
		uint64_t num = pages - first < TRACK_RANGE_PAGES ? pages - first : TRACK_RANGE_PAGES;
		uint64_t any = 0;
		for (uint64_t w = first / 64; w < (first + num + 63) / 64; w++)
			any |= bm[w];
		if (!any)
			continue; /* nothing set: nothing to arm, no call */
		long n = hc_bitmap_clear_range(t->id, slot, first, num, &bm[first / 64], flags);
		if (n < 0) {
			result_fail(run, "reason=clear-range err=%ld slot=%u first=%lu num=%lu", n,
				    slot, first, num);
			return -1;
		}
		t->range_clears++;
	}
	return rc;
}

/* npages is a multiple of 256 (whole MiB): slot 0's bits start on a word. */
static void merge_bmbuf(struct tracked *t)
{
	for (uint64_t w = 0; w < (t->total_pages + 63) / 64; w++)
		t->dirty[w] |= t->bmbuf[w];
}

static long collect_ranges(struct scenario_run *run, struct tracked *t, bool rings)
{
	long rc = collect_ranges_slot(run, t, rings, 1), rc0 = 0;

	if (rc >= 0 && t->all_slots)
		rc0 = collect_ranges_slot(run, t, rings, 0);
	if (rc < 0 || rc0 < 0)
		return -1;
	merge_bmbuf(t);
	return rc + rc0;
}

/* Get (and clear) a slot's bitmap into its part of bmbuf: pages set, or -1. */
static long get_clear(struct scenario_run *run, struct tracked *t, bool rings, uint32_t slot)
{
	uint64_t *bm = slot ? t->bmbuf : t->bmbuf + t->npages / 64;
	long rc = hc_bitmap_get(t->id, slot, bm, RV_BITMAP_CLEAR | (rings ? RV_BITMAP_BACKUP : 0));

	if (rc < 0)
		result_fail(run, "reason=bitmap-get err=%ld backup=%d slot=%u", rc, rings, slot);
	return rc < 0 ? -1 : rc;
}

bool track_collect(struct scenario_run *run, struct tracked *t)
{
	bool rings = t->mode != MODE_BITMAP;

	if (rings) {
		track_harvest(run, t);
		if (!track_reset(run, t))
			return false;
	}
	if (t->lazy && (!rings || !t->initial_taken)) {
		long n = collect_ranges(run, t, rings);
		if (n < 0)
			return false;
		if (!t->initial_taken)
			t->initial_pages = (uint64_t)n;
		else
			t->harvested += (uint64_t)n;
		t->initial_taken = true;
		return true;
	}
	long rc = get_clear(run, t, rings, 1), rc0 = 0;
	if (rc >= 0 && t->all_slots)
		rc0 = get_clear(run, t, rings, 0);
	if (rc < 0 || rc0 < 0)
		return false;
	rc += rc0;
	merge_bmbuf(t);
	if (rings)
		t->backup_pages += (uint64_t)rc;
	else
		t->harvested += (uint64_t)rc;
	return true;
}

bool track_pause_all(struct scenario_run *run, struct tracked *t)
{
	for (uint32_t v = 0; v < t->vcpus; v++) {
		long rc = hc_vcpu_pause(t->id, v);
		if (rc) {
			result_fail(run, "reason=pause vcpu=%u err=%ld", v, rc);
			return false;
		}
	}
	return true;
}

bool track_resume_all(struct scenario_run *run, struct tracked *t)
{
	for (uint32_t v = 0; v < t->vcpus; v++) {
		long rc = hc_vcpu_resume(t->id, v);
		if (rc) {
			result_fail(run, "reason=resume vcpu=%u err=%ld", v, rc);
			return false;
		}
	}
	return true;
}

bool track_start(struct scenario_run *run, struct tracked *t)
{
	long rc = hc_partition_start((uint64_t)t->id);

	if (rc)
		result_fail(run, "reason=start err=%ld", rc);
	t->started = !rc;
	return t->started;
}


bool track_costs(struct scenario_run *run, struct tracked *t, struct rv_dirty_stats *st,
		 uint64_t *log_exits, uint64_t *newly)
{
	if (hc_dirty_stats((uint64_t)t->id, st)) {
		result_fail(run, "reason=stats");
		return false;
	}
	*log_exits = track_log_exits(t) - t->exits_before_log;
	*newly = st->ring_pushes + st->bitmap_sets ? st->ring_pushes + st->bitmap_sets : 1;
	return true;
}

uint64_t track_writes(const struct tracked *t)
{
	uint64_t n = 0;
	for (uint32_t v = 0; t->ctrl && v < t->vcpus; v++)
		n += load_relaxed(&t->ctrl->writes[v]);
	return n;
}

void track_finish(struct scenario_run *run, struct tracked *t)
{
	struct rv_event ev;
	uint32_t done = 0;

	if (t->id <= 0)
		return;
	if (t->ctrl && t->started) {
		store_release(&t->ctrl->stop, 1);
		track_resume_all(run, t);
		/*
		 * Held vCPUs (full rings) need their rings emptied to see
		 * stop: harvest and reset.  Not the backup bitmap: the slot
		 * may no longer be logged (perf switches logging off first),
		 * and its pages are of no use now.
		 */
		while (done < t->vcpus) {
			if (t->mode != MODE_BITMAP) {
				track_harvest(run, t);
				track_reset(run, t);
			}
			long rc = hc_wait_event(&ev, ms_ticks(DONE_WAIT_MS));
			if (rc || ev.type == RV_EV_TIMEOUT) {
				result_fail(run, "reason=finish-timeout done=%u/%u", done, t->vcpus);
				break;
			}
			if (ev.partition != t->id)
				continue;
			if (ev.type == RV_EV_VCPU_DONE) {
				done++;
				if (ev.arg)
					result_fail(run, "reason=status vcpu=%u status=%lu", ev.vcpu,
						    ev.arg);
			} else if (ev.type == RV_EV_VCPU_FAULT) {
				result_fail(run, "reason=fault vcpu=%u exit=%lu info=0x%lx", ev.vcpu,
					    ev.arg, ev.info);
				break;
			}
		}
	}
	long rc = hc_partition_destroy(t->id);
	if (rc)
		result_fail(run, "reason=destroy err=%ld", rc);
	t->id = 0;
}
