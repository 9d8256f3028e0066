/* SPDX-License-Identifier: ISC */
/*
 * test_router.c: path patterns, 404/405 with Allow, JSON body checks and
 * the error shape, through router_dispatch() with the real route tables.
 */
#include "config.h"

#include <string.h>

#include "mlxd.h"
#include "router.h"
#include "state.h"
#include "test.h"

static struct mlxd	md;

static void
dispatch(const char *method, const char *path, const char *body,
    struct router_req *req)
{
	memset(req, 0, sizeof(*req));
	req->md = &md;
	req->method = method;
	req->path = path;
	req->body = body != NULL ? body : "";
	req->body_len = body != NULL ? strlen(body) : 0;
	router_dispatch(req);
}

static json_t *
reply_json(struct router_req *req)
{
	json_t	*j = json_loadb(req->reply.body, req->reply.len, 0, NULL);

	assert_non_null(j);
	return j;
}

static void
test_match(void **state)
{
	const char	*params[ROUTER_MAXPARAMS];
	char		 s[64];
	int		 n = -1;

	(void)state;
	strcpy(s, "/v1/benchmarks/abc/export");
	assert_int_equal(router_match("/v1/benchmarks/{id}/export", s, params,
	    &n), 1);
	assert_int_equal(n, 1);
	assert_string_equal(params[0], "abc");
	strcpy(s, "/v1/a/x/b/y");
	assert_int_equal(router_match("/v1/a/{p}/b/{q}", s, params, &n), 1);
	assert_int_equal(n, 2);
	assert_string_equal(params[0], "x");
	assert_string_equal(params[1], "y");
	strcpy(s, "/v1/benchmarks//export");
	assert_int_equal(router_match("/v1/benchmarks/{id}/export", s, params,
	    &n), 0);
	strcpy(s, "/v1/status/");
	assert_int_equal(router_match("/v1/status", s, params, &n), 0);
	strcpy(s, "/v1/statusx");
	assert_int_equal(router_match("/v1/status", s, params, &n), 0);
	strcpy(s, "/v1/stat");
	assert_int_equal(router_match("/v1/status", s, params, &n), 0);
	strcpy(s, "/v1/models/running");
	assert_int_equal(router_match("/v1/models", s, params, &n), 0);
}

static void
test_dispatch(void **state)
{
	struct router_req	 req;
	json_t			*j;

	(void)state;
	dispatch("GET", "/v1/health", NULL, &req);
	assert_int_equal(req.reply.status, 200);
	assert_string_equal(req.reply.content_type, "application/json");
	j = reply_json(&req);
	assert_string_equal(json_string_value(json_object_get(j, "status")),
	    "ok");
	assert_int_equal(json_integer_value(json_object_get(j, "api_version")),
	    MLXD_API_VERSION_NUM);
	json_decref(j);
	router_reply_clear(&req.reply);

	dispatch("HEAD", "/v1/health", NULL, &req);
	assert_int_equal(req.reply.status, 200);
	router_reply_clear(&req.reply);

	dispatch("GET", "/v1/nothing", NULL, &req);
	assert_int_equal(req.reply.status, 404);
	j = reply_json(&req);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    j, "error"), "code")), "not_found");
	assert_non_null(json_string_value(json_object_get(json_object_get(
	    j, "error"), "message")));
	json_decref(j);
	router_reply_clear(&req.reply);

	dispatch("DELETE", "/v1/status", NULL, &req);
	assert_int_equal(req.reply.status, 405);
	assert_string_equal(req.reply.allow, "GET");
	router_reply_clear(&req.reply);

	/* Nothing published yet: the model lists are 503. */
	dispatch("GET", "/v1/models", NULL, &req);
	assert_int_equal(req.reply.status, 503);
	j = reply_json(&req);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    j, "error"), "code")), "ollama_unavailable");
	json_decref(j);
	router_reply_clear(&req.reply);

	state_publish(STATE_MODELS, json_pack("{s:n, s:[]}", "fetched_at",
	    "models"));
	dispatch("GET", "/v1/models", NULL, &req);
	assert_int_equal(req.reply.status, 200);
	router_reply_clear(&req.reply);
	state_deinit();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_dispatch),
	};

	md.started_mono_ms = uv_hrtime() / 1000000ULL;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
