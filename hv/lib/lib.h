/* SPDX-License-Identifier: MIT */
/* Freestanding string and formatting helpers for the hypervisor. */
#ifndef RV_LIB_H
#define RV_LIB_H

#include <stdarg.h>
#include "lib/types.h"

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);

/*
 * snprintf-like formatting: %s %c %d %u %x %lx %ld %lu %llx %p %%, with
 * optional '0' padding and width (e.g. %016lx).  Always NUL-terminates;
 * returns the length it would have written.
 */
int vfmt(char *buf, size_t size, const char *f, va_list ap);
int fmt(char *buf, size_t size, const char *f, ...) __attribute__((format(printf, 3, 4)));

#endif
