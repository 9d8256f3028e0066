/* SPDX-License-Identifier: ISC */
/*
 * http_stream.c: streamed replies and calls onto the loop.
 *
 * A struct http_stream is a mutex-protected byte queue filled from any
 * thread (usually the loop) and drained by MHD's content-reader callback on
 * the connection's own thread, which blocks until bytes arrive and notices a
 * departed client by peeking at its socket. A client that falls more than
 * the stream's limit behind is cut off. http_loop_call() lets a handler
 * thread run a function on the loop and wait for it, through a queue that a
 * uv_async_t drains.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "http_int.h"
#include "timeutil.h"
#include "xmalloc.h"

/* ---- streams ------------------------------------------------------------ */

/* A new stream with one reference. */
struct http_stream *
http_stream_new(const char *content_type, size_t limit)
{
	struct http_stream	*s;

	s = xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->mtx, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->refs = 1;
	s->limit = limit;
	s->fd = -1;
	s->content_type = xstrdup(content_type);
	return s;
}

/* Take a reference. */
void
http_stream_ref(struct http_stream *s)
{
	pthread_mutex_lock(&s->mtx);
	s->refs++;
	pthread_mutex_unlock(&s->mtx);
}

/* Drop a reference; the last one frees. */
void
http_stream_unref(struct http_stream *s)
{
	int	refs;

	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mtx);
	refs = --s->refs;
	pthread_mutex_unlock(&s->mtx);
	if (refs > 0)
		return;
	if (s->gone_release != NULL)
		s->gone_release(s->gone_arg);
	pthread_mutex_destroy(&s->mtx);
	pthread_cond_destroy(&s->cond);
	free(s->buf);
	free(s->content_type);
	free(s);
}

/* Queue bytes for the client. */
int
http_stream_write(struct http_stream *s, const void *data, size_t len)
{
	int	rc = 0;

	pthread_mutex_lock(&s->mtx);
	if (s->closed || s->gone)
		rc = -EPIPE;
	else if (s->len - s->off + len > s->limit) {
		/* The client is not keeping up: cut it off. */
		s->closed = 1;
		s->gone = 1;
		rc = -ENOBUFS;
	} else {
		if (s->off > 0 && s->off == s->len)
			s->off = s->len = 0;
		if (s->len + len > s->cap) {
			if (s->off > 0) {
				memmove(s->buf, s->buf + s->off,
				    s->len - s->off);
				s->len -= s->off;
				s->off = 0;
			}
			if (s->len + len > s->cap) {
				s->cap = (s->len + len) * 2;
				s->buf = xrealloc(s->buf, s->cap);
			}
		}
		memcpy(s->buf + s->len, data, len);
		s->len += len;
	}
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mtx);
	return rc;
}

/* End the body once the queue is sent. */
void
http_stream_close(struct http_stream *s)
{
	pthread_mutex_lock(&s->mtx);
	s->closed = 1;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mtx);
}

/* End the body as broken, after one last message. */
void
http_stream_fail(struct http_stream *s, const void *last, size_t len)
{
	pthread_mutex_lock(&s->mtx);
	if (!s->closed && !s->gone && len > 0) {
		if (s->len + len > s->cap) {
			s->cap = s->len + len;
			s->buf = xrealloc(s->buf, s->cap);
		}
		memcpy(s->buf + s->len, last, len);
		s->len += len;
	}
	if (!s->closed)
		s->failed = 1;
	s->closed = 1;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mtx);
}

/* Bytes waiting for the client. */
size_t
http_stream_pending(struct http_stream *s)
{
	size_t	n;

	pthread_mutex_lock(&s->mtx);
	n = s->len - s->off;
	pthread_mutex_unlock(&s->mtx);
	return n;
}

/* Whether the client left. */
int
http_stream_gone(struct http_stream *s)
{
	int	gone;

	pthread_mutex_lock(&s->mtx);
	gone = s->gone;
	pthread_mutex_unlock(&s->mtx);
	return gone;
}

/* Set the departure callback. */
void
http_stream_on_gone(struct http_stream *s, void (*cb)(void *),
    void (*release)(void *), void *arg)
{
	pthread_mutex_lock(&s->mtx);
	s->gone_cb = cb;
	s->gone_release = release;
	s->gone_arg = arg;
	pthread_mutex_unlock(&s->mtx);
}

/* Change the content type. */
void
http_stream_set_type(struct http_stream *s, const char *content_type)
{
	pthread_mutex_lock(&s->mtx);
	free(s->content_type);
	s->content_type = xstrdup(content_type);
	pthread_mutex_unlock(&s->mtx);
}

/* 1 if the peer has closed its end (EOF on a peek). */
/* See http_int.h. */
int
http_peer_closed(int fd)
{
	char	c;
	ssize_t	n;

	if (fd < 0)
		return 0;
	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0)
		return 1;
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		return 1;
	return 0;
}

static void
http_stream_mark_gone(struct http_stream *s)
{
	void	(*cb)(void *) = NULL;
	void	*arg = NULL;

	pthread_mutex_lock(&s->mtx);
	if (!s->gone && !s->closed) {
		cb = s->gone_cb;
		arg = s->gone_arg;
	}
	s->gone = 1;
	s->gone_cb = NULL;	/* at most once; gone_release stays */
	pthread_mutex_unlock(&s->mtx);
	if (cb != NULL)
		cb(arg);
}

/* See http_int.h. */
ssize_t
http_stream_reader(void *cls, uint64_t pos, char *out, size_t max)
{
	struct http_stream	*s = cls;
	struct timespec		 ts;
	size_t			 n;

	(void)pos;
	pthread_mutex_lock(&s->mtx);
	for (;;) {
		if (s->len > s->off && !s->closed && http_peer_closed(s->fd)) {
			/* Gone: stop its source now, not a write or two later. */
			pthread_mutex_unlock(&s->mtx);
			http_stream_mark_gone(s);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		if (s->len > s->off) {
			n = s->len - s->off;
			if (n > max)
				n = max;
			memcpy(out, s->buf + s->off, n);
			s->off += n;
			pthread_mutex_unlock(&s->mtx);
			return (ssize_t)n;
		}
		if (s->gone || s->failed) {
			pthread_mutex_unlock(&s->mtx);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		if (s->closed) {
			pthread_mutex_unlock(&s->mtx);
			return s->failed ? MHD_CONTENT_READER_END_WITH_ERROR :
			    MHD_CONTENT_READER_END_OF_STREAM;
		}
		timeutil_deadline(&ts, HTTP_STREAM_POLL_MS);
		if (pthread_cond_timedwait(&s->cond, &s->mtx, &ts) ==
		    ETIMEDOUT && http_peer_closed(s->fd)) {
			pthread_mutex_unlock(&s->mtx);
			http_stream_mark_gone(s);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
	}
}

/* See http_int.h. */
void
http_stream_free_cb(void *cls)
{
	struct http_stream	*s = cls;
	struct http		*http = s->http;

	/* The response is done: if the body did not end, the client left. */
	http_stream_mark_gone(s);
	if (http != NULL) {
		pthread_mutex_lock(&http->mtx);
		if (s->prev != NULL)
			s->prev->next = s->next;
		else if (http->streams == s)
			http->streams = s->next;
		if (s->next != NULL)
			s->next->prev = s->prev;
		pthread_mutex_unlock(&http->mtx);
	}
	http_stream_unref(s);
}

/* ---- loop calls --------------------------------------------------------- */

/* See http_int.h. */
void
http_async_cb(uv_async_t *a)
{
	struct http		*http = a->data;
	struct http_call	*c;

	for (;;) {
		pthread_mutex_lock(&http->mtx);
		c = http->calls;
		if (c != NULL) {
			http->calls = c->next;
			if (http->calls == NULL)
				http->calls_tail = NULL;
		}
		pthread_mutex_unlock(&http->mtx);
		if (c == NULL)
			break;
		c->fn(c->arg);
		pthread_mutex_lock(&http->mtx);
		c->done = 1;
		pthread_cond_broadcast(&http->cond);
		pthread_mutex_unlock(&http->mtx);
	}
}

/* Run fn(arg) on the loop thread and wait. */
int
http_loop_call(struct http *http, void (*fn)(void *), void *arg)
{
	struct http_call	c = { fn, arg, 0, 0, NULL };

	if (http == NULL)
		return -ECANCELED;	/* not serving (yet, or any more) */
	pthread_mutex_lock(&http->mtx);
	if (http->stopping) {
		pthread_mutex_unlock(&http->mtx);
		return -ECANCELED;
	}
	if (http->calls_tail != NULL)
		http->calls_tail->next = &c;
	else
		http->calls = &c;
	http->calls_tail = &c;
	uv_async_send(&http->async);
	while (!c.done && !c.cancelled)
		pthread_cond_wait(&http->cond, &http->mtx);
	pthread_mutex_unlock(&http->mtx);
	return c.cancelled ? -ECANCELED : 0;
}
