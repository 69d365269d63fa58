// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include "platform/console.h"
#include "lib/lib.h"
#include "platform/panic.h"
#include "platform/percpu.h"
#include "lib/x86.h"

static volatile u32 panicking; /* first panicking CPU wins; others stop */
/* Set once at boot by hv_main, before any other CPU runs. */
static void (*dump_hook)(void);

void panic_set_dump_hook(void (*fn)(void)) { dump_hook = fn; }

void panic_dump_state(void)
{
	if (dump_hook)
		dump_hook();
}

void machine_shutdown(int status)
{
	hv_printf("RINGVISOR SHUTDOWN status=%d\n", status);
	/* Let the UART send its last bytes (LSR bit 6: transmitter empty),
	 * or Bochs may exit with the end of that line still in the FIFO. */
	for (int i = 0; i < 1000000 && !(inb(0x3f8 + 5) & 0x40); i++)
		cpu_relax();
	/* Bochs: writing "Shutdown" to port 0x8900 ends the emulator. */
	for (const char *p = "Shutdown"; *p; p++)
		outb(0x8900, (u8)*p);
	/* QEMU with -device isa-debug-exit,iobase=0xf4: exits (status<<1)|1. */
	outb(0xf4, (u8)status);
	cpu_halt_forever();
}

void hv_panic(const char *file, int line, const char *f, ...)
{
	char buf[256];
	va_list ap;

	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST))
		cpu_halt_forever();
	console_force_unlock();
	va_start(ap, f);
	vfmt(buf, sizeof(buf), f, ap);
	va_end(ap);
	hv_printf("RINGVISOR PANIC at %s:%d: %s\n", file, line, buf);
	panic_dump_state();
	machine_shutdown(1);
}
