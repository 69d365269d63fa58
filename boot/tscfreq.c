// SPDX-License-Identifier: MIT
#include "tscfreq.h"

uint64_t tscfreq_khz_cpuid15(uint32_t eax, uint32_t ebx, uint32_t ecx)
{
	if (!eax || !ebx || !ecx)
		return 0;
	return (uint64_t)ecx * ebx / eax / 1000;
}

uint64_t tscfreq_khz_measured(uint64_t ticks, uint64_t us)
{
	return us ? ticks * 1000 / us : 0;
}
