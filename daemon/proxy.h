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

#include <stddef.h>

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

/* Pass a request whose body is already read through to Ollama unchanged. */
void	proxy_passthrough(struct router_req *req);

/*
 * Streamed pass-through (proxy listener), from the request's HTTP thread:
 * open as soon as the head is in (body_len: the body's length, or -1 to
 * learn it from the headers), feed body bytes as they arrive (blocks while
 * Ollama is behind; -EPIPE once the upstream is gone: drop the rest), then
 * reply: wait for Ollama's head and set req's reply to the relayed stream,
 * or an Ollama-shaped error. Close releases it; aborted when the client
 * left before the reply.
 */
struct proxy_pass;
struct proxy_pass *proxy_pass_open(struct router_req *req, long long body_len);
int	proxy_pass_feed(struct proxy_pass *pp, const char *buf, size_t len);
void	proxy_pass_reply(struct proxy_pass *pp, struct router_req *req);
void	proxy_pass_close(struct proxy_pass *pp, int aborted);

struct metrics_buf;

/* Append the per-model generation and embedding families (loop). */
void	proxy_prom(struct proxy *p, struct metrics_buf *b);

/* Whether a proxy-listener request is metered by mlxd (not passed raw). */
int	proxy_metered(const char *method, const char *path);

#endif
