// SPDX-License-Identifier: MIT
/*
 * Ringvisor's UEFI loader (\EFI\BOOT\BOOTX64.EFI).  It reads
 * \ringvisor.cfg, checks that the boot CPU can run the hypervisor, loads
 * hv.bin at its fixed address and the two guest images anywhere below
 * 4 GiB, finds the CPUs in ACPI, fills struct rv_bootinfo
 * (hv/bootinfo.h), exits boot services and jumps to the hypervisor.
 * Whatever goes wrong is one "RINGVISOR LOADER-ERROR:" line (console.c).
 */
#include "loader.h"
#include "cfg.h"
#include "hvimage.h"
#include "memmap.h"
#include "util.h"

#define CFG_MAX_BYTES (64 * 1024)
#define BELOW_4G 0xffffffffull
#define BELOW_1M 0xfffffull
/* Room for the descriptors our own allocation (and others) may add. */
#define MAP_SLACK_DESCS 16
#define EBS_TRIES 4

typedef void __attribute__((sysv_abi, noreturn)) (*hv_entry_fn)(struct rv_bootinfo *);

static struct rv_config cfg;

static EFI_STATUS read_config(EFI_FILE_HANDLE root)
{
	EFI_FILE_HANDLE f;
	EFI_STATUS st;
	UINT64 size;
	char err[256];
	char *text;
	uint32_t i, j;

	st = fs_open(root, L"\\" RV_CFG_FILE, &f, &size);
	if (st == EFI_NOT_FOUND) {
		cfg_default(&cfg);
		say("no \\%s on the boot volume: running the default, one run "
		    "of %s", RV_CFG_FILE, RV_CFG_DEFAULT_SCENARIO);
		return EFI_SUCCESS;
	}
	if (EFI_ERROR(st))
		return fail("cannot open \\%s: %s", RV_CFG_FILE, efi_strerror(st));
	if (size > CFG_MAX_BYTES) {
		fs_close(f);
		return fail("\\%s is %llu bytes; at most %d are read",
			    RV_CFG_FILE, (unsigned long long)size, CFG_MAX_BYTES);
	}
	text = AllocatePool(size + 1);
	if (!text) {
		fs_close(f);
		return fail("out of memory reading \\%s", RV_CFG_FILE);
	}
	st = fs_read(f, text, size);
	fs_close(f);
	if (EFI_ERROR(st)) {
		FreePool(text);
		return fail("cannot read \\%s: %s", RV_CFG_FILE, efi_strerror(st));
	}
	if (cfg_parse(text, size, &cfg, err, sizeof(err))) {
		FreePool(text);
		loader_poweroff_on_error = cfg.poweroff_on_error;
		return fail("%s", err);
	}
	FreePool(text);
	loader_poweroff_on_error = cfg.poweroff_on_error;

	say("config: %u run%s, runner=%s, log=%s", cfg.nr_runs,
	    cfg.nr_runs == 1 ? "" : "s", cfg.poweroff_on_error ? "hvrun" : "none",
	    cfg.verbose ? "verbose" : "normal");
	for (i = 0; i < cfg.nr_runs; i++) {
		const struct rv_cfg_run *r = &cfg.runs[i];
		char line[RV_CFG_MAX_PARAMS * (RV_CFG_NAME_LEN + RV_CFG_VALUE_LEN + 1)];
		int n = 0;

		line[0] = '\0';
		for (j = 0; j < r->nr_params; j++)
			n += rv_snprintf(line + n, sizeof(line) - (size_t)n, " %s=%s",
					 r->params[j].key, r->params[j].value);
		say("run %u: %s%s", i + 1, r->scenario, line);
	}
	return EFI_SUCCESS;
}

static EFI_STATUS alloc_pages(EFI_ALLOCATE_TYPE type, UINT64 pages,
			      EFI_PHYSICAL_ADDRESS *addr)
{
	return uefi_call_wrapper(BS->AllocatePages, 4, type, EfiLoaderData,
				 pages, addr);
}

static EFI_STATUS open_required(EFI_FILE_HANDLE root, CHAR16 *path,
				const char *name, EFI_FILE_HANDLE *f,
				UINT64 *size)
{
	EFI_STATUS st = fs_open(root, path, f, size);

	if (st == EFI_NOT_FOUND)
		return fail("\\%s is missing from the boot volume (make builds "
			    "build/disk.img with it)", name);
	if (EFI_ERROR(st))
		return fail("cannot open \\%s: %s", name, efi_strerror(st));
	if (!*size) {
		fs_close(*f);
		return fail("\\%s is empty", name);
	}
	return EFI_SUCCESS;
}

static EFI_STATUS load_hv(EFI_FILE_HANDLE root, struct rv_hv_image_header *hdr)
{
	EFI_PHYSICAL_ADDRESS addr = RV_HV_LOAD_ADDR;
	UINT8 head[sizeof(*hdr)];
	EFI_FILE_HANDLE f;
	EFI_STATUS st;
	UINT64 size, pages, n;
	char err[256];

	st = open_required(root, L"\\hv.bin", "hv.bin", &f, &size);
	if (EFI_ERROR(st))
		return st;
	n = size < sizeof(head) ? size : sizeof(head);
	st = fs_read(f, head, n);
	if (EFI_ERROR(st)) {
		fs_close(f);
		return fail("cannot read \\hv.bin: %s", efi_strerror(st));
	}
	if (hvimage_check(head, n, size, hdr, err, sizeof(err))) {
		fs_close(f);
		return fail("%s", err);
	}
	pages = hvimage_pages(hdr);
	st = alloc_pages(AllocateAddress, pages, &addr);
	if (EFI_ERROR(st)) {
		fs_close(f);
		return fail("cannot allocate %llu KiB at 0x%llx for hv.bin "
			    "(%s): the firmware already uses memory there",
			    (unsigned long long)pages * 4,
			    (unsigned long long)RV_HV_LOAD_ADDR, efi_strerror(st));
	}
	rv_memcpy((void *)addr, head, n);
	st = fs_read(f, (UINT8 *)addr + n, hdr->file_size - n);
	fs_close(f);
	if (EFI_ERROR(st))
		return fail("cannot read \\hv.bin: %s", efi_strerror(st));
	/* .bss, and the rest of the last page. */
	rv_memset((UINT8 *)addr + hdr->file_size, 0,
		  pages * EFI_PAGE_SIZE - hdr->file_size);
	say("loaded hv.bin at 0x%llx (%llu bytes, %llu in memory), entry 0x%llx",
	    (unsigned long long)addr, (unsigned long long)hdr->file_size,
	    (unsigned long long)hdr->mem_size, (unsigned long long)hdr->entry);
	return EFI_SUCCESS;
}

static EFI_STATUS load_guest(EFI_FILE_HANDLE root, CHAR16 *path,
			     const char *name, struct rv_image *img, BOOLEAN optional)
{
	EFI_PHYSICAL_ADDRESS addr = BELOW_4G;
	EFI_FILE_HANDLE f;
	EFI_STATUS st;
	UINT64 size, pages;

	/* Linux and its initrd are there only for runs that use them
	 * (tools/hvrun adds them to the run's disk): absent, size 0. */
	if (optional && fs_open(root, path, &f, &size) == EFI_NOT_FOUND) {
		img->phys = img->size = 0;
		return EFI_SUCCESS;
	}
	if (optional)
		fs_close(f);
	st = open_required(root, path, name, &f, &size);
	if (EFI_ERROR(st))
		return st;
	pages = EFI_SIZE_TO_PAGES(size);
	st = alloc_pages(AllocateMaxAddress, pages, &addr);
	if (EFI_ERROR(st)) {
		fs_close(f);
		return fail("out of memory below 4 GiB for %s (%llu KiB): %s",
			    name, (unsigned long long)pages * 4, efi_strerror(st));
	}
	st = fs_read(f, (void *)addr, size);
	fs_close(f);
	if (EFI_ERROR(st))
		return fail("cannot read \\%s: %s", name, efi_strerror(st));
	rv_memset((UINT8 *)addr + size, 0, pages * EFI_PAGE_SIZE - size);
	img->phys = addr;
	img->size = size;
	say("loaded %s at 0x%llx (%llu bytes)", name, (unsigned long long)addr,
	    (unsigned long long)size);
	return EFI_SUCCESS;
}

static EFI_STATUS alloc_bootinfo(struct rv_bootinfo **out)
{
	EFI_PHYSICAL_ADDRESS addr = BELOW_4G;
	struct rv_bootinfo *bi = NULL;
	EFI_STATUS st;

	st = alloc_pages(AllocateMaxAddress, EFI_SIZE_TO_PAGES(sizeof(*bi)), &addr);
	if (EFI_ERROR(st))
		return fail("out of memory below 4 GiB for the boot information "
			    "(%llu bytes): %s", (unsigned long long)sizeof(*bi),
			    efi_strerror(st));
	bi = (struct rv_bootinfo *)addr;
	rv_memset(bi, 0, sizeof(*bi));
	bi->magic = RV_BOOTINFO_MAGIC;
	bi->version = RV_BOOTINFO_VERSION;
	rv_memcpy(&bi->config, &cfg, sizeof(cfg));
	*out = bi;
	return EFI_SUCCESS;
}

/* The page application processors start in: below 1 MiB (real mode). */
static EFI_STATUS alloc_trampoline(struct rv_bootinfo *bi)
{
	EFI_PHYSICAL_ADDRESS addr = BELOW_1M;
	EFI_STATUS st;

	st = alloc_pages(AllocateMaxAddress, 1, &addr);
	/* Page 0 would work for a SIPI, but 0 reads as "none" too easily. */
	if (!EFI_ERROR(st) && addr == 0) {
		addr = BELOW_1M;
		st = alloc_pages(AllocateMaxAddress, 1, &addr);
	}
	if (EFI_ERROR(st))
		return fail("no free page below 1 MiB for the AP start-up code: %s",
			    efi_strerror(st));
	if (addr > BELOW_1M || addr & (EFI_PAGE_SIZE - 1))
		return fail("the firmware returned page 0x%llx for the AP "
			    "start-up code: not a page below 1 MiB",
			    (unsigned long long)addr);
	bi->trampoline_phys = addr;
	say("AP start-up page at 0x%llx (SIPI vector 0x%02llx)",
	    (unsigned long long)addr, (unsigned long long)addr >> 12);
	return EFI_SUCCESS;
}

static EFI_STATUS exit_and_jump(EFI_HANDLE image, struct rv_bootinfo *bi,
				const struct rv_hv_image_header *hdr)
{
	UINTN size = 0, cap = 0, key = 0, dsize = 0;
	struct memmap_stats ms;
	void *map = NULL;
	EFI_STATUS st;
	UINT32 dver;
	int n, tries = 0;

	st = uefi_call_wrapper(BS->GetMemoryMap, 5, &size, NULL, &key, &dsize, &dver);
	if (st != EFI_BUFFER_TOO_SMALL || !dsize)
		return fail("GetMemoryMap does not report its size: %s",
			    efi_strerror(st));
	say("exiting boot services, jumping to the hypervisor at 0x%llx",
	    (unsigned long long)hdr->entry);
	/*
	 * No Print or allocation may come between the last GetMemoryMap and
	 * ExitBootServices, or map_key goes stale.  If ExitBootServices still
	 * says the key is stale (EFI_INVALID_PARAMETER: an event changed the
	 * map), fetch the map again and retry: UEFI 2.10, 7.4, EFI Image
	 * Services, EFI_BOOT_SERVICES.ExitBootServices().
	 */
	for (;;) {
		if (!map) {
			cap = size + MAP_SLACK_DESCS * dsize;
			st = uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData,
					       cap, &map);
			if (EFI_ERROR(st))
				return fail("out of memory for the memory map "
					    "(%llu bytes)", (unsigned long long)cap);
		}
		size = cap;
		st = uefi_call_wrapper(BS->GetMemoryMap, 5, &size, map, &key,
				       &dsize, &dver);
		if (st == EFI_BUFFER_TOO_SMALL && !tries) {
			uefi_call_wrapper(BS->FreePool, 1, map);
			map = NULL;
			continue;
		}
		if (EFI_ERROR(st))
			break;
		st = uefi_call_wrapper(BS->ExitBootServices, 2, image, key);
		if (st != EFI_INVALID_PARAMETER || ++tries == EBS_TRIES)
			break;
	}
	if (EFI_ERROR(st)) {
		/* Boot services may be half gone once ExitBootServices ran. */
		loader_boot_services_gone = tries > 0;
		return fail("cannot exit boot services: %s after %d tries",
			    efi_strerror(st), tries + 1);
	}
	loader_boot_services_gone = 1;

	n = memmap_convert(map, size, dsize, bi->mem, RV_MAX_MEM_REGIONS, &ms);
	if (n < 0)
		return fail("memory map descriptors of %llu bytes are smaller "
			    "than EFI_MEMORY_DESCRIPTOR", (unsigned long long)dsize);
	bi->nr_mem_regions = (uint32_t)n;
	if (ms.nr_dropped)
		say("memory map: %u regions did not fit in %d and were dropped "
		    "(%llu KiB free, %llu KiB other)", ms.nr_dropped,
		    RV_MAX_MEM_REGIONS, (unsigned long long)ms.dropped_free >> 10,
		    (unsigned long long)ms.dropped_other >> 10);

	/* The hypervisor sets up its own stack, GDT, IDT and page tables. */
	asm volatile("cli" ::: "memory");
	((hv_entry_fn)hdr->entry)(bi);
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	struct rv_hv_image_header hdr;
	struct rv_bootinfo *bi = NULL;
	EFI_FILE_HANDLE root;
	EFI_STATUS st;

	InitializeLib(image, systab);
	Print(L"\nringvisor: Ringvisor UEFI loader on %s firmware rev 0x%x\n",
	      systab->FirmwareVendor, systab->FirmwareRevision);
	/* The firmware's 5-minute watchdog would reset a slow emulator. */
	uefi_call_wrapper(BS->SetWatchdogTimer, 4, 0, 0, 0, NULL);

	st = fs_open_root(image, &root);
	if (EFI_ERROR(st))
		return fail("cannot open the volume the loader came from: %s",
			    efi_strerror(st));
	/* First: it says whether a failure powers the machine off. */
	st = read_config(root);
	if (EFI_ERROR(st))
		return st;
	st = cpu_check_vmx();
	if (EFI_ERROR(st))
		return st;
	st = alloc_bootinfo(&bi);
	if (EFI_ERROR(st))
		return st;
	st = alloc_trampoline(bi);
	if (EFI_ERROR(st))
		return st;
	st = cpu_find_all(bi);
	if (EFI_ERROR(st))
		return st;
	st = cpu_tsc_freq(bi);
	if (EFI_ERROR(st))
		return st;
	st = load_hv(root, &hdr);
	if (EFI_ERROR(st))
		return st;
	st = load_guest(root, L"\\mgmt.bin", "mgmt.bin", &bi->images[RV_IMAGE_MGMT], FALSE);
	if (EFI_ERROR(st))
		return st;
	st = load_guest(root, L"\\work.bin", "work.bin", &bi->images[RV_IMAGE_WORK], FALSE);
	if (EFI_ERROR(st))
		return st;
	st = load_guest(root, L"\\linux.img", "linux.img", &bi->images[RV_IMAGE_LINUX], TRUE);
	if (EFI_ERROR(st))
		return st;
	st = load_guest(root, L"\\initrd.img", "initrd.img", &bi->images[RV_IMAGE_INITRD], TRUE);
	if (EFI_ERROR(st))
		return st;
	uefi_call_wrapper(root->Close, 1, root);
	say("boot information at %p (%llu bytes)", (void *)bi,
	    (unsigned long long)sizeof(*bi));
	return exit_and_jump(image, bi, &hdr);
}
