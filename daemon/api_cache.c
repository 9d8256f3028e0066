/* SPDX-License-Identifier: ISC */
/*
 * api_cache.c: /v1/cache — the model index (GET), rescans, duplicate search
 * and replacement, cleanup, adds and removes (each a job: 202 and its id),
 * storage figures, linked apps and the cache options in effect.
 *
 * Bodies are checked here, strictly (an unknown key is a 400, so a typo
 * never silently turns a dry run into a real one); the work is handed to
 * the cache service (cache.c) on the loop thread.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "http.h"
#include "mlxd.h"
#include "router.h"
#include "xmalloc.h"

struct api_cache_call {
	struct mlxd		*md;
	struct cache_request	 req;
	const char		*path, *name;
	json_t			*out;
	char			*job, *cause;
	int			 rc;
};

static const char *const api_cache_kinds[] = {
	"orphan_blob", "detached_revision", "stale_partial", "stale_temp",
	"unused_model",
};

/* The body as an object (empty = {}); replies 400 itself on error. */
static json_t *
api_cache_body(struct router_req *req, const char *const *keys)
{
	return router_body_object(req, keys, 1);
}

/* A boolean field, or def when absent; replies 400 on another type. */
static int
api_cache_bool(struct router_req *req, const json_t *o, const char *key,
    int def, int *vp)
{
	const json_t	*v = json_object_get(o, key);

	if (v == NULL || json_is_null(v)) {
		*vp = def;
		return 0;
	}
	if (!json_is_boolean(v)) {
		router_reply_error(req, 400, "bad_request", "%s must be true or "
		    "false", key);
		return -EINVAL;
	}
	*vp = json_is_true(v);
	return 0;
}

/* A string field, or NULL when absent; replies 400 on another type. */
static int
api_cache_string(struct router_req *req, const json_t *o, const char *key,
    const char **vp)
{
	const json_t	*v = json_object_get(o, key);

	*vp = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0) {
		router_reply_error(req, 400, "bad_request", "%s must be a "
		    "non-empty string", key);
		return -EINVAL;
	}
	*vp = json_string_value(v);
	return 0;
}

static void
api_cache_submit_run(void *arg)
{
	struct api_cache_call	*c = arg;

	if (c->md->cache == NULL) {
		c->rc = -ECANCELED;
		return;
	}
	c->rc = cache_submit(c->md->cache, &c->req, &c->job, &c->cause);
}

static void
api_cache_reply_rc(struct router_req *req, int rc, const char *cause,
    const char *what)
{
	const char	*msg = cause != NULL ? cause : what;

	/* The cache's own codes for three cases; the router's map otherwise. */
	if (rc == -EPERM)	/* a path or folder the cache may not act on */
		router_reply_error(req, 400, "bad_request", "%s", msg);
	else if (rc == -EBUSY)
		router_reply_error(req, 409, "in_use", "%s", msg);
	else if (rc == -EIO)
		router_reply_error(req, 503, "cache_unavailable", "%s", msg);
	else if (cause != NULL || rc == -ENOENT || rc == -EINVAL ||
	    rc == -ENOTDIR || rc == -EEXIST || rc == -ENOSYS ||
	    rc == -ECANCELED)
		router_reply_errno_msg(req, rc, msg);
	else
		router_reply_errno(req, rc, what);
}

/* Queue c->req and answer 202 with the job. */
static void
api_cache_submit(struct router_req *req, struct api_cache_call *c,
    const char *what)
{
	int	rc;

	c->md = req->md;
	if ((rc = http_loop_call(req->md->http, api_cache_submit_run, c)) == 0)
		rc = c->rc;
	if (rc != 0)
		api_cache_reply_rc(req, rc, c->cause, what);
	else
		router_reply_json(req, 202, json_pack("{s:s, s:s}", "job",
		    c->job, "state", "running"));
	cache_request_free(&c->req);
	free(c->job);
	free(c->cause);
}

static void
api_cache_list_run(void *arg)
{
	struct api_cache_call	*c = arg;

	c->rc = c->md->cache == NULL ? -ECANCELED :
	    cache_list_json(c->md->cache, &c->out);
}

static void
api_cache_stats_run(void *arg)
{
	struct api_cache_call	*c = arg;

	c->rc = c->md->cache == NULL ? -ECANCELED :
	    cache_stats_json(c->md->cache, &c->out);
}

static void
api_cache_config_run(void *arg)
{
	struct api_cache_call	*c = arg;

	if (c->md->cache == NULL)
		c->rc = -ECANCELED;
	else
		c->out = cache_config_json(c->md->cache);
}

static void
api_cache_apps_run(void *arg)
{
	struct api_cache_call	*c = arg;

	c->rc = c->md->cache == NULL ? -ECANCELED :
	    cache_apps_json(c->md->cache, &c->out);
}

/* Run fn on the loop and reply 200 with what it built. */
static void
api_cache_get(struct router_req *req, void (*fn)(void *), const char *what)
{
	struct api_cache_call	c;
	int			rc;

	memset(&c, 0, sizeof(c));
	c.md = req->md;
	if ((rc = http_loop_call(req->md->http, fn, &c)) == 0)
		rc = c.rc;
	if (rc != 0 || c.out == NULL) {
		json_decref(c.out);
		api_cache_reply_rc(req, rc != 0 ? rc : -EIO, NULL, what);
		return;
	}
	router_reply_json(req, 200, c.out);
}

static void
api_cache_list(struct router_req *req)
{
	api_cache_get(req, api_cache_list_run, "cache");
}

static void
api_cache_stats(struct router_req *req)
{
	api_cache_get(req, api_cache_stats_run, "cache stats");
}

static void
api_cache_config(struct router_req *req)
{
	api_cache_get(req, api_cache_config_run, "cache config");
}

static void
api_cache_apps(struct router_req *req)
{
	api_cache_get(req, api_cache_apps_run, "cache apps");
}

static void
api_cache_sync(struct router_req *req)
{
	static const char *const keys[] = { NULL };
	struct api_cache_call	 c;
	json_t			*body;

	if ((body = api_cache_body(req, keys)) == NULL)
		return;
	json_decref(body);
	memset(&c, 0, sizeof(c));
	c.req.kind = CACHE_TASK_SYNC;
	api_cache_submit(req, &c, "cache sync");
}

static void
api_cache_dedup(struct router_req *req)
{
	static const char *const keys[] = { "dry_run", "method", "methods",
	    "rescan", "link_user_files", NULL };
	struct api_cache_call	 c;
	const json_t		*v;
	const char		*m;
	json_t			*body;
	size_t			 i;

	if ((body = api_cache_body(req, keys)) == NULL)
		return;
	memset(&c, 0, sizeof(c));
	c.req.kind = CACHE_TASK_DEDUP;
	if (api_cache_bool(req, body, "dry_run", 1, &c.req.dry_run) != 0 ||
	    api_cache_bool(req, body, "rescan", 1, &c.req.rescan) != 0 ||
	    api_cache_bool(req, body, "link_user_files", 0,
	    &c.req.link_user_files) != 0 ||
	    api_cache_string(req, body, "method", &m) != 0)
		goto out;
	/* A link in place of a user's file dangles once its store drops it. */
	if (c.req.link_user_files && req->listener != ROUTER_LISTENER_UNIX) {
		router_reply_error(req, 403, "forbidden", "link_user_files is "
		    "refused over TCP; use the local socket");
		goto out;
	}
	if (m != NULL && dedup_method_parse(m,
	    &c.req.methods[c.req.nmethods++]) != 0) {
		router_reply_error(req, 400, "bad_request", "method: '%s' is "
		    "not clone, hardlink or symlink", m);
		goto out;
	}
	if ((v = json_object_get(body, "methods")) != NULL) {
		if (m != NULL || !json_is_array(v) || json_array_size(v) == 0 ||
		    json_array_size(v) > DEDUP_NMETHODS) {
			router_reply_error(req, 400, "bad_request", "methods "
			    "must be a list of 1 to 3 methods (and not given "
			    "with method)");
			goto out;
		}
		for (i = 0; i < json_array_size(v); i++) {
			m = json_string_value(json_array_get(v, i));
			if (m == NULL || dedup_method_parse(m,
			    &c.req.methods[c.req.nmethods++]) != 0) {
				router_reply_error(req, 400, "bad_request",
				    "methods: '%s' is not clone, hardlink or "
				    "symlink", m != NULL ? m : "?");
				goto out;
			}
		}
	}
	api_cache_submit(req, &c, "cache dedup");
out:
	cache_request_free(&c.req);
	json_decref(body);
}

static void
api_cache_clean(struct router_req *req)
{
	static const char *const keys[] = { "dry_run", "kinds", "paths",
	    NULL };
	struct api_cache_call	 c;
	const json_t		*v, *x;
	const char		*k;
	json_t			*body;
	size_t			 i, j;

	if ((body = api_cache_body(req, keys)) == NULL)
		return;
	memset(&c, 0, sizeof(c));
	c.req.kind = CACHE_TASK_CLEAN;
	c.req.clean = CACHE_CLEAN_DEFAULT;
	if (api_cache_bool(req, body, "dry_run", 1, &c.req.dry_run) != 0)
		goto out;
	if ((v = json_object_get(body, "kinds")) != NULL) {
		if (!json_is_array(v) || json_array_size(v) == 0) {
			router_reply_error(req, 400, "bad_request", "kinds "
			    "must be a non-empty list");
			goto out;
		}
		c.req.clean = 0;
		json_array_foreach(v, i, x) {
			k = json_string_value(x);
			for (j = 0; k != NULL && j < sizeof(api_cache_kinds) /
			    sizeof(api_cache_kinds[0]); j++)
				if (strcmp(k, api_cache_kinds[j]) == 0)
					break;
			if (k == NULL || j == sizeof(api_cache_kinds) /
			    sizeof(api_cache_kinds[0])) {
				router_reply_error(req, 400, "bad_request",
				    "kinds: '%s' is not one of orphan_blob, "
				    "detached_revision, stale_partial, "
				    "stale_temp, unused_model",
				    k != NULL ? k : "?");
				goto out;
			}
			c.req.clean |= 1u << j;
		}
	}
	if ((v = json_object_get(body, "paths")) != NULL) {
		if (!json_is_array(v)) {
			router_reply_error(req, 400, "bad_request", "paths "
			    "must be a list of paths");
			goto out;
		}
		c.req.paths = xcalloc(json_array_size(v) + 1,
		    sizeof(*c.req.paths));
		json_array_foreach(v, i, x) {
			if ((k = json_string_value(x)) == NULL) {
				router_reply_error(req, 400, "bad_request",
				    "paths must be strings");
				goto out;
			}
			c.req.paths[c.req.npaths++] = xstrdup(k);
		}
	}
	api_cache_submit(req, &c, "cache clean");
out:
	cache_request_free(&c.req);
	json_decref(body);
}

static void
api_cache_add(struct router_req *req)
{
	static const char *const keys[] = { "uri", "hf_endpoint", "hf_token",
	    NULL };
	struct api_cache_call	 c;
	const char		*uri, *endpoint, *token;
	json_t			*body;

	if ((body = api_cache_body(req, keys)) == NULL)
		return;
	memset(&c, 0, sizeof(c));
	if (api_cache_string(req, body, "uri", &uri) != 0 ||
	    api_cache_string(req, body, "hf_endpoint", &endpoint) != 0 ||
	    api_cache_string(req, body, "hf_token", &token) != 0)
		goto out;
	if (uri == NULL) {
		router_reply_error(req, 400, "bad_request", "uri is required "
		    "(hf://org/repo[@rev], ollama://name[:tag], "
		    "file:///path)");
		goto out;
	}
	if ((endpoint != NULL && strncmp(endpoint, "http://", 7) != 0 &&
	    strncmp(endpoint, "https://", 8) != 0) || (token != NULL &&
	    strcspn(token, "\r\n") != strlen(token))) {
		router_reply_error(req, 400, "bad_request", "%s", endpoint !=
		    NULL && strncmp(endpoint, "http", 4) != 0 ? "hf_endpoint "
		    "must be an http:// or https:// URL" : "hf_token must be "
		    "one line");
		goto out;
	}
	c.req.kind = CACHE_TASK_ADD;
	c.req.uri = xstrdup(uri);
	if (endpoint != NULL && *endpoint != '\0')
		c.req.hf_endpoint = xstrdup(endpoint);
	if (token != NULL && *token != '\0')
		c.req.hf_token = xstrdup(token);
	api_cache_submit(req, &c, "cache add");
out:
	json_decref(body);
}

static void
api_cache_remove(struct router_req *req)
{
	static const char *const keys[] = { "model", "force", "delete_files",
	    NULL };
	struct api_cache_call	 c;
	const char		*model;
	json_t			*body;

	if ((body = api_cache_body(req, keys)) == NULL)
		return;
	memset(&c, 0, sizeof(c));
	if (api_cache_string(req, body, "model", &model) != 0 ||
	    api_cache_bool(req, body, "force", 0, &c.req.force) != 0 ||
	    api_cache_bool(req, body, "delete_files", 0,
	    &c.req.delete_files) != 0)
		goto out;
	if (c.req.delete_files && req->listener != ROUTER_LISTENER_UNIX) {
		router_reply_error(req, 403, "forbidden", "delete_files is "
		    "refused over TCP; use the local socket");
		goto out;
	}
	if (model == NULL) {
		router_reply_error(req, 400, "bad_request", "model is "
		    "required (a ref from GET /v1/cache, or a name)");
		goto out;
	}
	c.req.kind = CACHE_TASK_REMOVE;
	c.req.model = xstrdup(model);
	api_cache_submit(req, &c, "cache remove");
out:
	json_decref(body);
}

static void
api_cache_link_run(void *arg)
{
	struct api_cache_call	*c = arg;

	c->rc = c->md->cache == NULL ? -ECANCELED :
	    cache_app_link(c->md->cache, c->path, c->name, &c->out, &c->job,
	    &c->cause);
}

static void
api_cache_link(struct router_req *req)
{
	static const char *const keys[] = { "path", "name", NULL };
	struct api_cache_call	 c;
	json_t			*body;
	int			 rc;

	if ((body = api_cache_body(req, keys)) == NULL)
		return;
	memset(&c, 0, sizeof(c));
	c.md = req->md;
	if (api_cache_string(req, body, "path", &c.path) != 0 ||
	    api_cache_string(req, body, "name", &c.name) != 0)
		goto out;
	if (c.path == NULL) {
		router_reply_error(req, 400, "bad_request", "path is "
		    "required (the app's folder)");
		goto out;
	}
	if ((rc = http_loop_call(req->md->http, api_cache_link_run, &c)) == 0)
		rc = c.rc;
	if (rc != 0)
		api_cache_reply_rc(req, rc, c.cause, "cache apps");
	else {
		json_object_set_new(c.out, "job", json_string(c.job));
		router_reply_json(req, 201, c.out);
	}
	free(c.job);
	free(c.cause);
out:
	json_decref(body);
}

static void
api_cache_unlink_run(void *arg)
{
	struct api_cache_call	*c = arg;

	c->rc = c->md->cache == NULL ? -ECANCELED :
	    cache_app_unlink(c->md->cache, c->name, &c->job);
}

static void
api_cache_unlink(struct router_req *req)
{
	struct api_cache_call	c;
	int			rc;

	memset(&c, 0, sizeof(c));
	c.md = req->md;
	c.name = req->params[0];
	if ((rc = http_loop_call(req->md->http, api_cache_unlink_run, &c)) == 0)
		rc = c.rc;
	if (rc == -ENOENT)
		router_reply_error(req, 404, "not_found", "no linked app "
		    "named '%s'", c.name);
	else if (rc != 0)
		api_cache_reply_rc(req, rc, NULL, "cache apps");
	else
		router_reply_json(req, 200, json_pack("{s:s, s:s}", "name",
		    c.name, "job", c.job));
	free(c.job);
}

/* The /v1/cache routes (router.c lists this table). */
const struct route api_cache_routes[] = {
	{ "GET", "/v1/cache", api_cache_list, 0 },
	{ "POST", "/v1/cache/sync", api_cache_sync, 0 },
	{ "GET", "/v1/cache/stats", api_cache_stats, 0 },
	{ "POST", "/v1/cache/dedup", api_cache_dedup, 0 },
	{ "POST", "/v1/cache/clean", api_cache_clean, 0 },
	{ "POST", "/v1/cache/add", api_cache_add, 0 },
	{ "POST", "/v1/cache/remove", api_cache_remove, 0 },
	{ "GET", "/v1/cache/apps", api_cache_apps, 0 },
	{ "POST", "/v1/cache/apps", api_cache_link, 0 },
	{ "DELETE", "/v1/cache/apps/{name}", api_cache_unlink, 0 },
	{ "GET", "/v1/cache/config", api_cache_config, 0 },
	{ NULL, NULL, NULL, 0 }
};
