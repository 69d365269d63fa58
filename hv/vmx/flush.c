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
#include "platform/panic.h"
#include "platform/percpu.h"
#include "platform/smp.h"
#include "platform/tsc.h"
#include "vmx/vmx.h"

/* How long a CPU may take to answer before it counts as stuck. */
#define WAIT_LIMIT_MS 5000

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

/* A CPU did not answer: print where it was, ask it by NMI, then stop. */
static void __attribute__((noreturn)) stuck(u32 i)
{
	struct percpu *t = &cpus[i];

	hv_printf("CPU %u: in_guest=%u last_exit=%u loops=%lu flush %lu/%lu\n", i,
		  READ_ONCE(t->in_guest), READ_ONCE(t->last_exit), READ_ONCE(t->loops),
		  READ_ONCE(t->flush_done), READ_ONCE(t->flush_req));
	/* Ask it where it is: an NMI gets through when the kick did not. */
	WRITE_ONCE(t->dump_req, 1);
	apic_send_nmi(t->apic_id);
	udelay(100000); /* 100 ms for its NMI dump to reach the console */
	panic("CPU %u did not answer an EPT invalidation request", i);
}

void vmx_flush_cpus(u64 mask)
{
	u64 want[RV_MAX_CPUS];
	u32 self = this_cpu_id();

	for (u32 i = 0; i < nr_cpus; i++) {
		if (!(mask & BIT(i)) || i == self)
			continue;
		want[i] = __atomic_add_fetch(&cpus[i].flush_req, 1, __ATOMIC_SEQ_CST);
		smp_kick_cpu(i);
	}
	if (mask & BIT(self))
		vmx_invept_all();
	for (u32 i = 0; i < nr_cpus; i++) {
		if (!(mask & BIT(i)) || i == self)
			continue;
		u64 end = rdtsc() + tsc_ms(WAIT_LIMIT_MS);
		while (load_acquire(&cpus[i].flush_done) < want[i]) {
			if (rdtsc() > end)
				stuck(i);
			vmx_wait_relax();
		}
	}
}
