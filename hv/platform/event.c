// SPDX-License-Identifier: MIT
#include "platform/console.h"
#include "platform/event.h"
#include "lib/spinlock.h"
#include "lib/x86.h"

#define NR_EVENTS 64

static struct spinlock event_lock;
static struct rv_event events[NR_EVENTS];
static u32 ev_head, ev_tail; /* free-running; head - tail = pending */
static u64 ev_dropped;

void event_post(u32 type, u32 partition, u32 vcpu, u64 arg, u64 info)
{
	spin_lock(&event_lock);
	/* "Ring full on vCPU n" says the same thing twice: keep one, updated. */
	if (type == RV_EV_RING_FULL)
		for (u32 i = ev_tail; i != ev_head; i++) {
			struct rv_event *e = &events[i % NR_EVENTS];
			if (e->type == type && e->partition == partition && e->vcpu == vcpu) {
				e->arg = arg;
				e->info = info;
				spin_unlock(&event_lock);
				return;
			}
		}
	if (ev_head - ev_tail == NR_EVENTS) {
		ev_tail++;
		ev_dropped++;
	}
	events[ev_head++ % NR_EVENTS] = (struct rv_event){
		.type = type, .partition = partition, .vcpu = vcpu,
		.arg = arg, .info = info, .tsc = rdtsc(),
	};
	spin_unlock(&event_lock);
}

bool event_take(struct rv_event *out)
{
	bool got = false;

	spin_lock(&event_lock);
	if (ev_head != ev_tail) {
		*out = events[ev_tail++ % NR_EVENTS];
		got = true;
	}
	if (ev_dropped) {
		hv_printf("events: %lu dropped (queue of %u full)\n", ev_dropped, NR_EVENTS);
		ev_dropped = 0;
	}
	spin_unlock(&event_lock);
	return got;
}

void event_flush_partition(u32 partition)
{
	spin_lock(&event_lock);
	u32 keep = ev_tail;
	for (u32 i = ev_tail; i != ev_head; i++)
		if (events[i % NR_EVENTS].partition != partition)
			events[keep++ % NR_EVENTS] = events[i % NR_EVENTS];
	ev_head = keep;
	spin_unlock(&event_lock);
}
