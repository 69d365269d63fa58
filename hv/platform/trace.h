/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's event trace: a fixed ring of struct rv_trace_rec
 * (format in hv/abi/hypercall.h), written by every CPU, read out by the
 * management partition (RV_HC_TRACE) and turned into text by
 * tools/hvtrace.  Off by default; when off, trace() costs one load.
 */
#ifndef RV_TRACE_H
#define RV_TRACE_H

#include "abi/hypercall.h"
#include "lib/types.h"

extern bool trace_on; /* owned by trace.c; set only by RV_HC_TRACE */
void trace_emit(u16 type, u32 a, u64 b, u64 c);
static inline void trace(u16 type, u32 a, u64 b, u64 c)
{
	if (__builtin_expect(READ_ONCE(trace_on), 0))
		trace_emit(type, a, b, c);
}
/* Copy up to max records, oldest first, into out; returns how many. */
u32 trace_read(struct rv_trace_rec *out, u32 max, u64 *lost);
void trace_enable(bool on);

#endif
