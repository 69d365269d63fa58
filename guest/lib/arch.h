/* SPDX-License-Identifier: MIT */
/* CPU helpers and atomics for guests: all inline, no state. */
#ifndef GUEST_ARCH_H
#define GUEST_ARCH_H

#include <stdbool.h>
#include <stdint.h>

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Spin-wait hint; the "memory" clobber makes polled loads re-read memory. */
static inline void cpu_relax(void)
{
	asm volatile("pause" ::: "memory");
}

/*
 * Atomics on plain integer/pointer objects shared between vCPUs.  x86 is
 * TSO, but the compiler is not: these also stop it from caching, tearing or
 * reordering the access.
 */
#define load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define load_relaxed(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
/* Returns the old value. */
#define fetch_add(p, v) __atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST)
/* Returns true and stores @new if *p == *expected; else loads *expected. */
#define compare_exchange(p, expected, new)                                      \
	__atomic_compare_exchange_n((p), (expected), (new), false, __ATOMIC_SEQ_CST, \
				    __ATOMIC_SEQ_CST)

#endif
