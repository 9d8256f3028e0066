/* SPDX-License-Identifier: ISC */
/*
 * test.h: what every unit test includes: cmocka and small file helpers.
 */
#ifndef MLXD_TEST_H
#define MLXD_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

/* Read a whole file under FIXTURES into a malloc'd NUL-terminated buffer. */
static inline char *
test_fixture(const char *rel, size_t *lenp)
{
	char	 path[1024];
	FILE	*fp;
	char	*buf;
	long	 n;

	snprintf(path, sizeof(path), "%s/%s", FIXTURES, rel);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	if (lenp != NULL)
		*lenp = (size_t)n;
	return buf;
}

#endif
