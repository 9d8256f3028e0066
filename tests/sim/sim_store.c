/* SPDX-License-Identifier: ISC */
/*
 * sim_store.c: ollama-sim's model store: /api/tags, /api/show and
 * /v1/models, names made by copy and create, deletions, uploaded blobs
 * (hashed with a small SHA-256 as they arrive, never kept), and the paced
 * NDJSON progress of pull, push and create.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim.h"

#define SIM_MAXALIAS	32
#define SIM_MAXBLOBS	64
#define SIM_PULL_STEP_NS	(50 * NS_PER_MS)

/* Names made by copy/create (aliases of a built-in) and deleted models. */
static struct {
	char	 name[256];
	int	 m;
} sim_alias[SIM_MAXALIAS];
static bool	 sim_deleted[SIM_NMODELS];
static char	 sim_blobs[SIM_MAXBLOBS][72];	/* "sha256:<hex>" */

/* ---- names: copies and deletions ----------------------------------- */

/* Canonical "name:tag" as model_find spells it, into buf. */
static void
model_canon(const char *name, char *buf, size_t len)
{
	if (strncasecmp(name, "registry.ollama.ai/library/", 27) == 0)
		name += 27;
	model_tagged(name, buf, len);
}

/* model_find, with copies and deletions. */
int
model_lookup(const char *name)
{
	char	buf[300];
	int	i, m;

	model_canon(name, buf, sizeof(buf));
	pthread_mutex_lock(&sim.mu);
	for (i = 0; i < SIM_MAXALIAS; i++)
		if (sim_alias[i].name[0] != '\0' &&
		    strcasecmp(sim_alias[i].name, buf) == 0) {
			m = sim_alias[i].m;
			pthread_mutex_unlock(&sim.mu);
			return m;
		}
	m = model_find(name);
	if (m >= 0 && sim_deleted[m])
		m = -1;
	pthread_mutex_unlock(&sim.mu);
	return m;
}

static int
alias_add(const char *name, int m)
{
	char	buf[300];
	int	i, free_slot = -1;

	model_canon(name, buf, sizeof(buf));
	if (strlen(buf) >= sizeof(sim_alias[0].name))
		return -ENAMETOOLONG;
	pthread_mutex_lock(&sim.mu);
	for (i = 0; i < SIM_MAXALIAS; i++) {
		if (sim_alias[i].name[0] == '\0') {
			if (free_slot < 0)
				free_slot = i;
		} else if (strcasecmp(sim_alias[i].name, buf) == 0)
			free_slot = i;
	}
	if (free_slot >= 0) {
		memcpy(sim_alias[free_slot].name, buf, strlen(buf) + 1);
		sim_alias[free_slot].m = m;
	}
	if ((i = model_find(buf)) >= 0 && strcasecmp(buf,
	    sim_models[i].name) == 0)
		sim_deleted[i] = false;
	pthread_mutex_unlock(&sim.mu);
	return free_slot >= 0 ? 0 : -ENOSPC;
}

/* Remove a name; 0, or -ENOENT. */
static int
model_remove(const char *name)
{
	char	buf[300];
	int	i, m, rc = -ENOENT;

	model_canon(name, buf, sizeof(buf));
	pthread_mutex_lock(&sim.mu);
	for (i = 0; i < SIM_MAXALIAS; i++)
		if (sim_alias[i].name[0] != '\0' &&
		    strcasecmp(sim_alias[i].name, buf) == 0) {
			sim_alias[i].name[0] = '\0';
			rc = 0;
		}
	if (rc != 0 && (m = model_find(name)) >= 0 && !sim_deleted[m]) {
		sim_deleted[m] = true;
		sim.loaded[m].state = SIM_UNLOADED;
		rc = 0;
	}
	pthread_mutex_unlock(&sim.mu);
	return rc;
}

/* Forget copies, deletions and uploaded blobs. */
void
sim_more_reset(void)
{
	pthread_mutex_lock(&sim.mu);
	memset(sim_alias, 0, sizeof(sim_alias));
	memset(sim_deleted, 0, sizeof(sim_deleted));
	memset(sim_blobs, 0, sizeof(sim_blobs));
	pthread_mutex_unlock(&sim.mu);
}

/* ---- JSON for models ----------------------------------------------- */

/* The "details" of model m; lengths adds context/embedding_length. */
json_t *
model_details(int m, bool lengths)
{
	const struct sim_model	*md = &sim_models[m];
	json_t			*d, *fam;
	const char *const	*f;

	if (md->families == NULL)
		fam = json_null();
	else {
		fam = json_array();
		for (f = md->families; *f != NULL; f++)
			json_array_append_new(fam, json_string(*f));
	}
	d = json_pack("{s:s,s:s,s:s,s:o,s:s,s:s}",
	    "parent_model", "", "format", md->format, "family", md->family,
	    "families", fam, "parameter_size", md->parameter_size,
	    "quantization_level", md->quantization);
	if (lengths && md->context_length > 0)
		json_object_set_new(d, "context_length",
		    json_integer(md->context_length));
	if (lengths && md->embedding_length > 0)
		json_object_set_new(d, "embedding_length",
		    json_integer(md->embedding_length));
	return d;
}

static json_t *
model_caps(int m)
{
	json_t			*a = json_array();
	const char *const	*c;

	for (c = sim_models[m].caps; c != NULL && *c != NULL; c++)
		json_array_append_new(a, json_string(*c));
	if (sim_models[m].caps == NULL)
		json_array_append_new(a, json_string("completion"));
	return a;
}

/* A tags entry for model m under name. */
static json_t *
tags_entry(int m, const char *name, const struct sim_config *cfg)
{
	const struct sim_model	*md = &sim_models[m];
	json_t			*e;

	e = json_pack("{s:s,s:s,s:o,s:I,s:s,s:o}",
	    "name", name, "model", name,
	    "modified_at", json_time_local(md->modified_s, md->modified_ns,
	    cfg->tz_offset),
	    "size", (json_int_t)md->size, "digest", md->digest,
	    "details", model_details(m, true));
	if (md->caps != NULL)
		json_object_set_new(e, "capabilities", model_caps(m));
	return e;
}

/* Append the copies' entries (those not naming a built-in). */
static void
tags_aliases(json_t *models, const struct sim_config *cfg)
{
	char	names[SIM_MAXALIAS][256];
	int	ms[SIM_MAXALIAS], n = 0, i, b;

	pthread_mutex_lock(&sim.mu);
	for (i = 0; i < SIM_MAXALIAS; i++)
		if (sim_alias[i].name[0] != '\0') {
			memcpy(names[n], sim_alias[i].name, sizeof(names[n]));
			ms[n++] = sim_alias[i].m;
		}
	pthread_mutex_unlock(&sim.mu);
	for (i = 0; i < n; i++) {
		b = model_find(names[i]);
		if (b >= 0 && strcasecmp(names[i], sim_models[b].name) == 0)
			continue;
		json_array_append_new(models, tags_entry(ms[i], names[i], cfg));
	}
}

static int
tags_cmp(const void *a, const void *b)
{
	const struct sim_model *x = &sim_models[*(const int *)a];
	const struct sim_model *y = &sim_models[*(const int *)b];

	if (x->modified_s != y->modified_s)
		return x->modified_s > y->modified_s ? -1 : 1;
	if (x->modified_ns != y->modified_ns)
		return x->modified_ns > y->modified_ns ? -1 : 1;
	return 0;
}

/* GET /api/tags: the models, newest modified_at first. */
enum MHD_Result
api_tags(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	json_t	*models = json_array();
	int	 order[SIM_NMODELS];
	size_t	 i;

	(void)rq;
	for (i = 0; i < SIM_NMODELS; i++)
		order[i] = (int)i;
	qsort(order, SIM_NMODELS, sizeof(order[0]), tags_cmp);
	for (i = 0; i < SIM_NMODELS; i++) {
		bool gone;
		pthread_mutex_lock(&sim.mu);
		gone = sim_deleted[order[i]];
		pthread_mutex_unlock(&sim.mu);
		if (!gone)
			json_array_append_new(models, tags_entry(order[i],
			    sim_models[order[i]].name, cfg));
	}
	tags_aliases(models, cfg);
	return reply_json(c, NULL, MHD_HTTP_OK,
	    json_pack("{s:o}", "models", models));
}

static int
kv_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* model_info with sorted keys, as Go marshals a map. */
static json_t *
model_info(int m)
{
	const struct sim_model	*md = &sim_models[m];
	json_t			*tmp = json_object(), *out = json_object();
	const char		*keys[32], *k;
	char			 key[128];
	size_t			 n = 0, i;
	void			*it;

#define SETI(name, v) do {						\
	snprintf(key, sizeof(key), name, md->family);			\
	json_object_set_new(tmp, key, json_integer(v));			\
} while (0)
	json_object_set_new(tmp, "general.architecture",
	    json_string(md->family));
	json_object_set_new(tmp, "general.file_type",
	    json_integer(md->file_type));
	json_object_set_new(tmp, "general.parameter_count",
	    json_integer(md->param_count));
	json_object_set_new(tmp, "general.quantization_version",
	    json_integer(2));
	SETI("%s.attention.head_count", md->head_count);
	SETI("%s.attention.head_count_kv", md->head_count_kv);
	SETI("%s.block_count", md->block_count);
	SETI("%s.context_length", md->context_length > 0 ?
	    md->context_length : 32768);
	SETI("%s.embedding_length", md->embedding_length > 0 ?
	    md->embedding_length : 4096);
	SETI("%s.vocab_size", md->vocab);
#undef SETI
	json_object_set_new(tmp, "tokenizer.ggml.model",
	    json_string(strcmp(md->family, "bert") == 0 ? "t5" : "gpt2"));
	json_object_set_new(tmp, "tokenizer.ggml.tokens", json_array());
	json_object_set_new(tmp, "tokenizer.ggml.token_type", json_array());

	for (it = json_object_iter(tmp); it != NULL && n < 32;
	    it = json_object_iter_next(tmp, it))
		keys[n++] = json_object_iter_key(it);
	qsort(keys, n, sizeof(keys[0]), kv_cmp);
	for (i = 0; i < n; i++) {
		k = keys[i];
		json_object_set(out, k, json_object_get(tmp, k));
	}
	json_decref(tmp);
	return out;
}

/* POST /api/show. */
enum MHD_Result
api_show(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	const struct sim_model	*md;
	const char		*name;
	char			 msg[512], *modelfile = NULL, *params;
	json_t			*r, *tensors;
	int			 m, len;
	enum MHD_Result		 ret;

	if (body_decode(rq, "ShowRequest", msg, sizeof(msg)) != 0 ||
	    field_check(rq->json, "ShowRequest", "model", 's', msg,
	    sizeof(msg)) != 0 ||
	    field_check(rq->json, "ShowRequest", "name", 's', msg,
	    sizeof(msg)) != 0)
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST, "%s", msg);
	name = str_field(rq->json, "model");
	if (*name == '\0')
		name = str_field(rq->json, "name");
	if (*name == '\0')
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST,
		    "model is required");
	if ((m = model_lookup(name)) < 0)
		return reply_error(c, NULL, MHD_HTTP_NOT_FOUND,
		    "model '%s' not found", name);
	md = &sim_models[m];

	if (md->stop != NULL)
		len = asprintf(&params, "%-30s %d\n%-30s \"%s\"", "num_ctx",
		    (int)model_default_ctx(m), "stop", md->stop);
	else
		len = asprintf(&params, "%-30s %d", "num_ctx",
		    (int)model_default_ctx(m));
	if (len < 0)
		abort();
	if (asprintf(&modelfile, "# Modelfile generated by \"ollama show\"\n"
	    "# To build a new Modelfile based on this, replace FROM with:\n"
	    "# FROM %s\n\nFROM /usr/share/ollama/.ollama/models/blobs/"
	    "sha256-%s\nTEMPLATE \"\"\"%s\"\"\"\nPARAMETER num_ctx %d\n%s%s%s",
	    md->name, md->digest, md->tmpl, (int)model_default_ctx(m),
	    md->stop ? "PARAMETER stop " : "", md->stop ? md->stop : "",
	    md->stop ? "\n" : "") < 0)
		abort();

	tensors = json_pack("[{s:s,s:s,s:[I,I]},{s:s,s:s,s:[I]}]",
	    "name", "token_embd.weight", "type", md->quantization,
	    "shape", (json_int_t)(md->embedding_length > 0 ?
	    md->embedding_length : 4096), (json_int_t)md->vocab,
	    "name", "output_norm.weight", "type", "F32",
	    "shape", (json_int_t)(md->embedding_length > 0 ?
	    md->embedding_length : 4096));
	r = json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o}",
	    "modelfile", modelfile, "parameters", params,
	    "template", md->tmpl, "details", model_details(m, false),
	    "model_info", model_info(m), "tensors", tensors,
	    "capabilities", model_caps(m),
	    "modified_at", json_time_local(md->modified_s, md->modified_ns,
	    cfg->tz_offset));
	free(modelfile);
	free(params);
	ret = reply_json(c, NULL, MHD_HTTP_OK, r);
	return ret;
}

/* GET /v1/models */
enum MHD_Result
oa_models(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	json_t		*data = json_array();
	const char	*n, *slash;
	char		 owner[128];
	size_t		 i;

	(void)rq;
	(void)cfg;
	for (i = 0; i < SIM_NMODELS; i++) {
		if (sim_deleted[i])
			continue;
		n = sim_models[i].name;
		/* owned_by: the namespace ("library" for official models). */
		if ((slash = strchr(n, '/')) == NULL)
			snprintf(owner, sizeof(owner), "library");
		else {
			const char *s2 = strchr(slash + 1, '/');
			snprintf(owner, sizeof(owner), "%.*s", s2 != NULL ?
			    (int)(s2 - slash - 1) : (int)(slash - n), s2 !=
			    NULL ? slash + 1 : n);
		}
		json_array_append_new(data, json_pack("{s:s,s:s,s:I,s:s}",
		    "id", n, "object", "model", "created",
		    (json_int_t)sim_models[i].modified_s, "owned_by", owner));
	}
	return reply_json(c, NULL, MHD_HTTP_OK, json_pack("{s:s,s:o}",
	    "object", "list", "data", data));
}

/* ---- SHA-256 (FIPS 180-4), for blob digests ------------------------ */

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n)	(((x) >> (n)) | ((x) << (32 - (n))))

static void
sha256_block(struct sha256 *s, const unsigned char *p)
{
	uint32_t	w[64], a, b, c, d, e, f, g, h, t1, t2;
	int		i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = w[i - 16] + (ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^
		    (w[i - 15] >> 3)) + w[i - 7] + (ROR(w[i - 2], 17) ^
		    ROR(w[i - 2], 19) ^ (w[i - 2] >> 10));
	a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3];
	e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) +
		    ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
		t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) +
		    ((a & b) ^ (a & c) ^ (b & c));
		h = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
	s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

/* Start a SHA-256 hash. */
void
sha256_init(struct sha256 *s)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372,
	    0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memset(s, 0, sizeof(*s));
	memcpy(s->h, iv, sizeof(iv));
}

/* Hash len more bytes. */
void
sha256_update(struct sha256 *s, const void *data, size_t len)
{
	const unsigned char	*p = data;
	size_t			 k;

	s->n += len;
	while (len > 0) {
		if (s->blen == 0 && len >= 64) {
			sha256_block(s, p);
			p += 64;
			len -= 64;
			continue;
		}
		k = 64 - s->blen < len ? 64 - s->blen : len;
		memcpy(s->buf + s->blen, p, k);
		s->blen += k;
		p += k;
		len -= k;
		if (s->blen == 64) {
			sha256_block(s, s->buf);
			s->blen = 0;
		}
	}
}

/* Finish into "sha256:<64 hex>". */
static void
sha256_hex(struct sha256 *s, char out[72])
{
	uint64_t	bits = s->n * 8;
	unsigned char	pad = 0x80, z = 0, len[8];
	int		i;

	sha256_update(s, &pad, 1);
	while (s->blen != 56)
		sha256_update(s, &z, 1);
	for (i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (56 - 8 * i));
	sha256_update(s, len, 8);
	strcpy(out, "sha256:");
	for (i = 0; i < 8; i++)
		snprintf(out + 7 + 8 * i, 9, "%08x", s->h[i]);
}

static bool
blob_known(const char *digest)
{
	size_t	i;
	bool	found = false;

	if (strncmp(digest, "sha256:", 7) == 0)
		for (i = 0; i < SIM_NMODELS; i++)
			if (strcmp(digest + 7, sim_models[i].digest) == 0)
				return true;
	pthread_mutex_lock(&sim.mu);
	for (i = 0; i < SIM_MAXBLOBS && !found; i++)
		found = strcmp(sim_blobs[i], digest) == 0;
	pthread_mutex_unlock(&sim.mu);
	return found;
}

static void
blob_add(const char *digest)
{
	size_t	i;

	pthread_mutex_lock(&sim.mu);
	for (i = 0; i < SIM_MAXBLOBS; i++)
		if (sim_blobs[i][0] == '\0' || strcmp(sim_blobs[i],
		    digest) == 0) {
			snprintf(sim_blobs[i], sizeof(sim_blobs[i]), "%s",
			    digest);
			break;
		}
	pthread_mutex_unlock(&sim.mu);
}

/* Ollama's digest check: "sha256:" and 64 lowercase hex digits. */
static bool
digest_valid(const char *d)
{
	size_t	i;

	if (strncmp(d, "sha256:", 7) != 0 && strncmp(d, "sha256-", 7) != 0)
		return false;
	for (i = 7; d[i] != '\0'; i++)
		if (!((d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' &&
		    d[i] <= 'f')))
			return false;
	return i == 71;
}

/* HEAD /api/blobs/:digest and POST (the body was hashed as it came). */
enum MHD_Result
api_blob(struct MHD_Connection *c, struct sim_req *rq, const char *digest,
    bool post)
{
	char	got[72], want[72];

	if (!digest_valid(digest))
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST,
		    "invalid digest format");
	snprintf(want, sizeof(want), "sha256:%s", digest + 7);
	if (!post)
		return reply_empty(c, blob_known(want) ? MHD_HTTP_OK :
		    MHD_HTTP_NOT_FOUND);
	if (blob_known(want))
		return reply_empty(c, MHD_HTTP_OK);
	sha256_hex(rq->sha, got);
	if (strcmp(got, want) != 0)
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST,
		    "digest mismatch, expected \"%s\", got \"%s\"", want, got);
	blob_add(want);
	return reply_empty(c, MHD_HTTP_CREATED);
}

/* ---- pull, push, create, copy, delete ------------------------------ */

/* POST /api/pull: NDJSON progress. */
enum MHD_Result
api_pull(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	struct sim_lines	*l;
	const char		*name;
	char			 msg[512], short_d[13], dig[80];
	int64_t			 t = mono_ns(), step;
	int			 m, i;

	(void)cfg;
	if (body_decode(rq, "PullRequest", msg, sizeof(msg)) != 0)
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST, "%s", msg);
	name = model_arg(rq->json);
	if (*name == '\0')
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST,
		    "model is required");
	l = sim_alloc(sizeof(*l));
	lines_status(l, "pulling manifest", t);
	m = model_find(name);
	if (m < 0) {
		lines_json(l, json_pack("{s:s}", "error", "pull model "
		    "manifest: file does not exist"), t += SIM_PULL_STEP_NS);
	} else {
		const struct sim_model *md = &sim_models[m];
		snprintf(short_d, sizeof(short_d), "%.12s", md->digest);
		snprintf(dig, sizeof(dig), "sha256:%s", md->digest);
		snprintf(msg, sizeof(msg), "pulling %s", short_d);
		for (i = 0; i <= 4; i++) {
			step = md->size / 4 * i;
			if (i == 4)
				step = md->size;
			lines_json(l, json_pack("{s:s,s:s,s:I,s:I}", "status",
			    msg, "digest", dig, "total", (json_int_t)md->size,
			    "completed", (json_int_t)step),
			    t += SIM_PULL_STEP_NS);
		}
		lines_status(l, "verifying sha256 digest",
		    t += SIM_PULL_STEP_NS);
		lines_status(l, "writing manifest", t += SIM_PULL_STEP_NS);
		lines_status(l, "success", t += SIM_PULL_STEP_NS);
		(void)alias_add(md->name, m);
	}
	return reply_progress(c, rq, l);
}

/* POST /api/push: NDJSON progress (the registry is imaginary). */
enum MHD_Result
api_push(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	struct sim_lines	*l;
	const char		*name;
	char			 msg[512], dig[80];
	int64_t			 t = mono_ns();
	int			 m;

	(void)cfg;
	if (body_decode(rq, "PushRequest", msg, sizeof(msg)) != 0)
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST, "%s", msg);
	name = model_arg(rq->json);
	l = sim_alloc(sizeof(*l));
	lines_status(l, "retrieving manifest", t);
	if ((m = model_lookup(name)) < 0) {
		lines_json(l, json_pack("{s:s}", "error", "open manifest: "
		    "file does not exist"), t += SIM_PULL_STEP_NS);
	} else {
		snprintf(dig, sizeof(dig), "sha256:%s", sim_models[m].digest);
		int i;
		for (i = 0; i <= 4; i++)
			lines_json(l, json_pack("{s:s,s:s,s:I,s:I}", "status",
			    i == 0 ? "starting upload" : "pushing", "digest",
			    dig, "total", (json_int_t)sim_models[m].size,
			    "completed", (json_int_t)(sim_models[m].size / 4 *
			    i)), t += SIM_PULL_STEP_NS);
		lines_status(l, "pushing manifest", t += SIM_PULL_STEP_NS);
		lines_status(l, "success", t += SIM_PULL_STEP_NS);
	}
	return reply_progress(c, rq, l);
}

/* POST /api/create: from an existing model, or files naming known blobs. */
enum MHD_Result
api_create(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	struct sim_lines	*l;
	const char		*name, *from, *k;
	json_t			*files, *v;
	char			 msg[512];
	int64_t			 t = mono_ns();
	int			 m = -1;

	(void)cfg;
	if (body_decode(rq, "CreateRequest", msg, sizeof(msg)) != 0)
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST, "%s", msg);
	name = model_arg(rq->json);
	from = str_field(rq->json, "from");
	files = json_object_get(rq->json, "files");
	if (*name == '\0')
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST,
		    "model is required");
	if (*from == '\0' && !json_is_object(files))
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST,
		    "neither 'from' or 'files' was specified");
	l = sim_alloc(sizeof(*l));
	json_object_foreach(files, k, v) {
		if (!json_is_string(v) || !blob_known(json_string_value(v))) {
			lines_free(l);
			return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST,
			    "missing blob for %s", k);
		}
	}
	if (*from != '\0') {
		if ((m = model_lookup(from)) < 0) {
			snprintf(msg, sizeof(msg), "model '%s' not found",
			    from);
			lines_json(l, json_pack("{s:s}", "error", msg), t);
		} else {
			snprintf(msg, sizeof(msg), "using existing layer "
			    "sha256:%s", sim_models[m].digest);
			lines_status(l, msg, t);
		}
	} else {
		json_object_foreach(files, k, v) {
			snprintf(msg, sizeof(msg), "using existing layer %s",
			    json_string_value(v));
			lines_status(l, msg, t);
		}
		m = model_find("llama3.2");
	}
	if (m >= 0) {
		lines_status(l, "writing manifest", t += SIM_PULL_STEP_NS);
		lines_status(l, "success", t += SIM_PULL_STEP_NS);
		(void)alias_add(name, m);
	}
	return reply_progress(c, rq, l);
}

/* POST /api/copy: 200 with an empty body. */
enum MHD_Result
api_copy(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	const char	*src, *dst;
	char		 msg[512];
	int		 m;

	(void)cfg;
	if (body_decode(rq, "CopyRequest", msg, sizeof(msg)) != 0)
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST, "%s", msg);
	src = str_field(rq->json, "source");
	dst = str_field(rq->json, "destination");
	if (*src == '\0' || *dst == '\0')
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST,
		    "source and destination are required");
	if ((m = model_lookup(src)) < 0)
		return reply_error(c, NULL, MHD_HTTP_NOT_FOUND,
		    "model '%s' not found", src);
	if (alias_add(dst, m) != 0)
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST,
		    "invalid model name");
	return reply_empty(c, MHD_HTTP_OK);
}

/* DELETE /api/delete. */
enum MHD_Result
api_delete(struct MHD_Connection *c, struct sim_req *rq,
    const struct sim_config *cfg)
{
	const char	*name;
	char		 msg[512];

	(void)cfg;
	if (body_decode(rq, "DeleteRequest", msg, sizeof(msg)) != 0)
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST, "%s", msg);
	name = model_arg(rq->json);
	if (*name == '\0')
		return reply_error(c, NULL, MHD_HTTP_BAD_REQUEST,
		    "model is required");
	if (model_remove(name) != 0)
		return reply_error(c, NULL, MHD_HTTP_NOT_FOUND,
		    "model '%s' not found", name);
	return reply_empty(c, MHD_HTTP_OK);
}
