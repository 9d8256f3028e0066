/* SPDX-License-Identifier: ISC */
/*
 * bench.c: benchmarks (/v1/benchmarks): start, follow, cancel, delete,
 * list, export and compare runs.
 *
 * The daemon runs one benchmark at a time and answers 202 with the new
 * run's id; a run's progress is read back from GET /v1/benchmarks/{id}.
 * Every figure is the daemon's: this file only turns its JSON into the
 * structs of <mlxd/mlxd.h>, with NAN and MLXD_NULL_INT64 for what it sent
 * as null. Run ids go into paths percent-encoded, so any id the daemon
 * handed out can be passed back.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <mlxd/mlxd.h>

#include "sdk.h"

/* Longest request path built here. */
#define BENCH_PATH_MAX	1024

struct bench_run_reply {
	struct mlxd_bench_run		 pub;
	struct reply			 r;
	struct mlxd_bench_progress	 progress;
};

struct bench_list_reply {
	struct mlxd_bench_list		 pub;
	struct reply			 r;
	struct mlxd_bench_progress	*progress;	/* one per run */
};

struct bench_compare_reply {
	struct mlxd_bench_compare	 pub;
	struct reply			 r;
};

/* Append literal text to buf. */
static int
bench_append(char *buf, size_t len, size_t *offp, const char *s)
{
	size_t	 n = strlen(s);

	if (n >= len - *offp)
		return -ENAMETOOLONG;
	memcpy(buf + *offp, s, n + 1);
	*offp += n;
	return 0;
}

/* "/v1/benchmarks/<id><suffix>" into buf. */
static int
bench_path(char *buf, size_t len, const char *id, const char *suffix)
{
	size_t	 off = 0;
	int	 rc;

	if (id == NULL || *id == '\0')
		return -EINVAL;
	if ((rc = bench_append(buf, len, &off, "/v1/benchmarks/")) != 0 ||
	    (rc = reply_escape(buf, len, &off, id)) != 0 ||
	    (rc = bench_append(buf, len, &off, suffix)) != 0)
		return rc;
	return 0;
}

static double
bench_real(const json_t *obj, const char *key)
{
	const json_t	*v = json_object_get(obj, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/*
 * Send one request and require a 2xx reply: its body goes to *bodyp and
 * *lenp (both optional). Any other status is MLXD_EAPI with the daemon's
 * message kept on the client.
 */
static int
bench_call(struct mlxd_client *c, const char *method, const char *path,
    const char *body, int *statusp, char **bodyp, size_t *lenp)
{
	char	*reply = NULL;
	size_t	 len = 0;
	int	 status = 0, rc;

	if ((rc = mlxd_request(c, method, path, body,
	    body != NULL ? strlen(body) : 0, &status, &reply, &len)) != 0)
		return rc;
	if (statusp != NULL)
		*statusp = status;
	if (status < 200 || status > 299) {
		free(reply);
		return MLXD_EAPI;
	}
	if (lenp != NULL)
		*lenp = len;
	if (bodyp != NULL)
		*bodyp = reply;
	else
		free(reply);
	return 0;
}

/* Leave every field of a request to the daemon. */
void
mlxd_bench_request_init_size(struct mlxd_bench_request *req, size_t size)
{
	struct mlxd_bench_request	full;

	memset(&full, 0, sizeof full);
	full.repetitions = MLXD_NULL_INT64;
	full.warmup = MLXD_NULL_INT64;
	full.num_predict = MLXD_NULL_INT64;
	full.num_ctx = MLXD_NULL_INT64;
	full.seed = MLXD_NULL_INT64;
	full.size = size;
	/* A newer program's larger struct: its extra members are zero. */
	if (size > sizeof full) {
		memset(req, 0, size);
		size = sizeof full;
	}
	memcpy(req, &full, size);
}

static int
bench_set_int(json_t *o, const char *key, int64_t v)
{
	if (v == MLXD_NULL_INT64)
		return 0;
	return json_object_set_new(o, key, json_integer((json_int_t)v)) == 0 ?
	    0 : -ENOMEM;
}

/* The POST body of req as JSON text in *bodyp. */
static int
bench_request_body(const struct mlxd_bench_request *req, char **bodyp)
{
	json_t	*o, *prompts = NULL;
	char	*body = NULL;
	size_t	 i;
	int	 rc = -ENOMEM;

	if ((o = json_object()) == NULL)
		return -ENOMEM;
	if (json_object_set_new(o, "model", json_string(req->model)) != 0 ||
	    (req->suite != NULL && json_object_set_new(o, "suite",
	    json_string(req->suite)) != 0))
		goto out;
	if ((rc = bench_set_int(o, "repetitions", req->repetitions)) != 0 ||
	    (rc = bench_set_int(o, "warmup", req->warmup)) != 0 ||
	    (rc = bench_set_int(o, "num_predict", req->num_predict)) != 0 ||
	    (rc = bench_set_int(o, "num_ctx", req->num_ctx)) != 0 ||
	    (rc = bench_set_int(o, "seed", req->seed)) != 0)
		goto out;
	rc = -ENOMEM;
	if (req->nprompts > 0) {
		if ((prompts = json_array()) == NULL)
			goto out;
		for (i = 0; i < req->nprompts; i++) {
			if (req->prompts[i] == NULL) {
				rc = -EINVAL;
				goto out;
			}
			if (json_array_append_new(prompts,
			    json_string(req->prompts[i])) != 0)
				goto out;
		}
		if (json_object_set_new(o, "prompts", prompts) != 0) {
			prompts = NULL;
			goto out;
		}
		prompts = NULL;
	}
	if ((rc = reply_dump(o, &body)) != 0)
		goto out;
	*bodyp = body;
out:
	json_decref(prompts);
	json_decref(o);
	return rc;
}

/* Start a benchmark from a JSON body. */
int
mlxd_bench_start_json(struct mlxd_client *c, const char *json_body,
    char **idp)
{
	json_t		*root = NULL;
	const char	*id;
	char		*reply = NULL, *copy;
	size_t		 len = 0;
	int		 rc;

	if (c == NULL || json_body == NULL || idp == NULL)
		return -EINVAL;
	if ((rc = bench_call(c, "POST", "/v1/benchmarks", json_body, NULL,
	    &reply, &len)) != 0)
		return rc;
	if ((root = json_loadb(reply, len, 0, NULL)) == NULL ||
	    (id = reply_string(root, "id")) == NULL) {
		client_set_error(c, "no run id in the reply to POST "
		    "/v1/benchmarks");
		rc = MLXD_EPROTO;
		goto out;
	}
	if ((copy = strdup(id)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	*idp = copy;
out:
	json_decref(root);
	free(reply);
	return rc;
}

/* Start a benchmark described by a struct. */
int
mlxd_bench_start(struct mlxd_client *c, const struct mlxd_bench_request *req,
    char **idp)
{
	struct mlxd_bench_request	 full;
	char				*body = NULL;
	int				 rc;

	if (c == NULL || req == NULL || idp == NULL ||
	    !MLXD_HAS_MEMBER(req, struct mlxd_bench_request, model))
		return -EINVAL;
	/* Read no byte past the caller's size; later members keep defaults. */
	mlxd_bench_request_init_size(&full, sizeof full);
	memcpy(&full, req, req->size < sizeof full ? req->size : sizeof full);
	full.size = sizeof full;
	req = &full;
	if (req->model == NULL || (req->nprompts > 0 && req->prompts == NULL))
		return -EINVAL;
	if ((rc = bench_request_body(req, &body)) != 0)
		return rc;
	rc = mlxd_bench_start_json(c, body, idp);
	free(body);
	return rc;
}

static void
bench_stat_parse(const json_t *o, struct mlxd_bench_stat *st)
{
	st->n = reply_int(o, "n");
	st->mean = bench_real(o, "mean");
	st->sd = bench_real(o, "sd");
	st->median = bench_real(o, "median");
	st->min = bench_real(o, "min");
	st->max = bench_real(o, "max");
	st->p95 = bench_real(o, "p95");
	st->cv = bench_real(o, "cv");
}

static void
bench_test_parse(const json_t *o, struct mlxd_bench_test *t)
{
	t->name = reply_string(o, "name");
	t->kind = reply_string(o, "kind");
	t->n_prompt = reply_int(o, "n_prompt");
	t->n_gen = reply_int(o, "n_gen");
	t->n = reply_int(o, "n");
	t->n_samples = reply_int(o, "n_samples");
	t->n_flagged = reply_int(o, "n_flagged");
	t->n_errors = reply_int(o, "n_errors");
	t->avg_prompt_tokens = bench_real(o, "avg_prompt_tokens");
	t->avg_eval_tokens = bench_real(o, "avg_eval_tokens");
	bench_stat_parse(json_object_get(o, "gen_tps"), &t->gen_tps);
	bench_stat_parse(json_object_get(o, "prompt_tps"), &t->prompt_tps);
	bench_stat_parse(json_object_get(o, "ttft_ms"), &t->ttft_ms);
	bench_stat_parse(json_object_get(o, "itl_ms"), &t->itl_ms);
	bench_stat_parse(json_object_get(o, "load_s"), &t->load_s);
	bench_stat_parse(json_object_get(o, "e2e_s"), &t->e2e_s);
	/* As the daemon's exports: prefill rate for ppN, else generation. */
	if (t->kind != NULL && strcmp(t->kind, "pp") == 0) {
		t->metric = "prompt_tps";
		t->headline = &t->prompt_tps;
	} else {
		t->metric = "gen_tps";
		t->headline = &t->gen_tps;
	}
}

static void
bench_progress_parse(const json_t *o, struct mlxd_bench_progress *p)
{
	p->job = reply_string(o, "job");
	p->step = reply_string(o, "step");
	p->test = reply_string(o, "test");
	p->repetition = reply_int(o, "repetition");
	p->steps_done = reply_int(o, "steps_done");
	p->steps_total = reply_int(o, "steps_total");
	p->percent = bench_real(o, "percent");
	p->eta_s = bench_real(o, "eta_s");
	p->elapsed_s = bench_real(o, "elapsed_s");
}

/*
 * Fill run from the object o (strings borrowed from it); the progress, if
 * any, goes to *prog. Returns 0 or -ENOMEM.
 */
static int
bench_run_parse(const json_t *o, struct mlxd_bench_run *run,
    struct mlxd_bench_progress *prog)
{
	const json_t	*tests, *t, *p;
	size_t		 i, n = 0;

	run->id = reply_string(o, "id");
	run->model = reply_string(o, "model");
	run->digest = reply_string(o, "digest");
	run->quantization = reply_string(o, "quantization");
	run->family = reply_string(o, "family");
	run->parameter_size = reply_string(o, "parameter_size");
	run->n_params = reply_int(o, "n_params");
	run->model_size_bytes = reply_int(o, "model_size_bytes");
	run->ps_size_bytes = reply_int(o, "ps_size_bytes");
	run->ps_vram_bytes = reply_int(o, "ps_vram_bytes");
	run->suite = reply_string(o, "suite");
	run->state = reply_string(o, "state");
	run->error = reply_string(o, "error");
	run->ollama_version = reply_string(o, "ollama_version");
	run->mlxd_version = reply_string(o, "mlxd_version");
	run->chip = reply_string(o, "chip");
	run->os = reply_string(o, "os");
	run->memory_bytes = reply_int(o, "memory_bytes");
	run->peak_memory_bytes = reply_int(o, "peak_memory_bytes");
	run->created_at = reply_string(o, "created_at");
	run->created_at_ms = reply_time(o, "created_at");
	run->finished_at = reply_string(o, "finished_at");
	run->finished_at_ms = reply_time(o, "finished_at");
	if (json_is_object(p = json_object_get(o, "progress"))) {
		bench_progress_parse(p, prog);
		run->progress = prog;
	}
	tests = json_object_get(o, "tests");
	if (!json_is_array(tests))
		return 0;
	if ((run->tests = calloc(json_array_size(tests) + 1,
	    sizeof *run->tests)) == NULL)
		return -ENOMEM;
	json_array_foreach(tests, i, t) {
		if (json_is_object(t))
			bench_test_parse(t, &run->tests[n++]);
	}
	run->ntests = n;
	return 0;
}

static void
bench_run_release(void *p)
{
	mlxd_bench_run_free(&((struct bench_run_reply *)p)->pub);
}

static int
bench_run_fill(void *p, const json_t *root, const char *raw)
{
	struct bench_run_reply	*r = p;

	r->pub.raw_json = raw;
	return bench_run_parse(root, &r->pub, &r->progress);
}

/* Fetch one run. */
int
mlxd_bench_get(struct mlxd_client *c, const char *id,
    struct mlxd_bench_run **runp)
{
	char	 path[BENCH_PATH_MAX];
	void	*r;
	int	 rc;

	if (c == NULL || runp == NULL)
		return -EINVAL;
	if ((rc = bench_path(path, sizeof path, id, "")) != 0)
		return rc;
	if ((rc = CALL_GET(c, path, struct bench_run_reply, bench_run_fill,
	    bench_run_release, &r)) != 0)
		return rc;
	*runp = &((struct bench_run_reply *)r)->pub;
	return 0;
}

/* Free a reply of mlxd_bench_get(). */
void
mlxd_bench_run_free(struct mlxd_bench_run *run)
{
	struct bench_run_reply	*r = (struct bench_run_reply *)run;

	if (r == NULL)
		return;
	free(r->pub.tests);
	reply_clear(&r->r);
	free(r);
}

/* Has the run ended? */
bool
mlxd_bench_finished(const struct mlxd_bench_run *run)
{
	const char	*s = run != NULL ? run->state : NULL;

	return s != NULL && (strcmp(s, "done") == 0 ||
	    strcmp(s, "failed") == 0 || strcmp(s, "cancelled") == 0 ||
	    strcmp(s, "interrupted") == 0);
}

/* Cancel a running run through its job. */
int
mlxd_bench_cancel(struct mlxd_client *c, const char *id)
{
	struct mlxd_bench_run	*run = NULL;
	char			 path[BENCH_PATH_MAX];
	size_t			 off = 0;
	int			 status = 0, rc;

	if (c == NULL || id == NULL)
		return -EINVAL;
	if ((rc = mlxd_bench_get(c, id, &run)) != 0)
		return rc;
	if (mlxd_bench_finished(run)) {
		rc = -EALREADY;
		goto out;
	}
	if (run->progress != NULL && run->progress->job != NULL) {
		if ((rc = bench_append(path, sizeof path, &off,
		    "/v1/jobs/")) != 0 ||
		    (rc = reply_escape(path, sizeof path, &off,
		    run->progress->job)) != 0)
			goto out;
	} else if ((rc = bench_path(path, sizeof path, id, "")) != 0)
		goto out;
	rc = bench_call(c, "DELETE", path, NULL, &status, NULL, NULL);
	/* 409: the job ended between the two requests. */
	if (rc == MLXD_EAPI && status == 409)
		rc = -EALREADY;
out:
	mlxd_bench_run_free(run);
	return rc;
}

/* Delete a stored run (a running one is cancelled instead). */
int
mlxd_bench_delete(struct mlxd_client *c, const char *id)
{
	char	 path[BENCH_PATH_MAX];
	int	 rc;

	if (c == NULL)
		return -EINVAL;
	if ((rc = bench_path(path, sizeof path, id, "")) != 0)
		return rc;
	return bench_call(c, "DELETE", path, NULL, NULL, NULL, NULL);
}

static void
bench_list_clear(struct mlxd_bench_run *runs, size_t n)
{
	size_t	 i;

	if (runs == NULL)
		return;
	for (i = 0; i < n; i++)
		free(runs[i].tests);
	free(runs);
}

static void
bench_list_release(void *p)
{
	mlxd_bench_list_free(&((struct bench_list_reply *)p)->pub);
}

static int
bench_list_fill(void *p, const json_t *root, const char *raw)
{
	struct bench_list_reply	*r = p;
	const json_t		*arr, *o;
	size_t			 i, n = 0;
	int			 rc;

	r->pub.raw_json = raw;
	arr = json_object_get(root, "benchmarks");
	if (json_array_size(arr) == 0)
		return 0;
	if ((r->pub.runs = calloc(json_array_size(arr),
	    sizeof *r->pub.runs)) == NULL ||
	    (r->progress = calloc(json_array_size(arr),
	    sizeof *r->progress)) == NULL)
		return -ENOMEM;
	json_array_foreach(arr, i, o) {
		if (!json_is_object(o))
			continue;
		rc = bench_run_parse(o, &r->pub.runs[n], &r->progress[n]);
		n++;
		r->pub.nruns = n;
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* List stored runs. */
int
mlxd_bench_list(struct mlxd_client *c, const char *model, int limit,
    struct mlxd_bench_list **lp)
{
	char	 path[BENCH_PATH_MAX], num[32];
	size_t	 off = 0;
	void	*r;
	int	 rc;

	if (c == NULL || lp == NULL || limit < 0 || limit > 10000)
		return -EINVAL;
	if ((rc = bench_append(path, sizeof path, &off,
	    "/v1/benchmarks")) != 0)
		return rc;
	if (model != NULL && ((rc = bench_append(path, sizeof path, &off,
	    "?model=")) != 0 ||
	    (rc = reply_escape(path, sizeof path, &off, model)) != 0))
		return rc;
	if (limit > 0) {
		snprintf(num, sizeof num, "%climit=%d", model != NULL ? '&' :
		    '?', limit);
		if ((rc = bench_append(path, sizeof path, &off, num)) != 0)
			return rc;
	}
	if ((rc = CALL_GET(c, path, struct bench_list_reply, bench_list_fill,
	    bench_list_release, &r)) != 0)
		return rc;
	*lp = &((struct bench_list_reply *)r)->pub;
	return 0;
}

/* Free a reply of mlxd_bench_list(). */
void
mlxd_bench_list_free(struct mlxd_bench_list *l)
{
	struct bench_list_reply	*r = (struct bench_list_reply *)l;

	if (r == NULL)
		return;
	bench_list_clear(r->pub.runs, r->pub.nruns);
	free(r->progress);
	reply_clear(&r->r);
	free(r);
}

/* Export a run as JSON, CSV or Markdown text. */
int
mlxd_bench_export(struct mlxd_client *c, const char *id, const char *format,
    char **textp, size_t *lenp)
{
	char	 path[BENCH_PATH_MAX];
	size_t	 off;
	int	 rc;

	if (c == NULL || textp == NULL)
		return -EINVAL;
	if ((rc = bench_path(path, sizeof path, id, "/export?format=")) != 0)
		return rc;
	off = strlen(path);
	if ((rc = reply_escape(path, sizeof path, &off,
	    format != NULL ? format : "json")) != 0)
		return rc;
	return bench_call(c, "GET", path, NULL, NULL, textp, lenp);
}

static void
bench_delta_parse(const char *metric, const json_t *o,
    struct mlxd_bench_delta *d)
{
	const char	*better = reply_string(o, "better");

	d->metric = metric;
	d->higher_better = better == NULL || strcmp(better, "lower") != 0;
	d->a_mean = bench_real(o, "a_mean");
	d->a_sd = bench_real(o, "a_sd");
	d->a_n = reply_int(o, "a_n");
	d->b_mean = bench_real(o, "b_mean");
	d->b_sd = bench_real(o, "b_sd");
	d->b_n = reply_int(o, "b_n");
	d->delta_pct = bench_real(o, "delta_pct");
	d->z = bench_real(o, "z");
	d->verdict = reply_string(o, "verdict");
}

static int
bench_compare_test_parse(const json_t *o, struct mlxd_bench_compare_test *t)
{
	const json_t	*m;
	json_t		*metrics;
	const char	*key;
	size_t		 n = 0;

	t->name = reply_string(o, "name");
	t->kind = reply_string(o, "kind");
	t->metric = reply_string(o, "metric");
	t->verdict = reply_string(o, "verdict");
	metrics = json_object_get(o, "metrics");
	if (!json_is_object(metrics))
		return 0;
	if ((t->deltas = calloc(json_object_size(metrics) + 1,
	    sizeof *t->deltas)) == NULL)
		return -ENOMEM;
	json_object_foreach(metrics, key, m) {
		if (!json_is_object(m))
			continue;
		bench_delta_parse(key, m, &t->deltas[n]);
		if (t->metric != NULL && strcmp(key, t->metric) == 0)
			t->headline = &t->deltas[n];
		n++;
	}
	t->ndeltas = n;
	return 0;
}

static void
bench_compare_clear(struct mlxd_bench_compare *cmp)
{
	size_t	 i;

	if (cmp->tests != NULL)
		for (i = 0; i < cmp->ntests; i++)
			free(cmp->tests[i].deltas);
	free(cmp->tests);
	free(cmp->changed);
}

static int
bench_compare_parse(const json_t *root, struct mlxd_bench_compare *cmp)
{
	const json_t	*tests, *t, *rule;
	size_t		 i, n = 0;
	int		 rc;

	cmp->base = reply_string(json_object_get(root, "a"), "id");
	cmp->candidate = reply_string(json_object_get(root, "b"), "id");
	cmp->verdict = reply_string(root, "verdict");
	cmp->regression = cmp->verdict != NULL &&
	    strcmp(cmp->verdict, "regression") == 0;
	cmp->comparable = reply_bool(root, "comparable");
	rule = json_object_get(root, "rule");
	cmp->min_pct = bench_real(rule, "min_pct");
	cmp->min_z = bench_real(rule, "min_z");
	if ((rc = reply_strings(root, "changed", &cmp->changed,
	    &cmp->nchanged)) != 0)
		return rc;
	tests = json_object_get(root, "tests");
	if (!json_is_array(tests))
		return 0;
	if ((cmp->tests = calloc(json_array_size(tests) + 1,
	    sizeof *cmp->tests)) == NULL)
		return -ENOMEM;
	json_array_foreach(tests, i, t) {
		if (!json_is_object(t))
			continue;
		rc = bench_compare_test_parse(t, &cmp->tests[n++]);
		cmp->ntests = n;
		if (rc != 0)
			return rc;
	}
	return 0;
}

static void
bench_compare_release(void *p)
{
	mlxd_bench_compare_free(p);
}

static int
bench_compare_fill(void *p, const json_t *root, const char *raw)
{
	struct bench_compare_reply	*r = p;

	r->pub.raw_json = raw;
	return bench_compare_parse(root, &r->pub);
}

/* Compare two runs. */
int
mlxd_bench_compare(struct mlxd_client *c, const char *base,
    const char *candidate, struct mlxd_bench_compare **cmpp)
{
	char	 path[BENCH_PATH_MAX];
	size_t	 off = 0;
	void	*r;
	int	 rc;

	if (c == NULL || cmpp == NULL || base == NULL || *base == '\0' ||
	    candidate == NULL || *candidate == '\0')
		return -EINVAL;
	if ((rc = bench_append(path, sizeof path, &off,
	    "/v1/benchmarks/compare?base=")) != 0 ||
	    (rc = reply_escape(path, sizeof path, &off, base)) != 0 ||
	    (rc = bench_append(path, sizeof path, &off, "&candidate=")) != 0 ||
	    (rc = reply_escape(path, sizeof path, &off, candidate)) != 0)
		return rc;
	if ((rc = CALL_GET(c, path, struct bench_compare_reply,
	    bench_compare_fill, bench_compare_release, &r)) != 0)
		return rc;
	*cmpp = &((struct bench_compare_reply *)r)->pub;
	return 0;
}

/* Free a reply of mlxd_bench_compare(). */
void
mlxd_bench_compare_free(struct mlxd_bench_compare *cmp)
{
	struct bench_compare_reply	*r = (struct bench_compare_reply *)cmp;

	if (r == NULL)
		return;
	bench_compare_clear(&r->pub);
	reply_clear(&r->r);
	free(r);
}
