// SPDX-License-Identifier: MIT
/*
 * faults: misbehaving workloads stop only themselves.  For each kind of
 * misbehaviour (enum work_fault) a one-vCPU workload is started; the
 * hypervisor must stop it and send us RV_EV_VCPU_FAULT with the exit
 * reason that caught it, while a bystander workload (a dirty writer, when
 * a CPU is free for it) keeps making progress.
 *
 *	RESULT faults PASS kinds=7 contained=7 bystander_writes=N
 */
#include "track.h"

#define FAULT_WAIT_TICKS 2000000000ull

static const struct {
	const char *name;
	uint64_t exit_reason; /* what the hypervisor must report (Vol. 3D, App. C) */
} kinds[WORK_FAULT_NR] = {
	[WORK_FAULT_UD] = { "ud2", 2 },         /* triple fault */
	[WORK_FAULT_DIVIDE] = { "divide", 2 },  /* triple fault */
	[WORK_FAULT_IO] = { "io", 30 },         /* I/O instruction */
	[WORK_FAULT_WRMSR] = { "wrmsr", 32 },   /* WRMSR */
	[WORK_FAULT_RAM] = { "ram", 48 },       /* EPT violation */
	[WORK_FAULT_VMXON] = { "vmxon", 27 },   /* VMXON */
	[WORK_FAULT_HLT] = { "hlt", 12 },       /* HLT */
};

static bool one_fault(struct scenario_run *run, uint32_t kind)
{
	struct rv_partition_spec spec = { .image = RV_IMAGE_WORK_ABI, .nr_vcpus = 1,
					  .args = { WORK_TEST_FAULT, kind } };
	struct rv_event ev;
	bool ok = false;
	long id = hc_partition_create(&spec);

	if (id < 0) {
		result_fail(run, "reason=create kind=%s err=%ld", kinds[kind].name, id);
		return false;
	}
	if (hc_partition_start((uint64_t)id)) {
		result_fail(run, "reason=start kind=%s", kinds[kind].name);
		goto out;
	}
	for (;;) {
		if (hc_wait_event(&ev, FAULT_WAIT_TICKS) || ev.type == RV_EV_TIMEOUT) {
			result_fail(run, "reason=no-fault-event kind=%s", kinds[kind].name);
			break;
		}
		if (ev.partition != id)
			continue; /* the bystander's ring events: not ours to judge here */
		if (ev.type != RV_EV_VCPU_FAULT) {
			result_fail(run, "reason=wrong-event kind=%s type=%u", kinds[kind].name, ev.type);
			break;
		}
		gprintf("faults: %s stopped partition %ld: exit %lu, info 0x%lx\n", kinds[kind].name,
			id, ev.arg, ev.info);
		if (ev.arg != kinds[kind].exit_reason) {
			result_fail(run, "reason=wrong-exit kind=%s exit=%lu want=%lu", kinds[kind].name,
				    ev.arg, kinds[kind].exit_reason);
			break;
		}
		if (kind == WORK_FAULT_RAM && ev.info != 0x30000000ull) {
			result_fail(run, "reason=wrong-gpa info=0x%lx", ev.info);
			break;
		}
		ok = true;
		break;
	}
out:
	if (hc_partition_destroy((uint64_t)id))
		result_fail(run, "reason=destroy kind=%s", kinds[kind].name);
	return ok;
}

void scenario_faults(struct scenario_run *run)
{
	struct rv_hv_info info;
	struct tracked by;
	uint32_t contained = 0;
	uint64_t before = 0, after = 0;
	bool bystander = false;

	mgmt_alloc_reset();
	memset(&by, 0, sizeof(by));
	if (hc_hv_info(&info) == 0 && info.free_cpus >= 2) {
		/* A writer in its own partition that must not notice anything. */
		bystander = track_create(run, &by, MODE_BITMAP, 1, 1, 0, 7, WORK_VALUE_ITERATION, 0) &&
			    track_start(run, &by);
		if (bystander)
			store_release(&by.ctrl->iteration, 1);
	}
	if (bystander) {
		uint64_t until = rdtsc() + 2000000;
		while (rdtsc() < until)
			cpu_relax();
		before = track_writes(&by);
	}
	for (uint32_t k = 0; k < WORK_FAULT_NR; k++)
		contained += one_fault(run, k);
	if (bystander) {
		after = track_writes(&by);
		if (after <= before)
			result_fail(run, "reason=bystander-stalled writes=%lu", after);
		track_finish(run, &by);
	}
	result_kv(run, "kinds=%u contained=%u bystander=%d bystander_writes=%lu", WORK_FAULT_NR,
		  contained, bystander, after - before);
	if (contained != WORK_FAULT_NR)
		result_fail(run, "reason=not-contained contained=%u", contained);
}
