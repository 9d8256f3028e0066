/* SPDX-License-Identifier: ISC */
/*
 * sim_gen.c: ollama-sim's generation: /api/generate and /api/chat with
 * deterministic text paced at an exact token rate (NDJSON streamed per
 * line, or one reply for stream:false), the midstream_error and drop
 * faults, /api/embed and /api/embeddings, and the OpenAI-compatible
 * /v1/chat/completions, /v1/completions (SSE when streamed) and
 * /v1/embeddings.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static atomic_uint_fast64_t sim_oa_ids;	/* OpenAI completion ids */

static const char *const sim_words[] = {
	"The", " sky", " looks", " blue", " because", " of", " Rayleigh",
	" scattering", ".", " Sunlight", " holds", " every", " colour", ",",
	" but", " shorter", " wavelengths", " scatter", " far", " more",
	" strongly", " off", " the", " molecules", " in", " air", ".", "\n\n",
	"So", " blue", " light", " reaches", " your", " eyes", " from", " all",
	" directions", " &", " the", " whole", " sky", " glows", " <", "3",
	" \xe2\x80\x94", " even", " at", " a", " caf\xc3\xa9", " terrace", ".",
	"\n",
};
#define SIM_NWORDS (sizeof(sim_words) / sizeof(sim_words[0]))

static const char *const sim_think_words[] = {
	"Okay", ",", " the", " user", " asks", " something", ".", " Let",
	" me", " think", " it", " through", " step", " by", " step", ".",
};
#define SIM_NTHINK (sizeof(sim_think_words) / sizeof(sim_think_words[0]))

/* ---- generation ---------------------------------------------------- */

static const char *
gen_piece(const struct sim_gen *g, int64_t i, bool *thinkp)
{
	*thinkp = i < g->n_think;
	if (*thinkp)
		return sim_think_words[i % (int64_t)SIM_NTHINK];
	return sim_words[(i - g->n_think) % (int64_t)SIM_NWORDS];
}

static int64_t
gen_deadline(const struct sim_gen *g, int64_t i)
{
	return g->t0 + llround((double)i * 1e9 / g->cfg.tps);
}

static int64_t
gen_eval_ns(const struct sim_gen *g, int64_t n)
{
	return llround((double)n * 1e9 / g->cfg.tps);
}

/* Release the model and close the log entry, once. */
void
gen_end(struct sim_req *rq, enum sim_outcome out)
{
	struct sim_gen *g = rq->gen;

	if (g == NULL)
		return;
	if (g->holds_model) {
		g->holds_model = false;
		model_release(g->model);
	}
	if (rq->outcome == SIM_OUT_RUNNING)
		rq->outcome = out;
	reqlog_update(rq->log_id, 0, g->emitted, out);
}

/* Free generation state (NULL is fine). */
void
gen_free(struct sim_gen *g)
{
	if (g == NULL)
		return;
	free(g->model_name);
	free(g->out);
	free(g);
}

/* A chunk carrying text (done:false) or the final chunk (text may be ""). */
static json_t *
gen_chunk(struct sim_req *rq, const char *text, const char *think, bool done)
{
	struct sim_gen	*g = rq->gen;
	json_t		*j, *msg, *ctx;
	int64_t		 i, eval_ns;

	j = json_pack("{s:s,s:o}", "model", g->model_name,
	    "created_at", json_time_utc_now());
	if (g->chat) {
		msg = json_pack("{s:s,s:s}", "role", "assistant",
		    "content", text);
		if (think != NULL && *think != '\0')
			json_object_set_new(msg, "thinking", json_string(think));
		json_object_set_new(j, "message", msg);
	} else {
		json_object_set_new(j, "response", json_string(text));
		if (think != NULL && *think != '\0')
			json_object_set_new(j, "thinking", json_string(think));
	}
	json_object_set_new(j, "done", json_boolean(done));
	if (!done)
		return j;
	json_object_set_new(j, "done_reason",
	    json_string(g->length_limited ? "length" : "stop"));
	if (g->want_context) {
		ctx = json_array();
		for (i = 0; i < g->prompt_count + g->emitted; i++)
			json_array_append_new(ctx, json_integer(
			    (i * 7919 + 1031) % 128000 + 1));
		json_object_set_new(j, "context", ctx);
	}
	eval_ns = gen_eval_ns(g, g->emitted);
#define SETNZ(k, v) do {						\
	if ((v) != 0)							\
		json_object_set_new(j, k, json_integer(v));		\
} while (0)
	SETNZ("total_duration", mono_ns() - rq->start_mono);
	SETNZ("load_duration", g->load_ns);
	SETNZ("prompt_eval_count", g->prompt_count);
	SETNZ("prompt_eval_duration", g->cfg.ttft_ms * NS_PER_MS);
	SETNZ("eval_count", g->emitted);
	SETNZ("eval_duration", eval_ns);
#undef SETNZ
	return j;
}

static void
gen_set_line(struct sim_gen *g, json_t *j)
{
	free(g->out);
	g->out = json_line(j, &g->outlen);
	g->outoff = 0;
}

/*
 * Produce the next NDJSON line of a stream into g->out, sleeping until its
 * deadline. Returns 0 or an MHD_CONTENT_READER_END_* value.
 */
static ssize_t
gen_next_line(struct sim_req *rq)
{
	struct sim_gen	*g = rq->gen;
	int64_t		 i = g->emitted;
	const char	*piece;
	bool		 think;
	int		 rc;

	if (g->eos)
		return MHD_CONTENT_READER_END_OF_STREAM;
	rc = wait_until(gen_deadline(g, i), rq->fd);
	if (rc != 0) {
		gen_end(rq, wait_outcome(rc));
		vlog("stream %" PRIu64 " ended early after %" PRId64
		    " tokens (%s)", rq->log_id, i,
		    rc == -ECANCELED ? "client gone" : "shutdown");
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	if (i == g->fault_at) {
		if (g->cfg.mode == SIM_MODE_DROP) {
			gen_end(rq, SIM_OUT_DROPPED);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		gen_set_line(g, json_pack("{s:s}", "error", MSG_MIDSTREAM));
		g->eos = true;
		gen_end(rq, SIM_OUT_ERROR_LINE);
		return 0;
	}
	if (i < g->n) {
		piece = gen_piece(g, i, &think);
		gen_set_line(g, gen_chunk(rq, think ? "" : piece,
		    think ? piece : NULL, false));
		g->emitted++;
		reqlog_update(rq->log_id, 0, g->emitted, SIM_OUT_RUNNING);
		return 0;
	}
	gen_set_line(g, gen_chunk(rq, "", NULL, true));
	g->eos = true;
	gen_end(rq, SIM_OUT_DONE);
	return 0;
}

/* MHD content reader for NDJSON streams; one line per call when possible. */
static ssize_t
gen_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sim_req	*rq = cls;
	struct sim_gen	*g = rq->gen;
	size_t		 n;
	ssize_t		 rc;

	(void)pos;
	while (g->outoff >= g->outlen) {
		if ((rc = gen_next_line(rq)) != 0)
			return rc;
	}
	n = g->outlen - g->outoff;
	if (n > max)
		n = max;
	memcpy(buf, g->out + g->outoff, n);
	g->outoff += n;
	return (ssize_t)n;
}

/* Append s to a growing malloc'd string. */
static void
str_append(char **bufp, size_t *lenp, size_t *capp, const char *s)
{
	size_t n = strlen(s);

	if (*lenp + n + 1 > *capp) {
		*capp = (*lenp + n + 1) * 2;
		*bufp = realloc(*bufp, *capp);
		if (*bufp == NULL)
			abort();
	}
	memcpy(*bufp + *lenp, s, n + 1);
	*lenp += n;
}

/* stream:false: run the whole generation here, then reply once. */
static enum MHD_Result
gen_oneshot(struct MHD_Connection *c, struct sim_req *rq)
{
	struct sim_gen	*g = rq->gen;
	char		*text = NULL, *thinking = NULL;
	size_t		 tl = 0, tc = 0, hl = 0, hc = 0;
	const char	*piece;
	bool		 think;
	int		 rc;
	int64_t		 i;
	json_t		*j;

	str_append(&text, &tl, &tc, "");
	str_append(&thinking, &hl, &hc, "");
	for (i = 0; i <= g->n; i++) {
		rc = wait_until(gen_deadline(g, i), rq->fd);
		if (rc != 0) {
			gen_end(rq, wait_outcome(rc));
			goto drop;
		}
		if (i == g->fault_at) {
			if (g->cfg.mode == SIM_MODE_DROP) {
				gen_end(rq, SIM_OUT_DROPPED);
				goto drop;
			}
			gen_end(rq, SIM_OUT_DONE);
			free(text);
			free(thinking);
			return reply_error(c, rq, MHD_HTTP_INTERNAL_SERVER_ERROR,
			    "%s", MSG_MIDSTREAM);
		}
		if (i == g->n)
			break;
		piece = gen_piece(g, i, &think);
		if (think)
			str_append(&thinking, &hl, &hc, piece);
		else
			str_append(&text, &tl, &tc, piece);
		g->emitted++;
		reqlog_update(rq->log_id, 0, g->emitted, SIM_OUT_RUNNING);
	}
	j = gen_chunk(rq, text, thinking, true);
	free(text);
	free(thinking);
	gen_end(rq, SIM_OUT_DONE);
	return reply_json(c, rq, MHD_HTTP_OK, j);
drop:
	free(text);
	free(thinking);
	return MHD_NO;
}

/* Reply to an empty prompt / empty messages: load or unload. */
static enum MHD_Result
gen_load_reply(struct MHD_Connection *c, struct sim_req *rq, bool chat,
    const char *name, int m, const struct sim_ka *ka,
    const struct sim_config *cfg, int64_t num_ctx)
{
	int64_t	 load_ns;
	bool	 unload = ka->set && !ka->forever && ka->ns == 0;
	json_t	*j;

	if (unload) {
		pthread_mutex_lock(&sim.mu);
		if (sim.loaded[m].state == SIM_LOADED) {
			model_set_ka_locked(m, ka);
			models_purge_locked();
		}
		pthread_mutex_unlock(&sim.mu);
	} else {
		if (model_acquire(m, cfg, ka, num_ctx, rq->fd, &load_ns) != 0) {
			rq->outcome = SIM_OUT_CANCELLED;
			reqlog_update(rq->log_id, 0, 0, SIM_OUT_CANCELLED);
			return MHD_NO;
		}
		model_release(m);
	}
	j = json_pack("{s:s,s:o}", "model", name,
	    "created_at", json_time_utc_now());
	if (chat)
		json_object_set_new(j, "message", json_pack("{s:s,s:s}",
		    "role", "assistant", "content", ""));
	else
		json_object_set_new(j, "response", json_string(""));
	json_object_set_new(j, "done", json_true());
	json_object_set_new(j, "done_reason",
	    json_string(unload ? "unload" : "load"));
	return reply_json(c, rq, MHD_HTTP_OK, j);
}

/* POST /api/generate and /api/chat. */
static enum MHD_Result
api_gen(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg, bool chat)
{
	const char		*gotype = chat ? "ChatRequest" :
				    "GenerateRequest";
	const char		*name, *ts;
	char			 msg[512];
	const json_t		*opts, *msgs, *v, *think;
	struct sim_ka		 ka;
	struct sim_gen		*g;
	struct MHD_Response	*r;
	enum MHD_Result		 ret;
	int64_t			 num_predict = -1, num_ctx = 0, words = 0;
	bool			 thinking, raw, empty;
	size_t			 i;
	int			 m, rc;

	if (body_decode(rq, gotype, msg, sizeof(msg)) != 0 ||
	    field_check(rq->json, gotype, "model", 's', msg, sizeof(msg)) ||
	    field_check(rq->json, gotype, "stream", 'b', msg, sizeof(msg)) ||
	    field_check(rq->json, gotype, "options", 'o', msg, sizeof(msg)) ||
	    (chat ? field_check(rq->json, gotype, "messages", 'a', msg,
	    sizeof(msg)) :
	    (field_check(rq->json, gotype, "prompt", 's', msg, sizeof(msg)) ||
	    field_check(rq->json, gotype, "system", 's', msg, sizeof(msg)) ||
	    field_check(rq->json, gotype, "raw", 'b', msg, sizeof(msg)))))
		return reply_error(c, rq, MHD_HTTP_BAD_REQUEST, "%s", msg);
	if (parse_keep_alive(json_object_get(rq->json, "keep_alive"), &ka,
	    msg, sizeof(msg)) != 0)
		return reply_error(c, rq, MHD_HTTP_BAD_REQUEST, "%s", msg);
	msgs = json_object_get(rq->json, "messages");
	if (chat) {
		json_array_foreach(msgs, i, v) {
			if (!json_is_object(v) || (json_object_get(v, "content")
			    && !json_is_null(json_object_get(v, "content")) &&
			    !json_is_string(json_object_get(v, "content"))))
				return reply_error(c, rq, MHD_HTTP_BAD_REQUEST,
				    "json: cannot unmarshal %s into Go struct "
				    "field ChatRequest.messages of type "
				    "api.Message", json_type_go(v));
			words += (int64_t)count_words(str_field(v, "content"));
		}
	}

	name = str_field(rq->json, "model");
	if (chat && *name == '\0')
		return reply_error(c, rq, MHD_HTTP_BAD_REQUEST,
		    "model is required");
	if ((m = model_lookup(name)) < 0)
		return reply_error(c, rq, MHD_HTTP_NOT_FOUND,
		    "model '%s' not found", name);
	if (!model_has_cap(m, "completion"))
		return reply_error(c, rq, MHD_HTTP_BAD_REQUEST,
		    "\"%s\" does not support %s", name,
		    chat ? "chat" : "generate");

	think = json_object_get(rq->json, "think");
	thinking = model_has_cap(m, "thinking");
	if (think != NULL && !json_is_null(think)) {
		if (json_is_boolean(think))
			thinking = json_is_true(think);
		else if (json_is_string(think) &&
		    (strcmp(ts = json_string_value(think), "low") == 0 ||
		    strcmp(ts, "medium") == 0 || strcmp(ts, "high") == 0 ||
		    strcmp(ts, "max") == 0))
			thinking = true;
		else
			return reply_error(c, rq, MHD_HTTP_BAD_REQUEST,
			    "invalid think value: %s", json_is_string(think) ?
			    json_string_value(think) : json_type_go(think));
		if (thinking && !model_has_cap(m, "thinking"))
			return reply_error(c, rq, MHD_HTTP_BAD_REQUEST,
			    "\"%s\" does not support thinking", name);
	}
	raw = json_is_true(json_object_get(rq->json, "raw"));
	if (raw && (*str_field(rq->json, "system") != '\0' ||
	    *str_field(rq->json, "template") != '\0' ||
	    json_array_size(json_object_get(rq->json, "context")) > 0))
		return reply_error(c, rq, MHD_HTTP_BAD_REQUEST,
		    "raw mode does not support template, system, or context");

	opts = json_object_get(rq->json, "options");
	if ((v = json_object_get(opts, "num_predict")) != NULL) {
		if (!json_is_number(v))
			return reply_error(c, rq,
			    MHD_HTTP_INTERNAL_SERVER_ERROR,
			    "option \"num_predict\" must be of type integer");
		num_predict = (int64_t)json_number_value(v);
	}
	if ((v = json_object_get(opts, "num_ctx")) != NULL) {
		if (!json_is_number(v))
			return reply_error(c, rq,
			    MHD_HTTP_INTERNAL_SERVER_ERROR,
			    "option \"num_ctx\" must be of type integer");
		num_ctx = (int64_t)json_number_value(v);
	}

	empty = chat ? json_array_size(msgs) == 0 :
	    (*str_field(rq->json, "prompt") == '\0' &&
	    json_array_size(json_object_get(rq->json, "images")) == 0);
	if (empty)
		return gen_load_reply(c, rq, chat, name, m, &ka, cfg, num_ctx);
	if (!chat)
		words = (int64_t)count_words(str_field(rq->json, "prompt"));

	g = rq->gen = sim_alloc(sizeof(*g));
	g->chat = chat;
	g->model = m;
	g->model_name = sim_strdup(name);
	g->stream = !json_is_false(json_object_get(rq->json, "stream"));
	g->want_context = !chat && !raw;
	g->ka = ka;
	g->cfg = *cfg;
	g->length_limited = num_predict >= 0;
	g->n = num_predict >= 0 ? num_predict : cfg->tokens;
	/* The model's end-of-sequence token, before num_predict. */
	if (cfg->eos_after > 0 && cfg->eos_after < g->n) {
		g->n = cfg->eos_after;
		g->length_limited = false;
	}
	g->n_think = thinking && !raw && g->n >= 2 ? g->n / 4 : 0;
	g->fault_at = -1;
	if (cfg->mode == SIM_MODE_MIDSTREAM_ERROR || cfg->mode == SIM_MODE_DROP)
		g->fault_at = cfg->fault_after < g->n ? cfg->fault_after : g->n;
	g->prompt_count = words + 10;

	if ((rc = model_acquire(m, cfg, &ka, num_ctx, rq->fd,
	    &g->load_ns)) != 0) {
		gen_end(rq, wait_outcome(rc));
		return MHD_NO;
	}
	g->holds_model = true;
	/* Prompt evaluation: headers go out with the first token. */
	g->t0 = mono_ns() + cfg->ttft_ms * NS_PER_MS;
	if ((rc = wait_until(g->t0, rq->fd)) != 0) {
		gen_end(rq, wait_outcome(rc));
		return MHD_NO;
	}
	vlog("%s %" PRIu64 ": model %s, %" PRId64 " tokens at %g tok/s%s",
	    chat ? "chat" : "generate", rq->log_id, sim_models[m].name, g->n,
	    cfg->tps, g->stream ? "" : " (stream:false)");
	if (!g->stream)
		return gen_oneshot(c, rq);

	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
	    SIM_STREAM_BLOCK, gen_reader, rq, NULL);
	if (r == NULL) {
		gen_end(rq, SIM_OUT_DROPPED);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CT_NDJSON);
	reqlog_update(rq->log_id, MHD_HTTP_OK, 0, SIM_OUT_RUNNING);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* POST /api/generate. */
enum MHD_Result
api_generate(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	return api_gen(c, rq, cfg, false);
}

/* POST /api/chat. */
enum MHD_Result
api_chat(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	return api_gen(c, rq, cfg, true);
}

/* ---- embeddings ---------------------------------------------------- */

/* A deterministic L2-normalised vector for text. */
static json_t *
embed_vector(const char *text, int64_t dims)
{
	json_t		*a = json_array();
	uint64_t	 h = 1469598103934665603ULL;
	double		*v, norm = 0;
	int64_t		 i;
	const char	*p;

	for (p = text; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	v = sim_alloc((size_t)dims * sizeof(*v));
	for (i = 0; i < dims; i++) {
		h ^= h << 13;
		h ^= h >> 7;
		h ^= h << 17;
		v[i] = (double)(h % 20001) / 10000.0 - 1.0;
		norm += v[i] * v[i];
	}
	norm = sqrt(norm) > 0 ? sqrt(norm) : 1;
	for (i = 0; i < dims; i++)
		json_array_append_new(a, json_real(round(v[i] / norm * 1e7) /
		    1e7));
	free(v);
	return a;
}

static int64_t
embed_dims(int m)
{
	return sim_models[m].embedding_length > 0 ?
	    sim_models[m].embedding_length : 4096;
}

/* Inputs of an embed request: a string or an array of strings. */
static int
embed_inputs(const json_t *in, json_t **outp)
{
	json_t	*v;
	size_t	 i;

	*outp = json_array();
	if (in == NULL || json_is_null(in))
		return 0;
	if (json_is_string(in)) {
		if (json_string_length(in) > 0)
			json_array_append(*outp, (json_t *)(uintptr_t)in);
		return 0;
	}
	if (!json_is_array(in))
		goto bad;
	json_array_foreach(in, i, v) {
		if (!json_is_string(v))
			goto bad;
		json_array_append(*outp, v);
	}
	return 0;
bad:
	json_decref(*outp);
	*outp = NULL;
	return -EINVAL;
}

/* POST /api/embed and the old /api/embeddings. */
static enum MHD_Result
api_embed(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg, bool old)
{
	const char	*name;
	char		 msg[512];
	json_t		*inputs, *vecs, *v, *r;
	int64_t		 dims, tokens = 0, t0 = mono_ns();
	size_t		 i;
	int		 m;

	if (body_decode(rq, old ? "EmbeddingRequest" : "EmbedRequest", msg,
	    sizeof(msg)) != 0)
		return reply_error(c, rq, MHD_HTTP_BAD_REQUEST, "%s", msg);
	name = model_arg(rq->json);
	if ((m = model_lookup(name)) < 0)
		return reply_error(c, rq, MHD_HTTP_NOT_FOUND, "model \"%s\" "
		    "not found, try pulling it first", name);
	dims = embed_dims(m);
	if (old) {
		const char *prompt = str_field(rq->json, "prompt");
		if (wait_until(t0 + cfg->ttft_ms * NS_PER_MS / 4, rq->fd) != 0)
			return MHD_NO;
		return reply_json(c, rq, MHD_HTTP_OK, json_pack("{s:o}",
		    "embedding", *prompt != '\0' ? embed_vector(prompt, dims) :
		    json_array()));
	}
	if (embed_inputs(json_object_get(rq->json, "input"), &inputs) != 0)
		return reply_error(c, rq, MHD_HTTP_BAD_REQUEST,
		    "invalid input type");
	vecs = json_array();
	json_array_foreach(inputs, i, v) {
		json_array_append_new(vecs, embed_vector(json_string_value(v),
		    dims));
		tokens += (int64_t)count_words(json_string_value(v)) + 2;
	}
	json_decref(inputs);
	if (wait_until(t0 + cfg->ttft_ms * NS_PER_MS / 4, rq->fd) != 0) {
		json_decref(vecs);
		return MHD_NO;
	}
	r = json_pack("{s:s,s:o,s:I,s:I}", "model", name, "embeddings", vecs,
	    "total_duration", (json_int_t)(mono_ns() - rq->start_mono),
	    "load_duration", (json_int_t)1830442);
	if (tokens > 0)
		json_object_set_new(r, "prompt_eval_count",
		    json_integer(tokens));
	return reply_json(c, rq, MHD_HTTP_OK, r);
}

/* POST /api/embed. */
enum MHD_Result
api_embed_new(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	return api_embed(c, rq, cfg, false);
}

/* POST /api/embeddings. */
enum MHD_Result
api_embeddings_old(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	return api_embed(c, rq, cfg, true);
}

/* ---- OpenAI compatibility ------------------------------------------ */

/* OpenAI's error object, as Ollama's middleware writes it. */
static enum MHD_Result
oa_error(struct MHD_Connection *c, struct sim_req *rq, unsigned status,
    const char *type, const char *msg)
{
	return reply_json(c, rq, status, json_pack("{s:{s:s,s:s,s:n,s:n}}",
	    "error", "message", msg, "type", type, "param", "code"));
}

/*
 * The model of an OpenAI request into *namep and its index; -1 once *retp
 * holds the OpenAI error sent for a body that is no object or an unknown
 * model.
 */
static int
oa_model(struct MHD_Connection *c, struct sim_req *rq, const char **namep,
    enum MHD_Result *retp)
{
	char	msg[512];
	int	m;

	if (rq->json == NULL || !json_is_object(rq->json)) {
		*retp = oa_error(c, rq, MHD_HTTP_BAD_REQUEST,
		    "invalid_request_error", "invalid request body");
		return -1;
	}
	*namep = str_field(rq->json, "model");
	if ((m = model_lookup(*namep)) < 0) {
		snprintf(msg, sizeof(msg), "model \"%s\" not found, try "
		    "pulling it first", *namep);
		*retp = oa_error(c, rq, MHD_HTTP_NOT_FOUND, "api_error", msg);
	}
	return m;
}

/* POST /v1/chat/completions and /v1/completions. */
static enum MHD_Result
oa_generate(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg, bool chat)
{
	struct sim_lines	*l;
	const char		*name, *obj;
	char			 id[64], *text = NULL;
	size_t			 tl = 0, tc = 0, i;
	json_t			*msgs, *m_, *usage, *choice, *stream_opts;
	enum MHD_Result		 ret;
	int64_t			 n, t, prompt = 0, step;
	int			 m;
	bool			 stream, inc_usage;

	if ((m = oa_model(c, rq, &name, &ret)) < 0)
		return ret;
	if (chat) {
		msgs = json_object_get(rq->json, "messages");
		if (!json_is_array(msgs) || json_array_size(msgs) == 0)
			return oa_error(c, rq, MHD_HTTP_BAD_REQUEST,
			    "invalid_request_error", "[] is too short - "
			    "'messages'");
		json_array_foreach(msgs, i, m_)
			if (json_is_string(json_object_get(m_, "content")))
				prompt += (int64_t)count_words(str_field(m_,
				    "content"));
		prompt += 8;
	} else
		prompt = (int64_t)count_words(str_field(rq->json, "prompt")) +
		    2;
	n = json_is_integer(json_object_get(rq->json, "max_tokens")) ?
	    json_integer_value(json_object_get(rq->json, "max_tokens")) :
	    cfg->tokens;
	stream = json_is_true(json_object_get(rq->json, "stream"));
	stream_opts = json_object_get(rq->json, "stream_options");
	inc_usage = json_is_true(json_object_get(stream_opts,
	    "include_usage"));
	snprintf(id, sizeof(id), "%s-%u", chat ? "chatcmpl" : "cmpl",
	    (unsigned)(atomic_fetch_add(&sim_oa_ids, 1) % 1000));
	obj = chat ? (stream ? "chat.completion.chunk" : "chat.completion") :
	    "text_completion";
	step = cfg->tps > 0 ? (int64_t)(NS_PER_S / cfg->tps) : 0;
	t = mono_ns() + cfg->ttft_ms * NS_PER_MS;
	usage = json_pack("{s:I,s:I,s:I}", "prompt_tokens", (json_int_t)prompt,
	    "completion_tokens", (json_int_t)n, "total_tokens",
	    (json_int_t)(prompt + n));
	if (!stream) {
		for (i = 0; i < (size_t)n; i++)
			str_append(&text, &tl, &tc, sim_words[i % SIM_NWORDS]);
		if (text == NULL)
			text = sim_strdup("");
		if (wait_until(t + step * n, rq->fd) != 0) {
			free(text);
			json_decref(usage);
			return MHD_NO;
		}
		choice = chat ? json_pack("{s:i,s:{s:s,s:s},s:s}", "index", 0,
		    "message", "role", "assistant", "content", text,
		    "finish_reason", "stop") : json_pack("{s:s,s:i,s:s}",
		    "text", text, "index", 0, "finish_reason", "stop");
		free(text);
		return reply_json(c, rq, MHD_HTTP_OK,
		    json_pack("{s:s,s:s,s:I,s:s,s:s,s:[o],s:o}", "id", id,
		    "object", obj, "created", (json_int_t)time(NULL), "model",
		    name, "system_fingerprint", "fp_ollama", "choices", choice,
		    "usage", usage));
	}
	l = sim_alloc(sizeof(*l));
	for (i = 0; i <= (size_t)n; i++) {
		bool last = i == (size_t)n;
		const char *piece = last ? "" : sim_words[i % SIM_NWORDS];
		choice = chat ? json_pack("{s:i,s:{s:s,s:s},s:o}", "index", 0,
		    "delta", "role", "assistant", "content", piece,
		    "finish_reason", last ? json_string("stop") : json_null()) :
		    json_pack("{s:s,s:i,s:o}", "text", piece, "index", 0,
		    "finish_reason", last ? json_string("stop") : json_null());
		lines_sse(l, json_pack("{s:s,s:s,s:I,s:s,s:s,s:[o]}", "id", id,
		    "object", obj, "created", (json_int_t)time(NULL), "model",
		    name, "system_fingerprint", "fp_ollama", "choices", choice),
		    t + step * (int64_t)i);
	}
	t += step * n;
	if (inc_usage)
		lines_sse(l, json_pack("{s:s,s:s,s:I,s:s,s:s,s:[],s:O}", "id",
		    id, "object", obj, "created", (json_int_t)time(NULL),
		    "model", name, "system_fingerprint", "fp_ollama",
		    "choices", "usage", usage), t);
	json_decref(usage);
	lines_sse(l, NULL, t);
	return reply_lines(c, rq, l, "text/event-stream");
}

/* POST /v1/chat/completions. */
enum MHD_Result
oa_chat(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	return oa_generate(c, rq, cfg, true);
}

/* POST /v1/completions. */
enum MHD_Result
oa_completions(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	return oa_generate(c, rq, cfg, false);
}

/* POST /v1/embeddings */
enum MHD_Result
oa_embeddings(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	const char	*name;
	json_t		*inputs, *data, *v;
	enum MHD_Result	 ret;
	int64_t		 tokens = 0;
	size_t		 i;
	int		 m;

	(void)cfg;
	if ((m = oa_model(c, rq, &name, &ret)) < 0)
		return ret;
	if (embed_inputs(json_object_get(rq->json, "input"), &inputs) != 0 ||
	    json_array_size(inputs) == 0) {
		json_decref(inputs);
		return oa_error(c, rq, MHD_HTTP_BAD_REQUEST,
		    "invalid_request_error", "invalid input");
	}
	data = json_array();
	json_array_foreach(inputs, i, v) {
		json_array_append_new(data, json_pack("{s:s,s:o,s:i}",
		    "object", "embedding", "embedding",
		    embed_vector(json_string_value(v), embed_dims(m)),
		    "index", (int)i));
		tokens += (int64_t)count_words(json_string_value(v)) + 2;
	}
	json_decref(inputs);
	return reply_json(c, rq, MHD_HTTP_OK, json_pack("{s:s,s:o,s:s,s:{s:I,"
	    "s:I}}", "object", "list", "data", data, "model", name, "usage",
	    "prompt_tokens", (json_int_t)tokens, "total_tokens",
	    (json_int_t)tokens));
}
