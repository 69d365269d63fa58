// SPDX-License-Identifier: MIT
/* Freestanding helpers shared by the loader and its host unit tests. */
#include "util.h"

void rv_memset(void *d, int c, size_t n)
{
	unsigned char *p = d;

	while (n--)
		*p++ = (unsigned char)c;
}

void rv_memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;

	while (n--)
		*p++ = *q++;
}

int rv_memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p < *q ? -1 : 1;
	return 0;
}

size_t rv_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int rv_streq_n(const char *s, size_t n, const char *lit)
{
	return rv_strlen(lit) == n && rv_memcmp(s, lit, n) == 0;
}

void rv_strcpy_n(char *dst, const char *s, size_t n)
{
	rv_memcpy(dst, s, n);
	dst[n] = '\0';
}

uint16_t rv_get16(const void *p)
{
	const uint8_t *b = p;

	return (uint16_t)(b[0] | b[1] << 8);
}

uint32_t rv_get32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

uint64_t rv_get64(const void *p)
{
	const uint8_t *b = p;

	return (uint64_t)rv_get32(b) | (uint64_t)rv_get32(b + 4) << 32;
}

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_num(struct out *o, uint64_t v, unsigned int base, int upper,
		    int width, char pad, int neg)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg && pad == '0')
		put(o, '-');
	for (width -= n + neg; width > 0; width--)
		put(o, pad);
	if (neg && pad != '0')
		put(o, '-');
	while (n)
		put(o, tmp[--n]);
}

int rv_vsnprintf(char *buf, size_t size, const char *fmt, __builtin_va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		char pad = ' ';
		int width = 0, lng = 0;
		uint64_t v;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			lng = 1;
			fmt++;
		}
		switch (*fmt) {
		case 's': {
			const char *s = __builtin_va_arg(ap, const char *);
			int n = (int)rv_strlen(s ? s : "(null)");

			for (width -= n; width > 0; width--)
				put(&o, pad);
			for (s = s ? s : "(null)"; *s; s++)
				put(&o, *s);
			break;
		}
		case 'c':
			put(&o, (char)__builtin_va_arg(ap, int));
			break;
		case 'd': {
			int64_t s = lng ? __builtin_va_arg(ap, int64_t) :
					  __builtin_va_arg(ap, int);

			v = s < 0 ? 0 - (uint64_t)s : (uint64_t)s;
			put_num(&o, v, 10, 0, width, pad, s < 0);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
			v = lng ? __builtin_va_arg(ap, uint64_t) :
				  __builtin_va_arg(ap, unsigned int);
			put_num(&o, v, *fmt == 'u' ? 10 : 16, *fmt == 'X',
				width, pad, 0);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			v = (uintptr_t)__builtin_va_arg(ap, void *);
			put_num(&o, v, 16, 0, width, pad, 0);
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--; /* a lone '%' at the end: stop cleanly */
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)(o.len < size ? o.len : (size ? size - 1 : 0));
}

int rv_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	__builtin_va_list ap;
	int n;

	__builtin_va_start(ap, fmt);
	n = rv_vsnprintf(buf, size, fmt, ap);
	__builtin_va_end(ap);
	return n;
}
