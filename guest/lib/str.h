/* SPDX-License-Identifier: MIT */
/*
 * The few libc string routines guests use.  GCC may also emit calls to
 * memset/memcpy/memmove/memcmp by itself (struct copies, zeroing), even
 * with -ffreestanding, so these must exist under their usual names.
 */
#ifndef GUEST_STR_H
#define GUEST_STR_H

#include <stddef.h>

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif
