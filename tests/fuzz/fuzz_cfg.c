// SPDX-License-Identifier: MIT
// links: boot/cfg.c boot/util.c
/*
 * Fuzz the \ringvisor.cfg parser (boot/cfg.c).  The input is the file's
 * text, as the loader reads it (any bytes, no terminating NUL).  Every
 * accepted configuration must be one the hypervisor and the management
 * partition can take as it is; every refusal must leave a clean result
 * and a message.  The error buffer is also given in short sizes, each an
 * exact heap allocation, so a message written past its end is caught.
 */
#define _GNU_SOURCE /* memmem */
#include <stdbool.h>
#include <string.h>

#include "../hv/abi/hypercall.h"
#include "cfg.h"
#include "fuzz.h"

/* What cfg.h promises about names, keys and values. */
static bool is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("_.,:+-", c) != NULL;
}

/* A NUL-terminated, non-empty word of allowed characters within cap bytes. */
static size_t check_word(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	CHECK(n > 0 && n < cap);
	for (size_t i = 0; i < n; i++)
		CHECK(is_word_char(s[i]));
	for (size_t i = n; i < cap; i++) /* the rest stays zeroed */
		CHECK(s[i] == '\0');
	return n;
}

static bool all_zero(const void *p, size_t n)
{
	static const unsigned char zero[sizeof(struct rv_config)];

	return n <= sizeof(zero) && !memcmp(p, zero, n);
}

static void check_accepted(const struct rv_config *c, const uint8_t *data, size_t size)
{
	/* The hypervisor copies the runs into struct rv_guest_boot. */
	CHECK(c->nr_runs >= 1 && c->nr_runs <= RV_CFG_MAX_RUNS && c->nr_runs <= RV_RUN_MAX);
	CHECK(c->poweroff_on_error <= 1 && c->verbose <= 1 && c->pad == 0);
	for (uint32_t r = 0; r < RV_CFG_MAX_RUNS; r++) {
		const struct rv_cfg_run *run = &c->runs[r];

		if (r >= c->nr_runs) {
			CHECK(all_zero(run, sizeof(*run)));
			continue;
		}
		size_t n = check_word(run->scenario, RV_CFG_NAME_LEN);
		CHECK(n <= RV_RUN_STR - 1);
		/* A name that came from the file, not from elsewhere in memory. */
		CHECK(memmem(data, size, run->scenario, n) != NULL);
		CHECK(run->nr_params <= RV_CFG_MAX_PARAMS && run->nr_params <= RV_RUN_MAX_PARAMS);
		CHECK(run->pad == 0);
		for (uint32_t i = 0; i < RV_CFG_MAX_PARAMS; i++) {
			const struct rv_cfg_param *p = &run->params[i];

			if (i >= run->nr_params) {
				CHECK(all_zero(p, sizeof(*p)));
				continue;
			}
			size_t kn = check_word(p->key, RV_CFG_NAME_LEN);
			size_t vn = check_word(p->value, RV_CFG_VALUE_LEN);
			CHECK(kn <= RV_RUN_STR - 1 && vn <= RV_RUN_STR - 1);
			CHECK(memmem(data, size, p->key, kn) != NULL);
			CHECK(memmem(data, size, p->value, vn) != NULL);
			for (uint32_t j = 0; j < i; j++) /* keys are unique within a run */
				CHECK(strcmp(p->key, run->params[j].key) != 0);
		}
	}
}

static void check_refused(const struct rv_config *c, const char *err, size_t errlen)
{
	/* Zeroed except poweroff_on_error (cfg.h). */
	CHECK(c->poweroff_on_error <= 1);
	struct rv_config z;
	memcpy(&z, c, sizeof(z));
	z.poweroff_on_error = 0;
	CHECK(all_zero(&z, sizeof(z)));
	if (errlen) {
		size_t n = strnlen(err, errlen);
		CHECK(n < errlen);
		/* "ringvisor.cfg:LINE: ..." or "ringvisor.cfg: ...", cut to fit. */
		size_t pre = n < strlen(RV_CFG_FILE) ? n : strlen(RV_CFG_FILE);
		CHECK(!strncmp(err, RV_CFG_FILE, pre));
		if (errlen > 64)
			CHECK(n > strlen(RV_CFG_FILE) + 2);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rv_config cfg, again;
	char err[256];
	const char *text = (const char *)data;

	int r = cfg_parse(text, size, &cfg, err, sizeof(err));
	CHECK(r == 0 || r == -1);
	if (r == 0)
		check_accepted(&cfg, data, size);
	else
		check_refused(&cfg, err, sizeof(err));

	/* The same text gives the same answer (no state kept between calls). */
	char err2[256];
	CHECK(cfg_parse(text, size, &again, err2, sizeof(err2)) == r);
	CHECK(!memcmp(&cfg, &again, sizeof(cfg)));
	CHECK(r == 0 || !strcmp(err, err2));

	/* A short error buffer, exactly that big (0 to 47 bytes, the size
	 * taken from the text's length): the message is cut, never overrun. */
	if (r) {
		size_t len = size % 48;
		char *small = len ? malloc(len) : NULL;

		CHECK(cfg_parse(text, size, &again, small, len) == -1);
		check_refused(&again, small, len);
		if (len)
			CHECK(!strncmp(small, err, len - 1)); /* a prefix of the full message */
		free(small);
	}
	return 0;
}
