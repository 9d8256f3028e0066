/* SPDX-License-Identifier: ISC */
/*
 * log.h: the daemon's logger. Every message starts with its module tag
 * ("store: ...", "ollama: ..."). Output goes to stderr with a timestamp;
 * launchd or systemd keep it. MLXD_DEBUG=http,ollama turns on debug lines
 * for the named modules only.
 */
#ifndef MLXD_LOG_H
#define MLXD_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

void	log_init(enum log_level level);
void	log_set_level(enum log_level level);
enum log_level log_get_level(void);
int	log_level_parse(const char *name, enum log_level *levelp);
const char *log_level_name(enum log_level level);
int	log_debug_enabled(const char *fmt, ...);

void	log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_debug_(const char *fmt, ...) LOG_PRINTF(1, 2);
void	fatal(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));
void	fatalx(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));

/* Arguments are not evaluated unless debug output is on for the module. */
#define log_debug(...) do {						\
	if (log_get_level() >= LOG_LEVEL_DEBUG &&			\
	    log_debug_enabled(__VA_ARGS__))				\
		log_debug_(__VA_ARGS__);				\
} while (0)

#define MLXD_REQUIRE(x) do {						\
	if (!(x))							\
		fatalx("%s:%d: %s: requirement failed: %s",		\
		    __FILE__, __LINE__, __func__, #x);			\
} while (0)

#endif
