/* SPDX-License-Identifier: ISC */
/*
 * api_health.c: GET /v1/health, the cheapest "is mlxd alive" check.
 */
#include "config.h"

#include <unistd.h>

#include "mlxd.h"
#include "router.h"

static void
api_health_get(struct router_req *req)
{
	router_reply_json(req, 200, json_pack("{s:s, s:s, s:i, s:I, s:I}",
	    "status", "ok",
	    "version", MLXD_VERSION,
	    "api_version", MLXD_API_VERSION_NUM,
	    "uptime_s", (json_int_t)mlxd_uptime_s(req->md),
	    "pid", (json_int_t)getpid()));
}

const struct route api_health_routes[] = {
	{ "GET", "/v1/health", api_health_get, ROUTE_PUBLIC },
	{ NULL, NULL, NULL, 0 }
};
