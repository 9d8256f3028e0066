/* SPDX-License-Identifier: ISC */
/*
 * models.c: GET /v1/models (installed) and GET /v1/models/running (loaded).
 *
 * Both lists come from the daemon's cache of Ollama's /api/tags and
 * /api/ps. The parser for one loaded model is shared with status.c, whose
 * "ollama" section carries the same objects.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include <jansson.h>

#include <mlxd/mlxd.h>

#include "sdk.h"

struct models_reply {
	struct mlxd_models	 pub;
	struct reply		 r;
};

struct models_running_reply {
	struct mlxd_running	 pub;
	struct reply		 r;
};

/* Free an array from models_running_parse(). */
void
models_running_free(struct mlxd_running_model *models, size_t n)
{
	size_t	 i;

	if (models == NULL)
		return;
	for (i = 0; i < n; i++)
		free(models[i].families);
	free(models);
}

/*
 * Parse an array of loaded models (borrowing strings from arr) into a new
 * array in *modelsp. Anything but an array gives NULL and 0; elements that
 * are not objects are skipped. Returns 0 or -ENOMEM.
 */
int
models_running_parse(const json_t *arr, struct mlxd_running_model **modelsp,
    size_t *np)
{
	struct mlxd_running_model	*models, *m;
	const json_t			*o;
	size_t				 i, n = 0;

	*modelsp = NULL;
	*np = 0;
	if (!json_is_array(arr))
		return 0;
	if ((models = calloc(json_array_size(arr) + 1, sizeof *models)) == NULL)
		return -ENOMEM;
	for (i = 0; i < json_array_size(arr); i++) {
		if (!json_is_object(o = json_array_get(arr, i)))
			continue;
		m = &models[n++];
		m->name = reply_string(o, "name");
		m->model = reply_string(o, "model");
		m->digest = reply_string(o, "digest");
		m->size_bytes = reply_int(o, "size_bytes");
		m->vram_bytes = reply_int(o, "vram_bytes");
		m->expires_at = reply_string(o, "expires_at");
		m->expires_at_ms = reply_time(o, "expires_at");
		m->context_length = reply_int(o, "context_length");
		m->format = reply_string(o, "format");
		m->family = reply_string(o, "family");
		m->parameter_size = reply_string(o, "parameter_size");
		m->quantization_level = reply_string(o, "quantization_level");
		if (reply_strings(o, "families", &m->families,
		    &m->nfamilies) != 0) {
			models_running_free(models, n);
			return -ENOMEM;
		}
	}
	*modelsp = models;
	*np = n;
	return 0;
}

static void
models_free_array(struct mlxd_model *models, size_t n)
{
	size_t	 i;

	if (models == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(models[i].families);
		free(models[i].capabilities);
	}
	free(models);
}

static int
models_parse(const json_t *arr, struct mlxd_model **modelsp, size_t *np)
{
	struct mlxd_model	*models, *m;
	const json_t		*o;
	size_t			 i, n = 0;

	*modelsp = NULL;
	*np = 0;
	if (!json_is_array(arr))
		return 0;
	if ((models = calloc(json_array_size(arr) + 1, sizeof *models)) == NULL)
		return -ENOMEM;
	for (i = 0; i < json_array_size(arr); i++) {
		if (!json_is_object(o = json_array_get(arr, i)))
			continue;
		m = &models[n++];
		m->name = reply_string(o, "name");
		m->model = reply_string(o, "model");
		m->digest = reply_string(o, "digest");
		m->size_bytes = reply_int(o, "size_bytes");
		m->modified_at = reply_string(o, "modified_at");
		m->modified_at_ms = reply_time(o, "modified_at");
		m->format = reply_string(o, "format");
		m->family = reply_string(o, "family");
		m->parameter_size = reply_string(o, "parameter_size");
		m->quantization_level = reply_string(o, "quantization_level");
		m->context_length = reply_int(o, "context_length");
		m->embedding_length = reply_int(o, "embedding_length");
		if (reply_strings(o, "families", &m->families,
		    &m->nfamilies) != 0 ||
		    reply_strings(o, "capabilities", &m->capabilities,
		    &m->ncapabilities) != 0) {
			models_free_array(models, n);
			return -ENOMEM;
		}
	}
	*modelsp = models;
	*np = n;
	return 0;
}

static void
models_release(void *p)
{
	mlxd_models_free(&((struct models_reply *)p)->pub);
}

static int
models_fill(void *p, const json_t *root, const char *raw)
{
	struct models_reply	*r = p;

	r->pub.fetched_at = reply_string(root, "fetched_at");
	r->pub.fetched_at_ms = reply_time(root, "fetched_at");
	r->pub.raw_json = raw;
	return models_parse(json_object_get(root, "models"), &r->pub.models,
	    &r->pub.nmodels);
}

/* List the models installed in Ollama. */
int
mlxd_models(struct mlxd_client *c, struct mlxd_models **mp)
{
	void	*r;
	int	 rc;

	if (mp == NULL)
		return -EINVAL;
	if ((rc = CALL_GET(c, "/v1/models", struct models_reply, models_fill,
	    models_release, &r)) != 0)
		return rc;
	*mp = &((struct models_reply *)r)->pub;
	return 0;
}

/* Free a reply of mlxd_models(). */
void
mlxd_models_free(struct mlxd_models *m)
{
	struct models_reply	*r = (struct models_reply *)m;

	if (r == NULL)
		return;
	models_free_array(r->pub.models, r->pub.nmodels);
	reply_clear(&r->r);
	free(r);
}

static void
models_running_release(void *p)
{
	mlxd_running_free(&((struct models_running_reply *)p)->pub);
}

static int
models_running_fill(void *p, const json_t *root, const char *raw)
{
	struct models_running_reply	*r = p;

	r->pub.fetched_at = reply_string(root, "fetched_at");
	r->pub.fetched_at_ms = reply_time(root, "fetched_at");
	r->pub.raw_json = raw;
	return models_running_parse(json_object_get(root, "models"),
	    &r->pub.models, &r->pub.nmodels);
}

/* List the models Ollama has loaded. */
int
mlxd_running(struct mlxd_client *c, struct mlxd_running **rp)
{
	void	*r;
	int	 rc;

	if (rp == NULL)
		return -EINVAL;
	if ((rc = CALL_GET(c, "/v1/models/running", struct models_running_reply,
	    models_running_fill, models_running_release, &r)) != 0)
		return rc;
	*rp = &((struct models_running_reply *)r)->pub;
	return 0;
}

/* Free a reply of mlxd_running(). */
void
mlxd_running_free(struct mlxd_running *rr)
{
	struct models_running_reply	*r = (struct models_running_reply *)rr;

	if (r == NULL)
		return;
	models_running_free(r->pub.models, r->pub.nmodels);
	reply_clear(&r->r);
	free(r);
}
