/* SPDX-License-Identifier: ISC */
/*
 * httpc_plain.h: one buffered HTTP/1.1 request over plain TCP on the loop,
 * for httpc.c. It serves what Ollama's poller sends every second (GET or a
 * small POST to a numeric or localhost address, whole reply buffered), so
 * the daemon needs libcurl only for streams, uploads and the Hub.
 */
#ifndef MLXD_HTTPC_PLAIN_H
#define MLXD_HTTPC_PLAIN_H

#include <uv.h>

#include "httpc.h"

struct hplain;

/* The end, exactly once unless hplain_abort() came first. */
typedef void (*hplain_fin_cb)(void *arg, const struct httpc_result *res);

/*
 * Start o if it can be served here: a buffered GET, POST or DELETE (no
 * streaming callbacks, redirects or kept headers) to an http:// URL whose
 * host is an IP address or localhost, with no proxy configured in the
 * environment. NULL when it cannot (libcurl's then). fin is never called
 * from inside this call.
 */
struct hplain *hplain_start(uv_loop_t *loop, const struct httpc_opts *o,
	    hplain_fin_cb fin, void *arg);

/* Stop without calling fin; the memory goes once the handles close. */
void	hplain_abort(struct hplain *p);

#endif
