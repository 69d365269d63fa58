// SPDX-License-Identifier: MIT
/*
 * What hypervisor code expects from its surroundings, for host unit tests:
 * one CPU, a console that goes to stderr, and a panic that reports to
 * cmocka (so a test can expect one with expect_assert_failure()).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

uint32_t this_cpu_id(void);
void hv_printf(const char *f, ...);
void hv_panic(const char *file, int line, const char *f, ...);
void machine_shutdown(int status);

uint32_t this_cpu_id(void) { return 0; }

void hv_printf(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	vfprintf(stderr, f, ap);
	va_end(ap);
}

void hv_panic(const char *file, int line, const char *f, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, f);
	vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	mock_assert(0, buf, file, line);
	abort(); /* not reached: mock_assert fails the test or jumps back */
}

void machine_shutdown(int status)
{
	fprintf(stderr, "machine_shutdown(%d)\n", status);
	abort();
}
