/* SPDX-License-Identifier: ISC */
/*
 * generate.c: generation through the daemon (POST /v1/generate, /v1/chat)
 * and the stored history of generations (GET /v1/sessions).
 *
 * The daemon streams Ollama's NDJSON as Ollama sends it. Each line is
 * parsed here, its text handed to the caller's chunk callback, and the
 * final line's counters turned into struct mlxd_gen_stats. Rates come only
 * from Ollama's counters (eval_count / eval_duration); the library itself
 * measures nothing but time to first token and end-to-end time, on a
 * monotonic clock started right before the request goes out.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <mlxd/mlxd.h>

#include "sdk.h"

/* Which Ollama route a stream comes from: where its text lives. */
enum generate_kind {
	GENERATE_COMPLETION,	/* "response", "thinking" */
	GENERATE_CHAT,		/* "message": {"content", "thinking"} */
};

/* State of one stream, shared with the line callback. */
struct generate_call {
	struct mlxd_client	*c;
	enum generate_kind	 kind;
	mlxd_chunk_cb		 cb;
	void			*arg;
	int64_t			 t0_ns;
	struct mlxd_gen_stats	 stats;
	bool			 done;
	char			*error;	/* text of an {"error": ...} line */
	int			 rc;	/* why the callback stopped the stream */
};

struct generate_sessions_reply {
	struct mlxd_sessions	 pub;
	struct reply		 r;
};

static int64_t
generate_now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A string member's text and length, or "" and 0. */
static const char *
generate_text(const json_t *obj, const char *key, size_t *lenp)
{
	const json_t	*v = json_object_get(obj, key);

	if (!json_is_string(v)) {
		*lenp = 0;
		return "";
	}
	*lenp = json_string_length(v);
	return json_string_value(v);
}

/* A count or duration: Ollama omits zeros, so absent or 0 is unknown. */
static int64_t
generate_counter(const json_t *obj, const char *key)
{
	int64_t	 v = reply_int(obj, key);

	return v == MLXD_NULL_INT64 || v <= 0 ? MLXD_NULL_INT64 : v;
}

static double
generate_ms(int64_t ns)
{
	return ns == MLXD_NULL_INT64 ? NAN : (double)ns / 1e6;
}

/* count / (ns / 1e9), or NAN when either is unknown. */
static double
generate_rate(int64_t count, int64_t ns)
{
	if (count == MLXD_NULL_INT64 || count <= 0 ||
	    ns == MLXD_NULL_INT64 || ns <= 0)
		return NAN;
	return (double)count / ((double)ns / 1e9);
}

/* The figures of the final line, as `ollama run --verbose` computes them. */
static void
generate_final(struct mlxd_gen_stats *st, const json_t *o)
{
	const char	*reason;
	int64_t		 prompt, cached;

	st->total_duration_ns = generate_counter(o, "total_duration");
	st->load_duration_ns = generate_counter(o, "load_duration");
	st->prompt_eval_count = generate_counter(o, "prompt_eval_count");
	st->prompt_eval_cached_count = generate_counter(o,
	    "prompt_eval_cached_count");
	st->prompt_eval_duration_ns = generate_counter(o,
	    "prompt_eval_duration");
	st->eval_count = generate_counter(o, "eval_count");
	st->eval_duration_ns = generate_counter(o, "eval_duration");
	st->total_ms = generate_ms(st->total_duration_ns);
	st->load_ms = generate_ms(st->load_duration_ns);
	st->prompt_eval_ms = generate_ms(st->prompt_eval_duration_ns);
	st->eval_ms = generate_ms(st->eval_duration_ns);
	prompt = st->prompt_eval_count;
	cached = st->prompt_eval_cached_count;
	/* Cached prompt tokens were not evaluated in prompt_eval_duration. */
	if (prompt != MLXD_NULL_INT64 && cached != MLXD_NULL_INT64)
		prompt = cached < prompt ? prompt - cached : MLXD_NULL_INT64;
	st->prompt_tps = generate_rate(prompt, st->prompt_eval_duration_ns);
	st->gen_tps = generate_rate(st->eval_count, st->eval_duration_ns);
	if ((reason = reply_string(o, "done_reason")) != NULL)
		snprintf(st->done_reason, sizeof st->done_reason, "%s", reason);
}

/* mlxd_line_cb: one NDJSON line of the stream. */
static int
generate_line(void *arg, const char *line, size_t len)
{
	struct generate_call	*g = arg;
	struct mlxd_chunk	 ch;
	const json_t		*src, *err;
	json_t			*o;
	json_error_t		 jerr;
	int			 rc;

	if (len == 0 || g->done)
		return 0;
	if ((o = json_loadb(line, len, JSON_ALLOW_NUL, &jerr)) == NULL) {
		if (json_error_code(&jerr) == json_error_out_of_memory)
			return g->rc = -ENOMEM;
		client_set_error(g->c, "a line of the stream is not JSON");
		return g->rc = MLXD_EPROTO;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		client_set_error(g->c, "a line of the stream is not an object");
		return g->rc = MLXD_EPROTO;
	}
	if ((err = json_object_get(o, "error")) != NULL) {
		/* Ollama's mid-stream failure: {"error":"..."}. */
		free(g->error);
		g->error = strdup(json_is_string(err) ? json_string_value(err) :
		    "error line without a message");
		json_decref(o);
		return g->rc = g->error != NULL ? MLXD_EAPI : -ENOMEM;
	}

	memset(&ch, 0, sizeof ch);
	ch.elapsed_ns = generate_now_ns() - g->t0_ns;
	g->stats.nchunks++;
	src = g->kind == GENERATE_CHAT ? json_object_get(o, "message") : o;
	ch.content = generate_text(src, g->kind == GENERATE_CHAT ? "content" :
	    "response", &ch.content_len);
	ch.thinking = generate_text(src, "thinking", &ch.thinking_len);
	if (g->stats.ttft_ns == MLXD_NULL_INT64 && (ch.content_len > 0 ||
	    ch.thinking_len > 0 || json_array_size(json_object_get(src,
	    "tool_calls")) > 0))
		g->stats.ttft_ns = ch.elapsed_ns;
	ch.done = json_is_true(json_object_get(o, "done"));
	ch.line = line;
	ch.line_len = len;
	if (ch.done) {
		g->done = true;
		g->stats.elapsed_ns = ch.elapsed_ns;
		generate_final(&g->stats, o);
	}
	rc = g->cb != NULL ? g->cb(g->arg, &ch) : 0;
	json_decref(o);
	if (rc > 0)
		return g->rc = -ECANCELED;
	if (rc < 0)
		return g->rc = rc;
	return 0;
}

static void
generate_stats_init(struct mlxd_gen_stats *st)
{
	memset(st, 0, sizeof *st);
	st->total_duration_ns = st->load_duration_ns = MLXD_NULL_INT64;
	st->prompt_eval_count = st->prompt_eval_cached_count = MLXD_NULL_INT64;
	st->prompt_eval_duration_ns = MLXD_NULL_INT64;
	st->eval_count = st->eval_duration_ns = MLXD_NULL_INT64;
	st->total_ms = st->load_ms = st->prompt_eval_ms = st->eval_ms = NAN;
	st->prompt_tps = st->gen_tps = st->ttft_ms = NAN;
	st->ttft_ns = st->elapsed_ns = MLXD_NULL_INT64;
}

static int
generate_run(struct mlxd_client *c, enum generate_kind kind, const char *path,
    const char *json_body, mlxd_chunk_cb cb, void *arg,
    struct mlxd_gen_stats *statsp)
{
	struct generate_call	 g;
	int			 rc;

	if (c == NULL || json_body == NULL || *json_body == '\0' ||
	    (statsp != NULL && !MLXD_HAS_MEMBER(statsp, struct mlxd_gen_stats,
	    size)))
		return -EINVAL;
	/* The version handshake must not count in the time to first token. */
	if ((rc = client_begin(c, true)) != 0)
		return rc;
	memset(&g, 0, sizeof g);
	g.c = c;
	g.kind = kind;
	g.cb = cb;
	g.arg = arg;
	generate_stats_init(&g.stats);
	g.t0_ns = generate_now_ns();
	rc = mlxd_stream(c, "POST", path, json_body, strlen(json_body),
	    generate_line, &g);
	if (rc == 0 && g.rc != 0)
		rc = g.rc;
	if (rc != 0 && g.error != NULL) {
		/* The upstream's own words, even if the transfer then broke. */
		client_set_error(c, g.error);
		rc = MLXD_EAPI;
	} else if (rc == MLXD_EAPI && g.error != NULL)
		client_set_error(c, g.error);
	else if (rc == 0 && !g.done) {
		client_set_error(c, "the stream ended before its final line");
		rc = MLXD_EPROTO;
	}
	if (rc == 0) {
		g.stats.ttft_ms = generate_ms(g.stats.ttft_ns);
		if (statsp != NULL) {
			/* No byte past the caller's size; its size stays. */
			g.stats.size = statsp->size;
			memcpy(statsp, &g.stats, statsp->size < sizeof g.stats ?
			    statsp->size : sizeof g.stats);
		}
	}
	free(g.error);
	return rc;
}

/* Stream a completion through POST /v1/generate. */
int
mlxd_generate(struct mlxd_client *c, const char *json_body, mlxd_chunk_cb cb,
    void *arg, struct mlxd_gen_stats *statsp)
{
	return generate_run(c, GENERATE_COMPLETION, "/v1/generate", json_body,
	    cb, arg, statsp);
}

/* Stream a chat answer through POST /v1/chat. */
int
mlxd_chat(struct mlxd_client *c, const char *json_body, mlxd_chunk_cb cb,
    void *arg, struct mlxd_gen_stats *statsp)
{
	return generate_run(c, GENERATE_CHAT, "/v1/chat", json_body, cb, arg,
	    statsp);
}

/* Append s to buf (of size len, holding *offp bytes) percent-encoded. */
static int
generate_query_add(char *buf, size_t len, size_t *offp, const char *key,
    const char *s)
{
	size_t			 off = *offp;
	int			 n;

	n = snprintf(buf + off, len - off, "%c%s=",
	    strchr(buf, '?') == NULL ? '?' : '&', key);
	if (n < 0 || (size_t)n >= len - off)
		return -ENAMETOOLONG;
	off += (size_t)n;
	*offp = off;
	return reply_escape(buf, len, offp, s);
}

static double
generate_real(const json_t *obj, const char *key)
{
	const json_t	*v = json_object_get(obj, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static int
generate_sessions_parse(const json_t *arr, struct mlxd_session **sp,
    size_t *np)
{
	struct mlxd_session	*ss, *s;
	const json_t		*o;
	size_t			 i, n = 0;

	*sp = NULL;
	*np = 0;
	if (!json_is_array(arr))
		return 0;
	if ((ss = calloc(json_array_size(arr) + 1, sizeof *ss)) == NULL)
		return -ENOMEM;
	json_array_foreach(arr, i, o) {
		if (!json_is_object(o))
			continue;
		s = &ss[n++];
		s->id = reply_int(o, "id");
		s->model = reply_string(o, "model");
		s->digest = reply_string(o, "digest");
		s->route = reply_string(o, "route");
		s->user_agent = reply_string(o, "user_agent");
		s->start_at = reply_string(o, "start_at");
		s->start_at_ms = reply_time(o, "start_at");
		s->start_ns = reply_int(o, "start_ns");
		s->end_ns = reply_int(o, "end_ns");
		s->ttft_ns = reply_int(o, "ttft_ns");
		s->prompt_eval_count = reply_int(o, "prompt_eval_count");
		s->prompt_eval_duration_ns = reply_int(o,
		    "prompt_eval_duration_ns");
		s->eval_count = reply_int(o, "eval_count");
		s->eval_duration_ns = reply_int(o, "eval_duration_ns");
		s->load_ns = reply_int(o, "load_ns");
		s->peak_memory_bytes = reply_int(o, "peak_memory_bytes");
		s->prompt_tps = generate_real(o, "prompt_tps");
		s->gen_tps = generate_real(o, "gen_tps");
		s->done_reason = reply_string(o, "done_reason");
		s->error = reply_string(o, "error");
		s->prompt_text = reply_string(o, "prompt_text");
		s->output_text = reply_string(o, "output_text");
		s->kind = reply_string(o, "kind");
		s->counts_source = reply_string(o, "counts_source");
		s->input_count = reply_int(o, "input_count");
	}
	*sp = ss;
	*np = n;
	return 0;
}

static void
generate_sessions_release(void *p)
{
	mlxd_sessions_free(p);
}

static int
generate_sessions_fill(void *p, const json_t *root, const char *raw)
{
	struct generate_sessions_reply	*r = p;

	r->pub.raw_json = raw;
	return generate_sessions_parse(json_object_get(root, "sessions"),
	    &r->pub.sessions, &r->pub.nsessions);
}

/* List stored generations. */
int
mlxd_sessions(struct mlxd_client *c, const char *model, const char *since,
    int limit, struct mlxd_sessions **sp)
{
	char	 path[1024], num[32];
	size_t	 off;
	void	*r;
	int	 rc;

	if (c == NULL || sp == NULL || limit < 0 || limit > 10000)
		return -EINVAL;
	off = (size_t)snprintf(path, sizeof path, "/v1/sessions");
	if (model != NULL &&
	    (rc = generate_query_add(path, sizeof path, &off, "model",
	    model)) != 0)
		return rc;
	if (since != NULL &&
	    (rc = generate_query_add(path, sizeof path, &off, "since",
	    since)) != 0)
		return rc;
	if (limit > 0) {
		snprintf(num, sizeof num, "%d", limit);
		if ((rc = generate_query_add(path, sizeof path, &off, "limit",
		    num)) != 0)
			return rc;
	}
	if ((rc = CALL_GET(c, path, struct generate_sessions_reply,
	    generate_sessions_fill, generate_sessions_release, &r)) != 0)
		return rc;
	*sp = &((struct generate_sessions_reply *)r)->pub;
	return 0;
}

/* Free a reply of mlxd_sessions(). */
void
mlxd_sessions_free(struct mlxd_sessions *s)
{
	struct generate_sessions_reply	*r = (struct generate_sessions_reply *)s;

	if (r == NULL)
		return;
	free(r->pub.sessions);
	reply_clear(&r->r);
	free(r);
}
