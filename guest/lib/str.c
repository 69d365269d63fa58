// SPDX-License-Identifier: MIT
/*
 * Byte-at-a-time on purpose: guests are tiny and these run rarely.  (GCC
 * does not turn these loops back into calls to themselves under
 * -ffreestanding -fno-builtin; check `objdump -d` if the flags change.)
 */
#include <stdint.h>
#include "str.h"

void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;

	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *dp = d;
	const uint8_t *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	uint8_t *dp = d;
	const uint8_t *sp = s;

	if ((uintptr_t)dp <= (uintptr_t)sp)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	for (; *a == *b; a++, b++)
		if (!*a)
			return 0;
	return (uint8_t)*a - (uint8_t)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (uint8_t)*a - (uint8_t)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

uint64_t mem_hash(uint64_t h, const void *p, uint64_t len)
{
	const volatile uint64_t *w = p;
	const volatile uint8_t *b = (const volatile uint8_t *)p + (len & ~7ull);

	for (uint64_t i = 0; i < len / 8; i++)
		h = (h ^ w[i]) * 0x100000001b3ull;
	for (uint64_t i = 0; i < (len & 7); i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}
