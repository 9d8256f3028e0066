/* SPDX-License-Identifier: ISC */
/*
 * test_mlxctl_output.c: mlxctl's formatting functions (clients/mlxctl/output.c).
 *
 * Every formatter takes "now" as an argument, so the expected strings are
 * exact. Sizes, relative times and the PROCESSOR column are checked against
 * what Ollama's CLI prints for the same numbers; tables are rendered into a
 * memory stream and compared byte for byte.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mlxd/mlxd.h>

#include "output.h"

/* 2026-11-28T03:00:00Z */
#define NOW		1795834800000LL
#define SEC		1000LL
#define MIN		(60 * SEC)
#define HOUR		(60 * MIN)
#define DAY		(24 * HOUR)

static char *
size_str(int64_t bytes)
{
	static char	 buf[OUTPUT_CELL_LEN];

	output_size(buf, sizeof buf, bytes);
	return buf;
}

static char *
rel_str(int64_t t)
{
	static char	 buf[OUTPUT_CELL_LEN];

	output_reltime(buf, sizeof buf, t, NOW);
	return buf;
}

static char *
until_str(int64_t t)
{
	static char	 buf[OUTPUT_CELL_LEN];

	output_until(buf, sizeof buf, t, NOW);
	return buf;
}

static char *
proc_str(int64_t size, int64_t vram)
{
	static char	 buf[OUTPUT_CELL_LEN];

	output_processor(buf, sizeof buf, size, vram);
	return buf;
}

static char *
uptime_str(int64_t s)
{
	static char	 buf[OUTPUT_CELL_LEN];

	output_uptime(buf, sizeof buf, s);
	return buf;
}

static char *
id_str(const char *digest)
{
	static char	 buf[OUTPUT_CELL_LEN];

	output_short_id(buf, sizeof buf, digest);
	return buf;
}

/* Run print(arg) into a memory stream and return what it wrote. */
struct capture {
	char	*text;
	size_t	 len;
	FILE	*f;
};

static void
capture_begin(struct capture *cap)
{
	memset(cap, 0, sizeof *cap);
	cap->f = open_memstream(&cap->text, &cap->len);
	assert_non_null(cap->f);
}

static char *
capture_end(struct capture *cap)
{
	assert_int_equal(fclose(cap->f), 0);
	return cap->text;
}

static void
test_size(void **state)
{
	(void)state;
	assert_string_equal(size_str(0), "0 B");
	assert_string_equal(size_str(999), "999 B");
	assert_string_equal(size_str(1000), "1 KB");
	assert_string_equal(size_str(1500), "1.5 KB");
	assert_string_equal(size_str(999999), "999 KB");
	assert_string_equal(size_str(2000000), "2 MB");
	assert_string_equal(size_str(4900000000LL), "4.9 GB");
	assert_string_equal(size_str(3487563776LL), "3.5 GB");
	assert_string_equal(size_str(1157672605LL), "1.2 GB");
	/* Ten and more: whole units, truncated, as `ollama list` shows. */
	assert_string_equal(size_str(14334073581LL), "14 GB");
	assert_string_equal(size_str(17758683136LL), "17 GB");
	assert_string_equal(size_str(999999999999LL), "999 GB");
	/* Below ten, rounded to one decimal (so 9.96 GB shows as 10.0). */
	assert_string_equal(size_str(9960000000LL), "10.0 GB");
	assert_string_equal(size_str(1000000000000LL), "1 TB");
	assert_string_equal(size_str(123456000000000LL), "123 TB");
	assert_string_equal(size_str(MLXD_NULL_INT64), "-");
}

static void
test_reltime(void **state)
{
	(void)state;
	assert_string_equal(rel_str(NOW - 500), "Less than a second ago");
	assert_string_equal(rel_str(NOW), "Less than a second ago");
	assert_string_equal(rel_str(NOW - SEC), "1 second ago");
	assert_string_equal(rel_str(NOW - 42 * SEC), "42 seconds ago");
	assert_string_equal(rel_str(NOW - 90 * SEC), "About a minute ago");
	assert_string_equal(rel_str(NOW - 59 * MIN), "59 minutes ago");
	/* Hours are rounded: 89 minutes is about an hour, 90 is two. */
	assert_string_equal(rel_str(NOW - 89 * MIN), "About an hour ago");
	assert_string_equal(rel_str(NOW - 90 * MIN), "2 hours ago");
	assert_string_equal(rel_str(NOW - 47 * HOUR), "47 hours ago");
	assert_string_equal(rel_str(NOW - 3 * DAY - 2 * HOUR), "3 days ago");
	assert_string_equal(rel_str(NOW - 13 * DAY), "13 days ago");
	assert_string_equal(rel_str(NOW - 14 * DAY), "2 weeks ago");
	assert_string_equal(rel_str(NOW - 60 * DAY), "2 months ago");
	assert_string_equal(rel_str(NOW - 209 * DAY), "6 months ago");
	assert_string_equal(rel_str(NOW - 730 * DAY), "2 years ago");
	assert_string_equal(rel_str(NOW + 4 * MIN + 30 * SEC),
	    "4 minutes from now");
	assert_string_equal(rel_str(NOW + 61 * SEC), "About a minute from now");
	assert_string_equal(rel_str(NOW + 5 * SEC), "5 seconds from now");
	/* keep_alive -1: Ollama stores ~290 years ahead. */
	assert_string_equal(rel_str(10982563200000LL), "Forever");
	/* 20 years ahead is still a date; 21 is forever. */
	assert_string_equal(rel_str(NOW + 20 * 365 * DAY), "20 years from now");
	assert_string_equal(rel_str(NOW + 21 * 365 * DAY + DAY), "Forever");
	/* Go's zero time.Time and an absent value. */
	assert_string_equal(rel_str(-62135596800000LL), "Never");
	assert_string_equal(rel_str(MLXD_NULL_INT64), "-");
}

static void
test_until(void **state)
{
	(void)state;
	assert_string_equal(until_str(NOW - SEC), "Stopping...");
	assert_string_equal(until_str(NOW - 10 * DAY), "Stopping...");
	assert_string_equal(until_str(NOW + 4 * MIN + 59 * SEC),
	    "4 minutes from now");
	assert_string_equal(until_str(NOW + 30 * MIN), "30 minutes from now");
	assert_string_equal(until_str(10982563200000LL), "Forever");
	assert_string_equal(until_str(MLXD_NULL_INT64), "-");
}

static void
test_processor(void **state)
{
	(void)state;
	assert_string_equal(proc_str(3487563776LL, 0), "100% CPU");
	assert_string_equal(proc_str(3487563776LL, 3487563776LL), "100% GPU");
	assert_string_equal(proc_str(100, 200), "Unknown");
	assert_string_equal(proc_str(0, 5), "Unknown");
	assert_string_equal(proc_str(17758683136LL, 11811160064LL),
	    "33%/67% CPU/GPU");
	assert_string_equal(proc_str(1000, 485), "52%/48% CPU/GPU");
	assert_string_equal(proc_str(1000, 995), "1%/99% CPU/GPU");
	/* 99.5% on the CPU rounds half away from zero, like Go. */
	assert_string_equal(proc_str(200, 1), "100%/0% CPU/GPU");
	assert_string_equal(proc_str(1000, MLXD_NULL_INT64), "Unknown");
	assert_string_equal(proc_str(MLXD_NULL_INT64, 10), "Unknown");
}

static void
test_uptime_and_id(void **state)
{
	(void)state;
	assert_string_equal(uptime_str(0), "0s");
	assert_string_equal(uptime_str(45), "45s");
	assert_string_equal(uptime_str(310), "5m 10s");
	assert_string_equal(uptime_str(7380), "2h 3m");
	assert_string_equal(uptime_str(3 * 86400 + 4 * 3600 + 59), "3d 4h");
	assert_string_equal(uptime_str(MLXD_NULL_INT64), "-");

	assert_string_equal(id_str("a80c4f17acd55265feec403c7aef86be0c2598"),
	    "a80c4f17acd5");
	assert_string_equal(id_str("sha256:9e0c2d7b1a4f8e3c6b5d0a9f2e7c4b1d"),
	    "9e0c2d7b1a4f");
	assert_string_equal(id_str("abc"), "abc");
	assert_string_equal(id_str(""), "-");
	assert_string_equal(id_str(NULL), "-");
}

static void
test_table(void **state)
{
	static const char *const	 hdr[] = { "A", "LONGER", "C" };
	const char			*row1[] = { "x", "y", "z" };
	const char			*row2[] = { "wide-cell", NULL, "" };
	const char			*row3[] = { "\xc3\xa9t\xc3\xa9", "v", "w" };
	struct output_table		*t;
	struct capture			 cap;

	(void)state;
	assert_int_equal(output_width("ab"), 2);
	assert_int_equal(output_width("\xc3\xa9t\xc3\xa9"), 3);
	assert_int_equal(output_width("\xe6\xa8\xa1\xe5\x9e\x8b"), 2);

	output_color_init(true);
	assert_string_equal(output_style(OUTPUT_BOLD), "");

	t = output_table_new(3, hdr);
	assert_int_equal(output_table_rows(t), 0);
	output_table_add(t, row1);
	output_table_add(t, row2);
	output_table_add(t, row3);
	assert_int_equal(output_table_rows(t), 3);
	capture_begin(&cap);
	output_table_print(t, cap.f);
	output_table_free(t);
	/* Columns 3 spaces apart, NULL and "" as "-", no trailing blanks. */
	assert_string_equal(capture_end(&cap),
	    "A           LONGER   C\n"
	    "x           y        z\n"
	    "wide-cell   -        -\n"
	    "\xc3\xa9t\xc3\xa9         v        w\n");
	free(cap.text);
}

static void
test_running_table(void **state)
{
	const char			*fam[] = { "llama" };
	struct mlxd_running_model	 m[3];
	struct capture			 cap;

	(void)state;
	memset(m, 0, sizeof m);
	m[0].name = "llama3.2:latest";
	m[0].digest = "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3a";
	m[0].size_bytes = 3487563776LL;
	m[0].vram_bytes = 3487563776LL;
	m[0].expires_at_ms = NOW + 4 * MIN + 30 * SEC;
	m[0].context_length = 4096;
	m[0].families = fam;
	m[0].nfamilies = 1;
	m[1].name = "mistral-small:24b";
	m[1].digest = "3f1c0b9e6f0e4c7d2a8b5e1d9c6a3f7e0b4d8c2a6e1f5b9d3c7a0e";
	m[1].size_bytes = 17758683136LL;
	m[1].vram_bytes = 11811160064LL;
	m[1].expires_at_ms = 10982563200000LL;
	m[1].context_length = MLXD_NULL_INT64;
	m[2].name = "bge-m3:latest";
	m[2].digest = "9e0c2d7b1a4f8e3c6b5d0a9f2e7c4b1d8a3f6e0c5b2d9a7e4c1f8b";
	m[2].size_bytes = 1288490188LL;
	m[2].vram_bytes = MLXD_NULL_INT64;
	m[2].expires_at_ms = NOW - 5 * SEC;
	m[2].context_length = 8192;

	capture_begin(&cap);
	output_running_table(cap.f, m, 3, NOW);
	assert_string_equal(capture_end(&cap),
	    "NAME                ID             SIZE     VRAM     PROCESSOR"
	    "         CONTEXT   UNTIL\n"
	    "llama3.2:latest     a80c4f17acd5   3.5 GB   3.5 GB   100% GPU "
	    "         4096      4 minutes from now\n"
	    "mistral-small:24b   3f1c0b9e6f0e   17 GB    11 GB    33%/67% "
	    "CPU/GPU   -         Forever\n"
	    "bge-m3:latest       9e0c2d7b1a4f   1.3 GB   -        Unknown  "
	    "         8192      Stopping...\n");
	free(cap.text);
}

static void
test_models_table(void **state)
{
	struct mlxd_model	 m[2];
	struct capture		 cap;

	(void)state;
	memset(m, 0, sizeof m);
	m[0].name = "mistral-small:24b";
	m[0].digest = "3f1c0b9e6f0e4c7d2a8b5e1d9c6a3f7e";
	m[0].size_bytes = 14334073581LL;
	m[0].modified_at_ms = NOW - 3 * DAY;
	m[0].family = "llama";
	m[0].parameter_size = "23.6B";
	m[0].quantization_level = "Q4_K_M";
	m[1].name = "bge-m3:latest";
	m[1].digest = "9e0c2d7b1a4f8e3c6b5d0a9f2e7c4b1d";
	m[1].size_bytes = 1157672605LL;
	m[1].modified_at_ms = MLXD_NULL_INT64;
	m[1].family = "bert";
	m[1].parameter_size = "566.70M";
	m[1].quantization_level = NULL;

	capture_begin(&cap);
	output_models_table(cap.f, m, 2, NOW);
	assert_string_equal(capture_end(&cap),
	    "NAME                ID             SIZE     FAMILY   PARAMS    "
	    "QUANT    MODIFIED\n"
	    "mistral-small:24b   3f1c0b9e6f0e   14 GB    llama    23.6B     "
	    "Q4_K_M   3 days ago\n"
	    "bge-m3:latest       9e0c2d7b1a4f   1.2 GB   bert     566.70M   "
	    "-        -\n");
	free(cap.text);
}

static void
test_json_pretty(void **state)
{
	const char	*in = "{\"a\":1,\"b\":[],\"c\":{\"d\":[1,2],\"e\":{}},"
	    "\"f\":\"x,{y}:\\\"z\\\\\",\"g\":null}";
	struct capture	 cap;

	(void)state;
	capture_begin(&cap);
	output_json_pretty(cap.f, in, strlen(in));
	assert_string_equal(capture_end(&cap),
	    "{\n"
	    "  \"a\": 1,\n"
	    "  \"b\": [],\n"
	    "  \"c\": {\n"
	    "    \"d\": [\n"
	    "      1,\n"
	    "      2\n"
	    "    ],\n"
	    "    \"e\": {}\n"
	    "  },\n"
	    "  \"f\": \"x,{y}:\\\"z\\\\\",\n"
	    "  \"g\": null\n"
	    "}\n");
	free(cap.text);

	/* Already indented input comes out the same. */
	capture_begin(&cap);
	output_json_pretty(cap.f, "[ 1 ,\n { } ]", 12);
	assert_string_equal(capture_end(&cap), "[\n  1,\n  {}\n]\n");
	free(cap.text);
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_reltime),
		cmocka_unit_test(test_until),
		cmocka_unit_test(test_processor),
		cmocka_unit_test(test_uptime_and_id),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_running_table),
		cmocka_unit_test(test_models_table),
		cmocka_unit_test(test_json_pretty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
