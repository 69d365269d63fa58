// SPDX-License-Identifier: MIT
/*
 * events: no event is lost to an exit during its delivery.  The workload
 * (guest/work/events.c) keeps its IDT, a GDT copy and its stack in its
 * data slot and takes single-step traps, INT3, INT 0x80 and #UD, round
 * after round, while we harvest and reset its ring (or get and clear its
 * bitmap) as fast as we can: each reset write-protects the stack page
 * again, so the next event's delivery takes an EPT violation, which the
 * hypervisor must answer by injecting the event again.  Both sides count:
 * the workload the events that reached its handlers (exact numbers are
 * known: 64 traps and one of each other per round), the hypervisor the
 * events it re-injected (which must not be 0, or nothing was tested).
 */
#include "track.h"

#define EVENTS_STEPS 64 /* guest/work/events.c: EV_STEPS */
#define EVENTS_WAIT_MS 200000

void scenario_events(struct scenario_run *run)
{
	struct tracked t;
	struct rv_event ev;
	struct rv_vcpu_stats st;
	enum track_mode mode;
	uint64_t rounds, ring, collects = 0;
	bool done = false;

	mgmt_alloc_reset();
	if (!track_mode_parse(param_str(run, "mode"), &mode) || mode == MODE_RING_WAIT) {
		result_fail(run, "reason=bad-value mode=%s (ring|bitmap|pml)", param_str(run, "mode"));
		return;
	}
	if (!param_u64(run, "rounds", 1000000, &rounds) ||
	    !param_u64(run, "ring", RV_RING_MAX_ENTRIES, &ring))
		return;
	if (!track_create(run, &t, WORK_TEST_EVENTS, mode, 1, 1, ring, 0, 0, rounds) ||
	    !track_log_on(run, &t) || !track_start(run, &t))
		goto out;
	for (uint64_t end = rdtsc() + ms_ticks(EVENTS_WAIT_MS); !done;) {
		if (!track_collect(run, &t))
			goto out;
		collects++;
		while (hc_wait_event(&ev, 0) == 0 && ev.type != RV_EV_TIMEOUT) {
			if (ev.partition != t.id || ev.type == RV_EV_RING_FULL)
				continue;
			if (ev.type != RV_EV_VCPU_DONE || ev.arg != WORK_STATUS_OK) {
				result_fail(run, "reason=workload type=%u arg=%lu info=0x%lx", ev.type,
					    ev.arg, ev.info);
				goto out;
			}
			done = true;
		}
		if (rdtsc() > end) {
			result_fail(run, "reason=timeout rounds_done=%lu", t.ctrl->writes[0]);
			goto out;
		}
	}
	if (hc_vcpu_stats((uint64_t)t.id, 0, &st)) {
		result_fail(run, "reason=stats");
		goto out;
	}
	uint64_t ran = t.ctrl->done_iter[0], traps = t.ctrl->cur_page[0];
	uint64_t others = t.ctrl->cur_page[1];
	result_kv(run, "mode=%s rounds=%lu traps=%lu traps_want=%lu others=%lu others_want=%lu",
		  param_str(run, "mode"), ran, traps, ran * EVENTS_STEPS, others, 3 * ran);
	result_kv(run, "collects=%lu reinjected=%lu", collects, st.reinjected);
	if (ran != rounds || traps != ran * EVENTS_STEPS || others != 3 * ran)
		result_fail(run, "reason=lost-events");
	else if (mode != MODE_PML && st.reinjected == 0)
		result_fail(run, "reason=not-exercised (no exit during event delivery)");
out:
	if (t.id > 0 && hc_partition_destroy((uint64_t)t.id))
		result_fail(run, "reason=destroy");
}
