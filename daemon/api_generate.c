/* SPDX-License-Identifier: ISC */
/*
 * api_generate.c: generation routes. /v1/generate and /v1/chat take
 * Ollama's request bodies and stream Ollama's replies (mlxd's error shape
 * when mlxd itself fails). The /api routes are Ollama's own paths, with Ollama's
 * error shape, for the Ollama-compatible proxy listener. GET /v1/sessions
 * lists stored generations.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "mlxd.h"
#include "proxy.h"
#include "router.h"
#include "store_bench.h"
#include "timeutil.h"

static void
api_v1_generate(struct router_req *req)
{
	proxy_handle(req, "/api/generate", 0);
}

static void
api_v1_chat(struct router_req *req)
{
	proxy_handle(req, "/api/chat", 0);
}

static void
api_ollama_generate(struct router_req *req)
{
	proxy_handle(req, "/api/generate", 1);
}

static void
api_ollama_chat(struct router_req *req)
{
	proxy_handle(req, "/api/chat", 1);
}

static void
api_ollama_root(struct router_req *req)
{
	router_reply_data(req, 200, "text/plain; charset=utf-8",
	    "Ollama is running", 17);
}

struct api_sessions_call {
	struct mlxd	*md;
	const char	*model;
	int64_t		 since_ns;
	int		 limit;
	json_t		*out;
	int		 rc;
};

static void
api_sessions_run(void *arg)
{
	struct api_sessions_call	*c = arg;

	c->rc = store_bench_session_list(c->md->store, c->model, c->since_ns,
	    c->limit, &c->out);
}

static void
api_sessions_list(struct router_req *req)
{
	struct api_sessions_call	 c = { req->md, NULL, 0, 50, NULL, 0 };
	const char			*since;
	int64_t				 ms;
	int				 rc;

	c.model = router_query(req, "model");
	if ((since = router_query(req, "since")) != NULL &&
	    timeutil_parse_rfc3339(since, &ms) != 0) {
		router_reply_error(req, 400, "bad_request", "since: '%s' is not "
		    "an RFC 3339 time", since);
		return;
	}
	if (since != NULL)
		c.since_ns = ms * 1000000LL;
	if (router_query_int(req, "limit", 50, 1, 10000, &c.limit) != 0)
		return;
	if ((rc = http_loop_call(req->md->http, api_sessions_run, &c)) != 0 ||
	    (rc = c.rc) != 0) {
		router_reply_errno(req, rc, "sessions");
		return;
	}
	router_reply_json(req, 200, json_pack("{s:o}", "sessions", c.out));
}

const struct route api_generate_routes[] = {
	{ "POST", "/v1/generate", api_v1_generate, ROUTE_JSON_BODY },
	{ "POST", "/v1/chat", api_v1_chat, ROUTE_JSON_BODY },
	{ "GET", "/v1/sessions", api_sessions_list, 0 },
	{ "POST", "/api/generate", api_ollama_generate, 0 },
	{ "POST", "/api/chat", api_ollama_chat, 0 },
	{ "GET", "/api/tags", proxy_passthrough, 0 },
	{ "GET", "/api/ps", proxy_passthrough, 0 },
	{ "POST", "/api/show", proxy_passthrough, 0 },
	{ "GET", "/api/version", proxy_passthrough, 0 },
	{ "GET", "/", api_ollama_root, 0 },
	{ NULL, NULL, NULL, 0 }
};
