/* SPDX-License-Identifier: ISC */
/*
 * proxy_meter.c: what mlxd counts of the requests it proxies.
 *
 * Per-model counters and histograms for Prometheus (proxy_account,
 * proxy_prom), the model digest a session records (proxy_digest), and the
 * meter of the pass-through routes that carry tokens without being
 * Ollama's generate/chat: /api/embed, /api/embeddings and the
 * OpenAI-compatible /v1/chat/completions, /v1/completions, /v1/embeddings.
 * The meter reads a copy of the bytes the client receives (SSE events
 * line by line, single JSON replies whole) and never changes them. The
 * counters of the OpenAI routes come from their "usage" object, which the
 * session records as its counts_source. Everything here runs on the loop,
 * except proxy_meter_request (the request body, on the HTTP thread, before
 * the upstream can answer).
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "mlxd.h"
#include "mlxd_config.h"
#include "proxy.h"
#include "proxy_int.h"
#include "state.h"
#include "store_bench.h"
#include "timeutil.h"
#include "xmalloc.h"

#define METER_MAXBODY	(64 * 1024 * 1024)

static const double ttft_bounds[PROXY_TTFT_BUCKETS] = {
	0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
};
static const double tps_bounds[PROXY_TPS_BUCKETS] = {
	1, 5, 10, 20, 30, 50, 75, 100, 150, 200, 300, 500,
};
static const char *const outcome_names[PROXY_NOUTCOMES] = {
	"ok", "error", "cancelled",
};

/* The digest of model in the last /api/tags, or NULL; caller frees. */
char *
proxy_digest(const char *model)
{
	json_t		*models, *m;
	const char	*name, *want = model;
	char		*full = NULL, *out = NULL;
	size_t		 i;

	if (model == NULL || (models = state_get(STATE_MODELS)) == NULL)
		return NULL;
	if (strchr(model, ':') == NULL || strrchr(model, '/') >
	    strrchr(model, ':'))
		want = full = xasprintf("%s:latest", model);
	json_array_foreach(json_object_get(models, "models"), i, m) {
		name = json_string_value(json_object_get(m, "name"));
		if (name != NULL && strcmp(name, want) == 0 &&
		    json_is_string(json_object_get(m, "digest"))) {
			out = xstrdup(json_string_value(json_object_get(m,
			    "digest")));
			break;
		}
	}
	free(full);
	json_decref(models);
	return out;
}

static struct proxy_stat *
stat_find(struct proxy *p, const char *model, const char *route)
{
	struct proxy_stat	*s;
	int			 i, nmodels = 0, seen;

	if (model == NULL || *model == '\0')
		model = "unknown";
	for (i = 0; i < p->nstats; i++) {
		s = &p->stats[i];
		if (strcmp(s->model, model) == 0 && strcmp(s->route, route) ==
		    0)
			return s;
	}
	/* Bounded cardinality: models beyond the cap count as "other". */
	for (i = 0; i < p->nstats; i++) {
		int j;
		for (seen = 0, j = 0; j < i; j++)
			if (strcmp(p->stats[j].model, p->stats[i].model) == 0)
				seen = 1;
		if (!seen && strcmp(p->stats[i].model, model) != 0)
			nmodels++;
	}
	if (nmodels >= PROXY_MAXMODELS && strcmp(model, "other") != 0)
		return stat_find(p, "other", route);
	if (p->nstats == p->capstats) {
		p->capstats = p->capstats ? p->capstats * 2 : 8;
		p->stats = xreallocarray(p->stats, (size_t)p->capstats,
		    sizeof(*p->stats));
	}
	s = &p->stats[p->nstats++];
	memset(s, 0, sizeof(*s));
	snprintf(s->model, sizeof(s->model), "%s", model);
	snprintf(s->route, sizeof(s->route), "%s", route);
	return s;
}

/* Count one finished request (loop). */
void
proxy_account(struct proxy *p, const struct store_bench_session *ss)
{
	struct proxy_stat	*s;
	int			 o, i, embed;
	double			 v;

	if (p == NULL)
		return;
	embed = ss->kind != NULL && strcmp(ss->kind, "embed") == 0;
	s = stat_find(p, ss->model, ss->route);
	o = ss->error == NULL ? 0 : strcmp(ss->error, "client disconnected") ==
	    0 ? 2 : 1;
	if (embed) {
		s->embed_requests[o]++;
		if (ss->input_count > 0)
			s->embed_inputs += ss->input_count;
		if (ss->prompt_eval_count > 0)
			s->embed_prompt_tokens += ss->prompt_eval_count;
		return;
	}
	s->requests[o]++;
	if (ss->prompt_eval_count > 0)
		s->prompt_tokens += ss->prompt_eval_count;
	if (ss->eval_count > 0)
		s->tokens += ss->eval_count;
	if (ss->ttft_ns >= 0) {
		v = (double)ss->ttft_ns / 1e9;
		for (i = 0; i < PROXY_TTFT_BUCKETS; i++)
			if (v <= ttft_bounds[i])
				s->ttft[i]++;
		s->ttft_count++;
		s->ttft_sum += v;
	}
	if (ss->eval_count > 0 && ss->eval_duration_ns > 0) {
		v = (double)ss->eval_count / ((double)ss->eval_duration_ns /
		    1e9);
		for (i = 0; i < PROXY_TPS_BUCKETS; i++)
			if (v <= tps_bounds[i])
				s->tps[i]++;
		s->tps_count++;
		s->tps_sum += v;
	}
}

static void
prom_labels(struct metrics_buf *b, const struct proxy_stat *s,
    const char *extra_name, const char *extra)
{
	const char	*v;
	int		 k;

	b->len = 0;
	metrics_buf_printf(b, "%s", "");
	for (k = 0; k < 2; k++) {
		metrics_buf_printf(b, "%s=\"", k == 0 ? "model" : "route");
		for (v = k == 0 ? s->model : s->route; *v != '\0'; v++) {
			if (*v == '\\' || *v == '"')
				metrics_buf_printf(b, "\\%c", *v);
			else if (*v == '\n')
				metrics_buf_printf(b, "\\n");
			else
				metrics_buf_printf(b, "%c", *v);
		}
		metrics_buf_printf(b, "\"%s", k == 0 ? "," : "");
	}
	if (extra_name != NULL)
		metrics_buf_printf(b, ",%s=\"%s\"", extra_name, extra);
}

static void
prom_hist(struct metrics_buf *b, struct metrics_buf *lb, const char *name,
    const struct proxy_stat *s, const double *bounds, const int64_t *counts,
    int n, int64_t count, double sum)
{
	char	le[32], *fam;
	int	i;

	fam = xasprintf("%s_bucket", name);
	for (i = 0; i < n; i++) {
		snprintf(le, sizeof(le), "%g", bounds[i]);
		prom_labels(lb, s, "le", le);
		metrics_prom_value(b, fam, lb->data, (double)counts[i]);
	}
	prom_labels(lb, s, "le", "+Inf");
	metrics_prom_value(b, fam, lb->data, (double)count);
	free(fam);
	fam = xasprintf("%s_sum", name);
	prom_labels(lb, s, NULL, NULL);
	metrics_prom_value(b, fam, lb->data, sum);
	free(fam);
	fam = xasprintf("%s_count", name);
	metrics_prom_value(b, fam, lb->data, (double)count);
	free(fam);
}

/* The int64_t at off in s (a counter, or the first of an outcome array). */
static const int64_t *
prom_field(const struct proxy_stat *s, size_t off)
{
	return (const int64_t *)(const void *)((const char *)s + off);
}

/* One counter family by model, route and outcome (array at off). */
static void
prom_by_outcome(struct proxy *p, struct metrics_buf *b, struct metrics_buf *lb,
    const char *name, const char *help, size_t off)
{
	const int64_t	*v;
	int		 i, o;

	metrics_prom_header(b, name, "counter", help);
	for (i = 0; i < p->nstats; i++) {
		v = prom_field(&p->stats[i], off);
		for (o = 0; o < PROXY_NOUTCOMES; o++) {
			if (v[o] == 0)
				continue;
			prom_labels(lb, &p->stats[i], "outcome",
			    outcome_names[o]);
			metrics_prom_value(b, name, lb->data, (double)v[o]);
		}
	}
}

/*
 * One counter family by model and route (the counter at off), for the
 * models with any request in the outcome array at gate_off.
 */
static void
prom_by_model(struct proxy *p, struct metrics_buf *b, struct metrics_buf *lb,
    const char *name, const char *help, size_t off, size_t gate_off)
{
	const int64_t	*gate;
	int		 i, o;
	int64_t		 n;

	metrics_prom_header(b, name, "counter", help);
	for (i = 0; i < p->nstats; i++) {
		gate = prom_field(&p->stats[i], gate_off);
		for (n = 0, o = 0; o < PROXY_NOUTCOMES; o++)
			n += gate[o];
		if (n == 0)
			continue;
		prom_labels(lb, &p->stats[i], NULL, NULL);
		metrics_prom_value(b, name, lb->data,
		    (double)*prom_field(&p->stats[i], off));
	}
}

/* Append the proxy's families in Prometheus text format (loop). */
void
proxy_prom(struct proxy *p, struct metrics_buf *b)
{
	struct metrics_buf	 lb = { NULL, 0, 0 };
	const size_t		 gen = offsetof(struct proxy_stat, requests);
	const size_t		 emb = offsetof(struct proxy_stat,
				    embed_requests);
	int			 i;

	if (p == NULL)
		return;
	prom_by_outcome(p, b, &lb, "mlxd_generation_requests_total",
	    "Generations proxied to Ollama, by model, route and outcome.", gen);
	prom_by_model(p, b, &lb, "mlxd_generation_prompt_tokens_total",
	    "Prompt tokens Ollama evaluated for proxied generations.",
	    offsetof(struct proxy_stat, prompt_tokens), gen);
	prom_by_model(p, b, &lb, "mlxd_generation_tokens_total",
	    "Tokens Ollama generated for proxied requests.",
	    offsetof(struct proxy_stat, tokens), gen);
	metrics_prom_header(b, "mlxd_generation_ttft_seconds", "histogram",
	    "Time to first token of proxied generations, measured by mlxd.");
	for (i = 0; i < p->nstats; i++)
		if (p->stats[i].ttft_count > 0)
			prom_hist(b, &lb, "mlxd_generation_ttft_seconds",
			    &p->stats[i], ttft_bounds, p->stats[i].ttft,
			    PROXY_TTFT_BUCKETS, p->stats[i].ttft_count,
			    p->stats[i].ttft_sum);
	metrics_prom_header(b, "mlxd_generation_tokens_per_second",
	    "histogram", "Generation rate of each proxied request (Ollama's "
	    "eval_count / eval_duration).");
	for (i = 0; i < p->nstats; i++)
		if (p->stats[i].tps_count > 0)
			prom_hist(b, &lb, "mlxd_generation_tokens_per_second",
			    &p->stats[i], tps_bounds, p->stats[i].tps,
			    PROXY_TPS_BUCKETS, p->stats[i].tps_count,
			    p->stats[i].tps_sum);
	prom_by_outcome(p, b, &lb, "mlxd_embedding_requests_total",
	    "Embedding requests proxied to Ollama, by model, route and "
	    "outcome.", emb);
	prom_by_model(p, b, &lb, "mlxd_embedding_inputs_total",
	    "Inputs embedded through the proxy.",
	    offsetof(struct proxy_stat, embed_inputs), emb);
	prom_by_model(p, b, &lb, "mlxd_embedding_prompt_tokens_total",
	    "Tokens Ollama evaluated for proxied embedding requests.",
	    offsetof(struct proxy_stat, embed_prompt_tokens), emb);
	metrics_buf_free(&lb);
}

/* ---- the pass-through meter ---------------------------------------------- */

enum meter_kind {
	METER_EMBED,		/* /api/embed */
	METER_EMBED_OLD,	/* /api/embeddings */
	METER_OA_CHAT,		/* /v1/chat/completions */
	METER_OA_COMPL,		/* /v1/completions */
	METER_OA_EMBED,		/* /v1/embeddings */
};

struct proxy_meter {
	enum meter_kind	 kind;
	uint64_t	 id;		/* in generation.active (loop) */
	char		*route;
	char		*client;
	int64_t		 started_ns;	/* wall clock */
	int64_t		 sent_mono;

	/* Set from the request body (HTTP thread, before any reply). */
	char		*model;
	char		*prompt;
	int64_t		 inputs;

	/* The reply (loop). */
	long		 status;
	int		 sse;
	char		*buf;		/* partial SSE line, or whole reply */
	size_t		 len, cap;
	int		 over;
	int64_t		 ttft_ns;
	int64_t		 chunks;
	int64_t		 last_ns;
	int64_t		 prompt_tokens, tokens;
	int64_t		 load_ns, total_ns;
	int		 usage;		/* counters came from "usage" */
	char		*text;
	size_t		 tlen, tcap;
	char		*finish;
};

static void
meter_append(char **bufp, size_t *lenp, size_t *capp, const char *s,
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

/* A meter for a pass-through request, or NULL when it is not metered. */
struct proxy_meter *
proxy_meter_new(const char *method, const char *path, const char *client)
{
	static const struct {
		const char	*path;
		enum meter_kind	 kind;
	} routes[] = {
		{ "/api/embed", METER_EMBED },
		{ "/api/embeddings", METER_EMBED_OLD },
		{ "/v1/chat/completions", METER_OA_CHAT },
		{ "/v1/completions", METER_OA_COMPL },
		{ "/v1/embeddings", METER_OA_EMBED },
	};
	struct proxy_meter	*m;
	size_t			 i;

	if (strcmp(method, "POST") != 0)
		return NULL;
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(path, routes[i].path) == 0)
			break;
	if (i == sizeof(routes) / sizeof(routes[0]))
		return NULL;
	m = xcalloc(1, sizeof(*m));
	m->kind = routes[i].kind;
	m->route = xstrdup(path);
	m->client = client != NULL ? proxy_utf8(client) : NULL;
	m->started_ns = timeutil_now_ns();
	m->sent_mono = (int64_t)timeutil_mono_ns();
	m->ttft_ns = m->last_ns = -1;
	m->prompt_tokens = m->tokens = m->inputs = -1;
	m->load_ns = m->total_ns = -1;
	return m;
}

/* Whether the request is an embedding call. */
static int
meter_is_embed(const struct proxy_meter *m)
{
	return m->kind == METER_EMBED || m->kind == METER_EMBED_OLD ||
	    m->kind == METER_OA_EMBED;
}

/* The upstream request started (loop): number it for generation.active. */
void
proxy_meter_begin(struct proxy *p, struct proxy_meter *m)
{
	if (m != NULL && !meter_is_embed(m))
		m->id = ++p->next_id;
}

/*
 * The entry of a running generation in generation.active, as proxy.c
 * shows /api/generate and /api/chat; NULL for an embedding call (loop,
 * under the pass's lock since the model comes from the HTTP thread). The
 * live rate needs two content events of a stream; a single JSON reply has
 * none.
 */
json_t *
proxy_meter_active(const struct proxy_meter *m)
{
	json_t	*rate = json_null();

	if (m == NULL || meter_is_embed(m) || m->id == 0)
		return NULL;
	if (m->sse && m->chunks >= 2 && m->last_ns > m->ttft_ns)
		rate = json_real((double)(m->chunks - 1) / ((double)(m->last_ns
		    - m->ttft_ns) / 1e9));
	return json_pack("{s:I, s:s?, s:s, s:s?, s:o, s:I, s:o, s:o}",
	    "id", (json_int_t)m->id,
	    "model", m->model,
	    "route", m->route,
	    "client", m->client,
	    "started_at", timeutil_iso_json(m->started_ns),
	    "chunks", (json_int_t)m->chunks,
	    "tokens_per_s", rate,
	    "ttft_ms", m->ttft_ns >= 0 ? json_real((double)m->ttft_ns / 1e6) :
	    json_null());
}

/* Learn the model and inputs from the request body (HTTP thread). */
void
proxy_meter_request(struct proxy_meter *m, const char *body, size_t len)
{
	json_t		*j, *in;
	const char	*model;

	if (m == NULL || body == NULL)
		return;
	if ((j = json_loadb(body, len, 0, NULL)) == NULL)
		return;
	if ((model = json_string_value(json_object_get(j, "model"))) != NULL)
		m->model = proxy_utf8(model);
	in = json_object_get(j, m->kind == METER_EMBED_OLD ? "prompt" :
	    m->kind == METER_OA_CHAT ? "messages" : m->kind ==
	    METER_OA_COMPL ? "prompt" : "input");
	if (json_is_string(in)) {
		m->inputs = 1;
		m->prompt = xstrdup(json_string_value(in));
	} else if (json_is_array(in)) {
		m->inputs = (int64_t)json_array_size(in);
		m->prompt = json_dumps(in, JSON_COMPACT);
	}
	json_decref(j);
}

static void
meter_usage(struct proxy_meter *m, json_t *o)
{
	json_t	*u = json_object_get(o, "usage");

	if (!json_is_object(u))
		return;
	m->usage = 1;
	if (json_is_integer(json_object_get(u, "prompt_tokens")))
		m->prompt_tokens = json_integer_value(json_object_get(u,
		    "prompt_tokens"));
	if (json_is_integer(json_object_get(u, "completion_tokens")))
		m->tokens = json_integer_value(json_object_get(u,
		    "completion_tokens"));
}

/* One OpenAI choice's text: delta.content, message.content or text. */
static const char *
meter_choice_text(json_t *o)
{
	json_t	*c = json_array_get(json_object_get(o, "choices"), 0);
	json_t	*v;

	if ((v = json_object_get(json_object_get(c, "delta"), "content")) ==
	    NULL && (v = json_object_get(json_object_get(c, "message"),
	    "content")) == NULL)
		v = json_object_get(c, "text");
	return json_string_value(v);
}

static void
meter_finish_reason(struct proxy_meter *m, json_t *o)
{
	json_t		*c = json_array_get(json_object_get(o, "choices"), 0);
	const char	*fr = json_string_value(json_object_get(c,
			    "finish_reason"));

	if (fr != NULL) {
		free(m->finish);
		m->finish = xstrdup(fr);
	}
}

static void
meter_sse_line(struct proxy_meter *m, const char *line, size_t len)
{
	json_t		*o;
	const char	*t;
	int64_t		 now;

	if (len < 6 || strncmp(line, "data: ", 6) != 0)
		return;
	line += 6;
	len -= 6;
	if (len == 6 && strncmp(line, "[DONE]", 6) == 0)
		return;
	if ((o = json_loadb(line, len, 0, NULL)) == NULL)
		return;
	meter_usage(m, o);
	meter_finish_reason(m, o);
	if ((t = meter_choice_text(o)) != NULL && *t != '\0') {
		now = (int64_t)timeutil_mono_ns() - m->sent_mono;
		if (m->ttft_ns < 0)
			m->ttft_ns = now;
		m->last_ns = now;
		m->chunks++;
		meter_append(&m->text, &m->tlen, &m->tcap, t, strlen(t));
	}
	json_decref(o);
}

/* The reply's head (loop). */
void
proxy_meter_head(struct proxy_meter *m, long status, const char *ctype)
{
	if (m == NULL)
		return;
	m->status = status;
	m->sse = ctype != NULL && strstr(ctype, "text/event-stream") != NULL;
}

/* A copy of reply bytes as the client gets them (loop). */
void
proxy_meter_data(struct proxy_meter *m, const char *buf, size_t len)
{
	const char	*p = buf, *nl;

	if (m == NULL)
		return;
	if (m->status != 200) {
		/* An error body, for the session's message. */
		if (m->len + len < 65536)
			meter_append(&m->buf, &m->len, &m->cap, buf, len);
		return;
	}
	if (!m->sse) {
		if (m->ttft_ns < 0)
			m->ttft_ns = (int64_t)timeutil_mono_ns() - m->sent_mono;
		if (m->len + len > METER_MAXBODY)
			m->over = 1;
		else
			meter_append(&m->buf, &m->len, &m->cap, buf, len);
		return;
	}
	while ((nl = memchr(p, '\n', len - (size_t)(p - buf))) != NULL) {
		if (m->len > 0) {
			meter_append(&m->buf, &m->len, &m->cap, p,
			    (size_t)(nl - p));
			meter_sse_line(m, m->buf, m->len);
			m->len = 0;
		} else
			meter_sse_line(m, p, (size_t)(nl - p));
		p = nl + 1;
	}
	if (p < buf + len && m->len + (size_t)(buf + len - p) < METER_MAXBODY)
		meter_append(&m->buf, &m->len, &m->cap, p, (size_t)(buf + len -
		    p));
}

/* A whole (non-streamed) reply. */
static void
meter_whole(struct proxy_meter *m)
{
	json_t		*o, *v;
	const char	*t;

	if (m->buf == NULL || m->over || (o = json_loadb(m->buf, m->len, 0,
	    NULL)) == NULL)
		return;
	switch (m->kind) {
	case METER_EMBED:
		if (json_is_integer(v = json_object_get(o,
		    "prompt_eval_count")))
			m->prompt_tokens = json_integer_value(v);
		if (json_is_integer(v = json_object_get(o, "load_duration")))
			m->load_ns = json_integer_value(v);
		if (json_is_integer(v = json_object_get(o, "total_duration")))
			m->total_ns = json_integer_value(v);
		if (json_is_array(v = json_object_get(o, "embeddings")))
			m->inputs = (int64_t)json_array_size(v);
		break;
	case METER_EMBED_OLD:
		m->inputs = json_array_size(json_object_get(o, "embedding")) >
		    0 ? 1 : 0;
		break;
	case METER_OA_EMBED:
		meter_usage(m, o);
		if (json_is_array(v = json_object_get(o, "data")))
			m->inputs = (int64_t)json_array_size(v);
		break;
	default:
		meter_usage(m, o);
		meter_finish_reason(m, o);
		if ((t = meter_choice_text(o)) != NULL)
			meter_append(&m->text, &m->tlen, &m->tcap, t,
			    strlen(t));
		break;
	}
	json_decref(o);
}

static void
meter_free(struct proxy_meter *m)
{
	free(m->route);
	free(m->client);
	free(m->model);
	free(m->prompt);
	free(m->buf);
	free(m->text);
	free(m->finish);
	free(m);
}

/* The request ended: store its session and count it (loop); frees m. */
void
proxy_meter_end(struct proxy *p, struct proxy_meter *m, const char *error)
{
	struct store_bench_session	 s;
	char				*digest, *err = NULL;
	int				 rc;

	if (m == NULL)
		return;
	if (error == NULL && m->status != 200) {
		json_t *o = m->buf != NULL ? json_loadb(m->buf, m->len, 0,
		    NULL) : NULL;
		json_t *e = json_object_get(o, "error");
		const char *msg = json_string_value(e) != NULL ?
		    json_string_value(e) : json_string_value(json_object_get(e,
		    "message"));
		err = xasprintf("Ollama answered %ld%s%s", m->status,
		    msg != NULL ? ": " : "", msg != NULL ? msg : "");
		json_decref(o);
		error = err;
	} else if (!m->sse)
		meter_whole(m);
	store_bench_session_init(&s);
	s.model = m->model != NULL ? m->model : "";
	digest = proxy_digest(m->model);
	s.digest = digest;
	s.route = m->route;
	s.user_agent = m->client;
	s.start_ns = m->started_ns;
	s.end_ns = timeutil_now_ns();
	s.ttft_ns = meter_is_embed(m) ? -1 : m->ttft_ns;
	s.prompt_eval_count = m->prompt_tokens;
	s.error = error;
	s.kind = meter_is_embed(m) ? "embed" : "generate";
	s.input_count = meter_is_embed(m) ? m->inputs : -1;
	s.load_ns = m->load_ns;
	if (!meter_is_embed(m)) {
		s.eval_count = m->tokens >= 0 ? m->tokens : m->chunks > 0 ?
		    m->chunks : -1;
		/* Only mlxd's clock is there: first to last content chunk. */
		if (m->chunks > 1 && m->last_ns > m->ttft_ns) {
			s.eval_duration_ns = (m->last_ns - m->ttft_ns) *
			    m->chunks / (m->chunks - 1);
		}
		s.done_reason = m->finish;
	}
	s.counts_source = m->usage ? "openai_usage" : m->kind == METER_EMBED ?
	    "ollama" : NULL;
	if (p->md->cfg->sessions_store_text) {
		s.prompt_text = m->prompt;
		if (m->text != NULL)
			s.output_text = m->text;
	}
	if ((rc = store_bench_session_insert(p->md->store, &s, NULL)) != 0)
		log_warnx("proxy: cannot store the session: %s", strerror(-rc));
	proxy_account(p, &s);
	free(digest);
	free(err);
	meter_free(m);
}

/* Drop a meter without a session (mlxd never reached Ollama). */
void
proxy_meter_free(struct proxy_meter *m)
{
	if (m != NULL)
		meter_free(m);
}
