// SPDX-License-Identifier: MIT
/*
 * Console output and the two ways a loader run ends badly.  OVMF routes
 * ConOut to COM1, where tools/hvrun reads it; after ExitBootServices the
 * firmware's console is gone and we drive the UART ourselves.
 */
#include "loader.h"
#include "util.h"
#include "x86.h"

#define COM1 0x3f8
#define LSR_THR_EMPTY 0x20 /* 16550 line status: room for a byte */
#define LSR_TX_IDLE 0x40   /* ... and the last byte has left */

/* Ends a Bochs run at once ("Shutdown" written to its shutdown port). */
#define BOCHS_SHUTDOWN_PORT 0x8900
/* QEMU -device isa-debug-exit,iobase=0xf4: exit status (1 << 1) | 1 = 3. */
#define QEMU_DEBUG_EXIT_PORT 0xf4

int loader_poweroff_on_error;
int loader_boot_services_gone;

static void serial_wait(uint8_t bit)
{
	unsigned int spins = 1000000; /* a missing UART must not hang us */

	while (!(inb(COM1 + 5) & bit) && --spins)
		asm volatile("pause");
}

void serial_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n') {
			serial_wait(LSR_THR_EMPTY);
			outb(COM1, '\r');
		}
		serial_wait(LSR_THR_EMPTY);
		outb(COM1, (uint8_t)*s);
	}
}

static void put_line(const char *prefix, const char *fmt, __builtin_va_list ap)
{
	char buf[512];

	rv_vsnprintf(buf, sizeof(buf), fmt, ap);
	if (loader_boot_services_gone) {
		serial_puts(prefix);
		serial_puts(buf);
		serial_puts("\n");
		return;
	}
	Print(L"%a%a\n", prefix, buf);
}

void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	put_line("ringvisor: ", fmt, ap);
	va_end(ap);
}

void fail_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	put_line("RINGVISOR LOADER-ERROR: ", fmt, ap);
	va_end(ap);
}

EFI_STATUS fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	put_line("RINGVISOR LOADER-ERROR: ", fmt, ap);
	va_end(ap);
	return fail_end();
}

EFI_STATUS fail_end(void)
{
	if (loader_poweroff_on_error || loader_boot_services_gone)
		poweroff(); /* there is no firmware left to return to */
	say("returning to the firmware (runner=hvrun would power off instead)");
	return EFI_UNSUPPORTED;
}

void poweroff(void)
{
	const char *s = "Shutdown";

	serial_wait(LSR_TX_IDLE); /* let the error line out first */
	for (; *s; s++)
		outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*s);
	outb(QEMU_DEBUG_EXIT_PORT, 1);
	uefi_call_wrapper(RT->ResetSystem, 4, EfiResetShutdown, EFI_UNSUPPORTED,
			  0, NULL);
	for (;;)
		asm volatile("cli; hlt");
}

const char *efi_strerror(EFI_STATUS st)
{
	static const struct {
		EFI_STATUS st;
		const char *name;
	} names[] = {
		{ EFI_SUCCESS, "EFI_SUCCESS" },
		{ EFI_LOAD_ERROR, "EFI_LOAD_ERROR" },
		{ EFI_INVALID_PARAMETER, "EFI_INVALID_PARAMETER" },
		{ EFI_UNSUPPORTED, "EFI_UNSUPPORTED" },
		{ EFI_BUFFER_TOO_SMALL, "EFI_BUFFER_TOO_SMALL" },
		{ EFI_NOT_READY, "EFI_NOT_READY" },
		{ EFI_DEVICE_ERROR, "EFI_DEVICE_ERROR" },
		{ EFI_WRITE_PROTECTED, "EFI_WRITE_PROTECTED" },
		{ EFI_OUT_OF_RESOURCES, "EFI_OUT_OF_RESOURCES" },
		{ EFI_VOLUME_CORRUPTED, "EFI_VOLUME_CORRUPTED" },
		{ EFI_NO_MEDIA, "EFI_NO_MEDIA" },
		{ EFI_NOT_FOUND, "EFI_NOT_FOUND" },
		{ EFI_ACCESS_DENIED, "EFI_ACCESS_DENIED" },
		{ EFI_END_OF_FILE, "EFI_END_OF_FILE" },
	};
	unsigned int i;

	for (i = 0; i < RV_ARRAY_SIZE(names); i++)
		if (names[i].st == st)
			return names[i].name;
	return "unknown EFI status";
}
