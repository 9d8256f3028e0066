/* SPDX-License-Identifier: ISC */
/*
 * bench_suite.c: the benchmark suites, their request bodies and their plan.
 *
 * Test names follow llama-bench: "ppN" is a prefill test of an N-token
 * prompt, "tgN" generates N tokens after a short prompt, "ppN+tgM" does
 * both. Requests go to /api/generate with raw:true (no chat template adds
 * an identical preamble), temperature 0 and a fixed seed. The per-request
 * prefix puts eight hex digits first, so even the first prompt token
 * differs between any two requests and the prompt cache cannot match a
 * prefix. Warm-ups of a test run right before its repetitions, tests run
 * one after another (the model stays loaded and num_ctx never changes).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/random.h>
#include <unistd.h>

#include "bench_suite.h"
#include "xmalloc.h"

struct test_def {
	const char	*name;
	const char	*description;
	enum bench_kind	 kind;
	int		 n_prompt;
	int		 num_predict;
};

struct suite_def {
	const char		*name;
	int			 num_ctx;
	const struct test_def	*tests;
	size_t			 ntests;
};

/* Prefill: output is only long enough to time the first tokens. */
#define PP(n)	{ "pp" #n, "prefill of a ~" #n "-token prompt", \
		    BENCH_KIND_PP, n, 16 }
#define TG128	{ "tg128", "generation of 128 tokens after a short prompt", \
		    BENCH_KIND_TG, 16, 128 }

static const struct test_def quick_tests[] = {
	PP(512),
	TG128,
};

static const struct test_def standard_tests[] = {
	PP(512),
	TG128,
	{ "pp64+tg256", "short prompt (~64 tokens), 256 tokens out",
	    BENCH_KIND_PG, 64, 256 },
	{ "pp1024+tg256", "medium prompt (~1024 tokens), 256 tokens out",
	    BENCH_KIND_PG, 1024, 256 },
	{ "pp3072+tg128", "long prompt (~3072 tokens), 128 tokens out",
	    BENCH_KIND_PG, 3072, 128 },
};

static const struct test_def long_tests[] = {
	PP(2048),
	PP(4096),
	{ "pp4096+tg128", "generation of 128 tokens after a ~4096-token "
	    "prompt", BENCH_KIND_PG, 4096, 128 },
};

static const struct test_def cold_tests[] = {
	{ "cold", "model unloaded first: load time and cold TTFT of a "
	    "~512-token prompt, 128 tokens out", BENCH_KIND_COLD, 512, 128 },
};

#define DEF(n, ctx, t) { n, ctx, t, sizeof(t) / sizeof(t[0]) }
static const struct suite_def suites[] = {
	DEF("quick", BENCH_SUITE_NUM_CTX, quick_tests),
	DEF("standard", BENCH_SUITE_NUM_CTX, standard_tests),
	DEF("long", BENCH_SUITE_LONG_CTX, long_tests),
	DEF("cold", BENCH_SUITE_NUM_CTX, cold_tests),
	{ "custom", BENCH_SUITE_NUM_CTX, NULL, 0 },
};
#define NSUITES	(sizeof(suites) / sizeof(suites[0]))

static const char *const suite_names[] = {
	"quick", "standard", "long", "cold", "custom", NULL
};

/* Defaults for bench_suite_new(). */
void
bench_suite_opts_init(struct bench_suite_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->warmup = BENCH_SUITE_WARMUP;
	opts->repetitions = BENCH_SUITE_REPS;
	opts->seed = BENCH_SUITE_SEED;
	opts->num_predict = BENCH_SUITE_NUM_PREDICT;
}

/* The known suite names. */
const char *const *
bench_suite_names(void)
{
	return suite_names;
}

static int
random_bytes(unsigned char *buf, size_t len)
{
	if (getentropy(buf, len) != 0)
		return -errno;
	return 0;
}

/* A fresh UUID-shaped run id. */
int
bench_suite_new_id(char *buf, size_t len)
{
	unsigned char	b[16];
	int		rc;

	if (len < BENCH_SUITE_ID_LEN)
		return -EINVAL;
	if ((rc = random_bytes(b, sizeof(b))) != 0)
		return rc;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(buf, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return 0;
}

static int
nonce_ok(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++, n++) {
		if (*s <= ' ' || *s == ']' || *s == 0x7f)
			return 0;
	}
	return n > 0 && n <= 40;
}

static void
test_fill(struct bench_test *t, const struct test_def *d, int warmup,
    int reps)
{
	t->name = xstrdup(d->name);
	t->description = d->description;
	t->kind = d->kind;
	t->n_prompt = d->n_prompt;
	t->num_predict = d->num_predict;
	t->repetitions = reps;
	t->chars_per_token = BENCH_PROMPTS_CHARS_PER_TOKEN;
	if (d->kind == BENCH_KIND_COLD) {
		/* A warm-up would load the model and defeat the test. */
		t->warmup = 0;
		t->unload_first = 1;
	} else
		t->warmup = warmup;
	if (d->kind == BENCH_KIND_TG) {
		t->prompt = xstrdup(bench_prompts_story);
	} else {
		t->synthetic = 1;
		t->prompt = bench_prompts_build(d->n_prompt -
		    BENCH_PROMPTS_PREFIX_TOKENS, t->chars_per_token, NULL);
	}
}

/* Build a suite. */
int
bench_suite_new(const char *name, const struct bench_suite_opts *opts,
    struct bench_suite **suitep, char **causep)
{
	const struct suite_def	*def = NULL;
	struct bench_suite	*s = NULL;
	unsigned char		 rnd[4];
	size_t			 i;
	int			 rc;

	for (i = 0; name != NULL && i < NSUITES; i++) {
		if (strcmp(name, suites[i].name) == 0)
			def = &suites[i];
	}
	if (def == NULL) {
		*causep = xasprintf("unknown suite \"%s\" (quick, standard, "
		    "long, cold or custom)", name != NULL ? name : "");
		return -EINVAL;
	}
	if (opts->model == NULL || *opts->model == '\0') {
		*causep = xstrdup("a model is required");
		return -EINVAL;
	}
	if (opts->repetitions < 1 || opts->repetitions > BENCH_SUITE_MAX_REPS) {
		*causep = xasprintf("repetitions must be 1..%d",
		    BENCH_SUITE_MAX_REPS);
		return -EINVAL;
	}
	if (opts->warmup < 0 || opts->warmup > BENCH_SUITE_MAX_WARMUP) {
		*causep = xasprintf("warmup must be 0..%d",
		    BENCH_SUITE_MAX_WARMUP);
		return -EINVAL;
	}
	if (opts->num_ctx != 0 && (opts->num_ctx < 256 ||
	    opts->num_ctx > 1048576)) {
		*causep = xstrdup("num_ctx must be 256..1048576");
		return -EINVAL;
	}
	if (opts->seed < 0) {
		*causep = xstrdup("seed must be 0 or more");
		return -EINVAL;
	}
	if (opts->nonce != NULL && !nonce_ok(opts->nonce)) {
		*causep = xstrdup("nonce must be 1..40 printable characters "
		    "without spaces or ']'");
		return -EINVAL;
	}
	if (def->tests == NULL) {
		if (opts->nprompts == 0) {
			*causep = xstrdup("the custom suite needs at least one "
			    "prompt");
			return -EINVAL;
		}
		if (opts->num_predict < 1 || opts->num_predict > 65536) {
			*causep = xstrdup("num_predict must be 1..65536");
			return -EINVAL;
		}
		for (i = 0; i < opts->nprompts; i++) {
			if (opts->prompts[i] == NULL ||
			    *opts->prompts[i] == '\0') {
				*causep = xasprintf("prompt %zu is empty",
				    i + 1);
				return -EINVAL;
			}
		}
	} else if (opts->nprompts != 0) {
		*causep = xasprintf("prompts are only used by the custom "
		    "suite, not \"%s\"", def->name);
		return -EINVAL;
	}

	s = xcalloc(1, sizeof(*s));
	s->name = xstrdup(def->name);
	s->model = xstrdup(opts->model);
	s->num_ctx = opts->num_ctx != 0 ? opts->num_ctx : def->num_ctx;
	s->seed = opts->seed;
	s->temperature = 0;
	if (opts->keep_alive != NULL)
		s->keep_alive = xstrdup(opts->keep_alive);
	if (opts->nonce != NULL)
		s->nonce = xstrdup(opts->nonce);
	else {
		if ((rc = random_bytes(rnd, sizeof(rnd))) != 0) {
			*causep = xstrdup("cannot read random bytes");
			goto fail;
		}
		s->nonce = xasprintf("%02x%02x%02x%02x", rnd[0], rnd[1],
		    rnd[2], rnd[3]);
	}

	if (def->tests != NULL) {
		s->ntests = def->ntests;
		s->tests = xcalloc(s->ntests, sizeof(*s->tests));
		for (i = 0; i < s->ntests; i++) {
			test_fill(&s->tests[i], &def->tests[i], opts->warmup,
			    opts->repetitions);
			if (def->tests[i].n_prompt +
			    def->tests[i].num_predict > s->num_ctx) {
				*causep = xasprintf("num_ctx %d is too small "
				    "for test %s (%d prompt + %d output "
				    "tokens)", s->num_ctx, def->tests[i].name,
				    def->tests[i].n_prompt,
				    def->tests[i].num_predict);
				rc = -EINVAL;
				goto fail;
			}
		}
	} else {
		s->ntests = opts->nprompts;
		s->tests = xcalloc(s->ntests, sizeof(*s->tests));
		for (i = 0; i < s->ntests; i++) {
			s->tests[i].name = xasprintf("custom%zu", i + 1);
			s->tests[i].description = "user prompt";
			s->tests[i].kind = BENCH_KIND_PG;
			s->tests[i].num_predict = opts->num_predict;
			s->tests[i].warmup = opts->warmup;
			s->tests[i].repetitions = opts->repetitions;
			s->tests[i].prompt = xstrdup(opts->prompts[i]);
		}
	}
	*suitep = s;
	return 0;
fail:
	bench_suite_free(s);
	return rc;
}

/* Free a suite; accepts NULL. */
void
bench_suite_free(struct bench_suite *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->ntests; i++) {
		free(s->tests[i].name);
		free(s->tests[i].prompt);
	}
	free(s->tests);
	free(s->name);
	free(s->model);
	free(s->nonce);
	free(s->keep_alive);
	free(s);
}

/* The suite as JSON. */
json_t *
bench_suite_json(const struct bench_suite *s)
{
	const struct bench_test	*t;
	json_t			*o, *tests, *jt;
	size_t			 i;

	o = json_object();
	json_object_set_new(o, "suite", json_string(s->name));
	json_object_set_new(o, "model", json_string(s->model));
	json_object_set_new(o, "nonce", json_string(s->nonce));
	json_object_set_new(o, "num_ctx", json_integer(s->num_ctx));
	json_object_set_new(o, "seed", json_integer((json_int_t)s->seed));
	json_object_set_new(o, "temperature", json_real(s->temperature));
	json_object_set_new(o, "raw", json_true());
	json_object_set_new(o, "keep_alive", s->keep_alive != NULL ?
	    json_string(s->keep_alive) : json_null());
	tests = json_array();
	for (i = 0; i < s->ntests; i++) {
		t = &s->tests[i];
		jt = json_object();
		json_object_set_new(jt, "name", json_string(t->name));
		json_object_set_new(jt, "kind",
		    json_string(bench_stats_kind_name(t->kind)));
		json_object_set_new(jt, "description",
		    json_string(t->description));
		json_object_set_new(jt, "n_prompt", t->n_prompt > 0 ?
		    json_integer(t->n_prompt) : json_null());
		json_object_set_new(jt, "num_predict",
		    json_integer(t->num_predict));
		json_object_set_new(jt, "warmup", json_integer(t->warmup));
		json_object_set_new(jt, "repetitions",
		    json_integer(t->repetitions));
		json_object_set_new(jt, "unload_first",
		    json_boolean(t->unload_first));
		/* User prompts are part of what makes the run repeatable. */
		if (!t->synthetic && t->kind != BENCH_KIND_TG)
			json_object_set_new(jt, "prompt",
			    json_string(t->prompt));
		json_array_append_new(tests, jt);
	}
	json_object_set_new(o, "tests", tests);
	return o;
}

/* The ordered list of requests. */
struct bench_plan *
bench_suite_plan(const struct bench_suite *s)
{
	struct bench_plan	*p;
	const struct bench_test	*t;
	size_t			 i, n = 0;
	int			 r;

	for (i = 0; i < s->ntests; i++) {
		t = &s->tests[i];
		n += (size_t)t->repetitions * (t->unload_first ? 2 : 1) +
		    (t->unload_first ? 0 : (size_t)t->warmup);
	}
	p = xcalloc(1, sizeof(*p));
	p->steps = xcalloc(n > 0 ? n : 1, sizeof(*p->steps));
	for (i = 0; i < s->ntests; i++) {
		t = &s->tests[i];
		if (t->unload_first) {
			for (r = 1; r <= t->repetitions; r++) {
				p->steps[p->nsteps++] = (struct bench_step){
				    BENCH_STEP_UNLOAD, i, r };
				p->steps[p->nsteps++] = (struct bench_step){
				    BENCH_STEP_MEASURE, i, r };
				p->nmeasure++;
			}
			continue;
		}
		for (r = 1; r <= t->warmup; r++)
			p->steps[p->nsteps++] = (struct bench_step){
			    BENCH_STEP_WARMUP, i, r };
		for (r = 1; r <= t->repetitions; r++) {
			p->steps[p->nsteps++] = (struct bench_step){
			    BENCH_STEP_MEASURE, i, r };
			p->nmeasure++;
		}
	}
	return p;
}

/* Free a plan; accepts NULL. */
void
bench_suite_plan_free(struct bench_plan *p)
{
	if (p == NULL)
		return;
	free(p->steps);
	free(p);
}

static const char *
step_word(enum bench_step_kind kind)
{
	switch (kind) {
	case BENCH_STEP_UNLOAD:
		return "unload";
	case BENCH_STEP_WARMUP:
		return "warmup";
	case BENCH_STEP_MEASURE:
	default:
		return "rep";
	}
}

static uint32_t
fnv1a(uint32_t h, const void *data, size_t len)
{
	const unsigned char	*p = data;
	size_t			 i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

/* The unique prefix of one request. */
char *
bench_suite_prefix(const struct bench_suite *s, const struct bench_step *step,
    int attempt)
{
	const struct bench_test	*t = &s->tests[step->test];
	char			 tag[64];
	uint32_t		 h = 2166136261u;
	int			 v[4];

	v[0] = (int)step->test;
	v[1] = (int)step->kind;
	v[2] = step->repetition;
	v[3] = attempt;
	h = fnv1a(h, s->nonce, strlen(s->nonce) + 1);
	h = fnv1a(h, t->name, strlen(t->name) + 1);
	h = fnv1a(h, v, sizeof(v));
	if (attempt > 0)
		snprintf(tag, sizeof(tag), " try %d", attempt);
	else
		tag[0] = '\0';
	return xasprintf("%08" PRIx32 " [run %s %s %s %d%s] ", h, s->nonce,
	    t->name, step_word(step->kind), step->repetition, tag);
}

/* The /api/generate body of one step. */
json_t *
bench_suite_request(const struct bench_suite *s, const struct bench_step *step,
    int attempt)
{
	const struct bench_test	*t = &s->tests[step->test];
	json_t			*body, *opts;
	char			*prefix, *prompt;

	body = json_object();
	json_object_set_new(body, "model", json_string(s->model));
	if (step->kind == BENCH_STEP_UNLOAD) {
		json_object_set_new(body, "prompt", json_string(""));
		json_object_set_new(body, "keep_alive", json_integer(0));
		json_object_set_new(body, "stream", json_false());
		return body;
	}
	prefix = bench_suite_prefix(s, step, attempt);
	prompt = xasprintf("%s%s", prefix, t->prompt);
	json_object_set_new(body, "prompt", json_string(prompt));
	free(prompt);
	free(prefix);
	json_object_set_new(body, "raw", json_true());
	json_object_set_new(body, "stream", json_true());
	opts = json_object();
	json_object_set_new(opts, "temperature", json_real(s->temperature));
	json_object_set_new(opts, "seed", json_integer((json_int_t)s->seed));
	json_object_set_new(opts, "num_predict", json_integer(t->num_predict));
	json_object_set_new(opts, "num_ctx", json_integer(s->num_ctx));
	json_object_set_new(body, "options", opts);
	if (s->keep_alive != NULL)
		json_object_set_new(body, "keep_alive",
		    json_string(s->keep_alive));
	return body;
}

/* Validation parameters for a step. */
void
bench_suite_check(const struct bench_suite *s, const struct bench_step *step,
    struct bench_check *check)
{
	const struct bench_test	*t = &s->tests[step->test];

	memset(check, 0, sizeof(*check));
	check->num_predict = t->num_predict;
	/* A prefill test needs the prompt, not a full-length answer. */
	check->check_short = t->kind != BENCH_KIND_PP;
	check->warm = step->kind == BENCH_STEP_MEASURE && !t->unload_first;
	check->reload_ns = BENCH_RELOAD_NS;
}

/* Progress text of a step. */
char *
bench_suite_step_label(const struct bench_suite *s,
    const struct bench_step *step)
{
	const struct bench_test	*t = &s->tests[step->test];
	int			 of;

	of = step->kind == BENCH_STEP_WARMUP ? t->warmup : t->repetitions;
	return xasprintf("test %zu/%zu %s: %s %d/%d", step->test + 1,
	    s->ntests, t->name, step_word(step->kind), step->repetition, of);
}

/* Re-size a synthetic prompt from a measured token count. */
int
bench_suite_calibrate(struct bench_suite *s, size_t test,
    int64_t prompt_eval_count)
{
	struct bench_test	*t;
	double			 body, cpt;

	if (test >= s->ntests || prompt_eval_count <= 0)
		return -EINVAL;
	t = &s->tests[test];
	if (!t->synthetic)
		return 0;
	body = (double)(prompt_eval_count - BENCH_PROMPTS_PREFIX_TOKENS);
	if (body < 1)
		body = 1;
	cpt = (double)strlen(t->prompt) / body;
	if (cpt < 1.0)
		cpt = 1.0;
	if (cpt > 10.0)
		cpt = 10.0;
	t->chars_per_token = cpt;
	free(t->prompt);
	t->prompt = bench_prompts_build(t->n_prompt -
	    BENCH_PROMPTS_PREFIX_TOKENS, cpt, NULL);
	return 0;
}
