// SPDX-License-Identifier: MIT
/* Reading out the hypervisor's trace: see tracedump.h. */
#include "tracedump.h"

void trace_start(void)
{
	long rc = hc_trace(RV_TRACE_ENABLE, NULL, 0);

	if (rc < 0)
		gprintf("trace: enable failed err=%ld\n", rc);
}

static void trace_stop(void)
{
	long rc = hc_trace(RV_TRACE_DISABLE, NULL, 0);

	if (rc < 0)
		gprintf("trace: disable failed err=%ld\n", rc);
}

uint64_t trace_dump(const char *tag)
{
	struct rv_trace_rec buf[TRACE_READ_MAX];
	uint64_t total = 0;
	long rc;

	if (!tag)
		tag = "-";
	trace_stop();
	gprintf("TRACE-BEGIN %s\n", tag);
	while ((rc = hc_trace(RV_TRACE_READ, buf, TRACE_READ_MAX)) > 0) {
		for (long i = 0; i < rc && i < TRACE_READ_MAX; i++) {
			const struct rv_trace_rec *r = &buf[i];

			gprintf("TRACE %x %lx %x %x %lx %lx\n", (unsigned int)r->cpu, r->tsc,
				(unsigned int)r->type, (unsigned int)r->a, r->b, r->c);
		}
		total += (uint64_t)rc;
	}
	if (rc < 0)
		gprintf("TRACE-END %s records=%lu err=%ld\n", tag, total, rc);
	else
		gprintf("TRACE-END %s records=%lu\n", tag, total);
	return total;
}

uint64_t trace_collect(struct rv_trace_rec *out, uint64_t max)
{
	uint64_t n = 0;

	trace_stop();
	while (n < max) {
		uint64_t want = max - n < TRACE_READ_MAX ? max - n : TRACE_READ_MAX;
		long rc = hc_trace(RV_TRACE_READ, out + n, want);

		if (rc < 0) {
			gprintf("trace: read failed err=%ld after %lu records\n", rc, n);
			break;
		}
		if (rc == 0)
			break;
		n += (uint64_t)rc <= want ? (uint64_t)rc : want;
	}
	return n;
}
