/* SPDX-License-Identifier: ISC */
/*
 * httpc.h: asynchronous HTTP client requests on the loop (libcurl multi
 * driven by libuv). Every callback runs on the loop thread.
 */
#ifndef MLXD_HTTPC_H
#define MLXD_HTTPC_H

#include <stddef.h>

#include <uv.h>

struct httpc;
struct httpc_req;

/* One response header line, split and trimmed. */
struct httpc_header {
	const char	*name;
	const char	*value;
	int		 response;	/* 0 = first response of the transfer */
};

/*
 * What a transfer produced. Every pointer is borrowed from the transfer and
 * valid only during the callback that receives the result.
 */
struct httpc_result {
	int		 err;		/* 0, or -errno for transport failure */
	const char	*errmsg;	/* transport failure text, or NULL */
	long		 status;	/* HTTP status, 0 if none */
	const char	*body;		/* buffered body (not with a data_cb) */
	size_t		 len;
	const char	*content_type;	/* or NULL */
	/* Only with opts.want_headers or opts.headers_cb: */
	const struct httpc_header *headers; /* every response's, in order */
	size_t		 nheaders;
	int		 nresponses;	/* > 1 after followed redirects */
	const char	*redirect_url;	/* absolute target of an unfollowed
					   3xx Location (relative resolved),
					   or NULL */
};

/*
 * Streamed body bytes; return non-zero to abort the transfer, or
 * HTTPC_DATA_PAUSE to keep the bytes and pause receiving until
 * httpc_resume().
 */
typedef int (*httpc_data_cb)(void *arg, const char *buf, size_t len);
#define HTTPC_DATA_PAUSE	2
/*
 * A request body pulled in pieces: copy up to max bytes into buf and return
 * how many (0 = the end), or HTTPC_READ_PAUSE when nothing is there yet
 * (sending pauses until httpc_resume()), or HTTPC_READ_ABORT.
 */
typedef size_t (*httpc_read_cb)(void *arg, char *buf, size_t max);
#define HTTPC_READ_PAUSE	((size_t)-1)
#define HTTPC_READ_ABORT	((size_t)-2)
/* Headers are in (status known) before the first body byte. */
typedef void (*httpc_head_cb)(void *arg, long status, const char *ctype);
/* The end: called exactly once unless httpc_cancel() was called first. */
typedef void (*httpc_done_cb)(void *arg, const struct httpc_result *res);
/*
 * The final response's head, at the same point as head_cb (after it), with
 * the headers collected so far; body is "" and err 0.
 */
typedef void (*httpc_headers_cb)(void *arg, const struct httpc_result *res);

/* The connect timeout when a request names none. */
#define HTTPC_CONNECT_TIMEOUT_MS	3000L

struct httpc_opts {
	const char	*method;	/* "GET" by default */
	const char	*url;
	const char	*body;		/* copied */
	size_t		 body_len;
	long		 timeout_ms;	/* whole transfer; 0 = none */
	long		 connect_timeout_ms;	/* 0: HTTPC_CONNECT_TIMEOUT_MS */
	long		 low_speed_s;	/* abort if no byte for this long; 0 off */
	const char	*user_agent;	/* or NULL for mlxd's */
	httpc_head_cb	 head_cb;
	httpc_data_cb	 data_cb;	/* NULL = buffer the body */
	httpc_done_cb	 done_cb;
	void		*arg;
	/* Optional additions; zero keeps the behaviour above. */
	const char *const *headers;	/* "Name: value" lines, NULL-ended;
					   copied */
	int		 follow;	/* follow up to 10 redirects; an
					   Authorization header is never sent
					   to another host or port */
	int		 want_headers;	/* collect response headers into the
					   result */
	httpc_headers_cb headers_cb;	/* implies want_headers */
	httpc_read_cb	 read_cb;	/* streamed body instead of body */
	long long	 read_len;	/* its length, or -1 (chunked) */
	int		 no_ctype;	/* body: add no Content-Type header */
};

int	httpc_new(uv_loop_t *loop, struct httpc **hp);

/* Abort every transfer (no done callbacks) and close the handles. */
void	httpc_free(struct httpc *h);

/*
 * Shutdown: end every transfer in flight now, calling its done callback
 * with err -ECANCELED and errmsg why, so whoever waits for one (possibly on
 * another thread) is released; no transfer can start afterwards.
 */
void	httpc_fail_all(struct httpc *h, const char *why);

/*
 * Streamed transfers (with a data_cb) that set no low_speed_s are aborted
 * with -ETIMEDOUT after this many seconds without a byte (0 = never; the
 * default). ollama.stall_timeout_s.
 */
void	httpc_set_stall_timeout(struct httpc *h, long seconds);

/* Start a request; NULL only if libcurl refuses the options. */
struct httpc_req *httpc_start(struct httpc *h, const struct httpc_opts *o);

/* Abort a transfer; its done callback is not called. */
void	httpc_cancel(struct httpc_req *r);

/* Continue a transfer paused by its data or read callback (loop only). */
void	httpc_resume(struct httpc_req *r);

/* Number of transfers in flight. */
int	httpc_active(const struct httpc *h);

/*
 * s percent-encoded (all but RFC 3986's unreserved characters; "/" kept
 * when keep_slash), malloc'd.
 */
char	*httpc_urlenc(const char *s, int keep_slash);

/*
 * Value of the first header called name (any case) in the given response of
 * res (0 = first, -1 = last), or NULL. Borrowed from res.
 */
const char *httpc_header(const struct httpc_result *res, const char *name,
	    int response);

#endif
