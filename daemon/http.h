/* SPDX-License-Identifier: ISC */
/*
 * http.h: the HTTP server (libmicrohttpd) on the private Unix socket, and
 * optional TCP listeners.
 *
 * MHD runs one thread per connection, so a handler may block. Two tools
 * connect handler threads with the loop thread:
 *  - http_loop_call() runs a function on the loop thread and waits for it;
 *  - struct http_stream carries a chunked reply (NDJSON, SSE) whose bytes
 *    the loop thread writes and the connection's thread sends. A stream has
 *    a byte limit: a client that does not keep up is cut off rather than
 *    growing memory.
 */
#ifndef MLXD_HTTP_H
#define MLXD_HTTP_H

#include <pthread.h>
#include <stddef.h>

#include "router.h"

struct mlxd;
struct http;
struct http_stream;

/*
 * Listen on the Unix socket path (directory 0700, socket 0600), refusing when
 * another daemon answers there. On failure *causep says why.
 */
int	http_start(struct mlxd *md, const char *path, struct http **httpp,
	    char **causep);

/*
 * Add a TCP listener on "host:port" serving kind: ROUTER_LISTENER_TCP
 * (GET /metrics for anyone, other routes with "Authorization: Bearer
 * token") or ROUTER_LISTENER_PROXY (Ollama's /api routes). Loopback only
 * unless allow_remote. On failure *causep says why.
 */
int	http_listen_tcp(struct http *http, const char *hostport,
	    enum router_listener kind, int allow_remote, const char *token,
	    char **causep);

/*
 * Check a TCP listen address as http_listen_tcp() would (it resolves and
 * is loopback unless allow_remote), without binding; for `mlxd -n`.
 */
int	http_check_listen(const char *hostport, enum router_listener kind,
	    int allow_remote, char **causep);

/*
 * Check the socket path as http_start() would (length, an existing file
 * that is not a socket, an existing directory that is not the user's or is
 * writable by others), creating and changing nothing; for `mlxd -n`.
 */
int	http_check_socket_path(const char *path, char **causep);

/*
 * Whether something already answers on the socket at path: 1 yes, 0 no
 * (nothing there, or a stale file). Lets main refuse early.
 */
int	http_probe(const char *path);

/*
 * The start of shutdown (loop thread, first thing): from now on
 * http_stopping() is 1 and http_cond_wait() returns -ECANCELED, so a
 * handler thread waiting for another thread gives up instead of holding
 * shutdown. NULL is ignored.
 */
void	http_shutdown_begin(struct http *http);
int	http_stopping(struct http *http);

/*
 * Wait on cond (mtx held by the caller) for at most a quarter second. Returns
 * 0, or -ECANCELED once the daemon is stopping. Every wait of a handler
 * thread on another thread loops on this, so none outlives shutdown:
 *	while (!done)
 *		if (http_cond_wait(http, &cond, &mtx) != 0)
 *			break;
 */
int	http_cond_wait(struct http *http, pthread_cond_t *cond,
	    pthread_mutex_t *mtx);

/* Close listeners and streams, wait for connections, remove the socket. */
void	http_stop(struct http *http);

/*
 * Run fn(arg) on the loop thread and wait for it. Returns 0, or -ECANCELED
 * when the daemon is stopping (fn did not run).
 */
int	http_loop_call(struct http *http, void (*fn)(void *), void *arg);

/* Streams. Create with a content type; the reference count starts at 1. */
struct http_stream *http_stream_new(const char *content_type, size_t limit);
void	http_stream_ref(struct http_stream *s);
void	http_stream_unref(struct http_stream *s);

/*
 * Append bytes (any thread). Returns 0, -EPIPE if the client went away or the
 * stream is closed, -ENOBUFS if more than limit bytes are waiting (the stream
 * is then closed).
 */
int	http_stream_write(struct http_stream *s, const void *buf, size_t len);

/* End the body after what is queued (any thread). */
void	http_stream_close(struct http_stream *s);

/*
 * End the body as broken (any thread): queue last (len bytes, may be NULL;
 * sent even past the limit), then cut the transfer without its final
 * chunk, so the client cannot take it for a complete reply.
 */
void	http_stream_fail(struct http_stream *s, const void *last, size_t len);

/* Bytes queued and not yet taken by the connection. */
size_t	http_stream_pending(struct http_stream *s);

/* Whether the client has gone away. */
int	http_stream_gone(struct http_stream *s);

/*
 * Called once (on the connection's thread) when the client disconnects before
 * the stream is closed. release(arg), if set, runs when the stream is freed,
 * so arg can hold a reference that outlives every possible call of cb.
 */
void	http_stream_on_gone(struct http_stream *s, void (*cb)(void *),
	    void (*release)(void *), void *arg);

/* Change the content type; only before the stream is the reply. */
void	http_stream_set_type(struct http_stream *s, const char *content_type);

/* A query parameter or header of a request's connection, or NULL. */
const char *http_conn_query(void *conn, const char *key);
const char *http_conn_header(void *conn, const char *name);

/* Call fn for each query argument (query) or header of a request. */
void	http_conn_foreach(void *conn, int query, void (*fn)(void *,
	    const char *, const char *), void *arg);

/* Whether the client of a request (router_req.conn) has hung up. */
int	http_conn_gone(void *conn);

#endif
