/* SPDX-License-Identifier: ISC */
/*
 * ollama.c: the Ollama watcher.
 *
 * Every poll interval it sends GET /api/ps (never a second one while the
 * first is in flight, each with a timeout); /api/version once /api/ps
 * answers after a (re)connection; /api/tags every tags interval and
 * whenever the loaded set changes. While Ollama is unreachable the /api/ps
 * probe goes on at the poll interval (at most OLLAMA_PROBE_MAX_MS), still
 * one at a time, so a returning Ollama is noticed within a second. Results are normalised by
 * ollama_parse.c and published for the HTTP threads with state_publish().
 * Everything here runs on the loop thread.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "httpc.h"
#include "log.h"
#include "mlxd.h"
#include "mlxd_config.h"
#include "ollama.h"
#include "ollama_parse.h"
#include "state.h"
#include "timeutil.h"
#include "xmalloc.h"

#define OLLAMA_PROBE_MAX_MS	500	/* probe interval while disconnected */

struct ollama {
	struct mlxd		*md;
	char			*url;
	uint64_t		 poll_ms, tags_ms, timeout_ms;
	uint64_t		 cur_ms;	/* current interval (backoff) */

	uv_timer_t		 poll_timer;
	uv_timer_t		 tags_timer;
	int			 nclosed;
	int			 stopping;

	struct httpc_req	*ps_req, *tags_req, *version_req;

	int			 connected;	/* last poll reached Ollama */
	int			 ever_connected;
	char			*version;
	char			*last_error;
	int64_t			 last_ok_ns;	/* 0 = never */
	json_t			*running;	/* normalised /api/ps */
	char			*running_key;
	int64_t			 running_ns;
	json_t			*models;	/* normalised /api/tags */
	int64_t			 models_ns;
};

static void	ollama_send_ps(struct ollama *o);
static void	ollama_send_tags(struct ollama *o);
static void	ollama_send_version(struct ollama *o);

/* Publish the "ollama" status section and the model lists. */
static void
ollama_publish(struct ollama *o)
{
	json_t	*sec;

	sec = json_pack("{s:s, s:b, s:s?, s:s?, s:o, s:O}",
	    "url", o->url,
	    "connected", o->connected,
	    "version", o->version,
	    "last_error", o->last_error,
	    "last_ok_at", timeutil_iso_json(o->last_ok_ns),
	    "running", o->running);
	if (json_object_get(sec, "version") == NULL)
		json_object_set_new(sec, "version", json_null());
	if (json_object_get(sec, "last_error") == NULL)
		json_object_set_new(sec, "last_error", json_null());
	state_publish(STATE_OLLAMA, sec);
	if (o->running_ns != 0)
		state_publish(STATE_RUNNING, json_pack("{s:o, s:O}",
		    "fetched_at", timeutil_iso_json(o->running_ns),
		    "models", o->running));
	if (o->models_ns != 0)
		state_publish(STATE_MODELS, json_pack("{s:o, s:O}",
		    "fetched_at", timeutil_iso_json(o->models_ns),
		    "models", o->models));
}

static void
ollama_set_error(struct ollama *o, const char *what, const char *msg)
{
	char	*e = xasprintf("%s: %s", what, msg);

	if (o->last_error == NULL || strcmp(o->last_error, e) != 0)
		log_debug("ollama: %s", e);
	free(o->last_error);
	o->last_error = e;
}

/* Reachability changed for the worse: forget what is loaded, back off. */
static void
ollama_lost(struct ollama *o, const char *what, const char *msg)
{
	if (o->connected)
		log_info("ollama: lost %s: %s", o->url, msg);
	ollama_set_error(o, what, msg);
	o->connected = 0;
	free(o->version);
	o->version = NULL;
	json_decref(o->running);
	o->running = json_array();
	free(o->running_key);
	o->running_key = xstrdup("");
	o->cur_ms = o->poll_ms < OLLAMA_PROBE_MAX_MS ? o->poll_ms :
	    OLLAMA_PROBE_MAX_MS;
	ollama_publish(o);
}

static void
ollama_reached(struct ollama *o)
{
	o->last_ok_ns = timeutil_now_ns();
	o->cur_ms = o->poll_ms;
	if (!o->connected) {
		o->connected = 1;
		o->ever_connected = 1;
		free(o->last_error);
		o->last_error = NULL;
		log_info("ollama: reached %s%s%s", o->url,
		    o->version ? ", version " : "", o->version ? o->version :
		    "");
	}
}

static struct httpc_req *
ollama_get(struct ollama *o, const char *path, httpc_done_cb cb)
{
	struct httpc_opts	 opts;
	struct httpc_req	*r;
	char			*url = xasprintf("%s%s", o->url, path);

	memset(&opts, 0, sizeof(opts));
	opts.url = url;
	opts.timeout_ms = (long)o->timeout_ms;
	opts.connect_timeout_ms = (long)o->timeout_ms;
	opts.done_cb = cb;
	opts.arg = o;
	r = httpc_start(o->md->httpc, &opts);
	free(url);
	return r;
}

struct ollama_show {
	struct httpc_req	*req;
	ollama_show_cb		 cb;
	void			*arg;
};

static void
ollama_show_done(void *arg, const struct httpc_result *res)
{
	struct ollama_show	*s = arg;
	int			 ok = res->err == 0 && res->status == 200;

	s->cb(s->arg, ok ? res->body : NULL, ok ? res->len : 0);
	free(s);
}

/* POST /api/show {"model": model}; see ollama.h. */
struct ollama_show *
ollama_show(struct ollama *o, const char *model, ollama_show_cb cb, void *arg)
{
	struct httpc_opts	 opts;
	struct ollama_show	*s;
	json_t			*body;
	char			*url, *text;

	body = json_pack("{s:s}", "model", model);
	text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (text == NULL)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->cb = cb;
	s->arg = arg;
	url = xasprintf("%s/api/show", o->url);
	memset(&opts, 0, sizeof(opts));
	opts.method = "POST";
	opts.url = url;
	opts.body = text;
	opts.body_len = strlen(text);
	opts.timeout_ms = (long)o->timeout_ms;
	opts.connect_timeout_ms = (long)o->timeout_ms;
	opts.done_cb = ollama_show_done;
	opts.arg = s;
	s->req = httpc_start(o->md->httpc, &opts);
	free(url);
	free(text);
	if (s->req == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

/* See ollama.h. */
void
ollama_show_cancel(struct ollama_show *s)
{
	if (s == NULL)
		return;
	httpc_cancel(s->req);
	free(s);
}

static int
ollama_check_reply(struct ollama *o, const char *what,
    const struct httpc_result *res)
{
	char	*msg;

	if (res->err != 0) {
		ollama_lost(o, what, res->errmsg ? res->errmsg : strerror(
		    -res->err));
		return -1;
	}
	if (res->status != 200) {
		/* Reachable but unhappy: keep what we knew, show the error. */
		ollama_reached(o);
		msg = ollama_parse_error(res->status, res->body, res->len);
		ollama_set_error(o, what, msg);
		free(msg);
		ollama_publish(o);
		return -1;
	}
	return 0;
}

static void
ollama_version_done(void *arg, const struct httpc_result *res)
{
	struct ollama	*o = arg;
	char		*v = NULL;

	o->version_req = NULL;
	if (ollama_check_reply(o, "GET /api/version", res) != 0)
		return;
	if (ollama_parse_version(res->body, res->len, &v) != 0) {
		ollama_reached(o);
		ollama_set_error(o, "GET /api/version", "reply is not "
		    "Ollama's {\"version\":...}");
		ollama_publish(o);
		return;
	}
	free(o->version);
	o->version = v;
	ollama_reached(o);
	ollama_publish(o);
	/* A (re)connection: learn the models too. */
	ollama_send_tags(o);
}

static void
ollama_ps_done(void *arg, const struct httpc_result *res)
{
	struct ollama	*o = arg;
	json_t		*running;
	char		*err = NULL, *key;

	o->ps_req = NULL;
	if (ollama_check_reply(o, "GET /api/ps", res) != 0)
		goto again;
	if (ollama_parse_ps(res->body, res->len, &running, &err) != 0) {
		ollama_reached(o);
		ollama_set_error(o, "GET /api/ps", err);
		free(err);
		ollama_publish(o);
		goto again;
	}
	ollama_reached(o);
	free(o->last_error);
	o->last_error = NULL;
	key = ollama_running_key(running);
	o->running_ns = timeutil_now_ns();
	if (o->running_key == NULL || strcmp(key, o->running_key) != 0) {
		log_debug("ollama: loaded set is now [%s]", key);
		json_decref(o->running);
		o->running = running;
		free(o->running_key);
		o->running_key = key;
		ollama_send_tags(o);
	} else {
		/* expires_at and sizes move even when the set does not. */
		json_decref(o->running);
		o->running = running;
		free(key);
	}
	if (o->version == NULL)
		ollama_send_version(o);
	ollama_publish(o);
again:
	if (!o->stopping) {
		uv_timer_set_repeat(&o->poll_timer, o->cur_ms);
		uv_timer_again(&o->poll_timer);
	}
}

static void
ollama_tags_done(void *arg, const struct httpc_result *res)
{
	struct ollama	*o = arg;
	json_t		*models;
	char		*err = NULL;

	o->tags_req = NULL;
	if (ollama_check_reply(o, "GET /api/tags", res) != 0)
		return;
	if (ollama_parse_tags(res->body, res->len, &models, &err) != 0) {
		ollama_set_error(o, "GET /api/tags", err);
		free(err);
		ollama_publish(o);
		return;
	}
	json_decref(o->models);
	o->models = models;
	o->models_ns = timeutil_now_ns();
	ollama_publish(o);
}

static void
ollama_send_ps(struct ollama *o)
{
	if (o->ps_req != NULL || o->stopping)
		return;
	o->ps_req = ollama_get(o, "/api/ps", ollama_ps_done);
}

static void
ollama_send_tags(struct ollama *o)
{
	if (o->tags_req != NULL || o->stopping)
		return;
	o->tags_req = ollama_get(o, "/api/tags", ollama_tags_done);
	uv_timer_again(&o->tags_timer);
}

static void
ollama_send_version(struct ollama *o)
{
	if (o->version_req != NULL || o->stopping)
		return;
	o->version_req = ollama_get(o, "/api/version", ollama_version_done);
}

static void
ollama_poll_cb(uv_timer_t *t)
{
	struct ollama	*o = t->data;

	/* Re-arm at the current interval; one probe at a time. */
	uv_timer_set_repeat(&o->poll_timer, o->cur_ms);
	ollama_send_ps(o);
}

static void
ollama_tags_cb(uv_timer_t *t)
{
	struct ollama	*o = t->data;

	if (o->connected)
		ollama_send_tags(o);
}

static void
ollama_apply(struct ollama *o, const struct mlxd_config *cfg)
{
	o->poll_ms = (uint64_t)cfg->ollama_poll_interval_ms;
	o->tags_ms = (uint64_t)cfg->ollama_tags_interval_ms;
	o->timeout_ms = (uint64_t)cfg->ollama_timeout_ms;
	o->cur_ms = o->poll_ms;
}

/* Start watching the configured Ollama. */
int
ollama_start(struct mlxd *md, struct ollama **op)
{
	struct ollama	*o;

	o = xcalloc(1, sizeof(*o));
	o->md = md;
	o->url = xstrdup(md->cfg->ollama_url);
	ollama_apply(o, md->cfg);
	o->running = json_array();
	o->models = json_array();
	uv_timer_init(md->loop, &o->poll_timer);
	uv_timer_init(md->loop, &o->tags_timer);
	o->poll_timer.data = o;
	o->tags_timer.data = o;
	ollama_publish(o);
	uv_timer_start(&o->poll_timer, ollama_poll_cb, 0, o->cur_ms);
	uv_timer_start(&o->tags_timer, ollama_tags_cb, o->tags_ms, o->tags_ms);
	log_info("ollama: watching %s every %llu ms", o->url,
	    (unsigned long long)o->poll_ms);
	*op = o;
	return 0;
}

/* Apply a reloaded configuration. */
void
ollama_reconfigure(struct ollama *o, const struct mlxd_config *cfg)
{
	ollama_apply(o, cfg);
	if (strcmp(o->url, cfg->ollama_url) != 0) {
		log_info("ollama: now watching %s", cfg->ollama_url);
		httpc_cancel(o->ps_req);
		httpc_cancel(o->tags_req);
		httpc_cancel(o->version_req);
		o->ps_req = o->tags_req = o->version_req = NULL;
		free(o->url);
		o->url = xstrdup(cfg->ollama_url);
		o->connected = 0;
		free(o->version);
		o->version = NULL;
		free(o->last_error);
		o->last_error = NULL;
		o->last_ok_ns = o->running_ns = o->models_ns = 0;
		json_decref(o->running);
		o->running = json_array();
		json_decref(o->models);
		o->models = json_array();
		free(o->running_key);
		o->running_key = NULL;
		state_publish(STATE_RUNNING, NULL);
		state_publish(STATE_MODELS, NULL);
		ollama_publish(o);
	}
	uv_timer_start(&o->poll_timer, ollama_poll_cb, 0, o->cur_ms);
	uv_timer_start(&o->tags_timer, ollama_tags_cb, o->tags_ms, o->tags_ms);
}

/* Poll right away. */
void
ollama_poke(struct ollama *o)
{
	ollama_send_ps(o);
}

/* Base URL in use. */
const char *
ollama_url(const struct ollama *o)
{
	return o->url;
}

/* Whether Ollama answered the last poll. */
int
ollama_connected(const struct ollama *o)
{
	return o->connected;
}

static void
ollama_timer_closed(uv_handle_t *h)
{
	struct ollama	*o = h->data;

	if (++o->nclosed < 2)
		return;
	json_decref(o->running);
	json_decref(o->models);
	free(o->running_key);
	free(o->version);
	free(o->last_error);
	free(o->url);
	free(o);
}

/* Stop polling and free the watcher once its timers are closed. */
void
ollama_stop(struct ollama *o)
{
	if (o == NULL)
		return;
	o->stopping = 1;
	httpc_cancel(o->ps_req);
	httpc_cancel(o->tags_req);
	httpc_cancel(o->version_req);
	uv_close((uv_handle_t *)&o->poll_timer, ollama_timer_closed);
	uv_close((uv_handle_t *)&o->tags_timer, ollama_timer_closed);
}
