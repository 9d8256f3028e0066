/* SPDX-License-Identifier: ISC */
/*
 * api_config.c: GET /v1/config, the effective configuration and where each
 * value came from, and PATCH /v1/config, which changes options at run time.
 * The configuration is swapped on the loop thread during a reload, so it
 * is read and changed there.
 *
 * PATCH takes {"option.name": value, ...}; null removes the option from the
 * overlay. Each value is checked as the loader checks the file's, then the
 * whole configuration is loaded once with the new overlay before that
 * replaces the old one (temp file, fsync, rename), and the daemon reloads
 * as on SIGHUP: reloadable options apply at once, the others are listed in
 * restart_required. Options set by the environment or a flag win over the
 * overlay, so PATCH refuses them (409). Values are never logged.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "mlxd.h"
#include "mlxd_config.h"
#include "router.h"
#include "xmalloc.h"

struct api_config_call {
	struct mlxd	*md;
	json_t		*out;
	const json_t	*body;
	int		 status;
	const char	*code;
	char		*cause;
};

static void
api_config_build(void *arg)
{
	struct api_config_call	*c = arg;

	c->out = config_to_json(c->md->cfg);
}

static void
api_config_get(struct router_req *req)
{
	struct api_config_call	c;
	int			rc;

	memset(&c, 0, sizeof(c));
	c.md = req->md;

	if ((rc = http_loop_call(req->md->http, api_config_build, &c)) != 0) {
		router_reply_errno(req, rc, "config");
		return;
	}
	router_reply_json(req, 200, c.out);
}

/* Write obj to path via a temp file, fsync and rename. */
static int
api_config_write(const char *tmp, const json_t *obj)
{
	FILE	*fp;
	int	 fd, rc = 0;

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) < 0)
		return -errno;
	if ((fp = fdopen(fd, "w")) == NULL) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (json_dumpf(obj, fp, JSON_INDENT(2) | JSON_SORT_KEYS) != 0)
		rc = -EIO;
	fputc('\n', fp);
	if (fflush(fp) != 0 || fsync(fileno(fp)) != 0)
		rc = rc != 0 ? rc : -errno;
	if (fclose(fp) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

static void
api_config_fail(struct api_config_call *c, int status, const char *code,
    char *cause)
{
	c->status = status;
	c->code = code;
	c->cause = cause;
}

static void
api_config_patch_run(void *arg)
{
	struct api_config_call	*c = arg;
	struct mlxd		*md = c->md;
	struct mlxd_config	*cfg = NULL;
	json_t			*cur = NULL, *v, *restart;
	json_error_t		 jerr;
	const char		*key;
	char			*overlay, *tmp = NULL, *cause = NULL;
	int			 i, rc;

	if ((overlay = config_overlay_path(md->config_path)) == NULL) {
		api_config_fail(c, 500, "internal", xstrdup("no place for the "
		    "overlay file (HOME is not set)"));
		return;
	}
	if (access(overlay, F_OK) == 0) {
		cur = json_load_file(overlay, 0, &jerr);
		if (!json_is_object(cur)) {
			api_config_fail(c, 409, "conflict", xasprintf("%s is "
			    "not the JSON object mlxd writes; fix or remove it",
			    overlay));
			goto out;
		}
	} else
		cur = json_object();
	json_object_foreach((json_t *)(uintptr_t)c->body, key, v) {
		if ((i = config_find(key)) < 0) {
			api_config_fail(c, 400, "bad_request", xasprintf(
			    "unknown option '%s' (GET /v1/config lists them)",
			    key));
			goto out;
		}
		if (md->cfg->src[i] == CONFIG_SRC_ENV ||
		    md->cfg->src[i] == CONFIG_SRC_FLAG) {
			api_config_fail(c, 409, "conflict", xasprintf("%s is "
			    "set by %s%s, which wins over changes made here",
			    key, md->cfg->src[i] == CONFIG_SRC_ENV ?
			    "the environment: " : "a command-line flag",
			    md->cfg->src[i] == CONFIG_SRC_ENV ?
			    config_options[i].env : ""));
			goto out;
		}
		if (json_is_null(v)) {
			(void)json_object_del(cur, key);
			continue;
		}
		if (config_check_json(key, v, &cause) != 0) {
			api_config_fail(c, 400, "bad_request", cause);
			goto out;
		}
		json_object_set(cur, key, v);
	}
	tmp = xasprintf("%s.tmp", overlay);
	if ((rc = api_config_write(tmp, cur)) != 0) {
		api_config_fail(c, 500, "internal", xasprintf("cannot write "
		    "%s: %s", tmp, strerror(-rc)));
		(void)unlink(tmp);
		goto out;
	}
	/* The whole configuration must load with it, as on a restart. */
	if (config_load_overlay(md->config_path, md->config_explicit, tmp,
	    md->flags, md->nflags, &cfg, &cause) != 0) {
		api_config_fail(c, 400, "bad_request", cause);
		(void)unlink(tmp);
		goto out;
	}
	config_free(cfg);
	if (rename(tmp, overlay) != 0) {
		api_config_fail(c, 500, "internal", xasprintf("cannot replace "
		    "%s: %s", overlay, strerror(errno)));
		(void)unlink(tmp);
		goto out;
	}
	log_info("config: %s changed through the API", overlay);
	loop_reload(md);
	restart = json_array();
	json_object_foreach((json_t *)(uintptr_t)c->body, key, v)
		if (!(config_options[config_find(key)].flags &
		    CONFIG_F_RELOAD))
			json_array_append_new(restart, json_string(key));
	c->out = config_to_json(md->cfg);
	json_object_set_new(c->out, "restart_required", restart);
	c->status = 200;
out:
	json_decref(cur);
	free(tmp);
	free(overlay);
}

static void
api_config_patch(struct router_req *req)
{
	struct api_config_call	c;
	int			rc;

	memset(&c, 0, sizeof(c));
	c.md = req->md;
	c.body = req->json;
	if ((rc = http_loop_call(req->md->http, api_config_patch_run, &c)) !=
	    0) {
		router_reply_errno(req, rc, "config");
		return;
	}
	if (c.status != 200) {
		router_reply_error(req, c.status, c.code, "%s", c.cause);
		free(c.cause);
		return;
	}
	router_reply_json(req, 200, c.out);
}

const struct route api_config_routes[] = {
	{ "GET", "/v1/config", api_config_get, 0 },
	{ "PATCH", "/v1/config", api_config_patch, ROUTE_JSON_BODY },
	{ NULL, NULL, NULL, 0 }
};
