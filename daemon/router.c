/* SPDX-License-Identifier: ISC */
/*
 * router.c: match requests against the route tables of the api_*.c files
 * and build replies.
 *
 * A pattern's segments are literals or "{name}" captures; a capture matches
 * one non-empty segment. When the path matches some route but not the
 * method, the reply is 405 with an Allow header listing the methods that
 * would match. Bodies of ROUTE_JSON_BODY routes are parsed here so handlers
 * see a JSON object or never run (400).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "router.h"
#include "xmalloc.h"

/* Every route table, in match order. */
static const struct route *const router_tables[] = {
	api_health_routes,
	api_status_routes,
	api_models_routes,
	api_config_routes,
	api_events_routes,
	api_metrics_routes,
	api_generate_routes,
	api_jobs_routes,
	api_bench_routes,
	api_cache_routes,
};

/*
 * Match path against pattern; fill captures (pointers into scratch, which
 * is a writable copy of path). Returns 1 on a match.
 */
/* Match path (a writable copy) against pattern; 1 on a match. */
int
router_match(const char *pattern, char *scratch, const char **params,
    int *nparamsp)
{
	const char	*p = pattern;
	char		*s = scratch, *ends[ROUTER_MAXPARAMS];
	size_t		 plen, slen;
	int		 n = 0, i;

	for (;;) {
		if (*p != '/' || *s != '/')
			return 0;
		p++;
		s++;
		plen = strcspn(p, "/");
		slen = strcspn(s, "/");
		if (*p == '{') {
			if (slen == 0 || n >= ROUTER_MAXPARAMS)
				return 0;
			params[n] = s;
			ends[n++] = s + slen;
		} else if (plen != slen || strncmp(p, s, plen) != 0)
			return 0;
		p += plen;
		s += slen;
		if (*p == '\0' && *s == '\0')
			break;
		if (*p == '\0' || *s == '\0')
			return 0;
	}
	/* Terminate captures only now: the '/' after each was needed. */
	for (i = 0; i < n; i++)
		*ends[i] = '\0';
	*nparamsp = n;
	return 1;
}

/* Call fn on every route. */
void
router_foreach(void (*fn)(const struct route *, void *), void *arg)
{
	const struct route	*r;
	size_t			 t;

	for (t = 0; t < sizeof(router_tables) / sizeof(router_tables[0]); t++)
		for (r = router_tables[t]; r->method != NULL; r++)
			fn(r, arg);
}

/* Find and run the route for req. */
void
router_dispatch(struct router_req *req)
{
	const struct route	*r, *found = NULL;
	char			*scratch = NULL, allow[128] = "";
	const char		*params[ROUTER_MAXPARAMS];
	json_error_t		 jerr;
	size_t			 t;
	int			 n, path_matched = 0;

	for (t = 0; t < sizeof(router_tables) / sizeof(router_tables[0]) &&
	    found == NULL; t++) {
		for (r = router_tables[t]; r->method != NULL; r++) {
			free(scratch);
			scratch = xstrdup(req->path);
			if (!router_match(r->pattern, scratch, params, &n))
				continue;
			path_matched = 1;
			if (strcmp(r->method, req->method) == 0 ||
			    (strcmp(req->method, "HEAD") == 0 &&
			    strcmp(r->method, "GET") == 0)) {
				found = r;
				break;
			}
			if (strstr(allow, r->method) == NULL &&
			    strlen(allow) + strlen(r->method) + 3 <
			    sizeof(allow)) {
				if (allow[0] != '\0')
					strcat(allow, ", ");
				strcat(allow, r->method);
			}
		}
	}
	if (found == NULL || (req->listener == ROUTER_LISTENER_PROXY &&
	    strncmp(found->pattern, "/api/", 5) != 0 &&
	    strcmp(found->pattern, "/") != 0)) {
		free(scratch);
		if (req->listener == ROUTER_LISTENER_PROXY) {
			/* As Ollama's router answers. */
			router_reply_data(req, 404, "text/plain; charset=utf-8",
			    "404 page not found", 18);
			return;
		}
		if (path_matched) {
			router_reply_error(req, 405, "method_not_allowed",
			    "%s is not allowed on %s (allowed: %s)",
			    req->method, req->path, allow);
			req->reply.allow = xstrdup(allow);
		} else
			router_reply_error(req, 404, "not_found",
			    "no such endpoint: %s", req->path);
		return;
	}
	if (req->listener == ROUTER_LISTENER_TCP && !req->authorized &&
	    !(found->flags & ROUTE_PUBLIC)) {
		free(scratch);
		router_reply_error(req, 401, "unauthorized", "this listener "
		    "needs \"Authorization: Bearer <http.token>\" for %s",
		    req->path);
		return;
	}
	memcpy(req->params, params, sizeof(params));
	req->nparams = n;
	if (found->flags & ROUTE_JSON_BODY) {
		if (req->body_len == 0) {
			router_reply_error(req, 400, "bad_request",
			    "a JSON object body is required");
			goto out;
		}
		req->json = json_loadb(req->body, req->body_len,
		    JSON_REJECT_DUPLICATES, &jerr);
		if (req->json == NULL) {
			router_reply_error(req, 400, "bad_json",
			    "malformed JSON at line %d column %d: %s",
			    jerr.line, jerr.column, jerr.text);
			goto out;
		}
		if (!json_is_object(req->json)) {
			router_reply_error(req, 400, "bad_request",
			    "the body must be a JSON object");
			goto out;
		}
	}
	found->handler(req);
	if (req->reply.status == 0)
		router_reply_error(req, 500, "internal", "handler for %s %s "
		    "set no reply", found->method, found->pattern);
out:
	json_decref(req->json);
	req->json = NULL;
	/* Captures point into scratch; clear them before freeing it. */
	memset(req->params, 0, sizeof(req->params));
	free(scratch);
}

/*
 * The one strict reading of a JSON request body: an object (an empty body
 * is {} when allow_empty), no duplicate keys, no key outside keys (a
 * NULL-ended list). Replies 400 and returns NULL otherwise; the caller
 * owns the result.
 */
json_t *
router_body_object(struct router_req *req, const char *const *keys,
    int allow_empty)
{
	json_error_t	 jerr;
	json_t		*o;

	if (req->body_len == 0) {
		if (allow_empty)
			return json_object();
		router_reply_error(req, 400, "bad_request",
		    "a JSON object body is required");
		return NULL;
	}
	if ((o = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		router_reply_error(req, 400, "bad_json", "malformed JSON at "
		    "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		router_reply_error(req, 400, "bad_request", "the body must be "
		    "a JSON object");
		return NULL;
	}
	if (router_check_keys(req, o, keys) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Reply 400 and return -EINVAL if obj has a key outside keys. */
int
router_check_keys(struct router_req *req, const json_t *obj,
    const char *const *keys)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	json_object_foreach((json_t *)(uintptr_t)obj, k, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(keys[i], k) == 0)
				break;
		if (keys[i] == NULL) {
			router_reply_error(req, 400, "bad_request", "unknown "
			    "field '%s'", k);
			return -EINVAL;
		}
	}
	return 0;
}

/* Query-string value. */
const char *
router_query(struct router_req *req, const char *key)
{
	return http_conn_query(req->conn, key);
}

/* An integer query parameter, replying 400 on a bad one. */
int
router_query_int(struct router_req *req, const char *key, int def, int min,
    int max, int *vp)
{
	const char	*s = router_query(req, key);
	char		*end;
	long		 v;

	if (s == NULL) {
		*vp = def;
		return 0;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		router_reply_error(req, 400, "bad_request", "%s: '%s' is not a "
		    "number from %d to %d", key, s, min, max);
		return -EINVAL;
	}
	*vp = (int)v;
	return 0;
}

/* Header value. */
const char *
router_header(struct router_req *req, const char *name)
{
	return http_conn_header(req->conn, name);
}

static void
router_set(struct router_req *req, int status, const char *ctype, char *body,
    size_t len)
{
	router_reply_clear(&req->reply);
	req->reply.status = status;
	req->reply.content_type = ctype;
	req->reply.body = body;
	req->reply.len = len;
}

/* Reply with JSON, stealing obj. */
void
router_reply_json(struct router_req *req, int status, json_t *obj)
{
	char	*s;

	if (obj == NULL) {
		router_reply_error(req, 500, "internal", "no reply object");
		return;
	}
	s = json_dumps(obj, JSON_COMPACT | JSON_ENCODE_ANY |
	    JSON_REAL_PRECISION(15));
	json_decref(obj);
	if (s == NULL)
		fatalx("router: out of memory serialising a reply");
	router_set(req, status, "application/json", s, strlen(s));
}

/* Reply with the mlxd error shape. */
void
router_reply_error(struct router_req *req, int status, const char *code,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;
	json_t	*obj;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		fatalx("router: out of memory");
	va_end(ap);
	if (req->listener == ROUTER_LISTENER_PROXY)
		obj = json_pack("{s:s}", "error", msg);
	else
		obj = json_pack("{s:{s:s, s:s}}", "error", "code", code,
		    "message", msg);
	if (obj == NULL) {
		/* Not UTF-8 (e.g. a path with %ff): show such bytes as '?'. */
		unsigned char *p;
		for (p = (unsigned char *)msg; *p != '\0'; p++)
			if (*p >= 0x80)
				*p = '?';
		if (req->listener == ROUTER_LISTENER_PROXY)
			obj = json_pack("{s:s}", "error", msg);
		else
			obj = json_pack("{s:{s:s, s:s}}", "error", "code",
			    code, "message", msg);
	}
	free(msg);
	router_reply_json(req, status, obj);
}

/* Reply with a copy of data. */
void
router_reply_data(struct router_req *req, int status, const char *ctype,
    const char *data, size_t len)
{
	char	*b = xmalloc(len + 1);

	memcpy(b, data, len);
	b[len] = '\0';
	router_set(req, status, NULL, b, len);
	/* The caller's content type may not outlive the call. */
	req->reply.ctype = xstrdup(ctype);
	req->reply.content_type = req->reply.ctype;
}

/* Reply with a stream. */
void
router_reply_stream(struct router_req *req, int status,
    struct http_stream *stream)
{
	router_set(req, status, NULL, NULL, 0);
	req->reply.stream = stream;
}

/* The one map from -errno to an HTTP status and error code. */
int
router_errno_status(int err, const char **codep)
{
	static const struct {
		int		 err;
		int		 status;
		const char	*code;
	} map[] = {
		{ -EINVAL, 400, "bad_request" },
		{ -ENOTDIR, 400, "bad_request" },
		{ -ENAMETOOLONG, 400, "bad_request" },
		{ -EACCES, 403, "forbidden" },
		{ -EPERM, 403, "forbidden" },
		{ -ENOENT, 404, "not_found" },
		{ -EBUSY, 409, "busy" },
		{ -EEXIST, 409, "conflict" },
		{ -EALREADY, 409, "finished" },
		{ -EMSGSIZE, 413, "too_large" },
		{ -E2BIG, 413, "too_large" },
		{ -ENOSYS, 501, "not_implemented" },
		{ -ENOTSUP, 501, "not_implemented" },
		{ -ECONNREFUSED, 503, "ollama_unavailable" },
		{ -EHOSTUNREACH, 503, "ollama_unavailable" },
		{ -ECANCELED, 503, "stopping" },
		{ -ETIMEDOUT, 504, "timeout" },
	};
	size_t	i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].err == err) {
			*codep = map[i].code;
			return map[i].status;
		}
	*codep = "internal";
	return 500;
}

/* Reply for -errno with a message of the caller's. */
void
router_reply_errno_msg(struct router_req *req, int err, const char *msg)
{
	const char	*code;
	int		 status = router_errno_status(err, &code);

	if (err == -ECANCELED)
		msg = "mlxd is stopping";
	router_reply_error(req, status, code, "%s", msg);
}

/* Map -errno from a module to an error reply. */
void
router_reply_errno(struct router_req *req, int err, const char *what)
{
	const char	*code;
	int		 status = router_errno_status(err, &code);

	switch (err) {
	case -ENOENT:
		router_reply_error(req, status, code, "%s: not found", what);
		break;
	case -EINVAL:
		router_reply_error(req, status, code, "%s: invalid request",
		    what);
		break;
	case -EBUSY:
		router_reply_error(req, status, code, "%s: busy", what);
		break;
	case -ECANCELED:
		router_reply_error(req, status, code, "%s: mlxd is stopping",
		    what);
		break;
	default:
		router_reply_error(req, status, code, "%s: %s", what,
		    strerror(-err));
		break;
	}
}

/* Free a reply's owned parts. */
void
router_reply_clear(struct router_reply *reply)
{
	free(reply->body);
	free(reply->allow);
	free(reply->ctype);
	free(reply->headers);
	reply->headers = NULL;
	reply->body = NULL;
	reply->allow = NULL;
	reply->ctype = NULL;
	reply->len = 0;
}
