/* SPDX-License-Identifier: ISC */
/*
 * http_guard.c: the browser-origin defence of the TCP listeners.
 *
 * A web page in the user's browser can send requests to 127.0.0.1 (CSRF
 * with "simple" bodies such as text/plain) or make a name it controls
 * resolve to 127.0.0.1 (DNS rebinding). The first carries the page's
 * Origin header, the second a foreign Host header; Ollama refuses both
 * and so must anything that forwards to it. See docs/security.md.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "http_guard.h"

/* Ollama's default origins (envconfig.AllowedOrigins, plus extensions). */
static const char *const http_guard_defaults[] = {
	"http://localhost", "https://localhost",
	"http://localhost:*", "https://localhost:*",
	"http://127.0.0.1", "https://127.0.0.1",
	"http://127.0.0.1:*", "https://127.0.0.1:*",
	"http://0.0.0.0", "https://0.0.0.0",
	"http://0.0.0.0:*", "https://0.0.0.0:*",
	"app://*", "file://*", "tauri://*", "vscode-webview://*",
	"vscode-file://*", "chrome-extension://*", "moz-extension://*",
	"safari-web-extension://*", "ms-browser-extension://*",
};

/* Copy the host part of a Host header (no port, no brackets) into buf. */
static int
http_guard_host_part(const char *host, char *buf, size_t size)
{
	const char	*end, *colon;
	size_t		 n;

	if (host[0] == '[') {
		if ((end = strchr(host, ']')) == NULL)
			return -1;
		if (end[1] != '\0' && end[1] != ':')
			return -1;
		host++;
		n = (size_t)(end - host);
	} else if ((colon = strchr(host, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL)
		n = (size_t)(colon - host);
	else
		n = strlen(host);
	if (n >= size)
		return -1;
	memcpy(buf, host, n);
	buf[n] = '\0';
	return 0;
}

static int
http_guard_is_loopback(const char *h)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	size_t		 n = strlen(h);

	if (strcasecmp(h, "localhost") == 0)
		return 1;
	if (n > 10 && strcasecmp(h + n - 10, ".localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, h, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, h, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

/* See http_guard.h. */
int
http_guard_host_ok(const char *host, const char *listen_host)
{
	char	h[256], l[256];

	if (host == NULL || *host == '\0')
		return 1;
	if (http_guard_host_part(host, h, sizeof(h)) != 0)
		return 0;
	if (http_guard_is_loopback(h))
		return 1;
	if (listen_host != NULL && *listen_host != '\0' &&
	    http_guard_host_part(listen_host, l, sizeof(l)) == 0 &&
	    strcasecmp(h, l) == 0)
		return 1;
	return 0;
}

/* One pattern: exact (any case), or prefix*suffix. */
static int
http_guard_match(const char *pat, const char *origin)
{
	const char	*star = strchr(pat, '*');
	size_t		 plen, slen, olen = strlen(origin);

	if (star == NULL)
		return strcasecmp(pat, origin) == 0;
	plen = (size_t)(star - pat);
	slen = strlen(star + 1);
	if (olen < plen + slen)
		return 0;
	return strncasecmp(origin, pat, plen) == 0 &&
	    strcasecmp(origin + olen - slen, star + 1) == 0;
}

/* See http_guard.h. */
int
http_guard_origin_ok(const char *origin, char *const *extra, int n)
{
	size_t	i;
	int	j;

	if (origin == NULL)
		return 1;
	for (j = 0; j < n; j++)
		if (extra[j] != NULL && http_guard_match(extra[j], origin))
			return 1;
	for (i = 0; i < sizeof(http_guard_defaults) /
	    sizeof(http_guard_defaults[0]); i++)
		if (http_guard_match(http_guard_defaults[i], origin))
			return 1;
	return 0;
}
