// SPDX-License-Identifier: MIT
#include "platform/percpu.h"
#include "platform/trace.h"
#include "lib/x86.h"

#define TRACE_RECS 16384 /* 512 KiB */

/* Owned by this file: writers claim a slot with an atomic increment of
 * head; the single reader (the management vCPU) keeps tail. */
bool trace_on;
static struct rv_trace_rec buf[TRACE_RECS];
static u64 head, tail;

void trace_emit(u16 type, u32 a, u64 b, u64 c)
{
	u64 i = __atomic_fetch_add(&head, 1, __ATOMIC_RELAXED);
	struct rv_trace_rec *r = &buf[i % TRACE_RECS];

	r->tsc = rdtsc();
	r->cpu = (u16)this_cpu_id();
	r->a = a;
	r->b = b;
	r->c = c;
	store_release(&r->type, type); /* the reader skips type 0: not written yet */
}

void trace_enable(bool on)
{
	if (on) {
		tail = load_acquire(&head);
	}
	store_release(&trace_on, on);
}

u32 trace_read(struct rv_trace_rec *out, u32 max, u64 *lost)
{
	u64 h = load_acquire(&head);
	u32 n = 0;

	*lost = 0;
	if (h - tail > TRACE_RECS) { /* overwritten before we read them */
		*lost = h - tail - TRACE_RECS;
		tail = h - TRACE_RECS;
	}
	while (tail != h && n < max) {
		struct rv_trace_rec *r = &buf[tail % TRACE_RECS];
		if (!load_acquire(&r->type))
			break; /* claimed but not written yet */
		out[n++] = *r;
		r->type = 0;
		tail++;
	}
	return n;
}
