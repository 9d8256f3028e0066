/* SPDX-License-Identifier: ISC */
/*
 * ollama_gen.c: a streaming generation request to Ollama on the loop.
 *
 * Bytes go to the raw callback the moment libcurl hands them over (the
 * proxy never buffers); a copy is split on '\n' and each complete line is
 * parsed. Per Ollama's wire format every line is checked for "error" first;
 * content is any non-empty response, thinking, message.content,
 * message.thinking or tool_calls; the line with "done":true carries the
 * counters. A body that ends without that line is an error (-EPROTO), and a
 * non-200 reply is an error with Ollama's message.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "httpc.h"
#include "mlxd.h"
#include "ollama.h"
#include "ollama_gen.h"
#include "ollama_parse.h"
#include "timeutil.h"
#include "xmalloc.h"

#define OLLAMA_GEN_MAXLINE	(8 * 1024 * 1024)

struct ollama_gen {
	struct mlxd		*md;
	struct httpc_req	*req;
	struct ollama_gen_cbs	 cbs;
	void			*arg;
	struct ollama_gen_stats	 st;
	char			*line;		/* partial line */
	size_t			 len, cap;
	int			 keep_text;
	char			*text;
	size_t			 tlen, tcap;
	char			*error;		/* first error line */
	int			 oversize;
};

static int64_t
ollama_gen_int(json_t *obj, const char *key)
{
	json_t	*v = json_object_get(obj, key);

	/* Go omits zero counters: a missing one is 0 once done is seen. */
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v)) {
		double	d = json_real_value(v);

		/* Out of int64_t's range (or NaN) is no counter at all. */
		if (!(d >= -9.2e18 && d <= 9.2e18))
			return 0;
		return (int64_t)d;
	}
	return 0;
}

static int
ollama_gen_nonempty(json_t *v)
{
	return (json_is_string(v) && json_string_length(v) > 0) ||
	    (json_is_array(v) && json_array_size(v) > 0);
}

static void
ollama_gen_append(char **bufp, size_t *lenp, size_t *capp, const char *s,
    size_t n)
{
	if (*lenp + n + 1 > *capp) {
		*capp = (*lenp + n + 1) * 2;
		*bufp = xrealloc(*bufp, *capp);
	}
	memcpy(*bufp + *lenp, s, n);
	*lenp += n;
	(*bufp)[*lenp] = '\0';
}

/* Parse one NDJSON line. */
int
ollama_gen_parse_line(const char *line, size_t len, struct ollama_gen_stats *st,
    char **textp, char **errp)
{
	json_t		*o, *msg, *v;
	const char	*e, *dr;
	int		 content = 0;

	*textp = NULL;
	if ((o = json_loadb(line, len, 0, NULL)) == NULL || !json_is_object(o)) {
		json_decref(o);
		*errp = xstrdup("Ollama sent a line that is not a JSON object");
		return -1;
	}
	if ((e = json_string_value(json_object_get(o, "error"))) != NULL) {
		*errp = xstrdup(e);
		json_decref(o);
		return -1;
	}
	msg = json_object_get(o, "message");
	if (ollama_gen_nonempty(json_object_get(o, "response")) ||
	    ollama_gen_nonempty(json_object_get(o, "thinking")) ||
	    ollama_gen_nonempty(json_object_get(o, "tool_calls")) ||
	    ollama_gen_nonempty(json_object_get(msg, "content")) ||
	    ollama_gen_nonempty(json_object_get(msg, "thinking")) ||
	    ollama_gen_nonempty(json_object_get(msg, "tool_calls")))
		content = 1;
	if ((v = json_object_get(o, "response")) == NULL)
		v = json_object_get(msg, "content");
	if (json_is_string(v) && json_string_length(v) > 0)
		*textp = xstrdup(json_string_value(v));
	if (json_is_true(json_object_get(o, "done"))) {
		st->done = 1;
		st->total_ns = ollama_gen_int(o, "total_duration");
		st->load_ns = ollama_gen_int(o, "load_duration");
		st->prompt_eval_count = ollama_gen_int(o, "prompt_eval_count");
		st->prompt_eval_ns = ollama_gen_int(o, "prompt_eval_duration");
		st->prompt_cached_count = json_is_integer(json_object_get(o,
		    "prompt_eval_cached_count")) ? ollama_gen_int(o,
		    "prompt_eval_cached_count") : -1;
		st->eval_count = ollama_gen_int(o, "eval_count");
		st->eval_ns = ollama_gen_int(o, "eval_duration");
		dr = json_string_value(json_object_get(o, "done_reason"));
		snprintf(st->done_reason, sizeof(st->done_reason), "%s",
		    dr != NULL ? dr : "");
	}
	json_decref(o);
	return content;
}

static void
ollama_gen_line(struct ollama_gen *g, const char *line, size_t len)
{
	int64_t	 now;
	char	*text = NULL, *err = NULL;
	int	 rc;

	if (len == 0 || g->error != NULL)
		return;
	rc = ollama_gen_parse_line(line, len, &g->st, &text, &err);
	if (rc < 0) {
		g->error = err;
		return;
	}
	now = (int64_t)timeutil_mono_ns() - g->st.sent_mono_ns;
	if (text != NULL && g->keep_text)
		ollama_gen_append(&g->text, &g->tlen, &g->tcap, text,
		    strlen(text));
	free(text);
	if (g->st.done && g->st.e2e_ns < 0)
		g->st.e2e_ns = now;
	if (rc == 1) {
		if (g->st.ttft_ns < 0)
			g->st.ttft_ns = now;
		g->st.last_token_ns = now;
		g->st.chunks++;
		if (g->cbs.chunk != NULL)
			g->cbs.chunk(g->arg, &g->st);
	}
}

static void
ollama_gen_head(void *arg, long status, const char *ctype)
{
	struct ollama_gen	*g = arg;

	g->st.status = status;
	if (g->cbs.head != NULL)
		g->cbs.head(g->arg, status, ctype);
}

static int
ollama_gen_data(void *arg, const char *buf, size_t len)
{
	struct ollama_gen	*g = arg;
	const char		*p = buf, *nl;

	if (g->cbs.raw != NULL && g->cbs.raw(g->arg, buf, len) != 0)
		return 1;
	if (g->st.status != 200) {
		/* An error body: keep it whole for the message. */
		ollama_gen_append(&g->line, &g->len, &g->cap, buf, len);
		return 0;
	}
	while ((nl = memchr(p, '\n', len - (size_t)(p - buf))) != NULL) {
		if (g->len > 0) {
			ollama_gen_append(&g->line, &g->len, &g->cap, p,
			    (size_t)(nl - p));
			ollama_gen_line(g, g->line, g->len);
			g->len = 0;
		} else
			ollama_gen_line(g, p, (size_t)(nl - p));
		p = nl + 1;
	}
	if (p < buf + len) {
		if (g->len + (size_t)(buf + len - p) > OLLAMA_GEN_MAXLINE)
			g->oversize = 1;
		else
			ollama_gen_append(&g->line, &g->len, &g->cap, p,
			    (size_t)(buf + len - p));
	}
	return 0;
}

static void
ollama_gen_free(struct ollama_gen *g)
{
	free(g->line);
	free(g->text);
	free(g->error);
	free(g);
}

static void
ollama_gen_done(void *arg, const struct httpc_result *res)
{
	struct ollama_gen		*g = arg;
	struct ollama_gen_result	 r;
	char				*msg = NULL;

	g->req = NULL;
	memset(&r, 0, sizeof(r));
	r.stats = &g->st;
	if (res->err != 0) {
		r.err = res->err;
		msg = xasprintf("%s", res->errmsg != NULL ? res->errmsg :
		    strerror(-res->err));
	} else if (res->status != 200) {
		g->st.status = res->status;
		r.err = -EPROTO;
		msg = ollama_parse_error(res->status, g->line != NULL ?
		    g->line : "", g->len);
	} else {
		/* A reply without a final newline (stream:false, or cut). */
		if (g->len > 0 && !g->oversize) {
			ollama_gen_line(g, g->line, g->len);
			g->len = 0;
		}
		if (g->error != NULL) {
			r.err = -EPROTO;
			msg = xstrdup(g->error);
		} else if (g->oversize) {
			r.err = -EPROTO;
			msg = xstrdup("a line from Ollama exceeded 8 MiB");
		} else if (!g->st.done) {
			r.err = -EPROTO;
			msg = xstrdup("Ollama ended the stream before the "
			    "final (done) line");
		}
	}
	r.error = msg;
	r.text = g->keep_text ? (g->text != NULL ? g->text : "") : NULL;
	if (g->cbs.done != NULL)
		g->cbs.done(g->arg, &r);
	free(msg);
	ollama_gen_free(g);
}

/* Start a generation. */
struct ollama_gen *
ollama_gen_start(struct mlxd *md, const char *path, const char *body,
    size_t len, const char *user_agent, int keep_text,
    const struct ollama_gen_cbs *cbs, void *arg)
{
	struct ollama_gen	*g;
	struct httpc_opts	 o;
	char			*url;

	g = xcalloc(1, sizeof(*g));
	g->md = md;
	g->cbs = *cbs;
	g->arg = arg;
	g->keep_text = keep_text;
	g->st.ttft_ns = g->st.last_token_ns = g->st.e2e_ns = -1;
	g->st.total_ns = g->st.load_ns = -1;
	g->st.prompt_eval_count = g->st.prompt_eval_ns = -1;
	g->st.prompt_cached_count = -1;
	g->st.eval_count = g->st.eval_ns = -1;
	url = xasprintf("%s%s", ollama_url(md->ollama), path);
	memset(&o, 0, sizeof(o));
	o.method = "POST";
	o.url = url;
	o.body = body;
	o.body_len = len;
	o.connect_timeout_ms = 3000;
	o.user_agent = user_agent;
	o.head_cb = ollama_gen_head;
	o.data_cb = ollama_gen_data;
	o.done_cb = ollama_gen_done;
	o.arg = g;
	g->st.sent_mono_ns = (int64_t)timeutil_mono_ns();
	g->req = httpc_start(md->httpc, &o);
	free(url);
	if (g->req == NULL) {
		ollama_gen_free(g);
		return NULL;
	}
	return g;
}

/* Abort without callbacks. */
void
ollama_gen_cancel(struct ollama_gen *g)
{
	if (g == NULL)
		return;
	httpc_cancel(g->req);
	ollama_gen_free(g);
}
