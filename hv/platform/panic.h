/* SPDX-License-Identifier: MIT */
/*
 * panic(): print where and why, dump what the CPU was doing (the current
 * VM exit and the guest registers when a vCPU was running), then stop the
 * whole machine with failure status 1.  The line "RINGVISOR PANIC" is what
 * tools/hvrun looks for.
 */
#ifndef RV_PANIC_H
#define RV_PANIC_H

#include "lib/types.h"

void hv_panic(const char *file, int line, const char *f, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
#define panic(...) hv_panic(__FILE__, __LINE__, __VA_ARGS__)

/* Asserts stay on in test builds (RV_ASSERTS=1, the default). */
#if RV_ASSERTS
#define ASSERT(c)                                           \
	do {                                                \
		if (!(c))                                   \
			panic("assertion failed: %s", #c); \
	} while (0)
#else
#define ASSERT(c) ((void)0)
#endif

/*
 * The platform knows nothing of vCPUs; a higher layer registers what to
 * print about this CPU's current guest (hv/exits/run.c: the exit and the
 * guest registers).  panic() calls it; so may anyone about to stop.
 */
void panic_set_dump_hook(void (*fn)(void));
void panic_dump_state(void);

/* Power the machine off: Bochs' shutdown port, QEMU's isa-debug-exit. */
void machine_shutdown(int status) __attribute__((noreturn));

#endif
