/* SPDX-License-Identifier: ISC */
/*
 * bench_suite.h: benchmark suites as data, the exact /api/generate request
 * bodies they send, and the order in which a runner sends them.
 *
 * A suite is a list of tests (prompt, output length, kind) plus run-wide
 * request options: temperature 0, seed 42, one num_ctx for every request of
 * the run (4096; 8192 for the long suite) so Ollama never reloads the model
 * between warm-up and measured requests. Every prompt starts with a unique
 * prefix so Ollama's prompt cache cannot serve any part of it. The plan runs
 * test after test, each as its warm-ups followed by its repetitions (the
 * cold test instead unloads the model before every repetition). Prompt
 * texts live in bench_prompts.c. Nothing here does I/O except reading
 * random bytes for ids.
 */
#ifndef MLXD_BENCH_SUITE_H
#define MLXD_BENCH_SUITE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "bench_stats.h"

#define BENCH_SUITE_WARMUP	1
#define BENCH_SUITE_REPS	5
#define BENCH_SUITE_SEED	42
#define BENCH_SUITE_NUM_CTX	4096
#define BENCH_SUITE_LONG_CTX	8192
#define BENCH_SUITE_NUM_PREDICT	128	/* custom prompts */
#define BENCH_SUITE_MAX_REPS	1000
#define BENCH_SUITE_MAX_WARMUP	100
/* Length of a run id: a UUID-shaped string plus its NUL. */
#define BENCH_SUITE_ID_LEN	37

struct bench_test {
	char		*name;		/* "pp512", "tg128", "pp64+tg256" */
	const char	*description;	/* static text */
	enum bench_kind	 kind;
	int		 n_prompt;	/* target prompt tokens; 0: user */
	int		 num_predict;
	int		 warmup;
	int		 repetitions;
	int		 unload_first;	/* unload before each repetition */
	int		 synthetic;	/* built here; can be calibrated */
	double		 chars_per_token;	/* synthetic prompts */
	char		*prompt;	/* text after the per-request prefix */
};

struct bench_suite {
	char		*name;		/* quick, standard, long, cold... */
	char		*model;
	char		*nonce;		/* run-wide part of every prefix */
	char		*keep_alive;	/* sent when not NULL, e.g. "10m" */
	int		 num_ctx;
	int64_t		 seed;
	double		 temperature;
	struct bench_test *tests;
	size_t		 ntests;
};

/* Options for bench_suite_new(); start from bench_suite_opts_init(). */
struct bench_suite_opts {
	const char	*model;		/* required */
	const char	*nonce;		/* NULL: random */
	const char	*keep_alive;	/* NULL: not sent */
	int		 warmup;	/* per test; ignored by the cold test */
	int		 repetitions;
	int		 num_ctx;	/* 0: the suite's default */
	int64_t		 seed;
	int		 num_predict;	/* custom prompts */
	const char *const *prompts;	/* custom suite only */
	size_t		 nprompts;
};

enum bench_step_kind {
	BENCH_STEP_UNLOAD = 0,	/* empty prompt, keep_alive 0 */
	BENCH_STEP_WARMUP,	/* untimed */
	BENCH_STEP_MEASURE,
};

/* One planned request. */
struct bench_step {
	enum bench_step_kind kind;
	size_t		 test;		/* index into suite->tests */
	int		 repetition;	/* 1-based within its kind */
};

struct bench_plan {
	struct bench_step *steps;
	size_t		 nsteps;	/* every request, unloads included */
	size_t		 nmeasure;	/* measured requests */
};

/* Fill opts with the defaults: warm-up 1, 5 repetitions, seed 42. */
void	bench_suite_opts_init(struct bench_suite_opts *opts);

/* The suite names, NULL-terminated. */
const char *const *bench_suite_names(void);

/*
 * Build the suite called name for opts. Returns 0, or -EINVAL with *causep
 * (caller frees) for an unknown suite, a missing model, custom without
 * prompts (or prompts for another suite), values out of range, or a num_ctx
 * too small for a test's prompt plus output.
 */
int	bench_suite_new(const char *name, const struct bench_suite_opts *opts,
	    struct bench_suite **suitep, char **causep);
void	bench_suite_free(struct bench_suite *s);

/*
 * A new JSON object describing the suite (name, options, tests) for
 * bench_runs.options and for clients.
 */
json_t	*bench_suite_json(const struct bench_suite *s);

/* The ordered request list; free with bench_suite_plan_free(). */
struct bench_plan *bench_suite_plan(const struct bench_suite *s);
void	bench_suite_plan_free(struct bench_plan *p);

/*
 * The prompt prefix of a request (caller frees): eight hex digits unique to
 * (nonce, test, step, repetition, attempt) first, then a readable tag, e.g.
 * "5c0e91ab [run 7f3a9c01 tg128 rep 3] " or "... tg128 warmup 1 try 2] ".
 */
char	*bench_suite_prefix(const struct bench_suite *s,
	    const struct bench_step *step, int attempt);

/*
 * The exact /api/generate body for a step (a new reference). Measured and
 * warm-up steps: {model, prompt: prefix + text, raw: true, stream: true,
 * options: {temperature, seed, num_predict, num_ctx}[, keep_alive]}.
 * Unload steps: {model, prompt: "", keep_alive: 0, stream: false}.
 * attempt > 0 marks a retry and changes the prefix.
 */
json_t	*bench_suite_request(const struct bench_suite *s,
	    const struct bench_step *step, int attempt);

/* What to validate the sample of a step against. */
void	bench_suite_check(const struct bench_suite *s,
	    const struct bench_step *step, struct bench_check *check);

/*
 * Progress text for a step (caller frees), llama-bench style:
 * "test 1/2 pp512: warmup 1/1", "test 2/2 tg128: rep 3/5",
 * "test 1/1 cold: unload 2/5".
 */
char	*bench_suite_step_label(const struct bench_suite *s,
	    const struct bench_step *step);

/*
 * Re-size a synthetic prompt once Ollama reported how many tokens the
 * warm-up's prompt really had. Returns 0 (also for non-synthetic tests,
 * which are left alone) or -EINVAL for a bad index or count.
 */
int	bench_suite_calibrate(struct bench_suite *s, size_t test,
	    int64_t prompt_eval_count);

/* A random UUID-shaped id (version 4) in buf[BENCH_SUITE_ID_LEN]. */
int	bench_suite_new_id(char *buf, size_t len);

/* bench_prompts.c */

/* Tokens the per-request prefix takes, roughly; subtracted from targets. */
#define BENCH_PROMPTS_PREFIX_TOKENS	20
/* Starting estimate of characters per token for English prose. */
#define BENCH_PROMPTS_CHARS_PER_TOKEN	4.0

/* A short opening (~16 tokens) that invites a long continuation. */
extern const char bench_prompts_story[];

/*
 * Deterministic English prose of about n_tokens tokens (at chars_per_token
 * characters per token), cut at a word boundary, followed by tail (may be
 * NULL). Caller frees.
 */
char	*bench_prompts_build(int n_tokens, double chars_per_token,
	    const char *tail);

#endif
