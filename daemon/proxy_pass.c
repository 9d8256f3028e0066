/* SPDX-License-Identifier: ISC */
/*
 * proxy_pass.c: transparent pass-through to Ollama, streamed both ways.
 *
 * The connection's thread opens a pass as soon as a request's head is in
 * (proxy_pass_open) and the upstream transfer starts on the loop at once.
 * Request body bytes then go through a small bounded queue: the HTTP thread
 * fills it (blocking while it is full) and libcurl's read callback drains
 * it on the loop, pausing the upload while the queue is empty. So a
 * multi-gigabyte blob upload uses constant memory. The reply streams back
 * the same way: bytes go to an http_stream and the transfer pauses while
 * the client is more than PASS_HIGH bytes behind (a timer resumes it).
 * Status, body and the headers that matter are relayed unchanged.
 *
 * When the upstream breaks after the reply has started, an NDJSON reply
 * gets a last {"error":"..."} line and the transfer ends broken (the
 * chunked encoding is not terminated), as the direct connection would.
 * struct proxy_pass is shared: its reference count and the fields marked
 * "under mtx" are locked, the rest is loop-only or immutable.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>


#include "http.h"
#include "httpc.h"
#include "log.h"
#include "mlxd.h"
#include "ollama.h"
#include "proxy.h"
#include "proxy_int.h"
#include "router.h"
#include "timeutil.h"
#include "xmalloc.h"

#define PASS_UPCAP		(1024 * 1024)	/* request body queue */
#define PASS_UPKICK		(128 * 1024)	/* wake a waiting upload */
#define PASS_HIGH		(1024 * 1024)	/* pause the reply above */
#define PASS_LOW		(256 * 1024)	/* resume it below */
#define PASS_STREAM_LIMIT	(64 * 1024 * 1024)
#define PASS_KICK_MS		2
#define PASS_WAIT_MS		100

struct proxy_pass {
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cond;
	int			 refs;

	/* Under mtx. */
	char			*ubuf;		/* request body queue */
	size_t			 ulen, uoff;
	int			 up_eof;	/* the whole body is queued */
	int			 up_paused;	/* the loop waits for bytes */
	int			 head;
	long			 status;
	char			*ctype;
	char			*hdrs;		/* relayed "Name: value\n" */
	int			 ended;
	int			 err;
	char			*errmsg;

	/* Loop only. */
	struct proxy		*p;
	struct httpc_req	*req;
	int			 listed;
	int			 down_paused;
	struct proxy_pass	*next, *prev;

	/* Immutable after open. */
	struct mlxd		*md;
	struct http_stream	*stream;		/* the loop's reference */
	struct http_stream	*hstream;	/* the HTTP thread's */
	char			*method;
	char			*url;
	char			**headers;	/* "Name: value", NULL-ended */
	int			 has_body;
	long long		 body_len;

	/* Metered routes (embeddings, OpenAI-compatible generations). */
	struct proxy_meter	*meter;		/* cleared under mtx at the end */
	int			 metered;	/* immutable: meter was set */
	char			*mbody;		/* HTTP thread: body copy */
	size_t			 mlen, mcap;
};

#define PASS_METER_MAXBODY	(64 * 1024 * 1024)

static void
pass_ref(struct proxy_pass *pp)
{
	pthread_mutex_lock(&pp->mtx);
	pp->refs++;
	pthread_mutex_unlock(&pp->mtx);
}

static void
pass_unref(void *arg)
{
	struct proxy_pass	*pp = arg;
	int			 refs, i;

	pthread_mutex_lock(&pp->mtx);
	refs = --pp->refs;
	pthread_mutex_unlock(&pp->mtx);
	if (refs > 0)
		return;
	http_stream_unref(pp->stream);
	http_stream_unref(pp->hstream);
	proxy_meter_free(pp->meter);
	free(pp->mbody);
	pthread_mutex_destroy(&pp->mtx);
	pthread_cond_destroy(&pp->cond);
	free(pp->ubuf);
	free(pp->ctype);
	free(pp->hdrs);
	free(pp->errmsg);
	free(pp->method);
	free(pp->url);
	for (i = 0; pp->headers != NULL && pp->headers[i] != NULL; i++)
		free(pp->headers[i]);
	free(pp->headers);
	free(pp);
}

/* A copy of s with invalid UTF-8 replaced by U+FFFD. */
char *
proxy_utf8(const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	char			*out, *o;
	size_t			 i, n, k;
	unsigned		 c;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	o = out = xmalloc(n * 3 + 1);
	for (i = 0; i < n; ) {
		c = u[i];
		k = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 && c >= 0xc2 ? 2 :
		    (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 && c <= 0xf4 ?
		    4 : 0;
		if (k > 1 && i + k <= n) {
			size_t j;
			for (j = 1; j < k; j++)
				if ((u[i + j] & 0xc0) != 0x80)
					break;
			if (j < k ||
			    (k == 3 && c == 0xe0 && u[i + 1] < 0xa0) ||
			    (k == 3 && c == 0xed && u[i + 1] >= 0xa0) ||
			    (k == 4 && c == 0xf0 && u[i + 1] < 0x90) ||
			    (k == 4 && c == 0xf4 && u[i + 1] >= 0x90))
				k = 0;
		} else if (k > 1)
			k = 0;
		if (k == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(o, s + i, k);
		o += k;
		i += k;
	}
	*o = '\0';
	return out;
}

/* Hop-by-hop and framing headers are not relayed in either direction. */
static int
pass_skip_header(const char *name)
{
	static const char *const skip[] = {
		"Connection", "Keep-Alive", "Transfer-Encoding", "TE",
		"Trailer", "Upgrade", "Proxy-Connection", "Proxy-Authorization",
		"Content-Length", "Host", "Expect", "Date",
	};
	size_t	i;

	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (strcasecmp(name, skip[i]) == 0)
			return 1;
	return 0;
}

/* ---- on the loop -------------------------------------------------------- */

static void	pass_kick_cb(uv_timer_t *);

static void
pass_unlist(struct proxy_pass *pp)
{
	struct proxy	*p = pp->p;

	if (!pp->listed)
		return;
	pp->listed = 0;
	if (pp->prev != NULL)
		pp->prev->next = pp->next;
	else
		p->passes = pp->next;
	if (pp->next != NULL)
		pp->next->prev = pp->prev;
	if (pp->down_paused) {
		pp->down_paused = 0;
		p->npaused--;
	}
}

/* End the pass (loop): wake the HTTP thread, end the reply stream. */
static void
pass_end(struct proxy_pass *pp, int err, const char *msg)
{
	struct proxy_meter	*m;
	struct http_stream	*s;
	int			 head;

	pass_unlist(pp);
	pthread_mutex_lock(&pp->mtx);
	m = pp->p != NULL ? pp->meter : NULL;
	if (m != NULL)
		pp->meter = NULL;
	pthread_mutex_unlock(&pp->mtx);
	if (m != NULL) {
		proxy_meter_end(pp->p, m, err == 0 ? NULL : err ==
		    -ECANCELED ? "client disconnected" : msg != NULL ? msg :
		    strerror(-err));
		proxy_publish(pp->p);
	}
	pthread_mutex_lock(&pp->mtx);
	head = pp->head;
	pp->ended = 1;
	if (err != 0 && pp->err == 0) {
		pp->err = err;
		pp->errmsg = xstrdup(msg != NULL ? msg : strerror(-err));
	}
	pthread_cond_broadcast(&pp->cond);
	pthread_mutex_unlock(&pp->mtx);
	/* The loop's stream reference ends here (the stream holds the pass). */
	if ((s = pp->stream) == NULL)
		return;
	pp->stream = NULL;
	if (!head)
		;
	else if (err == 0)
		http_stream_close(s);
	else {
		if (err != -ECANCELED && pp->ctype != NULL &&
		    strstr(pp->ctype, "ndjson") != NULL) {
			/* Ollama's convention for a stream that cannot end. */
			json_t *j = json_pack("{s:s}", "error", msg != NULL ?
			    msg : strerror(-err));
			char *line = json_dumps(j, JSON_COMPACT);
			json_decref(j);
			if (line != NULL) {
				(void)http_stream_write(s, line, strlen(line));
				(void)http_stream_write(s, "\n", 1);
			}
			free(line);
		}
		http_stream_fail(s, NULL, 0);
	}
	http_stream_unref(s);
}

static void
pass_head_cb(void *arg, const struct httpc_result *res)
{
	struct proxy_pass	*pp = arg;
	char			*h = NULL;
	size_t			 i, len = 0;
	int			 last = res->nresponses - 1;

	for (i = 0; i < res->nheaders; i++) {
		const struct httpc_header *hd = &res->headers[i];
		char *line;
		size_t n;

		if (hd->response != last || pass_skip_header(hd->name) ||
		    strcasecmp(hd->name, "Content-Type") == 0)
			continue;
		line = xasprintf("%s: %s\n", hd->name, hd->value);
		n = strlen(line);
		h = xrealloc(h, len + n + 1);
		memcpy(h + len, line, n + 1);
		len += n;
		free(line);
	}
	pthread_mutex_lock(&pp->mtx);
	pp->head = 1;
	pp->status = res->status;
	pp->ctype = xstrdup(res->content_type != NULL ? res->content_type :
	    "");
	pp->hdrs = h;
	pthread_cond_broadcast(&pp->cond);
	pthread_mutex_unlock(&pp->mtx);
	proxy_meter_head(pp->meter, res->status, res->content_type);
}

static int
pass_data_cb(void *arg, const char *buf, size_t len)
{
	struct proxy_pass	*pp = arg;

	if (http_stream_gone(pp->stream))
		return 1;
	if (http_stream_pending(pp->stream) > PASS_HIGH) {
		/* The client is behind: curl keeps these bytes for later. */
		if (!pp->down_paused) {
			pp->down_paused = 1;
			if (pp->p->npaused++ == 0)
				uv_timer_start(&pp->p->kick, pass_kick_cb,
				    PASS_KICK_MS, PASS_KICK_MS);
		}
		return HTTPC_DATA_PAUSE;
	}
	if (http_stream_write(pp->stream, buf, len) != 0)
		return 1;
	if (pp->meter != NULL) {
		proxy_meter_data(pp->meter, buf, len);
		pp->p->dirty = 1;
	}
	return 0;
}

static size_t
pass_read_cb(void *arg, char *buf, size_t max)
{
	struct proxy_pass	*pp = arg;
	size_t			 n;

	pthread_mutex_lock(&pp->mtx);
	n = pp->ulen - pp->uoff;
	if (n == 0) {
		if (!pp->up_eof) {
			pp->up_paused = 1;
			n = HTTPC_READ_PAUSE;
		}
		pthread_mutex_unlock(&pp->mtx);
		return n;
	}
	if (n > max)
		n = max;
	memcpy(buf, pp->ubuf + pp->uoff, n);
	pp->uoff += n;
	if (pp->uoff == pp->ulen)
		pp->uoff = pp->ulen = 0;
	pthread_cond_broadcast(&pp->cond);
	pthread_mutex_unlock(&pp->mtx);
	return n;
}

static void
pass_done_cb(void *arg, const struct httpc_result *res)
{
	struct proxy_pass	*pp = arg;
	char			*msg = NULL;

	pp->req = NULL;
	if (res->err != 0)
		msg = xasprintf("Ollama connection lost: %s", res->errmsg !=
		    NULL ? res->errmsg : strerror(-res->err));
	pass_end(pp, res->err, msg);
	free(msg);
	pass_unref(pp);			/* the loop's reference */
}

static void
pass_kick_cb(uv_timer_t *t)
{
	struct proxy		*p = t->data;
	struct proxy_pass	*pp, *next;

	for (pp = p->passes; pp != NULL; pp = next) {
		next = pp->next;
		if (!pp->down_paused)
			continue;
		if (http_stream_gone(pp->stream)) {
			httpc_cancel(pp->req);
			pp->req = NULL;
			pass_end(pp, -ECANCELED, "client disconnected");
			pass_unref(pp);
			continue;
		}
		if (http_stream_pending(pp->stream) < PASS_LOW) {
			pp->down_paused = 0;
			p->npaused--;
			httpc_resume(pp->req);
		}
	}
	if (p->npaused == 0)
		uv_timer_stop(t);
}

static void
pass_begin(void *arg)
{
	struct proxy_pass	*pp = arg;
	struct proxy		*p = pp->md->proxy;
	struct httpc_opts	 o;
	char			*url;

	if (p == NULL || pp->md->stopping) {
		pass_end(pp, -ECANCELED, "mlxd is stopping");
		return;
	}
	pp->p = p;
	url = xasprintf("%s%s", ollama_url(pp->md->ollama), pp->url);
	memset(&o, 0, sizeof(o));
	o.method = pp->method;
	o.url = url;
	o.connect_timeout_ms = 3000;
	o.headers = (const char *const *)pp->headers;
	o.headers_cb = pass_head_cb;
	o.data_cb = pass_data_cb;
	o.done_cb = pass_done_cb;
	o.arg = pp;
	if (pp->has_body) {
		o.read_cb = pass_read_cb;
		o.read_len = pp->body_len;
	}
	pass_ref(pp);			/* the loop's reference */
	pp->req = httpc_start(pp->md->httpc, &o);
	free(url);
	if (pp->req == NULL) {
		pass_end(pp, -EIO, "cannot start a request to Ollama");
		pass_unref(pp);
		return;
	}
	pp->listed = 1;
	pp->prev = NULL;
	pp->next = p->passes;
	if (p->passes != NULL)
		p->passes->prev = pp;
	p->passes = pp;
	if (pp->meter != NULL) {
		proxy_meter_begin(p, pp->meter);
		proxy_publish(p);
	}
}

static void
pass_resume(void *arg)
{
	struct proxy_pass	*pp = arg;

	if (pp->req != NULL)
		httpc_resume(pp->req);
}

static void
pass_cancel(void *arg)
{
	struct proxy_pass	*pp = arg;

	if (pp->req == NULL)
		return;
	httpc_cancel(pp->req);
	pp->req = NULL;
	log_debug("proxy: client left %s %s; cancelled upstream", pp->method,
	    pp->url);
	pass_end(pp, -ECANCELED, "client disconnected");
	pass_unref(pp);			/* the loop's reference */
}

/* See proxy_int.h. */
void
proxy_pass_stop_all(struct proxy *p)
{
	struct proxy_pass	*pp;

	while ((pp = p->passes) != NULL) {
		httpc_cancel(pp->req);
		pp->req = NULL;
		pass_end(pp, -ESHUTDOWN, "mlxd is stopping");
		pass_unref(pp);
	}
	uv_timer_stop(&p->kick);
}

/* See proxy_int.h. */
void
proxy_pass_active(struct proxy *p, json_t *active)
{
	struct proxy_pass	*pp;
	json_t			*e;

	for (pp = p->passes; pp != NULL; pp = pp->next) {
		if (!pp->metered)
			continue;
		pthread_mutex_lock(&pp->mtx);
		e = proxy_meter_active(pp->meter);
		pthread_mutex_unlock(&pp->mtx);
		if (e != NULL)
			json_array_append_new(active, e);
	}
}

/* Set up the timer the passes use (loop, from proxy_start). */
void
proxy_pass_init(struct proxy *p)
{
	uv_timer_init(p->md->loop, &p->kick);
	p->kick.data = p;
}

/* ---- on an HTTP thread -------------------------------------------------- */

struct pass_hdr_ctx {
	char	**v;
	size_t	  n, cap;
	int	  has_te;
};

static void
pass_collect_hdr(void *arg, const char *name, const char *value)
{
	struct pass_hdr_ctx	*c = arg;

	if (strcasecmp(name, "Transfer-Encoding") == 0)
		c->has_te = 1;
	if (pass_skip_header(name))
		return;
	if (c->n + 2 > c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->v = xreallocarray(c->v, c->cap, sizeof(*c->v));
	}
	c->v[c->n++] = xasprintf("%s: %s", name, value != NULL ? value : "");
	c->v[c->n] = NULL;
}

struct pass_q_ctx {
	char	*s;
	size_t	 len;
};

static void
pass_collect_query(void *arg, const char *key, const char *value)
{
	struct pass_q_ctx	*q = arg;
	char			*k, *v, *part;
	size_t			 n;

	k = httpc_urlenc(key, 0);
	v = value != NULL ? httpc_urlenc(value, 0) : NULL;
	part = xasprintf("%c%s%s%s", q->len == 0 ? '?' : '&', k,
	    v != NULL ? "=" : "", v != NULL ? v : "");
	free(k);
	free(v);
	n = strlen(part);
	q->s = xrealloc(q->s, q->len + n + 1);
	memcpy(q->s + q->len, part, n + 1);
	q->len += n;
	free(part);
}

/* Open a pass for req; the upstream request starts at once. */
struct proxy_pass *
proxy_pass_open(struct router_req *req, long long body_len)
{
	struct proxy_pass	*pp;
	struct pass_hdr_ctx	 hc = { NULL, 0, 0, 0 };
	struct pass_q_ctx	 qc = { NULL, 0 };
	const char		*cl;

	pp = xcalloc(1, sizeof(*pp));
	pthread_mutex_init(&pp->mtx, NULL);
	pthread_cond_init(&pp->cond, NULL);
	pp->refs = 1;
	pp->md = req->md;
	pp->method = xstrdup(req->method);
	http_conn_foreach(req->conn, 1, pass_collect_query, &qc);
	pp->url = xasprintf("%s%s", req->path, qc.s != NULL ? qc.s : "");
	free(qc.s);
	http_conn_foreach(req->conn, 0, pass_collect_hdr, &hc);
	if (hc.v == NULL) {
		hc.v = xcalloc(1, sizeof(*hc.v));
	}
	pp->headers = hc.v;
	if (body_len >= 0) {
		pp->has_body = body_len > 0;
		pp->body_len = body_len;
	} else if ((cl = router_header(req, "Content-Length")) != NULL) {
		pp->body_len = strtoll(cl, NULL, 10);
		pp->has_body = pp->body_len > 0;
	} else {
		pp->has_body = hc.has_te;
		pp->body_len = -1;
	}
	pp->meter = proxy_meter_new(pp->method, req->path, router_header(req,
	    "User-Agent"));
	pp->metered = pp->meter != NULL;
	pp->ubuf = xmalloc(PASS_UPCAP);
	pp->stream = http_stream_new("", PASS_STREAM_LIMIT);
	pp->hstream = pp->stream;
	http_stream_ref(pp->hstream);
	if (http_loop_call(req->md->http, pass_begin, pp) != 0) {
		pthread_mutex_lock(&pp->mtx);
		pp->ended = 1;
		pp->err = -ESHUTDOWN;
		pp->errmsg = xstrdup("mlxd is stopping");
		pthread_mutex_unlock(&pp->mtx);
	}
	return pp;
}

static void
pass_wake_loop(struct proxy_pass *pp, int kick)
{
	if (kick)
		(void)http_loop_call(pp->md->http, pass_resume, pp);
}

/* On the loop: the meter knows the model now; show it in the status. */
static void
pass_meter_known(void *arg)
{
	struct proxy_pass	*pp = arg;

	if (pp->listed && pp->p != NULL)
		proxy_publish(pp->p);
	pass_unref(pp);
}

/* Give the meter the request body once (HTTP thread). */
static void
pass_meter_body(struct proxy_pass *pp)
{
	int	known = 0;

	if (pp->mbody == NULL)
		return;
	pthread_mutex_lock(&pp->mtx);
	if (pp->meter != NULL) {
		proxy_meter_request(pp->meter, pp->mbody, pp->mlen);
		known = 1;
	}
	pthread_mutex_unlock(&pp->mtx);
	if (known) {
		pass_ref(pp);
		if (http_loop_call(pp->md->http, pass_meter_known, pp) != 0)
			pass_unref(pp);
	}
	free(pp->mbody);
	pp->mbody = NULL;
	pp->mlen = pp->mcap = 0;
}

/* Queue request body bytes for Ollama; blocks while the queue is full. */
int
proxy_pass_feed(struct proxy_pass *pp, const char *buf, size_t len)
{
	struct timespec	ts;
	size_t		n;
	int		kick;

	if (pp->metered && pp->mlen + len <= PASS_METER_MAXBODY) {
		if (pp->mlen + len + 1 > pp->mcap) {
			pp->mcap = (pp->mlen + len + 1) * 2;
			pp->mbody = xrealloc(pp->mbody, pp->mcap);
		}
		memcpy(pp->mbody + pp->mlen, buf, len);
		pp->mlen += len;
		/* Whole: read it before Ollama can have the last byte. */
		if (pp->body_len >= 0 && (long long)pp->mlen == pp->body_len)
			pass_meter_body(pp);
	}
	while (len > 0) {
		n = len < PASS_UPCAP / 2 ? len : PASS_UPCAP / 2;
		pthread_mutex_lock(&pp->mtx);
		while (!pp->ended && pp->ulen + n > PASS_UPCAP &&
		    pp->ulen - pp->uoff + n > PASS_UPCAP) {
			timeutil_deadline(&ts, PASS_WAIT_MS);
			(void)pthread_cond_timedwait(&pp->cond, &pp->mtx, &ts);
		}
		if (pp->ended) {
			pthread_mutex_unlock(&pp->mtx);
			return -EPIPE;
		}
		if (pp->ulen + n > PASS_UPCAP) {
			memmove(pp->ubuf, pp->ubuf + pp->uoff, pp->ulen -
			    pp->uoff);
			pp->ulen -= pp->uoff;
			pp->uoff = 0;
		}
		memcpy(pp->ubuf + pp->ulen, buf, n);
		pp->ulen += n;
		/* Wake the loop for a worthwhile amount, not every piece. */
		kick = pp->up_paused && pp->ulen - pp->uoff >= PASS_UPKICK;
		if (kick)
			pp->up_paused = 0;
		pthread_mutex_unlock(&pp->mtx);
		pass_wake_loop(pp, kick);
		buf += n;
		len -= n;
	}
	return 0;
}

static void
pass_gone_cb(void *arg)
{
	struct proxy_pass	*pp = arg;

	(void)http_loop_call(pp->md->http, pass_cancel, pp);
}

/* The body is in: wait for Ollama's reply head and reply with it. */
void
proxy_pass_reply(struct proxy_pass *pp, struct router_req *req)
{
	struct timespec	 ts;
	int		 kick, gone = 0, down;

	pass_meter_body(pp);
	pthread_mutex_lock(&pp->mtx);
	pp->up_eof = 1;
	kick = pp->up_paused;
	pp->up_paused = 0;
	pthread_mutex_unlock(&pp->mtx);
	pass_wake_loop(pp, kick);

	pthread_mutex_lock(&pp->mtx);
	while (!pp->head && !pp->ended) {
		timeutil_deadline(&ts, PROXY_GONE_POLL_MS);
		if (pthread_cond_timedwait(&pp->cond, &pp->mtx, &ts) ==
		    ETIMEDOUT && http_conn_gone(req->conn)) {
			gone = 1;
			break;
		}
	}
	pthread_mutex_unlock(&pp->mtx);
	if (gone) {
		(void)http_loop_call(req->md->http, pass_cancel, pp);
		router_reply_json(req, 499, json_pack("{s:s}", "error",
		    "client closed the request"));
		return;
	}
	if (!pp->head) {
		down = pp->err == -ECONNREFUSED || pp->err == -EHOSTUNREACH ||
		    pp->err == -ETIMEDOUT || pp->err == -ESHUTDOWN;
		router_reply_json(req, down ? 503 : 502, json_pack("{s:s}",
		    "error", pp->errmsg != NULL ? pp->errmsg :
		    "Ollama did not answer"));
		return;
	}
	http_stream_set_type(pp->hstream, pp->ctype);
	pass_ref(pp);		/* held by the stream until it is freed */
	http_stream_on_gone(pp->hstream, pass_gone_cb, pass_unref, pp);
	router_reply_stream(req, (int)pp->status, pp->hstream);
	pp->hstream = NULL;	/* the reply owns that reference now */
	if (pp->hdrs != NULL)
		req->reply.headers = xstrdup(pp->hdrs);
}

/* Release the pass; aborted: the client left before its reply. */
void
proxy_pass_close(struct proxy_pass *pp, int aborted)
{
	if (pp == NULL)
		return;
	if (aborted) {
		pthread_mutex_lock(&pp->mtx);
		pp->up_eof = 1;
		pthread_mutex_unlock(&pp->mtx);
		(void)http_loop_call(pp->md->http, pass_cancel, pp);
	}
	pass_unref(pp);
}

/* Pass a request whose body is already read through to Ollama. */
void
proxy_passthrough(struct router_req *req)
{
	struct proxy_pass	*pp;

	pp = proxy_pass_open(req, (long long)req->body_len);
	if (req->body_len > 0)
		(void)proxy_pass_feed(pp, req->body, req->body_len);
	proxy_pass_reply(pp, req);
	proxy_pass_close(pp, 0);
}
