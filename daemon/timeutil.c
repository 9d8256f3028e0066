/* SPDX-License-Identifier: ISC */
/*
 * timeutil.c: RFC 3339 timestamps as Ollama writes them (0-9 fractional
 * digits, "Z" or a local offset) and the clocks the daemon uses.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timeutil.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant). */
static int64_t
timeutil_days(int64_t y, int m, int d)
{
	int64_t		era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
timeutil_digits(const char **sp, int n, int *vp)
{
	int	v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*sp)[i]))
			return -EINVAL;
		v = v * 10 + ((*sp)[i] - '0');
	}
	*sp += n;
	*vp = v;
	return 0;
}

/* Parse RFC 3339 into ms since the epoch. */
int
timeutil_parse_rfc3339(const char *s, int64_t *msp)
{
	int	y, mo, d, h, mi, sec, oh, om, sign, ndig;
	int64_t	frac = 0, days, secs;

	if (s == NULL)
		return -EINVAL;
	if (timeutil_digits(&s, 4, &y) || *s++ != '-' ||
	    timeutil_digits(&s, 2, &mo) || *s++ != '-' ||
	    timeutil_digits(&s, 2, &d) || (*s != 'T' && *s != 't' &&
	    *s != ' ') || (s++, timeutil_digits(&s, 2, &h)) || *s++ != ':' ||
	    timeutil_digits(&s, 2, &mi) || *s++ != ':' ||
	    timeutil_digits(&s, 2, &sec))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -EINVAL;
	if (*s == '.') {
		s++;
		for (ndig = 0; isdigit((unsigned char)*s); s++, ndig++) {
			if (ndig < 9)
				frac = frac * 10 + (*s - '0');
		}
		if (ndig == 0)
			return -EINVAL;
		for (; ndig < 9; ndig++)
			frac *= 10;
	}
	if (*s == 'Z' || *s == 'z') {
		oh = om = 0;
		sign = 1;
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (timeutil_digits(&s, 2, &oh) || *s++ != ':' ||
		    timeutil_digits(&s, 2, &om) || oh > 23 || om > 59)
			return -EINVAL;
	} else
		return -EINVAL;
	if (*s != '\0')
		return -EINVAL;
	days = timeutil_days(y, mo, d);
	secs = days * 86400 + h * 3600 + mi * 60 + sec;
	secs -= sign * (oh * 3600 + om * 60);
	*msp = secs * 1000LL + frac / 1000000;
	return 0;
}

/* Format ns since the epoch as "YYYY-MM-DDTHH:MM:SS.mmmZ". */
void
timeutil_format_utc(int64_t ns, char *buf, size_t len)
{
	int64_t	ms = ns / 1000000;

	if (ns % 1000000 < 0)
		ms--;
	timeutil_format_utc_ms(ms, buf, len);
}

/* Format ms since the epoch as "YYYY-MM-DDTHH:MM:SS.mmmZ". */
void
timeutil_format_utc_ms(int64_t msecs, char *buf, size_t len)
{
	struct tm	tm;
	time_t		secs;
	int64_t		ms;

	secs = (time_t)(msecs / 1000);
	ms = msecs % 1000;
	if (ms < 0) {
		secs--;
		ms += 1000;
	}
	if (gmtime_r(&secs, &tm) == NULL) {
		snprintf(buf, len, "1970-01-01T00:00:00.000Z");
		return;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)ms);
}

/* An ISO time as JSON, or null when unknown (ns <= 0). */
json_t *
timeutil_iso_json(int64_t ns)
{
	char	buf[TIMEUTIL_ISO_LEN];

	if (ns <= 0)
		return json_null();
	timeutil_format_utc(ns, buf, sizeof(buf));
	return json_string(buf);
}

/* Wall clock, ns since the epoch. */
int64_t
timeutil_now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Monotonic clock, ns. */
uint64_t
timeutil_mono_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* See timeutil.h. */
void
timeutil_deadline(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}
