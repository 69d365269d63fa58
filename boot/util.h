/* SPDX-License-Identifier: MIT */
/*
 * Freestanding helpers for the loader's pure modules (cfg, hvimage, acpi,
 * memmap, cpucheck).  No libc and no efi.h: the same code is built into
 * BOOTX64.EFI and into the host unit tests.  The names carry an rv_ prefix
 * so they never collide with libc (host) or gnu-efi's memset/memcpy.
 */
#ifndef RV_BOOT_UTIL_H
#define RV_BOOT_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define RV_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define RV_PAGE_SIZE 4096ull

void rv_memset(void *d, int c, size_t n);
void rv_memcpy(void *d, const void *s, size_t n);
int rv_memcmp(const void *a, const void *b, size_t n);
size_t rv_strlen(const char *s);
/* 1 if the n bytes at s are exactly the NUL-terminated string lit. */
int rv_streq_n(const char *s, size_t n, const char *lit);
/* Copy n bytes and a NUL; dst must hold n + 1 bytes. */
void rv_strcpy_n(char *dst, const char *s, size_t n);

/* Unaligned little-endian loads, for firmware tables. */
uint16_t rv_get16(const void *p);
uint32_t rv_get32(const void *p);
uint64_t rv_get64(const void *p);

/*
 * snprintf subset: %s %c %d %u %x %X %p %%, length modifiers l ll z,
 * '0' flag and a width (%016llx).  Always NUL-terminates when size > 0
 * and returns the number of characters written (not counting the NUL).
 * va_list is spelled __builtin_va_list so this header works both next to
 * gnu-efi's efistdarg.h and next to the host's <stdarg.h>.
 */
int rv_vsnprintf(char *buf, size_t size, const char *fmt, __builtin_va_list ap);
int rv_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
