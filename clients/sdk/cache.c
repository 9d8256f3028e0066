/* SPDX-License-Identifier: ISC */
/*
 * cache.c: the model cache calls of libmlxd (/v1/cache... and the jobs they
 * start). Reading replies follows reply.c's rules: strings are borrowed from
 * the parsed reply, which each returned struct keeps until its _free; a
 * missing or null field is NULL, MLXD_NULL_INT64 or NAN. Calls that start
 * work return the job id as a malloc'd string.
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

/* The longest one long-poll of mlxd_cache_job_wait() waits on the daemon. */
#define CACHE_JOB_WAIT_S	10

/* Every reply struct sits first in one of these, with what it borrows. */
struct cache_list_reply {
	struct mlxd_cache_list	 pub;
	struct reply		 r;
};

struct cache_stats_reply {
	struct mlxd_cache_stats	 pub;
	struct reply		 r;
};

struct cache_config_reply {
	struct mlxd_cache_config pub;
	struct reply		 r;
};

struct cache_apps_reply {
	struct mlxd_cache_apps	 pub;
	struct reply		 r;
};

struct cache_job_reply {
	struct mlxd_cache_job	 pub;
	struct mlxd_cache_result res;
	struct reply		 r;
};

/*
 * POST body (a JSON object, stolen) to path; a 2xx reply's "job" goes to
 * *jobp when jobp is not NULL. Non-2xx replies fail with MLXD_EAPI.
 */
static int
cache_post(struct mlxd_client *c, const char *path, json_t *body,
    char **jobp)
{
	json_t	*root = NULL;
	char	*text = NULL, *reply = NULL, *raw = NULL, *job;
	size_t	 len = 0;
	int	 status = 0, rc;

	if (c == NULL || body == NULL) {
		json_decref(body);
		return body == NULL ? -ENOMEM : -EINVAL;
	}
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (text == NULL)
		return -ENOMEM;
	rc = mlxd_request(c, "POST", path, text, strlen(text), &status,
	    &reply, &len);
	free(text);
	if (rc != 0)
		goto out;
	if (status < 200 || status > 299) {
		rc = MLXD_EAPI;
		goto out;
	}
	if ((rc = reply_load(reply, len, &root, &raw)) != 0)
		goto out;
	if (jobp != NULL) {
		if (reply_string(root, "job") == NULL) {
			client_set_error(c, "the reply names no job");
			rc = MLXD_EPROTO;
			goto out;
		}
		if ((job = strdup(reply_string(root, "job"))) == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		*jobp = job;
	}
out:
	json_decref(root);
	free(raw);
	free(reply);
	return rc;
}

/* Free the pointer arrays of one model. */
static void
cache_model_clear(struct mlxd_cache_model *m)
{
	free(m->apps);
	free(m->registered_apps);
	free(m->shared_with);
}

static int
cache_model_parse(const json_t *o, struct mlxd_cache_model *m)
{
	int	rc;

	m->ref = reply_string(o, "ref");
	m->name = reply_string(o, "name");
	m->store = reply_string(o, "store");
	m->store_path = reply_string(o, "store_path");
	m->revision = reply_string(o, "revision");
	m->refs = reply_string(o, "refs");
	m->detached = reply_bool(o, "detached");
	m->path = reply_string(o, "path");
	m->size_bytes = reply_int(o, "size_bytes");
	m->files = reply_int(o, "files");
	m->shares_bytes = reply_bool(o, "shares_bytes");
	if ((rc = reply_strings(o, "apps", &m->apps, &m->napps)) != 0 ||
	    (rc = reply_strings(o, "registered_apps", &m->registered_apps,
	    &m->nregistered_apps)) != 0 ||
	    (rc = reply_strings(o, "shared_with", &m->shared_with,
	    &m->nshared_with)) != 0)
		return rc;
	return 0;
}

static void
cache_list_release(void *p)
{
	mlxd_cache_list_free(p);
}

static int
cache_list_fill(void *p, const json_t *root, const char *raw)
{
	struct cache_list_reply	*r = p;
	const json_t		*arr;
	size_t			 i;
	int			 rc;

	arr = json_object_get(root, "models");
	if ((r->pub.models = calloc(json_array_size(arr) + 1,
	    sizeof(*r->pub.models))) == NULL)
		return -ENOMEM;
	for (i = 0; i < json_array_size(arr); i++) {
		r->pub.nmodels++;
		if ((rc = cache_model_parse(json_array_get(arr, i),
		    &r->pub.models[i])) != 0)
			return rc;
	}
	r->pub.warnings_total = reply_int(root, "warnings_total");
	r->pub.last_scan_at = reply_string(root, "last_scan_at");
	r->pub.last_scan_at_ms = reply_time(root, "last_scan_at");
	r->pub.scanning = reply_bool(root, "scanning");
	r->pub.raw_json = raw;
	return 0;
}

/* GET /v1/cache. */
int
mlxd_cache_list(struct mlxd_client *c, struct mlxd_cache_list **lp)
{
	void	*r;
	int	 rc;

	if (lp == NULL)
		return -EINVAL;
	if ((rc = CALL_GET(c, "/v1/cache", struct cache_list_reply,
	    cache_list_fill, cache_list_release, &r)) != 0)
		return rc;
	*lp = &((struct cache_list_reply *)r)->pub;
	return 0;
}

/* Free a reply of mlxd_cache_list(). */
void
mlxd_cache_list_free(struct mlxd_cache_list *l)
{
	struct cache_list_reply	*r = (struct cache_list_reply *)l;
	size_t			 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->pub.nmodels; i++)
		cache_model_clear(&r->pub.models[i]);
	free(r->pub.models);
	reply_clear(&r->r);
	free(r);
}

static void
cache_stats_release(void *p)
{
	mlxd_cache_stats_free(p);
}

static int
cache_stats_fill(void *p, const json_t *o, const char *raw)
{
	struct cache_stats_reply	*r = p;
	struct mlxd_cache_stats		*s = &r->pub;
	const json_t			*by;

	s->files = reply_int(o, "files");
	s->inodes = reply_int(o, "inodes");
	s->logical_bytes = reply_int(o, "logical_bytes");
	s->unique_bytes = reply_int(o, "unique_bytes");
	s->physical_bytes = reply_int(o, "physical_bytes");
	s->clone_shared_bytes = reply_int(o, "clone_shared_bytes");
	s->physical_est_bytes = reply_int(o, "physical_est_bytes");
	s->saved_bytes = reply_int(o, "saved_bytes");
	s->reclaimed_bytes = reply_int(o, "reclaimed_bytes");
	by = json_object_get(o, "reclaimed_by_method");
	s->reclaimed_clone_bytes = reply_int(by, "clone");
	s->reclaimed_hardlink_bytes = reply_int(by, "hardlink");
	s->reclaimed_symlink_bytes = reply_int(by, "symlink");
	s->ops_done = reply_int(o, "ops_done");
	s->cleanup_bytes = reply_int(o, "cleanup_bytes");
	s->cleanup_candidates = reply_int(o, "cleanup_candidates");
	s->reclaimable_bytes = reply_int(o, "reclaimable_bytes");
	s->last_scan_at = reply_string(o, "last_scan_at");
	s->last_dedup_at = reply_string(o, "last_dedup_at");
	s->raw_json = raw;
	return 0;
}

/* GET /v1/cache/stats. */
int
mlxd_cache_stats(struct mlxd_client *c, struct mlxd_cache_stats **sp)
{
	void	*r;
	int	 rc;

	if (sp == NULL)
		return -EINVAL;
	if ((rc = CALL_GET(c, "/v1/cache/stats", struct cache_stats_reply,
	    cache_stats_fill, cache_stats_release, &r)) != 0)
		return rc;
	*sp = &((struct cache_stats_reply *)r)->pub;
	return 0;
}

/* Free a reply of mlxd_cache_stats(). */
void
mlxd_cache_stats_free(struct mlxd_cache_stats *s)
{
	struct cache_stats_reply	*r = (struct cache_stats_reply *)s;

	if (r == NULL)
		return;
	reply_clear(&r->r);
	free(r);
}

static void
cache_config_release(void *p)
{
	mlxd_cache_config_free(p);
}

static int
cache_config_fill(void *p, const json_t *o, const char *raw)
{
	struct cache_config_reply	*r = p;
	struct mlxd_cache_config	*cfg = &r->pub;
	int				 rc;

	if ((rc = reply_strings(o, "dedup_methods", &cfg->dedup_methods,
	    &cfg->ndedup_methods)) != 0 ||
	    (rc = reply_strings(o, "roots", &cfg->roots, &cfg->nroots)) != 0 ||
	    (rc = reply_strings(o, "added_roots", &cfg->added_roots,
	    &cfg->nadded_roots)) != 0)
		return rc;
	cfg->min_size_bytes = reply_int(o, "min_size_bytes");
	cfg->scan_on_start = reply_bool(o, "scan_on_start");
	cfg->dir = reply_string(o, "dir");
	cfg->raw_json = raw;
	return 0;
}

/* GET /v1/cache/config. */
int
mlxd_cache_config(struct mlxd_client *c, struct mlxd_cache_config **cfgp)
{
	void	*r;
	int	 rc;

	if (cfgp == NULL)
		return -EINVAL;
	if ((rc = CALL_GET(c, "/v1/cache/config", struct cache_config_reply,
	    cache_config_fill, cache_config_release, &r)) != 0)
		return rc;
	*cfgp = &((struct cache_config_reply *)r)->pub;
	return 0;
}

/* Free a reply of mlxd_cache_config(). */
void
mlxd_cache_config_free(struct mlxd_cache_config *cfg)
{
	struct cache_config_reply	*r = (struct cache_config_reply *)cfg;

	if (r == NULL)
		return;
	free(r->pub.dedup_methods);
	free(r->pub.roots);
	free(r->pub.added_roots);
	reply_clear(&r->r);
	free(r);
}

static void
cache_apps_release(void *p)
{
	mlxd_cache_apps_free(p);
}

static int
cache_apps_fill(void *p, const json_t *root, const char *raw)
{
	struct cache_apps_reply	*r = p;
	struct mlxd_cache_app	*a;
	const json_t		*arr, *o, *uses;
	size_t			 i, k;

	arr = json_object_get(root, "apps");
	if ((r->pub.apps = calloc(json_array_size(arr) + 1,
	    sizeof(*r->pub.apps))) == NULL)
		return -ENOMEM;
	for (i = 0; i < json_array_size(arr); i++) {
		o = json_array_get(arr, i);
		a = &r->pub.apps[r->pub.napps++];
		a->name = reply_string(o, "name");
		a->path = reply_string(o, "path");
		uses = json_object_get(o, "models");
		if ((a->models = calloc(json_array_size(uses) + 1,
		    sizeof(*a->models))) == NULL)
			return -ENOMEM;
		for (k = 0; k < json_array_size(uses); k++) {
			a->models[k].ref = reply_string(json_array_get(uses,
			    k), "ref");
			a->models[k].via = reply_string(json_array_get(uses,
			    k), "via");
		}
		a->nmodels = json_array_size(uses);
	}
	r->pub.raw_json = raw;
	return 0;
}

/* GET /v1/cache/apps. */
int
mlxd_cache_apps(struct mlxd_client *c, struct mlxd_cache_apps **ap)
{
	void	*r;
	int	 rc;

	if (ap == NULL)
		return -EINVAL;
	if ((rc = CALL_GET(c, "/v1/cache/apps", struct cache_apps_reply,
	    cache_apps_fill, cache_apps_release, &r)) != 0)
		return rc;
	*ap = &((struct cache_apps_reply *)r)->pub;
	return 0;
}

/* Free a reply of mlxd_cache_apps(). */
void
mlxd_cache_apps_free(struct mlxd_cache_apps *a)
{
	struct cache_apps_reply	*r = (struct cache_apps_reply *)a;
	size_t			 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->pub.napps; i++)
		free(r->pub.apps[i].models);
	free(r->pub.apps);
	reply_clear(&r->r);
	free(r);
}

/* POST /v1/cache/apps. */
int
mlxd_cache_link(struct mlxd_client *c, const char *path, const char *name,
    char **jobp)
{
	if (path == NULL)
		return -EINVAL;
	return cache_post(c, "/v1/cache/apps", json_pack("{s:s, s:s*}",
	    "path", path, "name", name), jobp);
}

/* DELETE /v1/cache/apps/{name}. */
int
mlxd_cache_unlink(struct mlxd_client *c, const char *name, char **jobp)
{
	json_t	*root = NULL;
	char	 path[512], *reply = NULL, *raw = NULL, *job;
	size_t	 len = 0, off;
	int	 status = 0, rc;

	if (c == NULL || name == NULL || *name == '\0' ||
	    strlen(name) > 128 || strchr(name, '/') != NULL)
		return -EINVAL;
	/* Percent-encoded; "." and ".." too, or they would be path steps. */
	off = (size_t)snprintf(path, sizeof(path), "/v1/cache/apps/");
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		snprintf(path + off, sizeof(path) - off, "%s",
		    name[1] == '\0' ? "%2E" : "%2E%2E");
	else if ((rc = reply_escape(path, sizeof(path), &off, name)) != 0)
		return -EINVAL;
	if ((rc = mlxd_request(c, "DELETE", path, NULL, 0, &status, &reply,
	    &len)) != 0)
		return rc;
	if (status < 200 || status > 299)
		rc = MLXD_EAPI;
	else if ((rc = reply_load(reply, len, &root, &raw)) == 0 &&
	    jobp != NULL && reply_string(root, "job") != NULL) {
		if ((job = strdup(reply_string(root, "job"))) == NULL)
			rc = -ENOMEM;
		else
			*jobp = job;
	}
	json_decref(root);
	free(raw);
	free(reply);
	return rc;
}

/* POST /v1/cache/sync. */
int
mlxd_cache_sync(struct mlxd_client *c, char **jobp)
{
	return cache_post(c, "/v1/cache/sync", json_object(), jobp);
}

/* Defaults: a dry run after a rescan, the configured methods. */
void
mlxd_cache_dedup_opts_init_size(struct mlxd_cache_dedup_opts *o, size_t size)
{
	struct mlxd_cache_dedup_opts	full;

	memset(&full, 0, sizeof(full));
	full.size = size;
	full.dry_run = true;
	full.rescan = true;
	if (size > sizeof(full)) {
		memset(o, 0, size);
		size = sizeof(full);
	}
	memcpy(o, &full, size);
}

/* POST /v1/cache/dedup. */
int
mlxd_cache_dedup(struct mlxd_client *c, const struct mlxd_cache_dedup_opts *o,
    char **jobp)
{
	struct mlxd_cache_dedup_opts	def;

	mlxd_cache_dedup_opts_init(&def);
	if (o != NULL) {
		/* Read no byte past the caller's size. */
		if (!MLXD_HAS_MEMBER(o, struct mlxd_cache_dedup_opts, size))
			return -EINVAL;
		memcpy(&def, o, o->size < sizeof(def) ? o->size : sizeof(def));
		def.size = sizeof(def);
	}
	o = &def;
	return cache_post(c, "/v1/cache/dedup", json_pack("{s:b, s:b, s:b, "
	    "s:s*}", "dry_run", o->dry_run, "rescan", o->rescan,
	    "link_user_files", o->link_user_files, "method", o->method), jobp);
}

/* POST /v1/cache/clean. */
int
mlxd_cache_clean(struct mlxd_client *c, bool dry_run, const char *const *kinds,
    size_t nkinds, char **jobp)
{
	json_t	*body, *arr;
	size_t	 i;

	if (nkinds > 0 && kinds == NULL)
		return -EINVAL;
	if ((body = json_pack("{s:b}", "dry_run", dry_run)) == NULL)
		return -ENOMEM;
	if (nkinds > 0) {
		if ((arr = json_array()) == NULL ||
		    json_object_set_new(body, "kinds", arr) != 0) {
			json_decref(body);
			return -ENOMEM;
		}
		for (i = 0; i < nkinds; i++)
			if (kinds[i] == NULL || json_array_append_new(arr,
			    json_string(kinds[i])) != 0) {
				json_decref(body);
				return kinds[i] == NULL ? -EINVAL : -ENOMEM;
			}
	}
	return cache_post(c, "/v1/cache/clean", body, jobp);
}

/* POST /v1/cache/add. */
int
mlxd_cache_add(struct mlxd_client *c, const char *uri, char **jobp)
{
	if (uri == NULL)
		return -EINVAL;
	return cache_post(c, "/v1/cache/add", json_pack("{s:s}", "uri", uri),
	    jobp);
}

/* POST /v1/cache/remove. */
int
mlxd_cache_remove(struct mlxd_client *c, const char *model, bool force,
    char **jobp)
{
	if (model == NULL)
		return -EINVAL;
	return cache_post(c, "/v1/cache/remove", json_pack("{s:s, s:b}",
	    "model", model, "force", force), jobp);
}

/* POST /v1/cache/remove with flags (MLXD_CACHE_REMOVE_*). */
int
mlxd_cache_remove_flags(struct mlxd_client *c, const char *model,
    unsigned flags, char **jobp)
{
	if (model == NULL || (flags & ~(unsigned)(MLXD_CACHE_REMOVE_FORCE |
	    MLXD_CACHE_REMOVE_DELETE_FILES)) != 0)
		return -EINVAL;
	return cache_post(c, "/v1/cache/remove", json_pack("{s:s, s:b, s:b}",
	    "model", model, "force", (flags & MLXD_CACHE_REMOVE_FORCE) != 0,
	    "delete_files", (flags & MLXD_CACHE_REMOVE_DELETE_FILES) != 0),
	    jobp);
}

/* ---- jobs ---- */

static void
cache_result_clear(struct mlxd_cache_result *res)
{
	size_t	i;

	for (i = 0; i < res->ngroups; i++)
		free(res->groups[i].members);
	free(res->groups);
	free(res->items);
	free(res->refs);
}

static int
cache_groups_parse(const json_t *arr, struct mlxd_cache_result *res)
{
	struct mlxd_cache_group	*g;
	const json_t		*o, *mem, *m;
	size_t			 i, k;

	if ((res->groups = calloc(json_array_size(arr) + 1,
	    sizeof(*res->groups))) == NULL)
		return -ENOMEM;
	for (i = 0; i < json_array_size(arr); i++) {
		o = json_array_get(arr, i);
		g = &res->groups[res->ngroups++];
		g->sha256 = reply_string(o, "sha256");
		g->size_bytes = reply_int(o, "size_bytes");
		g->copies = reply_int(o, "copies");
		g->wasted_bytes = reply_int(o, "wasted_bytes");
		mem = json_object_get(o, "members");
		if ((g->members = calloc(json_array_size(mem) + 1,
		    sizeof(*g->members))) == NULL)
			return -ENOMEM;
		for (k = 0; k < json_array_size(mem); k++) {
			m = json_array_get(mem, k);
			g->members[k].path = reply_string(m, "path");
			g->members[k].role = reply_string(m, "role");
			g->members[k].digest = reply_string(m, "digest");
			g->members[k].keep = reply_bool(m, "keep");
			g->members[k].share = reply_int(m, "share");
		}
		g->nmembers = json_array_size(mem);
	}
	return 0;
}

/* Items: dedup "actions", clean/remove "items", add "links". */
static int
cache_items_parse(const json_t *o, struct mlxd_cache_result *res)
{
	struct mlxd_cache_item	*it;
	const json_t		*arr, *x;
	const char		*kind = NULL;
	size_t			 i;

	if ((arr = json_object_get(o, "actions")) != NULL)
		kind = "action";
	else if ((arr = json_object_get(o, "links")) != NULL)
		kind = "link";
	else
		arr = json_object_get(o, "items");
	if ((res->items = calloc(json_array_size(arr) + 1,
	    sizeof(*res->items))) == NULL)
		return -ENOMEM;
	for (i = 0; i < json_array_size(arr); i++) {
		x = json_array_get(arr, i);
		it = &res->items[res->nitems++];
		it->kind = kind != NULL ? kind : reply_string(x, "kind");
		if (kind != NULL && strcmp(kind, "action") == 0) {
			it->path = reply_string(x, "target");
			it->target = reply_string(x, "keeper");
			it->action = reply_string(x, "outcome");
			it->method = reply_string(x, "method");
			it->size_bytes = reply_int(x, "bytes");
		} else {
			it->path = reply_string(x, "path");
			it->target = reply_string(x, "target");
			it->action = reply_string(x, kind != NULL ? "state" :
			    "action");
			it->size_bytes = reply_int(x, "size_bytes");
		}
		it->reason = reply_string(x, "reason");
		it->of = reply_string(x, "of");
	}
	return 0;
}

static int
cache_result_parse(const json_t *o, struct mlxd_cache_result *res)
{
	int	rc;

	res->dry_run = reply_bool(o, "dry_run");
	res->groups_total = reply_int(o, "groups_total");
	res->wasted_bytes = reply_int(o, "wasted_bytes");
	res->files_considered = reply_int(o, "files_considered");
	res->files_sampled = reply_int(o, "files_sampled");
	res->files_hashed = reply_int(o, "files_hashed");
	res->bytes_hashed = reply_int(o, "bytes_hashed");
	res->done = reply_int(o, "done");
	res->skipped = reply_int(o, "skipped");
	res->unsupported = reply_int(o, "unsupported");
	res->failed = reply_int(o, "failed");
	res->reclaimable_bytes = reply_int(o, "reclaimable_bytes");
	res->reclaimed_bytes = reply_int(o, "reclaimed_bytes");
	res->unsupported_message = reply_string(o, "unsupported_message");
	res->bytes = reply_int(o, "bytes");
	res->freed_bytes = reply_int(o, "freed_bytes");
	res->deleted = reply_int(o, "deleted");
	res->kept = reply_int(o, "kept");
	res->models = reply_int(o, "models");
	res->files = reply_int(o, "files");
	res->logical_bytes = reply_int(o, "logical_bytes");
	res->warnings_total = reply_int(o, "warnings_total");
	res->model = reply_string(o, "model");
	res->dir = reply_string(o, "dir");
	res->revision = reply_string(o, "revision");
	res->duration_ms = reply_double(o, "duration_ms");
	if (json_is_array(json_object_get(o, "models")) &&
	    (rc = reply_strings(o, "models", &res->refs, &res->nrefs)) != 0)
		return rc;
	if ((rc = cache_groups_parse(json_object_get(o, "groups"),
	    res)) != 0)
		return rc;
	return cache_items_parse(o, res);
}

/* The body of a waiting GET /v1/jobs/{id}?wait=S, read as a stream. */
struct cache_job_body {
	char	*buf;
	size_t	 len, cap;
};

static int
cache_job_body_line(void *arg, const char *line, size_t len)
{
	struct cache_job_body	*b = arg;
	char			*nb;
	size_t			 cap;

	if (b->len + len + 2 > b->cap) {
		cap = b->cap > 0 ? b->cap : 4096;
		while (cap < b->len + len + 2)
			cap *= 2;
		if ((nb = realloc(b->buf, cap)) == NULL)
			return -ENOMEM;
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, line, len);
	b->len += len;
	b->buf[b->len++] = '\n';
	return 0;
}

static void
cache_job_release(void *p)
{
	mlxd_cache_job_free(p);
}

static int
cache_job_fill(void *p, const json_t *root, const char *raw)
{
	struct cache_job_reply	*r = p;
	struct mlxd_cache_job	*j = &r->pub;
	const json_t		*pr, *res;
	int			 rc;

	j->id = reply_string(root, "id");
	j->kind = reply_string(root, "kind");
	j->target = reply_string(root, "target");
	j->state = reply_string(root, "state");
	j->error = reply_string(root, "error");
	pr = json_object_get(root, "progress");
	j->step = reply_string(pr, "step");
	j->phase = reply_string(pr, "phase");
	j->path = reply_string(pr, "path");
	j->files_done = reply_int(pr, "files_done");
	j->files_total = reply_int(pr, "files_total");
	j->bytes_done = reply_int(pr, "bytes_done");
	j->bytes_total = reply_int(pr, "bytes_total");
	j->files_hashed = reply_int(pr, "files_hashed");
	j->rate_bytes_per_s = reply_double(pr, "rate_bytes_per_s");
	j->eta_s = reply_double(pr, "eta_s");
	j->percent = reply_double(pr, "percent");
	if (json_is_object(res = json_object_get(root, "result"))) {
		if ((rc = cache_result_parse(res, &r->res)) != 0)
			return rc;
		j->result = &r->res;
	}
	j->raw_json = raw;
	return 0;
}

/*
 * GET /v1/jobs/{id}, with wait_s > 0 as a long poll that the daemon
 * answers at the job's next change. The waiting request goes through
 * mlxd_stream() so that mlxd_client_interrupt() can cut it short (-EINTR).
 */
static int
cache_job_get(struct mlxd_client *c, const char *id, int wait_s,
    struct mlxd_cache_job **jp)
{
	struct cache_job_body	 b = { NULL, 0, 0 };
	char			 path[256];
	void			*r;
	int			 rc;

	if (c == NULL || id == NULL || jp == NULL || *id == '\0' ||
	    strlen(id) > 128 || strpbrk(id, "/?#% ") != NULL)
		return -EINVAL;
	if (wait_s > 0) {
		snprintf(path, sizeof(path), "/v1/jobs/%s?wait=%d", id,
		    wait_s);
		rc = mlxd_stream(c, "GET", path, NULL, 0, cache_job_body_line,
		    &b);
		if (rc == 0)
			rc = b.buf != NULL ? CALL_PARSE(b.buf, b.len,
			    struct cache_job_reply, cache_job_fill,
			    cache_job_release, &r) : MLXD_EPROTO;
		free(b.buf);
	} else {
		snprintf(path, sizeof(path), "/v1/jobs/%s", id);
		rc = CALL_GET(c, path, struct cache_job_reply, cache_job_fill,
		    cache_job_release, &r);
	}
	if (rc != 0)
		return rc;
	*jp = &((struct cache_job_reply *)r)->pub;
	return 0;
}

/* GET /v1/jobs/{id} as a cache job. */
int
mlxd_cache_job(struct mlxd_client *c, const char *id,
    struct mlxd_cache_job **jp)
{
	return cache_job_get(c, id, 0, jp);
}

/* GET /v1/jobs/{id}?wait=S: the job at its next change or end. */
int
mlxd_cache_job_next(struct mlxd_client *c, const char *id, int wait_s,
    struct mlxd_cache_job **jp)
{
	if (wait_s < 0 || wait_s > MLXD_JOB_WAIT_MAX_S)
		return -EINVAL;
	return cache_job_get(c, id, wait_s, jp);
}

/* Free a reply of mlxd_cache_job(). */
void
mlxd_cache_job_free(struct mlxd_cache_job *j)
{
	struct cache_job_reply	*r = (struct cache_job_reply *)j;

	if (r == NULL)
		return;
	cache_result_clear(&r->res);
	reply_clear(&r->r);
	free(r);
}

/* DELETE /v1/jobs/{id}. */
int
mlxd_cache_job_cancel(struct mlxd_client *c, const char *id)
{
	char	path[256], *reply = NULL;
	int	status = 0, rc;

	if (c == NULL || id == NULL || *id == '\0' || strlen(id) > 128 ||
	    strpbrk(id, "/?#% ") != NULL)
		return -EINVAL;
	snprintf(path, sizeof(path), "/v1/jobs/%s", id);
	if ((rc = mlxd_request(c, "DELETE", path, NULL, 0, &status, &reply,
	    NULL)) != 0)
		return rc;
	free(reply);
	return status >= 200 && status <= 299 ? 0 : MLXD_EAPI;
}

/* The long-poll length that fits c's per-call timeout, or 0. */
static int
cache_job_wait_s(const struct mlxd_client *c)
{
	long	 t = client_timeout_ms(c);
	int	 w = CACHE_JOB_WAIT_S;

	if (t > 0 && t / 1000 - 2 < w)
		w = (int)(t / 1000 - 2);
	return w > 0 ? w : 0;
}

static int64_t
cache_mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Follow a job to its end, woken by the daemon at each change. */
int
mlxd_cache_job_wait(struct mlxd_client *c, const char *id, long interval_ms,
    mlxd_cache_job_cb cb, void *arg, struct mlxd_cache_job **jp)
{
	struct mlxd_cache_job	*j = NULL;
	struct timespec		 ts;
	int64_t			 t0;
	char			*prev = NULL;
	int			 rc, wait_s, nap;

	if (c == NULL)
		return -EINVAL;
	if (interval_ms <= 0)
		interval_ms = 250;
	ts.tv_sec = interval_ms / 1000;
	ts.tv_nsec = (interval_ms % 1000) * 1000000L;
	wait_s = cache_job_wait_s(c);
	/* The first read answers at once: the caller sees the start. */
	rc = cache_job_get(c, id, 0, &j);
	for (;;) {
		if (rc != 0)
			break;
		if (cb != NULL && (rc = cb(arg, j)) != 0)
			break;
		if (j->state == NULL || strcmp(j->state, "running") != 0)
			break;
		/*
		 * Nap only when the daemon did not wait (an unchanged job
		 * back early, or no long-poll length fits the timeout).
		 */
		nap = wait_s == 0;
		free(prev);
		prev = strdup(j->raw_json);
		mlxd_cache_job_free(j);
		j = NULL;
		if (nap)
			nanosleep(&ts, NULL);
		t0 = cache_mono_ms();
		rc = cache_job_get(c, id, wait_s, &j);
		if (rc == -EINTR) {
			/* Interrupted: let cb look at the job now. */
			rc = cache_job_get(c, id, 0, &j);
			continue;
		}
		if (rc == 0 && wait_s > 0 && prev != NULL &&
		    strcmp(prev, j->raw_json) == 0 &&
		    cache_mono_ms() - t0 < (int64_t)wait_s * 500)
			nanosleep(&ts, NULL);
	}
	free(prev);
	if (jp != NULL)
		*jp = j;
	else
		mlxd_cache_job_free(j);
	return rc;
}
