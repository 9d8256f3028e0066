/* SPDX-License-Identifier: ISC */
/*
 * store_bench.c: benchmark runs, tests, samples and proxied sessions in
 * SQLite (schema/0003_bench.sql).
 *
 * Statements are prepared per call; these tables are written a few times
 * per second at most. Column text is copied into JSON before the next step.
 * Unknown values (-1 integers, NAN reals, NULL strings) become SQL NULL and
 * come back as JSON null. A foreign-key failure means the run is gone and
 * is reported as -ENOENT; other SQLite codes go through store_errno().
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "bench_stats.h"
#include "bench_suite.h"
#include "log.h"
#include "store.h"
#include "store_bench.h"
#include "timeutil.h"
#include "xmalloc.h"

/* Columns of bench_tests before the per-metric ones, in SELECT order. */
#define TEST_FIXED_COLS	"name, kind, position, n_prompt, n_gen, n_samples, " \
			"n, n_flagged, n_errors, avg_prompt_tokens, " \
			"avg_eval_tokens"
#define TEST_NFIXED	11
#define METRIC_NCOLS	7	/* n, mean, sd, median, min, max, p95 */

#define SAMPLE_COLS	"test, repetition, attempt, is_warmup, started_ns, " \
			"ttft_ns, last_token_ns, e2e_ns, chunks, " \
			"prompt_eval_count, prompt_eval_duration_ns, " \
			"prompt_cached_count, eval_count, eval_duration_ns, " \
			"load_ns, total_ns, done_reason, flags, error"

static const char *const metric_suffix[METRIC_NCOLS] = {
	"n", "mean", "sd", "median", "min", "max", "p95"
};

/* Positional binder: remembers the next index and the first failure. */
struct binder {
	sqlite3_stmt	*stmt;
	int		 i;
	int		 rc;
};

static void
b_init(struct binder *b, sqlite3_stmt *stmt)
{
	b->stmt = stmt;
	b->i = 1;
	b->rc = SQLITE_OK;
}

static void
b_note(struct binder *b, int rc)
{
	if (b->rc == SQLITE_OK && rc != SQLITE_OK)
		b->rc = rc;
	b->i++;
}

static void
b_text(struct binder *b, const char *s)
{
	b_note(b, s != NULL ? sqlite3_bind_text(b->stmt, b->i, s, -1,
	    SQLITE_TRANSIENT) : sqlite3_bind_null(b->stmt, b->i));
}

static void
b_i64(struct binder *b, int64_t v)
{
	b_note(b, v >= 0 ? sqlite3_bind_int64(b->stmt, b->i, v) :
	    sqlite3_bind_null(b->stmt, b->i));
}

static void
b_real(struct binder *b, double v)
{
	b_note(b, isfinite(v) ? sqlite3_bind_double(b->stmt, b->i, v) :
	    sqlite3_bind_null(b->stmt, b->i));
}

static int
prepare(struct store *st, const char *sql, sqlite3_stmt **stmtp)
{
	int	rc;

	rc = sqlite3_prepare_v2(st->db, sql, -1, stmtp, NULL);
	if (rc != SQLITE_OK) {
		log_warnx("store: bench: prepare: %s", sqlite3_errmsg(st->db));
		*stmtp = NULL;
		return store_errno(rc);
	}
	return 0;
}

/* Step a statement that returns no rows; a broken foreign key is ENOENT. */
static int
step_done(struct store *st, sqlite3_stmt *stmt)
{
	int	rc;

	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE)
		return 0;
	if (sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_FOREIGNKEY)
		return -ENOENT;
	log_warnx("store: bench: %s", sqlite3_errmsg(st->db));
	return store_errno(rc);
}

static int
bind_done(struct store *st, const struct binder *b)
{
	if (b->rc != SQLITE_OK) {
		log_warnx("store: bench: bind: %s", sqlite3_errstr(b->rc));
		return store_errno(b->rc);
	}
	(void)st;
	return 0;
}

static int
state_ok(const char *state)
{
	return state == NULL || strcmp(state, STORE_BENCH_QUEUED) == 0 ||
	    strcmp(state, STORE_BENCH_RUNNING) == 0 ||
	    strcmp(state, STORE_BENCH_DONE) == 0 ||
	    strcmp(state, STORE_BENCH_FAILED) == 0 ||
	    strcmp(state, STORE_BENCH_CANCELLED) == 0 ||
	    strcmp(state, STORE_BENCH_INTERRUPTED) == 0;
}

/* Length of the valid UTF-8 sequence at p, or 0. */
static size_t
utf8_len(const unsigned char *p, size_t left)
{
	size_t	n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (left < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++) {
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	}
	return n;
}

/* Column text as a JSON string; invalid UTF-8 bytes become '?'. */
static json_t *
text_json(const unsigned char *s, size_t len)
{
	json_t	*v;
	char	*copy;
	size_t	 i, k;

	if ((v = json_stringn((const char *)s, len)) != NULL)
		return v;
	copy = xmalloc(len + 1);
	for (i = 0; i < len; ) {
		k = utf8_len(s + i, len - i);
		if (k == 0) {
			copy[i++] = '?';
			continue;
		}
		memcpy(copy + i, s + i, k);
		i += k;
	}
	v = json_stringn(copy, len);
	free(copy);
	return v != NULL ? v : json_null();
}

static json_t *
col_json(sqlite3_stmt *stmt, int i)
{
	const unsigned char	*s;

	switch (sqlite3_column_type(stmt, i)) {
	case SQLITE_INTEGER:
		return json_integer((json_int_t)sqlite3_column_int64(stmt, i));
	case SQLITE_FLOAT:
		return bench_stats_real_json(sqlite3_column_double(stmt, i));
	case SQLITE_TEXT:
		s = sqlite3_column_text(stmt, i);
		return text_json(s, (size_t)sqlite3_column_bytes(stmt, i));
	default:
		return json_null();
	}
}

/* The current row as an object keyed by column name. */
static json_t *
row_json(sqlite3_stmt *stmt)
{
	json_t	*o;
	int	 i, n;

	o = json_object();
	n = sqlite3_column_count(stmt);
	for (i = 0; i < n; i++)
		json_object_set_new(o, sqlite3_column_name(stmt, i),
		    col_json(stmt, i));
	return o;
}

static int64_t
col_i64(sqlite3_stmt *stmt, int i)
{
	if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
		return -1;
	return (int64_t)sqlite3_column_int64(stmt, i);
}

static double
col_real(sqlite3_stmt *stmt, int i)
{
	if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
		return NAN;
	return sqlite3_column_double(stmt, i);
}

static void
col_buf(sqlite3_stmt *stmt, int i, char *buf, size_t len)
{
	const unsigned char	*s;

	s = sqlite3_column_text(stmt, i);
	snprintf(buf, len, "%s", s != NULL ? (const char *)s : "");
}

/* Add "<name>_at" ISO strings next to "<name>_ns" wall-clock members. */
static void
add_iso(json_t *o, const char *ns_key, const char *at_key)
{
	const json_t	*v;
	char		 buf[TIMEUTIL_ISO_LEN];

	v = json_object_get(o, ns_key);
	if (!json_is_integer(v)) {
		json_object_set_new(o, at_key, json_null());
		return;
	}
	timeutil_format_utc((int64_t)json_integer_value(v), buf, sizeof(buf));
	json_object_set_new(o, at_key, json_string(buf));
}

/* Unknown everywhere. */
void
store_bench_run_init(struct store_bench_run *run)
{
	memset(run, 0, sizeof(*run));
	run->n_params = -1;
	run->model_size_bytes = -1;
	run->ps_size_bytes = -1;
	run->ps_vram_bytes = -1;
	run->memory_bytes = -1;
	run->created_ns = -1;
}

/* Nothing to change. */
void
store_bench_update_init(struct store_bench_update *u)
{
	memset(u, 0, sizeof(*u));
	u->started_ns = -1;
	u->ps_size_bytes = -1;
	u->ps_vram_bytes = -1;
	u->n_params = -1;
	u->finished_ns = -1;
	u->peak_memory_bytes = -1;
}

/* Unknown everywhere. */
void
store_bench_session_init(struct store_bench_session *s)
{
	memset(s, 0, sizeof(*s));
	s->start_ns = -1;
	s->end_ns = -1;
	s->ttft_ns = -1;
	s->prompt_eval_count = -1;
	s->prompt_eval_duration_ns = -1;
	s->eval_count = -1;
	s->eval_duration_ns = -1;
	s->load_ns = -1;
	s->peak_memory_bytes = -1;
	s->input_count = -1;
}

/* Insert a run row. */
int
store_bench_run_insert(struct store *st, const struct store_bench_run *run)
{
	sqlite3_stmt	*stmt = NULL;
	struct binder	 b;
	char		*options = NULL;
	int		 rc;

	if (run->id == NULL || *run->id == '\0' || run->model == NULL ||
	    run->suite == NULL || !state_ok(run->state))
		return -EINVAL;
	if (run->options != NULL)
		options = json_dumps(run->options, JSON_COMPACT |
		    JSON_ENSURE_ASCII);
	if ((rc = prepare(st, "INSERT INTO bench_runs (id, model, digest, "
	    "quantization, family, parameter_size, n_params, format, "
	    "model_size_bytes, ps_size_bytes, ps_vram_bytes, suite, options, "
	    "ollama_version, mlxd_version, chip, memory_bytes, os, "
	    "thermal_start, power_start, state, created_ns) VALUES (?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    &stmt)) != 0)
		goto out;
	b_init(&b, stmt);
	b_text(&b, run->id);
	b_text(&b, run->model);
	b_text(&b, run->digest);
	b_text(&b, run->quantization);
	b_text(&b, run->family);
	b_text(&b, run->parameter_size);
	b_i64(&b, run->n_params);
	b_text(&b, run->format);
	b_i64(&b, run->model_size_bytes);
	b_i64(&b, run->ps_size_bytes);
	b_i64(&b, run->ps_vram_bytes);
	b_text(&b, run->suite);
	b_text(&b, options != NULL ? options : "{}");
	b_text(&b, run->ollama_version);
	b_text(&b, run->mlxd_version);
	b_text(&b, run->chip);
	b_i64(&b, run->memory_bytes);
	b_text(&b, run->os);
	b_text(&b, run->thermal_start);
	b_text(&b, run->power_start);
	b_text(&b, run->state != NULL ? run->state : STORE_BENCH_QUEUED);
	b_i64(&b, run->created_ns > 0 ? run->created_ns : timeutil_now_ns());
	if ((rc = bind_done(st, &b)) != 0)
		goto out;
	rc = step_done(st, stmt);
out:
	sqlite3_finalize(stmt);
	free(options);
	return rc;
}

/* Change a run's state and end-of-run fields. */
int
store_bench_run_update(struct store *st, const char *id,
    const struct store_bench_update *u)
{
	sqlite3_stmt	*stmt = NULL;
	struct binder	 b;
	int		 rc;

	if (id == NULL || !state_ok(u->state))
		return -EINVAL;
	if ((rc = prepare(st, "UPDATE bench_runs SET "
	    "state = COALESCE(?1, state), "
	    "error = COALESCE(?2, error), "
	    "started_ns = CASE WHEN ?3 IS NOT NULL THEN ?3 "
	    "  WHEN started_ns IS NULL AND ?1 = 'running' THEN ?8 "
	    "  ELSE started_ns END, "
	    "finished_ns = CASE WHEN ?4 IS NOT NULL THEN ?4 "
	    "  WHEN finished_ns IS NULL AND ?1 IN ('done', 'failed', "
	    "  'cancelled', 'interrupted') THEN ?8 ELSE finished_ns END, "
	    "thermal_end = COALESCE(?5, thermal_end), "
	    "power_end = COALESCE(?6, power_end), "
	    "peak_memory_bytes = COALESCE(?7, peak_memory_bytes), "
	    "ps_size_bytes = COALESCE(?10, ps_size_bytes), "
	    "ps_vram_bytes = COALESCE(?11, ps_vram_bytes), "
	    "n_params = COALESCE(?12, n_params) "
	    "WHERE id = ?9", &stmt)) != 0)
		return rc;
	b_init(&b, stmt);
	b_text(&b, u->state);
	b_text(&b, u->error);
	b_i64(&b, u->started_ns);
	b_i64(&b, u->finished_ns);
	b_text(&b, u->thermal_end);
	b_text(&b, u->power_end);
	b_i64(&b, u->peak_memory_bytes);
	b_i64(&b, timeutil_now_ns());
	b_text(&b, id);
	b_i64(&b, u->ps_size_bytes);
	b_i64(&b, u->ps_vram_bytes);
	b_i64(&b, u->n_params);
	if ((rc = bind_done(st, &b)) == 0 &&
	    (rc = step_done(st, stmt)) == 0 && sqlite3_changes(st->db) == 0)
		rc = -ENOENT;
	sqlite3_finalize(stmt);
	return rc;
}

/* See store_bench.h. */
int
store_bench_reconcile(struct store *st, int *nrunsp)
{
	sqlite3_stmt	*stmt = NULL;
	struct binder	 b;
	int		 rc;

	if (nrunsp != NULL)
		*nrunsp = 0;
	if ((rc = prepare(st, "UPDATE bench_runs SET state = 'interrupted', "
	    "error = ?1, finished_ns = COALESCE(finished_ns, ?2) "
	    "WHERE state IN ('queued', 'running')", &stmt)) != 0)
		return rc;
	b_init(&b, stmt);
	b_text(&b, STORE_BENCH_INTERRUPTED_ERROR);
	b_i64(&b, timeutil_now_ns());
	if ((rc = bind_done(st, &b)) == 0 &&
	    (rc = step_done(st, stmt)) == 0 && nrunsp != NULL)
		*nrunsp = sqlite3_changes(st->db);
	sqlite3_finalize(stmt);
	return rc;
}

/* Insert one sample. */
int
store_bench_sample_insert(struct store *st, const char *run_id,
    const char *test, const struct bench_sample *s)
{
	sqlite3_stmt	*stmt = NULL;
	struct binder	 b;
	int		 rc;

	if (run_id == NULL || test == NULL)
		return -EINVAL;
	if ((rc = prepare(st, "INSERT INTO bench_samples (run_id, "
	    SAMPLE_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?)", &stmt)) != 0)
		return rc;
	b_init(&b, stmt);
	b_text(&b, run_id);
	b_text(&b, test);
	b_i64(&b, s->repetition);
	b_i64(&b, s->attempt);
	b_i64(&b, s->is_warmup ? 1 : 0);
	b_i64(&b, s->started_ns);
	b_i64(&b, s->ttft_ns);
	b_i64(&b, s->last_token_ns);
	b_i64(&b, s->e2e_ns);
	b_i64(&b, s->chunks);
	b_i64(&b, s->prompt_eval_count);
	b_i64(&b, s->prompt_eval_duration_ns);
	b_i64(&b, s->prompt_cached_count);
	b_i64(&b, s->eval_count);
	b_i64(&b, s->eval_duration_ns);
	b_i64(&b, s->load_duration_ns);
	b_i64(&b, s->total_duration_ns);
	b_text(&b, s->done_reason[0] != '\0' ? s->done_reason : NULL);
	b_i64(&b, (int64_t)s->flags);
	b_text(&b, s->error[0] != '\0' ? s->error : NULL);
	if ((rc = bind_done(st, &b)) == 0)
		rc = step_done(st, stmt);
	sqlite3_finalize(stmt);
	return rc;
}

/* Column list ", gen_tps_n, gen_tps_mean, ..." of every metric. */
static char *
metric_cols(int placeholders)
{
	char	*sql, *next;
	int	 m, k;

	sql = xstrdup("");
	for (m = 0; m < BENCH_METRIC_COUNT; m++) {
		for (k = 0; k < METRIC_NCOLS; k++) {
			if (placeholders)
				next = xasprintf("%s, ?", sql);
			else
				next = xasprintf("%s, %s_%s", sql,
				    bench_stats_metric_name(
				    (enum bench_metric)m), metric_suffix[k]);
			free(sql);
			sql = next;
		}
	}
	return sql;
}

/* Insert or replace a test's aggregate row. */
int
store_bench_test_put(struct store *st, const char *run_id,
    const struct bench_test *t, int position,
    const struct bench_test_stats *ts)
{
	sqlite3_stmt			*stmt = NULL;
	const struct bench_summary	*sum;
	struct binder			 b;
	char				*cols, *qs, *sql;
	int				 rc, m;

	if (run_id == NULL || t == NULL || t->name == NULL)
		return -EINVAL;
	cols = metric_cols(0);
	qs = metric_cols(1);
	sql = xasprintf("INSERT OR REPLACE INTO bench_tests (run_id, "
	    TEST_FIXED_COLS "%s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?%s)", cols, qs);
	free(cols);
	free(qs);
	rc = prepare(st, sql, &stmt);
	free(sql);
	if (rc != 0)
		return rc;
	b_init(&b, stmt);
	b_text(&b, run_id);
	b_text(&b, t->name);
	b_text(&b, bench_stats_kind_name(t->kind));
	b_i64(&b, position);
	b_i64(&b, t->n_prompt > 0 ? t->n_prompt : -1);
	b_i64(&b, t->num_predict > 0 ? t->num_predict : -1);
	b_i64(&b, ts->n_samples);
	b_i64(&b, ts->n);
	b_i64(&b, ts->n_flagged);
	b_i64(&b, ts->n_errors);
	b_real(&b, ts->avg_prompt_tokens);
	b_real(&b, ts->avg_eval_tokens);
	for (m = 0; m < BENCH_METRIC_COUNT; m++) {
		sum = &ts->m[m];
		b_i64(&b, sum->n);
		b_real(&b, sum->mean);
		b_real(&b, sum->sd);
		b_real(&b, sum->median);
		b_real(&b, sum->min);
		b_real(&b, sum->max);
		b_real(&b, sum->p95);
	}
	if ((rc = bind_done(st, &b)) == 0)
		rc = step_done(st, stmt);
	sqlite3_finalize(stmt);
	return rc;
}

/* One bench_tests row as JSON. */
static json_t *
test_row_json(sqlite3_stmt *stmt)
{
	struct bench_test_stats	 ts;
	struct bench_summary	*sum;
	json_t			*o;
	int			 m, c;

	memset(&ts, 0, sizeof(ts));
	ts.n_samples = (int)sqlite3_column_int64(stmt, 5);
	ts.n = (int)sqlite3_column_int64(stmt, 6);
	ts.n_flagged = (int)sqlite3_column_int64(stmt, 7);
	ts.n_errors = (int)sqlite3_column_int64(stmt, 8);
	ts.avg_prompt_tokens = col_real(stmt, 9);
	ts.avg_eval_tokens = col_real(stmt, 10);
	for (m = 0; m < BENCH_METRIC_COUNT; m++) {
		sum = &ts.m[m];
		c = TEST_NFIXED + m * METRIC_NCOLS;
		sum->n = (int)sqlite3_column_int64(stmt, c);
		sum->mean = col_real(stmt, c + 1);
		sum->sd = col_real(stmt, c + 2);
		sum->median = col_real(stmt, c + 3);
		sum->min = col_real(stmt, c + 4);
		sum->max = col_real(stmt, c + 5);
		sum->p95 = col_real(stmt, c + 6);
		/* Same definition as bench_stats_summarize(). */
		sum->cv = isfinite(sum->sd) && isfinite(sum->mean) &&
		    sum->mean != 0 ? sum->sd / fabs(sum->mean) : NAN;
	}
	o = json_object();
	json_object_set_new(o, "name", col_json(stmt, 0));
	json_object_set_new(o, "kind", col_json(stmt, 1));
	json_object_set_new(o, "position", col_json(stmt, 2));
	json_object_set_new(o, "n_prompt", col_json(stmt, 3));
	json_object_set_new(o, "n_gen", col_json(stmt, 4));
	json_object_update_new(o, bench_stats_test_json(&ts));
	return o;
}

/* The tests of a run as a JSON array, in suite order. */
static int
tests_json(struct store *st, const char *run_id, json_t **testsp)
{
	sqlite3_stmt	*stmt = NULL;
	json_t		*tests;
	char		*cols, *sql;
	int		 rc;

	cols = metric_cols(0);
	sql = xasprintf("SELECT " TEST_FIXED_COLS "%s FROM bench_tests "
	    "WHERE run_id = ? ORDER BY position, name", cols);
	free(cols);
	rc = prepare(st, sql, &stmt);
	free(sql);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(stmt, 1, run_id, -1, SQLITE_TRANSIENT);
	tests = json_array();
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		json_array_append_new(tests, test_row_json(stmt));
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		json_decref(tests);
		return store_errno(rc);
	}
	*testsp = tests;
	return 0;
}

static json_t *
test_for(json_t *tests, const char *name)
{
	json_t	*t;
	size_t	 i;

	json_array_foreach(tests, i, t) {
		if (json_is_string(json_object_get(t, "name")) &&
		    strcmp(json_string_value(json_object_get(t, "name")),
		    name) == 0)
			return t;
	}
	t = json_pack("{s:s, s:n, s:n, s:n, s:n, s:i}", "name", name, "kind",
	    "position", "n_prompt", "n_gen", "n", 0);
	json_array_append_new(tests, t);
	return t;
}

/* Attach each sample to its test in tests. */
static int
samples_attach(struct store *st, const char *run_id, json_t *tests)
{
	sqlite3_stmt		*stmt = NULL;
	struct bench_sample	 s;
	json_t			*t, *arr;
	char			 test[256];
	size_t			 i;
	int			 rc;

	if ((rc = prepare(st, "SELECT " SAMPLE_COLS " FROM bench_samples "
	    "WHERE run_id = ? ORDER BY id", &stmt)) != 0)
		return rc;
	sqlite3_bind_text(stmt, 1, run_id, -1, SQLITE_TRANSIENT);
	json_array_foreach(tests, i, t)
		json_object_set_new(t, "samples", json_array());
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		bench_stats_sample_init(&s);
		col_buf(stmt, 0, test, sizeof(test));
		s.repetition = (int)sqlite3_column_int64(stmt, 1);
		s.attempt = (int)sqlite3_column_int64(stmt, 2);
		s.is_warmup = sqlite3_column_int64(stmt, 3) != 0;
		s.started_ns = col_i64(stmt, 4);
		s.ttft_ns = col_i64(stmt, 5);
		s.last_token_ns = col_i64(stmt, 6);
		s.e2e_ns = col_i64(stmt, 7);
		s.chunks = (int)sqlite3_column_int64(stmt, 8);
		s.prompt_eval_count = col_i64(stmt, 9);
		s.prompt_eval_duration_ns = col_i64(stmt, 10);
		s.prompt_cached_count = col_i64(stmt, 11);
		s.eval_count = col_i64(stmt, 12);
		s.eval_duration_ns = col_i64(stmt, 13);
		s.load_duration_ns = col_i64(stmt, 14);
		s.total_duration_ns = col_i64(stmt, 15);
		col_buf(stmt, 16, s.done_reason, sizeof(s.done_reason));
		s.flags = (unsigned)sqlite3_column_int64(stmt, 17);
		col_buf(stmt, 18, s.error, sizeof(s.error));
		t = test_for(tests, test);
		arr = json_object_get(t, "samples");
		if (arr == NULL) {
			arr = json_array();
			json_object_set_new(t, "samples", arr);
		}
		json_array_append_new(arr, bench_stats_sample_json(&s));
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : store_errno(rc);
}

/* Post-process a bench_runs row object. */
static void
run_fixup(json_t *run)
{
	const json_t	*opt;
	json_t		*parsed;

	opt = json_object_get(run, "options");
	if (json_is_string(opt)) {
		parsed = json_loads(json_string_value(opt), 0, NULL);
		if (parsed != NULL)
			json_object_set_new(run, "options", parsed);
	}
	add_iso(run, "created_ns", "created_at");
	add_iso(run, "started_ns", "started_at");
	add_iso(run, "finished_ns", "finished_at");
}

/* One run with its tests (and samples). */
int
store_bench_run_get(struct store *st, const char *id, int with_samples,
    json_t **runp)
{
	sqlite3_stmt	*stmt = NULL;
	json_t		*run = NULL, *tests = NULL;
	int		 rc;

	if (id == NULL)
		return -EINVAL;
	if ((rc = prepare(st, "SELECT * FROM bench_runs WHERE id = ?",
	    &stmt)) != 0)
		return rc;
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		run = row_json(stmt);
	sqlite3_finalize(stmt);
	if (rc == SQLITE_DONE)
		return -ENOENT;
	if (run == NULL)
		return store_errno(rc);
	run_fixup(run);
	if ((rc = tests_json(st, id, &tests)) != 0)
		goto fail;
	json_object_set_new(run, "tests", tests);
	if (with_samples && (rc = samples_attach(st, id, tests)) != 0)
		goto fail;
	*runp = run;
	return 0;
fail:
	json_decref(run);
	return rc;
}

/* Runs newest first, with their tests. */
int
store_bench_run_list(struct store *st, const char *model, int limit,
    json_t **runsp)
{
	sqlite3_stmt	*stmt = NULL;
	json_t		*runs, *run, *tests;
	size_t		 i;
	int		 rc;

	if ((rc = prepare(st, "SELECT * FROM bench_runs WHERE (?1 IS NULL OR "
	    "model = ?1) ORDER BY created_ns DESC, id DESC LIMIT ?2",
	    &stmt)) != 0)
		return rc;
	if (model != NULL)
		sqlite3_bind_text(stmt, 1, model, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(stmt, 2, limit > 0 ? limit : -1);
	runs = json_array();
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		run = row_json(stmt);
		run_fixup(run);
		json_array_append_new(runs, run);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		rc = store_errno(rc);
		goto fail;
	}
	json_array_foreach(runs, i, run) {
		rc = tests_json(st, json_string_value(json_object_get(run,
		    "id")), &tests);
		if (rc != 0)
			goto fail;
		json_object_set_new(run, "tests", tests);
	}
	*runsp = runs;
	return 0;
fail:
	json_decref(runs);
	return rc;
}

/* Delete one run. */
int
store_bench_run_delete(struct store *st, const char *id)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if (id == NULL)
		return -EINVAL;
	if ((rc = prepare(st, "DELETE FROM bench_runs WHERE id = ?",
	    &stmt)) != 0)
		return rc;
	sqlite3_bind_text(stmt, 1, id, -1, SQLITE_TRANSIENT);
	if ((rc = step_done(st, stmt)) == 0 && sqlite3_changes(st->db) == 0)
		rc = -ENOENT;
	sqlite3_finalize(stmt);
	return rc;
}

static int
delete_before(struct store *st, const char *sql, int64_t cutoff_ns, int *np)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = prepare(st, sql, &stmt)) != 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, cutoff_ns);
	if ((rc = step_done(st, stmt)) == 0)
		*np = sqlite3_changes(st->db);
	sqlite3_finalize(stmt);
	return rc;
}

/* Delete history older than cutoff_ns. */
int
store_bench_prune(struct store *st, int64_t cutoff_ns, int *nrunsp,
    int *nsessionsp)
{
	int	rc, nruns = 0, nsessions = 0;

	if ((rc = store_begin(st)) != 0)
		return rc;
	if ((rc = delete_before(st, "DELETE FROM bench_runs WHERE "
	    "created_ns < ? AND state NOT IN ('queued', 'running')",
	    cutoff_ns, &nruns)) != 0 ||
	    (rc = delete_before(st, "DELETE FROM sessions WHERE start_ns < ?",
	    cutoff_ns, &nsessions)) != 0 ||
	    (rc = store_commit(st)) != 0) {
		store_rollback(st);
		return rc;
	}
	if (nrunsp != NULL)
		*nrunsp = nruns;
	if (nsessionsp != NULL)
		*nsessionsp = nsessions;
	return 0;
}

/* Delete all finished runs and every session. */
int
store_bench_delete_all(struct store *st, int *nrunsp, int *nsessionsp)
{
	return store_bench_prune(st, INT64_MAX, nrunsp, nsessionsp);
}

/* Insert a proxied generation. */
int
store_bench_session_insert(struct store *st,
    const struct store_bench_session *s, int64_t *idp)
{
	sqlite3_stmt	*stmt = NULL;
	struct binder	 b;
	int		 rc;

	if (s->model == NULL || s->route == NULL || s->start_ns < 0)
		return -EINVAL;
	if ((rc = prepare(st, "INSERT INTO sessions (model, digest, route, "
	    "user_agent, start_ns, end_ns, ttft_ns, prompt_eval_count, "
	    "prompt_eval_duration_ns, eval_count, eval_duration_ns, load_ns, "
	    "done_reason, error, peak_memory_bytes, prompt_text, output_text, "
	    "kind, counts_source, input_count) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    &stmt)) != 0)
		return rc;
	b_init(&b, stmt);
	b_text(&b, s->model);
	b_text(&b, s->digest);
	b_text(&b, s->route);
	b_text(&b, s->user_agent);
	b_i64(&b, s->start_ns);
	b_i64(&b, s->end_ns);
	b_i64(&b, s->ttft_ns);
	b_i64(&b, s->prompt_eval_count);
	b_i64(&b, s->prompt_eval_duration_ns);
	b_i64(&b, s->eval_count);
	b_i64(&b, s->eval_duration_ns);
	b_i64(&b, s->load_ns);
	b_text(&b, s->done_reason);
	b_text(&b, s->error);
	b_i64(&b, s->peak_memory_bytes);
	b_text(&b, s->prompt_text);
	b_text(&b, s->output_text);
	b_text(&b, s->kind != NULL ? s->kind : "generate");
	b_text(&b, s->counts_source);
	b_i64(&b, s->input_count);
	if ((rc = bind_done(st, &b)) == 0 &&
	    (rc = step_done(st, stmt)) == 0 && idp != NULL)
		*idp = (int64_t)sqlite3_last_insert_rowid(st->db);
	sqlite3_finalize(stmt);
	return rc;
}

static int64_t
get_i64(const json_t *o, const char *key)
{
	const json_t	*v;

	v = json_object_get(o, key);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

/* Sessions newest first. */
int
store_bench_session_list(struct store *st, const char *model,
    int64_t since_ns, int limit, json_t **sessionsp)
{
	sqlite3_stmt		*stmt = NULL;
	struct bench_sample	 smp;
	struct bench_figures	 f;
	json_t			*list, *o;
	int			 rc;

	if ((rc = prepare(st, "SELECT * FROM sessions WHERE (?1 IS NULL OR "
	    "model = ?1) AND start_ns >= ?2 ORDER BY start_ns DESC, id DESC "
	    "LIMIT ?3", &stmt)) != 0)
		return rc;
	if (model != NULL)
		sqlite3_bind_text(stmt, 1, model, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 2, since_ns > 0 ? since_ns : INT64_MIN);
	sqlite3_bind_int(stmt, 3, limit > 0 ? limit : -1);
	list = json_array();
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		o = row_json(stmt);
		bench_stats_sample_init(&smp);
		smp.prompt_eval_count = get_i64(o, "prompt_eval_count");
		smp.prompt_eval_duration_ns = get_i64(o,
		    "prompt_eval_duration_ns");
		smp.eval_count = get_i64(o, "eval_count");
		smp.eval_duration_ns = get_i64(o, "eval_duration_ns");
		bench_stats_figures(&smp, &f);
		json_object_set_new(o, "gen_tps",
		    bench_stats_real_json(f.v[BENCH_METRIC_GEN_TPS]));
		json_object_set_new(o, "prompt_tps",
		    bench_stats_real_json(f.v[BENCH_METRIC_PROMPT_TPS]));
		add_iso(o, "start_ns", "start_at");
		json_array_append_new(list, o);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		json_decref(list);
		return store_errno(rc);
	}
	*sessionsp = list;
	return 0;
}
