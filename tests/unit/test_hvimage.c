// SPDX-License-Identifier: MIT
// links: boot/hvimage.c boot/util.c
/* hv.bin header checks: each field the loader trusts, and its message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hvimage.h"

#define FILE_LEN 0x5000ull

static struct rv_hv_image_header good(void)
{
	return (struct rv_hv_image_header){
		.magic = RV_HV_IMAGE_MAGIC,
		.load_addr = RV_HV_LOAD_ADDR,
		.file_size = FILE_LEN,
		.mem_size = 0x9000,
		.entry = RV_HV_LOAD_ADDR + 0x40,
	};
}

static char err[256];

static int check(const struct rv_hv_image_header *h, uint64_t file_len)
{
	struct rv_hv_image_header out;

	memset(err, 0x55, sizeof(err));
	return hvimage_check(h, sizeof(*h), file_len, &out, err, sizeof(err));
}

static void test_good(void **state)
{
	struct rv_hv_image_header h = good(), out;

	memset(&out, 0, sizeof(out));
	assert_int_equal(hvimage_check(&h, sizeof(h), FILE_LEN, &out, err,
				       sizeof(err)), 0);
	assert_memory_equal(&h, &out, sizeof(h));
	assert_int_equal(hvimage_pages(&out), 9);
	/* Trailing bytes after file_size are ignored. */
	assert_int_equal(check(&h, FILE_LEN + 100), 0);
	/* mem_size == file_size (no .bss) and not page aligned: fine. */
	h.mem_size = h.file_size = 0x4001;
	assert_int_equal(check(&h, 0x4001), 0);
	assert_int_equal(hvimage_pages(&h), 5);
	/* Entry on the last byte of the file. */
	h.entry = RV_HV_LOAD_ADDR + 0x4000;
	assert_int_equal(check(&h, 0x4001), 0);
}

static void test_too_small(void **state)
{
	struct rv_hv_image_header h = good(), out;

	assert_int_equal(hvimage_check(&h, 16, 16, &out, err, sizeof(err)), -1);
	assert_string_equal(err, "hv.bin: the file is 16 bytes, too small to "
				 "hold the 40-byte image header");
	assert_int_equal(hvimage_check(&h, 0, 0, &out, err, sizeof(err)), -1);
	assert_string_equal(err, "hv.bin: the file is 0 bytes, too small to "
				 "hold the 40-byte image header");
}

static void test_magic(void **state)
{
	struct rv_hv_image_header h = good();

	h.magic = 0x464c457f; /* an ELF file copied by mistake */
	assert_int_equal(check(&h, FILE_LEN), -1);
	assert_string_equal(err, "hv.bin: bad magic 0x00000000464c457f, expected "
				 "0x5648524956474e52 (\"RNGVIRHV\"): not a "
				 "Ringvisor hypervisor image");
}

static void test_load_addr(void **state)
{
	struct rv_hv_image_header h = good();

	h.load_addr = 0x100000;
	assert_int_equal(check(&h, FILE_LEN), -1);
	assert_string_equal(err, "hv.bin: load_addr is 0x100000 but the loader "
				 "places the hypervisor at 0x2000000 "
				 "(RV_HV_LOAD_ADDR): hv/hv.ld and hv/bootinfo.h "
				 "disagree");
}

static void test_sizes(void **state)
{
	struct rv_hv_image_header h = good();

	h.file_size = 8;
	assert_int_equal(check(&h, FILE_LEN), -1);
	assert_string_equal(err, "hv.bin: file_size 8 is smaller than the "
				 "40-byte header itself");

	h = good();
	assert_int_equal(check(&h, FILE_LEN - 1), -1);
	assert_string_equal(err, "hv.bin: header says file_size 20480 but the "
				 "file has only 20479 bytes (truncated copy?)");

	h = good();
	h.mem_size = FILE_LEN - 0x1000;
	assert_int_equal(check(&h, FILE_LEN), -1);
	assert_string_equal(err, "hv.bin: mem_size 16384 is smaller than "
				 "file_size 20480");

	h = good();
	h.mem_size = UINT64_MAX;
	assert_int_equal(check(&h, FILE_LEN), -1);
	assert_string_equal(err, "hv.bin: mem_size 18446744073709551615 is "
				 "larger than the loader's limit of 1073741824 "
				 "bytes");
}

static void test_entry(void **state)
{
	struct rv_hv_image_header h = good();
	const char *msg = "hv.bin: entry 0x%llx is outside the image's code "
			  "[0x2000028, 0x2005000)";
	uint64_t bad[] = { 0, RV_HV_LOAD_ADDR, RV_HV_LOAD_ADDR + 0x27,
			   RV_HV_LOAD_ADDR + FILE_LEN,
			   RV_HV_LOAD_ADDR + 0x8000 /* in .bss */ };
	char want[256];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		h.entry = bad[i];
		assert_int_equal(check(&h, FILE_LEN), -1);
		snprintf(want, sizeof(want), msg, (unsigned long long)bad[i]);
		assert_string_equal(err, want);
	}
	h.entry = RV_HV_LOAD_ADDR + 0x28;
	assert_int_equal(check(&h, FILE_LEN), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_too_small),
		cmocka_unit_test(test_magic),
		cmocka_unit_test(test_load_addr),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_entry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
