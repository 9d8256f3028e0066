/* SPDX-License-Identifier: ISC */
/*
 * proxy_int.h: what proxy.c (metered generations) and proxy_pass.c
 * (streamed pass-through) share. Nothing else includes it.
 */
#ifndef MLXD_PROXY_INT_H
#define MLXD_PROXY_INT_H

#include <stdint.h>

#include <jansson.h>
#include <uv.h>

struct mlxd;
struct proxy_gen;
struct proxy_pass;

struct proxy {
	struct mlxd		*md;
	struct proxy_gen	*active;
	struct proxy_pass	*passes;	/* pass-through in flight */
	int			 npaused;	/* passes waiting on a client */
	uint64_t		 next_id;
	json_t			*last;
	int			 dirty;
	uv_timer_t		 timer;
	uv_timer_t		 kick;		/* resumes paused passes */
	int			 nhandles;	/* open at proxy_stop */
};

/* proxy_pass.c: set up the pass-through timer (loop, at start). */
void	proxy_pass_init(struct proxy *p);

/* proxy_pass.c: abort every pass-through in flight (loop). */
void	proxy_pass_stop_all(struct proxy *p);

/*
 * A copy of s that is valid UTF-8 (invalid bytes become U+FFFD), for
 * strings taken from request headers.
 */
char	*proxy_utf8(const char *s);

#endif
