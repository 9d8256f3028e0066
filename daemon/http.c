/* SPDX-License-Identifier: ISC */
/*
 * http.c: libmicrohttpd on the private Unix socket.
 *
 * We create, bind and chmod the socket ourselves (directory 0700 owned by
 * us, socket 0600, a live daemon on the path is never disturbed, a stale
 * file is removed) and hand it to MHD, which runs a thread per connection.
 * Every connection's peer uid is checked when it opens; another user's
 * requests get 403. Request bodies are collected up to ROUTER_MAXBODY, or
 * generation.max_body_bytes for generation routes (413 beyond), then
 * router_dispatch() runs on the connection's thread. On the proxy listener,
 * requests mlxd does not meter itself are handed to the streamed
 * pass-through (proxy_pass_*) as soon as their head is in, and their bodies
 * go to Ollama piece by piece as they arrive.
 *
 * Streamed replies and calls onto the loop live in http_stream.c; this
 * file hands a stream to MHD as a content-reader response. MHD_* values
 * never leave these two files.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "http.h"
#include "http_guard.h"
#include "http_int.h"
#include "log.h"
#include "mlxd.h"
#include "mlxd_config.h"
#include "osdep.h"
#include "proxy.h"
#include "router.h"
#include "timeutil.h"
#include "xmalloc.h"

struct http_ctx {
	char			*body;
	size_t			 len, cap, limit;
	int			 too_large;
	int			 counted;
	struct proxy_pass	*pass;		/* streamed pass-through */
	int			 replied;
	int			 early;		/* answered from the head */
};

/* A query parameter of the request on conn. */
const char *
http_conn_query(void *conn, const char *key)
{
	if (conn == NULL)
		return NULL;
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
}

/* A header of the request on conn. */
const char *
http_conn_header(void *conn, const char *name)
{
	if (conn == NULL)
		return NULL;
	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

struct http_foreach_ctx {
	void	(*fn)(void *, const char *, const char *);
	void	*arg;
};

static enum MHD_Result
http_foreach_cb(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct http_foreach_ctx	*c = cls;

	(void)kind;
	c->fn(c->arg, key, value);
	return MHD_YES;
}

/* Every query argument or header of the request on conn. */
void
http_conn_foreach(void *conn, int query, void (*fn)(void *, const char *,
    const char *), void *arg)
{
	struct http_foreach_ctx	c = { fn, arg };

	if (conn == NULL)
		return;
	(void)MHD_get_connection_values(conn, query ? MHD_GET_ARGUMENT_KIND :
	    MHD_HEADER_KIND, http_foreach_cb, &c);
}

/* Whether the client of a request has hung up. */
int
http_conn_gone(void *conn)
{
	const union MHD_ConnectionInfo	*ci;

	if (conn == NULL)
		return 0;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	return ci != NULL && http_peer_closed(ci->connect_fd);
}

/* ---- MHD callbacks ------------------------------------------------------ */

static void
http_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char	buf[512];
	size_t	n;

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	log_debug("http: libmicrohttpd: %s", buf);
}

/* ---- request-head deadline (TCP) ---------------------------------------- */

static uint64_t
http_now_ms(void)
{
	return uv_hrtime() / 1000000ULL;
}

/* Start the head deadline of a TCP connection (http->mtx held). */
static void
http_head_arm(struct http *http, struct http_conn *hc)
{
	hc->head_since_ms = http_now_ms();
	if (hc->waiting)
		return;
	hc->waiting = 1;
	hc->prev = NULL;
	hc->next = http->heads;
	if (hc->next != NULL)
		hc->next->prev = hc;
	http->heads = hc;
}

/* The head is in, or the connection is gone (http->mtx held). */
static void
http_head_disarm(struct http *http, struct http_conn *hc)
{
	if (!hc->waiting)
		return;
	hc->waiting = 0;
	if (hc->prev != NULL)
		hc->prev->next = hc->next;
	else
		http->heads = hc->next;
	if (hc->next != NULL)
		hc->next->prev = hc->prev;
	hc->next = hc->prev = NULL;
}

/*
 * Once a second: a TCP connection that has not delivered a whole request
 * head within http.head_timeout_s (however slowly it trickles bytes) is
 * shut down, so slow clients cannot hold every connection slot. Runs on
 * the loop thread, as a reload does, so the setting is read directly.
 */
static void
http_head_timer_cb(uv_timer_t *t)
{
	struct http		*http = t->data;
	struct http_conn	*hc, *next;
	uint64_t		 now = http_now_ms(), limit;

	limit = (uint64_t)http->md->cfg->http_head_timeout_s * 1000;
	pthread_mutex_lock(&http->mtx);
	for (hc = http->heads; hc != NULL; hc = next) {
		next = hc->next;
		if (now - hc->head_since_ms < limit)
			continue;
		log_debug("http: closing a connection that sent no request "
		    "head within %llu ms", (unsigned long long)limit);
		/* MHD closes the descriptor only after NOTIFY_CLOSED. */
		(void)shutdown(hc->fd, SHUT_RDWR);
		http_head_disarm(http, hc);
	}
	pthread_mutex_unlock(&http->mtx);
}

/* No more deadlines: MHD closes every connection itself (mtx held). */
static void
http_head_stop(struct http *http)
{
	while (http->heads != NULL)
		http_head_disarm(http, http->heads);
	uv_timer_stop(&http->head_timer);
}

static struct http_conn *
http_conn_ctx(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo	*ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

static void
http_notify_connection(void *cls, struct MHD_Connection *conn,
    void **socket_context, enum MHD_ConnectionNotificationCode toe)
{
	struct http_listener		*l = cls;
	const union MHD_ConnectionInfo	*ci;
	struct http_conn		*hc;
	uid_t				 uid;
	int				 rc;

	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		if ((hc = *socket_context) != NULL) {
			pthread_mutex_lock(&l->http->mtx);
			http_head_disarm(l->http, hc);
			pthread_mutex_unlock(&l->http->mtx);
		}
		free(*socket_context);
		*socket_context = NULL;
		return;
	}
	hc = xcalloc(1, sizeof(*hc));
	hc->fd = -1;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (l->kind != ROUTER_LISTENER_UNIX) {
		/* TCP listeners are loopback unless configured; tokens decide. */
		hc->allowed = 1;
		if (ci != NULL) {
			hc->fd = ci->connect_fd;
			pthread_mutex_lock(&l->http->mtx);
			http_head_arm(l->http, hc);
			pthread_mutex_unlock(&l->http->mtx);
		}
		*socket_context = hc;
		return;
	}
	if (ci != NULL && (rc = osdep_peer_uid(ci->connect_fd, &uid)) == 0)
		hc->allowed = uid == geteuid();
	else
		log_debug("http: cannot learn the peer's uid");
	*socket_context = hc;
}

static void
http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http		*http = cls;
	struct http_ctx		*ctx = *con_cls;
	struct http_conn	*hc;

	(void)toe;
	if (ctx == NULL)
		return;
	if (ctx->pass != NULL) {
		proxy_pass_close(ctx->pass, !ctx->replied ||
		    toe != MHD_REQUEST_TERMINATED_COMPLETED_OK);
		ctx->pass = NULL;
	}
	/* A kept-alive TCP connection gets the same deadline again. */
	if ((hc = http_conn_ctx(conn)) != NULL && hc->fd >= 0) {
		pthread_mutex_lock(&http->mtx);
		if (!http->stopping)
			http_head_arm(http, hc);
		pthread_mutex_unlock(&http->mtx);
	}
	if (ctx->counted) {
		pthread_mutex_lock(&http->mtx);
		http->nrequests--;
		pthread_cond_broadcast(&http->cond);
		pthread_mutex_unlock(&http->mtx);
	}
	free(ctx->body);
	free(ctx);
	*con_cls = NULL;
}

static enum MHD_Result
http_queue(struct MHD_Connection *conn, struct router_req *req)
{
	struct MHD_Response	*resp;
	struct router_reply	*r = &req->reply;
	struct http_stream	*s = r->stream;
	const union MHD_ConnectionInfo *ci;
	struct http		*http = req->md->http;
	enum MHD_Result		 ret;

	if (s != NULL) {
		ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		s->fd = ci != NULL ? ci->connect_fd : -1;
		s->http = http;
		pthread_mutex_lock(&http->mtx);
		s->next = http->streams;
		if (s->next != NULL)
			s->next->prev = s;
		http->streams = s;
		if (http->stopping)
			http_stream_close(s);
		pthread_mutex_unlock(&http->mtx);
		resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
		    16 * 1024, http_stream_reader, s, http_stream_free_cb);
		if (resp == NULL) {
			http_stream_free_cb(s);
			return MHD_NO;
		}
		if (s->content_type[0] != '\0')
			MHD_add_response_header(resp,
			    MHD_HTTP_HEADER_CONTENT_TYPE, s->content_type);
		if (r->headers == NULL)
			MHD_add_response_header(resp, "X-Accel-Buffering",
			    "no");
	} else {
		resp = MHD_create_response_from_buffer(r->len, r->body,
		    MHD_RESPMEM_MUST_FREE);
		if (resp == NULL)
			return MHD_NO;
		r->body = NULL;
		if (r->content_type != NULL)
			MHD_add_response_header(resp,
			    MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
		if (r->allow != NULL)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
			    r->allow);
		if (r->status == 401)
			MHD_add_response_header(resp,
			    MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	}
	if (r->headers != NULL) {
		/* Relayed as they came. */
		char *line, *next, *colon;
		for (line = r->headers; *line != '\0'; line = next) {
			if ((next = strchr(line, '\n')) == NULL)
				next = line + strlen(line);
			else
				*next++ = '\0';
			if ((colon = strchr(line, ':')) == NULL)
				continue;
			*colon = '\0';
			MHD_add_response_header(resp, line, colon + 1 +
			    strspn(colon + 1, " "));
		}
	} else
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
		    "no-store");
	ret = MHD_queue_response(conn, (unsigned int)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Constant-time comparison of a presented token with the configured one. */
static int
http_token_ok(const char *want, const char *header)
{
	size_t		 i, n;
	unsigned char	 d = 0;

	if (want == NULL || *want == '\0' || header == NULL ||
	    strncmp(header, "Bearer ", 7) != 0)
		return 0;
	header += 7;
	n = strlen(want);
	if (strlen(header) != n)
		return 0;
	for (i = 0; i < n; i++)
		d |= (unsigned char)(want[i] ^ header[i]);
	return d == 0;
}

/*
 * The largest body buffered for a request: generation bodies (images) may
 * be up to generation.max_body_bytes, others ROUTER_MAXBODY.
 */
static size_t
http_body_limit(struct http *http, enum router_listener kind,
    const char *method, const char *url)
{
	if (strcmp(method, "POST") == 0 && (((kind == ROUTER_LISTENER_UNIX ||
	    kind == ROUTER_LISTENER_TCP) && (strcmp(url, "/v1/generate") == 0 ||
	    strcmp(url, "/v1/chat") == 0)) || (kind == ROUTER_LISTENER_PROXY &&
	    proxy_metered(method, url))))
		return (size_t)http->md->cfg->generation_max_body_bytes;
	return ROUTER_MAXBODY;
}

/*
 * The browser-origin defence of TCP listeners: NULL if the request may go
 * on, else why not. See http_guard.c.
 */
static const char *
http_guard_refusal(struct http_listener *l, struct MHD_Connection *conn)
{
	const char	*host, *origin;

	if (l->kind == ROUTER_LISTENER_UNIX)
		return NULL;
	host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_HOST);
	if (l->host != NULL && !http_guard_host_ok(host, l->host))
		return "the Host header does not name this machine's loopback "
		    "address";
	origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_ORIGIN);
	if (!http_guard_origin_ok(origin, l->http->origins,
	    l->http->norigins))
		return "origin not allowed; add it to proxy.origins or "
		    "OLLAMA_ORIGINS";
	return NULL;
}

/*
 * Answer as soon as the head is in, before any body is read (so a client
 * that sent "Expect: 100-continue" gets no "100 Continue"). The proxy
 * listener speaks Ollama's error shape.
 */
static enum MHD_Result
http_reply_now(struct http_listener *l, struct MHD_Connection *conn,
    const char *method, const char *url, int status, const char *code,
    const char *msg)
{
	struct router_req	req;
	enum MHD_Result		ret;

	memset(&req, 0, sizeof(req));
	req.md = l->http->md;
	req.listener = l->kind;
	req.method = method;
	req.path = url;
	req.body = "";
	req.conn = conn;
	if (l->kind == ROUTER_LISTENER_PROXY)
		router_reply_json(&req, status, json_pack("{s:s}", "error",
		    msg));
	else
		router_reply_error(&req, status, code, "%s", msg);
	log_debug("http: %s %s -> %d (%s)", method, url, status, msg);
	ret = http_queue(conn, &req);
	router_reply_clear(&req.reply);
	return ret;
}

/* First call for a request: the head is complete. */
static enum MHD_Result
http_head_in(struct http_listener *l, struct MHD_Connection *conn,
    const char *method, const char *url, struct http_ctx *ctx)
{
	struct http_conn	*hc;
	const char		*why, *cl, *expect;
	char			 msg[64];

	if ((hc = http_conn_ctx(conn)) != NULL && hc->fd >= 0) {
		pthread_mutex_lock(&l->http->mtx);
		http_head_disarm(l->http, hc);
		pthread_mutex_unlock(&l->http->mtx);
	}
	if ((why = http_guard_refusal(l, conn)) != NULL) {
		ctx->early = 1;
		return http_reply_now(l, conn, method, url, 403, "forbidden",
		    why);
	}
	/*
	 * A client that waits for "100 Continue" hears 413 instead; others
	 * send the body anyway, so it is read (and dropped) before the 413.
	 */
	cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_EXPECT);
	if (cl != NULL && expect != NULL && strcasecmp(expect,
	    "100-continue") == 0 && strtoull(cl, NULL, 10) > ctx->limit &&
	    !(l->kind == ROUTER_LISTENER_PROXY &&
	    !proxy_metered(method, url))) {
		snprintf(msg, sizeof(msg), "request body exceeds %zu bytes",
		    ctx->limit);
		ctx->early = 1;
		return http_reply_now(l, conn, method, url, 413, "too_large",
		    msg);
	}
	return MHD_YES;
}

static enum MHD_Result
http_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct http_listener		*l = cls;
	struct http			*http = l->http;
	struct http_ctx			*ctx = *con_cls;
	struct http_conn		*hc;
	const union MHD_ConnectionInfo	*ci;
	struct router_req		 req;
	enum MHD_Result			 ret;

	(void)version;
	if (ctx == NULL) {
		ctx = xcalloc(1, sizeof(*ctx));
		*con_cls = ctx;
		pthread_mutex_lock(&http->mtx);
		http->nrequests++;
		ctx->counted = 1;
		pthread_mutex_unlock(&http->mtx);
		ctx->limit = http_body_limit(http, l->kind, method, url);
		/* Host/Origin, Expect: refused before any body or pass. */
		ret = http_head_in(l, conn, method, url, ctx);
		if (ctx->early)
			return ret;
		if (l->kind == ROUTER_LISTENER_PROXY &&
		    !proxy_metered(method, url)) {
			/* Streamed through to Ollama as it arrives. */
			memset(&req, 0, sizeof(req));
			req.md = http->md;
			req.listener = l->kind;
			req.method = method;
			req.path = url;
			req.body = "";
			req.conn = conn;
			ctx->pass = proxy_pass_open(&req, -1);
		}
		return ret;
	}
	if (ctx->early) {
		/* Answered from the head: drop whatever body still comes. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (ctx->pass != NULL) {
		if (*upload_data_size > 0) {
			(void)proxy_pass_feed(ctx->pass, upload_data,
			    *upload_data_size);
			*upload_data_size = 0;
			return MHD_YES;
		}
		memset(&req, 0, sizeof(req));
		req.md = http->md;
		req.listener = l->kind;
		req.method = method;
		req.path = url;
		req.body = "";
		req.conn = conn;
		proxy_pass_reply(ctx->pass, &req);
		ctx->replied = 1;
		log_debug("http: %s %s -> %d (pass-through)", method, url,
		    req.reply.status);
		ret = http_queue(conn, &req);
		router_reply_clear(&req.reply);
		return ret;
	}
	if (*upload_data_size > 0) {
		if (!ctx->too_large && ctx->len + *upload_data_size >
		    ctx->limit) {
			ctx->too_large = 1;
			free(ctx->body);
			ctx->body = NULL;
			ctx->len = ctx->cap = 0;
		}
		if (!ctx->too_large) {
			if (ctx->len + *upload_data_size + 1 > ctx->cap) {
				ctx->cap = (ctx->len + *upload_data_size + 1) *
				    2;
				if (ctx->cap > ctx->limit + 1)
					ctx->cap = ctx->limit + 1;
				ctx->body = xrealloc(ctx->body, ctx->cap);
			}
			memcpy(ctx->body + ctx->len, upload_data,
			    *upload_data_size);
			ctx->len += *upload_data_size;
			ctx->body[ctx->len] = '\0';
		}
		*upload_data_size = 0;
		return MHD_YES;
	}

	memset(&req, 0, sizeof(req));
	req.md = http->md;
	req.listener = l->kind;
	req.authorized = l->kind == ROUTER_LISTENER_UNIX ||
	    (l->kind == ROUTER_LISTENER_TCP && http_token_ok(l->token,
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION)));
	req.method = method;
	req.path = url;
	req.body = ctx->body != NULL ? ctx->body : "";
	req.body_len = ctx->len;
	req.conn = conn;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	hc = ci != NULL ? ci->socket_context : NULL;
	if (hc == NULL || !hc->allowed)
		router_reply_error(&req, 403, "forbidden", "this socket "
		    "serves only the user who runs mlxd");
	else if (ctx->too_large)
		router_reply_error(&req, 413, "too_large", "request body "
		    "exceeds %zu bytes", ctx->limit);
	else
		router_dispatch(&req);
	log_debug("http: %s %s -> %d", method, url, req.reply.status);
	ret = http_queue(conn, &req);
	router_reply_clear(&req.reply);
	return ret;
}

/* ---- start and stop ----------------------------------------------------- */

static void	http_async_closed(uv_handle_t *);

/*
 * The socket's directory: created 0700 when missing (with its parents);
 * an existing one must be ours and writable by nobody else, or start-up
 * refuses with the fix. mlxd never changes the mode of what it did not
 * create.
 */
static int
http_prepare_dir(const char *path, char **causep)
{
	char		*dir, *slash, *p;
	struct stat	 sb;
	int		 rc = 0;

	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir) {
		free(dir);
		return 0;
	}
	*slash = '\0';
	if (stat(dir, &sb) != 0) {
		if (errno != ENOENT) {
			rc = -errno;
			*causep = xasprintf("cannot use %s: %s", dir,
			    strerror(-rc));
			goto out;
		}
		/* Parents may be missing (e.g. ~/Library/Application Support). */
		for (p = dir + 1; *p != '\0'; p++) {
			if (*p != '/')
				continue;
			*p = '\0';
			(void)mkdir(dir, 0700);
			*p = '/';
		}
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			rc = -errno;
			*causep = xasprintf("cannot create %s: %s", dir,
			    strerror(-rc));
			goto out;
		}
		if (stat(dir, &sb) != 0) {
			rc = -errno;
			*causep = xasprintf("cannot use %s: %s", dir,
			    strerror(-rc));
			goto out;
		}
	}
	if (!S_ISDIR(sb.st_mode)) {
		*causep = xasprintf("%s is not a directory; choose another "
		    "--socket", dir);
		rc = -ENOTDIR;
	} else if (sb.st_uid != geteuid()) {
		*causep = xasprintf("%s belongs to uid %ld, not to uid %ld; put "
		    "the socket in a directory of your own (--socket)", dir,
		    (long)sb.st_uid, (long)geteuid());
		rc = -EACCES;
	} else if ((sb.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    (sb.st_mode & S_ISVTX) != 0) {
		*causep = xasprintf("%s is a shared directory (mode %04o); put "
		    "the socket in a private directory, e.g. --socket "
		    "%s/mlxd-%ld/mlxd.sock", dir,
		    (unsigned)(sb.st_mode & 07777), dir, (long)geteuid());
		rc = -EACCES;
	} else if ((sb.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		*causep = xasprintf("%s is writable by other users (mode %04o); "
		    "run 'chmod go-w %s' or put the socket in a private "
		    "directory (--socket)", dir, (unsigned)(sb.st_mode & 07777),
		    dir);
		rc = -EACCES;
	}
out:
	free(dir);
	return rc;
}

/* Check the socket path as start-up would, creating nothing (mlxd -n). */
int
http_check_socket_path(const char *path, char **causep)
{
	struct sockaddr_un	 sun;
	struct stat		 sb;
	char			*dir, *slash;
	int			 rc = 0;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		*causep = xasprintf("socket path too long (%zu bytes, at most "
		    "%zu): %s", strlen(path), sizeof(sun.sun_path) - 1, path);
		return -ENAMETOOLONG;
	}
	if (lstat(path, &sb) == 0 && !S_ISSOCK(sb.st_mode)) {
		*causep = xasprintf("%s exists and is not a socket; remove it "
		    "or choose another --socket", path);
		return -EEXIST;
	}
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		/* A missing directory would be created; an existing one must do. */
		if (stat(dir, &sb) == 0)
			rc = http_prepare_dir(path, causep);
	}
	free(dir);
	return rc;
}

/* 1 if something answers on the Unix socket at path. */
int
http_probe(const char *path)
{
	struct sockaddr_un	sun;
	int			fd, up;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return 0;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return 0;
	up = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return up;
}

/* Remove a stale socket at path; anything that is not a socket stays. */
static int
http_remove_stale(const char *path, char **causep)
{
	struct stat	sb;

	if (lstat(path, &sb) != 0)
		return 0;
	if (!S_ISSOCK(sb.st_mode)) {
		*causep = xasprintf("%s exists and is not a socket; remove it "
		    "or choose another --socket", path);
		return -EEXIST;
	}
	if (unlink(path) == 0)
		log_info("http: removed stale socket %s", path);
	return 0;
}

/* Bind the Unix socket, leaving a live daemon's socket alone. */
static int
http_bind(const char *path, int *fdp, char **causep)
{
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		*causep = xasprintf("socket path too long (%zu bytes, at most "
		    "%zu): %s", strlen(path), sizeof(sun.sun_path) - 1, path);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, path);

	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) {
		*causep = xasprintf("socket: %s", strerror(errno));
		return -errno;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(fd);
		*causep = xasprintf("another mlxd is already running on %s",
		    path);
		return -EADDRINUSE;
	}
	if (errno != ECONNREFUSED && errno != ENOENT) {
		rc = -errno;
		close(fd);
		*causep = xasprintf("cannot check %s: %s", path, strerror(-rc));
		return rc;
	}
	close(fd);
	if ((rc = http_remove_stale(path, causep)) != 0)
		return rc;

	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) {
		*causep = xasprintf("socket: %s", strerror(errno));
		return -errno;
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc != 0 || chmod(path, 0600) != 0 || listen(fd, 128) != 0) {
		rc = -errno;
		*causep = xasprintf("cannot listen on %s: %s", path,
		    strerror(-rc));
		close(fd);
		return rc;
	}
	*fdp = fd;
	return 0;
}

/* Keep a copy of the allowed extra origins (proxy.origins). */
static void
http_copy_origins(struct http *http, const struct config_strlist *l)
{
	int	i;

	http->origins = l->n > 0 ? xcalloc((size_t)l->n,
	    sizeof(*http->origins)) : NULL;
	for (i = 0; i < l->n; i++)
		http->origins[i] = xstrdup(l->v[i]);
	http->norigins = l->n;
}

static void
http_free_origins(struct http *http)
{
	int	i;

	for (i = 0; i < http->norigins; i++)
		free(http->origins[i]);
	free(http->origins);
	http->origins = NULL;
	http->norigins = 0;
}

/* Start serving on the Unix socket at path. */
int
http_start(struct mlxd *md, const char *path, struct http **httpp,
    char **causep)
{
	struct http	*http;
	struct stat	 sb;
	int		 rc;

	if ((rc = http_prepare_dir(path, causep)) != 0)
		return rc;
	http = xcalloc(1, sizeof(*http));
	http->md = md;
	http->fd = -1;
	http->path = xstrdup(path);
	pthread_mutex_init(&http->mtx, NULL);
	pthread_cond_init(&http->cond, NULL);
	if ((rc = http_bind(path, &http->fd, causep)) != 0)
		goto fail;
	if (stat(path, &sb) == 0) {
		http->sock_dev = sb.st_dev;
		http->sock_ino = sb.st_ino;
	}
	if ((rc = uv_async_init(md->loop, &http->async, http_async_cb)) != 0) {
		*causep = xasprintf("uv_async_init: %s", uv_strerror(rc));
		goto fail;
	}
	http->async.data = http;
	http->nhandles = 1;
	if (md->cfg != NULL)
		http_copy_origins(http, &md->cfg->proxy_origins);
	http->unix_l.http = http;
	http->unix_l.kind = ROUTER_LISTENER_UNIX;
	http->unix_l.fd = http->fd;
	/*
	 * Requests may arrive as soon as the server thread runs, and their
	 * handlers reach this through md->http (http_loop_call): set it first.
	 */
	*httpp = http;
	http->mhd = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
	    MHD_USE_ERROR_LOG,
	    0, NULL, NULL, http_access, &http->unix_l,
	    MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, http,
	    MHD_OPTION_LISTEN_SOCKET, http->fd,
	    MHD_OPTION_NOTIFY_CONNECTION, http_notify_connection,
	    &http->unix_l,
	    MHD_OPTION_NOTIFY_COMPLETED, http_completed, http,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)512,
	    MHD_OPTION_THREAD_STACK_SIZE, (size_t)(256 * 1024),
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
	    MHD_OPTION_END);
	if (http->mhd == NULL) {
		*causep = xasprintf("cannot start the HTTP server on %s", path);
		rc = -EIO;
		close(http->fd);
		unlink(path);
		/* http is freed by the async handle's close callback. */
		*httpp = NULL;
		uv_close((uv_handle_t *)&http->async, http_async_closed);
		return rc;
	}
	http->unix_l.mhd = http->mhd;
	uv_timer_init(md->loop, &http->head_timer);
	http->head_timer.data = http;
	http->nhandles++;
	uv_timer_start(&http->head_timer, http_head_timer_cb, 1000, 1000);
	log_info("http: listening on %s", path);
	*httpp = http;
	return 0;
fail:
	if (http->fd >= 0) {
		close(http->fd);
		unlink(path);
	}
	pthread_mutex_destroy(&http->mtx);
	pthread_cond_destroy(&http->cond);
	free(http->path);
	free(http);
	return rc;
}

/* Split "host:port", "[v6]:port" or ":port" (host defaults to loopback). */
static int
http_split_hostport(const char *hp, char **hostp, char **portp)
{
	const char	*colon;
	char		*host;

	if ((colon = strrchr(hp, ':')) == NULL || colon[1] == '\0')
		return -EINVAL;
	host = xstrndup(hp, (size_t)(colon - hp));
	if (host[0] == '[') {
		size_t n = strlen(host);
		if (n < 2 || host[n - 1] != ']') {
			free(host);
			return -EINVAL;
		}
		memmove(host, host + 1, n - 2);
		host[n - 2] = '\0';
	}
	if (*host == '\0') {
		free(host);
		host = xstrdup("127.0.0.1");
	}
	*hostp = host;
	*portp = xstrdup(colon + 1);
	return 0;
}

static int
http_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr);
	return 0;
}

/*
 * Resolve a listen address the way start-up does and refuse a non-loopback
 * one unless allowed; *aip is the address on success.
 */
static int
http_resolve_listen(const char *hostport, enum router_listener kind,
    int allow_remote, struct addrinfo **aip, char **causep)
{
	struct addrinfo		 hints, *ai = NULL;
	char			*host = NULL, *port = NULL;
	int			 rc;

	if (http_split_hostport(hostport, &host, &port) != 0) {
		*causep = xasprintf("'%s' is not host:port", hostport);
		return -EINVAL;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		*causep = xasprintf("%s: %s", hostport, gai_strerror(rc));
		rc = -EINVAL;
		goto out;
	}
	if (!allow_remote && !http_is_loopback(ai->ai_addr)) {
		if (kind == ROUTER_LISTENER_PROXY)
			*causep = xasprintf("%s is not a loopback address; "
			    "the Ollama-compatible proxy listens on loopback "
			    "only", hostport);
		else
			*causep = xasprintf("%s is not a loopback address; "
			    "set http.allow_remote: true to listen on the "
			    "network", hostport);
		rc = -EPERM;
		goto out;
	}
	*aip = ai;
	ai = NULL;
	rc = 0;
out:
	if (ai != NULL)
		freeaddrinfo(ai);
	free(host);
	free(port);
	return rc;
}

/* Check a listen address as start-up would, without binding. */
int
http_check_listen(const char *hostport, enum router_listener kind,
    int allow_remote, char **causep)
{
	struct addrinfo	*ai = NULL;
	int		 rc;

	if ((rc = http_resolve_listen(hostport, kind, allow_remote, &ai,
	    causep)) == 0)
		freeaddrinfo(ai);
	return rc;
}

/*
 * The Host a browser would send for a loopback listener (checked against
 * DNS rebinding), or NULL for a network one, where the token decides.
 */
static char *
http_listener_host(const char *hostport, const struct sockaddr *sa)
{
	char	*host = NULL, *port = NULL;

	if (!http_is_loopback(sa) ||
	    http_split_hostport(hostport, &host, &port) != 0)
		return NULL;
	free(port);
	return host;
}

/* Add a TCP listener. */
int
http_listen_tcp(struct http *http, const char *hostport,
    enum router_listener kind, int allow_remote, const char *token,
    char **causep)
{
	struct http_listener	*l;
	struct addrinfo		*ai = NULL;
	int			 fd = -1, one = 1, rc;

	if (http->ntcp == HTTP_MAXTCP)
		return -ENOSPC;
	if ((rc = http_resolve_listen(hostport, kind, allow_remote, &ai,
	    causep)) != 0)
		return rc;
	if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
	    listen(fd, 128) != 0) {
		rc = -errno;
		*causep = xasprintf("cannot listen on %s: %s", hostport,
		    strerror(-rc));
		goto out;
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	l = &http->tcp[http->ntcp];
	l->http = http;
	l->kind = kind;
	l->fd = fd;
	l->token = token != NULL && *token != '\0' ? xstrdup(token) : NULL;
	l->name = xstrdup(hostport);
	l->host = http_listener_host(hostport, ai->ai_addr);
	l->mhd = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
	    MHD_USE_ERROR_LOG | (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0),
	    0, NULL, NULL, http_access, l,
	    MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, http,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_NOTIFY_CONNECTION, http_notify_connection, l,
	    MHD_OPTION_NOTIFY_COMPLETED, http_completed, http,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)256,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned int)HTTP_PER_PEER_LIMIT,
	    MHD_OPTION_THREAD_STACK_SIZE, (size_t)(256 * 1024),
	    /* Larger reads: request bodies stream through the proxy. */
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(kind ==
	    ROUTER_LISTENER_PROXY ? 256 * 1024 : 32 * 1024),
	    MHD_OPTION_END);
	if (l->mhd == NULL) {
		*causep = xasprintf("cannot start the HTTP server on %s",
		    hostport);
		free(l->token);
		free(l->name);
		free(l->host);
		memset(l, 0, sizeof(*l));
		rc = -EIO;
		goto out;
	}
	fd = -1;
	http->ntcp++;
	log_info("http: listening on %s (%s)", hostport, kind ==
	    ROUTER_LISTENER_PROXY ? "Ollama-compatible proxy" :
	    "Prometheus and token-authenticated API");
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ai != NULL)
		freeaddrinfo(ai);
	return rc;
}

static void
http_async_closed(uv_handle_t *h)
{
	struct http	*http = h->data;

	if (--http->nhandles > 0)
		return;
	http_free_origins(http);
	pthread_mutex_destroy(&http->mtx);
	pthread_cond_destroy(&http->cond);
	free(http->path);
	free(http);
}

/* See http.h. */
void
http_shutdown_begin(struct http *http)
{
	if (http == NULL)
		return;
	pthread_mutex_lock(&http->mtx);
	http->stopping = 1;
	pthread_cond_broadcast(&http->cond);
	pthread_mutex_unlock(&http->mtx);
}

/* See http.h. */
int
http_stopping(struct http *http)
{
	int	stopping;

	if (http == NULL)
		return 1;
	pthread_mutex_lock(&http->mtx);
	stopping = http->stopping;
	pthread_mutex_unlock(&http->mtx);
	return stopping;
}

/* See http.h. */
int
http_cond_wait(struct http *http, pthread_cond_t *cond,
    pthread_mutex_t *mtx)
{
	struct timespec	ts;

	timeutil_deadline(&ts, HTTP_STREAM_POLL_MS);
	(void)pthread_cond_timedwait(cond, mtx, &ts);
	return http_stopping(http) ? -ECANCELED : 0;
}

/* Stop serving: finish briefly, close streams, remove the socket. */
void
http_stop(struct http *http)
{
	struct http_stream	*s;
	struct http_call	*c;
	struct timespec		 ts;
	struct stat		 sb;
	int			 i;

	if (http == NULL)
		return;
	for (i = 0; i < http->ntcp; i++)
		(void)MHD_quiesce_daemon(http->tcp[i].mhd);
	/* Refuse new connections, then give running requests a moment. */
	if (MHD_quiesce_daemon(http->mhd) == MHD_INVALID_SOCKET)
		http->fd = -1;		/* MHD keeps and closes it */
	pthread_mutex_lock(&http->mtx);
	http->stopping = 1;
	for (c = http->calls; c != NULL; c = c->next)
		c->cancelled = 1;
	http->calls = http->calls_tail = NULL;
	pthread_cond_broadcast(&http->cond);
	/* A stream its owner did not end is cut, not ended as complete. */
	for (s = http->streams; s != NULL; s = s->next)
		http_stream_fail(s, NULL, 0);
	http_head_stop(http);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 2;
	while (http->nrequests > 0) {
		if (pthread_cond_timedwait(&http->cond, &http->mtx, &ts) ==
		    ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&http->mtx);
	MHD_stop_daemon(http->mhd);
	if (http->fd >= 0)
		close(http->fd);
	for (i = 0; i < http->ntcp; i++) {
		struct http_listener *l = &http->tcp[i];
		int fd = (int)MHD_quiesce_daemon(l->mhd);
		MHD_stop_daemon(l->mhd);
		if (fd >= 0)
			close(fd);
		free(l->token);
		free(l->name);
		free(l->host);
	}
	/* Remove the socket only if it is still ours. */
	if (stat(http->path, &sb) == 0 && sb.st_dev == http->sock_dev &&
	    sb.st_ino == http->sock_ino)
		unlink(http->path);
	uv_close((uv_handle_t *)&http->head_timer, http_async_closed);
	uv_close((uv_handle_t *)&http->async, http_async_closed);
}
