// SPDX-License-Identifier: MIT
/*
 * EPT invalidation on other CPUs.  A CPU caches EPT-derived translations
 * (Vol. 3C, 29.4, Caching Translation Information); when a partition's EPT
 * loses a permission (write protection for dirty logging, an unmapped
 * window), every CPU that runs one of its vCPUs must drop them before the
 * change counts (29.4.3.1, Operations that Invalidate Cached Mappings).
 * The requester bumps the target's flush_req and kicks it; the target runs
 * INVEPT and publishes flush_done (struct percpu says who owns what).
 */
#include "lib/x86.h"
#include "platform/apic.h"
#include "platform/console.h"
#include "platform/percpu.h"
#include "platform/smp.h"
#include "platform/tsc.h"
#include "vmx/vmx.h"

void vmx_flush_service(void)
{
	struct percpu *c = this_cpu();
	u64 req = load_acquire(&c->flush_req);

	if (req != READ_ONCE(c->flush_done)) {
		vmx_invept_all();
		store_release(&c->flush_done, req);
	}
}

void vmx_wait_relax(void)
{
	vmx_flush_service();
	cpu_relax();
}

/* A CPU did not answer even NMIs: print where it was; the caller decides. */
static void report_stuck(u32 i, const struct smp_wait *w)
{
	struct percpu *t = &cpus[i];

	hv_printf("CPU %u did not answer an EPT invalidation request (%u NMIs sent): "
		  "in_guest=%u last_exit=%u loops=%lu flush %lu/%lu\n",
		  i, w->nmis, READ_ONCE(t->in_guest), READ_ONCE(t->last_exit), READ_ONCE(t->loops),
		  READ_ONCE(t->flush_done), READ_ONCE(t->flush_req));
}

u64 vmx_flush_cpus(u64 mask)
{
	struct smp_wait w[RV_MAX_CPUS];
	u64 want[RV_MAX_CPUS], stuck = 0;
	u32 self = this_cpu_id();

	for (u32 i = 0; i < nr_cpus; i++) {
		if (!(mask & BIT(i)) || i == self)
			continue;
		want[i] = __atomic_add_fetch(&cpus[i].flush_req, 1, __ATOMIC_SEQ_CST);
		smp_wait_begin(&w[i], i);
	}
	if (mask & BIT(self))
		vmx_invept_all();
	for (u32 i = 0; i < nr_cpus; i++) {
		if (!(mask & BIT(i)) || i == self)
			continue;
		while (load_acquire(&cpus[i].flush_done) < want[i]) {
			if (!smp_wait_more(&w[i])) {
				report_stuck(i, &w[i]);
				stuck |= BIT(i);
				break;
			}
			vmx_wait_relax();
		}
	}
	return stuck;
}
