/* SPDX-License-Identifier: ISC */
/*
 * http_int.h: what http.c and http_stream.c share: the server's state, the
 * stream byte queue and the loop-call queue. Nothing outside those two files
 * includes it.
 */
#ifndef MLXD_HTTP_INT_H
#define MLXD_HTTP_INT_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include <microhttpd.h>
#include <uv.h>

#include "http.h"

#define HTTP_STREAM_POLL_MS	250

struct http_call {
	void			(*fn)(void *);
	void			*arg;
	int			 done;
	int			 cancelled;
	struct http_call	*next;
};

#define HTTP_MAXTCP	2

/* TCP listeners: connections per peer (the head deadline is a setting). */
#define HTTP_PER_PEER_LIMIT	64

/*
 * Per-connection memory of MHD: the request head and its parsed query
 * parameters must fit (beyond it MHD answers 414/431, or, when only the
 * parsed arguments overflow, drops the connection without a reply).
 */
#define HTTP_CONN_MEMORY	(128 * 1024)

/* One connection (MHD's socket context). */
struct http_conn {
	int			 allowed;	/* peer uid is ours */
	int			 fd;
	uint64_t		 head_since_ms;	/* waiting for a request head */
	int			 waiting;	/* in http->heads */
	struct http_conn	*next, *prev;
};

/* One MHD daemon: the Unix socket, or a TCP listener. */
struct http_listener {
	struct http		*http;
	struct MHD_Daemon	*mhd;
	int			 fd;
	enum router_listener	 kind;
	char			*token;		/* TCP: bearer token, or NULL */
	char			*name;		/* for logs */
	char			*host;		/* host part of the address, or
					   NULL when not loopback (no Host
					   check) */
};

struct http {
	struct mlxd		*md;
	struct MHD_Daemon	*mhd;
	struct http_listener	 unix_l;
	struct http_listener	 tcp[HTTP_MAXTCP];
	int			 ntcp;
	char			*path;
	int			 fd;
	dev_t			 sock_dev;
	ino_t			 sock_ino;

	pthread_mutex_t		 mtx;
	pthread_cond_t		 cond;
	int			 stopping;
	struct http_call	*calls, *calls_tail;
	uv_async_t		 async;
	int			 nrequests;	/* in the handler or replying */
	struct http_stream	*streams;	/* open streams, for shutdown */
	struct http_conn	*heads;		/* TCP conns reading a head */
	uv_timer_t		 head_timer;
	int			 nhandles;	/* open uv handles */
	char			**origins;	/* proxy.origins */
	int			 norigins;
};

struct http_stream {
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cond;
	int			 refs;
	char			*buf;
	size_t			 len, off, cap, limit;
	int			 closed;
	int			 gone;
	int			 failed;	/* end as a broken transfer */
	char			*content_type;
	void			(*gone_cb)(void *);
	void			(*gone_release)(void *);
	void			*gone_arg;
	int			 fd;		/* connection socket, for peeking */
	struct http		*http;
	struct http_stream	*next, *prev;	/* http->streams, under http->mtx */
};

/* http_stream.c */
int	http_peer_closed(int fd);
ssize_t	http_stream_reader(void *cls, uint64_t pos, char *out, size_t max);
void	http_stream_free_cb(void *cls);
void	http_async_cb(uv_async_t *a);

#endif
