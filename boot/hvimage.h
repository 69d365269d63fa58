/* SPDX-License-Identifier: MIT */
/* Checks of hv.bin's header (struct rv_hv_image_header); pure, host-tested. */
#ifndef RV_BOOT_HVIMAGE_H
#define RV_BOOT_HVIMAGE_H

#include <stddef.h>
#include <stdint.h>
#include "../hv/abi/bootinfo.h"

/* No sane hypervisor image is this big; also keeps the sums below 2^64. */
#define RV_HV_MAX_MEM_SIZE (1ull << 30)

/*
 * head: the first head_len bytes of hv.bin; file_len: the file's size.
 * Returns 0 with the header in *hdr, or -1 with a one-line message in err
 * ("hv.bin: ...") naming the field that is wrong and why.
 */
int hvimage_check(const void *head, size_t head_len, uint64_t file_len,
		  struct rv_hv_image_header *hdr, char *err, size_t errlen);

/* 4 KiB pages to allocate at load_addr for a checked header. */
uint64_t hvimage_pages(const struct rv_hv_image_header *hdr);

#endif
