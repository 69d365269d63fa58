/* SPDX-License-Identifier: MIT */
/*
 * The few libc string routines guests use.  GCC may also emit calls to
 * memset/memcpy/memmove/memcmp by itself (struct copies, zeroing), even
 * with -ffreestanding, so these must exist under their usual names.
 */
#ifndef GUEST_STR_H
#define GUEST_STR_H

#include <stddef.h>
#include <stdint.h>

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/*
 * FNV-1a of [p, p + len), 8 bytes a step (then the tail), read through
 * volatile: the isolation and fuzz scenarios hash memory others may write,
 * before and after, to see that nothing changed what it should not.
 * Chain calls by passing the last result as @h; start from MEM_HASH_BASIS.
 */
#define MEM_HASH_BASIS 0xcbf29ce484222325ull
uint64_t mem_hash(uint64_t h, const void *p, uint64_t len);
/* The end of the image's code and read-only data (guest/lib/guest.ld). */
extern const char __rodata_end[];

#endif
