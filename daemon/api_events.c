/* SPDX-License-Identifier: ISC */
/*
 * api_events.c: GET /v1/events. The handler makes the stream and hands it
 * to the fan-out on the loop (events.c), which owns it from then on.
 */
#include "config.h"

#include "events.h"
#include "http.h"
#include "mlxd.h"
#include "router.h"

struct api_events_add {
	struct mlxd		*md;
	struct http_stream	*stream;
};

static void
api_events_add_cb(void *arg)
{
	struct api_events_add	*a = arg;

	events_subscribe(a->md, a->stream);
}

static void
api_events_get(struct router_req *req)
{
	struct api_events_add	 a;
	int			 rc;

	a.md = req->md;
	a.stream = http_stream_new("text/event-stream", EVENTS_STREAM_LIMIT);
	if ((rc = http_loop_call(req->md->http, api_events_add_cb, &a)) != 0) {
		http_stream_unref(a.stream);
		router_reply_errno(req, rc, "events");
		return;
	}
	router_reply_stream(req, 200, a.stream);
}

const struct route api_events_routes[] = {
	{ "GET", "/v1/events", api_events_get, 0 },
	{ NULL, NULL, NULL, 0 }
};
