/* SPDX-License-Identifier: MIT */
/*
 * Formatting and console output.
 *
 * vsnprintf/snprintf understand %d %i %u %x %X %c %s %p %% with the length
 * modifiers hh h l ll z, the flags '-' (left-align) and '0' (zero-pad), a
 * field width, and a precision for %s (max. characters; "%.*s" works).
 * They always NUL-terminate (if size > 0) and return the length the whole
 * output would have had, like C's.
 *
 * gprintf writes its output with one RV_HC_CONSOLE_WRITE, so a line is
 * never interleaved with other vCPUs' output.  The hypervisor prefixes
 * every line with "[cpuN] pP.V| " and ends an unterminated write with a
 * newline, so print whole lines (ending in "\n").  Output is cut at
 * GPRINTF_MAX bytes (the buffer is on the caller's stack).
 */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

#define GPRINTF_MAX 512

#define __printf(f, a) __attribute__((format(printf, f, a)))

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
void gvprintf(const char *fmt, va_list ap);
void gprintf(const char *fmt, ...) __printf(1, 2);

#endif
