// SPDX-License-Identifier: MIT
/*
 * hv.bin is the hypervisor linked at RV_HV_LOAD_ADDR (hv/hv.ld) and turned
 * into a flat binary; its first bytes are struct rv_hv_image_header
 * (hv/entry.asm).  Everything the loader trusts about the file is checked
 * here, before any memory is allocated or written.
 */
#include "hvimage.h"
#include "util.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	__builtin_va_list ap;
	int n;

	if (!errlen)
		return -1; /* no room for a message: err may be NULL, and NULL + 0 is undefined */
	n = rv_snprintf(err, errlen, "hv.bin: ");
	__builtin_va_start(ap, fmt);
	rv_vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	__builtin_va_end(ap);
	return -1;
}

int hvimage_check(const void *head, size_t head_len, uint64_t file_len,
		  struct rv_hv_image_header *hdr, char *err, size_t errlen)
{
	const uint64_t hsz = sizeof(*hdr);
	uint64_t lo, hi;

	if (file_len < hsz || head_len < hsz)
		return fail(err, errlen, "the file is %llu bytes, too small to "
			    "hold the %llu-byte image header",
			    (unsigned long long)file_len, (unsigned long long)hsz);
	rv_memcpy(hdr, head, sizeof(*hdr));
	if (hdr->magic != RV_HV_IMAGE_MAGIC)
		return fail(err, errlen, "bad magic 0x%016llx, expected 0x%016llx "
			    "(\"RNGVIRHV\"): not a Ringvisor hypervisor image",
			    (unsigned long long)hdr->magic,
			    (unsigned long long)RV_HV_IMAGE_MAGIC);
	if (hdr->load_addr != RV_HV_LOAD_ADDR)
		return fail(err, errlen, "load_addr is 0x%llx but the loader "
			    "places the hypervisor at 0x%llx (RV_HV_LOAD_ADDR): "
			    "hv/hv.ld and hv/bootinfo.h disagree",
			    (unsigned long long)hdr->load_addr,
			    (unsigned long long)RV_HV_LOAD_ADDR);
	if (hdr->file_size < hsz)
		return fail(err, errlen, "file_size %llu is smaller than the "
			    "%llu-byte header itself",
			    (unsigned long long)hdr->file_size,
			    (unsigned long long)hsz);
	if (hdr->file_size > file_len)
		return fail(err, errlen, "header says file_size %llu but the "
			    "file has only %llu bytes (truncated copy?)",
			    (unsigned long long)hdr->file_size,
			    (unsigned long long)file_len);
	if (hdr->mem_size < hdr->file_size)
		return fail(err, errlen, "mem_size %llu is smaller than "
			    "file_size %llu",
			    (unsigned long long)hdr->mem_size,
			    (unsigned long long)hdr->file_size);
	if (hdr->mem_size > RV_HV_MAX_MEM_SIZE)
		return fail(err, errlen, "mem_size %llu is larger than the "
			    "loader's limit of %llu bytes",
			    (unsigned long long)hdr->mem_size,
			    (unsigned long long)RV_HV_MAX_MEM_SIZE);
	/* The entry point must be code the file brings, past the header. */
	lo = hdr->load_addr + hsz;
	hi = hdr->load_addr + hdr->file_size;
	if (hdr->entry < lo || hdr->entry >= hi)
		return fail(err, errlen, "entry 0x%llx is outside the image's "
			    "code [0x%llx, 0x%llx)",
			    (unsigned long long)hdr->entry,
			    (unsigned long long)lo, (unsigned long long)hi);
	return 0;
}

uint64_t hvimage_pages(const struct rv_hv_image_header *hdr)
{
	return (hdr->mem_size + RV_PAGE_SIZE - 1) / RV_PAGE_SIZE;
}
