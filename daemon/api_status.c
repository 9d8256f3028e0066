/* SPDX-License-Identifier: ISC */
/*
 * api_status.c: GET /v1/status, one snapshot assembled from every module's
 * published section (state.h) plus the daemon's own.
 */
#include "config.h"

#include <unistd.h>

#include "mlxd.h"
#include "router.h"
#include "state.h"
#include "timeutil.h"

/* The whole status snapshot (new reference); any thread. */
json_t *api_status_snapshot(struct mlxd *md);

json_t *
api_status_snapshot(struct mlxd *md)
{
	char	 started[TIMEUTIL_ISO_LEN];
	json_t	*root, *sec;
	int	 i;

	timeutil_format_utc((int64_t)md->started_at * 1000000000LL, started,
	    sizeof(started));
	root = json_pack("{s:i, s:{s:s, s:i, s:I, s:I, s:s, s:s, s:s}}",
	    "api_version", MLXD_API_VERSION_NUM,
	    "daemon",
	    "version", MLXD_VERSION,
	    "api_version", MLXD_API_VERSION_NUM,
	    "pid", (json_int_t)getpid(),
	    "uptime_s", (json_int_t)mlxd_uptime_s(md),
	    "started_at", started,
	    "socket", md->socket_path,
	    "data_dir", md->data_dir);
	for (i = 0; i < STATE_NSECTIONS; i++) {
		const char *key = state_status_key((enum state_section)i);
		if (key == NULL || (sec = state_get((enum state_section)i)) ==
		    NULL)
			continue;
		json_object_set_new(root, key, sec);
	}
	return root;
}

static void
api_status_get(struct router_req *req)
{
	router_reply_json(req, 200, api_status_snapshot(req->md));
}

const struct route api_status_routes[] = {
	{ "GET", "/v1/status", api_status_get, 0 },
	{ NULL, NULL, NULL, 0 }
};
