/* SPDX-License-Identifier: ISC */
/*
 * health.c: GET /v1/health, the daemon's liveness and version.
 *
 * This reply is also the API version handshake: mlxd_health() checks the
 * version itself instead of asking twice.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include <jansson.h>

#include <mlxd/mlxd.h>

#include "sdk.h"

/* The public struct first, so a struct mlxd_health * converts back. */
struct health_reply {
	struct mlxd_health	 pub;
	struct reply		 r;
};

static void
health_release(void *p)
{
	mlxd_health_free(p);
}

static int
health_fill(void *p, const json_t *root, const char *raw)
{
	struct health_reply	*r = p;
	int64_t			 v;

	r->pub.status = reply_string(root, "status");
	r->pub.version = reply_string(root, "version");
	r->pub.uptime_s = reply_int(root, "uptime_s");
	r->pub.pid = reply_int(root, "pid");
	v = reply_int(root, "api_version");
	r->pub.api_version = v == MLXD_NULL_INT64 ? 0 : (int)v;
	r->pub.raw_json = raw;
	return 0;
}

/* Ask the daemon whether it is up and which version it runs. */
int
mlxd_health(struct mlxd_client *c, struct mlxd_health **hp)
{
	struct reply	 rep = { NULL, NULL };
	void		*r;
	int		 rc;

	if (c == NULL || hp == NULL)
		return -EINVAL;
	/* No handshake first: this reply is the handshake. */
	if ((rc = client_begin(c, false)) != 0)
		return rc;
	if ((rc = client_get(c, "/v1/health", &rep.root, &rep.raw)) != 0)
		return rc;
	if ((rc = client_check_version(c, rep.root)) != 0) {
		reply_clear(&rep);
		return rc;
	}
	if ((rc = call_build(&rep, sizeof(struct health_reply),
	    offsetof(struct health_reply, r), health_fill, health_release,
	    &r)) != 0)
		return rc;
	*hp = &((struct health_reply *)r)->pub;
	return 0;
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
