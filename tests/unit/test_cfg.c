// SPDX-License-Identifier: MIT
// links: boot/cfg.c boot/util.c
/*
 * \ringvisor.cfg parsing: good files in the shapes editors and tools/hvrun
 * produce, and every error, with the exact message (line number included)
 * a user would see on the console.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cfg.h"

static struct rv_config cfg;
static char err[256];

static int parse(const char *text)
{
	memset(err, 0x55, sizeof(err));
	return cfg_parse(text, strlen(text), &cfg, err, sizeof(err));
}

static void expect_error(const char *text, const char *msg)
{
	assert_int_equal(parse(text), -1);
	assert_string_equal(err, msg);
	assert_int_equal(cfg.nr_runs, 0);
}

static void test_hvrun_file(void **state)
{
	/* What tools/hvrun writes (make_cfg). */
	assert_int_equal(parse("# written by tools/hvrun\n"
			       "runner=hvrun\n"
			       "log=verbose\n"
			       "run hello vcpus=2\n"
			       "run hello vcpus=1\n"), 0);
	assert_int_equal(cfg.nr_runs, 2);
	assert_int_equal(cfg.poweroff_on_error, 1);
	assert_int_equal(cfg.verbose, 1);
	assert_string_equal(cfg.runs[0].scenario, "hello");
	assert_int_equal(cfg.runs[0].nr_params, 1);
	assert_string_equal(cfg.runs[0].params[0].key, "vcpus");
	assert_string_equal(cfg.runs[0].params[0].value, "2");
	assert_string_equal(cfg.runs[1].params[0].value, "1");
	assert_string_equal(err, "");
}

static void test_layout(void **state)
{
	/* Comments, blank lines, tabs, trailing blanks, CRLF, no final LF. */
	assert_int_equal(parse("\xef\xbb\xbf# leading BOM and comment\r\n"
			       "\r\n"
			       "   \t\r\n"
			       "runner=none   # trailing comment\r\n"
			       "log=normal\t\r\n"
			       "\trun  dirty-pages\tpages=64  pattern=0x1f,2:3+x_y.z  \r\n"
			       "run idle"), 0);
	assert_int_equal(cfg.poweroff_on_error, 0);
	assert_int_equal(cfg.verbose, 0);
	assert_int_equal(cfg.nr_runs, 2);
	assert_string_equal(cfg.runs[0].scenario, "dirty-pages");
	assert_int_equal(cfg.runs[0].nr_params, 2);
	assert_string_equal(cfg.runs[0].params[1].key, "pattern");
	assert_string_equal(cfg.runs[0].params[1].value, "0x1f,2:3+x_y.z");
	assert_string_equal(cfg.runs[1].scenario, "idle");
	assert_int_equal(cfg.runs[1].nr_params, 0);
}

static void test_defaults(void **state)
{
	assert_int_equal(parse("run hello\n"), 0);
	assert_int_equal(cfg.poweroff_on_error, 0);
	assert_int_equal(cfg.verbose, 0);

	memset(&cfg, 0x55, sizeof(cfg));
	cfg_default(&cfg);
	assert_int_equal(cfg.nr_runs, 1);
	assert_string_equal(cfg.runs[0].scenario, "hello");
	assert_int_equal(cfg.runs[0].nr_params, 0);
	assert_int_equal(cfg.poweroff_on_error, 0);
	assert_int_equal(cfg.verbose, 0);
}

static void test_no_run(void **state)
{
	const char *msg = "ringvisor.cfg: no \"run\" line, so nothing to run "
			  "(add e.g. \"run hello\")";

	expect_error("", msg);
	expect_error("\n\n", msg);
	expect_error("# only a comment\nrunner=hvrun\n", msg);
	assert_int_equal(cfg.poweroff_on_error, 1);
}

static void test_line_errors(void **state)
{
	expect_error("runner=hvrun\nrun hello\nrun hello vcpus\n",
		     "ringvisor.cfg:3: expected key=value, got \"vcpus\"");
	expect_error("run hello vcpus=\n",
		     "ringvisor.cfg:1: empty value for key \"vcpus\"");
	expect_error("run hello =2\n", "ringvisor.cfg:1: empty key in \"=2\"");
	expect_error("run hello a=1 b=2 a=3\n",
		     "ringvisor.cfg:1: key \"a\" given twice in run \"hello\"");
	expect_error("run\n", "ringvisor.cfg:1: \"run\" needs a scenario name, "
			      "e.g. \"run hello\"");
	expect_error("run # no name\n", "ringvisor.cfg:1: \"run\" needs a "
					"scenario name, e.g. \"run hello\"");
	expect_error("run vcpus=2\n", "ringvisor.cfg:1: expected a scenario "
				      "name after \"run\", got \"vcpus=2\"");
	expect_error("\nhello vcpus=2\n",
		     "ringvisor.cfg:2: expected \"run SCENARIO [key=value ...]\" "
		     "or a global key=value, got \"hello\"");
	expect_error("RUN hello\n",
		     "ringvisor.cfg:1: expected \"run SCENARIO [key=value ...]\" "
		     "or a global key=value, got \"RUN\"");
}

static void test_global_errors(void **state)
{
	expect_error("run hello\nverbose=1\n", "ringvisor.cfg:2: unknown global "
					       "key \"verbose\" (known: runner, log)");
	expect_error("=x\n", "ringvisor.cfg:1: empty key in \"=x\"");
	expect_error("runner=\n", "ringvisor.cfg:1: empty value for \"runner\"");
	expect_error("runner=qemu\n", "ringvisor.cfg:1: runner must be hvrun "
				      "or none, got \"qemu\"");
	expect_error("log=debug\n", "ringvisor.cfg:1: log must be verbose or "
				    "normal, got \"debug\"");
	expect_error("runner=hvrun\n\nrunner=none\n",
		     "ringvisor.cfg:3: \"runner\" is already set on line 1");
	expect_error("log=verbose\nlog=verbose\n",
		     "ringvisor.cfg:2: \"log\" is already set on line 1");
	expect_error("runner=hvrun log=verbose\n",
		     "ringvisor.cfg:1: unexpected \"log=verbose\" after "
		     "\"runner=hvrun\" (one global key=value a line)");
	expect_error("runner = hvrun\n",
		     "ringvisor.cfg:1: expected \"run SCENARIO [key=value ...]\" "
		     "or a global key=value, got \"runner\"");
}

static void test_bad_characters(void **state)
{
	expect_error("run hello path=/tmp\n",
		     "ringvisor.cfg:1: character '/' not allowed in value "
		     "\"/tmp\" (use letters, digits and _ . , : + -)");
	expect_error("run hello a=1=2\n",
		     "ringvisor.cfg:1: character '=' not allowed in value "
		     "\"1=2\" (use letters, digits and _ . , : + -)");
	expect_error("run he*lo\n",
		     "ringvisor.cfg:1: character '*' not allowed in scenario "
		     "name \"he*lo\" (use letters, digits and _ . , : + -)");
	expect_error("run hello v\"x=1\n",
		     "ringvisor.cfg:1: character '\"' not allowed in key "
		     "\"v\\x22x\" (use letters, digits and _ . , : + -)");
	expect_error("run h\xc3\xa9llo\n",
		     "ringvisor.cfg:1: byte 0xc3 not allowed in scenario name "
		     "\"h\\xc3\\xa9llo\" (use letters, digits and _ . , : + -)");
	expect_error("run hello x=\x01\n",
		     "ringvisor.cfg:1: byte 0x01 not allowed in value "
		     "\"\\x01\" (use letters, digits and _ . , : + -)");
}

static void test_nul_byte(void **state)
{
	static const char text[] = "run hello\nrun a\0b\n";

	assert_int_equal(cfg_parse(text, sizeof(text) - 1, &cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "ringvisor.cfg:2: NUL byte in column 6 (is this "
				 "a text file?)");
	/* Even inside a comment: the file is not text. */
	static const char text2[] = "# x\0\nrun hello\n";

	assert_int_equal(cfg_parse(text2, sizeof(text2) - 1, &cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "ringvisor.cfg:1: NUL byte in column 4 (is this "
				 "a text file?)");
}

static void test_name_lengths(void **state)
{
	char text[512], name[64];

	memset(name, 'n', 31);
	name[31] = '\0';
	snprintf(text, sizeof(text), "run %s %s=%s\n", name, name, name);
	assert_int_equal(parse(text), 0);
	assert_int_equal(strlen(cfg.runs[0].scenario), 31);
	assert_int_equal(strlen(cfg.runs[0].params[0].key), 31);
	assert_int_equal(strlen(cfg.runs[0].params[0].value), 31);

	name[31] = 'n';
	name[32] = '\0';
	snprintf(text, sizeof(text), "run %s\n", name);
	expect_error(text, "ringvisor.cfg:1: scenario name "
			   "\"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\" is too long "
			   "(32 characters, at most 31)");
	snprintf(text, sizeof(text), "run x %s=1\n", name);
	expect_error(text, "ringvisor.cfg:1: key "
			   "\"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\" is too long "
			   "(32 characters, at most 31)");
	snprintf(text, sizeof(text), "run x k=%s\n", name);
	expect_error(text, "ringvisor.cfg:1: value "
			   "\"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\" is too long "
			   "(32 characters, at most 31)");
}

static void test_very_long_lines(void **state)
{
	size_t n = 100000;
	char *text = malloc(n + 64);

	/* A huge comment is fine. */
	strcpy(text, "#");
	memset(text + 1, 'c', n);
	strcpy(text + 1 + n, "\nrun hello\n");
	assert_int_equal(parse(text), 0);
	assert_int_equal(cfg.nr_runs, 1);

	/* A huge value is quoted back cut short. */
	strcpy(text, "run hello k=");
	memset(text + 12, 'v', n);
	strcpy(text + 12 + n, "\n");
	expect_error(text, "ringvisor.cfg:1: value "
			   "\"vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv\"... is too "
			   "long (100000 characters, at most 31)");

	/* A huge run of blanks, then the statement. */
	memset(text, ' ', n);
	strcpy(text + n, "run hello\n");
	assert_int_equal(parse(text), 0);
	free(text);
}

static void test_too_many_runs(void **state)
{
	char text[1024] = "";
	int i;

	for (i = 0; i < RV_CFG_MAX_RUNS; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "run s%d\n", i);
	assert_int_equal(parse(text), 0);
	assert_int_equal(cfg.nr_runs, RV_CFG_MAX_RUNS);
	assert_string_equal(cfg.runs[15].scenario, "s15");

	strcat(text, "# one more\nrun s16\n");
	expect_error(text, "ringvisor.cfg:18: too many runs (at most 16)");
}

static void test_too_many_params(void **state)
{
	char text[1024] = "run p";
	int i;

	for (i = 0; i < RV_CFG_MAX_PARAMS; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 " k%d=%d", i, i);
	assert_int_equal(parse(text), 0);
	assert_int_equal(cfg.runs[0].nr_params, RV_CFG_MAX_PARAMS);
	assert_string_equal(cfg.runs[0].params[15].key, "k15");
	assert_string_equal(cfg.runs[0].params[15].value, "15");

	strcat(text, " k16=16");
	expect_error(text, "ringvisor.cfg:1: too many parameters in run \"p\" "
			   "(at most 16)");
}

static void test_poweroff_after_error(void **state)
{
	/* runner=hvrun before or after the bad line: still power off. */
	assert_int_equal(parse("runner=hvrun\nrun hello vcpus\n"), -1);
	assert_int_equal(cfg.poweroff_on_error, 1);
	assert_int_equal(parse("bogus\nrunner=hvrun # late\n"), -1);
	assert_int_equal(cfg.poweroff_on_error, 1);
	assert_int_equal(parse("runner=none\nbogus\n"), -1);
	assert_int_equal(cfg.poweroff_on_error, 0);
	assert_int_equal(parse("bogus\n# runner=hvrun\n"), -1);
	assert_int_equal(cfg.poweroff_on_error, 0);
	assert_int_equal(cfg.nr_runs, 0);
	assert_int_equal(cfg.verbose, 0);
}

static void test_small_error_buffer(void **state)
{
	char small[20];

	memset(small, 0x55, sizeof(small));
	assert_int_equal(cfg_parse("run hello vcpus\n", 16, &cfg, small,
				   sizeof(small)), -1);
	assert_string_equal(small, "ringvisor.cfg:1: ex");
	assert_int_equal(cfg_parse("x\n", 2, &cfg, NULL, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hvrun_file),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_no_run),
		cmocka_unit_test(test_line_errors),
		cmocka_unit_test(test_global_errors),
		cmocka_unit_test(test_bad_characters),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_name_lengths),
		cmocka_unit_test(test_very_long_lines),
		cmocka_unit_test(test_too_many_runs),
		cmocka_unit_test(test_too_many_params),
		cmocka_unit_test(test_poweroff_after_error),
		cmocka_unit_test(test_small_error_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
