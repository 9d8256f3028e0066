/* SPDX-License-Identifier: ISC */
/*
 * status.c: GET /v1/status, the daemon's whole state in one reply.
 *
 * The "daemon", "ollama", "system", "generation" and "benchmark" sections
 * are turned into structs; others (cache, ...) reach callers through
 * raw_json until they get structs of their own. Sections may be absent or
 * null (an older daemon, or nothing to report): they are read leniently.
 * mlxd_status_parse() reads the same shape from the `status` events.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include <jansson.h>

#include <mlxd/mlxd.h>

#include "sdk.h"

struct status_reply {
	struct mlxd_status		 pub;
	struct reply			 r;
	struct mlxd_metrics		 system;
	struct mlxd_generation_last	 last;
	struct mlxd_benchmark_progress	 bench;
};

static int
status_small_int(const json_t *obj, const char *key)
{
	int64_t	 v = reply_int(obj, key);

	return v == MLXD_NULL_INT64 || v < -2147483647 || v > 2147483647 ?
	    0 : (int)v;
}

static void
status_daemon(const json_t *d, struct mlxd_status_daemon *sd)
{
	sd->version = reply_string(d, "version");
	sd->api_version = status_small_int(d, "api_version");
	sd->pid = reply_int(d, "pid");
	sd->uptime_s = reply_int(d, "uptime_s");
	sd->started_at = reply_string(d, "started_at");
	sd->started_at_ms = reply_time(d, "started_at");
	sd->socket = reply_string(d, "socket");
	sd->data_dir = reply_string(d, "data_dir");
}

static int
status_ollama(const json_t *o, struct mlxd_status_ollama *so)
{
	so->url = reply_string(o, "url");
	so->connected = reply_bool(o, "connected");
	so->version = reply_string(o, "version");
	so->last_error = reply_string(o, "last_error");
	so->last_ok_at = reply_string(o, "last_ok_at");
	so->last_ok_at_ms = reply_time(o, "last_ok_at");
	return models_running_parse(json_object_get(o, "running"),
	    &so->running, &so->nrunning);
}

static void
status_last(const json_t *o, struct mlxd_generation_last *g)
{
	g->id = reply_int(o, "id");
	g->model = reply_string(o, "model");
	g->route = reply_string(o, "route");
	g->started_at = reply_string(o, "started_at");
	g->started_at_ms = reply_time(o, "started_at");
	g->ended_at = reply_string(o, "ended_at");
	g->ended_at_ms = reply_time(o, "ended_at");
	g->ttft_ms = reply_double(o, "ttft_ms");
	g->prompt_tokens = reply_int(o, "prompt_tokens");
	g->prompt_tokens_per_s = reply_double(o, "prompt_tokens_per_s");
	g->tokens = reply_int(o, "tokens");
	g->tokens_per_s = reply_double(o, "tokens_per_s");
	g->load_ms = reply_double(o, "load_ms");
	g->total_ms = reply_double(o, "total_ms");
	g->done_reason = reply_string(o, "done_reason");
	g->error = reply_string(o, "error");
}

static int
status_generation(const json_t *gen, struct status_reply *r)
{
	struct mlxd_status_generation	*sg = &r->pub.generation;
	struct mlxd_generation		*a;
	const json_t			*arr, *o;
	size_t				 i;

	if (!json_is_object(gen))
		return 0;
	sg->present = true;
	if (json_is_object(o = json_object_get(gen, "last"))) {
		status_last(o, &r->last);
		sg->last = &r->last;
	}
	if (!json_is_array(arr = json_object_get(gen, "active")))
		return 0;
	if ((sg->active = calloc(json_array_size(arr) + 1,
	    sizeof *sg->active)) == NULL)
		return -ENOMEM;
	for (i = 0; i < json_array_size(arr); i++) {
		if (!json_is_object(o = json_array_get(arr, i)))
			continue;
		a = &sg->active[sg->nactive++];
		a->id = reply_int(o, "id");
		a->model = reply_string(o, "model");
		a->route = reply_string(o, "route");
		a->client = reply_string(o, "client");
		a->started_at = reply_string(o, "started_at");
		a->started_at_ms = reply_time(o, "started_at");
		a->chunks = reply_int(o, "chunks");
		a->tokens_per_s = reply_double(o, "tokens_per_s");
		a->ttft_ms = reply_double(o, "ttft_ms");
	}
	return 0;
}

static void
status_benchmark(const json_t *bench, struct status_reply *r)
{
	struct mlxd_benchmark_progress	*b = &r->bench;
	const json_t			*o;

	if (!json_is_object(bench))
		return;
	r->pub.benchmark.present = true;
	if (!json_is_object(o = json_object_get(bench, "active")))
		return;
	b->id = reply_string(o, "id");
	b->model = reply_string(o, "model");
	b->suite = reply_string(o, "suite");
	b->state = reply_string(o, "state");
	b->step = reply_string(o, "step");
	b->percent = reply_double(o, "percent");
	b->eta_s = reply_double(o, "eta_s");
	b->test = reply_string(o, "test");
	b->repetition = reply_int(o, "repetition");
	r->pub.benchmark.active = b;
}

/* Free a reply of mlxd_status(). */
void
mlxd_status_free(struct mlxd_status *st)
{
	struct status_reply	*r = (struct status_reply *)st;

	if (r == NULL)
		return;
	models_running_free(r->pub.ollama.running, r->pub.ollama.nrunning);
	free(r->pub.generation.active);
	reply_clear(&r->r);
	free(r);
}

static void
status_release(void *p)
{
	mlxd_status_free(&((struct status_reply *)p)->pub);
}

/* Fill a status reply from the parsed snapshot. */
static int
status_fill(void *p, const json_t *root, const char *raw)
{
	struct status_reply	*r = p;
	const json_t		*sys;
	int			 rc;

	r->pub.raw_json = raw;
	if ((rc = status_ollama(json_object_get(root, "ollama"),
	    &r->pub.ollama)) != 0 ||
	    (rc = status_generation(json_object_get(root, "generation"),
	    r)) != 0)
		return rc;
	status_daemon(json_object_get(root, "daemon"), &r->pub.daemon);
	r->pub.api_version = status_small_int(root, "api_version");
	if (json_is_object(sys = json_object_get(root, "system"))) {
		metrics_fill(sys, NULL, &r->system);
		r->pub.system = &r->system;
	}
	status_benchmark(json_object_get(root, "benchmark"), r);
	return 0;
}

/* Fetch the daemon's state. */
int
mlxd_status(struct mlxd_client *c, struct mlxd_status **stp)
{
	void	*r;
	int	 rc;

	if (stp == NULL)
		return -EINVAL;
	if ((rc = CALL_GET(c, "/v1/status", struct status_reply, status_fill,
	    status_release, &r)) != 0)
		return rc;
	*stp = &((struct status_reply *)r)->pub;
	return 0;
}

/* Parse a status snapshot from JSON text. */
int
mlxd_status_parse(const char *json, size_t len, struct mlxd_status **stp)
{
	void	*r;
	int	 rc;

	if (stp == NULL)
		return -EINVAL;
	if ((rc = CALL_PARSE(json, len, struct status_reply, status_fill,
	    status_release, &r)) != 0)
		return rc;
	*stp = &((struct status_reply *)r)->pub;
	return 0;
}
