/* SPDX-License-Identifier: ISC */
/*
 * health.c: GET /v1/health, the daemon's liveness and version.
 *
 * This reply is also the API version handshake: mlxd_health() checks the
 * version itself instead of asking twice.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include <jansson.h>

#include <mlxd/mlxd.h>

#include "sdk.h"

/* The public struct first, so a struct mlxd_health * converts back. */
struct health_reply {
	struct mlxd_health	 pub;
	struct reply		 r;
};

/* Ask the daemon whether it is up and which version it runs. */
int
mlxd_health(struct mlxd_client *c, struct mlxd_health **hp)
{
	struct health_reply	*r;
	struct reply		 rep = { NULL, NULL };
	int64_t			 v;
	int			 rc;

	if (c == NULL || hp == NULL)
		return -EINVAL;
	if ((rc = client_begin(c, false)) != 0)
		return rc;
	if ((rc = client_get(c, "/v1/health", &rep.root, &rep.raw)) != 0)
		return rc;
	if ((rc = client_check_version(c, rep.root)) != 0)
		goto fail;
	if ((r = calloc(1, sizeof *r)) == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	r->r = rep;
	r->pub.status = reply_string(rep.root, "status");
	r->pub.version = reply_string(rep.root, "version");
	r->pub.uptime_s = reply_int(rep.root, "uptime_s");
	r->pub.pid = reply_int(rep.root, "pid");
	v = reply_int(rep.root, "api_version");
	r->pub.api_version = v == MLXD_NULL_INT64 ? 0 : (int)v;
	r->pub.raw_json = rep.raw;
	*hp = &r->pub;
	return 0;
fail:
	reply_clear(&rep);
	return rc;
}

/* Free a health reply. */
void
mlxd_health_free(struct mlxd_health *h)
{
	struct health_reply	*r = (struct health_reply *)h;

	if (r == NULL)
		return;
	reply_clear(&r->r);
	free(r);
}
