/* SPDX-License-Identifier: MIT */
/*
 * The contract between the management program and the workload: which
 * test a workload runs (boot->args[0], set by the management partition in
 * rv_partition_spec.args) and what its vCPUs report with RV_HC_VCPU_DONE.
 */
#ifndef GUEST_WORKTESTS_H
#define GUEST_WORKTESTS_H

#include "hypercall.h"

/* args[0] */
enum work_test {
	WORK_TEST_HELLO = 0, /* print a line per vCPU, check identity, done */
	WORK_TEST_DIRTY = 1, /* dirty writer: args[1] = seed, args[2] = enum work_value,
			      * args[3] = pages it writes (0: the whole slot) */
	WORK_TEST_FAULT = 2, /* misbehave: args[1] = enum work_fault */
	WORK_TEST_PERF = 3,  /* dirty_log_perf_test writer: args[3] = pages to write (0: all) */
	WORK_TEST_MIGRATE = 4, /* writes its working set (args[3] pages) and keeps a record */
	WORK_TEST_ISOLATION = 5, /* one attempt to leave its partition: args[1] = enum
				  * work_iso_op, args[2..5] = its operands */
	WORK_TEST_FUZZ = 6,    /* vCPU 0 makes args[3] random hypercalls from seed args[1] */
	WORK_TEST_BLOCK = 7,   /* write args[3] pages once, then try to stop its CPU from
				* answering requests: args[1] = enum work_block */
	WORK_TEST_EVENTS = 8,  /* args[3] rounds of single-step traps, INT3, INT 0x80 and
				* UD2 with IDT, GDT and stack in the data slot (events.c) */
	WORK_TEST_SECRETS = 9, /* state VMX does not switch: args[1] = enum work_secrets_op,
				* args[2] = the secret's seed */
};

/*
 * What WORK_TEST_BLOCK does after its writes (ctrl->done_iter[vcpu] = 1
 * says "blocking now").  The first four keep running; the last three are
 * stopped by the hypervisor at once.  None may keep the hypervisor from
 * invalidating, pausing or destroying the partition (docs/03-vmx.md).
 */
enum work_block {
	WORK_BLOCK_CLI_SPIN,  /* interrupts off, spin */
	WORK_BLOCK_CLI_WRITE, /* interrupts off, keep storing into its logged pages */
	WORK_BLOCK_MOVSS,     /* interrupts off, MOV SS after MOV SS: a shadow half the time */
	WORK_BLOCK_PAUSE,     /* interrupts on, a PAUSE loop */
	WORK_BLOCK_CR8,       /* raise the task priority to 15 (MOV to CR8), then spin */
	WORK_BLOCK_HLT,       /* interrupts off, HLT */
	WORK_BLOCK_MWAIT,     /* interrupts off, MWAIT */
	WORK_BLOCK_NR
};

/*
 * WORK_TEST_SECRETS (the isolation-state scenario): what a guest can leave
 * in the processor that VM entry and exit do not switch (docs/03-vmx.md).
 * Only vCPU 0 acts; the report is in the control page after struct
 * work_ctrl, written before vCPU 0 reports done.
 */
enum work_secrets_op {
	WORK_SECRETS_PLANT, /* leave a secret in each, check it took, report done */
	WORK_SECRETS_LOOK,  /* report each that is not in its initial state */
	WORK_SECRETS_KEEP,  /* plant, set ctrl->writes[0] = 1, wait for ctrl->stop (by then,
			     * typically, in another partition), report each that changed */
};
enum work_secret {
	WORK_SECRET_XMM,   /* XMM7 */
	WORK_SECRET_X87,   /* ST0 */
	WORK_SECRET_MXCSR, /* rounding control */
	WORK_SECRET_YMM,   /* YMM5's upper half (where CPUID and XCR0 say AVX) */
	WORK_SECRET_PKRU,  /* where CPUID says PKU */
	WORK_SECRET_CR2,
	WORK_SECRET_DR0,
	WORK_SECRET_DR1,
	WORK_SECRET_DR2,
	WORK_SECRET_DR3,
	WORK_SECRET_DR6,   /* B0, B2, BS */
	WORK_SECRET_KGS,   /* IA32_KERNEL_GS_BASE, through SWAPGS (where CPUID says FSGSBASE) */
	WORK_SECRET_NR
};
#define WORK_SECRETS_REPORT_GPA (WORK_CTRL_GPA + 0x800)
struct work_secrets_report {
	uint64_t apic_id; /* the CPU it ran on (CPUID leaf 1) */
	uint64_t have;    /* bit per enum work_secret: what this processor has */
	uint64_t bad;     /* PLANT: did not take; LOOK: not initial; KEEP: changed */
	uint64_t value[WORK_SECRET_NR]; /* what it read last (XMM, YMM, ST0: the low 8 bytes) */
};
/* RV_HC_VCPU_DONE status of WORK_TEST_SECRETS when `bad` is not 0. */
#define WORK_SECRETS_BAD(mask) (0x10000u | (mask))

/*
 * WORK_TEST_FUZZ's report (a struct fz_stats, guest/lib/fuzz.h), in the
 * control page after struct work_ctrl, written before vCPU 0 reports done.
 */
#define WORK_FUZZ_REPORT_GPA (WORK_CTRL_GPA + 0x800)

/*
 * WORK_TEST_MIGRATE's record, in the system slot (migrated with it): the
 * last value each vCPU stored into each page it owns (page % vCPUs ==
 * vCPU).  When told to stop, each vCPU checks every page it owns against
 * it, wherever it runs by then.
 */
#define WORK_RECORD_GPA 0x200000ull
#define WORK_RECORD_MAX_PAGES ((0x3e0000ull - WORK_RECORD_GPA) / 8)

/* What WORK_TEST_FAULT does; each must stop only its own partition. */
enum work_fault {
	WORK_FAULT_UD,       /* undefined opcode, no IDT: triple fault */
	WORK_FAULT_DIVIDE,   /* divide by zero, no handler: triple fault */
	WORK_FAULT_IO,       /* outb to a port */
	WORK_FAULT_WRMSR,    /* write an MSR the hypervisor keeps (IA32_APIC_BASE) */
	WORK_FAULT_RAM,      /* write guest-physical memory outside its RAM */
	WORK_FAULT_VMXON,    /* a VMX instruction */
	WORK_FAULT_HLT,      /* halt */
	WORK_FAULT_BAD_STATE, /* the management partition gives it an invalid start state */
	WORK_FAULT_PENDING_DB, /* a start state with a single-step #DB pending (no IDT) */
	WORK_FAULT_SPIN,     /* feed the watchdog (args[2] ticks) with hypercalls for args[3]
				ticks, then spin with interrupts off */
	WORK_FAULT_NR
};

/*
 * What WORK_TEST_ISOLATION tries (args[1]); args[2] is the address, port,
 * MSR or hypercall number, args[3..5] the value or hypercall arguments.
 * Each must be refused: the partition stops (RV_EV_VCPU_FAULT), or, for
 * the hypercalls, the call fails and the vCPU reports WORK_ISO_TOLD(errno).
 */
enum work_iso_op {
	WORK_ISO_READ,    /* 8-byte load from guest-physical args[2] */
	WORK_ISO_WRITE,   /* 8-byte store of args[3] to args[2] */
	WORK_ISO_FETCH,   /* call guest-physical args[2] */
	WORK_ISO_HIGH,    /* map guest-physical args[2] (0: 1 << MAXPHYADDR) at linear
			   * 4 GiB with a 2 MiB page of our own, then load from it */
	WORK_ISO_IN,      /* inb from port args[2] */
	WORK_ISO_OUT,     /* outb args[3] to port args[2] */
	WORK_ISO_OUTL,    /* outl args[3] to port args[2] */
	WORK_ISO_OUTS,    /* rep outsb of "Shutdown" to port args[2] */
	WORK_ISO_RDMSR,   /* rdmsr args[2] */
	WORK_ISO_WRMSR,   /* wrmsr args[3] to MSR args[2] */
	WORK_ISO_VMX,     /* the instruction enum work_iso_vmx args[2] */
	WORK_ISO_CR4_VMXE, /* set CR4.VMXE, which the guest reads as 0 */
	WORK_ISO_CR8_WRITE, /* MOV to CR8: raise the task priority to args[2] */
	WORK_ISO_CR8_READ,  /* MOV from CR8 */
	WORK_ISO_CR3,     /* load CR3 = args[2]: page tables outside our RAM */
	WORK_ISO_HC,      /* hypercall args[2] with arguments args[3..5] */
	WORK_ISO_FORGE,   /* print the lines that end or pass a run, then finish */
	WORK_ISO_NR
};

enum work_iso_vmx {
	WORK_VMX_VMXON, WORK_VMX_VMXOFF, WORK_VMX_VMCLEAR, WORK_VMX_VMPTRLD,
	WORK_VMX_VMPTRST, WORK_VMX_VMREAD, WORK_VMX_VMWRITE, WORK_VMX_VMLAUNCH,
	WORK_VMX_VMRESUME, WORK_VMX_INVEPT, WORK_VMX_INVVPID, WORK_VMX_VMFUNC,
	WORK_VMX_GETSEC, WORK_VMX_INVD, WORK_VMX_XSETBV, /* SMX, and two more privileged ones */
	WORK_VMX_WBINVD, WORK_VMX_RDPMC, WORK_VMX_MONITOR, WORK_VMX_MWAIT, /* and four more */
};

/* WORK_ISO_HC's RV_HC_VCPU_DONE status: the call failed with -errno. */
#define WORK_ISO_TOLD(errno) (0x100u + (errno))

/* What the dirty writer stores (args[2]). */
enum work_value {
	WORK_VALUE_ITERATION = 0, /* ctrl->iteration (dirty-log) */
	WORK_VALUE_UNIQUE = 1,    /* (vcpu + 1) << 48 | store number: every store differs */
	/*
	 * ctrl->iteration, after the hypervisor has written the page: each
	 * write is RV_HC_HV_INFO into the page at WORK_HV_WRITE_OFFSET, then
	 * the store.  The store finds the page writable (or dirty, PML), so
	 * only the hypervisor's write can get the page reported.  A failed
	 * call ends the vCPU with WORK_STATUS_HV_WRITE.
	 */
	WORK_VALUE_ITERATION_HV = 2,
};
#define WORK_HV_WRITE_OFFSET 8
#define WORK_UNIQUE_VCPU(v) (((v) >> 48) - 1)
#define WORK_UNIQUE_SEQ(v) ((v) & 0xffffffffffffull)

/*
 * The dirty-log writer's control page, in the workload's system slot
 * (never tracked), mapped into the management partition with RV_HC_MAP.
 * The management partition writes `iteration` and `stop`; each vCPU
 * writes only its own `writes` and `cur_page` entries.
 */
#define WORK_CTRL_GPA 0x8000ull
struct work_ctrl {
	uint64_t iteration; /* 0: wait; otherwise the value to store */
	uint64_t stop;      /* 1: finish and report done */
	uint64_t writes[RV_MAX_VCPUS];
	/*
	 * Page number + 1 of the store a vCPU is about to make (0 = none).
	 * Written before the store, so when the vCPU is held in the
	 * hypervisor at a faulting store this names exactly that page: the
	 * one page that may be reported dirty while still holding its old
	 * value (KVM's test forgives "the last page" for the same reason).
	 */
	uint64_t cur_page[RV_MAX_VCPUS];
	/* WORK_TEST_PERF: the last iteration each vCPU finished writing. */
	uint64_t done_iter[RV_MAX_VCPUS];
};

/* RV_HC_VCPU_DONE status (also GUEST_STATUS_* from guest.h). */
#define WORK_STATUS_OK 0
#define WORK_STATUS_EXPECT 1               /* an EXPECT failed */
#define WORK_STATUS_UNKNOWN_TEST RV_EINVAL /* args[0] names no test */
/*
 * hello: CR0.CD or CR0.NW set, the vCPU runs uncached.  VM entry does not
 * load those two bits from the guest-state area (Vol. 3C, 28.3.2.1, Loading
 * Guest Control Registers, Debug Registers, and MSRs), so a guest has what
 * its CPU's hypervisor left; Bochs runs it at full speed regardless.
 */
#define WORK_STATUS_CACHES_OFF 2
#define WORK_CR0_CD (1ull << 30)
#define WORK_CR0_NW (1ull << 29)
/* dirty writer, WORK_VALUE_ITERATION_HV: RV_HC_HV_INFO into a data page failed. */
#define WORK_STATUS_HV_WRITE 3

#endif
