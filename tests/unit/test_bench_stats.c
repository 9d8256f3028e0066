/* SPDX-License-Identifier: ISC */
/*
 * test_bench_stats.c: per-sample figures, validation flags, summaries
 * (sample sd, median, p95 threshold, unknown values) and the compare rule
 * at its boundaries, against values computed by hand.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "bench_stats.h"
#include "test.h"

#define EPS	1e-9

static void
assert_near(double got, double want, double tol)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("got %.12g, want %.12g (tolerance %g)", got, want,
		    tol);
}

static void
test_summary_even(void **state)
{
	const double		v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	struct bench_summary	s;

	(void)state;
	bench_stats_summarize(v, 8, &s);
	assert_int_equal(s.n, 8);
	assert_near(s.mean, 5.0, EPS);
	/* Squared deviations sum to 32; sample variance 32 / 7. */
	assert_near(s.sd, sqrt(32.0 / 7.0), EPS);
	assert_near(s.sd, 2.138089935, 1e-9);
	assert_near(s.median, 4.5, EPS);
	assert_near(s.min, 2, EPS);
	assert_near(s.max, 9, EPS);
	assert_true(isnan(s.p95));
	assert_near(s.cv, sqrt(32.0 / 7.0) / 5.0, EPS);
}

static void
test_summary_odd_and_single(void **state)
{
	const double		v[] = { 3, 1, 2 };
	const double		one[] = { 42.5 };
	struct bench_summary	s;

	(void)state;
	bench_stats_summarize(v, 3, &s);
	assert_int_equal(s.n, 3);
	assert_near(s.mean, 2, EPS);
	assert_near(s.sd, 1, EPS);
	assert_near(s.median, 2, EPS);
	assert_near(s.min, 1, EPS);
	assert_near(s.max, 3, EPS);

	bench_stats_summarize(one, 1, &s);
	assert_int_equal(s.n, 1);
	assert_near(s.mean, 42.5, EPS);
	assert_near(s.median, 42.5, EPS);
	assert_true(isnan(s.sd));
	assert_true(isnan(s.cv));
	assert_true(isnan(s.p95));
}

static void
test_summary_unknown(void **state)
{
	const double		v[] = { 1, NAN, 3, INFINITY };
	const double		none[] = { NAN, NAN };
	struct bench_summary	s;
	json_t			*j;

	(void)state;
	bench_stats_summarize(v, 4, &s);
	assert_int_equal(s.n, 2);
	assert_near(s.mean, 2, EPS);
	assert_near(s.sd, sqrt(2.0), EPS);

	bench_stats_summarize(none, 2, &s);
	assert_int_equal(s.n, 0);
	assert_true(isnan(s.mean));
	assert_true(isnan(s.median));
	assert_true(isnan(s.min));
	bench_stats_summarize(NULL, 0, &s);
	assert_int_equal(s.n, 0);

	/* Unknown is null in JSON, never 0. */
	j = bench_stats_summary_json(&s);
	assert_int_equal(json_integer_value(json_object_get(j, "n")), 0);
	assert_true(json_is_null(json_object_get(j, "mean")));
	assert_true(json_is_null(json_object_get(j, "sd")));
	assert_true(json_is_null(json_object_get(j, "p95")));
	json_decref(j);
}

static void
test_p95_threshold(void **state)
{
	double			v[20];
	struct bench_summary	s;
	int			i;

	(void)state;
	for (i = 0; i < 20; i++)
		v[i] = 20 - i;		/* unsorted on purpose */
	bench_stats_summarize(v, 19, &s);
	assert_int_equal(s.n, 19);
	assert_true(isnan(s.p95));
	bench_stats_summarize(v, 20, &s);
	/* Type 7: h = 19 * 0.95 = 18.05, 19 + 0.05 * (20 - 19). */
	assert_near(s.p95, 19.05, 1e-9);
	assert_near(s.median, 10.5, EPS);
}

static void
test_percentile_reference_example(void **state)
{
	/* The worked TTFT example of the methodology reference. */
	const double		v[] = { 100, 101, 102, 103, 104, 105, 106,
				    107, 110, 150 };
	struct bench_summary	s;

	(void)state;
	assert_near(bench_stats_percentile(v, 10, 50), 104.5, 1e-9);
	assert_near(bench_stats_percentile(v, 10, 90), 114, 1e-9);
	assert_near(bench_stats_percentile(v, 10, 95), 132, 1e-9);
	assert_near(bench_stats_percentile(v, 10, 99), 146.4, 1e-9);
	assert_near(bench_stats_percentile(v, 10, 0), 100, EPS);
	assert_near(bench_stats_percentile(v, 10, 100), 150, EPS);
	assert_true(isnan(bench_stats_percentile(v, 0, 50)));
	bench_stats_summarize(v, 10, &s);
	assert_near(s.mean, 108.8, 1e-9);
	assert_near(s.sd, 14.8, 0.05);
	assert_near(s.median, 104.5, EPS);
	assert_true(isnan(s.p95));	/* n = 10 < 20 */
}

static void
test_figures(void **state)
{
	struct bench_sample	s;
	struct bench_figures	f;

	(void)state;
	bench_stats_sample_init(&s);
	bench_stats_figures(&s, &f);
	for (int i = 0; i < BENCH_METRIC_COUNT; i++)
		assert_true(isnan(f.v[i]));

	s.eval_count = 128;
	s.eval_duration_ns = 2560000000LL;
	s.prompt_eval_count = 512;
	s.prompt_eval_duration_ns = 500000000LL;
	s.load_duration_ns = 1500000000LL;
	bench_stats_sample_times(&s, 1000000000ULL, 1250000000ULL,
	    1250000000ULL + 127ULL * 20000000ULL, 3000000000ULL);
	bench_stats_figures(&s, &f);
	assert_near(f.v[BENCH_METRIC_GEN_TPS], 50.0, 1e-9);
	assert_near(f.v[BENCH_METRIC_PROMPT_TPS], 1024.0, 1e-9);
	assert_near(f.v[BENCH_METRIC_TTFT_MS], 250.0, 1e-9);
	assert_near(f.v[BENCH_METRIC_ITL_MS], 20.0, 1e-9);
	assert_near(f.v[BENCH_METRIC_LOAD_S], 1.5, 1e-12);
	assert_near(f.v[BENCH_METRIC_E2E_S], 2.0, 1e-12);

	/* Cached prompt tokens are not counted as processed. */
	s.prompt_cached_count = 12;
	bench_stats_figures(&s, &f);
	assert_near(f.v[BENCH_METRIC_PROMPT_TPS], 1000.0, 1e-9);

	/* A zero or missing duration or count is unknown, not 0 or inf. */
	s.prompt_eval_duration_ns = 0;
	s.eval_count = 0;
	bench_stats_figures(&s, &f);
	assert_true(isnan(f.v[BENCH_METRIC_PROMPT_TPS]));
	assert_true(isnan(f.v[BENCH_METRIC_GEN_TPS]));
	assert_true(isnan(f.v[BENCH_METRIC_ITL_MS]));
	s.eval_count = 1;
	s.eval_duration_ns = -1;
	bench_stats_figures(&s, &f);
	assert_true(isnan(f.v[BENCH_METRIC_GEN_TPS]));
	assert_true(isnan(f.v[BENCH_METRIC_ITL_MS]));	/* needs 2 tokens */

	/* Events not seen are unknown. */
	bench_stats_sample_times(&s, 1000, 1500, 0, 0);
	assert_int_equal(s.ttft_ns, 500);
	assert_int_equal(s.last_token_ns, -1);
	assert_int_equal(s.e2e_ns, -1);
}

static void
test_final_chunk(void **state)
{
	struct bench_sample	 s;
	json_t			*line;

	(void)state;
	bench_stats_sample_init(&s);
	line = json_loads("{\"model\":\"m\",\"response\":\"\",\"done\":true,"
	    "\"done_reason\":\"length\",\"total_duration\":2215780412,"
	    "\"load_duration\":1912004338,\"prompt_eval_count\":12,"
	    "\"prompt_eval_duration\":88310000,\"eval_count\":4,"
	    "\"eval_duration\":171225917}", 0, NULL);
	assert_non_null(line);
	assert_int_equal(bench_stats_sample_final(&s, line), 0);
	json_decref(line);
	assert_int_equal(s.total_duration_ns, 2215780412LL);
	assert_int_equal(s.load_duration_ns, 1912004338LL);
	assert_int_equal(s.prompt_eval_count, 12);
	assert_int_equal(s.prompt_eval_duration_ns, 88310000);
	assert_int_equal(s.eval_count, 4);
	assert_int_equal(s.eval_duration_ns, 171225917);
	assert_int_equal(s.prompt_cached_count, -1);
	assert_string_equal(s.done_reason, "length");
	assert_string_equal(s.error, "");

	/* Omitted counters stay unknown. */
	bench_stats_sample_init(&s);
	line = json_loads("{\"done\":true,\"eval_count\":3}", 0, NULL);
	assert_int_equal(bench_stats_sample_final(&s, line), 0);
	json_decref(line);
	assert_int_equal(s.eval_count, 3);
	assert_int_equal(s.prompt_eval_count, -1);
	assert_string_equal(s.done_reason, "");

	/* Not a final chunk. */
	line = json_loads("{\"done\":false,\"response\":\"x\"}", 0, NULL);
	assert_int_equal(bench_stats_sample_final(&s, line), -EINVAL);
	json_decref(line);

	/* An error line in the stream. */
	line = json_loads("{\"error\":\"llama runner process has "
	    "terminated\"}", 0, NULL);
	assert_int_equal(bench_stats_sample_final(&s, line), 0);
	json_decref(line);
	assert_string_equal(s.error, "llama runner process has terminated");
	assert_int_equal(s.flags, BENCH_FLAG_ERROR);
}

static void
sample_tg(struct bench_sample *s, int64_t eval_count, const char *reason)
{
	bench_stats_sample_init(s);
	s->repetition = 1;
	s->eval_count = eval_count;
	s->eval_duration_ns = 1000000000LL;
	s->prompt_eval_count = 30;
	s->prompt_eval_duration_ns = 30000000LL;
	s->load_duration_ns = 5000000LL;
	snprintf(s->done_reason, sizeof(s->done_reason), "%s", reason);
}

static void
test_validation(void **state)
{
	struct bench_check	c = { 128, 1, 1, 0 };
	struct bench_sample	s;
	json_t			*j;

	(void)state;
	sample_tg(&s, 128, "length");
	bench_stats_validate(&s, &c);
	assert_int_equal(s.flags, 0);
	assert_true(bench_stats_sample_valid(&s));

	/* Stopped early on its own: short, retried up to three times. */
	sample_tg(&s, 100, "stop");
	bench_stats_validate(&s, &c);
	assert_int_equal(s.flags, BENCH_FLAG_SHORT);
	assert_false(bench_stats_sample_valid(&s));
	assert_true(bench_stats_retry(&s, 0));
	assert_true(bench_stats_retry(&s, 2));
	assert_false(bench_stats_retry(&s, 3));
	j = bench_stats_sample_json(&s);
	assert_int_equal(json_array_size(json_object_get(j, "flags")), 1);
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(j, "flags"), 0)), "short");
	assert_true(json_is_false(json_object_get(j, "valid")));
	assert_true(json_is_null(json_object_get(j, "ttft_ns")));
	json_decref(j);

	/* No done_reason counts as a stop; "length" does not. */
	sample_tg(&s, 100, "");
	bench_stats_validate(&s, &c);
	assert_int_equal(s.flags, BENCH_FLAG_SHORT);
	sample_tg(&s, 100, "length");
	bench_stats_validate(&s, &c);
	assert_int_equal(s.flags, 0);

	/* Prefill tests do not check the output length. */
	c.check_short = 0;
	sample_tg(&s, 3, "stop");
	bench_stats_validate(&s, &c);
	assert_int_equal(s.flags, 0);
	c.check_short = 1;

	/* A reload in a warm run: 300 ms > 250 ms default; 200 ms is fine. */
	sample_tg(&s, 128, "length");
	s.load_duration_ns = 300000000LL;
	bench_stats_validate(&s, &c);
	assert_int_equal(s.flags, BENCH_FLAG_RELOAD);
	assert_true(bench_stats_retry(&s, 0));
	s.load_duration_ns = 200000000LL;
	bench_stats_validate(&s, &c);
	assert_int_equal(s.flags, 0);
	/* In a cold run a long load is the point. */
	c.warm = 0;
	s.load_duration_ns = 9000000000LL;
	bench_stats_validate(&s, &c);
	assert_int_equal(s.flags, 0);
	c.warm = 1;
	/* Configurable threshold. */
	c.reload_ns = 100000000LL;
	s.load_duration_ns = 150000000LL;
	bench_stats_validate(&s, &c);
	assert_int_equal(s.flags, BENCH_FLAG_RELOAD);
	c.reload_ns = 0;

	/* Cached prompt tokens beyond the tolerance. */
	sample_tg(&s, 128, "length");
	s.prompt_cached_count = BENCH_CACHE_TOLERANCE;
	bench_stats_validate(&s, &c);
	assert_int_equal(s.flags, 0);
	s.prompt_cached_count = BENCH_CACHE_TOLERANCE + 1;
	bench_stats_validate(&s, &c);
	assert_int_equal(s.flags, BENCH_FLAG_CACHE);
	assert_false(bench_stats_retry(&s, 0));

	/* Errors: only the error flag, kept, not retried, not valid. */
	sample_tg(&s, 10, "stop");
	bench_stats_sample_fail(&s, "HTTP 500: boom");
	bench_stats_validate(&s, &c);
	assert_int_equal(s.flags, BENCH_FLAG_ERROR);
	assert_false(bench_stats_sample_valid(&s));
	assert_false(bench_stats_retry(&s, 0));

	/* Warm-ups never count. */
	sample_tg(&s, 128, "length");
	s.is_warmup = 1;
	bench_stats_validate(&s, &c);
	assert_false(bench_stats_sample_valid(&s));
	assert_false(bench_stats_retry(&s, 0));
}

static void
test_aggregate(void **state)
{
	/* eval_count 100 at 2, 2.5, 1.25, 1 s: 50, 40, 80, 100 tok/s. */
	const int64_t		durs[] = { 2000000000LL, 2500000000LL,
				    1250000000LL, 1000000000LL };
	struct bench_sample	s[7];
	struct bench_test_stats	ts;
	struct bench_check	c = { 100, 1, 1, 0 };
	json_t			*j;
	int			i;

	(void)state;
	sample_tg(&s[0], 100, "length");
	s[0].is_warmup = 1;
	s[0].eval_duration_ns = 10;	/* absurd, must not count */
	for (i = 0; i < 4; i++) {
		sample_tg(&s[i + 1], 100, "length");
		s[i + 1].eval_duration_ns = durs[i];
		s[i + 1].repetition = i + 1;
	}
	sample_tg(&s[5], 60, "stop");
	sample_tg(&s[6], 100, "length");
	bench_stats_sample_fail(&s[6], "timeout");
	for (i = 0; i < 7; i++)
		bench_stats_validate(&s[i], &c);
	bench_stats_aggregate(s, 7, &ts);
	assert_int_equal(ts.n_samples, 6);
	assert_int_equal(ts.n, 4);
	assert_int_equal(ts.n_flagged, 1);
	assert_int_equal(ts.n_errors, 1);
	assert_int_equal(ts.m[BENCH_METRIC_GEN_TPS].n, 4);
	assert_near(ts.m[BENCH_METRIC_GEN_TPS].mean, 67.5, 1e-9);
	/* Deviations -17.5, -27.5, 12.5, 32.5: squares sum 2275, / 3. */
	assert_near(ts.m[BENCH_METRIC_GEN_TPS].sd, sqrt(2275.0 / 3.0), 1e-9);
	assert_near(ts.m[BENCH_METRIC_GEN_TPS].median, 65, 1e-9);
	assert_near(ts.m[BENCH_METRIC_GEN_TPS].min, 40, 1e-9);
	assert_near(ts.m[BENCH_METRIC_GEN_TPS].max, 100, 1e-9);
	assert_near(ts.m[BENCH_METRIC_PROMPT_TPS].mean, 1000, 1e-9);
	assert_int_equal(ts.m[BENCH_METRIC_TTFT_MS].n, 0);
	assert_true(isnan(ts.m[BENCH_METRIC_TTFT_MS].mean));
	assert_near(ts.avg_eval_tokens, 100, EPS);
	assert_near(ts.avg_prompt_tokens, 30, EPS);

	j = bench_stats_test_json(&ts);
	assert_int_equal(json_integer_value(json_object_get(j, "n")), 4);
	assert_near(json_real_value(json_object_get(json_object_get(j,
	    "gen_tps"), "mean")), 67.5, 1e-9);
	assert_true(json_is_null(json_object_get(json_object_get(j,
	    "ttft_ms"), "mean")));
	json_decref(j);
}

static struct bench_summary
mk(int n, double mean, double sd)
{
	struct bench_summary	s;

	memset(&s, 0, sizeof(s));
	s.n = n;
	s.mean = mean;
	s.sd = sd;
	s.median = s.min = s.max = mean;
	s.p95 = s.cv = NAN;
	return s;
}

static enum bench_verdict
verdict(struct bench_summary a, struct bench_summary b, enum bench_metric m)
{
	struct bench_comparison	c;

	bench_stats_compare(&a, &b, m, &c);
	return c.verdict;
}

static void
test_compare_pct_boundary(void **state)
{
	struct bench_comparison	c;
	struct bench_summary	a = mk(5, 100, 1), b;

	(void)state;
	/* Rates: lower is worse. 5 % with z ~ -7.9: regression. */
	b = mk(5, 95, 1);
	bench_stats_compare(&a, &b, BENCH_METRIC_GEN_TPS, &c);
	assert_near(c.delta_pct, -5.0, 1e-9);
	assert_near(c.z, -5.0 / sqrt(0.4), 1e-9);
	assert_int_equal(c.verdict, BENCH_VERDICT_REGRESSION);
	/* 4.9 % is below the practical threshold however small the noise. */
	b = mk(5, 95.1, 1);
	assert_int_equal(verdict(a, b, BENCH_METRIC_GEN_TPS),
	    BENCH_VERDICT_NO_CHANGE);
	b = mk(5, 105, 1);
	assert_int_equal(verdict(a, b, BENCH_METRIC_PROMPT_TPS),
	    BENCH_VERDICT_IMPROVEMENT);
	b = mk(5, 104.9, 1);
	assert_int_equal(verdict(a, b, BENCH_METRIC_PROMPT_TPS),
	    BENCH_VERDICT_NO_CHANGE);

	/* Latencies: higher is worse. */
	b = mk(5, 105, 1);
	assert_int_equal(verdict(a, b, BENCH_METRIC_TTFT_MS),
	    BENCH_VERDICT_REGRESSION);
	b = mk(5, 104.9, 1);
	assert_int_equal(verdict(a, b, BENCH_METRIC_TTFT_MS),
	    BENCH_VERDICT_NO_CHANGE);
	b = mk(5, 95, 1);
	assert_int_equal(verdict(a, b, BENCH_METRIC_E2E_S),
	    BENCH_VERDICT_IMPROVEMENT);
	b = mk(5, 95.1, 1);
	assert_int_equal(verdict(a, b, BENCH_METRIC_ITL_MS),
	    BENCH_VERDICT_NO_CHANGE);
}

static void
test_compare_z_boundary(void **state)
{
	struct bench_comparison	c;
	struct bench_summary	a, b;

	(void)state;
	/* n = 2 per side with equal sd s: se = s, z = diff / s. */
	a = mk(2, 100, 10.0 / 3.0);
	b = mk(2, 90, 10.0 / 3.0);
	bench_stats_compare(&a, &b, BENCH_METRIC_GEN_TPS, &c);
	assert_near(c.z, -3.0, 1e-9);
	assert_near(c.delta_pct, -10.0, 1e-9);
	assert_int_equal(c.verdict, BENCH_VERDICT_REGRESSION);

	a = mk(2, 100, 10.0 / 2.9);
	b = mk(2, 90, 10.0 / 2.9);
	bench_stats_compare(&a, &b, BENCH_METRIC_GEN_TPS, &c);
	assert_near(c.z, -2.9, 1e-9);
	assert_int_equal(c.verdict, BENCH_VERDICT_NO_CHANGE);

	a = mk(2, 100, 10.0 / 3.0);
	b = mk(2, 110, 10.0 / 3.0);
	assert_int_equal(verdict(a, b, BENCH_METRIC_GEN_TPS),
	    BENCH_VERDICT_IMPROVEMENT);
	a = mk(2, 100, 10.0 / 2.9);
	b = mk(2, 110, 10.0 / 2.9);
	assert_int_equal(verdict(a, b, BENCH_METRIC_GEN_TPS),
	    BENCH_VERDICT_NO_CHANGE);

	/* Welch: unequal n and sd. se = sqrt(4/4 + 9/9) = sqrt 2. */
	a = mk(4, 100, 2);
	b = mk(9, 96, 3);
	bench_stats_compare(&a, &b, BENCH_METRIC_GEN_TPS, &c);
	assert_near(c.z, -4.0 / sqrt(2.0), 1e-9);
	assert_int_equal(c.verdict, BENCH_VERDICT_NO_CHANGE);

	/* No noise at all: any difference is certain, none is no change. */
	a = mk(5, 100, 0);
	b = mk(5, 90, 0);
	bench_stats_compare(&a, &b, BENCH_METRIC_GEN_TPS, &c);
	assert_true(isinf(c.z) && c.z < 0);
	assert_int_equal(c.verdict, BENCH_VERDICT_REGRESSION);
	b = mk(5, 100, 0);
	bench_stats_compare(&a, &b, BENCH_METRIC_GEN_TPS, &c);
	assert_near(c.z, 0, EPS);
	assert_int_equal(c.verdict, BENCH_VERDICT_NO_CHANGE);
}

static void
test_compare_insufficient(void **state)
{
	struct bench_comparison	c;
	struct bench_summary	a = mk(5, 100, 1), b = mk(1, 50, NAN);

	(void)state;
	bench_stats_compare(&a, &b, BENCH_METRIC_GEN_TPS, &c);
	assert_int_equal(c.verdict, BENCH_VERDICT_INSUFFICIENT);
	assert_true(isnan(c.z));
	bench_stats_compare(&b, &a, BENCH_METRIC_GEN_TPS, &c);
	assert_int_equal(c.verdict, BENCH_VERDICT_INSUFFICIENT);
	b = mk(0, NAN, NAN);
	assert_int_equal(verdict(a, b, BENCH_METRIC_GEN_TPS),
	    BENCH_VERDICT_INSUFFICIENT);
	b = mk(2, 0, 1);
	assert_int_equal(verdict(b, a, BENCH_METRIC_GEN_TPS),
	    BENCH_VERDICT_INSUFFICIENT);
	assert_string_equal(bench_stats_verdict_name(
	    BENCH_VERDICT_INSUFFICIENT), "insufficient data");
	assert_string_equal(bench_stats_verdict_name(BENCH_VERDICT_NO_CHANGE),
	    "no change");
}

static json_t *
run_json(const char *id, const char *version, double pp_mean, double tg_mean)
{
	struct bench_test_stats	 ts;
	json_t			*run, *tests, *t;
	int			 m;

	run = json_pack("{s:s, s:s, s:s, s:s}", "id", id, "model", "m:8b",
	    "digest", "abc", "ollama_version", version);
	tests = json_array();
	memset(&ts, 0, sizeof(ts));
	ts.n = 5;
	for (m = 0; m < BENCH_METRIC_COUNT; m++)
		ts.m[m] = mk(5, 100, 1);
	ts.m[BENCH_METRIC_PROMPT_TPS] = mk(5, pp_mean, 1);
	ts.m[BENCH_METRIC_GEN_TPS] = mk(5, 50, 0.5);
	t = bench_stats_test_json(&ts);
	json_object_set_new(t, "name", json_string("pp512"));
	json_object_set_new(t, "kind", json_string("pp"));
	json_array_append_new(tests, t);
	ts.m[BENCH_METRIC_GEN_TPS] = mk(5, tg_mean, 0.5);
	ts.m[BENCH_METRIC_PROMPT_TPS] = mk(5, 1000, 1);
	t = bench_stats_test_json(&ts);
	json_object_set_new(t, "name", json_string("tg128"));
	json_object_set_new(t, "kind", json_string("tg"));
	json_array_append_new(tests, t);
	json_object_set_new(run, "tests", tests);
	return run;
}

static void
test_compare_runs(void **state)
{
	json_t		*a, *b, *cmp, *t, *mc;
	const char	*v;

	(void)state;
	a = run_json("A", "0.32.15", 1000, 50);
	b = run_json("B", "0.33.0", 900, 50.2);
	cmp = bench_stats_compare_runs(a, b);
	assert_non_null(cmp);
	assert_true(json_is_true(json_object_get(cmp, "comparable")));
	assert_int_equal(json_array_size(json_object_get(cmp, "changed")), 1);
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(cmp, "changed"), 0)), "ollama_version");
	assert_int_equal(json_array_size(json_object_get(cmp, "tests")), 2);
	t = json_array_get(json_object_get(cmp, "tests"), 0);
	assert_string_equal(json_string_value(json_object_get(t, "name")),
	    "pp512");
	assert_string_equal(json_string_value(json_object_get(t, "metric")),
	    "prompt_tps");
	assert_string_equal(json_string_value(json_object_get(t, "verdict")),
	    "regression");
	mc = json_object_get(json_object_get(t, "metrics"), "prompt_tps");
	assert_near(json_real_value(json_object_get(mc, "delta_pct")), -10,
	    1e-9);
	t = json_array_get(json_object_get(cmp, "tests"), 1);
	v = json_string_value(json_object_get(t, "verdict"));
	assert_string_equal(v, "no change");	/* +0.4 % */
	json_decref(cmp);
	assert_null(bench_stats_compare_runs(a, NULL));
	json_decref(a);
	json_decref(b);
}

static void
test_names(void **state)
{
	enum bench_kind	k;
	json_t		*j;

	(void)state;
	assert_string_equal(bench_stats_kind_name(BENCH_KIND_PP), "pp");
	assert_string_equal(bench_stats_kind_name(BENCH_KIND_COLD), "cold");
	assert_int_equal(bench_stats_kind_parse("tg", &k), 0);
	assert_int_equal(k, BENCH_KIND_TG);
	assert_int_equal(bench_stats_kind_parse("xx", &k), -EINVAL);
	assert_int_equal(bench_stats_kind_metric(BENCH_KIND_PP),
	    BENCH_METRIC_PROMPT_TPS);
	assert_int_equal(bench_stats_kind_metric(BENCH_KIND_PG),
	    BENCH_METRIC_GEN_TPS);
	assert_string_equal(bench_stats_metric_name(BENCH_METRIC_E2E_S),
	    "e2e_s");
	assert_true(bench_stats_metric_higher_better(BENCH_METRIC_GEN_TPS));
	assert_false(bench_stats_metric_higher_better(BENCH_METRIC_TTFT_MS));
	j = bench_stats_flags_json(BENCH_FLAG_SHORT | BENCH_FLAG_CACHE);
	assert_int_equal(json_array_size(j), 2);
	assert_string_equal(json_string_value(json_array_get(j, 0)), "short");
	assert_string_equal(json_string_value(json_array_get(j, 1)), "cache");
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary_even),
		cmocka_unit_test(test_summary_odd_and_single),
		cmocka_unit_test(test_summary_unknown),
		cmocka_unit_test(test_p95_threshold),
		cmocka_unit_test(test_percentile_reference_example),
		cmocka_unit_test(test_figures),
		cmocka_unit_test(test_final_chunk),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_aggregate),
		cmocka_unit_test(test_compare_pct_boundary),
		cmocka_unit_test(test_compare_z_boundary),
		cmocka_unit_test(test_compare_insufficient),
		cmocka_unit_test(test_compare_runs),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
