/* SPDX-License-Identifier: ISC */
/*
 * test_timeutil.c: RFC 3339 with every fractional width and offset.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "test.h"
#include "timeutil.h"

static void
test_parse(void **state)
{
	int64_t	ns;
	char	buf[TIMEUTIL_ISO_LEN];

	(void)state;
	assert_int_equal(timeutil_parse_rfc3339("1970-01-01T00:00:00Z", &ns),
	    0);
	assert_int_equal(ns, 0);
	assert_int_equal(timeutil_parse_rfc3339("2026-05-02T12:20:01.70411Z",
	    &ns), 0);
	assert_int_equal(ns, 1777724401704LL);
	assert_int_equal(timeutil_parse_rfc3339(
	    "2026-05-02T08:20:01.704110000-04:00", &ns), 0);
	assert_int_equal(ns, 1777724401704LL);
	assert_int_equal(timeutil_parse_rfc3339("2026-05-02T17:50:01.7+05:30",
	    &ns), 0);
	assert_int_equal(ns, 1777724401700LL);
	/* More than nine digits are truncated, not rejected. */
	assert_int_equal(timeutil_parse_rfc3339(
	    "1970-01-01T00:00:01.1234567891Z", &ns), 0);
	assert_int_equal(ns, 1123LL);
	assert_int_equal(timeutil_parse_rfc3339("0001-01-01T00:00:00Z", &ns),
	    0);
	assert_int_equal(ns, -62135596800000LL);
	/* Ollama's "forever": beyond int64 nanoseconds, fine in ms. */
	assert_int_equal(timeutil_parse_rfc3339(
	    "2318-04-11T23:47:16.854775807Z", &ns), 0);
	timeutil_format_utc_ms(ns, buf, sizeof(buf));
	assert_string_equal(buf, "2318-04-11T23:47:16.854Z");
	timeutil_format_utc(1777724401704110000LL, buf, sizeof(buf));
	assert_string_equal(buf, "2026-05-02T12:20:01.704Z");
	timeutil_format_utc(-1, buf, sizeof(buf));
	assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
}

static void
test_reject(void **state)
{
	static const char *const bad[] = {
		"", "2026-05-02", "2026-05-02T12:20:01", "2026-13-02T12:20:01Z",
		"2026-05-02T25:20:01Z", "2026-05-02T12:20:01.Z",
		"2026-05-02T12:20:01+0400", "2026-05-02T12:20:01Zjunk",
		"x026-05-02T12:20:01Z",
	};
	int64_t	ns;
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(timeutil_parse_rfc3339(bad[i], &ns), -EINVAL);
	assert_int_equal(timeutil_parse_rfc3339(NULL, &ns), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_reject),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
