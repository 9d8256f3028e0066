/* SPDX-License-Identifier: ISC */
/*
 * test_proxy.c: pieces of the proxy that need no daemon: header text made
 * valid UTF-8 for the status JSON, and a stream that ends broken rather
 * than complete once its queue is sent.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "proxy_int.h"
#include "test.h"

static void
test_utf8(void **state)
{
	static const struct {
		const char	*in, *out;
	} cases[] = {
		{ "ollama-python/0.4", "ollama-python/0.4" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "caf\xe9", "caf\xef\xbf\xbd" },
		{ "\xff\xfe", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd" },	/* cut short */
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },	/* overlong */
		{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
		{ "", "" },
	};
	size_t	i;
	char	*s;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = proxy_utf8(cases[i].in);
		assert_string_equal(s, cases[i].out);
		free(s);
	}
	assert_null(proxy_utf8(NULL));
}

static void
test_stream_fail(void **state)
{
	struct http_stream	*s;

	(void)state;
	s = http_stream_new("application/x-ndjson", 1024);
	assert_int_equal(http_stream_write(s, "{\"error\":\"x\"}\n", 14), 0);
	assert_int_equal((int)http_stream_pending(s), 14);
	http_stream_fail(s, NULL, 0);
	/* Nothing more is accepted, but what is queued is still sent. */
	assert_int_equal(http_stream_write(s, "{}\n", 3), -EPIPE);
	assert_int_equal((int)http_stream_pending(s), 14);
	/* A later close does not turn it into a clean end. */
	http_stream_close(s);
	http_stream_unref(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_stream_fail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
