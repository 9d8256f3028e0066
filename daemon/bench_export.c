/* SPDX-License-Identifier: ISC */
/*
 * bench_export.c: turning stored benchmark runs into JSON, CSV and
 * Markdown.
 *
 * Everything starts from bench_export_json(): the CSV and Markdown writers
 * read the same converted objects, so the three formats never disagree.
 * Text is built with open_memstream(). Unknown values are null in JSON,
 * empty in CSV and "n/a" in Markdown.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_export.h"
#include "bench_stats.h"
#include "xmalloc.h"

/* Run members copied into the export unchanged. */
static const char *const run_copy[] = {
	"suite", "state", "error", "quantization", "parameter_size", "family",
	"format", "ollama_version", "mlxd_version", "memory_bytes", "os",
	"thermal_start", "thermal_end", "power_start", "power_end",
	"peak_memory_bytes", "ps_size_bytes", "ps_vram_bytes",
};

/* Per-test CSV summary columns, after the metric name. */
static const char *const sum_keys[] = {
	"mean", "sd", "median", "min", "max", "p95",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Parse a format name. */
int
bench_export_format_parse(const char *name, enum bench_export_format *fmtp)
{
	if (name == NULL)
		return -EINVAL;
	if (strcmp(name, "json") == 0)
		*fmtp = BENCH_EXPORT_JSON;
	else if (strcmp(name, "csv") == 0)
		*fmtp = BENCH_EXPORT_CSV;
	else if (strcmp(name, "md") == 0 || strcmp(name, "markdown") == 0)
		*fmtp = BENCH_EXPORT_MD;
	else if (strcmp(name, "llama-bench") == 0)
		*fmtp = BENCH_EXPORT_LLAMA_BENCH;
	else
		return -EINVAL;
	return 0;
}

static json_t *
copy_or_null(const json_t *obj, const char *key)
{
	const json_t	*v;

	v = json_object_get(obj, key);
	return v != NULL ? json_deep_copy(v) : json_null();
}

static const char *
get_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static double
get_num(const json_t *obj, const char *key)
{
	const json_t	*v;

	v = json_object_get(obj, key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* "family parameter_size quantization", the parts that are known. */
static json_t *
model_type(const json_t *run)
{
	const char	*parts[3];
	char		 buf[256];
	size_t		 i, len = 0;

	parts[0] = get_str(run, "family");
	parts[1] = get_str(run, "parameter_size");
	parts[2] = get_str(run, "quantization");
	buf[0] = '\0';
	for (i = 0; i < 3; i++) {
		if (parts[i] == NULL || *parts[i] == '\0')
			continue;
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
		    len > 0 ? " " : "", parts[i]);
		if (len >= sizeof(buf))
			break;
	}
	return buf[0] != '\0' ? json_string(buf) : json_null();
}

/* "GPU", "CPU", "63% GPU" from /api/ps sizes, or NULL. */
static const char *
processor(const json_t *run, char *buf, size_t len)
{
	double	size, vram;

	size = get_num(run, "ps_size_bytes");
	vram = get_num(run, "ps_vram_bytes");
	if (!isfinite(size) || !isfinite(vram) || size <= 0 || vram > size)
		return NULL;
	if (vram == size)
		return "GPU";
	if (vram == 0)
		return "CPU";
	snprintf(buf, len, "%.0f%% GPU", vram / size * 100);
	return buf;
}

/* Headline figure and phase duration of valid measured samples. */
static void
test_samples(const json_t *samples, const char *metric, int pp,
    json_t **tsp, json_t **nsp, struct bench_summary *ns)
{
	const json_t	*s, *v;
	json_t		*ts, *nsarr;
	double		*durs;
	size_t		 i, k = 0;

	ts = json_array();
	nsarr = json_array();
	durs = xreallocarray(NULL, json_array_size(samples) + 1,
	    sizeof(*durs));
	json_array_foreach(samples, i, s) {
		if (!json_is_true(json_object_get(s, "valid")))
			continue;
		v = json_object_get(s, metric);
		json_array_append_new(ts, json_is_number(v) ?
		    json_real(json_number_value(v)) : json_null());
		v = json_object_get(s, pp ? "prompt_eval_duration_ns" :
		    "eval_duration_ns");
		if (json_is_integer(v)) {
			json_array_append_new(nsarr,
			    json_integer(json_integer_value(v)));
			durs[k++] = (double)json_integer_value(v);
		} else
			json_array_append_new(nsarr, json_null());
	}
	bench_stats_summarize(durs, k, ns);
	free(durs);
	*tsp = ts;
	*nsp = nsarr;
}

static json_t *
rounded_int(double v)
{
	if (!isfinite(v))
		return json_null();
	return json_integer((json_int_t)llround(v));
}

static json_t *
export_test(const json_t *t)
{
	struct bench_summary	 ns;
	enum bench_kind		 kind;
	const char		*metric;
	const json_t		*sum, *samples;
	json_t			*o, *ts, *nsarr;
	int			 m;

	if (bench_stats_kind_parse(get_str(t, "kind"), &kind) != 0)
		kind = BENCH_KIND_PG;
	metric = bench_stats_metric_name(bench_stats_kind_metric(kind));
	sum = json_object_get(t, metric);
	o = json_object();
	json_object_set_new(o, "test", copy_or_null(t, "name"));
	json_object_set_new(o, "kind",
	    json_string(bench_stats_kind_name(kind)));
	json_object_set_new(o, "metric", json_string(metric));
	json_object_set_new(o, "n_prompt", copy_or_null(t, "n_prompt"));
	json_object_set_new(o, "n_gen", copy_or_null(t, "n_gen"));
	json_object_set_new(o, "n_depth", json_integer(0));
	json_object_set_new(o, "n", copy_or_null(t, "n"));
	json_object_set_new(o, "n_samples", copy_or_null(t, "n_samples"));
	json_object_set_new(o, "n_flagged", copy_or_null(t, "n_flagged"));
	json_object_set_new(o, "n_errors", copy_or_null(t, "n_errors"));
	json_object_set_new(o, "avg_prompt_tokens",
	    copy_or_null(t, "avg_prompt_tokens"));
	json_object_set_new(o, "avg_eval_tokens",
	    copy_or_null(t, "avg_eval_tokens"));
	json_object_set_new(o, "avg_ts", copy_or_null(sum, "mean"));
	json_object_set_new(o, "stddev_ts", copy_or_null(sum, "sd"));
	json_object_set_new(o, "median_ts", copy_or_null(sum, "median"));
	json_object_set_new(o, "min_ts", copy_or_null(sum, "min"));
	json_object_set_new(o, "max_ts", copy_or_null(sum, "max"));
	json_object_set_new(o, "p95_ts", copy_or_null(sum, "p95"));
	json_object_set_new(o, "cv_ts", copy_or_null(sum, "cv"));
	samples = json_object_get(t, "samples");
	if (json_is_array(samples)) {
		test_samples(samples, metric, kind == BENCH_KIND_PP, &ts,
		    &nsarr, &ns);
		json_object_set_new(o, "samples_ts", ts);
		json_object_set_new(o, "avg_ns", rounded_int(ns.mean));
		json_object_set_new(o, "stddev_ns", rounded_int(ns.sd));
		json_object_set_new(o, "samples_ns", nsarr);
	} else {
		json_object_set_new(o, "samples_ts", json_null());
		json_object_set_new(o, "avg_ns", json_null());
		json_object_set_new(o, "stddev_ns", json_null());
		json_object_set_new(o, "samples_ns", json_null());
	}
	for (m = 0; m < BENCH_METRIC_COUNT; m++) {
		metric = bench_stats_metric_name((enum bench_metric)m);
		json_object_set_new(o, metric, copy_or_null(t, metric));
	}
	if (json_is_array(samples))
		json_object_set_new(o, "samples", json_deep_copy(samples));
	return o;
}

static json_t *
export_run(const json_t *run)
{
	const json_t	*tests, *t, *opts, *when;
	json_t		*o, *arr;
	char		 pbuf[16];
	const char	*proc;
	size_t		 i;

	o = json_object();
	json_object_set_new(o, "run_id", copy_or_null(run, "id"));
	json_object_set_new(o, "model_filename", copy_or_null(run, "model"));
	json_object_set_new(o, "model_type", model_type(run));
	json_object_set_new(o, "model_size",
	    copy_or_null(run, "model_size_bytes"));
	json_object_set_new(o, "model_n_params", copy_or_null(run, "n_params"));
	json_object_set_new(o, "model_digest", copy_or_null(run, "digest"));
	json_object_set_new(o, "backends", json_string("Ollama"));
	proc = processor(run, pbuf, sizeof(pbuf));
	json_object_set_new(o, "processor", proc != NULL ? json_string(proc) :
	    json_null());
	json_object_set_new(o, "cpu_info", copy_or_null(run, "chip"));
	json_object_set_new(o, "gpu_info", copy_or_null(run, "chip"));
	for (i = 0; i < NELEM(run_copy); i++)
		json_object_set_new(o, run_copy[i],
		    copy_or_null(run, run_copy[i]));
	when = json_object_get(run, "started_at");
	if (!json_is_string(when))
		when = json_object_get(run, "created_at");
	json_object_set_new(o, "test_time", when != NULL ?
	    json_deep_copy(when) : json_null());
	opts = json_object_get(run, "options");
	json_object_set_new(o, "n_ctx", copy_or_null(opts, "num_ctx"));
	json_object_set_new(o, "seed", copy_or_null(opts, "seed"));
	json_object_set_new(o, "temperature", copy_or_null(opts,
	    "temperature"));
	json_object_set_new(o, "options", opts != NULL ? json_deep_copy(opts) :
	    json_null());
	arr = json_array();
	tests = json_object_get(run, "tests");
	json_array_foreach(tests, i, t)
		json_array_append_new(arr, export_test(t));
	json_object_set_new(o, "tests", arr);
	return o;
}

/* The export object(s). */
json_t *
bench_export_json(const json_t *runs)
{
	const json_t	*r;
	json_t		*arr;
	size_t		 i;

	if (json_is_object(runs))
		return export_run(runs);
	if (!json_is_array(runs))
		return NULL;
	arr = json_array();
	json_array_foreach(runs, i, r) {
		if (json_is_object(r))
			json_array_append_new(arr, export_run(r));
	}
	return arr;
}

/* Converted runs as an array (new reference), or NULL. */
static json_t *
export_list(const json_t *runs)
{
	json_t	*x, *arr;

	if ((x = bench_export_json(runs)) == NULL)
		return NULL;
	if (json_is_array(x))
		return x;
	arr = json_array();
	json_array_append_new(arr, x);
	return arr;
}

static int
stream_open(FILE **fpp, char **bufp, size_t *lenp)
{
	*bufp = NULL;
	*fpp = open_memstream(bufp, lenp);
	return *fpp != NULL ? 0 : -errno;
}

/* Close the stream; *bufp is only valid after fclose(). */
static int
stream_close(FILE *fp, char **bufp, char **outp)
{
	int	bad;

	bad = ferror(fp);
	if (fclose(fp) != 0 || bad) {
		free(*bufp);
		*bufp = NULL;
		return -EIO;
	}
	*outp = *bufp;
	return 0;
}

/* Write one CSV field with RFC 4180 quoting. */
static void
csv_text(FILE *fp, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

static void
csv_value(FILE *fp, int first, const json_t *v)
{
	if (!first)
		fputc(',', fp);
	if (json_is_string(v))
		csv_text(fp, json_string_value(v));
	else if (json_is_integer(v))
		fprintf(fp, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v) && isfinite(json_real_value(v)))
		fprintf(fp, "%.10g", json_real_value(v));
	else if (json_is_true(v))
		fputs("true", fp);
	else if (json_is_false(v))
		fputs("false", fp);
}

/* Run-level CSV columns: header name and export key. */
static const char *const csv_run_cols[][2] = {
	{ "run_id", "run_id" },
	{ "model_filename", "model_filename" },
	{ "model_type", "model_type" },
	{ "model_size", "model_size" },
	{ "model_n_params", "model_n_params" },
	{ "model_digest", "model_digest" },
	{ "backends", "backends" },
	{ "processor", "processor" },
	{ "ollama_version", "ollama_version" },
	{ "gpu_info", "gpu_info" },
	{ "memory_bytes", "memory_bytes" },
	{ "os", "os" },
	{ "suite", "suite" },
	{ "test_time", "test_time" },
	{ "n_ctx", "n_ctx" },
};

/* Test-level CSV columns before the per-metric ones. */
static const char *const csv_test_cols[] = {
	"test", "kind", "metric", "n_prompt", "n_gen", "n", "n_samples",
	"n_flagged", "n_errors", "avg_ts", "stddev_ts", "median_ts", "min_ts",
	"max_ts", "cv_ts", "avg_ns", "stddev_ns",
};

/* CSV with one row per test. */
int
bench_export_csv(const json_t *runs, char **outp)
{
	const json_t	*run, *t;
	json_t		*list;
	FILE		*fp;
	char		*buf, col[64];
	size_t		 len, i, j, k;
	int		 rc, m, first = 1;

	if ((list = export_list(runs)) == NULL)
		return -EINVAL;
	if ((rc = stream_open(&fp, &buf, &len)) != 0) {
		json_decref(list);
		return rc;
	}
	for (i = 0; i < NELEM(csv_run_cols); i++, first = 0)
		fprintf(fp, "%s%s", first ? "" : ",", csv_run_cols[i][0]);
	for (i = 0; i < NELEM(csv_test_cols); i++)
		fprintf(fp, ",%s", csv_test_cols[i]);
	for (m = 0; m < BENCH_METRIC_COUNT; m++) {
		for (k = 0; k < NELEM(sum_keys); k++) {
			snprintf(col, sizeof(col), "%s_%s",
			    bench_stats_metric_name((enum bench_metric)m),
			    sum_keys[k]);
			fprintf(fp, ",%s", col);
		}
	}
	fputs("\r\n", fp);
	json_array_foreach(list, i, run) {
		json_array_foreach(json_object_get(run, "tests"), j, t) {
			for (k = 0; k < NELEM(csv_run_cols); k++)
				csv_value(fp, k == 0, json_object_get(run,
				    csv_run_cols[k][1]));
			for (k = 0; k < NELEM(csv_test_cols); k++)
				csv_value(fp, 0, json_object_get(t,
				    csv_test_cols[k]));
			for (m = 0; m < BENCH_METRIC_COUNT; m++) {
				for (k = 0; k < NELEM(sum_keys); k++)
					csv_value(fp, 0, json_object_get(
					    json_object_get(t,
					    bench_stats_metric_name(
					    (enum bench_metric)m)),
					    sum_keys[k]));
			}
			fputs("\r\n", fp);
		}
	}
	json_decref(list);
	return stream_close(fp, &buf, outp);
}

/* A Markdown cell: pipes escaped, line breaks as spaces. */
static void
md_text(FILE *fp, const char *s)
{
	fputc(' ', fp);
	for (; *s != '\0'; s++) {
		if (*s == '|')
			fputs("\\|", fp);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', fp);
		else
			fputc(*s, fp);
	}
	fputs(" |", fp);
}

/* "mean ± sd" (just the mean for one value, n/a for none). */
static void
md_stat(FILE *fp, const json_t *sum)
{
	char	buf[64];
	double	mean, sd;

	mean = get_num(sum, "mean");
	sd = get_num(sum, "sd");
	if (!isfinite(mean))
		snprintf(buf, sizeof(buf), "n/a");
	else if (!isfinite(sd))
		snprintf(buf, sizeof(buf), "%.2f", mean);
	else
		snprintf(buf, sizeof(buf), "%.2f ± %.2f", mean, sd);
	md_text(fp, buf);
}

static void
md_footer(FILE *fp, const json_t *run)
{
	const char	*s;
	double		 mem;

	fprintf(fp, "\nrun %s:", get_str(run, "run_id") != NULL ?
	    get_str(run, "run_id") : "?");
	if ((s = get_str(run, "ollama_version")) != NULL)
		fprintf(fp, " ollama %s,", s);
	if ((s = get_str(run, "mlxd_version")) != NULL)
		fprintf(fp, " mlxd %s,", s);
	if ((s = get_str(run, "gpu_info")) != NULL)
		fprintf(fp, " %s,", s);
	if (isfinite(mem = get_num(run, "memory_bytes")))
		fprintf(fp, " %.0f GiB RAM,", mem / 1073741824.0);
	if ((s = get_str(run, "os")) != NULL)
		fprintf(fp, " %s,", s);
	if ((s = get_str(run, "power_start")) != NULL)
		fprintf(fp, " power %s,", s);
	if ((s = get_str(run, "thermal_start")) != NULL)
		fprintf(fp, " thermal %s,", s);
	if ((s = get_str(run, "test_time")) != NULL)
		fprintf(fp, " %s,", s);
	fprintf(fp, " suite %s", get_str(run, "suite") != NULL ?
	    get_str(run, "suite") : "?");
	if ((s = get_str(run, "state")) != NULL && strcmp(s, "done") != 0)
		fprintf(fp, " (%s)", s);
	fputs("\n", fp);
}

/* The llama-bench-style table. */
int
bench_export_md(const json_t *runs, char **outp)
{
	const json_t	*run, *t;
	json_t		*list;
	FILE		*fp;
	char		*buf, cell[256];
	const char	*s, *q;
	double		 v;
	size_t		 len, i, j;
	int		 rc, cold = 0;

	if ((list = export_list(runs)) == NULL)
		return -EINVAL;
	json_array_foreach(list, i, run) {
		json_array_foreach(json_object_get(run, "tests"), j, t) {
			if ((s = get_str(t, "kind")) != NULL &&
			    strcmp(s, "cold") == 0)
				cold = 1;
		}
	}
	if ((rc = stream_open(&fp, &buf, &len)) != 0) {
		json_decref(list);
		return rc;
	}
	fputs("| model | size | params | backend | test | t/s | TTFT ms |", fp);
	if (cold)
		fputs(" load s |", fp);
	fputs("\n| --- | ---: | ---: | --- | ---: | ---: | ---: |", fp);
	if (cold)
		fputs(" ---: |", fp);
	fputs("\n", fp);
	json_array_foreach(list, i, run) {
		json_array_foreach(json_object_get(run, "tests"), j, t) {
			fputc('|', fp);
			s = get_str(run, "model_filename");
			q = get_str(run, "quantization");
			if (q != NULL && s != NULL && strstr(s, q) == NULL)
				snprintf(cell, sizeof(cell), "%s %s", s, q);
			else
				snprintf(cell, sizeof(cell), "%s",
				    s != NULL ? s : "n/a");
			md_text(fp, cell);
			if (isfinite(v = get_num(run, "model_size")))
				snprintf(cell, sizeof(cell), "%.2f GiB",
				    v / 1073741824.0);
			else
				snprintf(cell, sizeof(cell), "n/a");
			md_text(fp, cell);
			if (isfinite(v = get_num(run, "model_n_params")))
				snprintf(cell, sizeof(cell), "%.2f B", v / 1e9);
			else if ((s = get_str(run, "parameter_size")) != NULL)
				snprintf(cell, sizeof(cell), "%s", s);
			else
				snprintf(cell, sizeof(cell), "n/a");
			md_text(fp, cell);
			s = get_str(run, "processor");
			snprintf(cell, sizeof(cell), "Ollama%s%s",
			    s != NULL ? " " : "", s != NULL ? s : "");
			md_text(fp, cell);
			s = get_str(t, "test");
			md_text(fp, s != NULL ? s : "n/a");
			s = get_str(t, "metric");
			md_stat(fp, s != NULL ? json_object_get(t, s) : NULL);
			md_stat(fp, json_object_get(t, "ttft_ms"));
			if (cold)
				md_stat(fp, json_object_get(t, "load_s"));
			fputc('\n', fp);
		}
	}
	fputs("\nt/s: prompt tokens/s for ppN tests, generated tokens/s "
	    "otherwise; mean ± sd over valid repetitions.\n", fp);
	json_array_foreach(list, i, run)
		md_footer(fp, run);
	json_decref(list);
	return stream_close(fp, &buf, outp);
}

/* llama-bench's own shape: one flat object per test, run fields copied. */
json_t *
bench_export_flat(const json_t *runs)
{
	json_t		*list, *out, *o, *run, *t, *v;
	const char	*k;
	size_t		 i, j;

	if ((list = export_list(runs)) == NULL)
		return NULL;
	out = json_array();
	json_array_foreach(list, i, run) {
		json_array_foreach(json_object_get(run, "tests"), j, t) {
			o = json_object();
			json_object_foreach(run, k, v)
				if (strcmp(k, "tests") != 0)
					json_object_set(o, k, v);
			json_object_foreach(t, k, v)
				json_object_set(o, k, v);
			json_array_append_new(out, o);
		}
	}
	json_decref(list);
	return out;
}

/* Any format as text. */
int
bench_export(const json_t *runs, enum bench_export_format fmt, char **outp)
{
	json_t	*x;
	char	*s;

	switch (fmt) {
	case BENCH_EXPORT_LLAMA_BENCH:
		if ((x = bench_export_flat(runs)) == NULL)
			return -EINVAL;
		s = json_dumps(x, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
		json_decref(x);
		if (s == NULL)
			return -ENOMEM;
		*outp = xasprintf("%s\n", s);
		free(s);
		return 0;
	case BENCH_EXPORT_CSV:
		return bench_export_csv(runs, outp);
	case BENCH_EXPORT_MD:
		return bench_export_md(runs, outp);
	case BENCH_EXPORT_JSON:
		if ((x = bench_export_json(runs)) == NULL)
			return -EINVAL;
		s = json_dumps(x, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
		json_decref(x);
		if (s == NULL)
			return -ENOMEM;
		*outp = xasprintf("%s\n", s);
		free(s);
		return 0;
	default:
		return -EINVAL;
	}
}

static void
md_num(FILE *fp, double v, int decimals)
{
	char	buf[64];

	if (isfinite(v))
		snprintf(buf, sizeof(buf), "%+.*f", decimals, v);
	else
		snprintf(buf, sizeof(buf), "n/a");
	md_text(fp, buf);
}

static void
md_side(FILE *fp, const json_t *mc, const char *mean, const char *sd)
{
	json_t	*sum;

	sum = json_pack("{s:O?, s:O?}", "mean", json_object_get(mc, mean),
	    "sd", json_object_get(mc, sd));
	md_stat(fp, sum);
	json_decref(sum);
}

/* A comparison as a Markdown table. */
int
bench_export_compare_md(const json_t *cmp, char **outp)
{
	const json_t	*t, *mc, *v;
	FILE		*fp;
	char		*buf;
	const char	*metric, *s;
	size_t		 len, i;
	int		 rc;

	if (!json_is_object(cmp) || !json_is_array(json_object_get(cmp,
	    "tests")))
		return -EINVAL;
	if ((rc = stream_open(&fp, &buf, &len)) != 0)
		return rc;
	fputs("| test | metric | A | B | Δ% | z | verdict |\n"
	    "| --- | --- | ---: | ---: | ---: | ---: | --- |\n", fp);
	json_array_foreach(json_object_get(cmp, "tests"), i, t) {
		metric = get_str(t, "metric");
		if (metric == NULL)
			continue;
		mc = json_object_get(json_object_get(t, "metrics"), metric);
		fputc('|', fp);
		md_text(fp, get_str(t, "name") != NULL ? get_str(t, "name") :
		    "?");
		md_text(fp, metric);
		md_side(fp, mc, "a_mean", "a_sd");
		md_side(fp, mc, "b_mean", "b_sd");
		md_num(fp, get_num(mc, "delta_pct"), 2);
		md_num(fp, get_num(mc, "z"), 1);
		s = get_str(mc, "verdict");
		md_text(fp, s != NULL ? s : "insufficient data");
		fputc('\n', fp);
	}
	v = json_object_get(cmp, "changed");
	if (json_array_size(v) > 0) {
		fputs("\nchanged:", fp);
		json_array_foreach(v, i, t)
			fprintf(fp, "%s %s", i > 0 ? "," : "",
			    json_string_value(t) != NULL ?
			    json_string_value(t) : "?");
		fputc('\n', fp);
	}
	if (!json_is_true(json_object_get(cmp, "comparable")))
		fputs("\nwarning: the runs used different (or unknown) model "
		    "digests\n", fp);
	return stream_close(fp, &buf, outp);
}

/* A comparison as CSV, one row per test and metric. */
int
bench_export_compare_csv(const json_t *cmp, char **outp)
{
	static const char *const cols[] = { "a_mean", "a_sd", "a_n",
	    "b_mean", "b_sd", "b_n", "delta_pct", "z", "verdict" };
	const json_t	*t, *mc;
	const char	*k;
	FILE		*fp;
	char		*buf;
	size_t		 len, i, c;
	int		 rc;

	if (!json_is_object(cmp) || !json_is_array(json_object_get(cmp,
	    "tests")))
		return -EINVAL;
	if ((rc = stream_open(&fp, &buf, &len)) != 0)
		return rc;
	fputs("base,candidate,test,metric,headline,better", fp);
	for (c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
		fprintf(fp, ",%s", cols[c]);
	fputs("\r\n", fp);
	json_array_foreach(json_object_get(cmp, "tests"), i, t) {
		json_object_foreach(json_object_get(t, "metrics"), k, mc) {
			csv_value(fp, 1, json_object_get(json_object_get(cmp,
			    "a"), "id"));
			csv_value(fp, 0, json_object_get(json_object_get(cmp,
			    "b"), "id"));
			csv_value(fp, 0, json_object_get(t, "name"));
			fputc(',', fp);
			csv_text(fp, k);
			fputs(get_str(t, "metric") != NULL &&
			    strcmp(get_str(t, "metric"), k) == 0 ? ",true" :
			    ",false", fp);
			csv_value(fp, 0, json_object_get(mc, "better"));
			for (c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
				csv_value(fp, 0, json_object_get(mc, cols[c]));
			fputs("\r\n", fp);
		}
	}
	return stream_close(fp, &buf, outp);
}
