/* SPDX-License-Identifier: ISC */
/*
 * test_bench_suite.c: suite definitions, the exact /api/generate bodies
 * (temperature 0, seed, num_ctx constant across warm-up and measured
 * requests, unique prefixes), the plan order and counts, validation
 * parameters, calibration and option errors.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "bench_suite.h"
#include "test.h"

static struct bench_suite *
suite(const char *name, struct bench_suite_opts *o)
{
	struct bench_suite_opts	 def;
	struct bench_suite	*s = NULL;
	char			*cause = NULL;

	if (o == NULL) {
		bench_suite_opts_init(&def);
		def.model = "llama3.1:8b";
		def.nonce = "7f3a9c01";
		o = &def;
	}
	if (bench_suite_new(name, o, &s, &cause) != 0)
		fail_msg("bench_suite_new(%s): %s", name, cause);
	return s;
}

static const char *
str(const json_t *o, const char *key)
{
	const char	*v;

	v = json_string_value(json_object_get(o, key));
	assert_non_null(v);
	return v;
}

static json_int_t
opt_int(const json_t *body, const char *key)
{
	const json_t	*v;

	v = json_object_get(json_object_get(body, "options"), key);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static void
test_quick_plan(void **state)
{
	struct bench_suite	*s;
	struct bench_plan	*p;
	char			*label;
	size_t			 i;

	(void)state;
	s = suite("quick", NULL);
	assert_string_equal(s->name, "quick");
	assert_int_equal(s->ntests, 2);
	assert_string_equal(s->tests[0].name, "pp512");
	assert_int_equal(s->tests[0].kind, BENCH_KIND_PP);
	assert_int_equal(s->tests[0].n_prompt, 512);
	assert_true(s->tests[0].num_predict > 0 &&
	    s->tests[0].num_predict <= 32);
	assert_string_equal(s->tests[1].name, "tg128");
	assert_int_equal(s->tests[1].kind, BENCH_KIND_TG);
	assert_int_equal(s->tests[1].num_predict, 128);
	assert_int_equal(s->num_ctx, 4096);
	assert_int_equal(s->seed, 42);

	/* Warm-ups of a test right before its repetitions, test by test. */
	p = bench_suite_plan(s);
	assert_int_equal(p->nsteps, 12);
	assert_int_equal(p->nmeasure, 10);
	assert_int_equal(p->steps[0].kind, BENCH_STEP_WARMUP);
	assert_int_equal(p->steps[0].test, 0);
	assert_int_equal(p->steps[0].repetition, 1);
	for (i = 1; i <= 5; i++) {
		assert_int_equal(p->steps[i].kind, BENCH_STEP_MEASURE);
		assert_int_equal(p->steps[i].test, 0);
		assert_int_equal(p->steps[i].repetition, (int)i);
	}
	assert_int_equal(p->steps[6].kind, BENCH_STEP_WARMUP);
	assert_int_equal(p->steps[6].test, 1);
	assert_int_equal(p->steps[11].kind, BENCH_STEP_MEASURE);
	assert_int_equal(p->steps[11].repetition, 5);

	label = bench_suite_step_label(s, &p->steps[9]);
	assert_string_equal(label, "test 2/2 tg128: rep 3/5");
	free(label);
	label = bench_suite_step_label(s, &p->steps[0]);
	assert_string_equal(label, "test 1/2 pp512: warmup 1/1");
	free(label);
	bench_suite_plan_free(p);
	bench_suite_free(s);
}

static void
test_request_body(void **state)
{
	struct bench_suite	*s;
	struct bench_step	 st = { BENCH_STEP_MEASURE, 1, 3 };
	json_t			*body, *temp;
	const char		*prompt;
	size_t			 i;

	(void)state;
	s = suite("quick", NULL);
	body = bench_suite_request(s, &st, 0);
	assert_string_equal(str(body, "model"), "llama3.1:8b");
	assert_true(json_is_true(json_object_get(body, "stream")));
	assert_true(json_is_true(json_object_get(body, "raw")));
	assert_null(json_object_get(body, "keep_alive"));
	temp = json_object_get(json_object_get(body, "options"),
	    "temperature");
	assert_true(json_is_number(temp));
	assert_true(json_number_value(temp) == 0.0);
	assert_int_equal(opt_int(body, "seed"), 42);
	assert_int_equal(opt_int(body, "num_predict"), 128);
	assert_int_equal(opt_int(body, "num_ctx"), 4096);
	assert_int_equal(json_object_size(json_object_get(body, "options")), 4);
	/* The prefix: 8 hex digits first, then the readable tag, then text. */
	prompt = str(body, "prompt");
	for (i = 0; i < 8; i++)
		assert_true(isxdigit((unsigned char)prompt[i]));
	assert_int_equal(prompt[8], ' ');
	assert_memory_equal(prompt + 9, "[run 7f3a9c01 tg128 rep 3] ", 27);
	assert_string_equal(prompt + 36, bench_prompts_story);
	json_decref(body);

	/* A retry gets a different prefix. */
	body = bench_suite_request(s, &st, 2);
	assert_non_null(strstr(str(body, "prompt"),
	    "[run 7f3a9c01 tg128 rep 3 try 2] "));
	json_decref(body);
	bench_suite_free(s);
}

static void
check_plan_bodies(struct bench_suite *s, int num_ctx)
{
	struct bench_plan	*p;
	json_t			*body, *seen;
	char			 hex[9];
	const char		*prompt;
	size_t			 i;
	int			 a, nunload = 0;

	p = bench_suite_plan(s);
	seen = json_object();
	for (i = 0; i < p->nsteps; i++) {
		for (a = 0; a <= BENCH_MAX_RETRIES; a++) {
			body = bench_suite_request(s, &p->steps[i], a);
			if (p->steps[i].kind == BENCH_STEP_UNLOAD) {
				json_decref(body);
				if (a == 0)
					nunload++;
				continue;
			}
			/* Same num_ctx for warm-ups and measured runs. */
			assert_int_equal(opt_int(body, "num_ctx"), num_ctx);
			assert_int_equal(opt_int(body, "seed"), s->seed);
			assert_int_equal(opt_int(body, "num_predict"),
			    s->tests[p->steps[i].test].num_predict);
			prompt = str(body, "prompt");
			/* Every request differs from its first characters. */
			memcpy(hex, prompt, 8);
			hex[8] = '\0';
			if (json_object_get(seen, hex) != NULL)
				fail_msg("prefix %s used twice (step %zu "
				    "attempt %d)", hex, i, a);
			json_object_set_new(seen, hex, json_true());
			json_decref(body);
		}
	}
	assert_int_equal(json_object_size(seen),
	    (p->nsteps - (size_t)nunload) * (BENCH_MAX_RETRIES + 1));
	json_decref(seen);
	bench_suite_plan_free(p);
}

static void
test_unique_prefixes_and_ctx(void **state)
{
	struct bench_suite_opts	 o;
	struct bench_suite	*s;
	struct bench_step	 w = { BENCH_STEP_WARMUP, 0, 1 };
	struct bench_step	 m = { BENCH_STEP_MEASURE, 0, 1 };
	char			*pw, *pm, *p2;
	json_t			*bw, *bm;

	(void)state;
	s = suite("standard", NULL);
	assert_int_equal(s->ntests, 5);
	check_plan_bodies(s, 4096);
	/* Warm-up and measured request of one test: same options. */
	bw = bench_suite_request(s, &w, 0);
	bm = bench_suite_request(s, &m, 0);
	assert_true(json_equal(json_object_get(bw, "options"),
	    json_object_get(bm, "options")));
	json_decref(bw);
	json_decref(bm);
	pw = bench_suite_prefix(s, &w, 0);
	pm = bench_suite_prefix(s, &m, 0);
	m.repetition = 2;
	p2 = bench_suite_prefix(s, &m, 0);
	assert_string_not_equal(pw, pm);
	assert_string_not_equal(pm, p2);
	assert_non_null(strstr(pw, " warmup 1] "));
	free(pw);
	free(pm);
	free(p2);
	bench_suite_free(s);

	s = suite("long", NULL);
	assert_int_equal(s->num_ctx, 8192);
	check_plan_bodies(s, 8192);
	bench_suite_free(s);

	/* Another nonce gives other prefixes; options carry through. */
	bench_suite_opts_init(&o);
	o.model = "qwen3:4b";
	o.nonce = "b00b1e5";
	o.seed = 7;
	o.num_ctx = 2048;
	o.repetitions = 3;
	o.warmup = 2;
	o.keep_alive = "10m";
	s = suite("quick", &o);
	assert_int_equal(s->tests[0].repetitions, 3);
	assert_int_equal(s->tests[0].warmup, 2);
	check_plan_bodies(s, 2048);
	bm = bench_suite_request(s, &m, 0);
	assert_string_equal(str(bm, "keep_alive"), "10m");
	assert_int_equal(opt_int(bm, "seed"), 7);
	assert_non_null(strstr(str(bm, "prompt"), "[run b00b1e5 pp512 rep 2]"));
	json_decref(bm);
	bench_suite_free(s);
}

static void
test_cold(void **state)
{
	struct bench_suite	*s;
	struct bench_plan	*p;
	struct bench_check	 c;
	json_t			*body;
	size_t			 i;

	(void)state;
	s = suite("cold", NULL);
	assert_int_equal(s->ntests, 1);
	assert_int_equal(s->tests[0].kind, BENCH_KIND_COLD);
	assert_int_equal(s->tests[0].warmup, 0);
	p = bench_suite_plan(s);
	assert_int_equal(p->nsteps, 10);
	assert_int_equal(p->nmeasure, 5);
	for (i = 0; i < p->nsteps; i++)
		assert_int_equal(p->steps[i].kind, i % 2 == 0 ?
		    BENCH_STEP_UNLOAD : BENCH_STEP_MEASURE);
	body = bench_suite_request(s, &p->steps[0], 0);
	assert_string_equal(str(body, "prompt"), "");
	assert_int_equal(json_integer_value(json_object_get(body,
	    "keep_alive")), 0);
	assert_true(json_is_false(json_object_get(body, "stream")));
	assert_null(json_object_get(body, "options"));
	json_decref(body);
	/* A cold measurement must not be flagged for its load time. */
	bench_suite_check(s, &p->steps[1], &c);
	assert_false(c.warm);
	assert_true(c.check_short);
	check_plan_bodies(s, 4096);
	bench_suite_plan_free(p);
	bench_suite_free(s);
}

static void
test_checks(void **state)
{
	struct bench_suite	*s;
	struct bench_step	 st = { BENCH_STEP_MEASURE, 0, 1 };
	struct bench_check	 c;

	(void)state;
	s = suite("quick", NULL);
	bench_suite_check(s, &st, &c);
	assert_false(c.check_short);		/* pp512 */
	assert_true(c.warm);
	assert_int_equal(c.reload_ns, BENCH_RELOAD_NS);
	st.test = 1;
	bench_suite_check(s, &st, &c);
	assert_true(c.check_short);		/* tg128 */
	assert_int_equal(c.num_predict, 128);
	st.kind = BENCH_STEP_WARMUP;
	bench_suite_check(s, &st, &c);
	assert_false(c.warm);			/* may load the model */
	bench_suite_free(s);
}

static void
test_prompts_and_calibration(void **state)
{
	struct bench_suite	*s;
	size_t			 before, after, want;
	char			*text;

	(void)state;
	s = suite("quick", NULL);
	before = strlen(s->tests[0].prompt);
	want = (size_t)((512 - BENCH_PROMPTS_PREFIX_TOKENS) *
	    BENCH_PROMPTS_CHARS_PER_TOKEN);
	assert_true(before <= want && before + 20 >= want);
	assert_true(s->tests[0].prompt[before - 1] != ' ');
	/* Ollama counted 600 tokens instead of ~512: shrink the text. */
	assert_int_equal(bench_suite_calibrate(s, 0, 600), 0);
	after = strlen(s->tests[0].prompt);
	want = (size_t)((double)before * 492.0 / 580.0);
	assert_true(after <= want + 2 && after + 20 >= want);
	assert_true(fabs(s->tests[0].chars_per_token -
	    (double)before / 580.0) < 1e-9);
	/* Fixed prompts are left alone. */
	assert_int_equal(bench_suite_calibrate(s, 1, 900), 0);
	assert_string_equal(s->tests[1].prompt, bench_prompts_story);
	assert_int_equal(bench_suite_calibrate(s, 2, 900), -EINVAL);
	assert_int_equal(bench_suite_calibrate(s, 0, 0), -EINVAL);
	bench_suite_free(s);

	/* Long prompts stay varied: numbered sections. */
	text = bench_prompts_build(4096, 4.0, "\n\nTail:");
	assert_true(strlen(text) > 16000);
	assert_non_null(strstr(text, "Section 2. "));
	assert_non_null(strstr(text, "Section 12. "));
	assert_string_equal(text + strlen(text) - 7, "\n\nTail:");
	free(text);
}

static void
test_custom_and_errors(void **state)
{
	const char		*prompts[] = { "Explain \"WAL\" mode.", "hi" };
	struct bench_suite_opts	 o;
	struct bench_suite	*s = NULL;
	struct bench_step	 st = { BENCH_STEP_MEASURE, 1, 1 };
	char			*cause = NULL;
	json_t			*body, *j;
	const char		*p;

	(void)state;
	bench_suite_opts_init(&o);
	o.model = "m";
	o.nonce = "n1";
	o.prompts = prompts;
	o.nprompts = 2;
	o.num_predict = 64;
	s = suite("custom", &o);
	assert_int_equal(s->ntests, 2);
	assert_string_equal(s->tests[0].name, "custom1");
	assert_string_equal(s->tests[1].name, "custom2");
	assert_int_equal(s->tests[1].kind, BENCH_KIND_PG);
	body = bench_suite_request(s, &st, 0);
	p = str(body, "prompt");
	assert_string_equal(p + strlen(p) - 2, "hi");
	assert_non_null(strstr(p, "[run n1 custom2 rep 1] hi"));
	assert_int_equal(opt_int(body, "num_predict"), 64);
	json_decref(body);
	j = bench_suite_json(s);
	assert_string_equal(str(j, "suite"), "custom");
	assert_int_equal(json_integer_value(json_object_get(j, "num_ctx")),
	    4096);
	assert_string_equal(str(json_array_get(json_object_get(j, "tests"), 0),
	    "prompt"), prompts[0]);
	json_decref(j);
	bench_suite_free(s);

#define EXPECT_EINVAL(name) do {					\
	s = NULL;							\
	cause = NULL;							\
	assert_int_equal(bench_suite_new(name, &o, &s, &cause), -EINVAL); \
	assert_null(s);							\
	assert_non_null(cause);						\
	free(cause);							\
} while (0)

	EXPECT_EINVAL("quick");		/* prompts for another suite */
	o.nprompts = 0;
	EXPECT_EINVAL("custom");	/* no prompts */
	EXPECT_EINVAL("nope");
	EXPECT_EINVAL(NULL);
	o.num_ctx = 4096;
	EXPECT_EINVAL("long");		/* 4096 + 16 tokens do not fit */
	o.num_ctx = 0;
	o.repetitions = 0;
	EXPECT_EINVAL("quick");
	o.repetitions = 5;
	o.warmup = -1;
	EXPECT_EINVAL("quick");
	o.warmup = 1;
	o.nonce = "has space";
	EXPECT_EINVAL("quick");
	o.nonce = NULL;
	o.model = NULL;
	EXPECT_EINVAL("quick");
	o.model = "m";
	o.seed = -1;
	EXPECT_EINVAL("quick");
	o.seed = 42;

	/* No nonce given: a random 8-hex one. */
	s = suite("quick", &o);
	assert_int_equal(strlen(s->nonce), 8);
	bench_suite_free(s);
	bench_suite_free(NULL);
}

static void
test_ids_and_json(void **state)
{
	struct bench_suite	*s;
	char			 a[BENCH_SUITE_ID_LEN], b[BENCH_SUITE_ID_LEN];
	json_t			*j;
	const char *const	*names;

	(void)state;
	assert_int_equal(bench_suite_new_id(a, sizeof(a)), 0);
	assert_int_equal(bench_suite_new_id(b, sizeof(b)), 0);
	assert_int_equal(strlen(a), 36);
	assert_int_equal(a[8], '-');
	assert_int_equal(a[13], '-');
	assert_int_equal(a[14], '4');
	assert_int_equal(a[18], '-');
	assert_int_equal(a[23], '-');
	assert_string_not_equal(a, b);
	assert_int_equal(bench_suite_new_id(a, 10), -EINVAL);

	names = bench_suite_names();
	assert_string_equal(names[0], "quick");
	assert_string_equal(names[4], "custom");
	assert_null(names[5]);

	s = suite("standard", NULL);
	j = bench_suite_json(s);
	assert_int_equal(json_array_size(json_object_get(j, "tests")), 5);
	assert_int_equal(json_integer_value(json_object_get(j, "seed")), 42);
	assert_string_equal(str(j, "nonce"), "7f3a9c01");
	assert_string_equal(str(json_array_get(json_object_get(j, "tests"), 2),
	    "name"), "pp64+tg256");
	assert_null(json_object_get(json_array_get(json_object_get(j,
	    "tests"), 0), "prompt"));
	json_decref(j);
	bench_suite_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quick_plan),
		cmocka_unit_test(test_request_body),
		cmocka_unit_test(test_unique_prefixes_and_ctx),
		cmocka_unit_test(test_cold),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_prompts_and_calibration),
		cmocka_unit_test(test_custom_and_errors),
		cmocka_unit_test(test_ids_and_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
