/* SPDX-License-Identifier: ISC */
/*
 * test_http_stream.c: the byte queue behind streamed replies. A client that
 * does not keep up is cut off at the limit instead of growing memory, and a
 * cut-off or closed stream refuses further writes.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "http.h"
#include "test.h"

static int	released;

static void
release_cb(void *arg)
{
	(void)arg;
	released++;
}

static void
test_limit_drops_slow_client(void **state)
{
	struct http_stream	*s;
	char			 buf[64];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	s = http_stream_new("text/event-stream", 100);
	assert_int_equal(http_stream_write(s, buf, 60), 0);
	assert_int_equal(http_stream_gone(s), 0);
	/* 120 bytes waiting would exceed 100: the client is dropped. */
	assert_int_equal(http_stream_write(s, buf, 60), -ENOBUFS);
	assert_int_equal(http_stream_gone(s), 1);
	assert_int_equal(http_stream_write(s, buf, 1), -EPIPE);
	http_stream_unref(s);
}

static void
test_close_and_refs(void **state)
{
	struct http_stream	*s;

	(void)state;
	released = 0;
	s = http_stream_new("application/x-ndjson", 1 << 20);
	http_stream_on_gone(s, NULL, release_cb, NULL);
	http_stream_ref(s);
	assert_int_equal(http_stream_write(s, "{}\n", 3), 0);
	http_stream_close(s);
	assert_int_equal(http_stream_write(s, "{}\n", 3), -EPIPE);
	http_stream_unref(s);
	assert_int_equal(released, 0);
	http_stream_unref(s);
	/* The release callback runs exactly once, when the last ref goes. */
	assert_int_equal(released, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_drops_slow_client),
		cmocka_unit_test(test_close_and_refs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
