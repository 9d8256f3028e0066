/* SPDX-License-Identifier: ISC */
/*
 * test_bench_export.c: the JSON export parses back with llama-bench's
 * field names and our figures, CSV follows RFC 4180 (quoting, CRLF, one
 * row per test, same field count as the header) and the Markdown table
 * has the llama-bench shape with "mean ± sd" cells.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "bench_export.h"
#include "bench_stats.h"
#include "test.h"

/*
 * A test object as store_bench_run_get() returns it: aggregates from
 * bench_stats plus samples. rates[] are the per-repetition values of the
 * headline metric (prompt rate for pp, generation rate otherwise).
 */
static json_t *
make_test(const char *name, const char *kind, int n_prompt, int n_gen,
    const double *rates, int n)
{
	struct bench_sample	 s[8];
	struct bench_test_stats	 ts;
	json_t			*t, *arr;
	int			 i, pp = strcmp(kind, "pp") == 0;

	assert_true(n + 1 <= 8);
	for (i = 0; i <= n; i++) {
		bench_stats_sample_init(&s[i]);
		s[i].is_warmup = i == 0;
		s[i].repetition = i == 0 ? 1 : i;
		s[i].prompt_eval_count = n_prompt;
		s[i].eval_count = n_gen;
		/* Durations giving exactly the wanted rate. */
		s[i].prompt_eval_duration_ns = pp && i > 0 ?
		    (int64_t)llround(n_prompt / rates[i - 1] * 1e9) : 500000000;
		s[i].eval_duration_ns = !pp && i > 0 ?
		    (int64_t)llround(n_gen / rates[i - 1] * 1e9) : 1000000000;
		s[i].load_duration_ns = strcmp(kind, "cold") == 0 ?
		    2000000000LL : 4000000LL;
		s[i].ttft_ns = 100000000LL + 1000000LL * i;
		s[i].last_token_ns = s[i].ttft_ns + 1000000000LL;
		s[i].e2e_ns = s[i].last_token_ns + 1000000LL;
		snprintf(s[i].done_reason, sizeof(s[i].done_reason), "length");
	}
	bench_stats_aggregate(s, (size_t)n + 1, &ts);
	t = bench_stats_test_json(&ts);
	json_object_set_new(t, "name", json_string(name));
	json_object_set_new(t, "kind", json_string(kind));
	json_object_set_new(t, "n_prompt", json_integer(n_prompt));
	json_object_set_new(t, "n_gen", json_integer(n_gen));
	arr = json_array();
	for (i = 0; i <= n; i++)
		json_array_append_new(arr, bench_stats_sample_json(&s[i]));
	json_object_set_new(t, "samples", arr);
	return t;
}

static json_t *
make_run(const char *id, const char *model, int with_cold)
{
	const double	 pp[] = { 1000, 1010, 990, 1005, 995 };
	const double	 tg[] = { 50, 51, 49, 50.5, 49.5 };
	json_t		*run, *tests;

	run = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:n, s:I, s:I, "
	    "s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:{s:i, s:i, s:f}}",
	    "id", id, "model", model, "digest", "3f1c0b9e", "quantization",
	    "Q4_K_M", "family", "llama", "parameter_size", "8.0B",
	    "model_size_bytes", (json_int_t)4920734016LL, "n_params",
	    "ps_size_bytes", (json_int_t)6000000000LL, "ps_vram_bytes",
	    (json_int_t)6000000000LL, "suite", with_cold ? "cold" : "quick",
	    "state", "done", "ollama_version", "0.32.15", "memory_bytes",
	    (json_int_t)68719476736LL, "chip", "Apple M3 Max", "os",
	    "macOS 15.5", "started_at", "2026-05-02T12:00:00.000Z",
	    "mlxd_version", "0.1.0", "options", "num_ctx", 4096, "seed", 42,
	    "temperature", 0.0);
	assert_non_null(run);
	tests = json_array();
	json_array_append_new(tests, make_test("pp512", "pp", 512, 16, pp, 5));
	json_array_append_new(tests, make_test("tg128", "tg", 16, 128, tg, 5));
	if (with_cold)
		json_array_append_new(tests, make_test("cold", "cold", 512,
		    128, tg, 3));
	json_object_set_new(run, "tests", tests);
	return run;
}

static double
num(const json_t *o, const char *key)
{
	const json_t	*v = json_object_get(o, key);

	assert_true(json_is_number(v));
	return json_number_value(v);
}

static void
test_json_roundtrip(void **state)
{
	json_t		*run, *back, *t;
	json_error_t	 err;
	char		*text = NULL;
	double		 mean;

	(void)state;
	run = make_run("r1", "llama3.1:8b", 0);
	assert_int_equal(bench_export(run, BENCH_EXPORT_JSON, &text), 0);
	back = json_loads(text, 0, &err);
	if (back == NULL)
		fail_msg("export is not JSON: %s", err.text);
	free(text);
	assert_string_equal(json_string_value(json_object_get(back,
	    "model_filename")), "llama3.1:8b");
	assert_string_equal(json_string_value(json_object_get(back,
	    "model_type")), "llama 8.0B Q4_K_M");
	assert_int_equal(json_integer_value(json_object_get(back,
	    "model_size")), 4920734016LL);
	assert_true(json_is_null(json_object_get(back, "model_n_params")));
	assert_string_equal(json_string_value(json_object_get(back,
	    "test_time")), "2026-05-02T12:00:00.000Z");
	assert_string_equal(json_string_value(json_object_get(back,
	    "processor")), "GPU");
	assert_int_equal(json_integer_value(json_object_get(back, "n_ctx")),
	    4096);
	assert_int_equal(json_array_size(json_object_get(back, "tests")), 2);

	t = json_array_get(json_object_get(back, "tests"), 0);
	assert_string_equal(json_string_value(json_object_get(t, "test")),
	    "pp512");
	assert_string_equal(json_string_value(json_object_get(t, "metric")),
	    "prompt_tps");
	assert_int_equal(json_integer_value(json_object_get(t, "n_prompt")),
	    512);
	assert_int_equal(json_integer_value(json_object_get(t, "n_gen")), 16);
	mean = num(t, "avg_ts");
	assert_true(fabs(mean - 1000.0) < 1e-3);
	/* Sample sd of 1000, 1010, 990, 1005, 995: sqrt(250 / 4). */
	assert_true(fabs(num(t, "stddev_ts") - sqrt(62.5)) < 1e-3);
	assert_true(fabs(num(t, "median_ts") - 1000.0) < 1e-3);
	assert_int_equal(json_array_size(json_object_get(t, "samples_ts")), 5);
	assert_true(fabs(json_number_value(json_array_get(json_object_get(t,
	    "samples_ts"), 1)) - 1010.0) < 1e-3);
	assert_int_equal(json_array_size(json_object_get(t, "samples_ns")), 5);
	/* 512 tokens at 1000 t/s = 512 ms. */
	assert_int_equal(json_integer_value(json_array_get(json_object_get(t,
	    "samples_ns"), 0)), 512000000);
	assert_true(json_is_integer(json_object_get(t, "avg_ns")));
	assert_true(json_is_null(json_object_get(t, "p95_ts")));
	assert_true(json_is_object(json_object_get(t, "ttft_ms")));
	assert_int_equal(json_array_size(json_object_get(t, "samples")), 6);

	t = json_array_get(json_object_get(back, "tests"), 1);
	assert_string_equal(json_string_value(json_object_get(t, "metric")),
	    "gen_tps");
	assert_true(fabs(num(t, "avg_ts") - 50.0) < 1e-6);
	json_decref(back);

	/* Arrays of runs export as arrays; other input is refused. */
	back = json_array();
	json_array_append(back, run);
	json_array_append(back, run);
	t = bench_export_json(back);
	assert_int_equal(json_array_size(t), 2);
	json_decref(t);
	json_decref(back);
	assert_null(bench_export_json(NULL));
	back = json_string("x");
	assert_int_equal(bench_export(back, BENCH_EXPORT_CSV, &text), -EINVAL);
	assert_int_equal(bench_export(back, BENCH_EXPORT_MD, &text), -EINVAL);
	assert_int_equal(bench_export(back, BENCH_EXPORT_JSON, &text), -EINVAL);
	json_decref(back);
	json_decref(run);
}

/* Split one RFC 4180 record starting at *pp; returns the field count. */
static int
csv_record(const char **pp, char fields[][128], int max)
{
	const char	*p = *pp;
	int		 n = 0;
	size_t		 k;

	for (;;) {
		k = 0;
		if (*p == '"') {
			for (p++;; p++) {
				if (*p == '\0')
					fail_msg("unterminated quoted field");
				if (*p == '"' && p[1] == '"') {
					p++;
				} else if (*p == '"') {
					p++;
					break;
				}
				if (k < 127)
					fields[n][k++] = *p;
			}
		} else {
			while (*p != ',' && *p != '\r' && *p != '\n' &&
			    *p != '\0') {
				if (*p == '"')
					fail_msg("bare quote in field");
				if (k < 127)
					fields[n][k++] = *p;
				p++;
			}
		}
		fields[n][k] = '\0';
		if (n < max - 1)
			n++;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '\n')
			fail_msg("LF without CR");
		if (*p == '\r') {
			assert_int_equal(p[1], '\n');
			p += 2;
		}
		break;
	}
	*pp = p;
	return n;
}

static int
field_index(char fields[][128], int n, const char *name)
{
	int	i;

	for (i = 0; i < n; i++) {
		if (strcmp(fields[i], name) == 0)
			return i;
	}
	fail_msg("no column %s", name);
	return -1;
}

static void
test_csv(void **state)
{
	static char	 head[128][128], row[128][128];
	json_t		*runs;
	char		*csv = NULL;
	const char	*p;
	int		 nh, nr, rows = 0, im, it, ia, ip;

	(void)state;
	runs = json_array();
	json_array_append_new(runs, make_run("r1", "llama3.1:8b", 0));
	json_array_append_new(runs, make_run("r2", "we,ird \"model\"", 0));
	assert_int_equal(bench_export_csv(runs, &csv), 0);
	/* The tricky name is quoted with doubled quotes. */
	assert_non_null(strstr(csv, ",\"we,ird \"\"model\"\"\","));
	p = csv;
	nh = csv_record(&p, head, 128);
	assert_true(nh > 40);
	im = field_index(head, nh, "model_filename");
	it = field_index(head, nh, "test");
	ia = field_index(head, nh, "avg_ts");
	ip = field_index(head, nh, "prompt_tps_p95");
	field_index(head, nh, "stddev_ts");
	field_index(head, nh, "n_prompt");
	field_index(head, nh, "gen_tps_median");
	while (*p != '\0') {
		nr = csv_record(&p, row, 128);
		assert_int_equal(nr, nh);
		rows++;
		if (rows == 1) {
			assert_string_equal(row[im], "llama3.1:8b");
			assert_string_equal(row[it], "pp512");
			assert_true(fabs(strtod(row[ia], NULL) - 1000) < 1e-3);
			assert_string_equal(row[ip], "");  /* unknown */
		}
		if (rows == 3) {
			assert_string_equal(row[im], "we,ird \"model\"");
			assert_string_equal(row[it], "pp512");
		}
	}
	assert_int_equal(rows, 4);	/* two runs, two tests each */
	free(csv);
	json_decref(runs);
}

#define MD_HEAD	"| model | size | params | backend | test | t/s | TTFT ms |\n" \
		"| --- | ---: | ---: | --- | ---: | ---: | ---: |\n"

static int
count_pipes(const char *line, size_t len)
{
	size_t	i;
	int	n = 0;

	for (i = 0; i < len; i++) {
		if (line[i] == '|' && (i == 0 || line[i - 1] != '\\'))
			n++;
	}
	return n;
}

static void
test_markdown(void **state)
{
	json_t		*run;
	char		*md = NULL;
	const char	*line, *nl;
	int		 rows = 0, pipes = 0;

	(void)state;
	run = make_run("r1", "llama3.1:8b", 0);
	assert_int_equal(bench_export_md(run, &md), 0);
	assert_memory_equal(md, MD_HEAD, strlen(MD_HEAD));
	assert_non_null(strstr(md, "| llama3.1:8b Q4_K_M | 4.58 GiB | 8.0B | "
	    "Ollama GPU | pp512 | 1000.00 ± 7.91 | 103.00 ± 1.58 |\n"));
	assert_non_null(strstr(md, "| tg128 | 50.00 ± 0.79 |"));
	assert_non_null(strstr(md, "ollama 0.32.15"));
	assert_non_null(strstr(md, "64 GiB RAM"));
	/* Every table line has the same number of cells. */
	for (line = md; *line == '|'; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_non_null(nl);
		if (pipes == 0)
			pipes = count_pipes(line, (size_t)(nl - line));
		assert_int_equal(count_pipes(line, (size_t)(nl - line)), pipes);
		rows++;
	}
	assert_int_equal(pipes, 8);
	assert_int_equal(rows, 4);	/* header, rule, two tests */
	free(md);
	json_decref(run);

	/* A cold test adds the load column; pipes in names are escaped. */
	run = make_run("r2", "a|b", 1);
	assert_int_equal(bench_export_md(run, &md), 0);
	assert_non_null(strstr(md, "| TTFT ms | load s |\n"));
	assert_non_null(strstr(md, "| a\\|b Q4_K_M |"));
	assert_non_null(strstr(md, "| cold | 50.00 ± 1.00 | 102.00 ± 1.00 | "
	    "2.00 ± 0.00 |\n"));
	free(md);
	json_decref(run);
}

static void
test_compare_markdown(void **state)
{
	json_t		*a, *b, *cmp, *pp, *t;
	char		*md = NULL;
	const double	 slow[] = { 900, 905, 895, 902, 898 };

	(void)state;
	a = make_run("A", "m", 0);
	b = make_run("B", "m", 0);
	json_object_set_new(b, "ollama_version", json_string("0.33.0"));
	pp = json_object_get(b, "tests");
	t = make_test("pp512", "pp", 512, 16, slow, 5);
	json_array_set_new(pp, 0, t);
	cmp = bench_stats_compare_runs(a, b);
	assert_int_equal(bench_export_compare_md(cmp, &md), 0);
	assert_non_null(strstr(md, "| test | metric | A | B | Δ% | z | "
	    "verdict |\n"));
	assert_non_null(strstr(md, "| pp512 | prompt_tps | 1000.00 ± 7.91 | "
	    "900.00 ± 3.81 | -10.00 |"));
	assert_non_null(strstr(md, "| regression |\n"));
	assert_non_null(strstr(md, "| tg128 | gen_tps |"));
	assert_non_null(strstr(md, "| no change |\n"));
	assert_non_null(strstr(md, "changed: ollama_version\n"));
	assert_null(strstr(md, "warning"));
	free(md);
	json_decref(cmp);
	json_decref(a);
	json_decref(b);
	assert_int_equal(bench_export_compare_md(NULL, &md), -EINVAL);
}

static void
test_format_names(void **state)
{
	enum bench_export_format	f;

	(void)state;
	assert_int_equal(bench_export_format_parse("csv", &f), 0);
	assert_int_equal(f, BENCH_EXPORT_CSV);
	assert_int_equal(bench_export_format_parse("markdown", &f), 0);
	assert_int_equal(f, BENCH_EXPORT_MD);
	assert_int_equal(bench_export_format_parse("md", &f), 0);
	assert_int_equal(bench_export_format_parse("json", &f), 0);
	assert_int_equal(f, BENCH_EXPORT_JSON);
	assert_int_equal(bench_export_format_parse("sql", &f), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_roundtrip),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_compare_markdown),
		cmocka_unit_test(test_format_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
