/* SPDX-License-Identifier: ISC */
/*
 * bench_export.h: benchmark runs as JSON, CSV and Markdown.
 *
 * Input is a run object as store_bench_run_get() returns it (or an array
 * of them, for history exports). The JSON reuses llama-bench's field names
 * where they mean the same thing (model_filename, model_type, model_size,
 * model_n_params, n_prompt, n_gen, test_time, avg_ts, stddev_ts,
 * samples_ts, avg_ns, stddev_ns, samples_ns) so its tooling can read the
 * core figures, and adds ours (median_ts, per-metric summaries, flags,
 * environment). "ts" is the test's headline rate: the prompt rate for
 * ppN tests, the generation rate for the others. Pure functions.
 */
#ifndef MLXD_BENCH_EXPORT_H
#define MLXD_BENCH_EXPORT_H

#include <jansson.h>

enum bench_export_format {
	BENCH_EXPORT_JSON = 0,
	BENCH_EXPORT_CSV,
	BENCH_EXPORT_MD,
	BENCH_EXPORT_LLAMA_BENCH,	/* flat: one object per test */
};

/* "json", "csv", "md", "markdown" or "llama-bench". 0 or -EINVAL. */
int	bench_export_format_parse(const char *name,
	    enum bench_export_format *fmtp);

/*
 * The llama-bench-style export object of one run (a new reference), or an
 * array of them when runs is an array. NULL if runs is neither.
 */
json_t	*bench_export_json(const json_t *runs);

/*
 * CSV (RFC 4180: CRLF line ends, fields with a comma, quote, CR or LF
 * quoted, quotes doubled): a header, then one row per test with its
 * aggregates. Unknown values are empty fields. Caller frees *outp.
 * 0 or -EINVAL.
 */
int	bench_export_csv(const json_t *runs, char **outp);

/*
 * A llama-bench-style Markdown table, | model | size | params | backend |
 * test | t/s | TTFT ms | (plus "load s" when a cold test is present), cells
 * "mean ± sd", then one footer line per run with its environment.
 * Caller frees *outp. 0 or -EINVAL.
 */
int	bench_export_md(const json_t *runs, char **outp);

/*
 * The flat shape llama-bench's own -o json writes: an array with one
 * object per test (avg_ts, stddev_ts, n_prompt, n_gen, ...) carrying its
 * run's fields too. New reference, or NULL.
 */
json_t	*bench_export_flat(const json_t *runs);

/* Any of the formats as text (JSON pretty-printed). 0 or -EINVAL. */
int	bench_export(const json_t *runs, enum bench_export_format fmt,
	    char **outp);

/*
 * A comparison from bench_stats_compare_runs() as Markdown: | test |
 * metric | A | B | Δ% | z | verdict | per test (headline metric), then
 * what changed between the runs. Caller frees *outp. 0 or -EINVAL.
 */
int	bench_export_compare_md(const json_t *cmp, char **outp);

/*
 * The same as CSV (RFC 4180): base, candidate, test, metric, headline
 * (true for the test's headline metric), better, then the figures.
 */
int	bench_export_compare_csv(const json_t *cmp, char **outp);

#endif
