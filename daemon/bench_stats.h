/* SPDX-License-Identifier: ISC */
/*
 * bench_stats.h: the benchmark data model and its arithmetic.
 *
 * A sample is one /api/generate request: Ollama's final-chunk counters
 * (nanoseconds, tokens) plus client-side offsets measured on a monotonic
 * clock from the moment the request was sent. From a sample come per-request
 * figures (token rates, TTFT, inter-token latency, load and end-to-end time),
 * validation flags, and over a test's valid samples the summaries (n, mean,
 * sample sd, median, min, max, p95 when n >= 20, CV). Two summaries compare
 * into a delta, a Welch z and a verdict. Unknown values are NAN in C and null
 * in JSON, never 0. Pure functions: no I/O, no globals.
 */
#ifndef MLXD_BENCH_STATS_H
#define MLXD_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Sample flags (bit mask). Any flag keeps the sample out of the figures. */
#define BENCH_FLAG_SHORT	0x01u	/* stopped before num_predict */
#define BENCH_FLAG_RELOAD	0x02u	/* large load_duration in a warm run */
#define BENCH_FLAG_CACHE	0x04u	/* Ollama served prompt from cache */
#define BENCH_FLAG_ERROR	0x08u	/* request failed; no usable counters */
#define BENCH_FLAG_ALL		0x0fu

/* Retry a short or reloaded sample at most this many times. */
#define BENCH_MAX_RETRIES	3
/* Default reload threshold for load_duration in a warm run (250 ms). */
#define BENCH_RELOAD_NS		250000000LL
/* Cached prompt tokens tolerated before flagging (a shared BOS, a bracket). */
#define BENCH_CACHE_TOLERANCE	8
/* p95 is computed only from this many values on. */
#define BENCH_P95_MIN_N		20
/* Compare rule: both at least this much worse/better and |z| this large. */
#define BENCH_COMPARE_MIN_PCT	5.0
#define BENCH_COMPARE_MIN_Z	3.0

/* What a test is mainly about; decides its headline metric. */
enum bench_kind {
	BENCH_KIND_PP = 0,	/* prefill: long prompt, few tokens out */
	BENCH_KIND_TG,		/* generation: short prompt, fixed output */
	BENCH_KIND_PG,		/* prompt + generation (natural mix, custom) */
	BENCH_KIND_COLD,	/* model unloaded first: load time, cold TTFT */
	BENCH_KIND_COUNT
};

/* Per-sample figures; the order is also the order of columns and JSON. */
enum bench_metric {
	BENCH_METRIC_GEN_TPS = 0,	/* eval_count / eval_duration, tok/s */
	BENCH_METRIC_PROMPT_TPS,	/* prompt tokens / prefill time */
	BENCH_METRIC_TTFT_MS,		/* client: sent -> first content */
	BENCH_METRIC_ITL_MS,		/* client: mean gap per output token */
	BENCH_METRIC_LOAD_S,		/* load_duration */
	BENCH_METRIC_E2E_S,		/* client: sent -> done line */
	BENCH_METRIC_COUNT
};

enum bench_verdict {
	BENCH_VERDICT_NO_CHANGE = 0,
	BENCH_VERDICT_IMPROVEMENT,
	BENCH_VERDICT_REGRESSION,
	BENCH_VERDICT_INSUFFICIENT,
};

/*
 * One request. Integer fields are -1 when unknown (Ollama omitted the
 * counter, or the client never saw the event). Client offsets are relative
 * to the moment the request was sent.
 */
struct bench_sample {
	int		 repetition;	/* 1-based, per warm-up/measured */
	int		 attempt;	/* 0, then 1..BENCH_MAX_RETRIES */
	int		 is_warmup;
	int64_t		 started_ns;	/* wall clock at send, ns since epoch */
	int64_t		 ttft_ns;	/* first chunk with response/thinking */
	int64_t		 last_token_ns;	/* last chunk with response/thinking */
	int64_t		 e2e_ns;	/* the done:true line */
	int		 chunks;	/* content-bearing chunks seen */
	int64_t		 prompt_eval_count;
	int64_t		 prompt_eval_duration_ns;
	int64_t		 prompt_cached_count;	/* only newer Ollama sends it */
	int64_t		 eval_count;
	int64_t		 eval_duration_ns;
	int64_t		 load_duration_ns;
	int64_t		 total_duration_ns;
	char		 done_reason[16];	/* "" when absent */
	unsigned	 flags;			/* BENCH_FLAG_* */
	char		 error[256];		/* "" when the request worked */
};

/* Figures derived from one sample; NAN = unknown. Indexed by bench_metric. */
struct bench_figures {
	double		 v[BENCH_METRIC_COUNT];
};

/* What bench_stats_validate() checks a sample against. */
struct bench_check {
	int64_t		 num_predict;	/* requested output tokens */
	int		 check_short;	/* flag outputs shorter than that */
	int		 warm;		/* model should already be loaded */
	int64_t		 reload_ns;	/* load_duration above this = reload */
};

/* Summary of one metric over a test's valid samples; NAN = unknown. */
struct bench_summary {
	int		 n;		/* values that were known */
	double		 mean;
	double		 sd;		/* sample sd (n - 1); NAN when n < 2 */
	double		 median;
	double		 min;
	double		 max;
	double		 p95;		/* type 7; NAN when n < 20 */
	double		 cv;		/* sd / mean, a fraction */
};

/* Aggregates of one test. */
struct bench_test_stats {
	int		 n_samples;	/* measured (non-warm-up) samples */
	int		 n;		/* valid ones, used for the figures */
	int		 n_flagged;	/* measured, flagged but not errors */
	int		 n_errors;	/* measured, failed */
	double		 avg_prompt_tokens;	/* over valid samples */
	double		 avg_eval_tokens;
	struct bench_summary m[BENCH_METRIC_COUNT];
};

/* One metric of two runs compared (B against A). */
struct bench_comparison {
	double		 delta_pct;	/* (mean_b - mean_a) / mean_a * 100 */
	double		 z;		/* diff / sqrt(sa2/na + sb2/nb) */
	enum bench_verdict verdict;
};

/* Names: "pp", "tg", "pg", "cold"; parse returns 0 or -EINVAL. */
const char	*bench_stats_kind_name(enum bench_kind kind);
int		 bench_stats_kind_parse(const char *name,
		    enum bench_kind *kindp);
/* The headline metric: prompt_tps for pp tests, gen_tps for the others. */
enum bench_metric bench_stats_kind_metric(enum bench_kind kind);

/* "gen_tps", "prompt_tps", "ttft_ms", "itl_ms", "load_s", "e2e_s". */
const char	*bench_stats_metric_name(enum bench_metric m);
/* 1 for rates (higher is better), 0 for times (lower is better). */
int		 bench_stats_metric_higher_better(enum bench_metric m);

/* Flag names: "short", "reload", "cache", "error"; NULL for other bits. */
const char	*bench_stats_flag_name(unsigned bit);
/* A new JSON array of the names of the flags set in flags. */
json_t		*bench_stats_flags_json(unsigned flags);

/* A new JSON real, or JSON null when v is NAN or infinite. */
json_t		*bench_stats_real_json(double v);
/* A new JSON integer, or JSON null when v < 0 (unknown). */
json_t		*bench_stats_int_json(int64_t v);

/* Reset a sample: every counter unknown (-1), no flags, no error. */
void	bench_stats_sample_init(struct bench_sample *s);

/*
 * Fill ttft_ns, last_token_ns and e2e_ns from monotonic timestamps (ns):
 * the send time and the first content chunk, last content chunk and done
 * line; a timestamp of 0 means the event was not seen.
 */
void	bench_stats_sample_times(struct bench_sample *s, uint64_t sent,
	    uint64_t first, uint64_t last, uint64_t done);

/*
 * Read one parsed stream line that ends a request: the done:true object
 * (counters, done_reason, prompt_eval_cached_count if present) or an
 * {"error":"..."} line (copied into s->error). Missing counters stay -1.
 * Returns 0, or -EINVAL if line is neither (the caller keeps reading).
 */
int	bench_stats_sample_final(struct bench_sample *s, const json_t *line);

/* Mark a sample failed with message (truncated to fit). */
void	bench_stats_sample_fail(struct bench_sample *s, const char *message);

/*
 * Recompute the sample's flags: ERROR when s->error is set (and nothing
 * else); SHORT when check_short and eval_count < num_predict while
 * done_reason is "stop" or absent; RELOAD when warm and load_duration >
 * reload_ns (<= 0 means BENCH_RELOAD_NS); CACHE when more than
 * BENCH_CACHE_TOLERANCE prompt tokens came from Ollama's cache.
 */
void	bench_stats_validate(struct bench_sample *s,
	    const struct bench_check *check);

/* 1 when the sample is a measured one without flags, else 0. */
int	bench_stats_sample_valid(const struct bench_sample *s);

/*
 * 1 when the runner should repeat this measured request with a new prompt:
 * it is SHORT or RELOAD and fewer than BENCH_MAX_RETRIES retries were made
 * (attempt counts retries already done, starting at 0).
 */
int	bench_stats_retry(const struct bench_sample *s, int attempt);

/*
 * Per-sample figures. gen_tps = eval_count / (eval_duration / 1e9);
 * prompt_tps = (prompt_eval_count - cached) / (prompt_eval_duration / 1e9);
 * ttft_ms = ttft / 1e6; itl_ms = (last_token - ttft) / (eval_count - 1) /
 * 1e6; load_s and e2e_s in seconds. A zero or unknown divisor or count
 * gives NAN.
 */
void	bench_stats_figures(const struct bench_sample *s,
	    struct bench_figures *f);

/* A new JSON object describing the sample, raw counters and figures. */
json_t	*bench_stats_sample_json(const struct bench_sample *s);

/*
 * Linear-interpolation percentile (Hyndman-Fan type 7, numpy's default) of
 * sorted[0..n-1], p in [0, 100]; NAN when n is 0.
 */
double	bench_stats_percentile(const double *sorted, size_t n, double p);

/*
 * Summarise values[0..n-1], skipping NAN: mean and sd by Welford in double,
 * sd with divisor n - 1, median, min, max, p95 (only when at least
 * BENCH_P95_MIN_N known values), cv = sd / mean.
 */
void	bench_stats_summarize(const double *values, size_t n,
	    struct bench_summary *sum);

/*
 * Aggregate one test's samples (warm-ups and flagged samples are counted
 * but only valid measured samples feed the summaries).
 */
void	bench_stats_aggregate(const struct bench_sample *samples, size_t n,
	    struct bench_test_stats *ts);

/* A new JSON object {n, mean, sd, median, min, max, p95, cv}. */
json_t	*bench_stats_summary_json(const struct bench_summary *sum);
/* Read such an object back (missing or null members become NAN / 0). */
void	bench_stats_summary_from_json(const json_t *obj,
	    struct bench_summary *sum);

/*
 * A new JSON object with the test aggregates: n_samples, n, n_flagged,
 * n_errors, avg_prompt_tokens, avg_eval_tokens and one summary object per
 * metric name.
 */
json_t	*bench_stats_test_json(const struct bench_test_stats *ts);

/*
 * Compare metric m of run B against run A. Insufficient data when either
 * side has n < 2 or an unknown mean/sd, or mean A is 0. Otherwise
 * regression when B is at least BENCH_COMPARE_MIN_PCT percent worse (lower
 * for rates, higher for times) and |z| >= BENCH_COMPARE_MIN_Z; improvement
 * symmetrically; else no change.
 */
void	bench_stats_compare(const struct bench_summary *a,
	    const struct bench_summary *b, enum bench_metric m,
	    struct bench_comparison *cmp);

/* "no change", "improvement", "regression", "insufficient data". */
const char *bench_stats_verdict_name(enum bench_verdict v);

/*
 * Compare two runs in the JSON shape store_bench_run_get() returns. Tests
 * are matched by name; every metric is compared and the test's verdict is
 * that of its headline metric. The result also lists which environment
 * fields differ ("changed") and whether both runs used the same model
 * digest ("comparable"). Returns a new object, or NULL if either argument
 * is not a run object.
 */
json_t	*bench_stats_compare_runs(const json_t *run_a, const json_t *run_b);

#endif
