/* SPDX-License-Identifier: ISC */
/*
 * httpc_plain.c: a buffered HTTP/1.1 request over plain TCP, driven by the
 * loop (see httpc_plain.h).
 *
 * One connection per request ("Connection: close"), tried against each
 * address of the host in turn (localhost is 127.0.0.1, then ::1, as curl
 * resolves it), one timer for the connect and whole-transfer deadlines. The
 * reply is framed by Content-Length, chunked encoding or the end of the
 * connection, and failures carry the errno and the wording httpc's libcurl
 * path gives them, so callers cannot tell the two apart.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httpc_plain.h"
#include "xmalloc.h"

#define HPLAIN_MAX_REPLY	(64u << 20)
#define HPLAIN_MAX_ADDRS	2

struct hplain_url {
	char		 host[64];	/* literal, without brackets */
	char		 authority[80];	/* for Host: */
	int		 port;
	const char	*path;		/* into the URL; "" means "/" */
	size_t		 pathlen;
	struct sockaddr_storage addr[HPLAIN_MAX_ADDRS];
	int		 naddr;
};

struct hplain {
	uv_loop_t	*loop;
	uv_tcp_t	 tcp;
	uv_connect_t	 conn;
	uv_write_t	 wr;
	uv_timer_t	 timer;
	int		 handles;	/* open uv handles */
	int		 tcp_open;
	int		 finished;	/* fin called, or aborted */
	int		 connected;
	int		 cur;		/* address being tried */
	int		 last_status;	/* libuv error of the last attempt */
	int		 starting;	/* inside hplain_start() */
	int		 refused;	/* no address left: fail from the timer */
	struct hplain_url u;
	char		*out;		/* request head and body */
	size_t		 outlen;
	char		*in;		/* reply as received */
	size_t		 inlen, incap;
	char		*body;		/* decoded chunked body */
	char		*ctype;
	long		 timeout_ms;	/* whole transfer; 0 = none */
	uint64_t	 t0;
	hplain_fin_cb	 fin;
	void		*arg;
	char		 errmsg[256];
};

static void	hplain_connect_next(struct hplain *);

/* Parse an http:// URL whose host is an address or localhost. */
static int
hplain_parse_url(const char *url, struct hplain_url *u)
{
	const char	*a, *end, *h, *he, *port = NULL;
	size_t		 hl;
	char		*ep;
	long		 pn;

	memset(u, 0, sizeof(*u));
	if (strncasecmp(url, "http://", 7) != 0)
		return -1;
	a = url + 7;
	end = a + strcspn(a, "/?#");
	if (memchr(a, '@', (size_t)(end - a)) != NULL || end == a ||
	    (size_t)(end - a) >= sizeof(u->authority))
		return -1;
	memcpy(u->authority, a, (size_t)(end - a));
	if (*a == '[') {
		h = a + 1;
		if ((he = memchr(h, ']', (size_t)(end - h))) == NULL)
			return -1;
		if (he + 1 < end) {
			if (he[1] != ':')
				return -1;
			port = he + 2;
		}
	} else {
		h = a;
		he = memchr(a, ':', (size_t)(end - a));
		if (he != NULL)
			port = he + 1;
		else
			he = end;
	}
	hl = (size_t)(he - h);
	if (hl == 0 || hl >= sizeof(u->host))
		return -1;
	memcpy(u->host, h, hl);
	u->port = 80;
	if (port != NULL && port < end) {
		errno = 0;
		pn = strtol(port, &ep, 10);
		if (ep != end || pn < 1 || pn > 65535 || errno != 0)
			return -1;
		u->port = (int)pn;
	}
	u->path = end;
	u->pathlen = strcspn(end, "#");
	if (strcasecmp(u->host, "localhost") == 0) {
		/* As curl does: no lookup, IPv4 first (Ollama's default). */
		uv_ip4_addr("127.0.0.1", u->port,
		    (struct sockaddr_in *)&u->addr[0]);
		uv_ip6_addr("::1", u->port, (struct sockaddr_in6 *)&u->addr[1]);
		u->naddr = 2;
	} else if (*a != '[' && uv_ip4_addr(u->host, u->port,
	    (struct sockaddr_in *)&u->addr[0]) == 0)
		u->naddr = 1;
	else if (*a == '[' && uv_ip6_addr(u->host, u->port,
	    (struct sockaddr_in6 *)&u->addr[0]) == 0)
		u->naddr = 1;
	else
		return -1;
	return 0;
}

static int
hplain_env_set(const char *name)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0';
}

/* Whether o is a request this file serves (the URL is checked apart). */
static int
hplain_kind_ok(const struct httpc_opts *o)
{
	if (o->data_cb != NULL || o->read_cb != NULL || o->follow ||
	    o->want_headers || o->headers_cb != NULL)
		return 0;
	if (o->method != NULL && strcmp(o->method, "GET") != 0 &&
	    strcmp(o->method, "POST") != 0 && strcmp(o->method, "DELETE") != 0)
		return 0;
	/* Proxies are libcurl's to honour. */
	return !hplain_env_set("http_proxy") && !hplain_env_set("all_proxy") &&
	    !hplain_env_set("ALL_PROXY");
}

/* Whether the caller's headers name this one (then it is theirs). */
static int
hplain_overridden(const char *const *hdrs, const char *name)
{
	size_t	n = strlen(name), i;

	for (i = 0; hdrs != NULL && hdrs[i] != NULL; i++)
		if (strncasecmp(hdrs[i], name, n) == 0 &&
		    (hdrs[i][n] == ':' || hdrs[i][n] == ';'))
			return 1;
	return 0;
}

static void
hplain_add(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = xrealloc(*buf, *cap);
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* The request as libcurl would send it, with "Connection: close". */
static void
hplain_build(struct hplain *p, const struct httpc_opts *o)
{
	const char *const	*hd = o->headers;
	const char		*method = o->method ? o->method : "GET";
	const char		*v;
	char			 line[512];
	size_t			 cap = 0, i, n;
	int			 k;

	p->out = NULL;
	p->outlen = 0;
	k = snprintf(line, sizeof(line), "%s ", method);
	hplain_add(&p->out, &p->outlen, &cap, line, (size_t)k);
	if (p->u.pathlen == 0 || p->u.path[0] != '/')
		hplain_add(&p->out, &p->outlen, &cap, "/", 1);
	hplain_add(&p->out, &p->outlen, &cap, p->u.path, p->u.pathlen);
	hplain_add(&p->out, &p->outlen, &cap, " HTTP/1.1\r\n", 11);
	if (!hplain_overridden(hd, "Host")) {
		k = snprintf(line, sizeof(line), "Host: %s\r\n",
		    p->u.authority);
		hplain_add(&p->out, &p->outlen, &cap, line, (size_t)k);
	}
	if (!hplain_overridden(hd, "User-Agent")) {
		k = snprintf(line, sizeof(line), "User-Agent: %s\r\n",
		    o->user_agent ? o->user_agent : "mlxd/" MLXD_VERSION);
		if (k > 0 && (size_t)k < sizeof(line))
			hplain_add(&p->out, &p->outlen, &cap, line, (size_t)k);
	}
	if (!hplain_overridden(hd, "Accept"))
		hplain_add(&p->out, &p->outlen, &cap, "Accept: */*\r\n", 13);
	hplain_add(&p->out, &p->outlen, &cap, "Connection: close\r\n", 19);
	if (o->body != NULL && !o->no_ctype &&
	    !hplain_overridden(hd, "Content-Type"))
		hplain_add(&p->out, &p->outlen, &cap,
		    "Content-Type: application/json\r\n", 32);
	if (o->body != NULL || strcmp(method, "POST") == 0) {
		k = snprintf(line, sizeof(line), "Content-Length: %zu\r\n",
		    o->body != NULL ? o->body_len : 0);
		hplain_add(&p->out, &p->outlen, &cap, line, (size_t)k);
	}
	/* "Name:" with no value removes a header, "Name;" sends it empty. */
	for (i = 0; hd != NULL && hd[i] != NULL; i++) {
		n = strcspn(hd[i], ":;");
		if (hd[i][n] == '\0')
			continue;
		v = hd[i] + n + 1;
		v += strspn(v, " \t");
		if (hd[i][n] == ':' && *v == '\0')
			continue;
		if (hd[i][n] == ';' && *v != '\0')
			continue;
		hplain_add(&p->out, &p->outlen, &cap, hd[i], n);
		hplain_add(&p->out, &p->outlen, &cap, ": ", 2);
		hplain_add(&p->out, &p->outlen, &cap, v, strlen(v));
		hplain_add(&p->out, &p->outlen, &cap, "\r\n", 2);
	}
	hplain_add(&p->out, &p->outlen, &cap, "\r\n", 2);
	if (o->body != NULL)
		hplain_add(&p->out, &p->outlen, &cap, o->body, o->body_len);
}

static void
hplain_maybe_free(struct hplain *p)
{
	if (!p->finished || p->handles > 0)
		return;
	free(p->out);
	free(p->in);
	free(p->body);
	free(p->ctype);
	free(p);
}

static void
hplain_closed(uv_handle_t *h)
{
	struct hplain	*p = h->data;

	p->handles--;
	if (h == (uv_handle_t *)&p->tcp) {
		p->tcp_open = 0;
		if (!p->finished) {
			/* A failed attempt: on to the next address. */
			hplain_connect_next(p);
			return;
		}
	}
	hplain_maybe_free(p);
}

/* Close what is open; the memory goes with the last handle. */
static void
hplain_close(struct hplain *p)
{
	p->finished = 1;
	if (!uv_is_closing((uv_handle_t *)&p->timer))
		uv_close((uv_handle_t *)&p->timer, hplain_closed);
	if (p->tcp_open && !uv_is_closing((uv_handle_t *)&p->tcp))
		uv_close((uv_handle_t *)&p->tcp, hplain_closed);
}

static void
hplain_finish(struct hplain *p, struct httpc_result *res)
{
	if (p->finished)
		return;
	p->finished = 1;
	if (res->body == NULL)
		res->body = "";
	p->fin(p->arg, res);
	hplain_close(p);
}

static void
hplain_fail(struct hplain *p, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
hplain_fail(struct hplain *p, int err, const char *fmt, ...)
{
	struct httpc_result	 res;
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(p->errmsg, sizeof(p->errmsg), fmt, ap);
	va_end(ap);
	memset(&res, 0, sizeof(res));
	res.err = err;
	res.errmsg = p->errmsg;
	hplain_finish(p, &res);
}

static long
hplain_elapsed_ms(const struct hplain *p)
{
	return (long)((uv_now(p->loop) - p->t0));
}

static void
hplain_timer_cb(uv_timer_t *t)
{
	struct hplain	*p = t->data;

	if (p->refused) {
		p->refused = 0;
		hplain_connect_next(p);
		return;
	}
	if (p->connected)
		hplain_fail(p, -ETIMEDOUT, "Operation timed out after %ld "
		    "milliseconds with %zu bytes received",
		    hplain_elapsed_ms(p), p->inlen);
	else
		hplain_fail(p, -ETIMEDOUT, "Connection timed out after %ld "
		    "milliseconds", hplain_elapsed_ms(p));
}

/* Value of header name in the head [h, e), or NULL; *vl its length. */
static const char *
hplain_hdr(const char *h, const char *e, const char *name, size_t *vl)
{
	size_t		 n = strlen(name);
	const char	*l, *nl, *v, *ve;

	for (l = h; l < e; l = nl + 1) {
		if ((nl = memchr(l, '\n', (size_t)(e - l))) == NULL)
			nl = e;
		if ((size_t)(nl - l) > n && strncasecmp(l, name, n) == 0 &&
		    l[n] == ':') {
			v = l + n + 1;
			while (v < nl && (*v == ' ' || *v == '\t'))
				v++;
			ve = nl;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' ||
			    ve[-1] == '\t'))
				ve--;
			*vl = (size_t)(ve - v);
			return v;
		}
	}
	return NULL;
}

/*
 * Decode a chunked body starting at b (len bytes available) into p->body.
 * 1 when complete, 0 when more is needed, -1 when malformed.
 */
static int
hplain_dechunk(struct hplain *p, const char *b, size_t len, size_t *outlen)
{
	const char	*s = b, *e = b + len, *nl;
	char		*ep;
	unsigned long long sz;
	size_t		 cap = 0;

	free(p->body);
	p->body = NULL;
	*outlen = 0;
	for (;;) {
		if ((nl = memchr(s, '\n', (size_t)(e - s))) == NULL)
			return 0;
		errno = 0;
		sz = strtoull(s, &ep, 16);
		if (ep == s || errno != 0 || sz > HPLAIN_MAX_REPLY)
			return -1;
		s = nl + 1;
		if (sz == 0)
			break;
		if ((size_t)(e - s) < sz + 2)
			return 0;
		hplain_add(&p->body, outlen, &cap, s, (size_t)sz);
		s += sz;
		if (*s == '\r')
			s++;
		if (*s != '\n')
			return -1;
		s++;
	}
	/* Trailers, up to the empty line. */
	for (;;) {
		if ((nl = memchr(s, '\n', (size_t)(e - s))) == NULL)
			return 0;
		if (nl == s || (nl == s + 1 && *s == '\r'))
			break;
		s = nl + 1;
	}
	if (p->body == NULL)
		p->body = xstrdup("");
	return 1;
}

/*
 * Try to frame the reply: 1 and *res filled when it is whole, 0 when more
 * is needed (at eof: a truncated reply, failed here), -1 when it failed.
 */
static int
hplain_frame(struct hplain *p, int eof, struct httpc_result *res)
{
	const char	*h = p->in, *he, *e = p->in + p->inlen, *v, *b;
	size_t		 vl, cl = 0, blen;
	long		 status;
	char		*ep;
	int		 has_cl = 0, rc;

	for (;;) {
		if (p->inlen == 0 || (he = memmem(h, (size_t)(e - h),
		    "\r\n\r\n", 4)) == NULL)
			goto more;
		if ((size_t)(e - h) < 12 || strncmp(h, "HTTP/1.", 7) != 0 ||
		    h[8] != ' ') {
			hplain_fail(p, -EIO, "Unsupported protocol in reply "
			    "from %s port %d", p->u.host, p->u.port);
			return -1;
		}
		status = strtol(h + 9, &ep, 10);
		if (ep != h + 12 || status < 100 || status > 999) {
			hplain_fail(p, -EIO, "Invalid status line from %s "
			    "port %d", p->u.host, p->u.port);
			return -1;
		}
		b = he + 4;
		if (status >= 200 || status == 101)
			break;
		h = b;		/* 1xx: the real head follows */
	}
	memset(res, 0, sizeof(*res));
	res->status = status;
	if ((v = hplain_hdr(h, he, "Content-Type", &vl)) != NULL) {
		free(p->ctype);
		p->ctype = xstrndup(v, vl);
		res->content_type = p->ctype;
	}
	if (status == 204 || status == 304) {
		res->body = "";
		return 1;
	}
	if ((v = hplain_hdr(h, he, "Transfer-Encoding", &vl)) != NULL &&
	    vl >= 7 && strncasecmp(v + vl - 7, "chunked", 7) == 0) {
		if ((rc = hplain_dechunk(p, b, (size_t)(e - b), &blen)) < 0) {
			hplain_fail(p, -EIO, "Malformed chunked encoding "
			    "from %s port %d", p->u.host, p->u.port);
			return -1;
		}
		if (rc == 0)
			goto more;
		res->body = p->body;
		res->len = blen;
		return 1;
	}
	if ((v = hplain_hdr(h, he, "Content-Length", &vl)) != NULL) {
		errno = 0;
		cl = (size_t)strtoull(v, &ep, 10);
		if (ep != v + vl || vl == 0 || errno != 0) {
			hplain_fail(p, -EIO, "Invalid Content-Length from %s "
			    "port %d", p->u.host, p->u.port);
			return -1;
		}
		has_cl = 1;
	}
	if (has_cl && (size_t)(e - b) >= cl) {
		/* The reply buffer keeps a spare byte for the NUL. */
		p->in[(size_t)(b - p->in) + cl] = '\0';
		res->body = b;
		res->len = cl;
		return 1;
	}
	if (!has_cl && eof) {
		res->body = b;
		res->len = (size_t)(e - b);
		return 1;
	}
more:
	if (!eof)
		return 0;
	if (p->inlen == 0)
		hplain_fail(p, -ECONNRESET, "Empty reply from server");
	else
		hplain_fail(p, -ECONNRESET, "transfer closed with outstanding "
		    "read data remaining");
	return -1;
}

static void
hplain_alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct hplain	*p = h->data;

	(void)hint;
	if (p->incap - p->inlen < 16384) {
		p->incap = p->incap ? p->incap * 2 : 16384;
		p->in = xrealloc(p->in, p->incap);
	}
	/* One byte always stays free for a terminating NUL. */
	*buf = uv_buf_init(p->in + p->inlen, (unsigned)(p->incap - p->inlen -
	    1));
}

static void
hplain_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct hplain		*p = s->data;
	struct httpc_result	 res;

	(void)buf;
	if (p->finished)
		return;
	if (nread > 0) {
		p->inlen += (size_t)nread;
		p->in[p->inlen] = '\0';
		if (p->inlen > HPLAIN_MAX_REPLY) {
			hplain_fail(p, -EFBIG, "reply from %s port %d is over "
			    "%u MiB", p->u.host, p->u.port,
			    HPLAIN_MAX_REPLY >> 20);
			return;
		}
	} else if (nread == 0)
		return;
	else if (nread != UV_EOF) {
		/* A whole reply followed by a reset still counts. */
		if (hplain_frame(p, 0, &res) == 1) {
			hplain_finish(p, &res);
			return;
		}
		if (!p->finished)
			hplain_fail(p, -ECONNRESET, "Recv failure: %s",
			    uv_strerror((int)nread));
		return;
	}
	if (hplain_frame(p, nread == UV_EOF, &res) == 1)
		hplain_finish(p, &res);
}

static void
hplain_write_cb(uv_write_t *w, int status)
{
	struct hplain	*p = w->data;

	if (status < 0 && !p->finished)
		hplain_fail(p, -EPIPE, "Send failure: %s", uv_strerror(status));
}

static void
hplain_connect_cb(uv_connect_t *c, int status)
{
	struct hplain	*p = c->data;
	uv_buf_t	 b;
	long		 left;
	int		 rc;

	if (p->finished)
		return;
	if (status < 0) {
		p->last_status = status;
		p->cur++;
		uv_close((uv_handle_t *)&p->tcp, hplain_closed);
		return;
	}
	p->connected = 1;
	(void)uv_tcp_nodelay(&p->tcp, 1);
	uv_timer_stop(&p->timer);
	if (p->timeout_ms > 0) {
		left = p->timeout_ms - hplain_elapsed_ms(p);
		uv_timer_start(&p->timer, hplain_timer_cb,
		    (uint64_t)(left > 0 ? left : 0), 0);
	}
	b = uv_buf_init(p->out, (unsigned)p->outlen);
	p->wr.data = p;
	if ((rc = uv_write(&p->wr, (uv_stream_t *)&p->tcp, &b, 1,
	    hplain_write_cb)) != 0) {
		hplain_fail(p, -EPIPE, "Send failure: %s", uv_strerror(rc));
		return;
	}
	if ((rc = uv_read_start((uv_stream_t *)&p->tcp, hplain_alloc_cb,
	    hplain_read_cb)) != 0)
		hplain_fail(p, -ECONNRESET, "Recv failure: %s",
		    uv_strerror(rc));
}

/* Connect to the next address, or fail with the last attempt's error. */
static void
hplain_connect_next(struct hplain *p)
{
	int	rc;

	while (p->cur < p->u.naddr) {
		if ((rc = uv_tcp_init(p->loop, &p->tcp)) != 0) {
			p->last_status = rc;
			break;
		}
		p->tcp.data = p;
		p->tcp_open = 1;
		p->handles++;
		p->conn.data = p;
		rc = uv_tcp_connect(&p->conn, &p->tcp,
		    (const struct sockaddr *)&p->u.addr[p->cur],
		    hplain_connect_cb);
		if (rc == 0)
			return;
		p->last_status = rc;
		p->cur++;
		/* The close callback comes back here. */
		uv_close((uv_handle_t *)&p->tcp, hplain_closed);
		return;
	}
	if (p->starting) {
		/* Never call back from inside hplain_start(). */
		p->refused = 1;
		uv_timer_start(&p->timer, hplain_timer_cb, 0, 0);
		return;
	}
	hplain_fail(p, -ECONNREFUSED, "Failed to connect to %s port %d after "
	    "%ld ms: %s", p->u.host, p->u.port, hplain_elapsed_ms(p),
	    p->last_status == UV_ECONNREFUSED ? "Couldn't connect to server" :
	    uv_strerror(p->last_status));
}

/* See httpc_plain.h. */
struct hplain *
hplain_start(uv_loop_t *loop, const struct httpc_opts *o, hplain_fin_cb fin,
    void *arg)
{
	struct hplain	*p;
	long		 first;

	if (!hplain_kind_ok(o))
		return NULL;
	p = xcalloc(1, sizeof(*p));
	if (hplain_parse_url(o->url, &p->u) != 0) {
		free(p);
		return NULL;
	}
	p->loop = loop;
	p->fin = fin;
	p->arg = arg;
	p->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 0;
	p->last_status = UV_ECONNREFUSED;
	hplain_build(p, o);
	uv_update_time(loop);
	p->t0 = uv_now(loop);
	if (uv_timer_init(loop, &p->timer) != 0) {
		free(p->out);
		free(p);
		return NULL;
	}
	p->timer.data = p;
	p->handles++;
	first = o->connect_timeout_ms > 0 ? o->connect_timeout_ms :
	    HTTPC_CONNECT_TIMEOUT_MS;
	if (p->timeout_ms > 0 && p->timeout_ms < first)
		first = p->timeout_ms;
	uv_timer_start(&p->timer, hplain_timer_cb, (uint64_t)first, 0);
	p->starting = 1;
	hplain_connect_next(p);
	p->starting = 0;
	return p;
}

/* See httpc_plain.h. */
void
hplain_abort(struct hplain *p)
{
	if (p != NULL && !p->finished)
		hplain_close(p);
}
