/* SPDX-License-Identifier: ISC */
/*
 * bench.c: the benchmark runner on the loop.
 *
 * A run walks its plan one request at a time: unloads (empty prompt,
 * keep_alive 0), warm-ups and measured repetitions. Each request goes
 * through ollama_gen, which timestamps the stream on a monotonic clock and
 * reads Ollama's own counters from the final chunk; the sample is
 * validated (short output, reload, prompt cache), retried with a new
 * prompt prefix up to three times when short or reloaded, and stored with
 * its flags either way. After every measured sample the test's summary is
 * recomputed and stored, so a crash loses at most one request. Three
 * failed requests in a row end the run as failed. Cancelling aborts the
 * request in flight at once.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_stats.h"
#include "bench_suite.h"
#include "jobs.h"
#include "log.h"
#include "metrics.h"
#include "mlxd.h"
#include "mlxd_config.h"
#include "ollama.h"
#include "ollama_gen.h"
#include "ollama_parse.h"
#include "sampler.h"
#include "state.h"
#include "store_bench.h"
#include "timeutil.h"
#include "xmalloc.h"

#define BENCH_MAX_CONSEC_ERRORS	3
#define BENCH_PRUNE_EVERY_MS	(3600 * 1000)

struct bench_run {
	struct bench		*b;
	char			 id[40];
	struct job		*job;
	struct bench_suite	*suite;
	struct bench_plan	*plan;
	size_t			 step;		/* index into plan */
	int			 attempt;	/* retries of this step so far */
	size_t			 measured;	/* measured steps done */
	struct ollama_gen	*og;
	struct ollama_show	*show;		/* /api/show in flight */
	int			 consec_errors;
	int64_t			 sent_ns;	/* wall clock of the request */
	int			 cancelled;
	uint64_t		 started_mono;
	uint64_t		 step_mono;	/* when the current step began */
	double			 peak_mem;
	int			 started_stored; /* started_at is in the store */
	int			 ps_stored;	/* ps_*_bytes are in the store */
	const char		*final_state;	/* set by bench_end */
	/* Seconds spent and steps done per test, for the ETA. */
	double			*test_secs;
	size_t			*test_steps;
	/* Measured samples per test, for the summaries. */
	struct bench_sample	**samples;
	size_t			*nsamples;
	size_t			*capsamples;
};

struct bench {
	struct mlxd		*md;
	struct bench_run	*run;		/* the active run, or NULL */
	uv_timer_t		 prune;
};

static void	bench_next(struct bench_run *r);

static void
bench_publish(struct bench *b)
{
	json_t	*active = NULL;

	if (b->run != NULL)
		active = bench_progress_json(b, b->run->id);
	state_publish(STATE_BENCHMARK, json_pack("{s:o}", "active",
	    active != NULL ? active : json_null()));
}

/*
 * Seconds left: each remaining step costs what steps of its test took so
 * far, or, for a test not yet reached, the seconds per generated token
 * of the steps done times its num_predict (generation dominates a step,
 * so a tg128 step is not priced like a pp512 one). NAN before any step.
 */
static double
bench_eta(const struct bench_run *r)
{
	const struct bench_test	*t;
	double			 secs = 0, tokens = 0, per_token, eta = 0;
	size_t			 i, k;

	for (i = 0; i < r->suite->ntests; i++) {
		if (r->test_steps[i] == 0)
			continue;
		secs += r->test_secs[i];
		tokens += (double)r->test_steps[i] *
		    (double)(r->suite->tests[i].num_predict > 0 ?
		    r->suite->tests[i].num_predict : 1);
	}
	if (tokens == 0)
		return NAN;
	per_token = secs / tokens;
	for (i = r->step; i < r->plan->nsteps; i++) {
		k = r->plan->steps[i].test;
		t = &r->suite->tests[k];
		if (r->test_steps[k] > 0)
			eta += r->test_secs[k] / (double)r->test_steps[k];
		else
			eta += per_token * (double)(t->num_predict > 0 ?
			    t->num_predict : 1);
	}
	/* The step in flight has been running for a while already. */
	if (r->step < r->plan->nsteps && r->step_mono != 0) {
		eta -= (double)(timeutil_mono_ns() - r->step_mono) / 1e9;
		if (eta < 0)
			eta = 0;
	}
	return eta;
}

/* Live progress of the active run. */
json_t *
bench_progress_json(struct bench *b, const char *id)
{
	struct bench_run	*r = b->run;
	const struct bench_step	*st;
	double			 pct, elapsed, eta;
	char			*label;
	json_t			*o;

	if (r == NULL || strcmp(r->id, id) != 0)
		return NULL;
	pct = r->plan->nsteps > 0 ? 100.0 * (double)r->step /
	    (double)r->plan->nsteps : 0;
	elapsed = (double)(timeutil_mono_ns() - r->started_mono) / 1e9;
	eta = r->final_state != NULL ? 0 : bench_eta(r);
	st = r->step < r->plan->nsteps ? &r->plan->steps[r->step] : NULL;
	label = st != NULL ? bench_suite_step_label(r->suite, st) : NULL;
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:i, s:I, s:I, "
	    "s:f, s:o, s:f}",
	    "id", r->id,
	    "job", job_id(r->job),
	    "model", r->suite->model,
	    "suite", r->suite->name,
	    "state", r->final_state != NULL ? r->final_state :
	    r->cancelled ? "cancelling" : "running",
	    "step", label,
	    "test", st != NULL ? r->suite->tests[st->test].name : NULL,
	    "repetition", st != NULL ? st->repetition : 0,
	    "steps_done", (json_int_t)r->step,
	    "steps_total", (json_int_t)r->plan->nsteps,
	    "percent", pct,
	    "eta_s", isnan(eta) ? json_null() : json_real(eta),
	    "elapsed_s", elapsed);
	free(label);
	return o;
}

static void
bench_run_free(struct bench_run *r)
{
	size_t	i;

	ollama_show_cancel(r->show);
	if (r->samples != NULL)
		for (i = 0; i < r->suite->ntests; i++)
			free(r->samples[i]);
	free(r->samples);
	free(r->nsamples);
	free(r->capsamples);
	free(r->test_secs);
	free(r->test_steps);
	bench_suite_plan_free(r->plan);
	bench_suite_free(r->suite);
	free(r);
}

/* "level name" of the thermal state and the system power, for the run. */
static void
bench_env_now(struct bench *b, char **thermalp, char **powerp)
{
	json_t	*sys = state_get(STATE_SYSTEM), *th, *pw;
	char	*t = NULL, *p = NULL;

	th = json_object_get(sys, "thermal");
	pw = json_object_get(sys, "power_watts");
	if (json_is_string(json_object_get(th, "pressure")))
		t = xstrdup(json_string_value(json_object_get(th,
		    "pressure")));
	if (json_is_object(pw)) {
		const char *k;
		json_t *v;
		int any = 0;
		json_object_foreach(pw, k, v)
			any |= json_is_number(v);
		if (any)
			p = json_dumps(pw, JSON_COMPACT |
			    JSON_REAL_PRECISION(6));
	}
	json_decref(sys);
	(void)b;
	*thermalp = t;
	*powerp = p;
}

static void
bench_end(struct bench_run *r, const char *state, const char *error)
{
	struct bench			*b = r->b;
	struct store_bench_update	 u;
	char				*thermal = NULL, *power = NULL;
	json_t				*run = NULL;
	int				 rc;

	/* The job's last progress says how the run ended. */
	r->final_state = state;
	job_progress(r->job, bench_progress_json(b, r->id));
	bench_env_now(b, &thermal, &power);
	store_bench_update_init(&u);
	u.state = state;
	u.error = error;
	u.thermal_end = thermal;
	u.power_end = power;
	u.peak_memory_bytes = r->peak_mem > 0 ? (int64_t)r->peak_mem : -1;
	if ((rc = store_bench_run_update(b->md->store, r->id, &u)) != 0)
		log_warnx("bench: cannot update run %s: %s", r->id,
		    strerror(-rc));
	free(thermal);
	free(power);
	(void)store_bench_run_get(b->md->store, r->id, 0, &run);
	log_info("bench: run %s on %s %s%s%s", r->id, r->suite->model, state,
	    error != NULL ? ": " : "", error != NULL ? error : "");
	job_finish(r->job, strcmp(state, STORE_BENCH_DONE) == 0 ? JOB_DONE :
	    strcmp(state, STORE_BENCH_CANCELLED) == 0 ? JOB_CANCELLED :
	    JOB_FAILED, run, error);
	b->run = NULL;
	bench_run_free(r);
	bench_publish(b);
}

static void
bench_sample_from(struct bench_sample *s, const struct ollama_gen_result *res)
{
	const struct ollama_gen_stats	*st = res->stats;

	s->ttft_ns = st->ttft_ns;
	s->last_token_ns = st->last_token_ns;
	s->e2e_ns = st->e2e_ns;
	s->chunks = (int)st->chunks;
	if (st->done) {
		s->prompt_eval_count = st->prompt_eval_count;
		s->prompt_eval_duration_ns = st->prompt_eval_ns;
		s->prompt_cached_count = st->prompt_cached_count;
		s->eval_count = st->eval_count;
		s->eval_duration_ns = st->eval_ns;
		s->load_duration_ns = st->load_ns;
		s->total_duration_ns = st->total_ns;
		snprintf(s->done_reason, sizeof(s->done_reason), "%.*s",
		    (int)sizeof(s->done_reason) - 1, st->done_reason);
	}
	if (res->err != 0)
		bench_stats_sample_fail(s, res->error != NULL ? res->error :
		    "request failed");
}

static void
bench_keep_sample(struct bench_run *r, size_t test,
    const struct bench_sample *s)
{
	struct bench_test_stats	ts;
	int			rc;

	if (r->nsamples[test] == r->capsamples[test]) {
		r->capsamples[test] = r->capsamples[test] ? r->capsamples[test] *
		    2 : 8;
		r->samples[test] = xreallocarray(r->samples[test],
		    r->capsamples[test], sizeof(*s));
	}
	r->samples[test][r->nsamples[test]++] = *s;
	bench_stats_aggregate(r->samples[test], r->nsamples[test], &ts);
	if ((rc = store_bench_test_put(r->b->md->store, r->id,
	    &r->suite->tests[test], (int)test, &ts)) != 0)
		log_warnx("bench: cannot store test %s: %s",
		    r->suite->tests[test].name, strerror(-rc));
}

static void
bench_gen_chunk(void *arg, const struct ollama_gen_stats *st)
{
	struct bench_run	*r = arg;
	double			 mem;

	(void)st;
	if ((mem = sampler_mem_used(r->b->md->sampler)) > r->peak_mem)
		r->peak_mem = mem;
}

/*
 * Ollama's /api/show reply for the run's model: keep the parameter count
 * (n_params) with the run. A failure leaves it null.
 */
static void
bench_show_done(void *arg, const char *body, size_t len)
{
	struct bench_run		*r = arg;
	struct store_bench_update	 u;
	int				 rc;

	r->show = NULL;
	store_bench_update_init(&u);
	if (body == NULL || (u.n_params = ollama_parse_param_count(body,
	    len)) < 0) {
		log_debug("bench: run %s: no parameter count from Ollama",
		    r->id);
		return;
	}
	if ((rc = store_bench_run_update(r->b->md->store, r->id, &u)) != 0)
		log_warnx("bench: cannot store the parameter count of run %s: "
		    "%s", r->id, strerror(-rc));
}

/* The run's started_at: when its first request goes out. */
static void
bench_store_started(struct bench_run *r)
{
	struct store_bench_update	u;
	int				rc;

	store_bench_update_init(&u);
	u.started_ns = r->sent_ns;
	if ((rc = store_bench_run_update(r->b->md->store, r->id, &u)) != 0)
		log_warnx("bench: cannot store the start of run %s: %s", r->id,
		    strerror(-rc));
}

/*
 * Once a request has succeeded the model is loaded: keep its size and
 * VRAM share from Ollama's /api/ps (as last polled) with the run.
 */
static void
bench_store_ps(struct bench_run *r)
{
	struct store_bench_update	 u;
	json_t				*running, *m;
	const char			*name;
	char				*full = NULL;
	const char			*want = r->suite->model;
	size_t				 i;

	if (strchr(want, ':') == NULL)
		want = full = xasprintf("%s:latest", r->suite->model);
	running = state_get(STATE_RUNNING);
	store_bench_update_init(&u);
	json_array_foreach(json_object_get(running, "models"), i, m) {
		name = json_string_value(json_object_get(m, "name"));
		if (name == NULL || strcmp(name, want) != 0)
			continue;
		if (json_is_integer(json_object_get(m, "size_bytes")))
			u.ps_size_bytes = json_integer_value(
			    json_object_get(m, "size_bytes"));
		if (json_is_integer(json_object_get(m, "vram_bytes")))
			u.ps_vram_bytes = json_integer_value(
			    json_object_get(m, "vram_bytes"));
	}
	json_decref(running);
	free(full);
	if (u.ps_size_bytes < 0 && u.ps_vram_bytes < 0)
		return;		/* not polled yet: try after the next step */
	r->ps_stored = 1;
	(void)store_bench_run_update(r->b->md->store, r->id, &u);
}

static void
bench_gen_done(void *arg, const struct ollama_gen_result *res)
{
	struct bench_run	*r = arg;
	const struct bench_step	*step = &r->plan->steps[r->step];
	struct bench_sample	 s;
	struct bench_check	 check;
	int			 rc;

	r->og = NULL;
	if (step->kind != BENCH_STEP_UNLOAD) {
		r->test_secs[step->test] += (double)(timeutil_mono_ns() -
		    r->step_mono) / 1e9;
		r->test_steps[step->test]++;
	}
	if (res->err == 0 && !r->ps_stored && step->kind !=
	    BENCH_STEP_UNLOAD)
		bench_store_ps(r);
	if (step->kind == BENCH_STEP_UNLOAD) {
		/* An unload that fails is not a sample; the next step shows it. */
		r->step++;
		r->attempt = 0;
		bench_next(r);
		return;
	}
	bench_stats_sample_init(&s);
	s.repetition = step->repetition;
	s.attempt = r->attempt;
	s.is_warmup = step->kind == BENCH_STEP_WARMUP;
	s.started_ns = r->sent_ns;
	bench_sample_from(&s, res);
	bench_suite_check(r->suite, step, &check);
	bench_stats_validate(&s, &check);
	if ((rc = store_bench_sample_insert(r->b->md->store, r->id,
	    r->suite->tests[step->test].name, &s)) != 0)
		log_warnx("bench: cannot store a sample: %s", strerror(-rc));
	if (s.is_warmup && res->err == 0 && res->stats->prompt_eval_count > 0)
		(void)bench_suite_calibrate(r->suite, step->test,
		    res->stats->prompt_eval_count);

	if (res->err != 0) {
		if (++r->consec_errors >= BENCH_MAX_CONSEC_ERRORS) {
			char *e = xasprintf("%d requests in a row failed; last: "
			    "%s", r->consec_errors, s.error);
			if (!s.is_warmup)
				bench_keep_sample(r, step->test, &s);
			bench_end(r, STORE_BENCH_FAILED, e);
			free(e);
			return;
		}
	} else
		r->consec_errors = 0;
	if (!s.is_warmup && res->err == 0 && bench_stats_retry(&s, r->attempt)) {
		/* Kept with its flag; try again with a new prefix. */
		bench_keep_sample(r, step->test, &s);
		r->attempt++;
		bench_next(r);
		return;
	}
	if (!s.is_warmup) {
		bench_keep_sample(r, step->test, &s);
		r->measured++;
	}
	r->step++;
	r->attempt = 0;
	bench_next(r);
}

static const struct ollama_gen_cbs bench_gen_cbs = {
	NULL, NULL, bench_gen_chunk, bench_gen_done
};

/* Send the current step's request, or finish the run. */
static void
bench_next(struct bench_run *r)
{
	const struct bench_step	*step;
	json_t			*body;
	char			*text;

	if (r->cancelled) {
		bench_end(r, STORE_BENCH_CANCELLED, "cancelled");
		return;
	}
	if (r->step >= r->plan->nsteps) {
		bench_end(r, STORE_BENCH_DONE, NULL);
		return;
	}
	step = &r->plan->steps[r->step];
	body = bench_suite_request(r->suite, step, r->attempt);
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	r->sent_ns = timeutil_now_ns();
	r->step_mono = timeutil_mono_ns();
	if (!r->started_stored) {
		bench_store_started(r);
		r->started_stored = 1;
	}
	r->og = ollama_gen_start(r->b->md, "/api/generate", text, strlen(text),
	    "mlxd-bench/" MLXD_VERSION, 0, &bench_gen_cbs, r);
	free(text);
	if (r->og == NULL) {
		bench_end(r, STORE_BENCH_FAILED, "cannot start a request to "
		    "Ollama");
		return;
	}
	job_progress(r->job, bench_progress_json(r->b, r->id));
	bench_publish(r->b);
}

static void
bench_job_cancel(void *arg)
{
	struct bench_run	*r = arg;

	(void)bench_cancel(r->b, r->id);
}

/* Cancel the active run. */
int
bench_cancel(struct bench *b, const char *id)
{
	struct bench_run	*r = b->run;

	if (r == NULL || strcmp(r->id, id) != 0)
		return -ENOENT;
	r->cancelled = 1;
	if (r->og != NULL) {
		/* Abort the request in flight now; nothing more is sent. */
		ollama_gen_cancel(r->og);
		r->og = NULL;
		bench_end(r, STORE_BENCH_CANCELLED, "cancelled");
	}
	return 0;
}

static int
bench_json_int(const json_t *req, const char *key, int *vp, int min, int max,
    char **causep)
{
	json_t	*v = json_object_get(req, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		*causep = xasprintf("%s must be an integer from %d to %d", key,
		    min, max);
		return -EINVAL;
	}
	*vp = (int)json_integer_value(v);
	return 0;
}

/* Fill the environment of a new run from the published snapshots. */
static void
bench_env(struct bench *b, struct store_bench_run *run, json_t **heldp)
{
	json_t	*models = state_get(STATE_MODELS), *ol = state_get(STATE_OLLAMA);
	json_t	*sys = sampler_system_json(b->md->sampler), *m, *held;
	size_t	 i;
	const char *want = run->model;
	char	*full = NULL;

	held = json_array();
	json_array_append(held, models);
	json_array_append(held, ol);
	json_array_append(held, sys);
	if (strchr(want, ':') == NULL)
		want = full = xasprintf("%s:latest", run->model);
	json_array_foreach(json_object_get(models, "models"), i, m) {
		if (strcmp(json_string_value(json_object_get(m, "name")) ?
		    json_string_value(json_object_get(m, "name")) : "", want)
		    != 0)
			continue;
		run->digest = json_string_value(json_object_get(m, "digest"));
		run->quantization = json_string_value(json_object_get(m,
		    "quantization_level"));
		run->family = json_string_value(json_object_get(m, "family"));
		run->parameter_size = json_string_value(json_object_get(m,
		    "parameter_size"));
		run->format = json_string_value(json_object_get(m, "format"));
		if (json_is_integer(json_object_get(m, "size_bytes")))
			run->model_size_bytes = json_integer_value(
			    json_object_get(m, "size_bytes"));
	}
	free(full);
	run->ollama_version = json_string_value(json_object_get(ol, "version"));
	run->chip = json_string_value(json_object_get(sys, "chip"));
	if (json_is_integer(json_object_get(sys, "memory_total_bytes")))
		run->memory_bytes = json_integer_value(json_object_get(sys,
		    "memory_total_bytes"));
	run->os = json_string_value(json_object_get(json_object_get(sys, "os"),
	    "name"));
	json_decref(models);
	json_decref(ol);
	json_decref(sys);
	*heldp = held;
}

/* Start a run. */
int
bench_run(struct bench *b, const json_t *req, char **idp, char **jobp,
    char **causep)
{
	struct bench_suite_opts	 opts;
	struct store_bench_run	 sr;
	struct bench_run	*r;
	struct bench_suite	*suite = NULL;
	const char		*suite_name, **prompts = NULL;
	char			*thermal = NULL, *power = NULL;
	json_t			*v, *held = NULL, *sj;
	size_t			 i;
	int			 rc;

	if (b->run != NULL) {
		*causep = xasprintf("benchmark %s is running; one at a time",
		    b->run->id);
		return -EBUSY;
	}
	bench_suite_opts_init(&opts);
	opts.model = json_string_value(json_object_get(req, "model"));
	suite_name = json_string_value(json_object_get(req, "suite"));
	if (suite_name == NULL)
		suite_name = json_is_array(json_object_get(req, "prompts")) ?
		    "custom" : "quick";
	if ((rc = bench_json_int(req, "repetitions", &opts.repetitions, 1, 1000,
	    causep)) != 0 ||
	    (rc = bench_json_int(req, "warmup", &opts.warmup, 0, 100,
	    causep)) != 0 ||
	    (rc = bench_json_int(req, "num_predict", &opts.num_predict, 1,
	    100000, causep)) != 0 ||
	    (rc = bench_json_int(req, "num_ctx", &opts.num_ctx, 256, 1048576,
	    causep)) != 0)
		return rc;
	if ((v = json_object_get(req, "seed")) != NULL && !json_is_null(v)) {
		if (!json_is_integer(v)) {
			*causep = xstrdup("seed must be an integer");
			return -EINVAL;
		}
		opts.seed = json_integer_value(v);
	}
	if ((v = json_object_get(req, "prompts")) != NULL && !json_is_null(v)) {
		if (!json_is_array(v) || json_array_size(v) == 0) {
			*causep = xstrdup("prompts must be a non-empty array "
			    "of strings");
			return -EINVAL;
		}
		prompts = xcalloc(json_array_size(v), sizeof(*prompts));
		for (i = 0; i < json_array_size(v); i++) {
			if (!json_is_string(json_array_get(v, i))) {
				free(prompts);
				*causep = xstrdup("prompts must be strings");
				return -EINVAL;
			}
			prompts[i] = json_string_value(json_array_get(v, i));
		}
		opts.prompts = prompts;
		opts.nprompts = json_array_size(v);
	}
	rc = bench_suite_new(suite_name, &opts, &suite, causep);
	free(prompts);
	if (rc != 0)
		return rc;

	r = xcalloc(1, sizeof(*r));
	r->b = b;
	r->suite = suite;
	r->plan = bench_suite_plan(suite);
	r->samples = xcalloc(suite->ntests, sizeof(*r->samples));
	r->test_secs = xcalloc(suite->ntests, sizeof(*r->test_secs));
	r->test_steps = xcalloc(suite->ntests, sizeof(*r->test_steps));
	r->nsamples = xcalloc(suite->ntests, sizeof(*r->nsamples));
	r->capsamples = xcalloc(suite->ntests, sizeof(*r->capsamples));
	bench_suite_new_id(r->id, sizeof(r->id));

	store_bench_run_init(&sr);
	sr.id = r->id;
	sr.model = suite->model;
	sr.suite = suite->name;
	sj = bench_suite_json(suite);
	sr.options = sj;
	sr.mlxd_version = MLXD_VERSION;
	sr.state = STORE_BENCH_RUNNING;
	bench_env(b, &sr, &held);
	bench_env_now(b, &thermal, &power);
	sr.thermal_start = thermal;
	sr.power_start = power;
	rc = store_bench_run_insert(b->md->store, &sr);
	json_decref(sj);
	json_decref(held);
	free(thermal);
	free(power);
	if (rc != 0) {
		*causep = xasprintf("cannot store the run: %s", strerror(-rc));
		bench_run_free(r);
		return rc;
	}
	r->job = jobs_create(b->md->jobs, "benchmark", suite->model,
	    bench_job_cancel, r);
	r->started_mono = timeutil_mono_ns();
	b->run = r;
	if (b->md->ollama != NULL)
		r->show = ollama_show(b->md->ollama, suite->model,
		    bench_show_done, r);
	log_info("bench: run %s: %s suite on %s, %zu requests", r->id,
	    suite->name, suite->model, r->plan->nsteps);
	*idp = xstrdup(r->id);
	*jobp = xstrdup(job_id(r->job));
	bench_next(r);
	return 0;
}

static void
bench_prune_cb(uv_timer_t *t)
{
	struct bench	*b = t->data;
	int64_t		 cutoff;
	int		 nruns = 0, nsess = 0;

	cutoff = timeutil_now_ns() - b->md->cfg->retention_days * 86400LL *
	    1000000000LL;
	if (store_bench_prune(b->md->store, cutoff, &nruns, &nsess) == 0 &&
	    (nruns > 0 || nsess > 0))
		log_info("bench: pruned %d runs and %d sessions older than %lld "
		    "days", nruns, nsess, (long long)b->md->cfg->retention_days);
}

/* Start the runner (and the hourly retention prune). */
int
bench_start(struct mlxd *md, struct bench **bp)
{
	struct bench	*b;
	int		 n, rc;

	/* Nothing runs yet: what the database says is running was cut off. */
	if ((rc = store_bench_reconcile(md->store, &n)) != 0)
		log_warnx("bench: cannot mark interrupted runs: %s",
		    strerror(-rc));
	else if (n > 0)
		log_info("bench: %d run%s left running by an earlier mlxd "
		    "marked interrupted", n, n == 1 ? "" : "s");
	b = xcalloc(1, sizeof(*b));
	b->md = md;
	uv_timer_init(md->loop, &b->prune);
	b->prune.data = b;
	uv_timer_start(&b->prune, bench_prune_cb, 5000, BENCH_PRUNE_EVERY_MS);
	bench_publish(b);
	*bp = b;
	return 0;
}

static void
bench_closed(uv_handle_t *h)
{
	free(h->data);
}

/* Cancel the active run and free the runner. */
void
bench_stop(struct bench *b)
{
	if (b == NULL)
		return;
	if (b->run != NULL) {
		b->run->cancelled = 1;
		ollama_gen_cancel(b->run->og);
		b->run->og = NULL;
		bench_end(b->run, STORE_BENCH_CANCELLED, "mlxd stopped");
	}
	uv_close((uv_handle_t *)&b->prune, bench_closed);
}
