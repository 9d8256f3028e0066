/* SPDX-License-Identifier: ISC */
/*
 * events.h: the Server-Sent Events stream, GET /v1/events.
 *
 * Subscribers are HTTP streams registered on the loop thread. On connect a
 * subscriber gets `event: status` with the full snapshot; afterwards it gets
 * `status` whenever something a client shows changes, whatever modules emit
 * (`metrics` per sample, job progress), and a heartbeat comment every 15 s.
 * Each event is serialised once and queued to every subscriber; a client
 * that falls behind by more than its stream limit is dropped (it reconnects
 * and resyncs from the snapshot), so one slow client never delays others or
 * grows memory without bound.
 */
#ifndef MLXD_EVENTS_H
#define MLXD_EVENTS_H

#include <jansson.h>

struct mlxd;
struct events;
struct http_stream;

/* How far (bytes) a subscriber may fall behind before it is dropped. */
#define EVENTS_STREAM_LIMIT	(512 * 1024)

int	events_start(struct mlxd *md, struct events **ep);
void	events_stop(struct events *ev);

/* Send `event: name` with obj as data to every subscriber (loop thread). */
void	events_emit(struct events *ev, const char *name, const json_t *obj);

/* Number of connected subscribers (loop thread). */
int	events_count(const struct events *ev);

/*
 * Add stream as a subscriber and queue the snapshot (loop thread); while
 * stopping, the stream is closed at once.
 */
void	events_subscribe(struct mlxd *md, struct http_stream *stream);


#endif
