/* SPDX-License-Identifier: ISC */
/*
 * api_metrics.c: GET /v1/metrics (latest sample), /v1/metrics/history,
 * /v1/system, and GET /metrics in Prometheus text format 0.0.4 (system
 * figures from the sampler, Ollama figures from the watcher's snapshot).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "metrics.h"
#include "mlxd.h"
#include "proxy.h"
#include "router.h"
#include "sampler.h"
#include "state.h"

/*
 * Parse "90", "90s", "15m", "2h", "7d" or "500ms" into milliseconds; a bare
 * number is seconds. Returns 0 or -EINVAL.
 */
int	api_parse_duration_ms(const char *s, int64_t *msp);

int
api_parse_duration_ms(const char *s, int64_t *msp)
{
	char		*end;
	long long	 v;
	int64_t		 mul;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || v < 0 || v > 100LL * 365 * 86400)
		return -EINVAL;
	if (strcmp(end, "ms") == 0)
		mul = 1;
	else if (*end == '\0' || strcmp(end, "s") == 0)
		mul = 1000;
	else if (strcmp(end, "m") == 0)
		mul = 60000;
	else if (strcmp(end, "h") == 0)
		mul = 3600000;
	else if (strcmp(end, "d") == 0)
		mul = 86400000;
	else
		return -EINVAL;
	*msp = v * mul;
	return 0;
}

static void
api_metrics_latest(struct router_req *req)
{
	json_t	*j = state_get(STATE_SYSTEM);

	if (j == NULL) {
		router_reply_error(req, 503, "not_ready", "no sample yet");
		return;
	}
	router_reply_json(req, 200, j);
}

struct api_system_call {
	struct mlxd	*md;
	json_t		*out;
};

static void
api_system_run(void *arg)
{
	struct api_system_call	*c = arg;

	c->out = c->md->sampler != NULL ? sampler_system_json(c->md->sampler) :
	    NULL;
}

static void
api_metrics_system(struct router_req *req)
{
	struct api_system_call	c = { req->md, NULL };
	int			rc;

	if ((rc = http_loop_call(req->md->http, api_system_run, &c)) != 0 ||
	    c.out == NULL) {
		router_reply_errno(req, rc != 0 ? rc : -ECANCELED, "system");
		return;
	}
	router_reply_json(req, 200, c.out);
}

struct api_history_call {
	struct mlxd	*md;
	int64_t		 window_ms, step_ms;
	json_t		*out;
	int		 rc;
};

static void
api_history_run(void *arg)
{
	struct api_history_call	*c = arg;

	c->rc = sampler_history(c->md->sampler, c->window_ms, c->step_ms,
	    &c->out);
}

static void
api_metrics_history(struct router_req *req)
{
	struct api_history_call	 c = { req->md, 3600000, 0, NULL, 0 };
	const char		*w = router_query(req, "window");
	const char		*st = router_query(req, "step");
	int			 rc;

	if (w != NULL && (api_parse_duration_ms(w, &c.window_ms) != 0 ||
	    c.window_ms <= 0)) {
		router_reply_error(req, 400, "bad_request", "window: '%s' is "
		    "not a duration such as 15m, 2h or 7d", w);
		return;
	}
	if (st != NULL && api_parse_duration_ms(st, &c.step_ms) != 0) {
		router_reply_error(req, 400, "bad_request", "step: '%s' is not "
		    "a duration such as 10s or 5m", st);
		return;
	}
	if (c.step_ms > c.window_ms) {
		router_reply_error(req, 400, "bad_request", "step is longer "
		    "than window");
		return;
	}
	if ((rc = http_loop_call(req->md->http, api_history_run, &c)) != 0 ||
	    (rc = c.rc) != 0) {
		router_reply_errno(req, rc, "metrics history");
		return;
	}
	router_reply_json(req, 200, c.out);
}

static void
api_prom_label(struct metrics_buf *b, const char *name, const char *value)
{
	const char	*p;

	metrics_buf_printf(b, "%s=\"", name);
	for (p = value; *p != '\0'; p++) {
		if (*p == '\\' || *p == '"')
			metrics_buf_printf(b, "\\%c", *p);
		else if (*p == '\n')
			metrics_buf_printf(b, "\\n");
		else
			metrics_buf_printf(b, "%c", *p);
	}
	metrics_buf_printf(b, "\"");
}

static void
api_prom_models(struct metrics_buf *b, json_t *running, const char *name,
    const char *field, const char *type, const char *help)
{
	struct metrics_buf	 lb = { NULL, 0, 0 };
	json_t			*m, *v;
	size_t			 i;
	int			 any = 0;

	json_array_foreach(running, i, m) {
		v = field != NULL ? json_object_get(m, field) : NULL;
		if (field != NULL && !json_is_number(v))
			continue;
		if (!any)
			metrics_prom_header(b, name, type, help);
		any = 1;
		lb.len = 0;
		api_prom_label(&lb, "model", json_string_value(json_object_get(
		    m, "name")) ? json_string_value(json_object_get(m, "name")) :
		    "");
		metrics_prom_value(b, name, lb.data, field != NULL ?
		    json_number_value(v) : 1);
	}
	metrics_buf_free(&lb);
}

struct api_prom_call {
	struct mlxd		*md;
	struct metrics_buf	*b;
};

static void
api_prom_run(void *arg)
{
	struct api_prom_call	*c = arg;

	sampler_prom(c->md->sampler, c->b);
	proxy_prom(c->md->proxy, c->b);
}

static void
api_metrics_prom(struct router_req *req)
{
	struct metrics_buf	 b = { NULL, 0, 0 };
	struct api_prom_call	 c = { req->md, &b };
	json_t			*ol;
	int			 rc;

	metrics_prom_header(&b, "mlxd_build_info", "gauge",
	    "mlxd version (value is always 1).");
	metrics_buf_printf(&b, "mlxd_build_info{version=\"%s\"} 1\n",
	    MLXD_VERSION);
	metrics_prom_header(&b, "mlxd_uptime_seconds", "gauge",
	    "Seconds since mlxd started.");
	metrics_prom_value(&b, "mlxd_uptime_seconds", NULL,
	    (double)mlxd_uptime_s(req->md));
	if ((rc = http_loop_call(req->md->http, api_prom_run, &c)) != 0) {
		metrics_buf_free(&b);
		router_reply_errno(req, rc, "metrics");
		return;
	}
	if ((ol = state_get(STATE_OLLAMA)) != NULL) {
		json_t *running = json_object_get(ol, "running");
		metrics_prom_header(&b, "mlxd_ollama_up", "gauge",
		    "1 when the last poll reached Ollama, else 0.");
		metrics_prom_value(&b, "mlxd_ollama_up", NULL,
		    json_is_true(json_object_get(ol, "connected")) ? 1 : 0);
		api_prom_models(&b, running, "mlxd_ollama_model_loaded", NULL,
		    "gauge", "1 for each model Ollama has loaded.");
		api_prom_models(&b, running, "mlxd_ollama_model_size_bytes",
		    "size_bytes", "gauge",
		    "Memory a loaded model takes (weights, KV cache, buffers).");
		api_prom_models(&b, running, "mlxd_ollama_model_vram_bytes",
		    "vram_bytes", "gauge",
		    "Part of a loaded model's memory resident on the GPU.");
		json_decref(ol);
	}
	router_reply_data(req, 200, "text/plain; version=0.0.4; charset=utf-8",
	    b.data != NULL ? b.data : "", b.len);
	metrics_buf_free(&b);
}

const struct route api_metrics_routes[] = {
	{ "GET", "/v1/metrics", api_metrics_latest, 0 },
	{ "GET", "/v1/metrics/history", api_metrics_history, 0 },
	{ "GET", "/v1/system", api_metrics_system, 0 },
	{ "GET", "/metrics", api_metrics_prom, ROUTE_PUBLIC },
	{ NULL, NULL, NULL, 0 }
};
