// SPDX-License-Identifier: MIT
#include "platform/tsc.h"
#include "lib/x86.h"

/* Set once by the boot CPU before the APs start; read-only afterwards. */
static u64 khz;

void tsc_init(u64 k)
{
	khz = k;
}
u64 tsc_khz(void)
{
	return khz;
}

/* CPUID.80000007H:EDX[8]: the TSC counts at one rate in every P-, C- and T-state. */
bool cpu_has_invariant_tsc(void)
{
	u32 a, b, c, d;

	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000007)
		return false;
	cpuid(0x80000007, 0, &a, &b, &c, &d);
	return d & BIT(8);
}
u64 tsc_us(u64 us)
{
	return tsc_ticks(khz, us);
}
u64 tsc_ms(u64 ms)
{
	return tsc_ticks(khz, ms * 1000);
}

void udelay(u64 us)
{
	u64 end = rdtsc() + tsc_us(us);

	while (rdtsc() < end)
		cpu_relax();
}
