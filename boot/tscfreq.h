/* SPDX-License-Identifier: MIT */
/*
 * The TSC frequency from what the processor reports or what the loader
 * measured: pure arithmetic, host-tested (tests/unit/test_tscfreq.c).
 */
#ifndef RV_BOOT_TSCFREQ_H
#define RV_BOOT_TSCFREQ_H

#include <stdint.h>

/*
 * CPUID leaf 0x15 (Time Stamp Counter and Nominal Core Crystal Clock):
 * TSC Hz = ECX (crystal Hz) * EBX / EAX.  0 when a value is 0, which the
 * SDM allows for each of them ("not enumerated").
 */
uint64_t tscfreq_khz_cpuid15(uint32_t eax, uint32_t ebx, uint32_t ecx);
/* ticks counted over us microseconds, in kHz (rounded down); 0 if us is 0. */
uint64_t tscfreq_khz_measured(uint64_t ticks, uint64_t us);

#endif
