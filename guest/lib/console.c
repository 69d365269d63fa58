// SPDX-License-Identifier: MIT
/* A small vsnprintf and the console print built on it. */
#include <stdbool.h>
#include <stdint.h>
#include "console.h"
#include "hc.h"
#include "str.h"

struct out {
	char *buf;
	size_t size, len; /* len counts what would have been written */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	bool left, zero;
	int width, prec; /* prec < 0: none */
};

static void put_str(struct out *o, const char *s, const struct spec *sp)
{
	size_t n;

	if (!s)
		s = "(null)";
	n = sp->prec >= 0 ? strnlen(s, (size_t)sp->prec) : strlen(s);
	if (!sp->left)
		pad(o, ' ', sp->width - (int)n);
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
	if (sp->left)
		pad(o, ' ', sp->width - (int)n);
}

static void put_num(struct out *o, uint64_t v, unsigned int base, bool neg, bool upper,
		    const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	len = n + neg;
	if (sp->left) {
		if (neg)
			put(o, '-');
		while (n)
			put(o, tmp[--n]);
		pad(o, ' ', sp->width - len);
		return;
	}
	if (sp->zero) {
		/* The sign goes before zero padding: -0042, not 00-42. */
		if (neg)
			put(o, '-');
		pad(o, '0', sp->width - len);
	} else {
		pad(o, ' ', sp->width - len);
		if (neg)
			put(o, '-');
	}
	while (n)
		put(o, tmp[--n]);
}

static int get_int(const char **f, va_list *ap)
{
	int v = 0;

	if (**f == '*') {
		(*f)++;
		return va_arg(*ap, int);
	}
	while (**f >= '0' && **f <= '9')
		v = v * 10 + (*(*f)++ - '0');
	return v;
}

/* Reads one integer argument of the given length modifier (0 h hh l ll z). */
static uint64_t get_arg(va_list *ap, int lmod, bool is_signed)
{
	switch (lmod) {
	case 'l':
	case 'L': /* ll */
		return is_signed ? (uint64_t)va_arg(*ap, long long) : va_arg(*ap, unsigned long long);
	case 'z':
		return va_arg(*ap, size_t);
	default: {
		unsigned int u = va_arg(*ap, unsigned int);

		if (lmod == 'H') /* hh */
			return is_signed ? (uint64_t)(int64_t)(signed char)u : (uint8_t)u;
		if (lmod == 'h')
			return is_signed ? (uint64_t)(int64_t)(short)u : (uint16_t)u;
		return is_signed ? (uint64_t)(int64_t)(int)u : u;
	}
	}
}

int vsnprintf(char *buf, size_t size, const char *f, va_list ap_in)
{
	struct out o = { buf, size, 0 };
	va_list ap;

	/* A copy, so helpers can take a pointer to it (va_list may be an array). */
	va_copy(ap, ap_in);
	for (; *f; f++) {
		struct spec sp = { .prec = -1 };
		int lmod = 0;
		uint64_t v;

		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		const char *start = f++;

		for (;; f++) {
			if (*f == '-')
				sp.left = true;
			else if (*f == '0')
				sp.zero = true;
			else
				break;
		}
		sp.width = get_int(&f, &ap);
		if (sp.width < 0) { /* "%*d" with a negative width: left-align */
			sp.left = true;
			sp.width = -sp.width;
		}
		if (*f == '.') {
			f++;
			sp.prec = get_int(&f, &ap);
		}
		if (*f == 'h' || *f == 'l') {
			lmod = *f++;
			if (*f == lmod) {
				lmod = lmod == 'h' ? 'H' : 'L';
				f++;
			}
		} else if (*f == 'z') {
			lmod = *f++;
		}

		switch (*f) {
		case 'd':
		case 'i':
			v = get_arg(&ap, lmod, true);
			if ((int64_t)v < 0)
				put_num(&o, -v, 10, true, false, &sp);
			else
				put_num(&o, v, 10, false, false, &sp);
			break;
		case 'u':
			put_num(&o, get_arg(&ap, lmod, false), 10, false, false, &sp);
			break;
		case 'x':
		case 'X':
			put_num(&o, get_arg(&ap, lmod, false), 16, false, *f == 'X', &sp);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (uintptr_t)va_arg(ap, void *), 16, false, false, &sp);
			break;
		case 'c': {
			char c[2] = { (char)va_arg(ap, int), 0 };

			sp.prec = -1;
			put_str(&o, c, &sp);
			break;
		}
		case 's':
			put_str(&o, va_arg(ap, const char *), &sp);
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			/* Unknown or truncated: print it as written, visibly. */
			for (; start <= f && *start; start++)
				put(&o, *start);
			if (!*f)
				f--;
			break;
		}
	}
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void gvprintf(const char *fmt, va_list ap)
{
	char buf[GPRINTF_MAX];
	size_t n = (size_t)vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n >= sizeof(buf)) {
		/* Truncated: keep the line a line. */
		n = sizeof(buf) - 1;
		buf[n - 1] = '\n';
	}
	if (n)
		hc_console_write(buf, n);
}

void gprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gvprintf(fmt, ap);
	va_end(ap);
}
