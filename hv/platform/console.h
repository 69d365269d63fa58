/* SPDX-License-Identifier: MIT */
/*
 * Polled 16550 console on COM1.  Every line starts with "[cpuN] " so the
 * output of several CPUs stays readable.  One lock (console_lock, owned by
 * console.c) keeps lines whole.
 */
#ifndef RV_CONSOLE_H
#define RV_CONSOLE_H

#include "lib/types.h"

void console_init(void);
void hv_printf(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* Print a guest's console bytes, prefixed by cpu and partition/vCPU. */
void console_guest_write(u32 partition, u32 vcpu, const char *s, size_t len);
/* For the panic path: take the lock if we can within a short time. */
void console_force_unlock(void);

/* Debug logging that costs nothing unless log=verbose was configured. */
extern bool hv_verbose;
#define hv_debug(...)                        \
	do {                                 \
		if (hv_verbose)              \
			hv_printf(__VA_ARGS__); \
	} while (0)

#endif
