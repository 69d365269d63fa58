/* SPDX-License-Identifier: MIT */
/*
 * Events for the management partition (vCPU done, faulted, ring full).
 * Any CPU posts; the management vCPU takes them with RV_HC_WAIT_EVENT
 * (which does the waiting, hv/exits/hypercall.c).  A
 * fixed ring guarded by event_lock (owned by event.c).  A "ring full"
 * event for a vCPU that already has one queued updates that one instead.
 * If the queue still overflows, the oldest event is dropped and counted,
 * and the next wait prints how many.
 */
#ifndef RV_EVENT_H
#define RV_EVENT_H

#include "abi/hypercall.h"
#include "lib/types.h"

void event_post(u32 type, u32 partition, u32 vcpu, u64 arg, u64 info);
/* Take the oldest pending event; false if there is none. */
bool event_take(struct rv_event *out);
/* Drop pending events of a partition (it is being destroyed). */
void event_flush_partition(u32 partition);

#endif
