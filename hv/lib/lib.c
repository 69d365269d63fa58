// SPDX-License-Identifier: MIT
/* The few libc routines the hypervisor needs (GCC may call mem* itself). */
#include "lib/lib.h"

/*
 * REP STOS: the allocator zeroes every partition's RAM through here (4 MiB
 * for a system slot), and a byte loop cost four instructions a byte, some
 * 16 million for each partition created under Bochs, where instructions
 * are time.  Quadwords for the aligned bulk, bytes for the rest.
 */
void *memset(void *d, int c, size_t n)
{
	u8 *p = d;
	u64 q = 0x0101010101010101ull * (u8)c;

	while (n && ((uintptr_t)p & 7)) {
		*p++ = (u8)c;
		n--;
	}
	size_t words = n / 8;
	asm volatile("rep stosq" : "+D"(p), "+c"(words) : "a"(q) : "memory");
	n &= 7;
	while (n--)
		*p++ = (u8)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	u8 *dp = d;
	const u8 *sp = s;
	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	u8 *dp = d;
	const u8 *sp = s;
	if (dp < sp)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;
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

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (u8)*a - (u8)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_num(struct out *o, u64 v, unsigned base, int width, char pad, bool neg)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (width-- > n)
		put(o, pad);
	while (n)
		put(o, tmp[--n]);
}

int vfmt(char *buf, size_t size, const char *f, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *f; f++) {
		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		f++;
		char pad = ' ';
		int width = 0, lng = 0;
		if (*f == '0')
			pad = '0', f++;
		while (*f >= '0' && *f <= '9')
			width = width * 10 + (*f++ - '0');
		while (*f == 'l')
			lng++, f++;
		switch (*f) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			int l = (int)strlen(s);
			while (width-- > l)
				put(&o, ' ');
			while (*s)
				put(&o, *s++);
			break;
		}
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 'd': {
			s64 v = lng ? va_arg(ap, s64) : va_arg(ap, int);
			put_num(&o, v < 0 ? -(u64)v : (u64)v, 10, width, pad, v < 0);
			break;
		}
		case 'u':
			put_num(&o, lng ? va_arg(ap, u64) : va_arg(ap, unsigned), 10, width, pad, false);
			break;
		case 'x':
			put_num(&o, lng ? va_arg(ap, u64) : va_arg(ap, unsigned), 16, width, pad, false);
			break;
		case 'p':
			put(&o, '0'), put(&o, 'x');
			put_num(&o, (u64)va_arg(ap, void *), 16, width, pad, false);
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			put(&o, '%'), put(&o, *f);
			if (!*f)
				f--;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = vfmt(buf, size, f, ap);
	va_end(ap);
	return n;
}
