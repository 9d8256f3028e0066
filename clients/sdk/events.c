/* SPDX-License-Identifier: ISC */
/*
 * events.c: GET /v1/events, the daemon's Server-Sent Events stream.
 *
 * mlxd_stream() hands over the reply line by line; this file assembles the
 * lines into events as the SSE specification (WHATWG HTML, "event stream
 * interpretation") says: `event:` names the event, `data:` lines are joined
 * with "\n", an empty line dispatches, lines starting with ":" are comments
 * (the daemon's heartbeats) and an event cut short by the end of the stream
 * is dropped. `id:` and `retry:` are read and ignored: the daemon sends a
 * full status snapshot on every connection, so there is nothing to resume.
 * An `error` event is the daemon's last word on a stream it cannot go on
 * with (it is stopping): it is passed on, and mlxd_events() then reports
 * it as the cause (MLXD_EAPI) however the transfer itself ended.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mlxd/mlxd.h>

#include "sdk.h"

/* Largest event data kept (the status snapshot is a few KB). */
#define EVENTS_MAX_DATA		((size_t)64 * 1024 * 1024)

struct events_parser {
	mlxd_event_cb	 cb;
	void		*arg;
	char		*error;		/* data of an `error` event, if any */
	size_t		 error_len;
	char		*name;		/* the event type, NULL = "message" */
	char		*data;		/* data lines, each followed by "\n" */
	size_t		 len;
	size_t		 cap;
};

static int
events_append(struct events_parser *p, const char *s, size_t n)
{
	size_t	 need, ncap;
	char	*d;

	if (n + 1 > EVENTS_MAX_DATA - p->len)
		return -EMSGSIZE;
	need = p->len + n + 2;
	if (need > p->cap) {
		ncap = p->cap == 0 ? 4096 : p->cap;
		while (ncap < need)
			ncap *= 2;
		if ((d = realloc(p->data, ncap)) == NULL)
			return -ENOMEM;
		p->data = d;
		p->cap = ncap;
	}
	memcpy(p->data + p->len, s, n);
	p->len += n;
	p->data[p->len++] = '\n';
	p->data[p->len] = '\0';
	return 0;
}

static void
events_reset(struct events_parser *p)
{
	free(p->name);
	p->name = NULL;
	p->len = 0;
	if (p->data != NULL)
		p->data[0] = '\0';
}

/* An empty line: hand the event to the callback if it has data. */
static int
events_dispatch(struct events_parser *p)
{
	int	 rc;

	if (p->len == 0) {
		events_reset(p);
		return 0;
	}
	/* Drop the "\n" after the last data line. */
	p->data[--p->len] = '\0';
	/* The daemon's last word when a stream cannot go on: keep it. */
	if (p->name != NULL && strcmp(p->name, "error") == 0) {
		free(p->error);
		if ((p->error = malloc(p->len + 1)) != NULL) {
			memcpy(p->error, p->data, p->len + 1);
			p->error_len = p->len;
		}
	}
	rc = p->cb(p->arg, p->name != NULL ? p->name : "message", p->data,
	    p->len);
	events_reset(p);
	return rc;
}

static int
events_line(void *arg, const char *line, size_t len)
{
	struct events_parser	*p = arg;
	const char		*colon, *value;
	size_t			 flen, vlen;

	if (len == 0)
		return events_dispatch(p);
	if (line[0] == ':')
		return 0;
	if ((colon = memchr(line, ':', len)) != NULL) {
		flen = (size_t)(colon - line);
		value = colon + 1;
		vlen = len - flen - 1;
		if (vlen > 0 && *value == ' ') {
			value++;
			vlen--;
		}
	} else {
		flen = len;
		value = "";
		vlen = 0;
	}
	if (flen == 5 && memcmp(line, "event", 5) == 0) {
		free(p->name);
		if ((p->name = strndup(value, vlen)) == NULL)
			return -ENOMEM;
	} else if (flen == 4 && memcmp(line, "data", 4) == 0)
		return events_append(p, value, vlen);
	/* id, retry and unknown fields are ignored. */
	return 0;
}

/* Follow the daemon's event stream, one callback per event. */
int
mlxd_events(struct mlxd_client *c, mlxd_event_cb cb, void *arg)
{
	struct events_parser	 p;
	int			 rc;

	if (c == NULL || cb == NULL)
		return -EINVAL;
	memset(&p, 0, sizeof p);
	p.cb = cb;
	p.arg = arg;
	rc = mlxd_stream(c, "GET", "/v1/events", NULL, 0, events_line, &p);
	/* A stream the daemon ended with an error event: report its cause. */
	if (p.error != NULL && rc != -EINTR) {
		client_set_api_error(c, 503, p.error, p.error_len);
		rc = MLXD_EAPI;
	}
	free(p.error);
	free(p.name);
	free(p.data);
	return rc;
}
