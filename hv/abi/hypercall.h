/* SPDX-License-Identifier: MIT */
/*
 * Ringvisor hypercall ABI.  The one header shared by the hypervisor and
 * the guests (and the tools).  Documented in docs/04-hypercalls.md.
 *
 * Calling convention (VMCALL, Vol. 3C, 26.1.2 / 27.1.2? see docs):
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
#define RV_ABI_MINOR 0
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
	RV_HC_SHUTDOWN = 4,         /* mgmt (status) -> does not return */
	RV_HC_HV_INFO = 5,          /* (struct rv_hv_info *out) -> 0 */
	RV_HC_PARTITION_CREATE = 6, /* mgmt (struct rv_partition_spec *) -> id */
	RV_HC_PARTITION_START = 7,  /* mgmt (id) -> 0 */
	RV_HC_PARTITION_DESTROY = 8,/* mgmt (id) -> 0; stops its vCPUs first */
	RV_HC_VCPU_STATS = 9,       /* mgmt (id, vcpu, struct rv_vcpu_stats *) -> 0 */
	RV_HC_NR_CALLS
};

/* Events delivered by RV_HC_WAIT_EVENT. */
enum rv_event_type {
	RV_EV_TIMEOUT = 0,     /* nothing happened before the timeout */
	RV_EV_VCPU_DONE = 1,   /* arg = status passed to RV_HC_VCPU_DONE */
	RV_EV_VCPU_FAULT = 2,  /* arg = exit reason, info = qualification/GPA */
	RV_EV_RING_FULL = 3,   /* reserved for dirty rings: soft limit reached */
};

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
};

/* A partition's memory: slot 0 is always the 2 MiB system slot. */
#define RV_IMAGE_WORK_ABI 1 /* rv_partition_spec.image: the workload program */
#define RV_MAX_SLOTS 8
#define RV_MAX_VCPUS 8
#define RV_NR_WORK_ARGS 8

struct rv_partition_spec {
	uint32_t image;     /* RV_IMAGE_WORK_ABI (the only one for now) */
	uint32_t nr_vcpus;  /* 1..RV_MAX_VCPUS, each needs a free CPU */
	uint64_t data_mib;  /* size of the data slot (slot 1), 0..1024 MiB */
	uint64_t args[RV_NR_WORK_ARGS]; /* copied into the guest's boot page */
};

/* Exit counters of one vCPU, indexed by basic exit reason. */
#define RV_NR_EXIT_REASONS 70
struct rv_vcpu_stats {
	uint64_t exits_total;
	uint64_t exits[RV_NR_EXIT_REASONS];
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

#endif
