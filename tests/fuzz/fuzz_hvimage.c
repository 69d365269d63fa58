// SPDX-License-Identifier: MIT
// links: boot/hvimage.c boot/util.c
/*
 * Fuzz the hv.bin header checks (boot/hvimage.c).  The input is the whole
 * file.  As the loader does (boot/loader.c:load_hv), the check sees its
 * first bytes (at most the header) and the file's size; an accepted image
 * is then loaded the way load_hv loads it, into a buffer of exactly
 * hvimage_pages() pages, so that ASan sees any byte the loader would read
 * past the file or write past its allocation.
 */
#include <stdbool.h>
#include <string.h>

#include "hvimage.h"
#include "fuzz.h"

#define PAGE 4096ull
/* Accepted images up to this size are loaded for real (the limit is 1 GiB). */
#define LOAD_MAX (16ull << 20)

static void check_accepted(const struct rv_hv_image_header *h, const uint8_t *file, size_t size)
{
	const uint64_t hsz = sizeof(*h);

	CHECK(!memcmp(h, file, hsz)); /* the header as the file has it */
	CHECK(h->magic == RV_HV_IMAGE_MAGIC && h->load_addr == RV_HV_LOAD_ADDR);
	/* The bytes to copy are in the file and start with the header... */
	CHECK(h->file_size >= hsz && h->file_size <= size);
	/* ...and fit the memory, which has a sane size. */
	CHECK(h->mem_size >= h->file_size && h->mem_size <= RV_HV_MAX_MEM_SIZE);
	/* The entry point is code the file brings, past the header. */
	CHECK(h->entry >= h->load_addr + hsz && h->entry < h->load_addr + h->file_size);

	uint64_t pages = hvimage_pages(h);
	CHECK(pages * PAGE >= h->mem_size && pages * PAGE - h->mem_size < PAGE);
	CHECK(pages <= RV_HV_MAX_MEM_SIZE / PAGE);
	/* The image stays below 4 GiB (the loader's identity map) and does not wrap. */
	CHECK(h->load_addr + pages * PAGE > h->load_addr);
	CHECK(h->load_addr + pages * PAGE <= (4ull << 30));

	if (pages * PAGE > LOAD_MAX)
		return;
	/* load_hv: copy the head, read the rest of file_size, zero the rest. */
	size_t n = size < hsz ? size : hsz;
	uint8_t *mem = malloc(pages * PAGE);
	CHECK(mem != NULL);
	memcpy(mem, file, n);
	CHECK(h->file_size >= n);
	memcpy(mem + n, file + n, h->file_size - n);
	memset(mem + h->file_size, 0, pages * PAGE - h->file_size);
	/* The first instruction is the file's byte at that offset. */
	CHECK(mem[h->entry - h->load_addr] == file[h->entry - h->load_addr]);
	free(mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rv_hv_image_header h;
	size_t head_len = size < sizeof(h) ? size : sizeof(h);
	char err[256];
	/* The loader's read of the head, as a buffer of exactly that size. */
	uint8_t *head = malloc(head_len ? head_len : 1);

	CHECK(head != NULL);
	memcpy(head, data, head_len);
	memset(err, 0x55, sizeof(err));
	int r = hvimage_check(head, head_len, size, &h, err, sizeof(err));
	CHECK(r == 0 || r == -1);
	if (r == 0) {
		check_accepted(&h, data, size);
	} else {
		size_t n = strnlen(err, sizeof(err));
		CHECK(n < sizeof(err) && !strncmp(err, "hv.bin: ", 8) && n > 8);
	}

	/* A file_len that disagrees with the bytes there is (file on disk vs.
	 * what was read), from the input's last 8 bytes: the check must still
	 * never accept a file_size beyond file_len. */
	if (size >= sizeof(h) + 8) {
		uint64_t file_len;
		memcpy(&file_len, data + size - 8, 8);
		if (hvimage_check(head, head_len, file_len, &h, err, sizeof(err)) == 0)
			CHECK(h.file_size <= file_len && h.file_size >= sizeof(h) &&
			      h.entry - h.load_addr < h.file_size);
	}
	free(head);
	return 0;
}
