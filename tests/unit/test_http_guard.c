/* SPDX-License-Identifier: ISC */
/*
 * test_http_guard.c: the Host and Origin checks of the TCP listeners, with
 * Ollama's defaults, wildcards and the DNS-rebinding and CSRF cases of
 * docs/security.md.
 */
#include "config.h"

#include <stddef.h>

#include "http_guard.h"
#include "test.h"

static void
test_host(void **state)
{
	(void)state;
	assert_true(http_guard_host_ok(NULL, "127.0.0.1"));
	assert_true(http_guard_host_ok("", "127.0.0.1"));
	assert_true(http_guard_host_ok("127.0.0.1:11435", "127.0.0.1"));
	assert_true(http_guard_host_ok("127.9.9.9", NULL));
	assert_true(http_guard_host_ok("localhost", NULL));
	assert_true(http_guard_host_ok("LOCALHOST:80", NULL));
	assert_true(http_guard_host_ok("app.localhost:3000", NULL));
	assert_true(http_guard_host_ok("[::1]:11435", NULL));
	assert_true(http_guard_host_ok("::1", NULL));
	assert_true(http_guard_host_ok("mybox.lan:9100", "mybox.lan"));
	/* DNS rebinding: a foreign name that resolved to loopback. */
	assert_false(http_guard_host_ok("evil.example", "127.0.0.1"));
	assert_false(http_guard_host_ok("evil.example:11435", "127.0.0.1"));
	assert_false(http_guard_host_ok("localhost.evil.example", NULL));
	assert_false(http_guard_host_ok("evillocalhost", NULL));
	assert_false(http_guard_host_ok("10.0.0.1", "127.0.0.1"));
	assert_false(http_guard_host_ok("[::1", NULL));
	assert_false(http_guard_host_ok("[::1]x", NULL));
	assert_false(http_guard_host_ok("0.0.0.0", NULL));
}

static void
test_origin(void **state)
{
	char *const	extra[] = { "https://*.example.org", "http://pinned.test" };
	char *const	all[] = { "*" };

	(void)state;
	assert_true(http_guard_origin_ok(NULL, NULL, 0));
	assert_true(http_guard_origin_ok("http://localhost", NULL, 0));
	assert_true(http_guard_origin_ok("http://localhost:3000", NULL, 0));
	assert_true(http_guard_origin_ok("https://127.0.0.1:8443", NULL, 0));
	assert_true(http_guard_origin_ok("http://0.0.0.0:1", NULL, 0));
	assert_true(http_guard_origin_ok("chrome-extension://abc", NULL, 0));
	assert_true(http_guard_origin_ok("moz-extension://abc", NULL, 0));
	assert_true(http_guard_origin_ok("file://", NULL, 0));
	assert_true(http_guard_origin_ok("vscode-webview://x", NULL, 0));
	assert_false(http_guard_origin_ok("http://evil.example", NULL, 0));
	assert_false(http_guard_origin_ok("null", NULL, 0));
	assert_false(http_guard_origin_ok("http://localhost.evil.example",
	    NULL, 0));
	assert_false(http_guard_origin_ok("ftp://localhost", NULL, 0));
	assert_true(http_guard_origin_ok("https://a.example.org", extra, 2));
	assert_true(http_guard_origin_ok("HTTP://PINNED.TEST", extra, 2));
	assert_false(http_guard_origin_ok("https://example.org.evil", extra,
	    2));
	assert_false(http_guard_origin_ok("http://a.example.org", extra, 2));
	assert_true(http_guard_origin_ok("http://evil.example", all, 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_origin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
