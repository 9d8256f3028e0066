/* SPDX-License-Identifier: ISC */
/*
 * router.h: the route table and the reply helpers handlers use.
 *
 * Each api_<resource>.c exports a const array of struct route ending with a
 * zero entry; router.c lists the arrays. A pattern is a path whose segments
 * are literals or "{name}" captures. Handlers run on an HTTP thread (see
 * mlxd.h for what they may touch) and must set exactly one reply.
 */
#ifndef MLXD_ROUTER_H
#define MLXD_ROUTER_H

#include <stddef.h>

#include <jansson.h>

struct mlxd;
struct http_stream;

#define ROUTER_MAXPARAMS	4
#define ROUTER_MAXBODY		(1024 * 1024)

/* Which listener a request came in on. */
enum router_listener {
	ROUTER_LISTENER_UNIX = 0,	/* the private socket: everything */
	ROUTER_LISTENER_TCP,		/* http.listen: /metrics, others need a token */
	ROUTER_LISTENER_PROXY,		/* proxy.listen: Ollama-compatible /api/... */
};

/* Route flags. */
#define ROUTE_JSON_BODY	0x01	/* body must be a JSON object (400 otherwise) */
#define ROUTE_PUBLIC	0x02	/* served on the TCP listener without a token */
#define ROUTE_UNDOC	0x04	/* not described in openapi.yaml */

struct router_reply {
	int		 status;
	char		*body;		/* owned; NULL for a stream */
	size_t		 len;
	const char	*content_type;	/* points at ctype or a literal */
	char		*ctype;		/* owned copy, or NULL */
	char		*allow;		/* Allow header for 405, owned */
	struct http_stream *stream;	/* set by router_reply_stream() */
	char		*headers;	/* extra "Name: value\n" lines, owned */
};

struct router_req {
	struct mlxd		*md;
	enum router_listener	 listener;
	int			 authorized;	/* unix socket, or a valid token */
	const char		*method;
	const char		*path;
	const char		*params[ROUTER_MAXPARAMS];	/* captures, borrowed */
	int			 nparams;
	const char		*body;		/* raw body, NUL-terminated */
	size_t			 body_len;
	json_t			*json;		/* parsed body with ROUTE_JSON_BODY */
	void			*conn;		/* struct MHD_Connection *, for http.c */
	struct router_reply	 reply;
};

typedef void (*router_handler_cb)(struct router_req *req);

struct route {
	const char		*method;
	const char		*pattern;
	router_handler_cb	 handler;
	int			 flags;
};

/* Route arrays exported by the api_*.c files. */
extern const struct route api_health_routes[];
extern const struct route api_status_routes[];
extern const struct route api_models_routes[];
extern const struct route api_config_routes[];
extern const struct route api_events_routes[];
extern const struct route api_metrics_routes[];
extern const struct route api_generate_routes[];
extern const struct route api_jobs_routes[];
extern const struct route api_bench_routes[];
extern const struct route api_cache_routes[];

/*
 * Find the route for method and path and run it, filling req->reply. Sets
 * 404 or 405 (with Allow) itself. body/body_len are borrowed.
 */
void	router_dispatch(struct router_req *req);

/*
 * Match a writable copy of a path against a pattern; on a match fill the
 * captures (pointing into scratch) and return 1.
 */
int	router_match(const char *pattern, char *scratch, const char **params,
	    int *nparamsp);

/* Call fn for every route (used by the openapi test and docs). */
void	router_foreach(void (*fn)(const struct route *, void *), void *arg);

/* Query-string value of key, or NULL; borrowed from the connection. */
const char *router_query(struct router_req *req, const char *key);

/*
 * The one strict body reader: a JSON object without duplicate or unknown
 * keys (keys is NULL-ended); an empty body is {} when allow_empty. On
 * failure replies 400 and returns NULL.
 */
json_t	*router_body_object(struct router_req *req, const char *const *keys,
	    int allow_empty);

/* Reply 400 and return -EINVAL when obj has a key outside keys. */
int	router_check_keys(struct router_req *req, const json_t *obj,
	    const char *const *keys);

/*
 * The integer query parameter key in [min, max], or def when absent. On a
 * bad value it replies 400 itself and returns -EINVAL.
 */
int	router_query_int(struct router_req *req, const char *key, int def,
	    int min, int max, int *vp);

/* Request header value, or NULL; borrowed from the connection. */
const char *router_header(struct router_req *req, const char *name);

/* Reply with obj serialised compactly; steals the reference. */
void	router_reply_json(struct router_req *req, int status, json_t *obj);

/*
 * Reply {"error":{"code":code,"message":...}}; on the proxy listener
 * Ollama's shape {"error":"..."}.
 */
void	router_reply_error(struct router_req *req, int status, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Reply with a copy of len bytes of data. */
void	router_reply_data(struct router_req *req, int status,
	    const char *content_type, const char *data, size_t len);

/* Reply with a stream (http.h); takes ownership of the stream reference. */
void	router_reply_stream(struct router_req *req, int status,
	    struct http_stream *stream);

/* Map a negative errno from a module to an HTTP error reply. */
void	router_reply_errno(struct router_req *req, int err, const char *what);

/*
 * The one -errno → HTTP map: the status for err, its error code in *codep
 * (500 "internal" for anything not listed).
 */
int	router_errno_status(int err, const char **codep);

/* Reply for -errno with the caller's message (the map's status and code). */
void	router_reply_errno_msg(struct router_req *req, int err,
	    const char *msg);

/* Release what a reply holds (after http.c has queued it). */
void	router_reply_clear(struct router_reply *reply);

#endif
