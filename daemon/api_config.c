/* SPDX-License-Identifier: ISC */
/*
 * api_config.c: GET /v1/config, the effective configuration and where each
 * value came from. The configuration is swapped on the loop thread during a
 * reload, so it is read there.
 */
#include "config.h"

#include "http.h"
#include "mlxd.h"
#include "mlxd_config.h"
#include "router.h"

struct api_config_call {
	struct mlxd	*md;
	json_t		*out;
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
	struct api_config_call	c = { req->md, NULL };
	int			rc;

	if ((rc = http_loop_call(req->md->http, api_config_build, &c)) != 0) {
		router_reply_errno(req, rc, "config");
		return;
	}
	router_reply_json(req, 200, c.out);
}

const struct route api_config_routes[] = {
	{ "GET", "/v1/config", api_config_get, 0 },
	{ NULL, NULL, NULL, 0 }
};
