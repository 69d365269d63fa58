// SPDX-License-Identifier: MIT
/* COM1 16550 UART, polled: no interrupts, nothing to set up in the guest. */
#include "platform/console.h"
#include "lib/lib.h"
#include "platform/percpu.h"
#include "lib/spinlock.h"
#include "lib/x86.h"

#define COM1 0x3f8
#define LSR_THRE 0x20

bool hv_verbose;
static struct spinlock console_lock;

void console_init(void)
{
	outb(COM1 + 1, 0x00); /* no interrupts */
	outb(COM1 + 3, 0x80); /* DLAB on */
	outb(COM1 + 0, 0x01); /* divisor 1: 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1, DLAB off */
	outb(COM1 + 2, 0xc7); /* FIFO on, cleared */
	outb(COM1 + 4, 0x03); /* DTR, RTS */
}

static void putc_raw(char c)
{
	/* Bounded wait: a missing UART must not hang the hypervisor. */
	for (int i = 0; i < 100000 && !(inb(COM1 + 5) & LSR_THRE); i++)
		cpu_relax();
	outb(COM1, (u8)c);
}

static bool at_line_start = true; /* under console_lock */

static void write_lines(const char *prefix, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (at_line_start)
			for (const char *p = prefix; *p; p++)
				putc_raw(*p);
		at_line_start = false;
		if (s[i] == '\n') {
			putc_raw('\r');
			at_line_start = true;
		}
		putc_raw(s[i]);
	}
}

void hv_printf(const char *f, ...)
{
	char buf[512], prefix[16];
	va_list ap;

	va_start(ap, f);
	int n = vfmt(buf, sizeof(buf), f, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	fmt(prefix, sizeof(prefix), "[cpu%u] ", this_cpu_id());
	spin_lock(&console_lock);
	write_lines(prefix, buf, (size_t)n);
	spin_unlock(&console_lock);
}

void console_guest_write(u32 partition, u32 vcpu, const char *s, size_t len)
{
	char prefix[32];

	fmt(prefix, sizeof(prefix), "[cpu%u] p%u.%u| ", this_cpu_id(), partition, vcpu);
	spin_lock(&console_lock);
	write_lines(prefix, s, len);
	if (len && s[len - 1] != '\n')
		write_lines(prefix, "\n", 1);
	spin_unlock(&console_lock);
}

void console_force_unlock(void)
{
	/* Only the panic path calls this: whoever held the lock is dead to us. */
	console_lock.owner = console_lock.next;
	/*
	 * It may have died half-way through a line, maybe a guest's: end
	 * that line, so that the panic starts one of its own with our
	 * prefix (tools/hvrun believes a PANIC only on a hypervisor line).
	 */
	if (!at_line_start) {
		putc_raw('\r');
		putc_raw('\n');
		at_line_start = true;
	}
}
