/* SPDX-License-Identifier: MIT */
/* What the loader's EFI-side files (loader.c, console.c, fs.c, cpu.c) share. */
#ifndef RV_BOOT_LOADER_H
#define RV_BOOT_LOADER_H

#include <efi.h>
#include <efilib.h>
#include "../hv/abi/bootinfo.h"

/* console.c */
extern int loader_poweroff_on_error; /* set from runner=hvrun */
extern int loader_boot_services_gone; /* after ExitBootServices: no Print */

/* "ringvisor: <text>" on the console (COM1 under OVMF). */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * "RINGVISOR LOADER-ERROR: <text>" - the line tools/hvrun looks for - then
 * end the run: power off if the configuration said runner=hvrun, else
 * return EFI_UNSUPPORTED for efi_main to hand back to the firmware.
 */
EFI_STATUS fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* fail() in two halves, for errors of several lines. */
void fail_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
EFI_STATUS fail_end(void);
void __attribute__((noreturn)) poweroff(void);
/* COM1 directly, polled: works after ExitBootServices. */
void serial_puts(const char *s);
const char *efi_strerror(EFI_STATUS st);

/* fs.c: files in the root directory of the volume the loader came from. */
EFI_STATUS fs_open_root(EFI_HANDLE image, EFI_FILE_HANDLE *root);
/* Opens name; *size is its length.  EFI_NOT_FOUND if it is not there. */
EFI_STATUS fs_open(EFI_FILE_HANDLE root, CHAR16 *name, EFI_FILE_HANDLE *f,
		   UINT64 *size);
EFI_STATUS fs_read(EFI_FILE_HANDLE f, void *buf, UINT64 size);
void fs_close(EFI_FILE_HANDLE f);

/* cpu.c */
/*
 * The steps return EFI_SUCCESS, or what fail() returned, for efi_main to
 * return in turn.
 */
/* VT-x checks; on the boot CPU also enables VMX in IA32_FEATURE_CONTROL. */
EFI_STATUS cpu_check_vmx(void);
/* CPUs and the local APIC address from the ACPI MADT (else MP Services), into bi. */
EFI_STATUS cpu_find_all(struct rv_bootinfo *bi);
/* The TSC frequency into bi->tsc_khz: CPUID leaf 0x15, else timed against Stall(). */
EFI_STATUS cpu_tsc_freq(struct rv_bootinfo *bi);

#endif
