// SPDX-License-Identifier: MIT
/*
 * VMCALL: the hypercall dispatcher (ABI in hv/abi/hypercall.h, described
 * in docs/04-hypercalls.md).  VMCALL in VMX non-root operation always
 * exits (Vol. 3C, 26.1.2, Instructions That Cause VM Exits
 * Unconditionally), with basic exit reason 18.
 */
#include "dirtyring/dirty.h"
#include "dirtyring/logbm.h"
#include "exits/exits.h"
#include "lib/lib.h"
#include "lib/x86.h"
#include "partition/guestmem.h"
#include "partition/hc_check.h"
#include "partition/partition.h"
#include "partition/vcpu.h"
#include "platform/console.h"
#include "platform/event.h"
#include "platform/mm.h"
#include "platform/panic.h"
#include "platform/percpu.h"
#include "platform/trace.h"
#include "platform/tsc.h"
#include "vmx/vmx.h"
#include "vplat/vplat.h"

typedef s64 (*hc_fn)(struct vcpu *v, const u64 *a);

static s64 hc_version(struct vcpu *v, const u64 *a) { return RV_ABI_VERSION; }

static s64 hc_console_write(struct vcpu *v, const u64 *a)
{
	char buf[HC_CONSOLE_MAX];
	u64 len = a[1];

	if (len > HC_CONSOLE_MAX)
		return -RV_EINVAL;
	if (gm_read(v, a[0], buf, len))
		return -RV_EFAULT;
	console_guest_write(v->part->id, v->index, buf, len);
	return (s64)len;
}

static s64 hc_vcpu_done(struct vcpu *v, const u64 *a)
{
	if (v->part->is_mgmt)
		return -RV_EINVAL;
	v->done_status = a[0];
	store_release(&v->state, VCPU_DONE);
	event_post(RV_EV_VCPU_DONE, v->part->id, v->index, a[0], 0);
	return 0;
}

static s64 hc_wait_event(struct vcpu *v, const u64 *a)
{
	struct rv_event ev = { .type = RV_EV_TIMEOUT };

	/* Refuse a bad buffer before waiting, not after. */
	if (gm_check(v, a[0], sizeof(ev), true))
		return -RV_EFAULT;
	u64 end = rdtsc() + MIN(a[1], 1ull << 62); /* no overflow in rdtsc() + timeout */
	while (!event_take(&ev)) {
		if (rdtsc() >= end) {
			ev = (struct rv_event){ .type = RV_EV_TIMEOUT, .tsc = rdtsc() };
			break;
		}
		vmx_wait_relax(); /* keep answering EPT invalidation requests */
	}
	return gm_write(v, a[0], &ev, sizeof(ev));
}

static s64 hc_shutdown(struct vcpu *v, const u64 *a)
{
	if (a[0] > 255)
		return -RV_EINVAL;
	machine_shutdown((int)a[0]);
}

static s64 hc_hv_info(struct vcpu *v, const u64 *a)
{
	struct rv_hv_info info = {
		.abi_version = RV_ABI_VERSION,
		.nr_cpus = nr_cpus,
		.partition = v->part->id,
		.vcpu = v->index,
		.tsc = rdtsc(),
		.free_pages = mm_free_pages(),
		.free_cpus = partition_free_cpus(),
		.tsc_khz = tsc_khz(),
	};
	for (u32 i = 0; i < nr_cpus; i++)
		info.vmx_cpus += READ_ONCE(cpus[i].vmx_on);
	return gm_write(v, a[0], &info, sizeof(info));
}

static s64 hc_partition_create(struct vcpu *v, const u64 *a)
{
	struct rv_partition_spec spec;

	if (gm_read(v, a[0], &spec, sizeof(spec)))
		return -RV_EFAULT;
	int err = hc_check_spec(&spec, partition_free_cpus());
	if (err)
		return err;
	int id = partition_create(&spec);
	if (id < 0 || spec.image != RV_IMAGE_LINUX_ABI)
		return id;
	/* Linux: the boot protocol and its platform; on error, nothing stays. */
	err = vplat_linux_create(partition_get((u32)id), &spec);
	if (err) {
		partition_destroy((u32)id);
		return err;
	}
	return id;
}

/*
 * RV_HC_CONSOLE_READ.  The bounce buffer is the management partition's
 * only: its hypercalls run one at a time, on CPU 0.
 */
static s64 hc_console_read(struct vcpu *v, const u64 *a)
{
	static char bounce[RV_CONSOLE_MAX];
	struct partition *p = a[0] > 0xffffffff ? NULL : partition_get((u32)a[0]);
	struct rv_console_read io;

	/* No UART (not Linux, or the management partition): before the
	 * pointer, as docs/04 lists the errors. */
	if (!p || !p->plat)
		return -RV_ENOENT;
	if (gm_read(v, a[1], &io, sizeof(io)))
		return -RV_EFAULT;
	if (io.len > RV_CONSOLE_MAX)
		return -RV_EINVAL;
	int n = vplat_console_read(p, &io, bounce);
	if (n < 0)
		return n;
	if (gm_write(v, io.buf, bounce, (u64)n) || gm_write(v, a[1], &io, sizeof(io)))
		return -RV_EFAULT;
	return n;
}

static s64 hc_partition_start(struct vcpu *v, const u64 *a)
{
	return a[0] > 0xffffffff ? -RV_ENOENT : partition_start((u32)a[0]);
}

static s64 hc_partition_destroy(struct vcpu *v, const u64 *a)
{
	return a[0] > 0xffffffff ? -RV_ENOENT : partition_destroy((u32)a[0]);
}

static s64 hc_vcpu_stats(struct vcpu *v, const u64 *a)
{
	struct partition *p = a[0] > 0xffffffff ? NULL : partition_get((u32)a[0]);

	if (!p)
		return -RV_ENOENT;
	if (a[1] >= p->nr_vcpus)
		return -RV_EINVAL;
	struct rv_vcpu_stats st = p->vcpus[a[1]]->stats; /* a snapshot; may be mid-update */
	return gm_write(v, a[2], &st, sizeof(st));
}

/* A workload partition named by a management call. */
static struct partition *workload(u64 id)
{
	struct partition *p = id > 0xffffffff ? NULL : partition_get((u32)id);
	return p && !p->is_mgmt ? p : NULL;
}

/*
 * vCPU `index` of workload `id`, for the calls that act on one vCPU; NULL
 * with *err = -RV_ENOENT (no such workload) or -RV_EINVAL (no such vCPU).
 */
static struct vcpu *workload_vcpu(u64 id, u64 index, s64 *err)
{
	struct partition *p = workload(id);

	*err = !p ? -RV_ENOENT : index >= p->nr_vcpus ? -RV_EINVAL : 0;
	return *err ? NULL : p->vcpus[index];
}

static s64 hc_slot_set(struct vcpu *v, const u64 *a)
{
	struct partition *p = workload(a[0]);
	struct rv_slot s;

	if (!p)
		return -RV_ENOENT;
	if (gm_read(v, a[1], &s, sizeof(s)))
		return -RV_EFAULT;
	int err = partition_slot_set(p, &s);
	int stuck = partition_check_cpus(p);
	return stuck ? stuck : err;
}

static s64 hc_ring_enable(struct vcpu *v, const u64 *a)
{
	struct partition *p = workload(a[0]);
	struct rv_ring_info info;

	if (!p)
		return -RV_ENOENT;
	if (gm_check(v, a[3], sizeof(info), true))
		return -RV_EFAULT;
	int err = partition_rings_enable(p, a[1], a[2], &info);
	return err ? err : gm_write(v, a[3], &info, sizeof(info));
}

static s64 hc_ring_reset(struct vcpu *v, const u64 *a)
{
	struct partition *p = workload(a[0]);
	if (!p)
		return -RV_ENOENT;
	if (a[1] > RV_RING_RESET_MAX)
		return -RV_EINVAL;
	s64 n = dirty_rings_reset(&p->dirty, a[1] ? (u32)a[1] : RV_RING_RESET_MAX);
	int stuck = partition_check_cpus(p);
	return stuck ? stuck : n;
}

/*
 * The bitmap calls move a slot's dirty bitmap between the hypervisor and
 * the caller 64 words at a time (a bit per page, bit i of word w is page
 * 64w + i).  *words gets the bitmap's length.
 */
static struct partition *bitmap_of(const u64 *a, bool backup, u32 *slot, s64 *words)
{
	struct partition *p = workload(a[0]);

	*slot = a[1] > 0xffff ? 0xffff : (u32)a[1];
	*words = p ? dirty_bitmap_words(&p->dirty, *slot, backup) : -RV_ENOENT;
	return *words < 0 ? NULL : p;
}

static s64 hc_bitmap_get(struct vcpu *v, const u64 *a)
{
	u64 buf = a[2], flags = a[3], chunk[64], set = 0;
	u32 slot;
	s64 words;
	/* The id and slot first, as every call that takes them (fuzz.c). */
	struct partition *p = bitmap_of(a, flags & RV_BITMAP_BACKUP, &slot, &words);

	if (!p)
		return words;
	if (flags & ~(u64)(RV_BITMAP_CLEAR | RV_BITMAP_BACKUP))
		return -RV_EINVAL;
	/* Check the whole buffer first: bits we cleared must reach the caller. */
	if (gm_check(v, buf, (u64)words * 8, true))
		return -RV_EFAULT;
	for (u64 w = 0; w < (u64)words; w += 64) {
		u64 n = MIN(64, (u64)words - w);
		set += dirty_bitmap_take(&p->dirty, slot, w, n, flags & RV_BITMAP_CLEAR, chunk);
		gm_write(v, buf + w * 8, chunk, n * 8);
	}
	if (flags & RV_BITMAP_CLEAR)
		dirty_flush(&p->dirty);
	int stuck = partition_check_cpus(p);
	return stuck ? stuck : (s64)set;
}

static s64 hc_bitmap_clear(struct vcpu *v, const u64 *a)
{
	u64 buf = a[2], chunk[64], cleared = 0;
	u32 slot;
	s64 words;
	struct partition *p = bitmap_of(a, false, &slot, &words);

	if (!p)
		return words;
	if (gm_check(v, buf, (u64)words * 8, false))
		return -RV_EFAULT;
	for (u64 w = 0; w < (u64)words; w += 64) {
		u64 n = MIN(64, (u64)words - w);
		gm_read(v, buf + w * 8, chunk, n * 8);
		cleared += dirty_bitmap_clear(&p->dirty, slot, w, n, chunk);
	}
	dirty_flush(&p->dirty);
	int stuck = partition_check_cpus(p);
	return stuck ? stuck : (s64)cleared;
}

/*
 * 1.5: clear and arm the pages of [first_page, first_page + num_pages)
 * whose bits are set in buf (bit i of word w: page first_page + 64w + i),
 * the manual protection of lazy logging (RV_SLOT_LOG_LAZY).  One
 * invalidation for the call, not one per page or word.
 */
static s64 hc_bitmap_clear_range(struct vcpu *v, const u64 *a)
{
	u64 first_page = a[2], num_pages = a[3], buf = a[4], flags = a[5], chunk[64], armed = 0;
	u32 slot;
	s64 words;
	/* The id and slot first, as every call that takes them (fuzz.c). */
	struct partition *p = bitmap_of(a, flags & RV_BITMAP_BACKUP, &slot, &words);

	if (!p)
		return words;
	if (flags & ~(u64)RV_BITMAP_BACKUP)
		return -RV_EINVAL;
	int bad = hc_check_clear_range(first_page, num_pages, slot_pages(&p->slots[slot]));
	if (bad)
		return bad;
	u64 n_words = logbm_words(num_pages);
	/* Read the whole buffer's pages first: a bad one clears nothing. */
	if (gm_check(v, buf, n_words * 8, false))
		return -RV_EFAULT;
	for (u64 w = 0; w < n_words; w += 64) {
		u64 n = MIN(64, n_words - w);
		gm_read(v, buf + w * 8, chunk, n * 8);
		/* A range ending at the slot's end: no bit past its last page. */
		if (w + n == n_words)
			chunk[n - 1] &= logbm_tail_mask(num_pages);
		armed += dirty_bitmap_clear(&p->dirty, slot, first_page / 64 + w, n, chunk);
	}
	if (armed)
		dirty_flush(&p->dirty);
	int stuck = partition_check_cpus(p);
	return stuck ? stuck : (s64)armed;
}

static s64 hc_vcpu_pause(struct vcpu *v, const u64 *a)
{
	s64 err;
	struct vcpu *t = workload_vcpu(a[0], a[1], &err);

	return t ? vcpu_pause_sync(t) : err;
}

static s64 hc_vcpu_resume(struct vcpu *v, const u64 *a)
{
	s64 err;
	struct vcpu *t = workload_vcpu(a[0], a[1], &err);

	if (t)
		vcpu_resume(t);
	return err;
}

static s64 hc_map(struct vcpu *v, const u64 *a)
{
	struct partition *p = workload(a[0]);
	return p ? partition_map(p, a[1] > 0xffff ? 0xffff : (u32)a[1], a[2]) : -RV_ENOENT;
}

static s64 hc_dirty_stats(struct vcpu *v, const u64 *a)
{
	struct partition *p = workload(a[0]);
	struct rv_dirty_stats st;

	if (!p)
		return -RV_ENOENT;
	dirty_stats(&p->dirty, &st);
	for (u32 i = 0; i < p->nr_vcpus; i++)
		st.exits += READ_ONCE(p->vcpus[i]->stats.exits_total);
	return gm_write(v, a[1], &st, sizeof(st));
}

static s64 hc_trace(struct vcpu *v, const u64 *a)
{
	struct rv_trace_rec recs[32];
	u64 lost;

	switch (a[0]) {
	case RV_TRACE_ENABLE:
	case RV_TRACE_DISABLE:
		trace_enable(a[0] == RV_TRACE_ENABLE);
		return 0;
	case RV_TRACE_READ:
		if (a[2] == 0 || a[2] > 32)
			return -RV_EINVAL;
		if (gm_check(v, a[1], a[2] * sizeof(recs[0]), true))
			return -RV_EFAULT;
		u32 n = trace_read(recs, (u32)a[2], &lost);
		if (lost)
			hv_printf("trace: %lu records overwritten before they were read\n", lost);
		int err = gm_write(v, a[1], recs, n * sizeof(recs[0]));
		return err ? err : (s64)n;
	default:
		return -RV_EINVAL;
	}
}

static s64 hc_vcpu_get_state(struct vcpu *v, const u64 *a)
{
	s64 err;
	struct vcpu *t = workload_vcpu(a[0], a[1], &err);

	if (!t)
		return err;
	if (gm_check(v, a[2], sizeof(struct rv_vcpu_state), true))
		return -RV_EFAULT;
	err = vcpu_save_sync(t);
	if (err)
		return err;
	/* A Linux vCPU's platform part (1.6): held, its owner leaves it alone. */
	if (t->part->plat)
		vplat_vcpu_save(t->part, t->index, &t->saved.plat);
	return gm_write(v, a[2], &t->saved, sizeof(struct rv_vcpu_state));
}

static bool all_zero(const void *p, u64 n)
{
	for (u64 i = 0; i < n; i++)
		if (((const u8 *)p)[i])
			return false;
	return true;
}

static s64 hc_vcpu_set_state(struct vcpu *v, const u64 *a)
{
	s64 err;
	struct vcpu *t = workload_vcpu(a[0], a[1], &err);

	if (!t)
		return err;
	if (t->part->state != PART_CREATED)
		return -RV_EBUSY; /* only before its first VM entry */
	struct rv_vcpu_state st; /* all or nothing: a fault half-way changes nothing */
	if (gm_read(v, a[2], &st, sizeof(st)))
		return -RV_EFAULT;
	struct partition *p = t->part;
	/* A Linux guest sets its own XCR0 (vplat_xsetbv); ours cannot. */
	if (vmx_check_state(&st, p->plat != NULL))
		return -RV_EINVAL; /* loading it would fault in the hypervisor */
	if (p->plat ? vplat_vcpu_check(p, t->index, &st) : !all_zero(&st.plat, sizeof(st.plat)))
		return -RV_EINVAL; /* the platform would choke on it, or there is none */
	t->vmx.init_state = st;
	t->vmx.has_init_state = true;
	if (p->plat)
		vplat_vcpu_restore(p, t->index, &st.plat);
	return 0;
}

/*
 * 1.6: a Linux partition's devices.  Read with every vCPU held (paused,
 * stopped, or not started), so the state goes with theirs; written only
 * before the partition starts.
 */
static bool vcpu_held(struct vcpu *t)
{
	u32 s = load_acquire(&t->state);

	return s == VCPU_PAUSED || vcpu_state_is_final(s) ||
	       (s == VCPU_NEW && !(load_acquire(&t->requests) & VREQ_RUN));
}

static s64 hc_platform_get_state(struct vcpu *v, const u64 *a)
{
	struct partition *p = workload(a[0]);
	struct rv_platform_state st;

	if (!p || !p->plat)
		return -RV_ENOENT;
	if (gm_check(v, a[1], sizeof(st), true))
		return -RV_EFAULT;
	for (u32 i = 0; i < p->nr_vcpus; i++)
		if (!vcpu_held(p->vcpus[i]))
			return -RV_EBUSY;
	vplat_save(p, &st);
	return gm_write(v, a[1], &st, sizeof(st));
}

static s64 hc_platform_set_state(struct vcpu *v, const u64 *a)
{
	struct partition *p = workload(a[0]);
	struct rv_platform_state st;

	if (!p || !p->plat)
		return -RV_ENOENT;
	if (p->state != PART_CREATED)
		return -RV_EBUSY;
	if (gm_read(v, a[1], &st, sizeof(st)))
		return -RV_EFAULT;
	if (vplat_check(p, &st))
		return -RV_EINVAL;
	vplat_restore(p, &st);
	return 0;
}

static s64 hc_partition_watchdog(struct vcpu *v, const u64 *a)
{
	struct partition *p = workload(a[0]);

	if (!p)
		return -RV_ENOENT;
	if (a[1] > RV_WATCHDOG_MAX)
		return -RV_EINVAL;
	if (p->state != PART_CREATED)
		return -RV_EBUSY; /* the timer control is set when a vCPU first loads */
	if (a[1] && !vmx_has_preemption_timer())
		return -RV_EOPNOTSUPP;
	/* A Linux guest makes no hypercalls to feed it; its timer owns the clock. */
	if (p->plat)
		return -RV_EINVAL;
	for (u32 i = 0; i < p->nr_vcpus; i++) {
		struct vcpu *t = p->vcpus[i];
		t->watchdog = t->vmx.timer_left = a[1];
		t->vmx.use_timer = a[1] != 0;
	}
	return 0;
}

/* 1.7: a vCPU's dirty-rate limit (hv/abi/hypercall.h, docs/04-hypercalls.md). */
static s64 hc_dirty_limit(struct vcpu *v, const u64 *a)
{
	struct partition *p = a[0] > 0xffffffff ? NULL : partition_get((u32)a[0]);

	if (p && p->is_mgmt)
		return -RV_EPERM; /* it would hold the one that harvests and copies */
	if (!p)
		return -RV_ENOENT;
	if (a[1] != RV_DIRTY_ALL_VCPUS && a[1] >= p->nr_vcpus)
		return -RV_EINVAL;
	int err = hc_check_dirty_limit(a[2], tsc_khz());
	if (err)
		return err;
	/* Kicked: a vCPU that logs without exits (PML) takes it at once. */
	for (u32 i = 0; i < p->nr_vcpus; i++)
		if (a[1] == RV_DIRTY_ALL_VCPUS || a[1] == i) {
			dirty_set_limit(&p->dirty, i, a[2]);
			vcpu_kick(p->vcpus[i]);
		}
	return 0;
}

static s64 hc_dirty_rate(struct vcpu *v, const u64 *a)
{
	struct rv_dirty_rate out;
	s64 err;
	struct vcpu *t = workload_vcpu(a[0], a[1], &err);

	if (!t)
		return err;
	if (gm_check(v, a[2], sizeof(out), true))
		return -RV_EFAULT; /* before the sample: a refused call changes nothing */
	dirty_rate(&t->part->dirty, t->index, &out);
	return gm_write(v, a[2], &out, sizeof(out));
}

static const struct {
	const char *name;
	hc_fn fn;
} hc_table[RV_HC_NR_CALLS] = {
	[RV_HC_VERSION] = { "version", hc_version },
	[RV_HC_CONSOLE_WRITE] = { "console_write", hc_console_write },
	[RV_HC_VCPU_DONE] = { "vcpu_done", hc_vcpu_done },
	[RV_HC_WAIT_EVENT] = { "wait_event", hc_wait_event },
	[RV_HC_SHUTDOWN] = { "shutdown", hc_shutdown },
	[RV_HC_HV_INFO] = { "hv_info", hc_hv_info },
	[RV_HC_PARTITION_CREATE] = { "partition_create", hc_partition_create },
	[RV_HC_CONSOLE_READ] = { "console_read", hc_console_read },
	[RV_HC_PARTITION_START] = { "partition_start", hc_partition_start },
	[RV_HC_PARTITION_DESTROY] = { "partition_destroy", hc_partition_destroy },
	[RV_HC_VCPU_STATS] = { "vcpu_stats", hc_vcpu_stats },
	[RV_HC_SLOT_SET] = { "slot_set", hc_slot_set },
	[RV_HC_RING_ENABLE] = { "ring_enable", hc_ring_enable },
	[RV_HC_RING_RESET] = { "ring_reset", hc_ring_reset },
	[RV_HC_BITMAP_GET] = { "bitmap_get", hc_bitmap_get },
	[RV_HC_BITMAP_CLEAR] = { "bitmap_clear", hc_bitmap_clear },
	[RV_HC_VCPU_PAUSE] = { "vcpu_pause", hc_vcpu_pause },
	[RV_HC_VCPU_RESUME] = { "vcpu_resume", hc_vcpu_resume },
	[RV_HC_MAP] = { "map", hc_map },
	[RV_HC_DIRTY_STATS] = { "dirty_stats", hc_dirty_stats },
	[RV_HC_TRACE] = { "trace", hc_trace },
	[RV_HC_VCPU_GET_STATE] = { "vcpu_get_state", hc_vcpu_get_state },
	[RV_HC_VCPU_SET_STATE] = { "vcpu_set_state", hc_vcpu_set_state },
	[RV_HC_PARTITION_WATCHDOG] = { "partition_watchdog", hc_partition_watchdog },
	[RV_HC_BITMAP_CLEAR_RANGE] = { "bitmap_clear_range", hc_bitmap_clear_range },
	[RV_HC_PLATFORM_GET_STATE] = { "platform_get_state", hc_platform_get_state },
	[RV_HC_PLATFORM_SET_STATE] = { "platform_set_state", hc_platform_set_state },
	[RV_HC_DIRTY_LIMIT] = { "dirty_limit", hc_dirty_limit },
	[RV_HC_DIRTY_RATE] = { "dirty_rate", hc_dirty_rate },
};

enum exit_action exit_vmcall(struct vcpu *v, const struct vmx_exit *e)
{
	struct guest_regs *r = &v->vmx.regs;
	const u64 args[6] = { r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9 };
	u64 nr = r->rax;
	s64 ret;

	/* A Linux guest sees no hypercalls: VMCALL is #UD (a fault: RIP stays
	 * on it), as on a processor without VMX. */
	if (v->part->plat) {
		vplat_refuse(v, e, 6);
		return EXIT_RESUME;
	}
	vmx_skip_instruction(e);
	if (v->watchdog)
		v->vmx.timer_left = v->watchdog; /* a hypercall, even a refused one, feeds it */
	/* Only the guest kernel (CPL 0) may call. */
	if (vmx_guest_cpl() != 0)
		ret = -RV_EPERM;
	else if (nr >= RV_HC_NR_CALLS || !hc_table[nr].fn)
		ret = -RV_ENOSYS;
	else if (hc_is_privileged(nr) && !v->part->is_mgmt)
		ret = -RV_EPERM;
	else
		ret = hc_table[nr].fn(v, args);
	hv_debug("hypercall %s(%lx, %lx, %lx) = %ld\n",
		 nr < RV_HC_NR_CALLS && hc_table[nr].name ? hc_table[nr].name : "?", args[0],
		 args[1], args[2], ret);
	r->rax = (u64)ret;
	return v->state == VCPU_RUNNING ? EXIT_RESUME : EXIT_STOP;
}
