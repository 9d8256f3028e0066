/* SPDX-License-Identifier: ISC */
/*
 * proxy_int.h: what proxy.c (metered generations) and proxy_pass.c
 * (streamed pass-through) share. Nothing else includes it.
 */
#ifndef MLXD_PROXY_INT_H
#define MLXD_PROXY_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <uv.h>

struct metrics_buf;
struct mlxd;
struct proxy_gen;
struct proxy_meter;
struct proxy_pass;
struct store_bench_session;

#define PROXY_GONE_POLL_MS	100	/* client checks while Ollama is silent */
#define PROXY_MAXMODELS		32	/* then the model label is "other" */
#define PROXY_TTFT_BUCKETS	9
#define PROXY_TPS_BUCKETS	12
#define PROXY_NOUTCOMES		3	/* ok, error, cancelled */

/* Prometheus counters of one (model, route). */
struct proxy_stat {
	char		 model[128];
	char		 route[32];
	int64_t		 requests[PROXY_NOUTCOMES];
	int64_t		 embed_requests[PROXY_NOUTCOMES];
	int64_t		 embed_inputs;
	int64_t		 embed_prompt_tokens;
	int64_t		 prompt_tokens;
	int64_t		 tokens;
	int64_t		 ttft[PROXY_TTFT_BUCKETS];	/* cumulative */
	int64_t		 ttft_count;
	double		 ttft_sum;
	int64_t		 tps[PROXY_TPS_BUCKETS];	/* cumulative */
	int64_t		 tps_count;
	double		 tps_sum;
};

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
	struct proxy_stat	*stats;
	int			 nstats, capstats;
};

/* proxy_meter.c: count a stored session for Prometheus (loop). */
void	proxy_account(struct proxy *p, const struct store_bench_session *s);

/* proxy_meter.c: the digest of a model from the last /api/tags, or NULL. */
char	*proxy_digest(const char *model);

/*
 * proxy_meter.c: the meter of a pass-through request (embeddings and the
 * OpenAI-compatible routes); NULL for a route that is not metered.
 */
struct proxy_meter *proxy_meter_new(const char *method, const char *path,
	    const char *client);
void	proxy_meter_begin(struct proxy *p, struct proxy_meter *m);
json_t	*proxy_meter_active(const struct proxy_meter *m);
void	proxy_meter_request(struct proxy_meter *m, const char *body,
	    size_t len);
void	proxy_meter_head(struct proxy_meter *m, long status, const char *ctype);
void	proxy_meter_data(struct proxy_meter *m, const char *buf, size_t len);
void	proxy_meter_end(struct proxy *p, struct proxy_meter *m,
	    const char *error);
void	proxy_meter_free(struct proxy_meter *m);

/* proxy.c: publish generation.active and .last now (loop). */
void	proxy_publish(struct proxy *p);

/*
 * proxy_pass.c: append the running metered generations of the
 * pass-through (the OpenAI-compatible routes) to active (loop).
 */
void	proxy_pass_active(struct proxy *p, json_t *active);

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
