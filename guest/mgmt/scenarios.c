// SPDX-License-Identifier: MIT
/*
 * The scenario table, parameters and the RESULT line.  tools/hvrun checks
 * scenario names and keys before it boots anything; this checks again,
 * because the boot block comes from another program (the loader) and a
 * wrong run must fail loudly, not run with half its parameters.
 */
#include "mgmt.h"
#include "scenarios.h" /* generated: build/scenarios.h */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct scenario_desc *scenario_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(scenario_table); i++)
		if (!strcmp(scenario_table[i].name, name))
			return &scenario_table[i];
	return NULL;
}

/*
 * Copy a char[RV_RUN_STR] from the boot block, which need not be
 * terminated, so that it prints as one \S+ word on the RESULT line.
 */
static void copy_word(char dst[RV_RUN_STR + 1], const char *src)
{
	size_t n = strnlen(src, RV_RUN_STR);

	for (size_t i = 0; i < n; i++)
		dst[i] = src[i] > ' ' && src[i] < 0x7f ? src[i] : '?';
	dst[n] = '\0';
}

static int key_index(const struct scenario_desc *d, const char *key)
{
	for (unsigned int i = 0; i < d->nr_keys; i++)
		if (!strcmp(d->keys[i], key))
			return (int)i;
	return -1;
}

/*
 * Each item goes into run->kv whole, in place, or not at all: a RESULT line
 * is never cut (tools/hvrun fails a run whose line lacks a key
 * scenarios.txt says it prints).  A full line fails the run, loudly.
 */
void result_kv(struct scenario_run *run, const char *fmt, ...)
{
	size_t room = sizeof(run->kv) - run->kv_len; /* with the terminating 0 */
	va_list ap;
	int n;

	if (room < 2)
		goto full;
	va_start(ap, fmt);
	n = vsnprintf(run->kv + run->kv_len + 1, room - 1, fmt, ap);
	va_end(ap);
	if ((size_t)n >= room - 1) {
		run->kv[run->kv_len] = '\0';
		goto full;
	}
	run->kv[run->kv_len] = ' ';
	run->kv_len += 1 + (size_t)n;
	return;
full:
	gprintf("%s: RESULT line full (%zu characters), lost an item: %s\n", run->name,
		run->kv_len, fmt);
	result_fail(run, "reason=result-line-full");
}

void result_fail(struct scenario_run *run, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!run->failed) {
		vsnprintf(run->reason, sizeof(run->reason), fmt, ap);
		run->failed = true;
	} else {
		char more[128];

		vsnprintf(more, sizeof(more), fmt, ap);
		gprintf("%s: also failed: %s\n", run->name, more);
	}
	va_end(ap);
}

void result_skip(struct scenario_run *run, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!run->failed && !run->skipped) {
		vsnprintf(run->reason, sizeof(run->reason), fmt, ap);
		run->skipped = true;
	}
	va_end(ap);
}

const char *param_str(struct scenario_run *run, const char *key)
{
	int i = key_index(run->desc, key);

	return i < 0 ? "" : run->values[i];
}

bool param_u64(struct scenario_run *run, const char *key, uint64_t max, uint64_t *out)
{
	int i = key_index(run->desc, key);
	const char *s;
	unsigned int base = 10;
	uint64_t v = 0;

	/* A scenario asking for a key its line lacks is a bug in the program. */
	GUEST_ASSERT(i >= 0);
	s = run->values[i];
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2]) {
		base = 16;
		s += 2;
	}
	if (!*s)
		goto bad;
	for (; *s; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			goto bad;
		if (v > (max - d) / base)
			goto bad; /* above max (or 64-bit overflow) */
		v = v * base + d;
	}
	*out = v;
	return true;
bad:
	result_fail(run, "reason=bad-value key=%s value=%s max=%lu", key, run->values[i], max);
	return false;
}

/* Fill in the parameters: defaults, then the run's own.  False = rejected. */
static bool set_params(struct scenario_run *run, const struct rv_run *cfg)
{
	const struct scenario_desc *d = run->desc;
	bool given[RV_RUN_MAX_PARAMS] = { false };
	char key[RV_RUN_STR + 1];

	for (unsigned int i = 0; i < d->nr_keys; i++)
		snprintf(run->values[i], sizeof(run->values[i]), "%s", d->defaults[i]);
	if (cfg->nr_params > RV_RUN_MAX_PARAMS) {
		result_fail(run, "reason=too-many-params nr=%u", cfg->nr_params);
		return false;
	}
	for (unsigned int p = 0; p < cfg->nr_params; p++) {
		int i;

		copy_word(key, cfg->params[p].key);
		i = key_index(d, key);
		if (i < 0) {
			result_fail(run, "reason=unknown-key key=%s", key);
			return false;
		}
		if (given[i]) {
			result_fail(run, "reason=duplicate-key key=%s", key);
			return false;
		}
		given[i] = true;
		copy_word(run->values[i], cfg->params[p].value);
		if (!run->values[i][0]) {
			result_fail(run, "reason=bad-value key=%s value=(empty)", key);
			return false;
		}
	}
	return true;
}

/* Look up, check the parameters of, and run cfg into *run. */
static void run_into(struct scenario_run *run, const struct rv_run *cfg)
{
	unsigned long expect_before = expect_failures();

	memset(run, 0, sizeof(*run));
	copy_word(run->name, cfg->scenario);
	if (!run->name[0])
		snprintf(run->name, sizeof(run->name), "(empty)");

	run->desc = scenario_find(run->name);
	if (!run->desc)
		result_fail(run, "reason=unknown-scenario");
	else if (set_params(run, cfg))
		run->desc->fn(run);

	/* An EXPECT that failed fails the run, even if the scenario forgot. */
	if (expect_failures() != expect_before)
		result_fail(run, "reason=expect failed=%lu", expect_failures() - expect_before);
}

/*
 * "<lead><name> [<params>:] PASS|FAIL|SKIP [reason] kv" in one console write:
 * gprintf() would cut it at GPRINTF_MAX, and this line is what hvrun judges.
 */
static void print_whole(const char *lead, const struct scenario_run *run, const char *params)
{
	static char line[16 + RV_RUN_STR + 160 + sizeof(run->reason) + sizeof(run->kv)];
	bool said = run->failed || run->skipped; /* a reason to print */
	int n = snprintf(line, sizeof(line), "%s%s%s%s%s %s%s%s%s\n", lead, run->name,
			 *params ? " " : "", params, *params ? ":" : "",
			 run->failed ? "FAIL" : run->skipped ? "SKIP" : "PASS", said ? " " : "",
			 said ? run->reason : "",
			 /* A skipped run measured nothing: no figures that look real. */
			 run->skipped && !run->failed ? "" : run->kv);

	GUEST_ASSERT(n > 0 && (size_t)n < sizeof(line));
	hc_console_write(line, (size_t)n);
}

bool run_scenario(const struct rv_run *cfg)
{
	/* Static: guest_abort() may print run.name; only vCPU 0 gets here. */
	static struct scenario_run run;
	char name[RV_RUN_STR + 1];

	copy_word(name, cfg->scenario);
	guest_set_scenario(name[0] ? name : "(empty)");
	run_into(&run, cfg);
	print_whole("RESULT ", &run, "");
	guest_set_scenario(NULL);
	return !run.failed;
}

const struct scenario_run *run_sub_scenario(const char *name, const char *params)
{
	/* Static for the same reason; a sub-run never starts another. */
	static struct scenario_run sub;
	static struct rv_run cfg;
	const char *p = params;

	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.scenario, sizeof(cfg.scenario), "%s", name);
	while (*p && cfg.nr_params < RV_RUN_MAX_PARAMS) {
		struct rv_run_param *kv = &cfg.params[cfg.nr_params++];
		size_t k = 0, v = 0;

		while (*p && *p != '=' && k < RV_RUN_STR - 1)
			kv->key[k++] = *p++;
		if (*p == '=')
			p++;
		while (*p && *p != ' ' && v < RV_RUN_STR - 1)
			kv->value[v++] = *p++;
		while (*p == ' ')
			p++;
	}
	run_into(&sub, &cfg);
	print_whole("  sub-run ", &sub, params);
	return &sub;
}
