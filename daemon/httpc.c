/* SPDX-License-Identifier: ISC */
/*
 * httpc.c: libcurl's multi interface driven by the libuv loop.
 *
 * Follows curl's multi-uv example: curl tells us which sockets to watch
 * (CURLMOPT_SOCKETFUNCTION) and when to wake (CURLMOPT_TIMERFUNCTION); each
 * watched socket gets a uv_poll_t, and one uv_timer_t serves the timeouts.
 * Completed transfers are reported through their done callback on the loop.
 * CURLcode values and transport errors are translated here and nowhere else.
 * On request, response headers are kept (every response of a followed
 * redirect chain) so callers can read metadata such as ETag or Location.
 *
 * Buffered requests to a loopback or numeric http:// address (Ollama's
 * poller) go through httpc_plain.c instead, and libcurl is loaded on the
 * first transfer that needs it (curlapi.h), so an idle daemon never maps
 * it or its TLS libraries.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "curlapi.h"
#include "httpc.h"
#include "httpc_plain.h"
#include "log.h"
#include "xmalloc.h"

static const struct curlapi	*cu;	/* set with the first multi handle */

struct httpc {
	uv_loop_t		*loop;
	CURLM			*multi;		/* NULL until libcurl is needed */
	uv_timer_t		 timer;
	int			 active;
	int			 closing;
	long			 stall_s;	/* default low_speed_s of streams */
	struct httpc_req	*reqs;		/* in-flight list */
};

struct httpc_req {
	struct httpc		*h;
	struct hplain		*plain;		/* a plain request, or */
	CURL			*easy;		/* a libcurl transfer */
	struct curl_slist	*headers;
	char			*url;		/* copy of o.url */
	char			*body;		/* request body copy */
	char			*buf;		/* buffered reply */
	size_t			 len, cap;
	int			 head_sent;
	int			 aborted;	/* data_cb asked to stop */
	struct httpc_header	*hdrs;		/* kept response headers */
	size_t			 nhdrs, hdrcap;
	int			 nresp;		/* status lines seen */
	char			 errbuf[CURL_ERROR_SIZE];
	struct httpc_opts	 o;
	struct httpc_req	*next, *prev;
};

struct httpc_sock {
	uv_poll_t		 poll;
	curl_socket_t		 fd;
	struct httpc		*h;
};

static void	httpc_check_done(struct httpc *h);

static void
httpc_sock_closed(uv_handle_t *handle)
{
	free(handle->data);
}

static void
httpc_poll_cb(uv_poll_t *poll, int status, int events)
{
	struct httpc_sock	*s = poll->data;
	int			 flags = 0, running;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	cu->multi_socket_action(s->h->multi, s->fd, flags, &running);
	httpc_check_done(s->h);
}

static int
httpc_socket_cb(CURL *easy, curl_socket_t fd, int action, void *userp,
    void *socketp)
{
	struct httpc		*h = userp;
	struct httpc_sock	*s = socketp;
	int			 events = 0;

	(void)easy;
	if (action == CURL_POLL_REMOVE) {
		if (s != NULL) {
			uv_poll_stop(&s->poll);
			uv_close((uv_handle_t *)&s->poll, httpc_sock_closed);
			cu->multi_assign(h->multi, fd, NULL);
		}
		return 0;
	}
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->fd = fd;
		s->h = h;
		if (uv_poll_init_socket(h->loop, &s->poll, fd) != 0) {
			free(s);
			return -1;
		}
		s->poll.data = s;
		cu->multi_assign(h->multi, fd, s);
	}
	if (action == CURL_POLL_IN || action == CURL_POLL_INOUT)
		events |= UV_READABLE;
	if (action == CURL_POLL_OUT || action == CURL_POLL_INOUT)
		events |= UV_WRITABLE;
	uv_poll_start(&s->poll, events, httpc_poll_cb);
	return 0;
}

static void
httpc_timer_cb(uv_timer_t *t)
{
	struct httpc	*h = t->data;
	int		 running;

	cu->multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	httpc_check_done(h);
}

static int
httpc_timer_set(CURLM *multi, long timeout_ms, void *userp)
{
	struct httpc	*h = userp;

	(void)multi;
	if (timeout_ms < 0)
		uv_timer_stop(&h->timer);
	else
		/* 0 runs on the next loop iteration, without recursing. */
		uv_timer_start(&h->timer, httpc_timer_cb, (uint64_t)timeout_ms,
		    0);
	return 0;
}

/* Create the client on loop. */
int
httpc_new(uv_loop_t *loop, struct httpc **hp)
{
	struct httpc	*h;
	int		 rc;

	h = xcalloc(1, sizeof(*h));
	h->loop = loop;
	if ((rc = uv_timer_init(loop, &h->timer)) != 0) {
		free(h);
		return rc;
	}
	h->timer.data = h;
	*hp = h;
	return 0;
}

/* The multi handle, made (and libcurl loaded) on first use; NULL if not. */
static CURLM *
httpc_multi(struct httpc *h)
{
	const char	*why = NULL;

	if (h->multi != NULL)
		return h->multi;
	if ((cu = curlapi_get(&why)) == NULL) {
		log_warnx("httpc: %s", why);
		return NULL;
	}
	if ((h->multi = cu->multi_init()) == NULL)
		return NULL;
	cu->multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, httpc_socket_cb);
	cu->multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	cu->multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, httpc_timer_set);
	cu->multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	return h->multi;
}

static void
httpc_hdrs_free(struct httpc_req *r)
{
	size_t	i;

	for (i = 0; i < r->nhdrs; i++) {
		free((char *)(uintptr_t)r->hdrs[i].name);
		free((char *)(uintptr_t)r->hdrs[i].value);
	}
	free(r->hdrs);
}

static void
httpc_req_free(struct httpc_req *r)
{
	struct httpc	*h = r->h;

	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		h->reqs = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	if (r->plain != NULL)
		hplain_abort(r->plain);
	if (r->easy != NULL) {
		cu->multi_remove_handle(h->multi, r->easy);
		cu->easy_cleanup(r->easy);
	}
	if (r->headers != NULL)
		cu->slist_free_all(r->headers);
	httpc_hdrs_free(r);
	free(r->url);
	free(r->body);
	free(r->buf);
	free(r);
	h->active--;
}

static void
httpc_timer_closed(uv_handle_t *handle)
{
	struct httpc	*h = handle->data;

	if (h->multi != NULL)
		cu->multi_cleanup(h->multi);
	free(h);
}

/* Abort everything and free the client once its handles are closed. */
void
httpc_free(struct httpc *h)
{
	if (h == NULL)
		return;
	h->closing = 1;
	while (h->reqs != NULL)
		httpc_req_free(h->reqs);
	uv_timer_stop(&h->timer);
	uv_close((uv_handle_t *)&h->timer, httpc_timer_closed);
}

/* See httpc.h. */
void
httpc_set_stall_timeout(struct httpc *h, long seconds)
{
	if (h != NULL)
		h->stall_s = seconds > 0 ? seconds : 0;
}

/* See httpc.h. */
void
httpc_fail_all(struct httpc *h, const char *why)
{
	struct httpc_result	 res;
	struct httpc_req	*r;

	if (h == NULL)
		return;
	h->closing = 1;		/* a done callback cannot start another */
	while ((r = h->reqs) != NULL) {
		memset(&res, 0, sizeof(res));
		res.err = -ECANCELED;
		res.errmsg = why;
		res.body = "";
		log_debug("httpc: %s cancelled: %s", r->url, why);
		if (r->o.done_cb != NULL)
			r->o.done_cb(r->o.arg, &res);
		/* The callback may have cancelled it already. */
		if (h->reqs == r)
			httpc_req_free(r);
	}
}

/* Put the kept headers (and an unfollowed redirect's target) into res. */
static void
httpc_fill_headers(struct httpc_req *r, struct httpc_result *res)
{
	char	*loc = NULL;

	if (!r->o.want_headers)
		return;
	res->headers = r->hdrs;
	res->nheaders = r->nhdrs;
	res->nresponses = r->nresp;
	cu->easy_getinfo(r->easy, CURLINFO_REDIRECT_URL, &loc);
	res->redirect_url = loc;
}

static void
httpc_send_head(struct httpc_req *r)
{
	struct httpc_result	 res;
	long			 status = 0;
	char			*ct = NULL;

	if (r->head_sent)
		return;
	r->head_sent = 1;
	if (r->o.head_cb == NULL && r->o.headers_cb == NULL)
		return;
	cu->easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	cu->easy_getinfo(r->easy, CURLINFO_CONTENT_TYPE, &ct);
	if (r->o.head_cb != NULL)
		r->o.head_cb(r->o.arg, status, ct);
	if (r->o.headers_cb != NULL) {
		memset(&res, 0, sizeof(res));
		res.status = status;
		res.content_type = ct;
		res.body = "";
		httpc_fill_headers(r, &res);
		r->o.headers_cb(r->o.arg, &res);
	}
}

/* Keep one response header line; a status line starts a new response. */
static size_t
httpc_header_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct httpc_req	*r = userdata;
	size_t			 n = size * nmemb, k, e, v;

	if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		r->nresp++;
		return n;
	}
	if (r->nresp == 0)
		return n;
	for (k = 0; k < n && ptr[k] != ':'; k++)
		;
	if (k == 0 || k == n || ptr[0] == ' ' || ptr[0] == '\t')
		return n;
	for (e = k; e > 0 && (ptr[e - 1] == ' ' || ptr[e - 1] == '\t'); e--)
		;
	for (v = k + 1; v < n && (ptr[v] == ' ' || ptr[v] == '\t'); v++)
		;
	while (n > v && (ptr[n - 1] == '\r' || ptr[n - 1] == '\n' ||
	    ptr[n - 1] == ' ' || ptr[n - 1] == '\t'))
		n--;
	if (r->nhdrs == r->hdrcap) {
		r->hdrcap = r->hdrcap ? r->hdrcap * 2 : 16;
		r->hdrs = xreallocarray(r->hdrs, r->hdrcap, sizeof(*r->hdrs));
	}
	r->hdrs[r->nhdrs].name = xstrndup(ptr, e);
	r->hdrs[r->nhdrs].value = xstrndup(ptr + v, n - v);
	r->hdrs[r->nhdrs].response = r->nresp - 1;
	r->nhdrs++;
	return size * nmemb;
}

static size_t
httpc_write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct httpc_req	*r = userdata;
	size_t			 n = size * nmemb;

	httpc_send_head(r);
	if (r->o.data_cb != NULL) {
		int rc = r->o.data_cb(r->o.arg, ptr, n);
		if (rc == HTTPC_DATA_PAUSE)
			return CURL_WRITEFUNC_PAUSE;
		if (rc != 0) {
			r->aborted = 1;
			return 0;
		}
		return n;
	}
	if (r->len + n + 1 > r->cap) {
		r->cap = (r->len + n + 1) * 2;
		r->buf = xrealloc(r->buf, r->cap);
	}
	memcpy(r->buf + r->len, ptr, n);
	r->len += n;
	r->buf[r->len] = '\0';
	return n;
}

static size_t
httpc_read_fn(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct httpc_req	*r = userdata;
	size_t			 n;

	n = r->o.read_cb(r->o.arg, buf, size * nitems);
	if (n == HTTPC_READ_PAUSE)
		return CURL_READFUNC_PAUSE;
	if (n == HTTPC_READ_ABORT)
		return CURL_READFUNC_ABORT;
	return n;
}

static void
httpc_link(struct httpc *h, struct httpc_req *r)
{
	r->next = h->reqs;
	if (h->reqs != NULL)
		h->reqs->prev = r;
	h->reqs = r;
	h->active++;
}

/* A plain request ended: report it as a libcurl one would be. */
static void
httpc_plain_done(void *arg, const struct httpc_result *res)
{
	struct httpc_req	*r = arg;

	r->plain = NULL;	/* it frees itself */
	if (res->err == 0 && r->o.head_cb != NULL)
		r->o.head_cb(r->o.arg, res->status, res->content_type);
	log_debug("httpc: %s done: status %ld err %d", r->o.url, res->status,
	    res->err);
	if (r->o.done_cb != NULL)
		r->o.done_cb(r->o.arg, res);
	httpc_req_free(r);
}

/* Start a request. */
struct httpc_req *
httpc_start(struct httpc *h, const struct httpc_opts *o)
{
	struct httpc_req	*r;
	const char		*method = o->method ? o->method : "GET";
	size_t			 i;

	if (h->closing)
		return NULL;
	r = xcalloc(1, sizeof(*r));
	r->h = h;
	r->o = *o;
	if (o->headers_cb != NULL)
		r->o.want_headers = 1;
	if ((r->plain = hplain_start(h->loop, o, httpc_plain_done, r)) !=
	    NULL) {
		r->url = xstrdup(o->url);
		r->o.url = r->url;
		r->o.body = NULL;
		r->o.headers = NULL;
		httpc_link(h, r);
		return r;
	}
	if (httpc_multi(h) == NULL || (r->easy = cu->easy_init()) == NULL) {
		free(r);
		return NULL;
	}
	r->url = xstrdup(o->url);
	r->o.url = r->url;
	cu->easy_setopt(r->easy, CURLOPT_URL, r->url);
	cu->easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	cu->easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, httpc_write_cb);
	cu->easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	cu->easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->errbuf);
	cu->easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	cu->easy_setopt(r->easy, CURLOPT_USERAGENT, o->user_agent ?
	    o->user_agent : "mlxd/" MLXD_VERSION);
	cu->easy_setopt(r->easy, CURLOPT_TCP_NODELAY, 1L);
	cu->easy_setopt(r->easy, CURLOPT_ACCEPT_ENCODING, NULL);
	if (o->timeout_ms > 0)
		cu->easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	cu->easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    o->connect_timeout_ms > 0 ? o->connect_timeout_ms :
	    HTTPC_CONNECT_TIMEOUT_MS);
	if (o->low_speed_s > 0 || (o->data_cb != NULL && h->stall_s > 0)) {
		cu->easy_setopt(r->easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
		cu->easy_setopt(r->easy, CURLOPT_LOW_SPEED_TIME,
		    o->low_speed_s > 0 ? o->low_speed_s : h->stall_s);
	}
	/* Also for a GET with a body, which must stay a GET. */
	if (strcmp(method, "GET") != 0 || o->body != NULL ||
	    o->read_cb != NULL)
		cu->easy_setopt(r->easy, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		cu->easy_setopt(r->easy, CURLOPT_NOBODY, 1L);
	if (o->follow) {
		/*
		 * libcurl sends a custom Authorization header only to the
		 * host and port of the first request (CURLOPT_UNRESTRICTED_AUTH
		 * stays off), so a token never reaches a redirect's CDN host.
		 */
		cu->easy_setopt(r->easy, CURLOPT_FOLLOWLOCATION, 1L);
		cu->easy_setopt(r->easy, CURLOPT_MAXREDIRS, 10L);
	}
	if (r->o.want_headers) {
		cu->easy_setopt(r->easy, CURLOPT_HEADERFUNCTION,
		    httpc_header_cb);
		cu->easy_setopt(r->easy, CURLOPT_HEADERDATA, r);
	}
	if (o->body != NULL) {
		r->body = xmalloc(o->body_len + 1);
		memcpy(r->body, o->body, o->body_len);
		r->body[o->body_len] = '\0';
		cu->easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body);
		cu->easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)o->body_len);
		if (!o->no_ctype)
			r->headers = cu->slist_append(r->headers,
			    "Content-Type: application/json");
	} else if (o->read_cb != NULL) {
		cu->easy_setopt(r->easy, CURLOPT_UPLOAD, 1L);
		cu->easy_setopt(r->easy, CURLOPT_READFUNCTION, httpc_read_fn);
		cu->easy_setopt(r->easy, CURLOPT_READDATA, r);
		if (o->read_len >= 0)
			cu->easy_setopt(r->easy, CURLOPT_INFILESIZE_LARGE,
			    (curl_off_t)o->read_len);
	}
	/* Don't let curl wait for 100-continue on larger bodies. */
	r->headers = cu->slist_append(r->headers, "Expect:");
	for (i = 0; o->headers != NULL && o->headers[i] != NULL; i++)
		r->headers = cu->slist_append(r->headers, o->headers[i]);
	cu->easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
	r->o.body = NULL;
	r->o.headers = NULL;
	if (cu->multi_add_handle(h->multi, r->easy) != CURLM_OK) {
		cu->easy_cleanup(r->easy);
		cu->slist_free_all(r->headers);
		free(r->url);
		free(r->body);
		free(r);
		return NULL;
	}
	httpc_link(h, r);
	return r;
}

/* Abort one transfer without calling its done callback. */
void
httpc_cancel(struct httpc_req *r)
{
	if (r != NULL)
		httpc_req_free(r);
}

/* Continue a paused transfer. */
void
httpc_resume(struct httpc_req *r)
{
	if (r != NULL && r->easy != NULL)
		cu->easy_pause(r->easy, CURLPAUSE_CONT);
}

/* Transfers in flight. */
int
httpc_active(const struct httpc *h)
{
	return h->active;
}

/* Percent-encode s. */
char *
httpc_urlenc(const char *s, int keep_slash)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			*out, *o;
	unsigned char		 c;

	out = o = xmalloc(strlen(s) * 3 + 1);
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~' || (keep_slash && c == '/'))
			*o++ = (char)c;
		else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return out;
}

/* First header called name in one response of res, or NULL. */
const char *
httpc_header(const struct httpc_result *res, const char *name, int response)
{
	size_t	i;

	if (response < 0)
		response = res->nresponses - 1;
	for (i = 0; i < res->nheaders; i++)
		if (res->headers[i].response == response &&
		    strcasecmp(res->headers[i].name, name) == 0)
			return res->headers[i].value;
	return NULL;
}

static int
httpc_curl_errno(CURLcode cc)
{
	switch (cc) {
	case CURLE_OK:
		return 0;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
		return -ECONNRESET;
	case CURLE_SEND_ERROR:
		return -EPIPE;
	case CURLE_WRITE_ERROR:
	case CURLE_ABORTED_BY_CALLBACK:
		return -ECANCELED;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return -EINVAL;
	default:
		return -EIO;
	}
}

static void
httpc_check_done(struct httpc *h)
{
	struct httpc_result	 res;
	struct httpc_req	*r;
	CURLMsg			*msg;
	char			*ct;
	int			 left;

	while ((msg = cu->multi_info_read(h->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		cu->easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    (char **)&r);
		memset(&res, 0, sizeof(res));
		res.err = httpc_curl_errno(msg->data.result);
		if (r->aborted)
			res.err = -ECANCELED;
		if (res.err != 0)
			res.errmsg = r->errbuf[0] != '\0' ? r->errbuf :
			    cu->easy_strerror(msg->data.result);
		cu->easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &res.status);
		ct = NULL;
		cu->easy_getinfo(r->easy, CURLINFO_CONTENT_TYPE, &ct);
		res.content_type = ct;
		httpc_fill_headers(r, &res);
		if (res.err == 0)
			httpc_send_head(r);
		res.body = r->buf != NULL ? r->buf : "";
		res.len = r->len;
		log_debug("httpc: %s done: status %ld err %d", r->o.url,
		    res.status, res.err);
		if (r->o.done_cb != NULL)
			r->o.done_cb(r->o.arg, &res);
		httpc_req_free(r);
	}
}
