/* SPDX-License-Identifier: MIT */
/*
 * Reading the hypervisor's event trace (RV_HC_TRACE) out of the
 * management partition.  Only the management partition may call these
 * (every other partition gets -RV_EPERM from the hypercall).
 *
 *	trace_start();              // tracing on; older records are dropped
 *	... the workload runs ...
 *	n = trace_dump("dirty-log");  // tracing off; every record printed
 *
 * trace_dump() prints, each as one console line,
 *
 *	TRACE-BEGIN <tag>
 *	TRACE <cpu> <tsc> <type> <a> <b> <c>      one per record, oldest first
 *	TRACE-END <tag> records=<n>[ err=<rc>]
 *
 * where the six fields of a TRACE line are the fields of struct
 * rv_trace_rec (hv/abi/hypercall.h) in lowercase hex without "0x", e.g.
 *
 *	TRACE 1 3a2f9c1 2 10000 1fc36d000 582
 *
 * (the hypervisor puts "[cpuN] pP.V| " in front of each line on the
 * console).  tools/hvtrace turns a run's log into readable events.
 *
 * Both trace_dump() and trace_collect() switch tracing off *before*
 * reading.  They have to: while tracing is on, every RV_HC_TRACE read and
 * every console line is itself a VM exit of ours and adds a record, so
 * "read until nothing is left" would never end.  Records not read stay
 * in the hypervisor's buffer (for a later trace_dump/trace_collect) until
 * the next trace_start(), which drops them.  The buffer holds 16384
 * records; older ones are overwritten (the hypervisor prints how many).
 */
#ifndef MGMT_TRACEDUMP_H
#define MGMT_TRACEDUMP_H

#include "guest.h"

/* Records per RV_HC_TRACE read (the hypervisor's limit). */
#define TRACE_READ_MAX 32

/* Switch tracing on.  Records left from an earlier trace are dropped. */
void trace_start(void);

/*
 * Switch tracing off, then print every record still in the buffer as
 * above, between TRACE-BEGIN/TRACE-END lines naming @tag (NULL = "-").
 * Returns the number of records printed.
 */
uint64_t trace_dump(const char *tag);

/*
 * Switch tracing off, then copy up to @max records, oldest first, into
 * @out (which must lie in our RAM).  Returns the number copied; records
 * beyond @max stay in the buffer.  Prints a line only if a read fails.
 */
uint64_t trace_collect(struct rv_trace_rec *out, uint64_t max);

#endif
