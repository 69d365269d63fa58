/* SPDX-License-Identifier: MIT */
/*
 * Ringvisor hypercall ABI.  The one header shared by the hypervisor and
 * the guests (and the tools).  Documented in docs/04-hypercalls.md.
 *
 * Calling convention (VMCALL exits unconditionally: Vol. 3C, 26.1.2,
 * Instructions That Cause VM Exits Unconditionally):
 *   RAX = call number, arguments in RDI, RSI, RDX, R10, R8, R9,
 *   result in RAX: >= 0 on success, a negative errno value on failure.
 *   Every other register is preserved.  The hypervisor advances RIP past
 *   the VMCALL.
 *
 * Pointers are guest-physical addresses.  Ringvisor's guests run with an
 * identity map, so for them a pointer and its guest-physical address are
 * the same number.  A buffer must lie inside the caller's RAM (or a window
 * the hypervisor mapped for it); otherwise the call fails with -RV_EFAULT.
 */
#ifndef RV_ABI_HYPERCALL_H
#define RV_ABI_HYPERCALL_H

#include <stdint.h>

#define RV_ABI_MAJOR 1
/* 1.3: bounded resets, backup bitmap; 1.4: Linux partitions;
 * 1.5: lazy protection (RV_SLOT_LOG_LAZY, RV_HC_BITMAP_CLEAR_RANGE);
 * 1.6: every slot logged (slot 0 too), Linux partitions' state
 *      (rv_vcpu_state's 1.6 tail, RV_HC_PLATFORM_GET/SET_STATE);
 * 1.7: huge EPT pages (RV_SLOT_SMALL_PAGES, RV_SLOT_SPLIT_EAGER); a
 *      per-vCPU dirty-rate limit and measured rate (RV_HC_DIRTY_LIMIT,
 *      RV_HC_DIRTY_RATE) */
#define RV_ABI_MINOR 7
#define RV_ABI_VERSION ((RV_ABI_MAJOR << 16) | RV_ABI_MINOR)

/* Error codes (Linux errno numbers), returned negated. */
#define RV_EPERM 1
#define RV_ENOENT 2
#define RV_ESRCH 3
#define RV_E2BIG 7
#define RV_EAGAIN 11
#define RV_ENOMEM 12
#define RV_EFAULT 14
#define RV_EBUSY 16
#define RV_EEXIST 17
#define RV_EINVAL 22
#define RV_ENOSPC 28
#define RV_ENOSYS 38
#define RV_EOPNOTSUPP 95
#define RV_ETIMEDOUT 110

/*
 * Call numbers.  "mgmt" calls are privileged: from any partition but the
 * management partition they fail with -RV_EPERM.
 */
enum rv_hypercall {
	RV_HC_VERSION = 0,          /* () -> RV_ABI_VERSION */
	RV_HC_CONSOLE_WRITE = 1,    /* (buf, len) -> bytes written; len <= 4096 */
	RV_HC_VCPU_DONE = 2,        /* (status) workload: this vCPU has finished */
	RV_HC_WAIT_EVENT = 3,       /* mgmt (struct rv_event *out, timeout_ticks) -> 0 */
	RV_HC_SHUTDOWN = 4,         /* mgmt (status 0..255) -> does not return on success */
	RV_HC_HV_INFO = 5,          /* (struct rv_hv_info *out) -> 0 */
	RV_HC_PARTITION_CREATE = 6, /* mgmt (struct rv_partition_spec *) -> id */
	RV_HC_PARTITION_START = 7,  /* mgmt (id) -> 0 */
	RV_HC_PARTITION_DESTROY = 8,/* mgmt (id) -> 0; stops its vCPUs first */
	RV_HC_VCPU_STATS = 9,       /* mgmt (id, vcpu, struct rv_vcpu_stats *) -> 0 */
	/* Dirty tracking (docs/06-dirty-ring.md) */
	RV_HC_SLOT_SET = 10,        /* mgmt (id, struct rv_slot *) -> 0 */
	RV_HC_RING_ENABLE = 11,     /* mgmt (id, entries, flags, struct rv_ring_info *) -> 0 */
	RV_HC_RING_RESET = 12,      /* mgmt (id, max) -> entries reset [| RV_RING_RESET_MORE] */
	RV_HC_BITMAP_GET = 13,      /* mgmt (id, slot, buf, flags) -> pages set */
	RV_HC_BITMAP_CLEAR = 14,    /* mgmt (id, slot, buf) -> pages re-protected */
	RV_HC_VCPU_PAUSE = 15,      /* mgmt (id, vcpu) -> 0 once the vCPU is held */
	RV_HC_VCPU_RESUME = 16,     /* mgmt (id, vcpu) -> 0 */
	RV_HC_MAP = 17,             /* mgmt (id, slot, gpa in mgmt) -> 0 */
	RV_HC_DIRTY_STATS = 18,     /* mgmt (id, struct rv_dirty_stats *) -> 0 */
	RV_HC_TRACE = 19,           /* mgmt (op, buf, max) -> records (see rv_trace_op) */
	/* Migration (docs/04-hypercalls.md) */
	RV_HC_VCPU_GET_STATE = 20,  /* mgmt (id, vcpu, struct rv_vcpu_state *) -> 0; vCPU held */
	RV_HC_VCPU_SET_STATE = 21,  /* mgmt (id, vcpu, const struct rv_vcpu_state *) -> 0; not started */
	/* 1.1 */
	RV_HC_PARTITION_WATCHDOG = 22, /* mgmt (id, ticks) -> 0; not started (see below) */
	/* 1.4 */
	RV_HC_CONSOLE_READ = 23,    /* mgmt (id, struct rv_console_read *) -> bytes (see below) */
	/* 1.5 */
	RV_HC_BITMAP_CLEAR_RANGE = 24, /* mgmt (id, slot, first_page, num_pages, buf, flags)
					* -> pages re-protected (see RV_SLOT_LOG_LAZY) */
	/* 1.6: a Linux partition's devices (struct rv_platform_state) */
	RV_HC_PLATFORM_GET_STATE = 25, /* mgmt (id, struct rv_platform_state *) -> 0; all vCPUs held */
	RV_HC_PLATFORM_SET_STATE = 26, /* mgmt (id, const struct rv_platform_state *) -> 0; not started */
	/* 1.7 */
	RV_HC_DIRTY_LIMIT = 27,     /* mgmt (id, vcpu, pages_per_second) -> 0 (see below) */
	RV_HC_DIRTY_RATE = 28,      /* mgmt (id, vcpu, struct rv_dirty_rate *) -> 0 */
	RV_HC_NR_CALLS
};

/* Events delivered by RV_HC_WAIT_EVENT. */
enum rv_event_type {
	RV_EV_TIMEOUT = 0,     /* nothing happened before the timeout */
	RV_EV_VCPU_DONE = 1,   /* arg = status passed to RV_HC_VCPU_DONE */
	RV_EV_VCPU_FAULT = 2,  /* arg = exit reason, info = qualification/GPA, or
				* arg = RV_FAULT_CPU_UNRESPONSIVE, info = CPU mask */
	RV_EV_RING_FULL = 3,   /* arg = ring entries used; the vCPU is held until a reset */
};

/*
 * RV_EV_VCPU_FAULT's arg when no exit stopped the partition: one of its
 * CPUs did not answer a request (an EPT invalidation, a pause, a save)
 * within the hypervisor's bound, not even to NMIs.  The partition is
 * stopped; its vCPUs become FAULTED once their CPUs answer, and
 * RV_HC_PARTITION_DESTROY returns -RV_ETIMEDOUT until they have.
 */
#define RV_FAULT_CPU_UNRESPONSIVE 0x10000

struct rv_event {
	uint32_t type; /* enum rv_event_type */
	uint32_t partition;
	uint32_t vcpu;
	uint32_t pad;
	uint64_t arg;
	uint64_t info;
	uint64_t tsc; /* hypervisor TSC when it was raised */
};

struct rv_hv_info {
	uint32_t abi_version;
	uint32_t nr_cpus;    /* CPUs the hypervisor found */
	uint32_t vmx_cpus;   /* CPUs that entered VMX operation */
	uint32_t free_cpus;  /* CPUs with no vCPU pinned to them */
	uint32_t partition;  /* the caller's partition id */
	uint32_t vcpu;       /* the caller's vCPU index */
	uint64_t tsc;        /* current TSC */
	uint64_t free_pages; /* 4 KiB pages left in the hypervisor's allocator */
	/* 1.2 */
	uint64_t tsc_khz;    /* how fast the TSC counts: ticks per millisecond */
};

/*
 * RV_HC_WAIT_EVENT: timeout_ticks is in TSC ticks (0 polls once; the
 * hypervisor clamps it to 2^62).  The result is 0 and an event in *out,
 * RV_EV_TIMEOUT if nothing came.  Events queue in the hypervisor (64);
 * ring-full events of one vCPU coalesce; on overflow the oldest is dropped
 * and the hypervisor prints how many.
 */
/*
 * RV_HC_PARTITION_WATCHDOG: a vCPU of partition `id` that runs `ticks` TSC
 * ticks of guest time without making a hypercall is stopped, with
 * RV_EV_VCPU_FAULT, arg = RV_EXIT_PREEMPTION_TIMER (52, "VMX-preemption
 * timer expired", from the generated rv_exit_reasons.h), info = ticks.
 * 0 turns it off.
 * Only before RV_HC_PARTITION_START (-RV_EBUSY after); -RV_EINVAL for
 * ticks > RV_WATCHDOG_MAX; -RV_EOPNOTSUPP where the processor has no
 * VMX-preemption timer.
 */
#define RV_WATCHDOG_MAX (1ull << 40)
#define RV_CONSOLE_MAX 4096  /* RV_HC_CONSOLE_WRITE: longest write */
/* 1.7: 1024 (was 512), for a GiB of guest RAM (huge EPT pages' figures) */
#define RV_DATA_MIB_MAX 1024 /* rv_partition_spec.data_mib and any slot, in MiB */

/* A partition's memory: slot 0 is always the 4 MiB system slot. */
#define RV_IMAGE_WORK_ABI 1 /* rv_partition_spec.image: the workload program */
/*
 * 1.4: a Linux kernel (the loader's \linux.img, a bzImage) with its
 * initrd (\initrd.img), started by the Linux boot protocol with
 * rv_partition_spec.cmdline on a virtual platform of its own
 * (docs/12-linux.md).  data_mib is its RAM above 16 MiB (at least
 * RV_LINUX_MIB_MIN); -RV_ENOENT if the loader found no linux.img,
 * -RV_EINVAL for a bad image or command line, -RV_E2BIG for a kernel and
 * initrd that do not fit, -RV_EOPNOTSUPP without a VMX-preemption timer
 * (the guest's timer runs on it).  The reason is printed on the console.
 */
#define RV_IMAGE_LINUX_ABI 2
#define RV_LINUX_MIB_MIN 8
#define RV_CMDLINE_MAX 512 /* with its NUL */
#define RV_MAX_SLOTS 8
#define RV_MAX_VCPUS 8
#define RV_NR_WORK_ARGS 8

struct rv_partition_spec {
	uint32_t image;     /* RV_IMAGE_WORK_ABI (the only one for now) */
	uint32_t nr_vcpus;  /* 1..RV_MAX_VCPUS, each needs a free CPU */
	uint64_t data_mib;  /* size of the data slot (slot 1), 0..RV_DATA_MIB_MAX MiB */
	uint64_t args[RV_NR_WORK_ARGS]; /* copied into the guest's boot page */
	/* 1.4: RV_IMAGE_LINUX_ABI's kernel command line, NUL-terminated
	 * printable ASCII; all zero for any other image. */
	char cmdline[RV_CMDLINE_MAX];
};

/*
 * RV_HC_CONSOLE_READ: what a Linux partition wrote to its UART, as one
 * stream of lines (each also goes to the hypervisor's console, prefixed
 * with partition and vCPU): '\r' is dropped and a line longer than 160
 * bytes is ended there, as the UART hands over its buffer.  The hypervisor keeps the last 16 KiB.  In:
 * offset (the stream position wanted), buf (guest-physical) and len.
 * Out: offset where the bytes copied start (later than asked if those
 * were dropped), total (bytes written so far), and the result is the
 * number of bytes copied.  -RV_ENOENT for a partition without a UART.
 */
struct rv_console_read {
	uint64_t offset;
	uint64_t total;
	uint64_t buf;
	uint32_t len;
	uint32_t pad;
};

/*
 * Exit counters of one vCPU, indexed by basic exit reason (the numbers are
 * RV_EXIT_* in the generated header rv_exit_reasons.h).  70 is the
 * array's size in this ABI, room to spare: the hypervisor checks at build
 * time that every listed reason fits (RV_EXIT_REASON_LIMIT).
 */
#define RV_NR_EXIT_REASONS 70
struct rv_vcpu_stats {
	uint64_t exits_total;
	uint64_t exits[RV_NR_EXIT_REASONS];
	/* 1.2: events re-injected after an exit during their delivery */
	uint64_t reinjected;
};

/*
 * Guest memory layout (guest-physical), identical in every partition.
 * The hypervisor builds these tables before the first VM entry; see
 * docs/05-partitions.md.
 */
#define RV_GPA_GDT 0x1000ull        /* guest GDT: 0x08 code64, 0x10 data, 0x18 TSS */
#define RV_GPA_PML4 0x2000ull       /* guest page tables: identity 0..4 GiB */
#define RV_GPA_PDPT 0x3000ull
#define RV_GPA_PD 0x4000ull         /* four pages, 2 MiB mappings */
#define RV_GPA_BOOT 0x9000ull       /* struct rv_guest_boot */
#define RV_GPA_IMAGE 0x10000ull     /* image loaded and entered here */
#define RV_SYS_SLOT_SIZE 0x400000ull  /* slot 0: 4 MiB */
#define RV_GPA_STACKS_TOP RV_SYS_SLOT_SIZE /* 16 KiB per vCPU, downwards */
#define RV_STACK_SIZE 0x4000ull
#define RV_GPA_DATA 0x1000000ull    /* slot 1 (data) starts at 16 MiB */
/* 1.7: data slots lie in [16 MiB, 1.25 GiB) (was 768 MiB), room for a
 * 1 GiB slot 1.  Workload partitions only: the management partition's
 * windows (RV_GPA_WINDOWS) are in its own space. */
#define RV_GPA_DATA_END 0x50000000ull

#define RV_GUEST_BOOT_MAGIC 0x544f4f4256475252ull
#define RV_ROLE_MGMT 1
#define RV_ROLE_WORK 2

/* Configuration handed to the management partition (from the loader). */
#define RV_RUN_MAX 16
#define RV_RUN_MAX_PARAMS 16
#define RV_RUN_STR 32
struct rv_run_param {
	char key[RV_RUN_STR];
	char value[RV_RUN_STR];
};
struct rv_run {
	char scenario[RV_RUN_STR];
	uint32_t nr_params;
	uint32_t pad;
	struct rv_run_param params[RV_RUN_MAX_PARAMS];
};

struct rv_guest_boot {
	uint64_t magic;
	uint32_t role;        /* RV_ROLE_* */
	uint32_t partition;   /* this partition's id */
	uint32_t nr_vcpus;
	uint32_t pad;
	uint64_t data_gpa;    /* slot 1 base (0 if none) */
	uint64_t data_size;
	uint64_t args[RV_NR_WORK_ARGS];
	/* management partition only: */
	uint32_t nr_runs;
	uint32_t pad2;
	struct rv_run runs[RV_RUN_MAX];
};

/*
 * Dirty rings, laid out as KVM's (include/uapi/linux/kvm.h): one ring of
 * 16-byte entries per vCPU, in pages the hypervisor maps into the
 * management partition at RV_GPA_RINGS.  Life of an entry: flags 0 (free)
 * -> DIRTY (pushed by the hypervisor, release) -> DIRTY|RESET (harvested
 * by the management partition, release) -> 0 (reset by the hypervisor).
 * `offset` is the page number relative to the slot's base.
 *
 * The flag handshake, in memory order (KVM_CAP_DIRTY_LOG_RING_ACQ_REL):
 *  - producer (the hypervisor, on the vCPU's CPU): write slot and offset,
 *    then store flags = DIRTY with release;
 *  - consumer (you): load flags with acquire; only if it reads exactly
 *    DIRTY, read slot and offset, then store flags = DIRTY|RESET with
 *    release (so the hypervisor that sees RESET also sees your reads done);
 *  - reset (RV_HC_RING_RESET): load flags with acquire; for entries with
 *    RESET, read slot and offset, write-protect their pages again, then
 *    store flags = 0 with release, and only then count them as reset.
 *    The EPT invalidation on every CPU of the partition is complete before
 *    the call returns: read a page's contents only after the reset that
 *    covered its entry has returned (guest/mgmt/track.h, THE RULE).
 * A consumer must never write an entry it did not read as DIRTY, and
 * never clear RESET: an entry reads 0 again only once it is free.
 */
struct rv_dirty_entry {
	uint32_t flags;
	uint32_t slot;
	uint64_t offset;
};
#define RV_DIRTY_FLAG_DIRTY 1u
#define RV_DIRTY_FLAG_RESET 2u
#define RV_RING_MIN_ENTRIES 256u
#define RV_RING_MAX_ENTRIES 65536u
#define RV_RING_RESERVE 64u      /* soft limit = entries - reserve */
#define RV_RING_NO_SOFT_LIMIT 1u /* ring_enable flag: only a full ring stops */
#define RV_RING_PML 2u           /* ring_enable flag: Page Modification Logging */
#define RV_RING_PML_RESERVE 512u /* extra reserve with PML: one full PML page */
/*
 * 1.3: RV_HC_RING_RESET (id, max) resets at most max harvested entries
 * (0: RV_RING_RESET_MAX; more than RV_RING_RESET_MAX: -RV_EINVAL), over
 * all of the partition's rings, each ring in order, starting each call at
 * the ring after the one where the last call ran out of its bound.  The
 * result is the number it reset, with RV_RING_RESET_MORE set when it
 * stopped at the bound and some ring's next entry is still marked RESET:
 * call again (the count leaves no doubt; KVM's KVM_RESET_DIRTY_RINGS is bounded
 * since 2025 too, see docs/06-dirty-ring.md; a caller that harvested fewer than max entries
 * and checks the count, as QEMU does, needs no loop).  Every call
 * re-protects and invalidates what it counted before it returns.
 */
#define RV_RING_RESET_MAX 4096u          /* 64 batches of 64 pages */
#define RV_RING_RESET_MORE (1ull << 32)  /* in RV_HC_RING_RESET's result */
#define RV_GPA_RINGS 0x30000000ull /* + ((id * RV_MAX_VCPUS + vcpu) << 20) */
#define RV_GPA_WINDOWS 0x40000000ull /* RV_HC_MAP targets lie in [1 GiB, 4 GiB) */
#define RV_GPA_WINDOWS_END 0x100000000ull

struct rv_ring_info {
	uint32_t nr_rings;   /* = the partition's vCPUs */
	uint32_t entries;
	uint32_t soft_limit; /* entries - reserve, or entries without a soft limit */
	uint32_t pad;
	uint64_t gpa[RV_MAX_VCPUS]; /* where ring i is mapped in the caller */
};

/* Memory slots: id 0 is the system slot; 1.. are data slots.  1.6: slot 0
 * may be logged like the others (never deleted: -RV_EPERM). */
#define RV_SLOT_LOG_DIRTY 1u /* track writes to this slot */
/*
 * 1.5: lazy protection, with RV_SLOT_LOG_DIRTY only (alone: -RV_EINVAL),
 * as KVM's KVM_DIRTY_LOG_INITIALLY_SET with KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2.
 * Switching logging on protects nothing: every page of the slot counts as
 * dirty once, its bit set in the slot's bitmap (the log in bitmap mode,
 * the backup bitmap in ring modes, RV_BITMAP_BACKUP).  A page is armed
 * (write-protected; in PML mode its EPT dirty flag cleared) only when its
 * bit is cleared: by RV_HC_BITMAP_CLEAR_RANGE, or by RV_HC_BITMAP_GET with
 * RV_BITMAP_CLEAR, or RV_HC_BITMAP_CLEAR.  So every page is at every
 * moment armed (its next write is reported) or set (you copy it).  The
 * flag only counts when logging goes on; on a slot already logging the
 * call changes nothing, as any repeated switch-on.
 *
 * RV_HC_BITMAP_CLEAR_RANGE (id, slot, first_page, num_pages, buf, flags)
 * clears, of the pages [first_page, first_page + num_pages) of the slot,
 * those whose bit is set in buf (bit i of word w: page first_page + 64w + i)
 * and in the slot's bitmap, arms them, and finishes the EPT invalidation on
 * every CPU of the partition before it returns (one per call).  first_page
 * is a multiple of 64 (RV_BITMAP_RANGE_ALIGN), and so is num_pages unless
 * the range ends at the slot's end; the range lies inside the slot; else
 * -RV_EINVAL.  flags: RV_BITMAP_BACKUP in ring modes, 0 in bitmap mode
 * (as for RV_HC_BITMAP_GET).  The result is the pages armed by this call.
 *
 * The rule, KVM's: get the bitmap without clearing it (RV_HC_BITMAP_GET,
 * flags 0 or RV_BITMAP_BACKUP), clear a range with the bits you got, and
 * copy those pages only after that clear has returned.  A write between
 * your get and the clear finds the page still writable and its bit still
 * set: your copy, made after the clear, has it.  A write after the clear
 * faults (or is logged by PML) and is reported again.
 */
#define RV_SLOT_LOG_LAZY 2u
#define RV_BITMAP_RANGE_ALIGN 64u
/*
 * 1.7: huge EPT pages.  A slot's memory is mapped with 2 MiB EPT pages (1
 * GiB where the processor has them) wherever its guest-physical and host
 * addresses are equally aligned, while the slot is not logged.  Switching
 * logging on write-protects each huge page whole; the first write to one
 * splits it into 4 KiB pages and makes only the written page writable
 * (lazy splitting, KVM without eager_page_split).  Switching logging off
 * puts the huge pages back (KVM's recovery of huge pages when logging
 * stops).  Invisible to the guest and to the log, which stays one bit or
 * entry per 4 KiB page.
 *
 * RV_SLOT_SMALL_PAGES: this slot keeps 4 KiB pages (given on creation, or
 * on a flags change: split now, put back when the flag is cleared).  As
 * memory not backed by huge pages under KVM.
 *
 * RV_SLOT_SPLIT_EAGER, with RV_SLOT_LOG_DIRTY only (alone: -RV_EINVAL):
 * when logging goes on, split every huge page into write-protected 4 KiB
 * pages at once (KVM's eager page splitting, Linux 5.18): no write fault
 * has to split, switching on costs more (docs/09-migration-perf.md has
 * both measured).  Means nothing with RV_SLOT_LOG_LAZY (its clears split
 * what they arm) or in PML mode (clearing a dirty flag splits: one flag
 * for 2 MiB would hide the writes to 511 pages).  Only counts when
 * logging goes on.
 */
#define RV_SLOT_SMALL_PAGES 4u
#define RV_SLOT_SPLIT_EAGER 8u
struct rv_slot {
	uint32_t id;
	uint32_t flags; /* RV_SLOT_* */
	uint64_t gpa;   /* page aligned; must match an existing slot to change flags */
	uint64_t size;  /* bytes, page aligned; 0 deletes the slot */
};
#define RV_BITMAP_CLEAR 1u /* RV_HC_BITMAP_GET flag: clear and re-protect what it returns */
/*
 * 1.3: RV_HC_BITMAP_GET flag, ring modes only (-RV_EINVAL in bitmap mode,
 * and without it in ring modes): return the slot's backup bitmap, the
 * pages the hypervisor wrote for the partition when no vCPU ring could
 * take them (the writing vCPU's ring was full, or no vCPU wrote).  As
 * KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP: after the final harvest and
 * RV_HC_RING_RESET (its calls until RV_RING_RESET_MORE is clear), get it
 * with RV_BITMAP_CLEAR, then copy the pages.
 */
#define RV_BITMAP_BACKUP 2u

struct rv_dirty_stats {
	uint64_t write_faults;    /* EPT violations taken for dirty logging */
	uint64_t spurious_faults; /* page already writable (another vCPU won) */
	uint64_t ring_pushes;
	uint64_t bitmap_sets;
	uint64_t soft_full_stops;
	uint64_t full_waits;      /* faults that found the ring completely full */
	uint64_t resets;          /* RV_HC_RING_RESET calls */
	uint64_t entries_reset;
	uint64_t pages_protected; /* by enable, reset and bitmap clear */
	uint64_t fault_ticks;     /* TSC ticks in the write-fault handler, summed */
	uint64_t reset_ticks;     /* TSC ticks in ring resets, summed */
	uint64_t exits;           /* VM exits of all the partition's vCPUs */
	uint64_t stale_skipped;   /* reset entries naming a gone slot or offset */
	uint64_t pml_drains;      /* PML pages drained (PML mode) */
	uint64_t pml_dropped;     /* PML entries outside a logged slot */
	/* 1.3 */
	uint64_t resets_more;     /* RV_HC_RING_RESET calls that returned RV_RING_RESET_MORE */
	uint64_t reset_max_ticks; /* the longest RV_HC_RING_RESET call, in TSC ticks */
	uint64_t backup_sets;     /* pages put into a backup bitmap (RV_BITMAP_BACKUP) */
	/* 1.7: huge EPT pages */
	uint64_t ept_tables;      /* the partition's EPT paging-structure pages now */
	uint64_t ept_splits;      /* huge EPT leaves split (at enable, on faults, by clears) */
	uint64_t ept_collapses;   /* huge EPT leaves put back (logging off) */
};

/*
 * 1.7: RV_HC_DIRTY_LIMIT (id, vcpu, pages_per_second) caps the rate at
 * which vCPU `vcpu` of workload `id` (RV_DIRTY_ALL_VCPUS: each of them)
 * may dirty pages, in pages per second of real time (the TSC counted at
 * rv_hv_info.tsc_khz); 0 lifts it.  Each page the vCPU logs (a ring
 * push, a bitmap bit, a page drained from its PML log) is charged to it;
 * a vCPU that is ahead of its limit is held in the hypervisor before its
 * next VM entry, where the ring's soft limit holds it, until its budget
 * allows (it may run one page ahead).  A held vCPU still
 * answers pause, resume and destroy at once.  As QEMU 8.1's dirty-limit
 * (set-vcpu-dirty-limit), which sleeps the vCPU thread at its dirty
 * ring's full exits; only the vCPUs that write are slowed.  In PML mode
 * the hypervisor lets the processor log only the pages the budget allows
 * before the PML-full exit.  The call kicks the vCPU, so the limit takes
 * effect at once; it lasts until changed or the partition is destroyed.  -RV_EPERM for the management partition,
 * -RV_ENOENT for no such workload, -RV_EINVAL for no such vCPU or a rate
 * above RV_DIRTY_LIMIT_MAX or above a page per TSC tick, -RV_EOPNOTSUPP
 * when the TSC frequency is unknown (tsc_khz 0).
 *
 * RV_HC_DIRTY_RATE (id, vcpu, out) measures vCPU `vcpu`'s dirty rate as
 * QEMU's calc-dirty-rate does in its dirty-ring mode: the pages it logged
 * between two samples over the time between them.  A call takes a new
 * sample if the last is at least RV_DIRTY_RATE_MIN_MS old (else it
 * returns the last figure again); the first sample is taken when the
 * vCPU is created.  -RV_ENOENT for no such workload (the management
 * partition too), -RV_EINVAL for no such vCPU.
 */
#define RV_DIRTY_ALL_VCPUS 0xffffffffull
#define RV_DIRTY_LIMIT_MAX 67108864ull /* pages per second (2^26): 256 GiB/s */
#define RV_DIRTY_RATE_MIN_MS 1
struct rv_dirty_rate {
	uint64_t rate;         /* pages per second over window_ticks */
	uint64_t window_ticks; /* the time between the two samples */
	uint64_t pages;        /* pages the vCPU logged since it was created */
	uint64_t limit;        /* the limit set, pages per second (0 = none) */
	uint64_t held_ticks;   /* TSC ticks the limit held the vCPU, in all */
	uint64_t holds;        /* times the limit began to hold it */
	uint64_t tsc;          /* the newer sample's TSC */
};

/* Hypervisor trace (RV_HC_TRACE): fixed 32-byte records. */
enum rv_trace_op { RV_TRACE_READ = 0, RV_TRACE_ENABLE = 1, RV_TRACE_DISABLE = 2 };
enum rv_trace_type {
	RV_TR_EXIT = 1,          /* a = id<<16|vcpu, b = reason, c = rip */
	RV_TR_EPT_VIOLATION = 2, /* a = id<<16|vcpu, b = gpa, c = qualification */
	RV_TR_RING_PUSH = 3,     /* a = id<<16|vcpu, b = index<<32|used, c = slot<<48|offset */
	RV_TR_SOFT_FULL = 4,     /* a = id<<16|vcpu, b = used */
	RV_TR_RESET = 5,         /* a = id<<16|vcpu, b = entries reset, c = used after */
	RV_TR_RESUME = 6,        /* a = id<<16|vcpu */
	RV_TR_FULL_WAIT = 7,     /* a = id<<16|vcpu, b = gpa */
};
struct rv_trace_rec {
	uint64_t tsc;
	uint16_t cpu;
	uint16_t type;
	uint32_t a;
	uint64_t b;
	uint64_t c;
};

/*
 * A vCPU's architectural state, as RV_HC_VCPU_GET_STATE reads it from a
 * held vCPU and RV_HC_VCPU_SET_STATE gives it to a vCPU that has not run
 * yet (the VMCS guest-state area, Vol. 3C, 25.4, Guest-State Area).
 */
struct rv_segment {
	uint64_t base;
	uint32_t limit;
	uint32_t ar;  /* VMX access-rights format (bit 16 = unusable) */
	uint16_t sel;
	uint16_t pad[3];
};
#define RV_XSAVE_SIZE 4096 /* rv_vcpu_state.xsave: x87 .. AVX-512 and PKRU */
enum rv_seg { RV_SEG_ES, RV_SEG_CS, RV_SEG_SS, RV_SEG_DS, RV_SEG_FS, RV_SEG_GS,
	      RV_SEG_LDTR, RV_SEG_TR, RV_NR_SEGS };
struct rv_vcpu_state {
	/* rax rcx rdx rbx rsp rbp rsi rdi r8 .. r15 (instruction-encoding order) */
	uint64_t gpr[16];
	uint64_t rip, rflags;
	uint64_t cr0, cr3, cr4, efer, dr7;
	struct rv_segment seg[RV_NR_SEGS];
	uint64_t gdtr_base, idtr_base;
	uint32_t gdtr_limit, idtr_limit;
	uint32_t interruptibility, activity;
	uint64_t pending_dbg;
	/*
	 * 1.2: what VM entry and exit do not switch (docs/03-vmx.md, "What
	 * VMX switches and what we do").  xcr0 is the XCR0 the area was saved
	 * under: the hypervisor's, which our own guests cannot change (XSETBV
	 * stops them), so a state of theirs given with another non-zero xcr0
	 * is refused (-RV_EINVAL); 1.6: for a Linux vCPU the guest's own (see
	 * plat below).
	 * xsave is the processor's standard-format XSAVE image (Vol. 1, 13.4,
	 * XSAVE Area): legacy region, header (XSTATE_BV at byte 512, which
	 * must name only components of xcr0; bytes 520-575 zero) and the
	 * components at the offsets CPUID leaf 0DH gives.  All zero means
	 * x87, SSE and AVX in their initial state, MXCSR 0.
	 * dr[0..3], kernel_gs_base: canonical; dr6: bits 63:32 zero.
	 */
	uint64_t cr2;
	uint64_t dr[4];
	uint64_t dr6;
	uint64_t kernel_gs_base; /* IA32_KERNEL_GS_BASE, what SWAPGS exchanges */
	uint64_t xcr0;
	uint8_t xsave[RV_XSAVE_SIZE];
	/*
	 * 1.2: an event the vCPU was delivering when it last exited, to be
	 * delivered with its next entry (docs/03-vmx.md, "Events are not
	 * lost"), in the format of the VM-entry interruption-information
	 * field (Vol. 3C, 25.8.3): bit 31 valid, 10:8 type, 7:0 vector, 11
	 * error code valid; 0 = none.  A state whose event VM entry would
	 * refuse is refused (-RV_EINVAL).
	 */
	uint32_t event_info;
	uint32_t event_error;
	uint32_t event_insn_len; /* software interrupts and exceptions: 1..15 */
	uint32_t event_pad;
	/*
	 * 1.6: MSRs that every vCPU has, whatever its partition: SYSCALL's
	 * (not switched by VMX, Vol. 3A, 5.8.8, Fast System Calls in 64-Bit
	 * Mode: STAR bits 31:0 and SFMASK bits 63:32 zero, LSTAR and CSTAR
	 * canonical) and SYSENTER's (VMCS guest fields, Vol. 3C, 25.4.1;
	 * ESP and EIP canonical, 27.3.1.1).  Anything else: -RV_EINVAL.
	 */
	uint64_t star, lstar, cstar, sfmask;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	/*
	 * 1.6: a Linux partition's vCPU (RV_IMAGE_LINUX_ABI): its platform
	 * (docs/12-linux.md, "Moving a Linux partition").  GET fills it and
	 * sets RV_VCPU_PLAT; SET on a Linux vCPU wants RV_VCPU_PLAT, on any
	 * other vCPU all of plat zero.  xcr0 above is then the guest's own
	 * (XSETBV): 0 or the host's (what a vCPU starts with), or one XSETBV
	 * would take (x87, SSE, AVX at most; x87 always; AVX only with SSE);
	 * XSTATE_BV names only its components.  Times are absolute TSC values: the TSC is the host's on
	 * every CPU, with no offset (docs/12).
	 */
	struct rv_vcpu_plat {
		uint32_t flags;    /* RV_VCPU_PLAT */
		uint32_t activity; /* RV_VCPU_ACT_* */
		uint32_t init;     /* 1: an INIT is posted, not yet acted on */
		uint32_t sipi;     /* 0x100 | vector: a start-up IPI posted; 0 none */
		uint64_t pat;      /* IA32_PAT (kept, not applied) */
		/* The x2APIC (Vol. 3A, 11.12), as its MSRs read: */
		uint32_t apic_id;  /* = the vCPU's index */
		uint32_t tpr;      /* 7:0 */
		uint32_t svr;      /* 9:0 */
		uint32_t esr;      /* what ESR reads: bits 4, 5, 6 only */
		uint32_t esr_pending; /* errors logged since the last ESR write: likewise */
		uint32_t tdcr;     /* bits 3, 1, 0 */
		uint32_t tmict;    /* initial count */
		uint32_t lvt[7];   /* timer, thermal, PMI, LINT0, LINT1, error, CMCI */
		uint32_t irr[8], isr[8], tmr[8]; /* vectors 0-15 zero */
		uint64_t icr;      /* the last ICR written */
		uint64_t timer_start; /* TSC when TMICT was written */
		uint64_t timer_deadline; /* next expiry (TSC), 0 none; TSC-deadline mode: = tsc_deadline */
		uint64_t tsc_deadline;   /* IA32_TSC_DEADLINE; 0 outside TSC-deadline mode */
	} plat;
};
#define RV_VCPU_PLAT 1u
enum rv_vcpu_activity {
	RV_VCPU_ACT_RUNNING = 0,   /* runs (or waits only for an interrupt window) */
	RV_VCPU_ACT_HALTED = 1,    /* HLT with interrupts on: an interrupt wakes it */
	RV_VCPU_ACT_PARKED = 2,    /* HLT with interrupts off: only INIT wakes it */
	RV_VCPU_ACT_WAIT_SIPI = 3, /* after INIT, or an AP never started */
};

/*
 * 1.6: RV_HC_PLATFORM_GET_STATE reads a Linux partition's devices, every
 * one of its vCPUs held (RV_HC_VCPU_PAUSE; else -RV_EBUSY);
 * RV_HC_PLATFORM_SET_STATE gives them to a Linux partition not started
 * yet (-RV_EBUSY after).  -RV_ENOENT for a partition without a platform;
 * -RV_EINVAL for a state the device models never hold (each field says).
 * The console stream moves by its position: the destination's
 * RV_HC_CONSOLE_READ goes on at con_total (what lies before it is the
 * source's: read it there before destroying it); a partial UART line
 * moves with the UART.
 */
#define RV_IOAPIC_PINS 24
#define RV_UART_LINE_MAX 160
struct rv_platform_state {
	uint32_t nr_vcpus;     /* = the partition's */
	uint32_t ioapic_sel;   /* IOREGSEL, 7:0 */
	uint32_t ioapic_id;    /* register 0: bits 27:24 only */
	uint32_t pad;
	uint64_t ioapic_redir[RV_IOAPIC_PINS]; /* delivery status, Remote IRR, 55:17 zero */
	uint8_t uart_ier;      /* 3:0 */
	uint8_t uart_lcr;
	uint8_t uart_mcr;      /* 4:0 */
	uint8_t uart_scr;
	uint8_t uart_dll, uart_dlm;
	uint8_t uart_fcr;      /* 0, or bit 0 with bits 7:6, 3 */
	uint8_t uart_thre_int; /* 0/1: THR-empty interrupt pending; only with IER bit 1 */
	uint8_t uart_irq_line; /* 0/1: the interrupt line at the last access */
	uint8_t pad2[3];
	uint32_t uart_len;     /* bytes of the line being collected, < RV_UART_LINE_MAX */
	char uart_line[RV_UART_LINE_MAX];
	uint64_t con_total;    /* console stream bytes so far (RV_HC_CONSOLE_READ's total) */
};

#endif
