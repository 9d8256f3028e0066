/* SPDX-License-Identifier: ISC */
/*
 * api_models.c: GET /v1/models and /v1/models/running, the Ollama watcher's
 * latest /api/tags and /api/ps, normalised. 503 until Ollama was reached.
 */
#include "config.h"

#include "router.h"
#include "state.h"

static void
api_models_reply(struct router_req *req, enum state_section sec)
{
	json_t	*obj = state_get(sec);

	if (obj == NULL) {
		router_reply_error(req, 503, "ollama_unavailable",
		    "Ollama has not been reached yet; see GET /v1/status");
		return;
	}
	router_reply_json(req, 200, obj);
}

static void
api_models_list(struct router_req *req)
{
	api_models_reply(req, STATE_MODELS);
}

static void
api_models_running(struct router_req *req)
{
	api_models_reply(req, STATE_RUNNING);
}

const struct route api_models_routes[] = {
	{ "GET", "/v1/models", api_models_list, 0 },
	{ "GET", "/v1/models/running", api_models_running, 0 },
	{ NULL, NULL, NULL, 0 }
};
