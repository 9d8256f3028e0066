/* SPDX-License-Identifier: ISC */
/*
 * log.c: stderr logger with levels and per-module debug selection.
 *
 * Messages carry a local timestamp and the level; the module tag is the
 * message's own prefix up to the first ':'. Safe to call from any thread:
 * each message is formatted into one buffer and written with one write(2).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_level	 log_level = LOG_LEVEL_INFO;
static const char	*log_modules;	/* MLXD_DEBUG, borrowed from environ */

static const char *const log_names[] = { "error", "warn", "info", "debug" };

/* Set the threshold and read MLXD_DEBUG once. */
void
log_init(enum log_level level)
{
	log_level = level;
	log_modules = getenv("MLXD_DEBUG");
	if (log_modules != NULL && *log_modules != '\0')
		log_level = LOG_LEVEL_DEBUG;
	else
		log_modules = NULL;
}

/* Change the threshold, e.g. after a config reload. */
void
log_set_level(enum log_level level)
{
	if (log_modules == NULL)
		log_level = level;
}

/* The current threshold. */
enum log_level
log_get_level(void)
{
	return log_level;
}

/* Parse "error", "warn", "info" or "debug"; 0 or -EINVAL. */
int
log_level_parse(const char *name, enum log_level *levelp)
{
	size_t	i;

	for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++) {
		if (strcasecmp(name, log_names[i]) == 0) {
			*levelp = (enum log_level)i;
			return 0;
		}
	}
	if (strcasecmp(name, "warning") == 0) {
		*levelp = LOG_LEVEL_WARN;
		return 0;
	}
	return -EINVAL;
}

/* The name of a level. */
const char *
log_level_name(enum log_level level)
{
	if ((size_t)level >= sizeof(log_names) / sizeof(log_names[0]))
		return "?";
	return log_names[level];
}

/* Whether debug output is selected for the module that prefixes fmt. */
int
log_debug_enabled(const char *fmt, ...)
{
	const char	*p, *colon;
	size_t		 n;

	if (log_modules == NULL || strcmp(log_modules, "all") == 0 ||
	    strcmp(log_modules, "1") == 0)
		return 1;
	if ((colon = strchr(fmt, ':')) == NULL)
		return 1;
	n = (size_t)(colon - fmt);
	for (p = log_modules; *p != '\0';) {
		size_t len = strcspn(p, ",");
		if (len == n && strncmp(p, fmt, n) == 0)
			return 1;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

static void
log_vwrite(enum log_level level, const char *fmt, va_list ap, int err)
{
	char		 buf[4096];
	struct timeval	 tv;
	struct tm	 tm;
	size_t		 len;
	int		 n;

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	len = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(buf + len, sizeof(buf) - len, ".%03d %s ",
	    (int)(tv.tv_usec / 1000), log_names[level]);
	if (n > 0)
		len += (size_t)n;
	n = vsnprintf(buf + len, sizeof(buf) - len, fmt, ap);
	if (n > 0)
		len += (size_t)n;
	if (len > sizeof(buf) - 2)
		len = sizeof(buf) - 2;
	if (err != 0) {
		n = snprintf(buf + len, sizeof(buf) - len, ": %s", strerror(err));
		if (n > 0)
			len += (size_t)n;
		if (len > sizeof(buf) - 2)
			len = sizeof(buf) - 2;
	}
	buf[len++] = '\n';
	(void)!write(STDERR_FILENO, buf, len);
}

/* Warning with strerror(errno) appended. */
void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	if (log_level < LOG_LEVEL_WARN)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_WARN, fmt, ap, saved);
	va_end(ap);
	errno = saved;
}

/* Warning without errno. */
void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	if (log_level < LOG_LEVEL_WARN)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_WARN, fmt, ap, 0);
	va_end(ap);
}

/* Lifecycle message. */
void
log_info(const char *fmt, ...)
{
	va_list	ap;

	if (log_level < LOG_LEVEL_INFO)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_INFO, fmt, ap, 0);
	va_end(ap);
}

/* Debug message; use the log_debug() macro instead. */
void
log_debug_(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_DEBUG, fmt, ap, 0);
	va_end(ap);
}

/* Log with strerror(errno) and exit 1. */
void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, fmt, ap, saved);
	va_end(ap);
	exit(1);
}

/* Log and exit 1. */
void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
