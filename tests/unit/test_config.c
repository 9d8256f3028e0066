/* SPDX-License-Identifier: ISC */
/*
 * test_config.c: loading, precedence and every kind of bad configuration.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "mlxd_config.h"
#include "test.h"

static char	tmpdir[] = "/tmp/mlxd-test-config-XXXXXX";
static char	path[1200];

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/config.yaml", tmpdir);
	setenv("HOME", tmpdir, 1);
	setenv("XDG_RUNTIME_DIR", tmpdir, 1);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_DATA_HOME");
	unsetenv("OLLAMA_HOST");
	unsetenv("MLXD_SOCKET");
	unsetenv("MLXD_HOME");
	unsetenv("MLXD_LOG_LEVEL");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(tmpdir);
	return 0;
}

static void
write_file(const char *text)
{
	FILE	*fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* Load path and expect failure whose cause contains want. */
static void
expect_error(const char *text, const char *want)
{
	struct mlxd_config	*cfg = NULL;
	char			*cause = NULL;

	write_file(text);
	assert_int_equal(config_load(path, 1, NULL, 0, &cfg, &cause), -EINVAL);
	assert_null(cfg);
	assert_non_null(cause);
	if (strstr(cause, want) == NULL)
		fail_msg("cause '%s' lacks '%s'", cause, want);
	free(cause);
}

static void
test_defaults(void **state)
{
	struct mlxd_config	*cfg = NULL;
	char			*cause = NULL, want[1300];
	json_t			*j;

	(void)state;
	assert_int_equal(config_load(NULL, 0, NULL, 0, &cfg, &cause), 0);
	assert_null(cfg->file);
	assert_string_equal(cfg->ollama_url, "http://127.0.0.1:11434");
	assert_int_equal(cfg->ollama_poll_interval_ms, 1000);
	assert_string_equal(cfg->log_level, "info");
	snprintf(want, sizeof(want), "%s/mlxd/mlxd.sock", tmpdir);
	assert_string_equal(cfg->socket, want);
	snprintf(want, sizeof(want), "%s/.local/share/mlxd", tmpdir);
	assert_string_equal(cfg->data_dir, want);
	assert_int_equal(cfg->src[config_find("ollama.url")],
	    CONFIG_SRC_DEFAULT);
	j = config_to_json(cfg);
	assert_true(json_is_null(json_object_get(j, "file")));
	assert_int_equal(json_array_size(json_object_get(j, "options")),
	    (size_t)config_noptions);
	json_decref(j);
	config_free(cfg);
}

static void
test_good_file_and_precedence(void **state)
{
	struct mlxd_config	*cfg = NULL;
	struct config_flag	 flags[] = { { "socket", "/tmp/flag.sock" } };
	char			*cause = NULL;

	(void)state;
	write_file("# mlxd\nsocket: /tmp/file.sock\nlog_level: debug\n"
	    "ollama:\n  url: 10.0.0.5:9999\n  poll_interval_ms: 250\n"
	    "  timeout_ms: 2000\n");
	assert_int_equal(config_load(path, 1, NULL, 0, &cfg, &cause), 0);
	assert_string_equal(cfg->file, path);
	assert_string_equal(cfg->socket, "/tmp/file.sock");
	assert_string_equal(cfg->ollama_url, "http://10.0.0.5:9999");
	assert_int_equal(cfg->ollama_poll_interval_ms, 250);
	assert_int_equal(cfg->src[config_find("ollama.poll_interval_ms")],
	    CONFIG_SRC_FILE);
	config_free(cfg);

	/* env beats file, flag beats env. */
	setenv("OLLAMA_HOST", "https://gpu.example:8443", 1);
	setenv("MLXD_SOCKET", "/tmp/env.sock", 1);
	assert_int_equal(config_load(path, 1, flags, 1, &cfg, &cause), 0);
	assert_string_equal(cfg->ollama_url, "https://gpu.example:8443");
	assert_int_equal(cfg->src[config_find("ollama.url")], CONFIG_SRC_ENV);
	assert_string_equal(cfg->socket, "/tmp/flag.sock");
	assert_int_equal(cfg->src[config_find("socket")], CONFIG_SRC_FLAG);
	unsetenv("OLLAMA_HOST");
	unsetenv("MLXD_SOCKET");
	config_free(cfg);

	/* An empty file or only comments is an empty configuration. */
	write_file("# nothing here\n");
	assert_int_equal(config_load(path, 1, NULL, 0, &cfg, &cause), 0);
	config_free(cfg);
	write_file("");
	assert_int_equal(config_load(path, 1, NULL, 0, &cfg, &cause), 0);
	config_free(cfg);
}

static void
test_bad_files(void **state)
{
	char	want[1300];

	(void)state;
	snprintf(want, sizeof(want), "%s:2:1: unknown option 'colour'", path);
	expect_error("log_level: info\ncolour: red\n", want);
	snprintf(want, sizeof(want), "%s:2:3: unknown option 'ollama.uri'",
	    path);
	expect_error("ollama:\n  uri: x\n", want);
	snprintf(want, sizeof(want), "%s:1:29: ollama.poll_interval_ms: "
	    "'fast' is not an integer", path);
	expect_error("ollama: { poll_interval_ms: fast }\n", want);
	expect_error("ollama:\n  poll_interval_ms: 5\n",
	    "5 is out of range [100, 60000]");
	expect_error("ollama:\n  poll_interval_ms: \"500\"\n",
	    "expected an integer, not a quoted string");
	expect_error("ollama:\n  url:\n    host: x\n", "ollama.url: expected "
	    "a string");
	expect_error("ollama: 3\n", "expected a mapping of options under "
	    "ollama");
	expect_error("log_level: loud\n", "'loud' is not a log level");
	expect_error("socket: relative.sock\n", "is not an absolute path");
	expect_error("ollama:\n  timeout_ms:\n", "ollama.timeout_ms: missing "
	    "value");
	snprintf(want, sizeof(want), "%s:2:", path);
	expect_error("log_level: info\n  bad: [indent\n", want);
	expect_error("- a\n- b\n", "expected a mapping of options");
}

static void
test_all_errors_reported(void **state)
{
	struct mlxd_config	*cfg = NULL;
	char			*cause = NULL;

	(void)state;
	write_file("a: 1\nb: 2\nollama:\n  poll_interval_ms: x\n");
	assert_int_equal(config_load(path, 1, NULL, 0, &cfg, &cause), -EINVAL);
	assert_non_null(strstr(cause, ":1:1: unknown option 'a'"));
	assert_non_null(strstr(cause, ":2:1: unknown option 'b'"));
	assert_non_null(strstr(cause, ":4:21: ollama.poll_interval_ms"));
	free(cause);
}

static void
test_missing_and_env_errors(void **state)
{
	struct mlxd_config	*cfg = NULL;
	struct config_flag	 flags[] = { { "log_level", "chatty" } };
	char			*cause = NULL;

	(void)state;
	unlink(path);
	/* An explicit file must exist; the default one may be missing. */
	assert_int_equal(config_load(path, 1, NULL, 0, &cfg, &cause), -EINVAL);
	assert_non_null(strstr(cause, "cannot read"));
	free(cause);
	cause = NULL;
	assert_int_equal(config_load(path, 0, NULL, 0, &cfg, &cause), 0);
	config_free(cfg);

	setenv("OLLAMA_HOST", "ftp://nope", 1);
	assert_int_equal(config_load(NULL, 0, NULL, 0, &cfg, &cause), -EINVAL);
	assert_non_null(strstr(cause, "environment OLLAMA_HOST"));
	free(cause);
	cause = NULL;
	unsetenv("OLLAMA_HOST");
	assert_int_equal(config_load(NULL, 0, flags, 1, &cfg, &cause), -EINVAL);
	assert_non_null(strstr(cause, "--log_level: 'chatty'"));
	free(cause);
}

static void
test_reload_keeps_unreloadable(void **state)
{
	struct mlxd_config	*a = NULL, *b = NULL;
	char			*cause = NULL;

	(void)state;
	write_file("socket: /tmp/one.sock\nollama:\n  poll_interval_ms: 500\n");
	assert_int_equal(config_load(path, 1, NULL, 0, &a, &cause), 0);
	write_file("socket: /tmp/two.sock\nollama:\n  poll_interval_ms: 700\n");
	assert_int_equal(config_load(path, 1, NULL, 0, &b, &cause), 0);
	config_keep_unreloadable(b, a);
	assert_string_equal(b->socket, "/tmp/one.sock");
	assert_int_equal(b->ollama_poll_interval_ms, 700);
	config_free(a);
	config_free(b);
}

static void
test_doc(void **state)
{
	char	*doc = config_doc_markdown();
	int	 i;

	(void)state;
	for (i = 0; i < config_noptions; i++)
		assert_non_null(strstr(doc, config_options[i].name));
	free(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_good_file_and_precedence),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_missing_and_env_errors),
		cmocka_unit_test(test_reload_keeps_unreloadable),
		cmocka_unit_test(test_doc),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
