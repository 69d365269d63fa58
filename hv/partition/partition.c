// SPDX-License-Identifier: MIT
#include "dirtyring/dirty.h"
#include "lib/lib.h"
#include "lib/spinlock.h"
#include "lib/x86.h"
#include "partition/hc_check.h"
#include "partition/partition.h"
#include "partition/vcpu.h"
#include "platform/console.h"
#include "platform/event.h"
#include "platform/mm.h"
#include "platform/panic.h"
#include "platform/percpu.h"
#include "platform/smp.h"
#include "platform/tsc.h"
#include "vmx/vmx.h"

/* Owned by this file.  partition_lock guards the table and cpu_owner. */
static struct spinlock partition_lock;
static struct partition partitions[MAX_PARTITIONS];
static struct partition *cpu_owner[RV_MAX_CPUS]; /* who has CPU i pinned */
static struct rv_image images[RV_MAX_IMAGES];    /* copied from boot info */
static const struct rv_config *boot_config;
static u16 next_vpid = 1;

#define MGMT_DATA_MIB 8

struct partition *partition_get(u32 id)
{
	if (id >= MAX_PARTITIONS || partitions[id].state == PART_FREE)
		return NULL;
	return &partitions[id];
}

struct partition *partition_mgmt(void) { return &partitions[0]; }

u32 partition_free_cpus(void)
{
	u32 n = 0;
	for (u32 c = 1; c < nr_cpus; c++)
		n += READ_ONCE(cpus[c].vmx_on) && !cpu_owner[c];
	return n;
}

/*
 * A slot's host memory: aligned like the largest EPT page its gpa and
 * size allow (1 GiB, else 2 MiB), so that ept_map_large can use it; if no
 * run of free memory is aligned so, any contiguous run, and the slot is
 * then mapped with the pages its alignment allows (4 KiB at worst): it
 * works the same, with more EPT tables.
 */
static u64 alloc_slot_memory(const struct partition *p, u64 gpa, u64 pages)
{
	u64 hpa = 0;

	for (u32 l = MIN(p->ept.max_level, (u32)EPT_MAX_LEVEL); l > 0 && !hpa; l--)
		if (IS_ALIGNED(gpa, EPT_LEVEL_SIZE(l)) && pages * PAGE_SIZE >= EPT_LEVEL_SIZE(l))
			hpa = mm_alloc_aligned(pages, EPT_LEVEL_SIZE(l) / PAGE_SIZE);
	return hpa ? hpa : mm_alloc_aligned(pages, 512) ?: mm_alloc_aligned(pages, 1);
}

static int add_slot(struct partition *p, u32 id, u64 gpa, u64 size, bool small)
{
	struct mem_slot *s = &p->slots[id];
	u64 pages = size / PAGE_SIZE;

	s->hpa = alloc_slot_memory(p, gpa, pages);
	if (!s->hpa)
		return -RV_ENOMEM;
	s->used = true;
	s->id = id;
	s->gpa = gpa;
	s->size = size;
	s->small = small;
	if (small)
		return ept_map(&p->ept, gpa, s->hpa, pages, EPT_RWX);
	return ept_map_large(&p->ept, gpa, s->hpa, pages, EPT_RWX);
}

/*
 * RV_SLOT_SMALL_PAGES changed on an existing slot: split its huge leaves
 * now (and invalidate, so no CPU keeps a 2 MiB translation of it), or put
 * them back when it is not logged (else when logging stops).
 */
static int slot_set_small(struct partition *p, u32 id, bool small)
{
	struct mem_slot *s = &p->slots[id];

	if (s->small == small)
		return 0;
	if (small) {
		if (ept_split_range(&p->ept, s->gpa, s->size / PAGE_SIZE))
			return -RV_ENOMEM;
		p->dirty.unresponsive |= vmx_flush_cpus(p->cpu_mask);
	}
	s->small = small;
	if (!small)
		dirty_rebuild_huge(&p->dirty, id);
	return 0;
}

/* How logging goes on, from the slot flags. */
static u32 log_how(u32 flags)
{
	return (flags & RV_SLOT_LOG_LAZY ? DIRTY_PROTECT_LAZY : 0) |
	       (flags & RV_SLOT_SPLIT_EAGER ? DIRTY_SPLIT_EAGER : 0);
}

/* Host pointer to guest-physical gpa in slot 0 (set-up time only). */
static void *sys_ptr(struct partition *p, u64 gpa) { return (void *)(p->slots[0].hpa + gpa); }

/*
 * The state every guest starts in (docs/05-partitions.md): a GDT with a
 * 64-bit code segment, a data segment and a TSS, and page tables that
 * identity-map guest-physical 0..4 GiB with 2 MiB pages.
 */
static void build_guest_tables(struct partition *p)
{
	u64 *gdt = sys_ptr(p, RV_GPA_GDT);
	u64 tss = RV_GPA_GDT + 0x800;

	gdt[1] = 0x00af9b000000ffffull;
	gdt[2] = 0x00cf93000000ffffull;
	gdt[3] = 0x67 | ((tss & 0xffffff) << 16) | (0x8bull << 40) | ((tss >> 24) & 0xff) << 56;
	gdt[4] = tss >> 32;

	u64 *pml4 = sys_ptr(p, RV_GPA_PML4), *pdpt = sys_ptr(p, RV_GPA_PDPT);
	pml4[0] = RV_GPA_PDPT | 3;
	for (u64 g = 0; g < 4; g++) {
		u64 *pd = sys_ptr(p, RV_GPA_PD + g * PAGE_SIZE);
		pdpt[g] = (RV_GPA_PD + g * PAGE_SIZE) | 3;
		for (u64 i = 0; i < 512; i++)
			pd[i] = (g << 30) | (i << 21) | 0x83; /* present, writable, 2 MiB */
	}
}

static int create_vcpus(struct partition *p, u32 nr)
{
	for (u32 i = 0; i < nr; i++) {
		u32 cpu = 0;
		if (!p->is_mgmt) {
			for (cpu = 1; cpu < nr_cpus; cpu++)
				if (READ_ONCE(cpus[cpu].vmx_on) && !cpu_owner[cpu])
					break;
			if (cpu == nr_cpus)
				return -RV_ENOSPC;
		}
		struct vcpu *v = (struct vcpu *)mm_alloc(ALIGN_UP(sizeof(*v), PAGE_SIZE) / PAGE_SIZE);
		if (!v)
			return -RV_ENOMEM;
		if (vmx_vcpu_alloc(&v->vmx)) {
			mm_free((u64)v, ALIGN_UP(sizeof(*v), PAGE_SIZE) / PAGE_SIZE);
			return -RV_ENOMEM;
		}
		v->part = p;
		v->index = i;
		v->cpu = cpu;
		v->vmx.vpid = next_vpid++;
		if (next_vpid == 0)
			next_vpid = 1;
		v->vmx.boot = (struct vmx_boot){
			.rip = RV_GPA_IMAGE,
			.rsp = RV_GPA_STACKS_TOP - i * RV_STACK_SIZE,
			.rdi = i,
			.rsi = RV_GPA_BOOT,
			.cr3 = RV_GPA_PML4,
			.gdtr_base = RV_GPA_GDT,
			.gdtr_limit = 5 * 8 - 1,
			.tr_base = RV_GPA_GDT + 0x800,
		};
		p->vcpus[i] = v;
		p->nr_vcpus++;
		dirty_add_vcpu(&p->dirty, cpu);
		cpu_owner[cpu] = p;
		p->cpu_mask |= BIT(cpu);
	}
	return 0;
}

static void unmap_window(struct partition *p, u32 slot)
{
	struct partition *mgmt = partition_mgmt();

	if (!p->window[slot])
		return;
	ept_unmap(&mgmt->ept, p->window[slot], p->slots[slot].size / PAGE_SIZE);
	p->window[slot] = 0;
	vmx_flush_cpus(mgmt->cpu_mask);
}

/* Where vCPU i's ring of partition p appears in the management partition. */
static u64 ring_gpa(const struct partition *p, u32 i)
{
	return RV_GPA_RINGS + ((u64)(p->id * RV_MAX_VCPUS + i) << 20);
}

/* Unmap p's rings from the management partition, then free them. */
static void dirty_release(struct partition *p)
{
	struct partition *mgmt = partition_mgmt();

	for (u32 i = 0; i < p->nr_vcpus; i++)
		if (p->dirty.vcpu[i].ring.entries)
			ept_unmap(&mgmt->ept, ring_gpa(p, i), dirty_ring_pages(&p->dirty, i));
	vmx_flush_cpus(mgmt->cpu_mask); /* the management partition's view of them */
	dirty_teardown(&p->dirty);
}

int partition_rings_enable(struct partition *p, u64 entries, u64 flags, struct rv_ring_info *out)
{
	struct partition *mgmt = partition_mgmt();
	u32 soft;
	int err = dirty_rings_enable(&p->dirty, entries, flags, p->state != PART_CREATED, &soft);

	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	for (u32 i = 0; i < p->nr_vcpus; i++) {
		u64 hpa = (u64)p->dirty.vcpu[i].ring.entries;
		u64 pages = dirty_ring_pages(&p->dirty, i);
		if (ept_map(&mgmt->ept, ring_gpa(p, i), hpa, pages, EPT_R | EPT_W)) {
			dirty_release(p);
			return -RV_ENOMEM;
		}
		out->gpa[i] = ring_gpa(p, i);
	}
	out->nr_rings = p->nr_vcpus;
	out->entries = (u32)entries;
	out->soft_limit = soft;
	return 0;
}

static void free_partition(struct partition *p)
{
	dirty_release(p);
	for (u32 s = 0; s < RV_MAX_SLOTS; s++)
		unmap_window(p, s);
	for (u32 i = 0; i < p->nr_vcpus; i++) {
		struct vcpu *v = p->vcpus[i];
		cpu_owner[v->cpu] = NULL;
		vmx_vcpu_free(&v->vmx);
		mm_free((u64)v, ALIGN_UP(sizeof(*v), PAGE_SIZE) / PAGE_SIZE);
	}
	for (u32 s = 0; s < RV_MAX_SLOTS; s++)
		if (p->slots[s].used)
			mm_free(p->slots[s].hpa, p->slots[s].size / PAGE_SIZE);
	ept_destroy(&p->ept);
	u32 id = p->id;
	memset(p, 0, sizeof(*p));
	p->id = id;
}

/* Build a partition in slot id; on failure everything is undone. */
static int build(struct partition *p, u32 image, u32 nr_vcpus, u64 data_mib, const u64 *args)
{
	const struct rv_image *img = &images[image];
	int err;

	if (!img->size)
		return -RV_ENOENT;
	if (image == RV_IMAGE_LINUX)
		; /* loaded by the boot protocol into RAM, later (hv/vplat/linux.c) */
	else if (RV_GPA_IMAGE + img->size > RV_GPA_STACKS_TOP - RV_MAX_VCPUS * RV_STACK_SIZE)
		return -RV_E2BIG;
	p->state = PART_CREATED;
	dirty_init(&p->dirty, p->id, &p->ept, p->slots, &p->cpu_mask);
	err = ept_init(&p->ept);
	p->ept.max_level = vmx_ept_huge_level();
	p->ept.nx_huge = vmx_ept_nx_huge();
	if (!err)
		err = add_slot(p, 0, 0, RV_SYS_SLOT_SIZE, false);
	if (!err && data_mib)
		err = add_slot(p, 1, RV_GPA_DATA, data_mib << 20, false);
	if (!err)
		err = create_vcpus(p, nr_vcpus);
	if (err) {
		free_partition(p);
		return err;
	}
	build_guest_tables(p);
	if (image == RV_IMAGE_LINUX)
		return 0;
	memcpy(sys_ptr(p, RV_GPA_IMAGE), (void *)img->phys, img->size);

	struct rv_guest_boot *gb = sys_ptr(p, RV_GPA_BOOT);
	gb->magic = RV_GUEST_BOOT_MAGIC;
	gb->role = p->is_mgmt ? RV_ROLE_MGMT : RV_ROLE_WORK;
	gb->partition = p->id;
	gb->nr_vcpus = nr_vcpus;
	gb->data_gpa = data_mib ? RV_GPA_DATA : 0;
	gb->data_size = data_mib << 20;
	if (args)
		memcpy(gb->args, args, sizeof(gb->args));
	return 0;
}

static void copy_config(struct rv_guest_boot *gb, const struct rv_config *cfg)
{
	/* bootinfo.h and the ABI describe the same layout, field by field. */
	gb->nr_runs = MIN(cfg->nr_runs, RV_RUN_MAX);
	for (u32 r = 0; r < gb->nr_runs; r++) {
		const struct rv_cfg_run *in = &cfg->runs[r];
		struct rv_run *out = &gb->runs[r];
		memcpy(out->scenario, in->scenario, RV_RUN_STR);
		out->scenario[RV_RUN_STR - 1] = 0;
		out->nr_params = MIN(in->nr_params, RV_RUN_MAX_PARAMS);
		for (u32 i = 0; i < out->nr_params; i++) {
			memcpy(out->params[i].key, in->params[i].key, RV_RUN_STR);
			memcpy(out->params[i].value, in->params[i].value, RV_RUN_STR);
			out->params[i].key[RV_RUN_STR - 1] = out->params[i].value[RV_RUN_STR - 1] = 0;
		}
	}
}

int partition_init(const struct rv_bootinfo *bi)
{
	struct partition *p = &partitions[0];
	int err;

	for (u32 i = 0; i < MAX_PARTITIONS; i++)
		partitions[i].id = i;
	memcpy(images, bi->images, sizeof(images));
	boot_config = &bi->config;
	p->is_mgmt = true;
	err = build(p, RV_IMAGE_MGMT, 1, MGMT_DATA_MIB, NULL);
	if (err)
		return err;
	copy_config(sys_ptr(p, RV_GPA_BOOT), boot_config);
	cpus[0].vcpu = p->vcpus[0];
	return partition_start(0);
}

const struct rv_image *partition_image(u32 id)
{
	static const struct rv_image none;

	return id < RV_MAX_IMAGES ? &images[id] : &none;
}

void *partition_ram(struct partition *p, u64 gpa, u64 len)
{
	struct mem_slot *s = slot_find(p->slots, gpa);

	if (!s || len > s->size - (gpa - s->gpa))
		return NULL;
	return (void *)(s->hpa + (gpa - s->gpa));
}

int partition_create(const struct rv_partition_spec *spec)
{
	int id = -RV_ENOSPC;

	spin_lock(&partition_lock);
	for (u32 i = 1; i < MAX_PARTITIONS; i++) {
		if (partitions[i].state != PART_FREE)
			continue;
		u32 image = spec->image == RV_IMAGE_LINUX_ABI ? RV_IMAGE_LINUX : RV_IMAGE_WORK;
		int err = build(&partitions[i], image, spec->nr_vcpus, spec->data_mib, spec->args);
		id = err ? err : (int)i;
		break;
	}
	/* Publish the vCPUs to their CPUs only once everything exists. */
	if (id > 0)
		for (u32 i = 0; i < partitions[id].nr_vcpus; i++) {
			struct vcpu *v = partitions[id].vcpus[i];
			WRITE_ONCE(cpus[v->cpu].vcpu, v);
		}
	spin_unlock(&partition_lock);
	return id;
}

int partition_start(u32 id)
{
	struct partition *p = partition_get(id);

	if (!p)
		return -RV_ENOENT;
	if (p->state != PART_CREATED)
		return -RV_EBUSY;
	p->state = PART_RUNNING;
	for (u32 i = 0; i < p->nr_vcpus; i++) {
		/* What the first entry loads: the EPTP (with A/D flags for PML)
		 * and the PML page, both fixed from here on. */
		p->vcpus[i]->vmx.eptp = ept_eptp(&p->ept, p->dirty.pml_on);
		p->vcpus[i]->vmx.pml_hpa = p->dirty.vcpu[i].pml_hpa;
		vcpu_request(p->vcpus[i], VREQ_RUN);
		vcpu_kick(p->vcpus[i]);
	}
	return 0;
}

int partition_destroy(u32 id)
{
	struct partition *p = partition_get(id);

	if (!p)
		return -RV_ENOENT;
	if (p->is_mgmt)
		return -RV_EPERM;
	for (u32 i = 0; i < p->nr_vcpus; i++) {
		vcpu_request(p->vcpus[i], VREQ_DETACH);
		vcpu_kick(p->vcpus[i]);
	}
	for (u32 i = 0; i < p->nr_vcpus; i++) {
		struct vcpu *v = p->vcpus[i];
		struct smp_wait w;

		smp_wait_begin(&w, v->cpu);
		while (load_acquire(&v->state) != VCPU_DEAD || READ_ONCE(cpus[v->cpu].vcpu) == v) {
			if (!smp_wait_more(&w)) {
				/* Its CPU may still run it: free nothing; a later
				 * destroy finishes once the CPU has let go. */
				hv_printf("CPU %u did not release vCPU %u.%u (%u NMIs sent)\n", v->cpu,
					  id, i, w.nmis);
				partition_stop(p, RV_FAULT_CPU_UNRESPONSIVE, BIT(v->cpu));
				return -RV_ETIMEDOUT;
			}
			vmx_wait_relax();
		}
	}
	spin_lock(&partition_lock);
	free_partition(p);
	spin_unlock(&partition_lock);
	event_flush_partition(id);
	return 0;
}

static void delete_slot(struct partition *p, u32 id)
{
	struct mem_slot *cur = &p->slots[id];

	dirty_set_logging(&p->dirty, id, false, 0);
	unmap_window(p, id);
	ept_unmap(&p->ept, cur->gpa, cur->size / PAGE_SIZE);
	u64 stuck = vmx_flush_cpus(p->cpu_mask);
	if (stuck) {
		/* A CPU that did not confirm may still write through its old
		 * translations: keep the pages out of the allocator for good
		 * rather than hand them to another partition. */
		p->dirty.unresponsive |= stuck;
		hv_printf("partition %u slot %u: %lu pages kept out of use (CPUs %lx did not "
			  "confirm the invalidation)\n", p->id, id, (u64)(cur->size / PAGE_SIZE), stuck);
	} else {
		mm_free(cur->hpa, cur->size / PAGE_SIZE);
	}
	memset(cur, 0, sizeof(*cur));
}

int partition_slot_set(struct partition *p, const struct rv_slot *s)
{
	struct hc_range view[RV_MAX_SLOTS];
	struct mem_slot *cur;
	int err;

	for (u32 i = 0; i < RV_MAX_SLOTS; i++)
		view[i] = (struct hc_range){ p->slots[i].gpa, p->slots[i].used ? p->slots[i].size : 0 };
	int action = hc_check_slot(s, view);
	if (action < 0)
		return action;
	cur = &p->slots[s->id];
	switch (action) {
	case HC_SLOT_DELETE: /* ring entries naming it become stale */
		delete_slot(p, s->id);
		return 0;
	case HC_SLOT_FLAGS: {
		bool was_small = cur->small;
		if ((err = slot_set_small(p, s->id, s->flags & RV_SLOT_SMALL_PAGES)))
			return err;
		err = dirty_set_logging(&p->dirty, s->id, s->flags & RV_SLOT_LOG_DIRTY,
					log_how(s->flags));
		if (err) /* a call that fails changes nothing */
			slot_set_small(p, s->id, was_small);
		return err;
	}
	default: /* HC_SLOT_CREATE */
		if ((err = add_slot(p, s->id, s->gpa, s->size, s->flags & RV_SLOT_SMALL_PAGES))) {
			if (cur->hpa)
				mm_free(cur->hpa, s->size / PAGE_SIZE);
			ept_unmap(&p->ept, s->gpa, s->size / PAGE_SIZE);
			memset(cur, 0, sizeof(*cur));
			return err;
		}
		if ((s->flags & RV_SLOT_LOG_DIRTY) &&
		    (err =
			 dirty_set_logging(&p->dirty, s->id, true, log_how(s->flags)))) {
			delete_slot(p, s->id); /* a call that fails changes nothing */
			return err;
		}
		return 0;
	}
}

int partition_map(struct partition *p, u32 slot, u64 gpa)
{
	struct partition *mgmt = partition_mgmt();
	struct mem_slot *s;
	u64 hpa, perm;

	if (p->is_mgmt)
		return -RV_EINVAL;
	if (slot >= RV_MAX_SLOTS || !p->slots[slot].used)
		return -RV_ENOENT;
	s = &p->slots[slot];
	if (p->window[slot])
		return -RV_EEXIST;
	int bad = hc_check_window(gpa, s->size);
	if (bad)
		return bad;
	for (u64 a = gpa; a < gpa + s->size; a += PAGE_SIZE)
		if (!ept_translate(&mgmt->ept, a, &hpa, &perm))
			return -RV_EEXIST; /* something is mapped there already */
	int err = ept_map(&mgmt->ept, gpa, s->hpa, s->size / PAGE_SIZE, EPT_R | EPT_W);
	if (err) {
		ept_unmap(&mgmt->ept, gpa, s->size / PAGE_SIZE);
		return err;
	}
	p->window[slot] = gpa;
	return 0;
}

/* Stop every vCPU of p but `self` (which its caller stops) and tell mgmt. */
static void stop_vcpus(struct partition *p, const struct vcpu *self, u32 vi, u32 reason, u64 info)
{
	p->state = PART_STOPPED;
	for (u32 i = 0; i < p->nr_vcpus; i++)
		if (p->vcpus[i] != self) {
			vcpu_request(p->vcpus[i], VREQ_STOP);
			vcpu_kick(p->vcpus[i]);
		}
	event_post(RV_EV_VCPU_FAULT, p->id, vi, reason, info);
}

void partition_fault(struct vcpu *v, u32 reason, u64 info)
{
	struct partition *p = v->part;

	hv_printf("partition %u vCPU %u stopped: exit %u, info %lx\n", p->id, v->index, reason,
		  info);
	if (p->is_mgmt) {
		hv_printf("the management partition faulted; nothing can go on\n");
		panic_dump_state();
		machine_shutdown(1);
	}
	store_release(&v->state, VCPU_FAULTED);
	stop_vcpus(p, v, v->index, reason, info);
}

void partition_stop(struct partition *p, u32 reason, u64 info)
{
	if (p->state == PART_STOPPED)
		return; /* told once */
	hv_printf("partition %u stopped: reason %x, info %lx\n", p->id, reason, info);
	stop_vcpus(p, NULL, 0, reason, info);
}

int partition_check_cpus(struct partition *p)
{
	u64 stuck = __atomic_exchange_n(&p->dirty.unresponsive, 0, __ATOMIC_SEQ_CST);

	if (!stuck)
		return 0;
	partition_stop(p, RV_FAULT_CPU_UNRESPONSIVE, stuck);
	return -RV_ETIMEDOUT;
}
