/* SPDX-License-Identifier: ISC */
/*
 * events.c: Server-Sent Events fan-out on the loop thread.
 *
 * A 250 ms timer notices published state changes (state_generation()) and
 * sends a `status` event when the snapshot a client would show differs from
 * the last one sent — the daemon's uptime and the per-sample system figures
 * are left out of that comparison, since they change every second and have
 * their own `metrics` event. The route, GET /v1/events, is in
 * api_events.c.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "http.h"
#include "log.h"
#include "mlxd.h"
#include "state.h"
#include "xmalloc.h"

#define EVENTS_HEARTBEAT_MS	15000
#define EVENTS_CHECK_MS		250

struct events_sub {
	struct http_stream	*stream;
	struct events_sub	*next;
};

struct events {
	struct mlxd		*md;
	struct events_sub	*subs;
	int			 nsubs;
	uv_timer_t		 heartbeat;
	uv_timer_t		 check;
	int			 nclosed;
	unsigned long		 seen_gen;
	char			*last_status;	/* comparison key */
};

json_t *api_status_snapshot(struct mlxd *md);

static char *
events_format(const char *name, const json_t *obj)
{
	char	*data, *out;

	data = json_dumps(obj, JSON_COMPACT | JSON_ENCODE_ANY |
	    JSON_REAL_PRECISION(15));
	if (data == NULL)
		fatalx("events: out of memory");
	out = xasprintf("event: %s\ndata: %s\n\n", name, data);
	free(data);
	return out;
}

static void
events_send_raw(struct events *ev, const char *text)
{
	struct events_sub	**sp, *s;
	size_t			 len = strlen(text);
	int			 rc;

	for (sp = &ev->subs; (s = *sp) != NULL;) {
		if ((rc = http_stream_write(s->stream, text, len)) != 0) {
			log_debug("events: dropping a subscriber: %s",
			    rc == -ENOBUFS ? "too far behind" : "gone");
			http_stream_close(s->stream);
			http_stream_unref(s->stream);
			*sp = s->next;
			free(s);
			ev->nsubs--;
			continue;
		}
		sp = &s->next;
	}
}

/* Send an event to every subscriber. */
void
events_emit(struct events *ev, const char *name, const json_t *obj)
{
	char	*text;

	if (ev == NULL || ev->subs == NULL)
		return;
	text = events_format(name, obj);
	events_send_raw(ev, text);
	free(text);
}

/* Subscribers now. */
int
events_count(const struct events *ev)
{
	return ev->nsubs;
}

/* The part of the status that a change of deserves an event. */
static char *
events_status_key(json_t *snap)
{
	json_t	*copy = json_copy(snap);
	char	*key;

	json_object_del(copy, "daemon");
	json_object_del(copy, "system");
	/* Every successful poll moves last_ok_at; that alone is no change. */
	if (json_is_object(json_object_get(copy, "ollama"))) {
		json_t *ol = json_copy(json_object_get(copy, "ollama"));
		json_object_del(ol, "last_ok_at");
		json_object_set_new(copy, "ollama", ol);
	}
	key = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(copy);
	return key;
}

static void
events_check_cb(uv_timer_t *t)
{
	struct events	*ev = t->data;
	unsigned long	 gen = state_generation();
	json_t		*snap;
	char		*key;

	if (gen == ev->seen_gen)
		return;
	ev->seen_gen = gen;
	snap = api_status_snapshot(ev->md);
	key = events_status_key(snap);
	if (ev->last_status == NULL || strcmp(key, ev->last_status) != 0) {
		free(ev->last_status);
		ev->last_status = key;
		events_emit(ev, "status", snap);
	} else
		free(key);
	json_decref(snap);
}

static void
events_heartbeat_cb(uv_timer_t *t)
{
	struct events	*ev = t->data;

	if (ev->subs != NULL)
		events_send_raw(ev, ": heartbeat\n\n");
}

/* Register a subscriber and send it the snapshot (loop thread). */
void
events_subscribe(struct mlxd *md, struct http_stream *stream)
{
	struct events		*ev = md->events;
	struct events_sub	*s;
	json_t			*snap;
	char			*text;

	if (ev == NULL) {
		/* Stopping: the stream ends at once. */
		http_stream_close(stream);
		return;
	}
	s = xcalloc(1, sizeof(*s));
	s->stream = stream;
	http_stream_ref(stream);
	snap = api_status_snapshot(ev->md);
	text = events_format("status", snap);
	json_decref(snap);
	(void)http_stream_write(s->stream, "retry: 2000\n\n", 13);
	(void)http_stream_write(s->stream, text, strlen(text));
	free(text);
	s->next = ev->subs;
	ev->subs = s;
	ev->nsubs++;
}

/* Start the change watcher and the heartbeat. */
int
events_start(struct mlxd *md, struct events **ep)
{
	struct events	*ev;

	ev = xcalloc(1, sizeof(*ev));
	ev->md = md;
	uv_timer_init(md->loop, &ev->heartbeat);
	uv_timer_init(md->loop, &ev->check);
	ev->heartbeat.data = ev->check.data = ev;
	uv_timer_start(&ev->heartbeat, events_heartbeat_cb,
	    EVENTS_HEARTBEAT_MS, EVENTS_HEARTBEAT_MS);
	uv_timer_start(&ev->check, events_check_cb, EVENTS_CHECK_MS,
	    EVENTS_CHECK_MS);
	*ep = ev;
	return 0;
}

static void
events_closed(uv_handle_t *h)
{
	struct events	*ev = h->data;

	if (++ev->nclosed < 2)
		return;
	free(ev->last_status);
	free(ev);
}

/* End every stream and free once the timers are closed. */
void
events_stop(struct events *ev)
{
	struct events_sub	*s;
	static const char	 bye[] = "event: error\ndata: {\"error\":"
	    "{\"code\":\"stopping\",\"message\":\"mlxd is stopping\"}}\n\n";

	if (ev == NULL)
		return;
	/* The stream cannot go on: say why, then cut it (not a clean end). */
	while ((s = ev->subs) != NULL) {
		ev->subs = s->next;
		http_stream_fail(s->stream, bye, sizeof(bye) - 1);
		http_stream_unref(s->stream);
		free(s);
	}
	uv_close((uv_handle_t *)&ev->heartbeat, events_closed);
	uv_close((uv_handle_t *)&ev->check, events_closed);
}
