/* SPDX-License-Identifier: ISC */
/*
 * api_bench.c: /v1/benchmarks (start, list, show, cancel or delete, export,
 * compare) and DELETE /v1/history. Runs are started on the loop (bench.c);
 * stored runs are read from the store on the loop as well.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_export.h"
#include "bench_stats.h"
#include "http.h"
#include "mlxd.h"
#include "router.h"
#include "store_bench.h"

struct api_bench_call {
	struct mlxd	*md;
	const json_t	*req;
	const char	*id, *id2, *model;
	int		 limit;
	json_t		*out, *out2;
	char		*cause, *run_id, *job_id;
	int		 rc, nruns, nsess;
};

/* An error about run id: a missing one is named. */
static void
api_bench_fail(struct router_req *req, int rc, const char *id)
{
	if (rc == -ENOENT)
		router_reply_error(req, 404, "not_found", "benchmark '%s' not "
		    "found (mlxctl bench list shows the runs)", id);
	else
		router_reply_errno(req, rc, "benchmark");
}

static void
api_bench_start_run(void *arg)
{
	struct api_bench_call	*c = arg;

	c->rc = bench_run(c->md->bench, c->req, &c->run_id, &c->job_id,
	    &c->cause);
}

static void
api_bench_start(struct router_req *req)
{
	struct api_bench_call	c;
	int			rc;

	static const char *const keys[] = { "model", "suite", "prompts",
	    "repetitions", "warmup", "num_predict", "num_ctx", "seed", NULL };

	if (router_check_keys(req, req->json, keys) != 0)
		return;
	memset(&c, 0, sizeof(c));
	c.md = req->md;
	c.req = req->json;
	if ((rc = http_loop_call(req->md->http, api_bench_start_run, &c)) != 0) {
		router_reply_errno(req, rc, "benchmarks");
		return;
	}
	if (c.rc == -EBUSY)
		router_reply_error(req, 409, "busy", "%s", c.cause);
	else if (c.rc != 0)
		router_reply_error(req, 400, "bad_request", "%s", c.cause ?
		    c.cause : "invalid benchmark request");
	else
		router_reply_json(req, 202, json_pack("{s:s, s:s, s:s}", "id",
		    c.run_id, "job", c.job_id, "state", "running"));
	free(c.cause);
	free(c.run_id);
	free(c.job_id);
}

static void
api_bench_list_run(void *arg)
{
	struct api_bench_call	*c = arg;

	c->rc = store_bench_run_list(c->md->store, c->model, c->limit, &c->out);
}

static void
api_bench_list(struct router_req *req)
{
	struct api_bench_call	 c;
	int			 rc;

	memset(&c, 0, sizeof(c));
	c.md = req->md;
	c.model = router_query(req, "model");
	if (router_query_int(req, "limit", 50, 1, 10000, &c.limit) != 0)
		return;
	if ((rc = http_loop_call(req->md->http, api_bench_list_run, &c)) != 0 ||
	    (rc = c.rc) != 0) {
		router_reply_errno(req, rc, "benchmarks");
		return;
	}
	router_reply_json(req, 200, json_pack("{s:o}", "benchmarks", c.out));
}

static void
api_bench_get_run(void *arg)
{
	struct api_bench_call	*c = arg;

	c->rc = store_bench_run_get(c->md->store, c->id, 1, &c->out);
	if (c->rc == 0)
		c->out2 = bench_progress_json(c->md->bench, c->id);
}

static void
api_bench_get(struct router_req *req)
{
	struct api_bench_call	c;
	int			rc;

	memset(&c, 0, sizeof(c));
	c.md = req->md;
	c.id = req->params[0];
	if ((rc = http_loop_call(req->md->http, api_bench_get_run, &c)) != 0 ||
	    (rc = c.rc) != 0) {
		api_bench_fail(req, rc, c.id);
		return;
	}
	json_object_set_new(c.out, "progress", c.out2 != NULL ? c.out2 :
	    json_null());
	router_reply_json(req, 200, c.out);
}

static void
api_bench_delete_run(void *arg)
{
	struct api_bench_call	*c = arg;

	/* The active run is cancelled; a finished one is deleted. */
	if (bench_cancel(c->md->bench, c->id) == 0) {
		c->rc = 1;
		return;
	}
	c->rc = store_bench_run_delete(c->md->store, c->id);
}

static void
api_bench_delete(struct router_req *req)
{
	struct api_bench_call	c;
	int			rc;

	memset(&c, 0, sizeof(c));
	c.md = req->md;
	c.id = req->params[0];
	if ((rc = http_loop_call(req->md->http, api_bench_delete_run, &c)) !=
	    0 || (rc = c.rc) < 0) {
		api_bench_fail(req, rc, c.id);
		return;
	}
	router_reply_json(req, c.rc == 1 ? 202 : 200, json_pack("{s:s, s:s}",
	    "id", c.id, "state", c.rc == 1 ? "cancelled" : "deleted"));
}

static void
api_bench_export(struct router_req *req)
{
	struct api_bench_call		 c;
	enum bench_export_format	 fmt;
	const char			*f = router_query(req, "format");
	char				*text = NULL;
	json_t				*runs;
	int				 rc;

	if (bench_export_format_parse(f != NULL ? f : "json", &fmt) != 0) {
		router_reply_error(req, 400, "bad_request", "format: '%s' is "
		    "not json, llama-bench, csv or md", f);
		return;
	}
	memset(&c, 0, sizeof(c));
	c.md = req->md;
	c.id = req->params[0];
	if ((rc = http_loop_call(req->md->http, api_bench_get_run, &c)) != 0 ||
	    (rc = c.rc) != 0) {
		api_bench_fail(req, rc, c.id);
		return;
	}
	json_decref(c.out2);
	runs = json_pack("[o]", c.out);
	rc = bench_export(runs, fmt, &text);
	json_decref(runs);
	if (rc != 0) {
		router_reply_errno(req, rc, "export");
		return;
	}
	router_reply_data(req, 200, fmt == BENCH_EXPORT_CSV ?
	    "text/csv; charset=utf-8" : fmt == BENCH_EXPORT_MD ?
	    "text/markdown; charset=utf-8" : "application/json", text,
	    strlen(text));
	free(text);
}

static void
api_bench_compare_run(void *arg)
{
	struct api_bench_call	*c = arg;

	if ((c->rc = store_bench_run_get(c->md->store, c->id, 0, &c->out)) ==
	    0 && (c->rc = store_bench_run_get(c->md->store, c->id2, 0,
	    &c->out2)) != 0) {
		json_decref(c->out);
		c->out = NULL;
		c->id = c->id2;		/* the one that failed, for the error */
	}
}

/* One word for the whole comparison: any test regressed wins. */
static const char *
api_bench_overall(const json_t *tests)
{
	const json_t	*t;
	const char	*v;
	size_t		 i;
	int		 better = 0, ok = 0;

	json_array_foreach(tests, i, t) {
		v = json_string_value(json_object_get(t, "verdict"));
		if (v == NULL)
			continue;
		if (strcmp(v, "regression") == 0)
			return "regression";
		if (strcmp(v, "improvement") == 0)
			better = 1;
		if (strcmp(v, "insufficient data") != 0)
			ok = 1;
	}
	return better ? "improvement" : ok ? "no change" :
	    "insufficient data";
}

static void
api_bench_compare(struct router_req *req)
{
	struct api_bench_call	 c;
	json_t			*cmp;
	const char		*f = router_query(req, "format");
	char			*text = NULL;
	int			 rc;

	memset(&c, 0, sizeof(c));
	c.md = req->md;
	c.id = router_query(req, "base");
	c.id2 = router_query(req, "candidate");
	if (c.id == NULL || c.id2 == NULL) {
		router_reply_error(req, 400, "bad_request", "base and "
		    "candidate (run ids) are required");
		return;
	}
	if (f != NULL && strcmp(f, "json") != 0 && strcmp(f, "md") != 0 &&
	    strcmp(f, "csv") != 0) {
		router_reply_error(req, 400, "bad_request", "format: '%s' is "
		    "not json, csv or md", f);
		return;
	}
	if ((rc = http_loop_call(req->md->http, api_bench_compare_run, &c)) !=
	    0 || (rc = c.rc) != 0) {
		api_bench_fail(req, rc, c.id);
		return;
	}
	cmp = bench_stats_compare_runs(c.out, c.out2);
	json_decref(c.out);
	json_decref(c.out2);
	if (cmp == NULL) {
		router_reply_error(req, 500, "internal", "cannot compare");
		return;
	}
	json_object_set_new(cmp, "verdict", json_string(
	    api_bench_overall(json_object_get(cmp, "tests"))));
	if (f == NULL || strcmp(f, "json") == 0) {
		router_reply_json(req, 200, cmp);
		return;
	}
	rc = strcmp(f, "md") == 0 ? bench_export_compare_md(cmp, &text) :
	    bench_export_compare_csv(cmp, &text);
	json_decref(cmp);
	if (rc != 0) {
		router_reply_errno(req, rc, "compare");
		return;
	}
	router_reply_data(req, 200, strcmp(f, "md") == 0 ?
	    "text/markdown; charset=utf-8" : "text/csv; charset=utf-8", text,
	    strlen(text));
	free(text);
}

static void
api_history_delete_run(void *arg)
{
	struct api_bench_call	*c = arg;

	c->rc = store_bench_delete_all(c->md->store, &c->nruns, &c->nsess);
}

static void
api_history_delete(struct router_req *req)
{
	struct api_bench_call	c;
	int			rc;

	memset(&c, 0, sizeof(c));
	c.md = req->md;
	if ((rc = http_loop_call(req->md->http, api_history_delete_run, &c)) !=
	    0 || (rc = c.rc) != 0) {
		router_reply_errno(req, rc, "history");
		return;
	}
	router_reply_json(req, 200, json_pack("{s:i, s:i}",
	    "deleted_benchmarks", c.nruns, "deleted_sessions", c.nsess));
}

const struct route api_bench_routes[] = {
	{ "POST", "/v1/benchmarks", api_bench_start, ROUTE_JSON_BODY },
	{ "GET", "/v1/benchmarks", api_bench_list, 0 },
	{ "GET", "/v1/benchmarks/compare", api_bench_compare, 0 },
	{ "GET", "/v1/benchmarks/{id}", api_bench_get, 0 },
	{ "DELETE", "/v1/benchmarks/{id}", api_bench_delete, 0 },
	{ "GET", "/v1/benchmarks/{id}/export", api_bench_export, 0 },
	{ "DELETE", "/v1/history", api_history_delete, 0 },
	{ NULL, NULL, NULL, 0 }
};
