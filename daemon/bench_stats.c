/* SPDX-License-Identifier: ISC */
/*
 * bench_stats.c: per-sample figures, validation, summaries and comparison
 * for benchmark runs.
 *
 * Rates come from Ollama's own counters (tokens over nanoseconds), times
 * from client-side monotonic offsets. A value that cannot be computed is
 * NAN here and null in JSON. Summaries use Welford's algorithm in double
 * (llama-bench's integer sum of squares overflows for long samples) and the
 * sample standard deviation (divisor n - 1). Percentiles use linear
 * interpolation (type 7) and p95 is only given from 20 values on.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench_stats.h"
#include "xmalloc.h"

/* Tolerance for the compare thresholds, so 5 % computed as 4.999... counts. */
#define BENCH_STATS_EPS		1e-9

static const char *const kind_names[BENCH_KIND_COUNT] = {
	[BENCH_KIND_PP] = "pp",
	[BENCH_KIND_TG] = "tg",
	[BENCH_KIND_PG] = "pg",
	[BENCH_KIND_COLD] = "cold",
};

static const char *const metric_names[BENCH_METRIC_COUNT] = {
	[BENCH_METRIC_GEN_TPS] = "gen_tps",
	[BENCH_METRIC_PROMPT_TPS] = "prompt_tps",
	[BENCH_METRIC_TTFT_MS] = "ttft_ms",
	[BENCH_METRIC_ITL_MS] = "itl_ms",
	[BENCH_METRIC_LOAD_S] = "load_s",
	[BENCH_METRIC_E2E_S] = "e2e_s",
};

/* Fields of a run that, when different, explain a change between runs. */
static const char *const env_fields[] = {
	"model", "digest", "quantization", "ollama_version", "mlxd_version",
	"chip", "memory_bytes", "os", "power_start", "thermal_start", "suite",
};

/* Name of a test kind. */
const char *
bench_stats_kind_name(enum bench_kind kind)
{
	if ((unsigned)kind >= BENCH_KIND_COUNT)
		return "?";
	return kind_names[kind];
}

/* Parse a test kind name. */
int
bench_stats_kind_parse(const char *name, enum bench_kind *kindp)
{
	int	i;

	if (name == NULL)
		return -EINVAL;
	for (i = 0; i < BENCH_KIND_COUNT; i++) {
		if (strcmp(name, kind_names[i]) == 0) {
			*kindp = (enum bench_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* The metric a test of this kind is reported by. */
enum bench_metric
bench_stats_kind_metric(enum bench_kind kind)
{
	return kind == BENCH_KIND_PP ? BENCH_METRIC_PROMPT_TPS :
	    BENCH_METRIC_GEN_TPS;
}

/* Name of a metric. */
const char *
bench_stats_metric_name(enum bench_metric m)
{
	if ((unsigned)m >= BENCH_METRIC_COUNT)
		return "?";
	return metric_names[m];
}

/* Whether a larger value of metric m is better. */
int
bench_stats_metric_higher_better(enum bench_metric m)
{
	return m == BENCH_METRIC_GEN_TPS || m == BENCH_METRIC_PROMPT_TPS;
}

/* Name of one flag bit. */
const char *
bench_stats_flag_name(unsigned bit)
{
	switch (bit) {
	case BENCH_FLAG_SHORT:
		return "short";
	case BENCH_FLAG_RELOAD:
		return "reload";
	case BENCH_FLAG_CACHE:
		return "cache";
	case BENCH_FLAG_ERROR:
		return "error";
	default:
		return NULL;
	}
}

/* The flags as a JSON array of names. */
json_t *
bench_stats_flags_json(unsigned flags)
{
	json_t		*arr;
	unsigned	 bit;

	arr = json_array();
	for (bit = 1; bit <= BENCH_FLAG_ALL; bit <<= 1) {
		if ((flags & bit) != 0 && bench_stats_flag_name(bit) != NULL)
			json_array_append_new(arr,
			    json_string(bench_stats_flag_name(bit)));
	}
	return arr;
}

/* A real, or null when not finite. */
json_t *
bench_stats_real_json(double v)
{
	if (!isfinite(v))
		return json_null();
	return json_real(v);
}

/* An integer, or null when negative (unknown). */
json_t *
bench_stats_int_json(int64_t v)
{
	if (v < 0)
		return json_null();
	return json_integer((json_int_t)v);
}

/* Reset a sample to "nothing known". */
void
bench_stats_sample_init(struct bench_sample *s)
{
	memset(s, 0, sizeof(*s));
	s->started_ns = -1;
	s->ttft_ns = -1;
	s->last_token_ns = -1;
	s->e2e_ns = -1;
	s->prompt_eval_count = -1;
	s->prompt_eval_duration_ns = -1;
	s->prompt_cached_count = -1;
	s->eval_count = -1;
	s->eval_duration_ns = -1;
	s->load_duration_ns = -1;
	s->total_duration_ns = -1;
}

static int64_t
offset_ns(uint64_t sent, uint64_t t)
{
	if (t == 0 || sent == 0 || t < sent)
		return -1;
	return (int64_t)(t - sent);
}

/* Client offsets from monotonic timestamps. */
void
bench_stats_sample_times(struct bench_sample *s, uint64_t sent,
    uint64_t first, uint64_t last, uint64_t done)
{
	s->ttft_ns = offset_ns(sent, first);
	s->last_token_ns = offset_ns(sent, last);
	s->e2e_ns = offset_ns(sent, done);
}

static int64_t
get_count(const json_t *obj, const char *key)
{
	const json_t	*v;

	v = json_object_get(obj, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	return (int64_t)json_integer_value(v);
}

/* Read the final chunk or an error line of a generate stream. */
int
bench_stats_sample_final(struct bench_sample *s, const json_t *line)
{
	const json_t	*v;

	if (!json_is_object(line))
		return -EINVAL;
	v = json_object_get(line, "error");
	if (v != NULL) {
		bench_stats_sample_fail(s, json_is_string(v) ?
		    json_string_value(v) : "error from Ollama");
		return 0;
	}
	if (!json_is_true(json_object_get(line, "done")))
		return -EINVAL;
	s->prompt_eval_count = get_count(line, "prompt_eval_count");
	s->prompt_eval_duration_ns = get_count(line, "prompt_eval_duration");
	s->prompt_cached_count = get_count(line, "prompt_eval_cached_count");
	s->eval_count = get_count(line, "eval_count");
	s->eval_duration_ns = get_count(line, "eval_duration");
	s->load_duration_ns = get_count(line, "load_duration");
	s->total_duration_ns = get_count(line, "total_duration");
	v = json_object_get(line, "done_reason");
	s->done_reason[0] = '\0';
	if (json_is_string(v))
		snprintf(s->done_reason, sizeof(s->done_reason), "%s",
		    json_string_value(v));
	return 0;
}

/* Record a failure message. */
void
bench_stats_sample_fail(struct bench_sample *s, const char *message)
{
	snprintf(s->error, sizeof(s->error), "%s",
	    message != NULL && *message != '\0' ? message : "failed");
	s->flags = BENCH_FLAG_ERROR;
}

/* Recompute the validation flags of a sample. */
void
bench_stats_validate(struct bench_sample *s, const struct bench_check *check)
{
	int64_t	reload_ns;

	s->flags = 0;
	if (s->error[0] != '\0') {
		s->flags = BENCH_FLAG_ERROR;
		return;
	}
	if (check->check_short && check->num_predict > 0 &&
	    s->eval_count >= 0 && s->eval_count < check->num_predict &&
	    (s->done_reason[0] == '\0' || strcmp(s->done_reason, "stop") == 0))
		s->flags |= BENCH_FLAG_SHORT;
	reload_ns = check->reload_ns > 0 ? check->reload_ns : BENCH_RELOAD_NS;
	if (check->warm && s->load_duration_ns > reload_ns)
		s->flags |= BENCH_FLAG_RELOAD;
	if (s->prompt_cached_count > BENCH_CACHE_TOLERANCE)
		s->flags |= BENCH_FLAG_CACHE;
}

/* Whether a sample feeds the figures. */
int
bench_stats_sample_valid(const struct bench_sample *s)
{
	return !s->is_warmup && s->flags == 0 && s->error[0] == '\0';
}

/* Whether the runner should retry this sample. */
int
bench_stats_retry(const struct bench_sample *s, int attempt)
{
	if (s->is_warmup || (s->flags & BENCH_FLAG_ERROR) != 0)
		return 0;
	if ((s->flags & (BENCH_FLAG_SHORT | BENCH_FLAG_RELOAD)) == 0)
		return 0;
	return attempt < BENCH_MAX_RETRIES;
}

/* Per-sample figures. */
void
bench_stats_figures(const struct bench_sample *s, struct bench_figures *f)
{
	int64_t	prompt;
	int	i;

	for (i = 0; i < BENCH_METRIC_COUNT; i++)
		f->v[i] = NAN;
	if (s->eval_count > 0 && s->eval_duration_ns > 0)
		f->v[BENCH_METRIC_GEN_TPS] = (double)s->eval_count /
		    ((double)s->eval_duration_ns / 1e9);
	prompt = s->prompt_eval_count;
	if (prompt > 0 && s->prompt_cached_count > 0)
		prompt -= s->prompt_cached_count;
	if (prompt > 0 && s->prompt_eval_duration_ns > 0)
		f->v[BENCH_METRIC_PROMPT_TPS] = (double)prompt /
		    ((double)s->prompt_eval_duration_ns / 1e9);
	if (s->ttft_ns >= 0)
		f->v[BENCH_METRIC_TTFT_MS] = (double)s->ttft_ns / 1e6;
	if (s->ttft_ns >= 0 && s->last_token_ns >= s->ttft_ns &&
	    s->eval_count > 1)
		f->v[BENCH_METRIC_ITL_MS] = (double)(s->last_token_ns -
		    s->ttft_ns) / (double)(s->eval_count - 1) / 1e6;
	if (s->load_duration_ns >= 0)
		f->v[BENCH_METRIC_LOAD_S] = (double)s->load_duration_ns / 1e9;
	if (s->e2e_ns >= 0)
		f->v[BENCH_METRIC_E2E_S] = (double)s->e2e_ns / 1e9;
}

/* The sample as JSON. */
json_t *
bench_stats_sample_json(const struct bench_sample *s)
{
	struct bench_figures	 f;
	json_t			*o;
	int			 i;

	bench_stats_figures(s, &f);
	o = json_object();
	json_object_set_new(o, "repetition", json_integer(s->repetition));
	json_object_set_new(o, "attempt", json_integer(s->attempt));
	json_object_set_new(o, "is_warmup", json_boolean(s->is_warmup));
	json_object_set_new(o, "valid",
	    json_boolean(bench_stats_sample_valid(s)));
	json_object_set_new(o, "flags", bench_stats_flags_json(s->flags));
	json_object_set_new(o, "started_ns",
	    bench_stats_int_json(s->started_ns));
	json_object_set_new(o, "ttft_ns", bench_stats_int_json(s->ttft_ns));
	json_object_set_new(o, "last_token_ns",
	    bench_stats_int_json(s->last_token_ns));
	json_object_set_new(o, "e2e_ns", bench_stats_int_json(s->e2e_ns));
	json_object_set_new(o, "chunks", json_integer(s->chunks));
	json_object_set_new(o, "prompt_eval_count",
	    bench_stats_int_json(s->prompt_eval_count));
	json_object_set_new(o, "prompt_eval_duration_ns",
	    bench_stats_int_json(s->prompt_eval_duration_ns));
	json_object_set_new(o, "prompt_cached_count",
	    bench_stats_int_json(s->prompt_cached_count));
	json_object_set_new(o, "eval_count",
	    bench_stats_int_json(s->eval_count));
	json_object_set_new(o, "eval_duration_ns",
	    bench_stats_int_json(s->eval_duration_ns));
	json_object_set_new(o, "load_duration_ns",
	    bench_stats_int_json(s->load_duration_ns));
	json_object_set_new(o, "total_duration_ns",
	    bench_stats_int_json(s->total_duration_ns));
	json_object_set_new(o, "done_reason", s->done_reason[0] != '\0' ?
	    json_string(s->done_reason) : json_null());
	json_object_set_new(o, "error", s->error[0] != '\0' ?
	    json_string(s->error) : json_null());
	for (i = 0; i < BENCH_METRIC_COUNT; i++)
		json_object_set_new(o, metric_names[i],
		    bench_stats_real_json(f.v[i]));
	return o;
}

/* Type 7 percentile of a sorted array. */
double
bench_stats_percentile(const double *sorted, size_t n, double p)
{
	double	h, lo;
	size_t	i;

	if (n == 0 || isnan(p))
		return NAN;
	if (p <= 0)
		return sorted[0];
	if (p >= 100)
		return sorted[n - 1];
	h = (double)(n - 1) * p / 100.0;
	lo = floor(h);
	i = (size_t)lo;
	if (i + 1 >= n)
		return sorted[n - 1];
	return sorted[i] + (h - lo) * (sorted[i + 1] - sorted[i]);
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Summary of the known values among values[0..n-1]. */
void
bench_stats_summarize(const double *values, size_t n,
    struct bench_summary *sum)
{
	double	*sorted = NULL;
	double	 mean = 0, m2 = 0, delta;
	size_t	 i, k = 0;

	sum->n = 0;
	sum->mean = sum->sd = sum->median = NAN;
	sum->min = sum->max = sum->p95 = sum->cv = NAN;
	if (n > 0)
		sorted = xreallocarray(NULL, n, sizeof(*sorted));
	for (i = 0; i < n; i++) {
		if (!isfinite(values[i]))
			continue;
		sorted[k++] = values[i];
		delta = values[i] - mean;
		mean += delta / (double)k;
		m2 += delta * (values[i] - mean);
	}
	if (k == 0)
		goto out;
	qsort(sorted, k, sizeof(*sorted), cmp_double);
	sum->n = (int)k;
	sum->mean = mean;
	sum->min = sorted[0];
	sum->max = sorted[k - 1];
	sum->median = bench_stats_percentile(sorted, k, 50);
	if (k >= 2) {
		sum->sd = sqrt(m2 / (double)(k - 1));
		if (mean != 0)
			sum->cv = sum->sd / fabs(mean);
	}
	if (k >= BENCH_P95_MIN_N)
		sum->p95 = bench_stats_percentile(sorted, k, 95);
out:
	free(sorted);
}

/* Aggregate a test's samples. */
void
bench_stats_aggregate(const struct bench_sample *samples, size_t n,
    struct bench_test_stats *ts)
{
	struct bench_figures	 f;
	double			*vals[BENCH_METRIC_COUNT];
	double			 ptok = 0, etok = 0;
	size_t			 i, k = 0;
	int			 m, nptok = 0, netok = 0;

	memset(ts, 0, sizeof(*ts));
	for (m = 0; m < BENCH_METRIC_COUNT; m++)
		vals[m] = n > 0 ? xreallocarray(NULL, n, sizeof(double)) :
		    NULL;
	for (i = 0; i < n; i++) {
		if (samples[i].is_warmup)
			continue;
		ts->n_samples++;
		if ((samples[i].flags & BENCH_FLAG_ERROR) != 0 ||
		    samples[i].error[0] != '\0') {
			ts->n_errors++;
			continue;
		}
		if (samples[i].flags != 0) {
			ts->n_flagged++;
			continue;
		}
		bench_stats_figures(&samples[i], &f);
		for (m = 0; m < BENCH_METRIC_COUNT; m++)
			vals[m][k] = f.v[m];
		k++;
		if (samples[i].prompt_eval_count >= 0) {
			ptok += (double)samples[i].prompt_eval_count;
			nptok++;
		}
		if (samples[i].eval_count >= 0) {
			etok += (double)samples[i].eval_count;
			netok++;
		}
	}
	ts->n = (int)k;
	ts->avg_prompt_tokens = nptok > 0 ? ptok / nptok : NAN;
	ts->avg_eval_tokens = netok > 0 ? etok / netok : NAN;
	for (m = 0; m < BENCH_METRIC_COUNT; m++) {
		bench_stats_summarize(vals[m], k, &ts->m[m]);
		free(vals[m]);
	}
}

/* A summary as JSON. */
json_t *
bench_stats_summary_json(const struct bench_summary *sum)
{
	json_t	*o;

	o = json_object();
	json_object_set_new(o, "n", json_integer(sum->n));
	json_object_set_new(o, "mean", bench_stats_real_json(sum->mean));
	json_object_set_new(o, "sd", bench_stats_real_json(sum->sd));
	json_object_set_new(o, "median", bench_stats_real_json(sum->median));
	json_object_set_new(o, "min", bench_stats_real_json(sum->min));
	json_object_set_new(o, "max", bench_stats_real_json(sum->max));
	json_object_set_new(o, "p95", bench_stats_real_json(sum->p95));
	json_object_set_new(o, "cv", bench_stats_real_json(sum->cv));
	return o;
}

static double
get_real(const json_t *obj, const char *key)
{
	const json_t	*v;

	v = json_object_get(obj, key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* A summary from JSON. */
void
bench_stats_summary_from_json(const json_t *obj, struct bench_summary *sum)
{
	const json_t	*n;

	n = json_object_get(obj, "n");
	sum->n = json_is_integer(n) ? (int)json_integer_value(n) : 0;
	sum->mean = get_real(obj, "mean");
	sum->sd = get_real(obj, "sd");
	sum->median = get_real(obj, "median");
	sum->min = get_real(obj, "min");
	sum->max = get_real(obj, "max");
	sum->p95 = get_real(obj, "p95");
	sum->cv = get_real(obj, "cv");
}

/* Test aggregates as JSON. */
json_t *
bench_stats_test_json(const struct bench_test_stats *ts)
{
	json_t	*o;
	int	 m;

	o = json_object();
	json_object_set_new(o, "n_samples", json_integer(ts->n_samples));
	json_object_set_new(o, "n", json_integer(ts->n));
	json_object_set_new(o, "n_flagged", json_integer(ts->n_flagged));
	json_object_set_new(o, "n_errors", json_integer(ts->n_errors));
	json_object_set_new(o, "avg_prompt_tokens",
	    bench_stats_real_json(ts->avg_prompt_tokens));
	json_object_set_new(o, "avg_eval_tokens",
	    bench_stats_real_json(ts->avg_eval_tokens));
	for (m = 0; m < BENCH_METRIC_COUNT; m++)
		json_object_set_new(o, metric_names[m],
		    bench_stats_summary_json(&ts->m[m]));
	return o;
}

/* Compare one metric of two summaries. */
void
bench_stats_compare(const struct bench_summary *a,
    const struct bench_summary *b, enum bench_metric m,
    struct bench_comparison *cmp)
{
	double	diff, se, worse;

	cmp->delta_pct = NAN;
	cmp->z = NAN;
	cmp->verdict = BENCH_VERDICT_INSUFFICIENT;
	if (a->n < 2 || b->n < 2 || !isfinite(a->mean) ||
	    !isfinite(b->mean) || !isfinite(a->sd) || !isfinite(b->sd) ||
	    a->mean == 0)
		return;
	diff = b->mean - a->mean;
	cmp->delta_pct = diff / fabs(a->mean) * 100.0;
	se = sqrt(a->sd * a->sd / a->n + b->sd * b->sd / b->n);
	if (se > 0)
		cmp->z = diff / se;
	else
		cmp->z = diff == 0 ? 0 : copysign(INFINITY, diff);
	/* Positive "worse" means B is worse than A for this metric. */
	worse = bench_stats_metric_higher_better(m) ? -cmp->delta_pct :
	    cmp->delta_pct;
	if (fabs(cmp->z) < BENCH_COMPARE_MIN_Z - BENCH_STATS_EPS)
		cmp->verdict = BENCH_VERDICT_NO_CHANGE;
	else if (worse >= BENCH_COMPARE_MIN_PCT - BENCH_STATS_EPS)
		cmp->verdict = BENCH_VERDICT_REGRESSION;
	else if (-worse >= BENCH_COMPARE_MIN_PCT - BENCH_STATS_EPS)
		cmp->verdict = BENCH_VERDICT_IMPROVEMENT;
	else
		cmp->verdict = BENCH_VERDICT_NO_CHANGE;
}

/* Name of a verdict. */
const char *
bench_stats_verdict_name(enum bench_verdict v)
{
	switch (v) {
	case BENCH_VERDICT_NO_CHANGE:
		return "no change";
	case BENCH_VERDICT_IMPROVEMENT:
		return "improvement";
	case BENCH_VERDICT_REGRESSION:
		return "regression";
	case BENCH_VERDICT_INSUFFICIENT:
	default:
		return "insufficient data";
	}
}

static const json_t *
find_test(const json_t *tests, const char *name)
{
	const json_t	*t;
	size_t		 i;

	json_array_foreach(tests, i, t) {
		if (json_is_string(json_object_get(t, "name")) &&
		    strcmp(json_string_value(json_object_get(t, "name")),
		    name) == 0)
			return t;
	}
	return NULL;
}

static json_t *
compare_metric(const json_t *ta, const json_t *tb, enum bench_metric m,
    enum bench_verdict *verdictp)
{
	struct bench_summary	 sa, sb;
	struct bench_comparison	 c;
	json_t			*o;

	bench_stats_summary_from_json(json_object_get(ta, metric_names[m]),
	    &sa);
	bench_stats_summary_from_json(json_object_get(tb, metric_names[m]),
	    &sb);
	bench_stats_compare(&sa, &sb, m, &c);
	o = json_object();
	json_object_set_new(o, "better", json_string(
	    bench_stats_metric_higher_better(m) ? "higher" : "lower"));
	json_object_set_new(o, "a_mean", bench_stats_real_json(sa.mean));
	json_object_set_new(o, "a_sd", bench_stats_real_json(sa.sd));
	json_object_set_new(o, "a_n", json_integer(sa.n));
	json_object_set_new(o, "b_mean", bench_stats_real_json(sb.mean));
	json_object_set_new(o, "b_sd", bench_stats_real_json(sb.sd));
	json_object_set_new(o, "b_n", json_integer(sb.n));
	json_object_set_new(o, "delta_pct", bench_stats_real_json(c.delta_pct));
	json_object_set_new(o, "z", bench_stats_real_json(c.z));
	json_object_set_new(o, "verdict",
	    json_string(bench_stats_verdict_name(c.verdict)));
	*verdictp = c.verdict;
	return o;
}

static json_t *
run_brief(const json_t *run)
{
	json_t		*o;
	size_t		 i;
	const json_t	*v;

	o = json_object();
	v = json_object_get(run, "id");
	json_object_set_new(o, "id", v != NULL ? json_deep_copy(v) :
	    json_null());
	for (i = 0; i < sizeof(env_fields) / sizeof(env_fields[0]); i++) {
		v = json_object_get(run, env_fields[i]);
		json_object_set_new(o, env_fields[i], v != NULL ?
		    json_deep_copy(v) : json_null());
	}
	v = json_object_get(run, "created_ns");
	json_object_set_new(o, "created_ns", v != NULL ? json_deep_copy(v) :
	    json_null());
	return o;
}

/* Compare two runs test by test. */
json_t *
bench_stats_compare_runs(const json_t *run_a, const json_t *run_b)
{
	const json_t		*ta, *tb, *testsa, *testsb, *va, *vb;
	json_t			*out, *tests, *changed, *t, *metrics;
	enum bench_kind		 kind;
	enum bench_verdict	 v, headline;
	const char		*name;
	size_t			 i;
	int			 m;

	if (!json_is_object(run_a) || !json_is_object(run_b))
		return NULL;
	out = json_object();
	json_object_set_new(out, "a", run_brief(run_a));
	json_object_set_new(out, "b", run_brief(run_b));
	changed = json_array();
	for (i = 0; i < sizeof(env_fields) / sizeof(env_fields[0]); i++) {
		va = json_object_get(run_a, env_fields[i]);
		vb = json_object_get(run_b, env_fields[i]);
		if (va == NULL && vb == NULL)
			continue;
		if (va == NULL || vb == NULL || !json_equal(va, vb))
			json_array_append_new(changed,
			    json_string(env_fields[i]));
	}
	json_object_set_new(out, "changed", changed);
	va = json_object_get(run_a, "digest");
	vb = json_object_get(run_b, "digest");
	json_object_set_new(out, "comparable", json_boolean(
	    json_is_string(va) && json_is_string(vb) && json_equal(va, vb)));
	json_object_set_new(out, "rule", json_pack("{s:f, s:f}",
	    "min_pct", BENCH_COMPARE_MIN_PCT, "min_z", BENCH_COMPARE_MIN_Z));

	tests = json_array();
	testsa = json_object_get(run_a, "tests");
	testsb = json_object_get(run_b, "tests");
	json_array_foreach(testsa, i, ta) {
		name = json_string_value(json_object_get(ta, "name"));
		if (name == NULL || (tb = find_test(testsb, name)) == NULL)
			continue;
		if (bench_stats_kind_parse(json_string_value(
		    json_object_get(ta, "kind")), &kind) != 0)
			kind = BENCH_KIND_PG;
		t = json_object();
		json_object_set_new(t, "name", json_string(name));
		json_object_set_new(t, "kind",
		    json_string(bench_stats_kind_name(kind)));
		json_object_set_new(t, "metric", json_string(
		    metric_names[bench_stats_kind_metric(kind)]));
		metrics = json_object();
		headline = BENCH_VERDICT_INSUFFICIENT;
		for (m = 0; m < BENCH_METRIC_COUNT; m++) {
			json_object_set_new(metrics, metric_names[m],
			    compare_metric(ta, tb, (enum bench_metric)m, &v));
			if ((enum bench_metric)m ==
			    bench_stats_kind_metric(kind))
				headline = v;
		}
		json_object_set_new(t, "metrics", metrics);
		json_object_set_new(t, "verdict",
		    json_string(bench_stats_verdict_name(headline)));
		json_array_append_new(tests, t);
	}
	json_object_set_new(out, "tests", tests);
	return out;
}
