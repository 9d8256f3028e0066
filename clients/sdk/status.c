/* SPDX-License-Identifier: ISC */
/*
 * status.c: GET /v1/status, the daemon's whole state in one reply.
 *
 * Only the "daemon" and "ollama" sections are turned into structs; later
 * sections (system, generation, benchmark, cache) reach callers through
 * raw_json until they get structs of their own.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include <jansson.h>

#include <mlxd/mlxd.h>

#include "sdk.h"

struct status_reply {
	struct mlxd_status	 pub;
	json_t			*root;
	char			*raw;
};

static int
status_small_int(const json_t *obj, const char *key)
{
	int64_t	 v = reply_int(obj, key);

	return v == MLXD_NULL_INT64 || v < -2147483647 || v > 2147483647 ?
	    0 : (int)v;
}

static void
status_daemon(const json_t *d, struct mlxd_status_daemon *sd)
{
	sd->version = reply_string(d, "version");
	sd->api_version = status_small_int(d, "api_version");
	sd->pid = reply_int(d, "pid");
	sd->uptime_s = reply_int(d, "uptime_s");
	sd->started_at = reply_string(d, "started_at");
	sd->started_at_ms = reply_time(d, "started_at");
	sd->socket = reply_string(d, "socket");
	sd->data_dir = reply_string(d, "data_dir");
}

static int
status_ollama(const json_t *o, struct mlxd_status_ollama *so)
{
	so->url = reply_string(o, "url");
	so->connected = reply_bool(o, "connected");
	so->version = reply_string(o, "version");
	so->last_error = reply_string(o, "last_error");
	so->last_ok_at = reply_string(o, "last_ok_at");
	so->last_ok_at_ms = reply_time(o, "last_ok_at");
	return models_running_parse(json_object_get(o, "running"),
	    &so->running, &so->nrunning);
}

/* Fetch the daemon's state. */
int
mlxd_status(struct mlxd_client *c, struct mlxd_status **stp)
{
	struct status_reply	*r = NULL;
	json_t			*root = NULL;
	char			*raw = NULL;
	int			 rc;

	if (c == NULL || stp == NULL)
		return -EINVAL;
	if ((rc = client_begin(c, true)) != 0)
		return rc;
	if ((rc = client_get(c, "/v1/status", &root, &raw)) != 0)
		goto out;
	if ((r = calloc(1, sizeof *r)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = status_ollama(json_object_get(root, "ollama"),
	    &r->pub.ollama)) != 0)
		goto out;
	status_daemon(json_object_get(root, "daemon"), &r->pub.daemon);
	r->pub.api_version = status_small_int(root, "api_version");
	r->pub.raw_json = raw;
	r->root = root;
	r->raw = raw;
	*stp = &r->pub;
	r = NULL;
	root = NULL;
	raw = NULL;
out:
	free(r);
	json_decref(root);
	free(raw);
	return rc;
}

/* Free a reply of mlxd_status(). */
void
mlxd_status_free(struct mlxd_status *st)
{
	struct status_reply	*r = (struct status_reply *)st;

	if (r == NULL)
		return;
	models_running_free(r->pub.ollama.running, r->pub.ollama.nrunning);
	json_decref(r->root);
	free(r->raw);
	free(r);
}
