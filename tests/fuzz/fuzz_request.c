/* SPDX-License-Identifier: ISC */
/*
 * fuzz_request.c: one HTTP request through everything mlxd does with it
 * after libmicrohttpd has parsed it: the browser-origin checks of the TCP
 * listeners, then the router (route match, captures, methods, tokens, the
 * strict JSON body reader) and the handler it picks. The input is
 *
 *	<listener digit> <METHOD> <path>\n<Host>\n<Origin>\n<body...>
 *
 * There is no loop thread here: handlers that need one get -ECANCELED (a
 * 503 reply), exactly as while mlxd stops. Any input must give a reply
 * with a status, never a crash, a leak or a reply that is not JSON where
 * JSON is promised.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http_guard.h"
#include "mlxd.h"
#include "router.h"
#include "state.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next newline-ended field of [*pp, end), as a new string. */
static char *
field(const char **pp, const char *end)
{
	const char	*p = *pp, *nl;
	char		*s;

	nl = memchr(p, '\n', (size_t)(end - p));
	if (nl == NULL)
		nl = end;
	s = malloc((size_t)(nl - p) + 1);
	if (s == NULL)
		abort();
	memcpy(s, p, (size_t)(nl - p));
	s[nl - p] = '\0';
	*pp = nl < end ? nl + 1 : end;
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 init;
	static char *const	 extra[] = { "https://*.example.org" };
	struct mlxd		 md;
	struct router_req	 req;
	const char		*p = (const char *)data, *end = p + size;
	char			*line, *host, *origin, *method, *path, *sp;
	json_t			*j;

	if (!init) {
		state_init();
		init = 1;
	}
	line = field(&p, end);
	host = field(&p, end);
	origin = field(&p, end);
	method = line + (line[0] != '\0');
	if ((sp = strchr(method, ' ')) != NULL) {
		*sp = '\0';
		path = sp + 1;
	} else
		path = method + strlen(method);

	(void)http_guard_host_ok(host, "127.0.0.1");
	(void)http_guard_host_ok(host, NULL);
	(void)http_guard_origin_ok(*origin != '\0' ? origin : NULL, extra, 1);

	memset(&md, 0, sizeof(md));
	memset(&req, 0, sizeof(req));
	req.md = &md;
	req.listener = (enum router_listener)((unsigned char)line[0] % 3);
	req.authorized = ((unsigned char)line[0] & 4) != 0;
	req.method = method;
	req.path = path;
	req.body = p;
	req.body_len = (size_t)(end - p);
	router_dispatch(&req);
	if (req.reply.status < 100 || req.reply.status > 599)
		abort();
	if (req.reply.stream == NULL && req.reply.content_type != NULL &&
	    strncmp(req.reply.content_type, "application/json", 16) == 0) {
		if ((j = json_loadb(req.reply.body, req.reply.len, 0,
		    NULL)) == NULL)
			abort();
		json_decref(j);
	}
	router_reply_clear(&req.reply);
	free(line);
	free(host);
	free(origin);
	return 0;
}
