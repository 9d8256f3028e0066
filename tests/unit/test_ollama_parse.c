/* SPDX-License-Identifier: ISC */
/*
 * test_ollama_parse.c: OLLAMA_HOST forms and tolerant parsing of real
 * /api/version, /api/tags and /api/ps shapes, including the odd ones.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "ollama_parse.h"
#include "test.h"

static void
check_host(const char *in, const char *want)
{
	char	*url = NULL;

	assert_int_equal(ollama_host_url(in, &url), 0);
	assert_string_equal(url, want);
	free(url);
}

static void
test_host_forms(void **state)
{
	char	*url = NULL;

	(void)state;
	/* The table in the reference (envconfig.Host). */
	check_host("", "http://127.0.0.1:11434");
	check_host("1.2.3.4", "http://1.2.3.4:11434");
	check_host("1.2.3.4:1234", "http://1.2.3.4:1234");
	check_host("example.com", "http://example.com:11434");
	check_host("example.com:1234", "http://example.com:1234");
	check_host(":1234", "http://127.0.0.1:1234");
	check_host("0.0.0.0", "http://127.0.0.1:11434");
	check_host("[::]", "http://[::1]:11434");
	check_host("::1", "http://[::1]:11434");
	check_host("[::1]", "http://[::1]:11434");
	check_host("[::1]:1337", "http://[::1]:1337");
	check_host("http://1.2.3.4", "http://1.2.3.4:80");
	check_host("https://1.2.3.4", "https://1.2.3.4:443");
	check_host("https://example.com/ollama",
	    "https://example.com:443/ollama");
	check_host(" 1.2.3.4 ", "http://1.2.3.4:11434");
	check_host("'1.2.3.4'", "http://1.2.3.4:11434");
	check_host("\"1.2.3.4:99999\"", "http://1.2.3.4:11434");
	check_host("ollama.com", "https://ollama.com:443");
	check_host("http://127.0.0.1:11434/", "http://127.0.0.1:11434");
	assert_int_equal(ollama_host_url("ftp://x", &url), -EINVAL);
	assert_int_equal(ollama_host_url("bad host", &url), -EINVAL);
	assert_int_equal(ollama_host_url("[::1", &url), -EINVAL);
}

static void
test_version(void **state)
{
	char	*v = NULL;

	(void)state;
	assert_int_equal(ollama_parse_version("{\"version\":\"0.32.15\"}", 21,
	    &v), 0);
	assert_string_equal(v, "0.32.15");
	free(v);
	assert_int_equal(ollama_parse_version("<html>", 6, &v), -EPROTO);
	assert_int_equal(ollama_parse_version("{}", 2, &v), -EPROTO);
	assert_int_equal(ollama_parse_version("{\"version\":3}", 13, &v),
	    -EPROTO);
}

static void
test_tags(void **state)
{
	json_t	*models = NULL, *m;
	char	*body, *err = NULL;
	size_t	 len;

	(void)state;
	body = test_fixture("ollama/tags.json", &len);
	assert_int_equal(ollama_parse_tags(body, len, &models, &err), 0);
	assert_int_equal(json_array_size(models), 3);

	m = json_array_get(models, 0);
	assert_string_equal(json_string_value(json_object_get(m, "name")),
	    "mistral-small:24b");
	assert_int_equal(json_integer_value(json_object_get(m, "size_bytes")),
	    14334073581LL);
	/* -04:00 offset converted to UTC, fraction kept to the millisecond. */
	assert_string_equal(json_string_value(json_object_get(m,
	    "modified_at")), "2026-05-02T12:14:51.002Z");
	assert_string_equal(json_string_value(json_object_get(m,
	    "quantization_level")), "Q4_K_M");
	assert_int_equal(json_integer_value(json_object_get(m,
	    "context_length")), 32768);
	assert_int_equal(json_array_size(json_object_get(m, "capabilities")),
	    2);

	m = json_array_get(models, 1);
	assert_true(json_is_null(json_object_get(m, "families")));
	assert_true(json_is_null(json_object_get(m, "context_length")));
	assert_string_equal(json_string_value(json_object_get(m,
	    "modified_at")), "2026-04-11T23:00:07.000Z");

	/* Old shape: no "model", empty format, unknown fields. */
	m = json_array_get(models, 2);
	assert_string_equal(json_string_value(json_object_get(m, "model")),
	    "old:latest");
	assert_true(json_is_null(json_object_get(m, "format")));
	assert_true(json_is_null(json_object_get(m, "capabilities")));
	assert_null(json_object_get(m, "some_future_field"));
	json_decref(models);
	free(body);
}

static void
test_ps(void **state)
{
	json_t	*models = NULL, *m;
	char	*body, *err = NULL, *key;
	size_t	 len;

	(void)state;
	body = test_fixture("ollama/ps.json", &len);
	assert_int_equal(ollama_parse_ps(body, len, &models, &err), 0);
	assert_int_equal(json_array_size(models), 2);
	m = json_array_get(models, 0);
	assert_int_equal(json_integer_value(json_object_get(m, "vram_bytes")),
	    11811160064LL);
	assert_int_equal(json_integer_value(json_object_get(m, "size_bytes")),
	    17758683136LL);
	assert_string_equal(json_string_value(json_object_get(m,
	    "expires_at")), "2026-05-02T12:31:09.441Z");
	assert_int_equal(json_integer_value(json_object_get(m,
	    "context_length")), 16384);
	/* keep_alive forever: ~292 years ahead, 9 fractional digits. */
	m = json_array_get(models, 1);
	assert_string_equal(json_string_value(json_object_get(m,
	    "expires_at")), "2318-04-11T23:47:16.854Z");
	key = ollama_running_key(models);
	assert_non_null(strstr(key, "mistral-small:24b@3f1c0b9e"));
	free(key);
	json_decref(models);
	free(body);

	/* An old server: no size_vram, no context_length, 7 digits, +02:00. */
	body = test_fixture("ollama/ps_old.json", &len);
	assert_int_equal(ollama_parse_ps(body, len, &models, &err), 0);
	m = json_array_get(models, 0);
	assert_true(json_is_null(json_object_get(m, "vram_bytes")));
	assert_true(json_is_null(json_object_get(m, "context_length")));
	assert_string_equal(json_string_value(json_object_get(m,
	    "expires_at")), "2024-05-01T08:00:00.123Z");
	json_decref(models);
	free(body);
}

static void
test_empty_and_bad(void **state)
{
	json_t	*models = NULL;
	char	*err = NULL, *msg;

	(void)state;
	assert_int_equal(ollama_parse_ps("{\"models\":[]}", 13, &models, &err),
	    0);
	assert_int_equal(json_array_size(models), 0);
	json_decref(models);
	assert_int_equal(ollama_parse_ps("{\"models\":null}", 15, &models,
	    &err), 0);
	assert_int_equal(json_array_size(models), 0);
	json_decref(models);

	assert_int_equal(ollama_parse_tags("<html>not json", 14, &models,
	    &err), -EPROTO);
	assert_non_null(strstr(err, "invalid JSON"));
	free(err);
	err = NULL;
	assert_int_equal(ollama_parse_tags("{\"models\":3}", 12, &models,
	    &err), -EPROTO);
	free(err);

	msg = ollama_parse_error(404, "404 page not found", 18);
	assert_string_equal(msg, "HTTP 404: 404 page not found");
	free(msg);
	msg = ollama_parse_error(500, "{\"error\":\"llama runner process has "
	    "terminated\"}", 47);
	assert_string_equal(msg, "HTTP 500: llama runner process has "
	    "terminated");
	free(msg);
	msg = ollama_parse_error(403, "", 0);
	assert_string_equal(msg, "HTTP 403");
	free(msg);
}

/* The parameter count of an /api/show reply, and its fallbacks. */
static void
test_param_count(void **state)
{
	static const struct {
		const char	*body;
		int64_t		 want;
	} cases[] = {
		{ "{\"details\":{\"parameter_size\":\"3.2B\"},\"model_info\":"
		    "{\"general.architecture\":\"llama\","
		    "\"general.parameter_count\":3212749888}}", 3212749888LL },
		{ "{\"details\":{\"parameter_size\":\"8.0B\"},"
		    "\"model_info\":{}}", 8000000000LL },
		{ "{\"details\":{\"parameter_size\":\"566.70M\"}}",
		    566700000LL },
		{ "{\"details\":{\"parameter_size\":\"1.5T\"}}",
		    1500000000000LL },
		{ "{\"details\":{\"parameter_size\":\"270k\"}}", 270000 },
		{ "{\"details\":{\"parameter_size\":\"\"},\"model_info\":"
		    "{\"general.parameter_count\":0}}", -1 },
		{ "{\"details\":{\"parameter_size\":\"8.0 B\"}}", -1 },
		{ "{\"details\":{\"parameter_size\":\"8.0Bn\"}}", -1 },
		{ "{\"details\":{\"parameter_size\":\"-8B\"}}", -1 },
		{ "{\"details\":{\"parameter_size\":\"lots\"}}", -1 },
		{ "{\"model_info\":{\"general.parameter_count\":\"8B\"}}", -1 },
		{ "{}", -1 },
		{ "<html>", -1 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(ollama_parse_param_count(cases[i].body,
		    strlen(cases[i].body)), cases[i].want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_forms),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_ps),
		cmocka_unit_test(test_empty_and_bad),
		cmocka_unit_test(test_param_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
