/* SPDX-License-Identifier: ISC */
/*
 * reply.c: reading fields out of the daemon's JSON replies.
 *
 * The API may add keys and may send null for any field, so every reader
 * here is lenient: a missing key, a null or a value of the wrong type all
 * come back as "no value" (NULL or MLXD_NULL_INT64) rather than as an
 * error. Returned strings are borrowed from the jansson value and live as
 * long as it does. struct reply holds a fetched reply for the typed calls,
 * whose strings borrow from it. Also home of mlxd_time_parse().
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <mlxd/mlxd.h>

#include "sdk.h"

/* The string at key, or NULL when absent, null or not a string. */
const char *
reply_string(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* The integer at key, or MLXD_NULL_INT64 when absent or not a number. */
int64_t
reply_int(const json_t *obj, const char *key)
{
	const json_t	*v = json_object_get(obj, key);
	double		 d;

	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	if (json_is_real(v)) {
		d = json_real_value(v);
		if (d > -9.2e18 && d < 9.2e18)
			return (int64_t)d;
	}
	return MLXD_NULL_INT64;
}

/* The number at key as a double, or NAN when absent or not a number. */
double
reply_double(const json_t *obj, const char *key)
{
	const json_t	*v = json_object_get(obj, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* A small non-negative level (0-100) at key, or -1 when unknown. */
int
reply_level(const json_t *obj, const char *key)
{
	int64_t	 v = reply_int(obj, key);

	return v == MLXD_NULL_INT64 || v < 0 || v > 100 ? -1 : (int)v;
}

/*
 * Parse len bytes of JSON text that must be an object into *rootp (a new
 * reference) and a NUL-terminated copy of the text into *rawp. Returns 0,
 * -EINVAL, -ENOMEM or MLXD_EPROTO.
 */
int
reply_load(const char *json, size_t len, json_t **rootp, char **rawp)
{
	json_error_t	 jerr;
	json_t		*root;
	char		*raw;

	if (json == NULL || rootp == NULL || rawp == NULL)
		return -EINVAL;
	if ((root = json_loadb(json, len, 0, &jerr)) == NULL)
		return json_error_code(&jerr) == json_error_out_of_memory ?
		    -ENOMEM : MLXD_EPROTO;
	if (!json_is_object(root)) {
		json_decref(root);
		return MLXD_EPROTO;
	}
	if ((raw = malloc(len + 1)) == NULL) {
		json_decref(root);
		return -ENOMEM;
	}
	memcpy(raw, json, len);
	raw[len] = '\0';
	*rootp = root;
	*rawp = raw;
	return 0;
}

/*
 * GET path (after the version handshake) into r: the parsed object and its
 * text. r is written only on success; reply_clear() releases it.
 */
int
reply_fetch(struct mlxd_client *c, const char *path, struct reply *r)
{
	int	rc;

	if (c == NULL)
		return -EINVAL;
	if ((rc = client_begin(c, true)) != 0)
		return rc;
	return client_get(c, path, &r->root, &r->raw);
}

/* Release what r holds (not r itself). */
void
reply_clear(struct reply *r)
{
	json_decref(r->root);
	free(r->raw);
}

/* The boolean at key; anything but true is false. */
bool
reply_bool(const json_t *obj, const char *key)
{
	return json_is_true(json_object_get(obj, key));
}

/* The timestamp string at key in ms since the epoch, or MLXD_NULL_INT64. */
int64_t
reply_time(const json_t *obj, const char *key)
{
	const char	*s = reply_string(obj, key);
	int64_t		 ms;

	if (s == NULL || mlxd_time_parse(s, &ms) != 0)
		return MLXD_NULL_INT64;
	return ms;
}

/*
 * The strings of the array at key, borrowed from obj, in a new array of
 * pointers the caller frees (only the array). An absent or null value gives
 * NULL and 0; an empty array gives a non-NULL array and 0. Elements that
 * are not strings are skipped. Returns 0 or -ENOMEM.
 */
int
reply_strings(const json_t *obj, const char *key, const char ***arrp,
    size_t *np)
{
	const json_t	 *arr = json_object_get(obj, key), *v;
	const char	**out;
	size_t		  i, n = 0;

	if (!json_is_array(arr)) {
		*arrp = NULL;
		*np = 0;
		return 0;
	}
	if ((out = calloc(json_array_size(arr) + 1, sizeof *out)) == NULL)
		return -ENOMEM;
	for (i = 0; i < json_array_size(arr); i++) {
		v = json_array_get(arr, i);
		if (json_is_string(v))
			out[n++] = json_string_value(v);
	}
	*arrp = out;
	*np = n;
	return 0;
}

/*
 * Put the compact JSON text of value (NULL means null) in *textp, malloc'd
 * by us so callers free it with free(). Returns 0 or -ENOMEM.
 */
int
reply_dump(const json_t *value, char **textp)
{
	const size_t	 flags = JSON_COMPACT | JSON_ENCODE_ANY;
	char		*s;
	size_t		 n;

	if (value == NULL) {
		if ((s = strdup("null")) == NULL)
			return -ENOMEM;
		*textp = s;
		return 0;
	}
	if ((n = json_dumpb(value, NULL, 0, flags)) == 0)
		return -ENOMEM;
	if ((s = malloc(n + 1)) == NULL)
		return -ENOMEM;
	if (json_dumpb(value, s, n, flags) != n) {
		free(s);
		return -ENOMEM;
	}
	s[n] = '\0';
	*textp = s;
	return 0;
}

/* Read exactly n decimal digits at *sp into *vp. */
static int
reply_digits(const char **sp, int n, int *vp)
{
	const char	*s = *sp;
	int		 v = 0;

	while (n-- > 0) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (*s++ - '0');
	}
	*sp = s;
	*vp = v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
reply_days_from_civil(int64_t y, int m, int d)
{
	int64_t	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
reply_days_in_month(int y, int m)
{
	static const int	 days[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* Parse an RFC 3339 timestamp into ms since the Unix epoch. */
int
mlxd_time_parse(const char *iso, int64_t *msp)
{
	const char	*s = iso;
	int		 y, mo, d, h, mi, sec, ms = 0, digits = 0;
	int		 oh = 0, om = 0, sign = 0;
	int64_t		 t;

	if (s == NULL)
		return -EINVAL;
	if (reply_digits(&s, 4, &y) != 0 || *s++ != '-' ||
	    reply_digits(&s, 2, &mo) != 0 || *s++ != '-' ||
	    reply_digits(&s, 2, &d) != 0)
		return -EINVAL;
	if (*s != 'T' && *s != 't' && *s != ' ')
		return -EINVAL;
	s++;
	if (reply_digits(&s, 2, &h) != 0 || *s++ != ':' ||
	    reply_digits(&s, 2, &mi) != 0 || *s++ != ':' ||
	    reply_digits(&s, 2, &sec) != 0)
		return -EINVAL;
	if (*s == '.' || *s == ',') {
		s++;
		if (*s < '0' || *s > '9')
			return -EINVAL;
		/* Keep milliseconds; finer digits are truncated. */
		for (; *s >= '0' && *s <= '9'; s++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*s - '0');
		for (; digits < 3; digits++)
			ms *= 10;
	}
	if (*s == 'Z' || *s == 'z')
		s++;
	else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (reply_digits(&s, 2, &oh) != 0 || *s++ != ':' ||
		    reply_digits(&s, 2, &om) != 0 || oh > 23 || om > 59)
			return -EINVAL;
	}
	if (*s != '\0')
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > reply_days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec > 60)
		return -EINVAL;

	t = reply_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	t -= (int64_t)sign * (oh * 3600 + om * 60);
	*msp = t * 1000 + ms;
	return 0;
}

/* Append s to buf percent-encoded (unreserved characters stay as they are). */
int
reply_escape(char *buf, size_t len, size_t *offp, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 off = *offp;
	unsigned char		 ch;

	for (; *s != '\0'; s++) {
		ch = (unsigned char)*s;
		if (off + 4 > len)
			return -ENAMETOOLONG;
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~:", ch) != NULL)
			buf[off++] = (char)ch;
		else {
			buf[off++] = '%';
			buf[off++] = hex[ch >> 4];
			buf[off++] = hex[ch & 15];
		}
	}
	buf[off] = '\0';
	*offp = off;
	return 0;
}
