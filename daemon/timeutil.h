/* SPDX-License-Identifier: ISC */
/*
 * timeutil.h: RFC 3339 parsing and formatting, monotonic clock helpers.
 */
#ifndef MLXD_TIMEUTIL_H
#define MLXD_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * Parse an RFC 3339 timestamp with 0-9 fractional digits and a "Z" or
 * "+hh:mm"/"-hh:mm" offset into milliseconds since the Unix epoch (UTC).
 * Milliseconds, not nanoseconds: Ollama writes "forever" as a date in the
 * 2300s and its zero time as year 1, both outside int64 nanoseconds.
 * Returns 0 or -EINVAL.
 */
int	timeutil_parse_rfc3339(const char *s, int64_t *msp);

/* Format ns since the epoch as UTC "YYYY-MM-DDTHH:MM:SS.mmmZ". */
void	timeutil_format_utc(int64_t ns, char *buf, size_t len);

/* Format ms since the epoch the same way. */
void	timeutil_format_utc_ms(int64_t ms, char *buf, size_t len);

/* Wall clock in ns since the epoch. */
int64_t	timeutil_now_ns(void);

/* Monotonic clock in ns. */
uint64_t timeutil_mono_ns(void);

/*
 * Set *ts to ms milliseconds from now on CLOCK_REALTIME: the deadline form
 * pthread_cond_timedwait() takes.
 */
void	timeutil_deadline(struct timespec *ts, long ms);

#define TIMEUTIL_ISO_LEN 32

#include <jansson.h>

/* ns since the epoch as an ISO string, or JSON null for ns <= 0. */
json_t	*timeutil_iso_json(int64_t ns);

#endif
