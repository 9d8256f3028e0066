/* SPDX-License-Identifier: ISC */
/*
 * sim_state.c: ollama-sim's shared state: the built-in models, the loaded-model
 * bookkeeping (loads, keep-alive, expiry), the run-time config and fault
 * mode, the request log, GET /api/ps and the /_sim control API.
 *
 * Everything here sits behind sim.mu; functions named *_locked expect the
 * caller to hold it.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim.h"

static const char *const sim_mode_names[] = {
	"ok", "error500", "garbage", "midstream_error", "drop", "stall", "slow",
};
#define SIM_NMODES (sizeof(sim_mode_names) / sizeof(sim_mode_names[0]))

static const char *const fam_llama[] = { "llama", NULL };
static const char *const fam_qwen3[] = { "qwen3", NULL };
static const char *const caps_tools[] = { "completion", "tools", NULL };
static const char *const caps_think[] = { "completion", "tools", "thinking",
    NULL };
static const char *const caps_embed[] = { "embedding", NULL };
static const char *const caps_compl[] = { "completion", NULL };

/* The built-in models, oldest first. */
const struct sim_model sim_models[SIM_NMODELS] = {
	{
		"llama3.2:latest",
		"a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
		1777724091, 2310000, 2019393189, "gguf", "llama", fam_llama,
		"3.2B", "Q4_K_M", 131072, 3072, caps_tools,
		2684354560LL, 114688, 1.0, 3212749888LL, 28, 24, 8, 15, 128256,
		"<|start_header_id|>user<|end_header_id|>\n\n{{ .Prompt }}"
		"<|eot_id|>", "<|eot_id|>",
	},
	{
		"qwen3:8b",
		"500a1f067a9f782620b40bee6f7b0c89e17ae61f686b92c24933e4ca4b2b8b41",
		1777460400, 0, 5225376047LL, "gguf", "qwen3", fam_qwen3,
		"8.2B", "Q4_K_M", 40960, 4096, caps_think,
		5905580032LL, 147456, 0.8, 8190735360LL, 36, 32, 8, 15, 151936,
		"<|im_start|>user\n{{ .Prompt }}<|im_end|>\n<|im_start|>"
		"assistant\n", "<|im_end|>",
	},
	{
		"bge-m3:latest",
		"790764642607164da1f4a68ab5a6ba4e8e1ac6e2e4b8b1dcd6ef5c1c8a2d9e0b",
		1775948407, 0, 1157672605, "gguf", "bert", NULL,
		"566.70M", "F16", 8192, 1024, caps_embed,
		1207959552LL, 12288, 1.0, 566703104LL, 24, 16, 16, 1, 250002,
		"{{ .Prompt }}", NULL,
	},
	{
		"mistral:7b",
		"f974a74358d62a017b37c6f424fcdf2744ca02926c4f952513ddf474b2fa5091",
		1769162535, 250000000, 4113301824LL, "gguf", "llama", fam_llama,
		"7.2B", "Q4_0", 0, 0, NULL,
		4617089843LL, 131072, 0.0, 7248023552LL, 32, 32, 8, 2, 32768,
		"[INST] {{ .Prompt }} [/INST]", "[INST]",
	},
	{
		"hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q8_0",
		"c2e1f9a7b3d5e8f0a4c6b2d9e1f3a5c7b9d0e2f4a6c8b1d3e5f7a9c0b2d4e6f8",
		1778001122, 123456789, 1321083136, "gguf", "llama", fam_llama,
		"1.2B", "Q8_0", 131072, 2048, caps_compl,
		1610612736LL, 32768, 1.0, 1235814432LL, 16, 32, 8, 7, 128256,
		"<|start_header_id|>user<|end_header_id|>\n\n{{ .Prompt }}"
		"<|eot_id|>", "<|eot_id|>",
	},
};
_Static_assert(sizeof(sim_models) / sizeof(sim_models[0]) == SIM_NMODELS,
    "SIM_NMODELS is the number of built-in models");

static const char *const sim_outcome_names[] = {
	"running", "done", "error", "dropped", "cancelled",
};

/* The shared state (see sim.h); everything in it is behind sim.mu. */
struct sim_state	 sim = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.log_next = 1,
};
atomic_int		 sim_stopping;	/* set on SIGTERM/SIGINT */

/* A copy of the current config. */
struct sim_config
config_get(void)
{
	struct sim_config c;

	pthread_mutex_lock(&sim.mu);
	c = sim.cfg;
	pthread_mutex_unlock(&sim.mu);
	return c;
}

/* The current fault mode. */
enum sim_mode
mode_get(void)
{
	enum sim_mode m;

	pthread_mutex_lock(&sim.mu);
	m = sim.cfg.mode;
	pthread_mutex_unlock(&sim.mu);
	return m;
}

/* A mode name to its enum value; -1 if unknown. */
int
mode_parse(const char *s)
{
	size_t i;

	for (i = 0; i < SIM_NMODES; i++)
		if (strcmp(s, sim_mode_names[i]) == 0)
			return (int)i;
	return -1;
}

/* name into buf, with ":latest" added when it has no tag. */
void
model_tagged(const char *name, char *buf, size_t len)
{
	const char	*slash = strrchr(name, '/');
	const char	*colon = strrchr(name, ':');

	if (colon == NULL || (slash != NULL && colon < slash))
		snprintf(buf, len, "%s:latest", name);
	else
		snprintf(buf, len, "%s", name);
}

/* Find a built-in model by any accepted name form; -1 if unknown. */
int
model_find(const char *name)
{
	static const char *const prefixes[] = {
		"registry.ollama.ai/library/", "registry.ollama.ai/",
		"library/",
	};
	char		 buf[1024];
	size_t		 i, pl;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		pl = strlen(prefixes[i]);
		if (strncasecmp(name, prefixes[i], pl) == 0) {
			name += pl;
			break;
		}
	}
	if (*name == '\0' || strlen(name) > sizeof(buf) - 16)
		return -1;
	model_tagged(name, buf, sizeof(buf));
	for (i = 0; i < SIM_NMODELS; i++)
		if (strcasecmp(buf, sim_models[i].name) == 0)
			return (int)i;
	return -1;
}

/* True when model m has capability cap. */
bool
model_has_cap(int m, const char *cap)
{
	const char *const	*c = sim_models[m].caps;

	if (c == NULL)	/* old manifest: plain completion model */
		return strcmp(cap, "completion") == 0;
	for (; *c != NULL; c++)
		if (strcmp(*c, cap) == 0)
			return true;
	return false;
}

/* The num_ctx a runner for m gets when the request sets none. */
int64_t
model_default_ctx(int m)
{
	int64_t ctx = sim_models[m].context_length;

	return ctx > 0 && ctx < SIM_DEFAULT_NUM_CTX ? ctx : SIM_DEFAULT_NUM_CTX;
}

/* ---- loaded-model bookkeeping (callers hold sim.mu) ---------------- */

/* Drop idle models whose keep-alive ran out. */
void
models_purge_locked(void)
{
	struct timespec	 now = real_now();
	size_t		 i;

	for (i = 0; i < SIM_NMODELS; i++) {
		struct sim_loaded *l = &sim.loaded[i];

		if (l->state == SIM_LOADED && l->active == 0 && !l->forever &&
		    ts_cmp(&l->expires, &now) <= 0)
			l->state = SIM_UNLOADED;
	}
}

/* Apply a request's keep_alive to m and restart its expiry clock. */
void
model_set_ka_locked(int m, const struct sim_ka *ka)
{
	struct sim_loaded *l = &sim.loaded[m];

	if (ka->set) {
		l->forever = ka->forever;
		l->keep_alive_ns = ka->ns;
	}
	l->expires = ts_add(real_now(), l->keep_alive_ns, l->forever);
}

static void
model_mark_loaded_locked(int m, const struct sim_ka *ka, int64_t num_ctx)
{
	struct sim_loaded *l = &sim.loaded[m];

	l->state = SIM_LOADED;
	l->num_ctx = num_ctx;
	l->forever = false;
	l->keep_alive_ns = SIM_DEFAULT_KA_NS;
	model_set_ka_locked(m, ka);
}

/*
 * Make model m ready for a request: load it (load_ms) when not loaded or
 * when num_ctx differs from the loaded runner's, or wait for a load already
 * in progress. Takes a reference released by model_release(). *load_nsp gets
 * the load_duration to report. Returns 0, -ECANCELED or -ESHUTDOWN.
 */
int
model_acquire(int m, const struct sim_config *cfg, const struct sim_ka *ka,
    int64_t num_ctx, int fd, int64_t *load_nsp)
{
	struct sim_loaded	*l = &sim.loaded[m];
	int64_t			 start = mono_ns(), want;
	int			 rc;

	want = num_ctx > 0 ? num_ctx : 0;
	pthread_mutex_lock(&sim.mu);
	for (;;) {
		models_purge_locked();
		if (l->state == SIM_LOADED &&
		    (want == 0 || want == l->num_ctx)) {
			l->active++;
			if (ka->set)
				model_set_ka_locked(m, ka);
			pthread_mutex_unlock(&sim.mu);
			/* Scheduling overhead of an already loaded runner. */
			sleep_ns(NS_PER_MS);
			*load_nsp = mono_ns() - start;
			return 0;
		}
		if (l->state == SIM_UNLOADED ||
		    (l->state == SIM_LOADED && l->active == 0))
			break;
		/* Loading elsewhere, or busy with another num_ctx: wait. */
		pthread_mutex_unlock(&sim.mu);
		if ((rc = wait_until(mono_ns() + SIM_SLICE_NS, fd)) != 0)
			return rc;
		pthread_mutex_lock(&sim.mu);
	}
	l->state = SIM_LOADING;
	pthread_mutex_unlock(&sim.mu);

	rc = wait_until(mono_ns() + cfg->load_ms * NS_PER_MS, fd);

	pthread_mutex_lock(&sim.mu);
	if (rc != 0) {
		if (l->state == SIM_LOADING)
			l->state = SIM_UNLOADED;
		pthread_mutex_unlock(&sim.mu);
		return rc;
	}
	model_mark_loaded_locked(m, ka, want ? want : model_default_ctx(m));
	l->active++;
	pthread_mutex_unlock(&sim.mu);
	*load_nsp = cfg->load_ms * NS_PER_MS;
	return 0;
}

/* Drop a reference from model_acquire(); the keep-alive clock restarts. */
void
model_release(int m)
{
	struct sim_loaded *l = &sim.loaded[m];

	pthread_mutex_lock(&sim.mu);
	if (l->active > 0)
		l->active--;
	if (l->state == SIM_LOADED)
		model_set_ka_locked(m, &(struct sim_ka){ 0 });
	models_purge_locked();
	pthread_mutex_unlock(&sim.mu);
}

/* ---- request log --------------------------------------------------- */

static struct sim_logent *
reqlog_find_locked(uint64_t id)
{
	struct sim_logent *e;

	if (id == 0)
		return NULL;
	e = &sim.log[(id - 1) % SIM_LOG_MAX];
	return e->id == id ? e : NULL;
}

/* Empty a request-log slot. */
void
logent_clear(struct sim_logent *e)
{
	json_decref(e->body);
	free(e->raw);
	memset(e, 0, sizeof(*e));
}

/* Record a generate/chat body; returns the entry id. */
uint64_t
reqlog_add(const char *path, const json_t *body, const char *raw, size_t len)
{
	struct sim_logent	*e;
	uint64_t		 id;
	json_t			*copy = body ? json_deep_copy(body) : NULL;
	char			*r = NULL;

	if (copy == NULL) {
		r = sim_alloc(len + 1);
		memcpy(r, raw, len);
	}
	pthread_mutex_lock(&sim.mu);
	id = sim.log_next++;
	e = &sim.log[(id - 1) % SIM_LOG_MAX];
	logent_clear(e);
	e->id = id;
	snprintf(e->path, sizeof(e->path), "%s", path);
	e->body = copy;
	e->raw = r;
	e->received_ns = real_ns();
	pthread_mutex_unlock(&sim.mu);
	return id;
}

/* Update an entry: status when > 0, tokens when >= 0, outcome once. */
void
reqlog_update(uint64_t id, int status, int64_t tokens, enum sim_outcome out)
{
	struct sim_logent *e;

	pthread_mutex_lock(&sim.mu);
	if ((e = reqlog_find_locked(id)) != NULL) {
		if (status > 0)
			e->status = status;
		if (tokens >= 0)
			e->tokens_sent = tokens;
		if (out != SIM_OUT_RUNNING && e->outcome == SIM_OUT_RUNNING)
			e->outcome = out;
	}
	pthread_mutex_unlock(&sim.mu);
}

static void
reqlog_clear(void)
{
	size_t i;

	pthread_mutex_lock(&sim.mu);
	for (i = 0; i < SIM_LOG_MAX; i++)
		logent_clear(&sim.log[i]);
	pthread_mutex_unlock(&sim.mu);
}

/* ---- GET /api/ps --------------------------------------------------- */

struct ps_row {
	int		 m;
	struct timespec	 expires;
};

static int
ps_cmp(const void *a, const void *b)
{
	const struct ps_row	*x = a, *y = b;
	int			 r = ts_cmp(&y->expires, &x->expires);

	return r != 0 ? r : strcmp(sim_models[x->m].name,
	    sim_models[y->m].name);
}

/* GET /api/ps: the loaded models, latest expires_at first. */
enum MHD_Result
api_ps(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	struct ps_row	 rows[SIM_NMODELS];
	int64_t		 ctx[SIM_NMODELS], deadline;
	size_t		 i, n = 0;
	bool		 loading;
	json_t		*models;

	if (cfg->ps_delay_ms > 0 && wait_until(mono_ns() +
	    cfg->ps_delay_ms * NS_PER_MS, rq->fd) != 0)
		return MHD_NO;
	/* Like the real scheduler lock: ps waits for a load in progress. */
	deadline = mono_ns() + SIM_STALL_NS;
	while (cfg->ps_wait_load) {
		pthread_mutex_lock(&sim.mu);
		for (loading = false, i = 0; i < SIM_NMODELS; i++)
			loading |= sim.loaded[i].state == SIM_LOADING;
		pthread_mutex_unlock(&sim.mu);
		if (!loading || mono_ns() > deadline)
			break;
		if (wait_until(mono_ns() + SIM_SLICE_NS, rq->fd) != 0)
			return MHD_NO;
	}

	pthread_mutex_lock(&sim.mu);
	models_purge_locked();
	for (i = 0; i < SIM_NMODELS; i++) {
		if (sim.loaded[i].state != SIM_LOADED)
			continue;
		rows[n].m = (int)i;
		rows[n].expires = sim.loaded[i].expires;
		ctx[i] = sim.loaded[i].num_ctx;
		n++;
	}
	pthread_mutex_unlock(&sim.mu);
	qsort(rows, n, sizeof(rows[0]), ps_cmp);

	models = json_array();
	for (i = 0; i < n; i++) {
		const struct sim_model	*md = &sim_models[rows[i].m];
		int64_t			 size, vram;

		size = md->mem_base + ctx[rows[i].m] * md->kv_per_token;
		vram = (int64_t)((double)size * md->vram_frac);
		json_array_append_new(models, json_pack(
		    "{s:s,s:s,s:I,s:s,s:o,s:o,s:I,s:I}",
		    "name", md->name, "model", md->name,
		    "size", (json_int_t)size, "digest", md->digest,
		    "details", model_details(rows[i].m, false),
		    "expires_at", json_time_local(rows[i].expires.tv_sec,
		    rows[i].expires.tv_nsec, cfg->tz_offset),
		    "size_vram", (json_int_t)vram,
		    "context_length", (json_int_t)ctx[rows[i].m]));
	}
	return reply_json(c, NULL, MHD_HTTP_OK,
	    json_pack("{s:o}", "models", models));
}

/* ---- /_sim control API --------------------------------------------- */

static json_t *
config_json(const struct sim_config *c)
{
	return json_pack("{s:s,s:f,s:I,s:I,s:I,s:s,s:I,s:I,s:I,s:b,s:i}",
	    "mode", sim_mode_names[c->mode], "tps", c->tps,
	    "ttft_ms", (json_int_t)c->ttft_ms, "load_ms", (json_int_t)c->load_ms,
	    "tokens", (json_int_t)c->tokens, "version", c->version,
	    "ps_delay_ms", (json_int_t)c->ps_delay_ms,
	    "fault_after", (json_int_t)c->fault_after,
	    "eos_after", (json_int_t)c->eos_after,
	    "ps_wait_load", c->ps_wait_load, "tz_offset", c->tz_offset);
}

/* Apply the keys of obj to *c; on error describe it in msg. */
static int
config_apply(struct sim_config *c, json_t *obj, char *msg, size_t len)
{
	const char	*k;
	json_t		*v;
	int64_t		*ip;
	double		 d;
	int		 md;

	json_object_foreach(obj, k, v) {
		ip = NULL;
		if (strcmp(k, "mode") == 0) {
			if (!json_is_string(v) ||
			    (md = mode_parse(json_string_value(v))) < 0)
				goto bad;
			c->mode = (enum sim_mode)md;
		} else if (strcmp(k, "tps") == 0) {
			if (!json_is_number(v) || (d = json_number_value(v)) <= 0)
				goto bad;
			c->tps = d;
		} else if (strcmp(k, "version") == 0) {
			if (!json_is_string(v) ||
			    strlen(json_string_value(v)) >= sizeof(c->version))
				goto bad;
			snprintf(c->version, sizeof(c->version), "%s",
			    json_string_value(v));
		} else if (strcmp(k, "ps_wait_load") == 0) {
			if (!json_is_boolean(v))
				goto bad;
			c->ps_wait_load = json_is_true(v);
		} else if (strcmp(k, "tz_offset") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < -1439 ||
			    json_integer_value(v) > 1439)
				goto bad;
			c->tz_offset = (int)json_integer_value(v);
		} else if (strcmp(k, "ttft_ms") == 0)
			ip = &c->ttft_ms;
		else if (strcmp(k, "load_ms") == 0)
			ip = &c->load_ms;
		else if (strcmp(k, "tokens") == 0)
			ip = &c->tokens;
		else if (strcmp(k, "ps_delay_ms") == 0)
			ip = &c->ps_delay_ms;
		else if (strcmp(k, "fault_after") == 0)
			ip = &c->fault_after;
		else if (strcmp(k, "eos_after") == 0)
			ip = &c->eos_after;
		else {
			snprintf(msg, len, "unknown config key '%s'", k);
			return -EINVAL;
		}
		if (ip != NULL) {
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				goto bad;
			*ip = json_integer_value(v);
		}
	}
	return 0;
bad:
	snprintf(msg, len, "bad value for config key '%s'", k);
	return -EINVAL;
}

/* GET and POST /_sim/config. */
enum MHD_Result
ctl_config(struct MHD_Connection *c, struct sim_req *rq, const char *method)
{
	struct sim_config	 cfg;
	char			 msg[256];

	if (strcmp(method, MHD_HTTP_METHOD_POST) == 0) {
		if (body_decode(rq, "SimConfig", msg, sizeof(msg)) != 0)
			return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST, "%s",
			    msg);
		pthread_mutex_lock(&sim.mu);
		cfg = sim.cfg;
		if (config_apply(&cfg, rq->json, msg, sizeof(msg)) != 0) {
			pthread_mutex_unlock(&sim.mu);
			return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST, "%s",
			    msg);
		}
		sim.cfg = cfg;
		pthread_mutex_unlock(&sim.mu);
		vlog("config: mode %s tps %g ttft %" PRId64 "ms load %" PRId64
		    "ms tokens %" PRId64, sim_mode_names[cfg.mode], cfg.tps,
		    cfg.ttft_ms, cfg.load_ms, cfg.tokens);
	} else
		cfg = config_get();
	return reply_json(c, NULL, MHD_HTTP_OK, config_json(&cfg));
}

/* GET and DELETE /_sim/requests. */
enum MHD_Result
ctl_requests(struct MHD_Connection *c, struct sim_req *rq, const char *method)
{
	json_t			*arr, *e;
	struct sim_logent	*le;
	uint64_t		 id, first;
	enum MHD_Result		 ret;
	size_t			 len;
	char			*s;

	(void)rq;
	if (strcmp(method, MHD_HTTP_METHOD_DELETE) == 0) {
		reqlog_clear();
		return reply_json(c, NULL, MHD_HTTP_OK,
		    json_pack("{s:[]}", "requests"));
	}
	arr = json_array();
	pthread_mutex_lock(&sim.mu);
	first = sim.log_next > SIM_LOG_MAX ? sim.log_next - SIM_LOG_MAX : 1;
	for (id = first; id < sim.log_next; id++) {
		if ((le = reqlog_find_locked(id)) == NULL)
			continue;
		e = json_pack("{s:s,s:O,s:I,s:b,s:b,s:I,s:i,s:s,s:I}",
		    "path", le->path,
		    "body", le->body ? le->body : json_null(),
		    "received_ns", (json_int_t)le->received_ns,
		    "cancelled", le->outcome == SIM_OUT_CANCELLED,
		    "finished", le->outcome == SIM_OUT_DONE ||
		    le->outcome == SIM_OUT_ERROR_LINE,
		    "id", (json_int_t)le->id, "status", le->status,
		    "outcome", sim_outcome_names[le->outcome],
		    "tokens_sent", (json_int_t)le->tokens_sent);
		if (le->raw != NULL)
			json_object_set_new(e, "raw", json_string(le->raw));
		json_array_append_new(arr, e);
	}
	e = json_pack("{s:o}", "requests", arr);
	/* Bodies are shared with the log: serialise under the lock. */
	s = dump_go(e, &len);
	json_decref(e);
	pthread_mutex_unlock(&sim.mu);
	ret = reply_buf(c, MHD_HTTP_OK, CT_JSON, s, len);
	return ret;
}

/* POST /_sim/load and /_sim/unload. */
enum MHD_Result
ctl_load(struct MHD_Connection *c, struct sim_req *rq, bool load)
{
	struct sim_ka	 ka;
	char		 msg[256];
	const char	*name;
	const json_t	*nc;
	int		 m;
	size_t		 i;

	if (body_decode(rq, "SimLoad", msg, sizeof(msg)) != 0)
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST, "%s", msg);
	name = str_field(rq->json, "model");
	if (!load && strcmp(name, "*") == 0) {
		pthread_mutex_lock(&sim.mu);
		for (i = 0; i < SIM_NMODELS; i++)
			sim.loaded[i].state = SIM_UNLOADED;
		pthread_mutex_unlock(&sim.mu);
		return reply_json(c, NULL, MHD_HTTP_OK,
		    json_pack("{s:s}", "status", "unloaded"));
	}
	if (*name == '\0')
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST,
		    "model is required");
	if ((m = model_find(name)) < 0)
		return reply_error(c, NULL, MHD_HTTP_NOT_FOUND,
		    "model '%s' not found", name);
	if (parse_keep_alive(json_object_get(rq->json, "keep_alive"), &ka,
	    msg, sizeof(msg)) != 0)
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST, "%s", msg);
	nc = json_object_get(rq->json, "num_ctx");
	pthread_mutex_lock(&sim.mu);
	if (load)
		model_mark_loaded_locked(m, &ka, json_is_integer(nc) &&
		    json_integer_value(nc) > 0 ? json_integer_value(nc) :
		    model_default_ctx(m));
	else
		sim.loaded[m].state = SIM_UNLOADED;
	pthread_mutex_unlock(&sim.mu);
	return reply_json(c, NULL, MHD_HTTP_OK, json_pack("{s:s,s:s}",
	    "model", sim_models[m].name, "status", load ? "loaded" :
	    "unloaded"));
}

/* POST /_sim/reset. */
enum MHD_Result
ctl_reset(struct MHD_Connection *c)
{
	size_t i;

	pthread_mutex_lock(&sim.mu);
	sim.cfg = sim.cfg_default;
	for (i = 0; i < SIM_NMODELS; i++)
		sim.loaded[i].state = SIM_UNLOADED;
	pthread_mutex_unlock(&sim.mu);
	reqlog_clear();
	sim_more_reset();
	return reply_json(c, NULL, MHD_HTTP_OK, config_json(&sim.cfg_default));
}
