/* SPDX-License-Identifier: ISC */
/*
 * http_guard.h: who may talk to a TCP listener from a web browser. Pure
 * string checks (no state), shared by http.c and the tests.
 */
#ifndef MLXD_HTTP_GUARD_H
#define MLXD_HTTP_GUARD_H

/*
 * Whether a Host header names this machine's loopback ("localhost", a name
 * ending in ".localhost", 127.0.0.0/8, ::1) or listen_host (the host part
 * of the configured listen address; NULL = none). A port is ignored. An
 * absent or empty Host (HTTP/1.0) is accepted.
 */
int	http_guard_host_ok(const char *host, const char *listen_host);

/*
 * Whether an Origin header is allowed, with Ollama's semantics: no Origin
 * at all; http(s)://localhost, 127.0.0.1 or 0.0.0.0 on any port; the app,
 * file, tauri, vscode and browser-extension schemes; or a match of one of
 * the n extra patterns (OLLAMA_ORIGINS, proxy.origins), where one '*'
 * matches any run of characters and "*" alone matches every origin.
 */
int	http_guard_origin_ok(const char *origin, char *const *extra, int n);

#endif
