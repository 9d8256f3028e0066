/* SPDX-License-Identifier: ISC */
/*
 * proxy.c: the generation proxy and its live figures.
 *
 * A request is handled in two places. The HTTP thread (proxy_handle) starts
 * it on the loop, waits until Ollama's reply head arrives — Ollama sends
 * headers with the first token, so this wait is the model's load and
 * prefill — and then replies with a stream carrying Ollama's bytes as they
 * come. The loop (ollama_gen callbacks) writes those bytes, tracks chunks,
 * TTFT and a live token rate, and at the end stores the session with the
 * exact counters from the final chunk. A client that hangs up cancels the
 * upstream request. struct proxy_gen is shared by both threads: its
 * reference count and reply-head fields are under its mutex; everything
 * else is loop-only.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "httpc.h"
#include "log.h"
#include "mlxd.h"
#include "mlxd_config.h"
#include "ollama.h"
#include "ollama_gen.h"
#include "proxy.h"
#include "proxy_int.h"
#include "router.h"
#include "sampler.h"
#include "state.h"
#include "store_bench.h"
#include "timeutil.h"
#include "xmalloc.h"

#define PROXY_STREAM_LIMIT	(64 * 1024 * 1024)
#define PROXY_PUBLISH_MS	250

struct proxy_gen {
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cond;
	int			 refs;
	/* Under mtx: what the HTTP thread waits for. */
	int			 head;
	long			 status;
	char			*ctype;
	int			 failed;	/* ended before a head */
	int			 fail_err;
	char			*fail_msg;

	/* Loop only. */
	struct proxy		*p;
	struct ollama_gen	*og;
	int			 finished;
	uint64_t		 id;
	char			*model;
	char			*route;
	char			*client;
	char			*prompt_text;
	char			*output_text;
	int64_t			 started_ns;	/* wall clock */
	struct ollama_gen_stats	 st;
	double			 peak_mem;
	struct http_stream	*stream;
	struct proxy_gen	*next, *prev;	/* p->active */

	/* Immutable after creation. */
	struct mlxd		*md;
	char			*path;
	char			*body;
	size_t			 body_len;
};


static void
proxy_gen_ref(struct proxy_gen *g)
{
	pthread_mutex_lock(&g->mtx);
	g->refs++;
	pthread_mutex_unlock(&g->mtx);
}

static void
proxy_gen_unref(void *arg)
{
	struct proxy_gen	*g = arg;
	int			 refs;

	pthread_mutex_lock(&g->mtx);
	refs = --g->refs;
	pthread_mutex_unlock(&g->mtx);
	if (refs > 0)
		return;
	if (g->stream != NULL)
		http_stream_unref(g->stream);
	pthread_mutex_destroy(&g->mtx);
	pthread_cond_destroy(&g->cond);
	free(g->ctype);
	free(g->fail_msg);
	free(g->model);
	free(g->route);
	free(g->client);
	free(g->prompt_text);
	free(g->output_text);
	free(g->path);
	free(g->body);
	free(g);
}

static json_t *
proxy_ms(int64_t ns)
{
	return ns >= 0 ? json_real((double)ns / 1e6) : json_null();
}

static json_t *
proxy_rate(int64_t count, int64_t ns)
{
	return count > 0 && ns > 0 ? json_real((double)count / ((double)ns /
	    1e9)) : json_null();
}

/* Live estimate from chunk timing: only a progress figure. */
static json_t *
proxy_live_rate(const struct ollama_gen_stats *st)
{
	if (st->chunks < 2 || st->last_token_ns <= st->ttft_ns)
		return json_null();
	return json_real((double)(st->chunks - 1) / ((double)(st->last_token_ns
	    - st->ttft_ns) / 1e9));
}

/* See proxy_int.h. */
void
proxy_publish(struct proxy *p)
{
	struct proxy_gen	*g;
	json_t			*active = json_array();

	for (g = p->active; g != NULL; g = g->next)
		json_array_append_new(active, json_pack("{s:I, s:s?, s:s, "
		    "s:s?, s:o, s:I, s:o, s:o}",
		    "id", (json_int_t)g->id,
		    "model", g->model,
		    "route", g->route,
		    "client", g->client,
		    "started_at", timeutil_iso_json(g->started_ns),
		    "chunks", (json_int_t)g->st.chunks,
		    "tokens_per_s", proxy_live_rate(&g->st),
		    "ttft_ms", proxy_ms(g->st.ttft_ns)));
	proxy_pass_active(p, active);
	state_publish(STATE_GENERATION, json_pack("{s:o, s:O}", "active",
	    active, "last", p->last != NULL ? p->last : json_null()));
	p->dirty = 0;
}

static void
proxy_timer_cb(uv_timer_t *t)
{
	struct proxy	*p = t->data;

	if (p->dirty)
		proxy_publish(p);
}

/*
 * Record the finished generation: session row, generation.last. broken:
 * the stream cannot finish (Ollama lost, mlxd stopping), so the client gets
 * a last {"error":...} line and a transfer that does not end cleanly.
 */
static void
proxy_finish(struct proxy_gen *g, const char *error, int broken)
{
	struct proxy			*p = g->p;
	struct store_bench_session	 s;
	char				*digest;
	int64_t				 end = timeutil_now_ns(), sid = -1;
	int				 rc;

	store_bench_session_init(&s);
	s.model = g->model != NULL ? g->model : "";
	digest = proxy_digest(g->model);
	s.digest = digest;
	s.kind = "generate";
	s.counts_source = g->st.done ? "ollama" : NULL;
	s.route = g->route;
	s.user_agent = g->client;
	s.start_ns = g->started_ns;
	s.end_ns = end;
	s.ttft_ns = g->st.ttft_ns;
	if (g->st.done) {
		s.prompt_eval_count = g->st.prompt_eval_count;
		s.prompt_eval_duration_ns = g->st.prompt_eval_ns;
		s.eval_count = g->st.eval_count;
		s.eval_duration_ns = g->st.eval_ns;
		s.load_ns = g->st.load_ns;
		s.done_reason = g->st.done_reason[0] != '\0' ?
		    g->st.done_reason : NULL;
	}
	s.error = error;
	s.peak_memory_bytes = g->peak_mem > 0 ? (int64_t)g->peak_mem : -1;
	if (p->md->cfg->sessions_store_text) {
		s.prompt_text = g->prompt_text;
		s.output_text = g->output_text;
	}
	if ((rc = store_bench_session_insert(p->md->store, &s, &sid)) != 0)
		log_warnx("proxy: cannot store the session: %s",
		    strerror(-rc));
	proxy_account(p, &s);
	free(digest);
	json_decref(p->last);
	p->last = json_pack("{s:I, s:s?, s:s, s:s?, s:o, s:o, s:o, s:o, s:o, "
	    "s:o, s:o, s:o, s:o, s:s?, s:s?}",
	    "id", (json_int_t)(sid >= 0 ? sid : (int64_t)g->id),
	    "model", g->model,
	    "route", g->route,
	    "client", g->client,
	    "started_at", timeutil_iso_json(g->started_ns),
	    "ended_at", timeutil_iso_json(end),
	    "ttft_ms", proxy_ms(g->st.ttft_ns),
	    "prompt_tokens", g->st.done ? json_integer(g->st.prompt_eval_count)
	    : json_null(),
	    "prompt_tokens_per_s", g->st.done ? proxy_rate(
	    g->st.prompt_eval_count, g->st.prompt_eval_ns) : json_null(),
	    "tokens", g->st.done ? json_integer(g->st.eval_count) :
	    json_integer(g->st.chunks),
	    "tokens_per_s", g->st.done ? proxy_rate(g->st.eval_count,
	    g->st.eval_ns) : json_null(),
	    "load_ms", g->st.done ? proxy_ms(g->st.load_ns) : json_null(),
	    "total_ms", g->st.done ? proxy_ms(g->st.total_ns) : json_null(),
	    "done_reason", g->st.done && g->st.done_reason[0] != '\0' ?
	    g->st.done_reason : NULL,
	    "error", error);
	if (json_object_get(p->last, "error") == NULL)
		json_object_set_new(p->last, "error", json_null());
	if (json_object_get(p->last, "done_reason") == NULL)
		json_object_set_new(p->last, "done_reason", json_null());

	if (g->prev != NULL)
		g->prev->next = g->next;
	else
		p->active = g->next;
	if (g->next != NULL)
		g->next->prev = g->prev;
	g->finished = 1;
	/* Drop our stream reference: the stream holds one on us. */
	if (broken && error != NULL) {
		json_t *j = json_pack("{s:s}", "error", error);
		char *line = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
		if (line != NULL) {
			(void)http_stream_write(g->stream, line, strlen(line));
			(void)http_stream_write(g->stream, "\n", 1);
		}
		free(line);
		http_stream_fail(g->stream, NULL, 0);
	} else
		http_stream_close(g->stream);
	http_stream_unref(g->stream);
	g->stream = NULL;
	proxy_publish(p);
	/* A generation may have loaded or unloaded a model. */
	ollama_poke(p->md->ollama);
}

static void
proxy_head_cb(void *arg, long status, const char *ctype)
{
	struct proxy_gen	*g = arg;

	pthread_mutex_lock(&g->mtx);
	g->head = 1;
	g->status = status;
	g->ctype = xstrdup(ctype != NULL ? ctype : "application/json");
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->mtx);
}

static int
proxy_raw_cb(void *arg, const char *buf, size_t len)
{
	struct proxy_gen	*g = arg;

	/* The client left or is hopelessly behind: stop Ollama. */
	return http_stream_write(g->stream, buf, len) == -ENOBUFS ? 1 : 0;
}

static void
proxy_chunk_cb(void *arg, const struct ollama_gen_stats *st)
{
	struct proxy_gen	*g = arg;
	double			 mem;

	g->st = *st;
	if (g->p->md->sampler != NULL &&
	    (mem = sampler_mem_used(g->p->md->sampler)) > g->peak_mem)
		g->peak_mem = mem;
	g->p->dirty = 1;
}

static void
proxy_done_cb(void *arg, const struct ollama_gen_result *res)
{
	struct proxy_gen	*g = arg;

	g->og = NULL;
	g->st = *res->stats;
	if (res->text != NULL)
		g->output_text = xstrdup(res->text);
	pthread_mutex_lock(&g->mtx);
	if (!g->head) {
		g->failed = 1;
		g->fail_err = res->err;
		g->fail_msg = xstrdup(res->error != NULL ? res->error :
		    "no reply from Ollama");
		pthread_cond_broadcast(&g->cond);
	}
	pthread_mutex_unlock(&g->mtx);
	if (res->err != 0 && res->err != -EPROTO) {
		char *msg = xasprintf("Ollama connection lost: %s",
		    res->error != NULL ? res->error : strerror(-res->err));
		proxy_finish(g, msg, 1);
		free(msg);
	} else
		proxy_finish(g, res->error, 0);
	proxy_gen_unref(g);		/* the loop's reference */
}

static const struct ollama_gen_cbs proxy_cbs = {
	proxy_head_cb, proxy_raw_cb, proxy_chunk_cb, proxy_done_cb
};

/* On the loop: start the upstream request. */
static void
proxy_begin(void *arg)
{
	struct proxy_gen	*g = arg;
	struct proxy		*p = g->md->proxy;

	if (p == NULL) {
		pthread_mutex_lock(&g->mtx);
		g->failed = 1;
		g->fail_err = -ESHUTDOWN;
		g->fail_msg = xstrdup("mlxd is stopping");
		pthread_mutex_unlock(&g->mtx);
		g->finished = 1;
		return;
	}
	g->p = p;
	g->id = ++p->next_id;
	g->started_ns = timeutil_now_ns();
	g->st.ttft_ns = g->st.last_token_ns = -1;
	proxy_gen_ref(g);		/* the loop's reference */
	g->og = ollama_gen_start(g->md, g->path, g->body, g->body_len,
	    g->client, (int)g->md->cfg->sessions_store_text, &proxy_cbs, g);
	if (g->og == NULL) {
		pthread_mutex_lock(&g->mtx);
		g->failed = 1;
		g->fail_err = -EIO;
		g->fail_msg = xstrdup("cannot start a request to Ollama");
		pthread_mutex_unlock(&g->mtx);
		g->finished = 1;
		proxy_gen_unref(g);
		return;
	}
	g->next = p->active;
	if (p->active != NULL)
		p->active->prev = g;
	p->active = g;
	proxy_publish(p);
}

/* On the loop: the client hung up; stop Ollama and record it. */
static void
proxy_abort(void *arg)
{
	struct proxy_gen	*g = arg;

	if (g->finished || g->og == NULL)
		return;
	ollama_gen_cancel(g->og);
	g->og = NULL;
	log_debug("proxy: client left generation %llu; cancelled upstream",
	    (unsigned long long)g->id);
	proxy_finish(g, "client disconnected", 0);
	proxy_gen_unref(g);		/* the loop's reference */
}

/* From the connection's thread when the client leaves mid-stream. */
static void
proxy_gone_cb(void *arg)
{
	struct proxy_gen	*g = arg;

	(void)http_loop_call(g->md->http, proxy_abort, g);
}

static void
proxy_reply_error(struct router_req *req, int ollama_errors, int status,
    const char *code, const char *msg)
{
	if (ollama_errors) {
		router_reply_json(req, status, json_pack("{s:s}", "error",
		    msg));
		return;
	}
	router_reply_error(req, status, code, "%s", msg);
}

/* Handle a generation request (HTTP thread). */
void
proxy_handle(struct router_req *req, const char *path, int ollama_errors)
{
	struct proxy_gen	*g;
	struct http_stream	*hs;
	struct timespec		 ts;
	json_t			*body;
	const char		*ua, *model;
	int			 rc, gone = 0;

	g = xcalloc(1, sizeof(*g));
	pthread_mutex_init(&g->mtx, NULL);
	pthread_cond_init(&g->cond, NULL);
	g->refs = 1;
	g->md = req->md;
	g->path = xstrdup(path);
	g->route = xstrdup(req->path);
	g->body = xmalloc(req->body_len + 1);
	memcpy(g->body, req->body, req->body_len);
	g->body[req->body_len] = '\0';
	g->body_len = req->body_len;
	if ((ua = router_header(req, "User-Agent")) != NULL)
		g->client = proxy_utf8(ua);
	/* Lenient: Ollama itself judges the body; we only want the model. */
	body = json_loadb(req->body, req->body_len, 0, NULL);
	if ((model = json_string_value(json_object_get(body, "model"))) != NULL)
		g->model = xstrdup(model);
	if (json_is_string(json_object_get(body, "prompt")))
		g->prompt_text = xstrdup(json_string_value(json_object_get(body,
		    "prompt")));
	else if (json_is_array(json_object_get(body, "messages")))
		g->prompt_text = json_dumps(json_object_get(body, "messages"),
		    JSON_COMPACT);
	json_decref(body);
	g->stream = http_stream_new("application/x-ndjson",
	    PROXY_STREAM_LIMIT);
	/* Our own reference: the loop drops g's as soon as it finishes. */
	hs = g->stream;
	http_stream_ref(hs);

	if ((rc = http_loop_call(req->md->http, proxy_begin, g)) != 0) {
		proxy_reply_error(req, ollama_errors, 503, "stopping",
		    "mlxd is stopping");
		goto out;
	}
	pthread_mutex_lock(&g->mtx);
	while (!g->head && !g->failed) {
		timeutil_deadline(&ts, PROXY_GONE_POLL_MS);
		if (pthread_cond_timedwait(&g->cond, &g->mtx, &ts) == ETIMEDOUT &&
		    http_conn_gone(req->conn)) {
			gone = 1;
			break;
		}
	}
	pthread_mutex_unlock(&g->mtx);
	if (gone) {
		(void)http_loop_call(req->md->http, proxy_abort, g);
		proxy_reply_error(req, ollama_errors, 499, "client_closed",
		    "client closed the request");
		goto out;
	}
	if (!g->head) {
		int down = g->fail_err == -ECONNREFUSED ||
		    g->fail_err == -EHOSTUNREACH || g->fail_err == -ETIMEDOUT;
		proxy_reply_error(req, ollama_errors, down ? 503 : 502,
		    down ? "ollama_unavailable" : "ollama_error", g->fail_msg);
		goto out;
	}
	http_stream_set_type(hs, g->ctype);
	proxy_gen_ref(g);	/* held by the stream until it is freed */
	http_stream_on_gone(hs, proxy_gone_cb, proxy_gen_unref, g);
	router_reply_stream(req, (int)g->status, hs);
	hs = NULL;		/* the reply owns it now */
out:
	if (hs != NULL)
		http_stream_unref(hs);
	proxy_gen_unref(g);
}

/* Whether mlxd meters a request on the proxy listener itself. */
int
proxy_metered(const char *method, const char *path)
{
	return strcmp(method, "POST") == 0 && (strcmp(path, "/api/generate") ==
	    0 || strcmp(path, "/api/chat") == 0);
}

/* Start the registry. */
int
proxy_start(struct mlxd *md, struct proxy **pp)
{
	struct proxy	*p;

	p = xcalloc(1, sizeof(*p));
	p->md = md;
	uv_timer_init(md->loop, &p->timer);
	p->timer.data = p;
	uv_timer_start(&p->timer, proxy_timer_cb, PROXY_PUBLISH_MS,
	    PROXY_PUBLISH_MS);
	proxy_pass_init(p);
	proxy_publish(p);
	*pp = p;
	return 0;
}

static void
proxy_closed(uv_handle_t *h)
{
	struct proxy	*p = h->data;

	/* Two handles: the last one to close frees. */
	if (--p->nhandles > 0)
		return;
	json_decref(p->last);
	free(p->stats);
	free(p);
}

/* Abort everything in flight. */
void
proxy_stop(struct proxy *p)
{
	struct proxy_gen	*g;

	if (p == NULL)
		return;
	while ((g = p->active) != NULL) {
		ollama_gen_cancel(g->og);
		g->og = NULL;
		/* A handler still waiting for Ollama's head must not wait on. */
		pthread_mutex_lock(&g->mtx);
		if (!g->head) {
			g->failed = 1;
			g->fail_err = -ECANCELED;
			g->fail_msg = xstrdup("mlxd is stopping");
			pthread_cond_broadcast(&g->cond);
		}
		pthread_mutex_unlock(&g->mtx);
		proxy_finish(g, "mlxd is stopping", 1);
		proxy_gen_unref(g);
	}
	proxy_pass_stop_all(p);
	p->nhandles = 2;
	uv_close((uv_handle_t *)&p->timer, proxy_closed);
	uv_close((uv_handle_t *)&p->kick, proxy_closed);
}
