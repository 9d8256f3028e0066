/* SPDX-License-Identifier: ISC */
/*
 * fuzz_body.c: the one strict reader of JSON request bodies
 * (router_body_object) with the key lists of the benchmark and cache
 * routes. Every input is either an object of known keys without
 * duplicates, or a 400 with mlxd's JSON error.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mlxd.h"
#include "router.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const bench[] = { "model", "suite", "prompts",
	    "repetitions", "warmup", "num_predict", "num_ctx", "seed", NULL };
	static const char *const cache[] = { "dry_run", "method", "methods",
	    "kinds", "paths", NULL };
	const char *const	*lists[] = { bench, cache };
	struct mlxd		 md;
	struct router_req	 req;
	json_t			*o, *err;
	int			 i;

	for (i = 0; i < 2; i++) {
		memset(&md, 0, sizeof(md));
		memset(&req, 0, sizeof(req));
		req.md = &md;
		req.method = "POST";
		req.path = "/v1/fuzz";
		req.body = (const char *)data;
		req.body_len = size;
		o = router_body_object(&req, lists[i], i);
		if (o != NULL) {
			if (!json_is_object(o) || req.reply.status != 0)
				abort();
			json_decref(o);
		} else {
			if (req.reply.status != 400)
				abort();
			err = json_loadb(req.reply.body, req.reply.len, 0,
			    NULL);
			if (!json_is_string(json_object_get(json_object_get(
			    err, "error"), "message")))
				abort();
			json_decref(err);
		}
		router_reply_clear(&req.reply);
	}
	return 0;
}
