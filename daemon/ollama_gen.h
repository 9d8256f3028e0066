/* SPDX-License-Identifier: ISC */
/*
 * ollama_gen.h: one streaming generation (/api/generate or /api/chat) sent
 * to Ollama from the loop, its bytes passed on as they arrive and its NDJSON
 * lines parsed for the figures: TTFT and inter-token timing from a monotonic
 * clock, exact counters from the final chunk. Used by the generation proxy
 * and the benchmark runner. Every callback runs on the loop thread.
 */
#ifndef MLXD_OLLAMA_GEN_H
#define MLXD_OLLAMA_GEN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct mlxd;
struct ollama_gen;

/* Figures so far; integers are -1 while unknown. */
struct ollama_gen_stats {
	long		 status;	/* upstream HTTP status, 0 before */
	int64_t		 sent_mono_ns;	/* when the request was sent */
	int64_t		 ttft_ns;	/* sent -> first content chunk */
	int64_t		 last_token_ns;	/* sent -> last content chunk */
	int64_t		 e2e_ns;	/* sent -> done line */
	int64_t		 chunks;	/* content chunks seen */
	int		 done;		/* saw done:true */
	/* From the final chunk (Ollama's counters, ns and tokens). */
	int64_t		 total_ns, load_ns;
	int64_t		 prompt_eval_count, prompt_eval_ns;
	int64_t		 prompt_cached_count;	/* -1 unless Ollama says */
	int64_t		 eval_count, eval_ns;
	char		 done_reason[32];
};

struct ollama_gen_result {
	int		 err;		/* 0, -ECONNREFUSED..., -EPROTO, -ECANCELED */
	const char	*error;		/* why, or NULL on success */
	const struct ollama_gen_stats *stats;
	const char	*text;		/* output text when keep_text, else NULL */
};

struct ollama_gen_cbs {
	/* Upstream status and content type, before any byte. */
	void	(*head)(void *arg, long status, const char *ctype);
	/* Raw bytes exactly as received (pass-through); non-zero aborts. */
	int	(*raw)(void *arg, const char *buf, size_t len);
	/* After each content chunk. */
	void	(*chunk)(void *arg, const struct ollama_gen_stats *st);
	/* The end, exactly once unless ollama_gen_cancel() came first. */
	void	(*done)(void *arg, const struct ollama_gen_result *res);
};

/*
 * POST body to path ("/api/generate" or "/api/chat") on the watched Ollama.
 * body is copied. keep_text collects response/content text. Returns NULL if
 * the request could not be started (then no callback runs).
 */
struct ollama_gen *ollama_gen_start(struct mlxd *md, const char *path,
	    const char *body, size_t len, const char *user_agent, int keep_text,
	    const struct ollama_gen_cbs *cbs, void *arg);

/* Abort: the upstream connection is closed; no callback runs after this. */
void	ollama_gen_cancel(struct ollama_gen *g);

/* Parse one NDJSON line into st; returns 1 for a content chunk, 0 for other
 * lines, -1 for an {"error":...} line (message in *errp, caller frees). */
int	ollama_gen_parse_line(const char *line, size_t len,
	    struct ollama_gen_stats *st, char **textp, char **errp);

#endif
