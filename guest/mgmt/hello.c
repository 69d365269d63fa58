// SPDX-License-Identifier: MIT
/*
 * hello: the smoke test.  Start a workload whose vCPUs print a line each
 * and report done; check every vCPU finished with status 0, read their
 * exit counters, destroy the partition and check its CPUs came back.
 * Runs the negative ABI checks (abi.c) on the side.
 *
 *	RESULT hello PASS cpus=N vmx_cpus=N vcpus=M done=M exits=E abi_checks=K/K
 */
#include "mgmt.h"
#include "worktests.h"

/* Per RV_HC_WAIT_EVENT: seconds on hardware, much longer under Bochs. */
#define HELLO_WAIT_MS 20000
/* Events beyond one per vCPU that we put up with before giving up. */
#define MAX_STRAY_EVENTS 8
/* Basic exit reason of VMCALL (SDM Vol. 3D, appendix C). */

/* Collect RV_EV_VCPU_DONE from every vCPU of partition @id; returns how many. */
static uint32_t wait_done(struct scenario_run *run, long id, uint32_t vcpus)
{
	bool done[RV_MAX_VCPUS] = { false };
	uint32_t nr_done = 0, stray = 0;
	struct rv_event ev;

	while (nr_done < vcpus) {
		long rc = hc_wait_event(&ev, ms_ticks(HELLO_WAIT_MS));

		if (rc) {
			result_fail(run, "reason=wait err=%ld", rc);
			break;
		}
		if (ev.type == RV_EV_TIMEOUT) {
			result_fail(run, "reason=timeout done=%u/%u", nr_done, vcpus);
			break;
		}
		if (ev.type == RV_EV_VCPU_FAULT && ev.partition == id) {
			/* The others may never finish; destroy stops them. */
			result_fail(run, "reason=fault vcpu=%u exit=%lu info=0x%lx", ev.vcpu, ev.arg,
				    ev.info);
			break;
		}
		if (ev.type != RV_EV_VCPU_DONE || ev.partition != id || ev.vcpu >= vcpus ||
		    done[ev.vcpu]) {
			gprintf("hello: unexpected event type %u partition %u vcpu %u arg 0x%lx\n",
				ev.type, ev.partition, ev.vcpu, ev.arg);
			result_fail(run, "reason=unexpected-event type=%u partition=%u vcpu=%u",
				    ev.type, ev.partition, ev.vcpu);
			if (++stray > MAX_STRAY_EVENTS)
				break;
			continue;
		}
		done[ev.vcpu] = true;
		nr_done++;
		/* The workload checks its own CR0: caches must be on (CD, NW clear). */
		if (!EXPECT(ev.arg != WORK_STATUS_CACHES_OFF))
			result_fail(run, "reason=cr0-caches-off vcpu=%u", ev.vcpu);
		else if (ev.arg != WORK_STATUS_OK)
			result_fail(run, "reason=status vcpu=%u status=%lu", ev.vcpu, ev.arg);
	}
	return nr_done;
}

/* Sum the vCPUs' exit counters, checking they look sane. */
static uint64_t sum_exits(struct scenario_run *run, long id, uint32_t vcpus)
{
	struct rv_vcpu_stats st;
	uint64_t total = 0;

	for (uint32_t v = 0; v < vcpus; v++) {
		uint64_t by_reason = 0;
		long rc = hc_vcpu_stats((uint64_t)id, v, &st);

		if (rc) {
			result_fail(run, "reason=stats vcpu=%u err=%ld", v, rc);
			continue;
		}
		for (int r = 0; r < RV_NR_EXIT_REASONS; r++)
			by_reason += st.exits[r];
		gprintf("hello: vCPU %u: %lu exits, %lu VMCALL\n", v, st.exits_total,
			st.exits[RV_EXIT_VMCALL]);
		EXPECT(by_reason <= st.exits_total);
		/* Every vCPU printed its line with a VMCALL before it was done. */
		EXPECT(st.exits[RV_EXIT_VMCALL] >= 1);
		total += st.exits_total;
	}
	return total;
}

void scenario_hello(struct scenario_run *run)
{
	struct rv_partition_spec spec = { .image = RV_IMAGE_WORK_ABI, .args = { WORK_TEST_HELLO } };
	struct rv_hv_info info, after;
	unsigned int abi_ok = 0, abi_total = 0;
	uint32_t nr_done = 0;
	uint64_t vcpus, exits = 0;
	long id, rc;

	if (!param_u64(run, "vcpus", UINT32_MAX, &vcpus))
		return;
	rc = hc_hv_info(&info);
	if (rc) {
		result_fail(run, "reason=hv-info err=%ld", rc);
		return;
	}
	result_kv(run, "cpus=%u vmx_cpus=%u vcpus=%lu", info.nr_cpus, info.vmx_cpus, vcpus);
	if (info.vmx_cpus != info.nr_cpus)
		result_fail(run, "reason=vmx-cpus vmx_cpus=%u cpus=%u", info.vmx_cpus, info.nr_cpus);
	EXPECT_EQ(info.abi_version, hc_version());
	EXPECT_EQ(info.partition, guest_boot()->partition);
	EXPECT_EQ(info.vcpu, 0);
	if (!EXPECT(info.tsc_khz != 0))
		result_fail(run, "reason=no-tsc-khz");

	abi_negative_checks(&abi_ok, &abi_total);

	spec.nr_vcpus = (uint32_t)vcpus;
	id = hc_partition_create(&spec);
	if (id < 0) {
		if (id == -RV_ENOSPC)
			gprintf("hello: %lu vCPUs need %lu free CPUs, the hypervisor has %u free "
				"of %u (give the machine more: tools/hvrun --cpus N)\n",
				vcpus, vcpus, info.free_cpus, info.nr_cpus);
		result_fail(run, "reason=create err=%ld", id);
		goto out;
	}
	if (vcpus > RV_MAX_VCPUS) {
		result_fail(run, "reason=create-accepted vcpus=%lu max=%d", vcpus, RV_MAX_VCPUS);
		goto destroy;
	}
	rc = hc_partition_start((uint64_t)id);
	if (rc) {
		result_fail(run, "reason=start err=%ld", rc);
		goto destroy;
	}
	nr_done = wait_done(run, id, (uint32_t)vcpus);
	exits = sum_exits(run, id, (uint32_t)vcpus);

destroy:
	rc = hc_partition_destroy((uint64_t)id);
	if (rc) {
		result_fail(run, "reason=destroy err=%ld", rc);
		goto out;
	}
	/* The id is gone and its CPUs are free again. */
	abi_total++;
	abi_ok += EXPECT_EQ(hc_partition_start((uint64_t)id), -RV_ENOENT);
	if (EXPECT_EQ(hc_hv_info(&after), 0)) {
		if (after.free_cpus != info.free_cpus)
			result_fail(run, "reason=cpu-leak free_cpus=%u before=%u", after.free_cpus,
				    info.free_cpus);
		/* Informational: the allocator may keep caches. */
		gprintf("hello: hypervisor free pages %lu before, %lu after\n", info.free_pages,
			after.free_pages);
	}
out:
	result_kv(run, "done=%u exits=%lu abi_checks=%u/%u", nr_done, exits, abi_ok, abi_total);
	if (abi_ok != abi_total)
		result_fail(run, "reason=abi-checks failed=%u", abi_total - abi_ok);
}
