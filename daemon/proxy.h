/* SPDX-License-Identifier: ISC */
/*
 * proxy.h: generations through mlxd. Requests to /v1/generate and /v1/chat
 * (and Ollama's own /api/generate and /api/chat on the proxy listener) are
 * passed to Ollama and its NDJSON streamed back chunk by chunk; meanwhile
 * the generation shows live in /v1/status (section "generation"), and when
 * it ends it is stored as a session with Ollama's exact counters.
 */
#ifndef MLXD_PROXY_H
#define MLXD_PROXY_H

struct mlxd;
struct proxy;
struct router_req;

int	proxy_start(struct mlxd *md, struct proxy **pp);

/* Abort every generation in flight; frees p once its timer is closed. */
void	proxy_stop(struct proxy *p);

/*
 * Handle one generation request on an HTTP thread: path is the upstream
 * route ("/api/generate" or "/api/chat"); ollama_errors selects Ollama's
 * error shape ({"error":"..."}) over mlxd's.
 */
void	proxy_handle(struct router_req *req, const char *path,
	    int ollama_errors);

/* Pass any other request through to Ollama unchanged (proxy listener). */
void	proxy_passthrough(struct router_req *req);

#endif
