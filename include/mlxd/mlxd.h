/* SPDX-License-Identifier: ISC */
/*
 * mlxd.h: libmlxd, the C client library for the mlxd daemon.
 *
 * mlxd serves a versioned REST API (HTTP/1.1 + JSON) on a per-user Unix
 * socket. This library talks to it and turns its replies into plain C
 * structs. It is the only installed header and doubles as the SDK's
 * documentation.
 *
 * Conventions:
 * - Every function that can fail returns 0 or a negative error: a negative
 *   errno value (-ENOMEM, -EINVAL, -ETIMEDOUT, ...) or one of the MLXD_E*
 *   codes below (all lower than -1000). mlxd_strerror() describes either.
 * - Outputs are written only on success. Every struct the library allocates
 *   has a matching mlxd_*_free() that accepts NULL.
 * - The library never prints, logs, exits or aborts; running out of memory
 *   is reported as -ENOMEM.
 * - Strings inside a returned struct are const and live as long as the
 *   struct. A field the daemon sent as JSON null (or did not send) is NULL
 *   for strings and MLXD_NULL_INT64 for integers. Unknown keys in replies
 *   are ignored, so an older library keeps working against a newer daemon
 *   of the same API version.
 * - A client is not thread-safe: use one client per thread, or serialise
 *   calls. Different clients may be used from different threads. The first
 *   client initialises libcurl; with libcurl older than 7.84 that step is
 *   not thread-safe, so a program that creates its first clients from
 *   several threads at once should call curl_global_init() beforehand.
 * - The library installs no signal handlers (libcurl runs with NOSIGNAL).
 * - ABI (docs/libmlxd.md): the shared library has a soversion of its own,
 *   MLXD_SOVERSION. Structs the library allocates only grow at their end,
 *   so a program built against an older header reads a valid prefix;
 *   elements of the lists in them are reached with the _count() and _get()
 *   accessors (an element may grow, so never index the arrays from another
 *   build). Structs the caller provides (mlxd_gen_stats,
 *   mlxd_bench_request, mlxd_cache_dedup_opts) start with a size member
 *   the caller sets, through the header's *_init(), to the size it was
 *   compiled with; the library reads and writes no byte past it.
 * - Ownership: a reply is owned by the caller and freed with its
 *   mlxd_*_free(); everything inside it (strings, lists, list elements)
 *   belongs to the reply. A char ** output is the caller's, freed with
 *   free(). A const char * returned by a function on a client lives until
 *   the next call on that client unless its comment says otherwise.
 *
 * Example:
 *	struct mlxd_client	*c;
 *	struct mlxd_status	*st;
 *
 *	if (mlxd_client_new(NULL, &c) == 0 && mlxd_status(c, &st) == 0) {
 *		printf("%s\n", st->ollama.connected ? "up" : "down");
 *		mlxd_status_free(st);
 *	}
 *	mlxd_client_free(c);
 *
 * Link with `pkg-config --cflags --libs libmlxd`.
 */
#ifndef MLXD_MLXD_H
#define MLXD_MLXD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MLXD_EXPORT	__attribute__((visibility("default")))
#else
#define MLXD_EXPORT
#endif

/*
 * The API version this header describes. The first call on a client asks
 * the daemon (GET /v1/health) which version it speaks and fails with
 * MLXD_EVERSION unless the two are equal.
 */
#define MLXD_API_VERSION	1

/*
 * The version of the library this header comes with, as numbers, as a
 * string and as MLXD_VERSION_NUM = major << 16 | minor << 8 | patch, which
 * compares with mlxd_version() (the version of the library actually
 * loaded), as libcurl, libuv and SQLite do.
 */
#define MLXD_VERSION_MAJOR	0
#define MLXD_VERSION_MINOR	1
#define MLXD_VERSION_PATCH	0
#define MLXD_VERSION_NUM	((MLXD_VERSION_MAJOR << 16) | \
				 (MLXD_VERSION_MINOR << 8) | MLXD_VERSION_PATCH)
#ifndef MLXD_VERSION
#define MLXD_VERSION		"0.1.0"
#endif

/*
 * The soversion of libmlxd (libmlxd.so.MLXD_SOVERSION,
 * libmlxd.MLXD_SOVERSION.dylib). It changes only when the ABI breaks; see
 * docs/libmlxd.md for the policy.
 */
#define MLXD_SOVERSION		1

/* Nothing listens at the socket path (no such file, or connection refused). */
#define MLXD_ENODAEMON		(-1001)
/*
 * The daemon answered with an error status. mlxd_client_last_error() gives
 * its message, mlxd_client_last_code() its code (e.g. "not_found") and
 * mlxd_client_last_status() the HTTP status.
 */
#define MLXD_EAPI		(-1002)
/* The daemon's reply could not be understood (not HTTP or not the JSON expected). */
#define MLXD_EPROTO		(-1003)
/* The daemon speaks a different API version than MLXD_API_VERSION. */
#define MLXD_EVERSION		(-1004)

/* Value of an integer field that was JSON null or absent. */
#define MLXD_NULL_INT64		INT64_MIN

/* Default per-request timeout of a new client, in milliseconds. */
#define MLXD_DEFAULT_TIMEOUT_MS	30000

/* A connection to one mlxd daemon; opaque. */
struct mlxd_client;

/*
 * The version of the loaded library as MLXD_VERSION_NUM would spell it; a
 * program may compare it with the MLXD_VERSION_NUM it was built with.
 */
MLXD_EXPORT unsigned int mlxd_version(void);

/* The version of the loaded library as a string ("0.1.0"); static. */
MLXD_EXPORT const char *mlxd_version_string(void);

/*
 * True when the struct at p, whose first member is its size as the caller
 * set it, is large enough to hold member m: how the library tells which
 * members an older program's struct has.
 */
#define MLXD_HAS_MEMBER(p, type, m)	((p)->size >= offsetof(type, m) + \
					 sizeof(((type *)0)->m))

/*
 * Describe err, a value returned by any function in this library (0, a
 * negative errno or an MLXD_E* code). The string is static; never NULL.
 */
MLXD_EXPORT const char *mlxd_strerror(int err);

/*
 * Put in *pathp the socket path clients use when none is given, as a
 * string the caller frees with free(): $MLXD_SOCKET if set and non-empty;
 * on macOS "$HOME/Library/Application Support/mlxd/mlxd.sock"; elsewhere
 * "$XDG_RUNTIME_DIR/mlxd/mlxd.sock" when XDG_RUNTIME_DIR is an absolute
 * path, else "/tmp/mlxd-<uid>/mlxd.sock". The daemon uses the same function,
 * so both sides agree. Returns 0, -ENOMEM, or -ENOENT on macOS when HOME is
 * unset or not absolute.
 */
MLXD_EXPORT int mlxd_default_socket_path(char **pathp);

/*
 * Parse an RFC 3339 / ISO 8601 timestamp as the API sends them
 * ("2026-11-28T03:00:00.000Z", "2026-05-02T08:31:09.4418-04:00") and put
 * milliseconds since the Unix epoch in *msp. A missing offset means UTC.
 * Returns 0 or -EINVAL.
 */
MLXD_EXPORT int mlxd_time_parse(const char *iso, int64_t *msp);

/*
 * Create a client for the daemon at socket_path, or at
 * mlxd_default_socket_path() when socket_path is NULL; socket_path is
 * copied. Nothing is sent yet: a client can be created while the daemon is
 * down, and the first call finds out. Returns 0, -ENOMEM, -EINVAL (empty
 * path or longer than a Unix socket path can be), or an error of
 * mlxd_default_socket_path().
 */
MLXD_EXPORT int mlxd_client_new(const char *socket_path,
		    struct mlxd_client **cp);

/* Close the connection and free the client. Accepts NULL. */
MLXD_EXPORT void mlxd_client_free(struct mlxd_client *c);

/* The socket path the client uses; lives as long as the client. */
MLXD_EXPORT const char *mlxd_client_socket_path(const struct mlxd_client *c);

/*
 * Limit each later call to ms milliseconds, connection included (0 = no
 * limit); a call that takes longer fails with -ETIMEDOUT. The default is
 * MLXD_DEFAULT_TIMEOUT_MS. For mlxd_stream() only connecting and the
 * reply's headers are limited, since a stream may stay open indefinitely.
 */
MLXD_EXPORT void mlxd_client_set_timeout_ms(struct mlxd_client *c, long ms);

/*
 * A message about the last failed call: the daemon's message after
 * MLXD_EAPI, or a description after MLXD_EVERSION / MLXD_EPROTO when one is
 * known. NULL after a successful call or when there is nothing to add to
 * mlxd_strerror(). Lives until the next call on c.
 */
MLXD_EXPORT const char *mlxd_client_last_error(const struct mlxd_client *c);

/*
 * The daemon's error code (e.g. "not_found", "ollama_unavailable") after a
 * call failed with MLXD_EAPI, else NULL. Lives until the next call on c.
 */
MLXD_EXPORT const char *mlxd_client_last_code(const struct mlxd_client *c);

/* The HTTP status of the last reply received on c, or 0 if none was. */
MLXD_EXPORT int mlxd_client_last_status(const struct mlxd_client *c);

/*
 * Raw call: send method (e.g. "GET", "POST", "DELETE") to path (starting
 * with "/", e.g. "/v1/status", query string included) with an optional
 * body of body_len bytes (sent as application/json; body may be NULL when
 * body_len is 0). Whatever the HTTP status, when a reply arrives this
 * returns 0 and puts the status in *statusp and the body in *bodyp (malloc'd,
 * NUL-terminated, caller frees) and its length, without that NUL, in *lenp;
 * any of the three may be NULL. For a non-2xx status the error fields of
 * the client are set as for MLXD_EAPI. Returns 0, -EINVAL, -ENOMEM,
 * -ETIMEDOUT, MLXD_ENODAEMON, MLXD_EVERSION, MLXD_EPROTO or another
 * negative errno for a transport failure.
 */
MLXD_EXPORT int mlxd_request(struct mlxd_client *c, const char *method,
		    const char *path, const void *body, size_t body_len,
		    int *statusp, char **bodyp, size_t *lenp);

/*
 * Called by mlxd_stream() once per complete line of the reply, without its
 * "\n" (nor a "\r" before it); line[len] is NUL. Empty lines are delivered
 * too, since they end Server-Sent Events. line is valid only during the
 * call. Return 0 to go on; anything else stops the stream.
 */
typedef int (*mlxd_line_cb)(void *arg, const char *line, size_t len);

/*
 * Streaming call for NDJSON (generation) and Server-Sent Events
 * (/v1/events) routes: send the request like mlxd_request() and call cb for
 * every line of a 2xx reply as it arrives; a last line without "\n" is
 * delivered at the end of the reply. For a non-2xx status cb is never
 * called and the call fails with MLXD_EAPI. Returns 0 when the reply ended
 * or cb returned a positive value to stop, cb's value when it returned a
 * negative one, -EINTR after mlxd_client_interrupt(), or the errors of
 * mlxd_request().
 */
MLXD_EXPORT int mlxd_stream(struct mlxd_client *c, const char *method,
		    const char *path, const void *body, size_t body_len,
		    mlxd_line_cb cb, void *arg);

/* GET /v1/health. */
struct mlxd_health {
	const char	*status;	/* "ok" */
	const char	*version;	/* daemon version, e.g. "0.1.0" */
	int		 api_version;	/* MLXD_API_VERSION */
	int64_t		 uptime_s;	/* seconds since the daemon started */
	int64_t		 pid;		/* the daemon's process id */
	const char	*raw_json;	/* the reply body as received */
};

/*
 * Ask whether the daemon is up; on success put the reply in *hp, to free
 * with mlxd_health_free(). Returns 0, MLXD_ENODAEMON, MLXD_EVERSION,
 * MLXD_EAPI, MLXD_EPROTO, -ETIMEDOUT, -ENOMEM, or another negative errno.
 * The typed calls below fail the same ways.
 */
MLXD_EXPORT int mlxd_health(struct mlxd_client *c, struct mlxd_health **hp);

/* Free a reply of mlxd_health(). Accepts NULL. */
MLXD_EXPORT void mlxd_health_free(struct mlxd_health *h);

/* A model loaded in memory by Ollama (GET /v1/models/running, /v1/status). */
struct mlxd_running_model {
	const char	*name;		/* "llama3.2:latest" */
	const char	*model;		/* same as name */
	const char	*digest;	/* 64 hex digits */
	int64_t		 size_bytes;	/* memory in use: weights + KV cache + buffers */
	int64_t		 vram_bytes;	/* part of size_bytes in GPU memory, or MLXD_NULL_INT64 */
	const char	*expires_at;	/* when it will be unloaded, ISO 8601, or NULL */
	int64_t		 expires_at_ms;	/* the same in ms since the epoch, or MLXD_NULL_INT64 */
	int64_t		 context_length; /* context size the runner uses, or MLXD_NULL_INT64 */
	const char	*format;	/* "gguf", "safetensors" */
	const char	*family;	/* "llama" */
	const char	**families;	/* nfamilies names, NULL if null */
	size_t		 nfamilies;
	const char	*parameter_size; /* "3.2B" (a label, not a number) */
	const char	*quantization_level; /* "Q4_K_M" */
};

/* The "daemon" section of GET /v1/status. */
struct mlxd_status_daemon {
	const char	*version;
	int		 api_version;
	int64_t		 pid;
	int64_t		 uptime_s;
	const char	*started_at;	/* ISO 8601 */
	int64_t		 started_at_ms;	/* ms since the epoch, or MLXD_NULL_INT64 */
	const char	*socket;	/* the socket the daemon listens on */
	const char	*data_dir;
};

/* The "ollama" section of GET /v1/status. */
struct mlxd_status_ollama {
	const char	*url;		/* "http://127.0.0.1:11434" */
	bool		 connected;	/* the last poll reached Ollama */
	const char	*version;	/* Ollama's version, or NULL */
	const char	*last_error;	/* why the last poll failed, or NULL */
	const char	*last_ok_at;	/* last successful poll, ISO 8601, or NULL */
	int64_t		 last_ok_at_ms;	/* the same in ms, or MLXD_NULL_INT64 */
	struct mlxd_running_model *running; /* nrunning loaded models */
	size_t		 nrunning;
};

/* A generation running now (the "generation.active" list of GET /v1/status). */
struct mlxd_generation {
	int64_t		 id;		/* or MLXD_NULL_INT64 */
	const char	*model;		/* "llama3.2:latest" */
	const char	*route;		/* "/api/generate", "/api/chat" */
	const char	*client;	/* who asked, or NULL */
	const char	*started_at;	/* ISO 8601, or NULL */
	int64_t		 started_at_ms;	/* or MLXD_NULL_INT64 */
	int64_t		 chunks;	/* stream chunks so far, or MLXD_NULL_INT64 */
	double		 tokens_per_s;	/* live estimate, NAN before the first tokens */
	double		 ttft_ms;	/* time to first token, NAN until it came */
};

/* The last finished generation ("generation.last"), from Ollama's counters. */
struct mlxd_generation_last {
	int64_t		 id;		/* the stored session's id, or MLXD_NULL_INT64 */
	const char	*model;
	const char	*route;
	const char	*started_at;	/* ISO 8601, or NULL */
	int64_t		 started_at_ms;	/* or MLXD_NULL_INT64 */
	const char	*ended_at;	/* ISO 8601, or NULL */
	int64_t		 ended_at_ms;	/* or MLXD_NULL_INT64 */
	double		 ttft_ms;	/* NAN when unknown, as all doubles here */
	int64_t		 prompt_tokens;	/* or MLXD_NULL_INT64, as all integers here */
	double		 prompt_tokens_per_s;
	int64_t		 tokens;	/* generated tokens */
	double		 tokens_per_s;	/* eval_count / eval_duration */
	double		 load_ms;
	double		 total_ms;
	const char	*done_reason;	/* "stop", "length", ..., or NULL */
	const char	*error;		/* why it failed, or NULL */
};

/* The "generation" section of GET /v1/status. */
struct mlxd_status_generation {
	bool				 present; /* the daemon sent the section */
	struct mlxd_generation		*active;  /* nactive running generations */
	size_t				 nactive;
	const struct mlxd_generation_last *last; /* NULL when none finished yet */
};

/* A benchmark in progress ("benchmark.active"). */
struct mlxd_benchmark_progress {
	const char	*id;
	const char	*model;
	const char	*suite;		/* the suite's name, or NULL */
	const char	*state;		/* "running", "cancelling", ... */
	double		 percent;	/* 0-100, or NAN */
	double		 eta_s;		/* seconds left, or NAN */
	const char	*step;		/* label of the step running now, or NULL */
	const char	*test;		/* the test running now, or NULL */
	int64_t		 repetition;	/* or MLXD_NULL_INT64 */
};

/* The "benchmark" section of GET /v1/status. */
struct mlxd_status_benchmark {
	bool				 present; /* the daemon sent the section */
	const struct mlxd_benchmark_progress *active; /* NULL when none runs */
};

struct mlxd_metrics;

/*
 * GET /v1/status. Sections this struct does not describe (cache, ...) are
 * in raw_json. The generation and benchmark sections are read leniently:
 * an absent or null section gives present = false and nothing else.
 */
struct mlxd_status {
	int				 api_version;
	struct mlxd_status_daemon	 daemon;
	struct mlxd_status_ollama	 ollama;
	const char			*raw_json; /* the reply body as received */
	/* The latest metrics sample ("system"), or NULL before the first. */
	const struct mlxd_metrics	*system;
	struct mlxd_status_generation	 generation;
	struct mlxd_status_benchmark	 benchmark;
};

/* Fetch the daemon's state; on success *stp, freed with mlxd_status_free(). */
MLXD_EXPORT int mlxd_status(struct mlxd_client *c, struct mlxd_status **stp);

/* Free a reply of mlxd_status() or mlxd_status_parse(). Accepts NULL. */
MLXD_EXPORT void mlxd_status_free(struct mlxd_status *st);

/*
 * The models Ollama has loaded (st->ollama.running) and the generations
 * running now (st->generation.active): counts, and element i or NULL. The
 * elements belong to st; see mlxd_models_get() for why to use these.
 */
MLXD_EXPORT size_t mlxd_status_running_count(const struct mlxd_status *st);
MLXD_EXPORT const struct mlxd_running_model *mlxd_status_running_get(
		    const struct mlxd_status *st, size_t i);
MLXD_EXPORT size_t mlxd_status_active_count(const struct mlxd_status *st);
MLXD_EXPORT const struct mlxd_generation *mlxd_status_active_get(
		    const struct mlxd_status *st, size_t i);

/*
 * Parse len bytes of JSON text shaped like a GET /v1/status reply (e.g. the
 * data of a `status` event) into *stp, freed with mlxd_status_free(); the
 * text is copied into raw_json. Returns 0, -EINVAL, -ENOMEM, or MLXD_EPROTO
 * when the text is not a JSON object.
 */
MLXD_EXPORT int mlxd_status_parse(const char *json, size_t len,
		    struct mlxd_status **stp);

/* A model installed in Ollama's store (GET /v1/models). */
struct mlxd_model {
	const char	*name;		/* "llama3.2:latest" */
	const char	*model;		/* same as name */
	const char	*digest;	/* 64 hex digits */
	int64_t		 size_bytes;	/* disk footprint */
	const char	*modified_at;	/* ISO 8601, or NULL */
	int64_t		 modified_at_ms; /* ms since the epoch, or MLXD_NULL_INT64 */
	const char	*format;
	const char	*family;
	const char	**families;	/* nfamilies names, NULL if null */
	size_t		 nfamilies;
	const char	*parameter_size;
	const char	*quantization_level;
	int64_t		 context_length; /* trained context, or MLXD_NULL_INT64 */
	int64_t		 embedding_length; /* or MLXD_NULL_INT64 */
	const char	**capabilities;	/* ncapabilities ("completion", ...), NULL if null */
	size_t		 ncapabilities;
};

/* GET /v1/models. */
struct mlxd_models {
	const char		*fetched_at;	/* when the daemon last asked Ollama, or NULL */
	int64_t			 fetched_at_ms;	/* or MLXD_NULL_INT64 */
	struct mlxd_model	*models;	/* nmodels entries */
	size_t			 nmodels;
	const char		*raw_json;
};

/*
 * List the installed models; on success *mp, freed with mlxd_models_free().
 * Fails with MLXD_EAPI, code "ollama_unavailable", if the daemon has never
 * reached Ollama.
 */
MLXD_EXPORT int mlxd_models(struct mlxd_client *c, struct mlxd_models **mp);

/* Free a reply of mlxd_models(). Accepts NULL. */
MLXD_EXPORT void mlxd_models_free(struct mlxd_models *m);

/*
 * The number of models in m, and the i-th one (NULL when i is out of
 * range); it belongs to m. Use these rather than m->models[i], whose
 * element size may grow in a newer library.
 */
MLXD_EXPORT size_t mlxd_models_count(const struct mlxd_models *m);
MLXD_EXPORT const struct mlxd_model *mlxd_models_get(
		    const struct mlxd_models *m, size_t i);

/* GET /v1/models/running. */
struct mlxd_running {
	const char			*fetched_at;	/* or NULL */
	int64_t				 fetched_at_ms;	/* or MLXD_NULL_INT64 */
	struct mlxd_running_model	*models;	/* nmodels entries */
	size_t				 nmodels;
	const char			*raw_json;
};

/*
 * List the models Ollama has loaded; on success *rp, freed with
 * mlxd_running_free(). Fails like mlxd_models().
 */
MLXD_EXPORT int mlxd_running(struct mlxd_client *c, struct mlxd_running **rp);

/* Free a reply of mlxd_running(). Accepts NULL. */
MLXD_EXPORT void mlxd_running_free(struct mlxd_running *r);

/* The number of loaded models in r, and the i-th one (or NULL); see mlxd_models_get(). */
MLXD_EXPORT size_t mlxd_running_count(const struct mlxd_running *r);
MLXD_EXPORT const struct mlxd_running_model *mlxd_running_get(
		    const struct mlxd_running *r, size_t i);

/* One option of the daemon's effective configuration. */
struct mlxd_config_option {
	const char	*name;		/* "ollama.url" */
	const char	*value_json;	/* the value as compact JSON text: "\"http://...\"", "5", "null" */
	const char	*value_string;	/* the value itself when it is a JSON string, else NULL */
	const char	*source;	/* "default", "file", "env" or "flag" */
	const char	*env;		/* environment variable that sets it, or NULL */
	bool		 reloadable;	/* changes apply on SIGHUP */
	const char	*help;
};

/* GET /v1/config. */
struct mlxd_config {
	const char			*file;	/* the config file read, or NULL */
	struct mlxd_config_option	*options; /* noptions entries */
	size_t				 noptions;
	const char			*raw_json;
	/* Options of mlxd_config_set()/mlxd_config_unset() that apply only
	 * when mlxd restarts (none for mlxd_config_get()); read them with
	 * mlxd_config_restart_count()/mlxd_config_restart_get(). */
	const char			**restart_required;
	size_t				 nrestart_required;
};

/*
 * Fetch the effective configuration; on success *cfgp, freed with
 * mlxd_config_free().
 */
MLXD_EXPORT int mlxd_config_get(struct mlxd_client *c,
		    struct mlxd_config **cfgp);

/* Free a reply of mlxd_config_get(). Accepts NULL. */
MLXD_EXPORT void mlxd_config_free(struct mlxd_config *cfg);

/* The number of options in cfg, and the i-th one (or NULL); see mlxd_models_get(). */
MLXD_EXPORT size_t mlxd_config_count(const struct mlxd_config *cfg);
MLXD_EXPORT const struct mlxd_config_option *mlxd_config_get_option(
		    const struct mlxd_config *cfg, size_t i);

/*
 * PATCH /v1/config: set option key (e.g. "retention_days") to value_json,
 * the new value as JSON text ("7", "true", "\"http://...\"",
 * "[\"clone\"]"), kept by the daemon in its overlay file and applied at
 * once when the option is reloadable. Both strings are the caller's and
 * are not kept. Text that is not JSON, or a JSON null (use
 * mlxd_config_unset()), is -EINVAL before anything is sent. A value the
 * daemon refuses is MLXD_EAPI with its message and code ("bad_request",
 * "conflict" for an option the environment or a flag sets) in
 * mlxd_client_last_error() and mlxd_client_last_code(). On success, when
 * cfgp is not NULL, *cfgp is the configuration now in effect with
 * restart_required filled, freed with mlxd_config_free().
 */
MLXD_EXPORT int mlxd_config_set(struct mlxd_client *c, const char *key,
		    const char *value_json, struct mlxd_config **cfgp);

/*
 * PATCH /v1/config with key: null: drop the change made through the API,
 * back to the file's value or the default. Otherwise as mlxd_config_set().
 */
MLXD_EXPORT int mlxd_config_unset(struct mlxd_client *c, const char *key,
		    struct mlxd_config **cfgp);

/* The number of options in cfg->restart_required, and the i-th (or NULL). */
MLXD_EXPORT size_t mlxd_config_restart_count(const struct mlxd_config *cfg);
MLXD_EXPORT const char *mlxd_config_restart_get(const struct mlxd_config *cfg,
		    size_t i);

/*
 * Live monitoring: GET /v1/metrics, /v1/system, /v1/metrics/history and the
 * /v1/events stream. Figures the daemon could not measure (JSON null) are
 * NAN in double fields (test with isnan() from <math.h>), MLXD_NULL_INT64 in
 * integer fields, -1 in level fields and NULL in strings; never 0.
 */

/* At most this many CPU clusters (tiers: E, P, S, ...) are kept per sample. */
#define MLXD_MAX_CLUSTERS	4

/* Busy share of one CPU cluster. */
struct mlxd_cpu_cluster {
	const char	*label;		/* "E", "P", "S" */
	double		 utilization_pct; /* 0-100, or NAN */
};

/* The "memory" part of a sample; bytes. */
struct mlxd_metrics_memory {
	int64_t		 total_bytes;
	int64_t		 used_bytes;	/* macOS app+wired+compressed; Linux total-available */
	int64_t		 available_bytes;
	int64_t		 wired_bytes;
	int64_t		 compressed_bytes;
	int64_t		 swap_total_bytes;
	int64_t		 swap_used_bytes;
	int		 pressure_level; /* 0 normal, 1 warning, 2 critical, -1 unknown */
	const char	*pressure;	/* "normal", "warning", "critical", or NULL */
	double		 psi_some_pct;	/* Linux pressure stall, avg10, % */
	double		 psi_full_pct;
};

/* The "cpu" part of a sample. */
struct mlxd_metrics_cpu {
	double			 utilization_pct; /* all CPUs, 0-100 */
	struct mlxd_cpu_cluster	 clusters[MLXD_MAX_CLUSTERS]; /* nclusters of them */
	size_t			 nclusters;	/* 0 when the machine has one tier */
	double			 psi_some_pct;
	double			 load_1m;	/* load averages */
	double			 load_5m;
	double			 load_15m;
};

/* The "gpu" part of a sample. */
struct mlxd_metrics_gpu {
	double		 utilization_pct;
	int64_t		 memory_used_bytes;
	int64_t		 memory_total_bytes;
	double		 frequency_mhz;
};

/* The "power_watts" part of a sample: watts per rail. */
struct mlxd_metrics_power {
	double		 cpu_w;
	double		 gpu_w;
	double		 ane_w;		/* Apple Neural Engine */
	double		 dram_w;
	double		 system_w;	/* the whole machine, where measured */
};

/* The "thermal" part of a sample. */
struct mlxd_metrics_thermal {
	int		 pressure_level; /* 0 nominal, 1 moderate, 2 heavy, 3 trapping, 4 sleeping, -1 unknown */
	const char	*pressure;	/* "nominal", "moderate", ..., or NULL */
	double		 cpu_celsius;
	double		 gpu_celsius;
};

/* One metrics sample (GET /v1/metrics, `metrics` events, status "system"). */
struct mlxd_metrics {
	const char			*t;	/* when it was taken, ISO 8601 */
	int64_t				 t_ms;	/* the same in ms, or MLXD_NULL_INT64 */
	struct mlxd_metrics_memory	 memory;
	struct mlxd_metrics_cpu		 cpu;
	struct mlxd_metrics_gpu		 gpu;
	struct mlxd_metrics_power	 power;
	struct mlxd_metrics_thermal	 thermal;
	const char			*raw_json; /* the sample as received; NULL in a status */
};

/*
 * Fetch the latest sample into *mp, freed with mlxd_metrics_free(). Fails
 * with MLXD_EAPI, code "not_ready", before the daemon's first sample.
 */
MLXD_EXPORT int mlxd_metrics(struct mlxd_client *c, struct mlxd_metrics **mp);

/*
 * Parse len bytes of JSON text shaped like a GET /v1/metrics reply (e.g. the
 * data of a `metrics` event) into *mp, freed with mlxd_metrics_free().
 * Returns 0, -EINVAL, -ENOMEM, or MLXD_EPROTO when it is not a JSON object.
 */
MLXD_EXPORT int mlxd_metrics_parse(const char *json, size_t len,
		    struct mlxd_metrics **mp);

/* Free a reply of mlxd_metrics() or mlxd_metrics_parse(). Accepts NULL. */
MLXD_EXPORT void mlxd_metrics_free(struct mlxd_metrics *m);

/*
 * Power drawn now, in watts: the system rail when it is measured, else the
 * sum of the measured cpu, gpu, ane and dram rails, else NAN.
 */
MLXD_EXPORT double mlxd_metrics_power_w(const struct mlxd_metrics *m);

/* Memory in use as a share of the total, 0-100, or NAN when unknown. */
MLXD_EXPORT double mlxd_metrics_memory_pct(const struct mlxd_metrics *m);

/* One CPU tier of the machine. */
struct mlxd_system_cluster {
	const char	*label;		/* "E", "P", "S" */
	const char	*name;		/* "Efficiency", "Performance", ... */
	int64_t		 cpus;		/* logical CPUs in it */
};

/* GET /v1/system: what the machine is. */
struct mlxd_system {
	const char			*chip;		/* "Apple M3 Pro", CPU model */
	const char			*model;		/* "Mac15,6", board, or NULL */
	int64_t				 cpus_logical;
	int64_t				 cpus_physical;
	struct mlxd_system_cluster	*clusters;	/* nclusters tiers */
	size_t				 nclusters;
	const char			*gpu_name;
	int64_t				 gpu_cores;
	int64_t				 memory_total_bytes;
	const char			*os_name;	/* "macOS", "Debian GNU/Linux" */
	const char			*os_version;	/* "15.1", "12" */
	const char			*kernel;
	const char			*hostname;
	const char			*arch;		/* "arm64", "x86_64" */
	const char			*raw_json;
};

/* Describe the machine; on success *sysp, freed with mlxd_system_free(). */
MLXD_EXPORT int mlxd_system(struct mlxd_client *c, struct mlxd_system **sysp);

/* Free a reply of mlxd_system(). Accepts NULL. */
MLXD_EXPORT void mlxd_system_free(struct mlxd_system *sys);

/* One field of the history: its key and one value per point. */
struct mlxd_history_series {
	const char	*key;		/* "cpu_pct", "mem_used_bytes", "cpu_P_pct", ... */
	double		*values;	/* npoints values, NAN where null */
};

/* GET /v1/metrics/history, one array per field (keys in docs/metrics.md). */
struct mlxd_metrics_history {
	int64_t				 interval_ms;	/* the daemon's sampling interval */
	int64_t				 step_ms;	/* spacing of the points */
	size_t				 npoints;
	int64_t				*t_ms;		/* npoints times, oldest first */
	struct mlxd_history_series	*series;	/* nseries fields */
	size_t				 nseries;
	const char			*raw_json;
};

/*
 * Fetch the samples of the last window_ms milliseconds (at most one hour),
 * averaged into buckets of step_ms (0: one point per sample), into *hp,
 * freed with mlxd_metrics_history_free(). Returns the errors of the typed
 * calls; -EINVAL when window_ms <= 0 or step_ms < 0, MLXD_EAPI when the
 * daemon refuses the window or step.
 */
MLXD_EXPORT int mlxd_metrics_history(struct mlxd_client *c, int64_t window_ms,
		    int64_t step_ms, struct mlxd_metrics_history **hp);

/*
 * The npoints values of the field named key, or NULL when no point has it.
 * Lives as long as h.
 */
MLXD_EXPORT const double *mlxd_metrics_history_values(
		    const struct mlxd_metrics_history *h, const char *key);

/* Free a reply of mlxd_metrics_history(). Accepts NULL. */
MLXD_EXPORT void mlxd_metrics_history_free(struct mlxd_metrics_history *h);

/*
 * Called by mlxd_events() once per Server-Sent Event: name is the event
 * type ("status", "metrics", or "message" when the event had none), data
 * its data lines joined by "\n" (len bytes, data[len] is NUL). Both are
 * valid only during the call. Return 0 to go on; anything else stops.
 */
typedef int (*mlxd_event_cb)(void *arg, const char *name, const char *data,
		    size_t len);

/*
 * Follow GET /v1/events until it ends, the callback stops it, or
 * mlxd_client_interrupt() is called: assemble `event:` and `data:` lines
 * into events and pass each to cb. Comment lines (": heartbeat"), `id:`
 * and `retry:` fields and events without data are skipped. The first
 * events are a `status` snapshot, then `metrics` each sample and `status`
 * on each change; mlxd_status_parse() and mlxd_metrics_parse() read their
 * data. Returns 0 when the daemon ended the stream or cb returned a
 * positive value, cb's value when negative, -EINTR when interrupted,
 * MLXD_EAPI when the daemon ended it with an `error` event (e.g. it is
 * stopping; mlxd_client_last_error() and mlxd_client_last_code() give its
 * message and code; cb saw the event too), or the errors of mlxd_stream()
 * (-ECONNRESET when the daemon went away mid-stream).
 */
MLXD_EXPORT int mlxd_events(struct mlxd_client *c, mlxd_event_cb cb,
		    void *arg);

/*
 * Make the mlxd_stream() or mlxd_events() running on c in another thread
 * return -EINTR promptly (within milliseconds, even while no data
 * arrives); when none is running, the next one on c returns -EINTR at once.
 * The only function that may be called on a client from another thread
 * while it is in use.
 */
MLXD_EXPORT void mlxd_client_interrupt(struct mlxd_client *c);

/* ---- generation and benchmarks ---- */

/*
 * Generation through mlxd (POST /v1/generate, /v1/chat), the stored
 * history of generations (GET /v1/sessions) and benchmarks
 * (/v1/benchmarks). Doubles the daemon or Ollama did not give are NAN
 * (test with isnan() from <math.h>), integers MLXD_NULL_INT64, strings
 * NULL; never 0.
 */

/* One line of a generation stream, as handed to an mlxd_chunk_cb. */
struct mlxd_chunk {
	const char	*content;	/* answer text in this line, "" if none */
	size_t		 content_len;	/* bytes of content (it may hold NULs) */
	const char	*thinking;	/* reasoning text in this line, "" if none */
	size_t		 thinking_len;
	bool		 done;		/* the final line ("done": true) */
	int64_t		 elapsed_ns;	/* since the request was sent (monotonic) */
	const char	*line;		/* the raw NDJSON line, without "\n" */
	size_t		 line_len;
};

/*
 * Called by mlxd_generate() and mlxd_chat() once per line of the stream,
 * the final one included; chunk and its strings are valid only during the
 * call. Return 0 to go on, anything else to stop the generation (the
 * daemon then cancels it upstream).
 */
typedef int (*mlxd_chunk_cb)(void *arg, const struct mlxd_chunk *chunk);

/*
 * The figures of one generation. Counts and durations are Ollama's own
 * (from its final line, as `ollama run --verbose` prints them), never
 * counted from chunks; ttft_ns and elapsed_ns are measured by the library
 * on a monotonic clock from the moment the request is sent.
 */
struct mlxd_gen_stats {
	size_t		 size;		/* sizeof(struct mlxd_gen_stats), set by mlxd_gen_stats_init() */
	int64_t		 total_duration_ns;	/* Ollama's total_duration */
	int64_t		 load_duration_ns;
	int64_t		 prompt_eval_count;	/* prompt tokens */
	int64_t		 prompt_eval_cached_count; /* of those, from the cache (newer Ollama) */
	int64_t		 prompt_eval_duration_ns;
	int64_t		 eval_count;		/* generated tokens, thinking included */
	int64_t		 eval_duration_ns;
	double		 total_ms;
	double		 load_ms;
	double		 prompt_eval_ms;
	double		 eval_ms;
	double		 prompt_tps;	/* (prompt_eval_count - cached) / prompt eval s */
	double		 gen_tps;	/* eval_count / eval s: the "eval rate" */
	int64_t		 ttft_ns;	/* to the first line with content or thinking */
	double		 ttft_ms;
	int64_t		 elapsed_ns;	/* to the final line */
	int64_t		 nchunks;	/* lines received: not a token count */
	char		 done_reason[32]; /* "stop", "length", "load", ... or "" */
	/* New members go here, at the end. */
};

/*
 * Prepare *st for mlxd_generate() / mlxd_chat(): zero it and set its size
 * to the size this program was built with, so that a newer library writes
 * no byte past it.
 */
static inline void
mlxd_gen_stats_init(struct mlxd_gen_stats *st)
{
	*st = (struct mlxd_gen_stats){ .size = sizeof(*st) };
}

/*
 * Stream a completion: POST json_body, Ollama's /api/generate request body
 * ({"model":"llama3.2","prompt":"...","options":{...}}), to /v1/generate.
 * cb (may be NULL) gets every line as it arrives, with the "response" and
 * "thinking" text of the line in chunk->content and chunk->thinking. On
 * success the final line's figures go to *statsp (statsp may be NULL),
 * which the caller prepared with mlxd_gen_stats_init(): the library writes
 * statsp->size bytes at most (the members an older program's struct
 * lacks are not written), and fails with -EINVAL before sending anything
 * when statsp->size is 0 (the struct was not prepared).
 * Returns 0; MLXD_EAPI when the daemon or Ollama refused the request (an
 * unknown model, a bad body: mlxd_client_last_error() has Ollama's or
 * mlxd's message) or when an {"error": "..."} line ended the stream
 * (last_error has its text); MLXD_EPROTO when the stream ended without its
 * final line or a line was not JSON; -ECANCELED when cb returned a
 * positive value, cb's value when it returned a negative one; -EINVAL when
 * json_body is NULL or empty; or the errors of mlxd_stream(). The client's
 * timeout (mlxd_client_set_timeout_ms()) limits the wait for the first
 * reply bytes, which Ollama sends only once the model is loaded: raise it,
 * or set 0, for large models.
 */
MLXD_EXPORT int mlxd_generate(struct mlxd_client *c, const char *json_body,
		    mlxd_chunk_cb cb, void *arg, struct mlxd_gen_stats *statsp);

/*
 * Stream a chat answer: as mlxd_generate(), with Ollama's /api/chat body
 * ({"model":"...","messages":[{"role":"user","content":"..."}]}) sent to
 * /v1/chat; chunk->content and chunk->thinking come from "message". The
 * caller keeps the history: append the answer (the concatenated content)
 * as an "assistant" message to the next request.
 */
MLXD_EXPORT int mlxd_chat(struct mlxd_client *c, const char *json_body,
		    mlxd_chunk_cb cb, void *arg, struct mlxd_gen_stats *statsp);

/* One stored generation (GET /v1/sessions). */
struct mlxd_session {
	int64_t		 id;
	const char	*model;
	const char	*digest;	/* or NULL */
	const char	*route;		/* "/v1/generate", "/api/chat", ... */
	const char	*user_agent;	/* the client's User-Agent, or NULL */
	const char	*start_at;	/* ISO 8601 */
	int64_t		 start_at_ms;	/* ms since the epoch, or MLXD_NULL_INT64 */
	int64_t		 start_ns;	/* ns since the epoch */
	int64_t		 end_ns;
	int64_t		 ttft_ns;	/* measured by the daemon */
	int64_t		 prompt_eval_count;
	int64_t		 prompt_eval_duration_ns;
	int64_t		 eval_count;
	int64_t		 eval_duration_ns;
	int64_t		 load_ns;
	int64_t		 peak_memory_bytes;
	double		 prompt_tps;
	double		 gen_tps;
	const char	*done_reason;	/* or NULL */
	const char	*error;		/* why it failed, or NULL */
	const char	*prompt_text;	/* only with sessions.store_text, else NULL */
	const char	*output_text;
	/* Added later: NULL / MLXD_NULL_INT64 from an older daemon. */
	const char	*kind;		/* "generate" or "embed" */
	const char	*counts_source;	/* "ollama", "openai_usage", or NULL */
	int64_t		 input_count;	/* inputs of an embed session */
};

/* GET /v1/sessions. */
struct mlxd_sessions {
	struct mlxd_session	*sessions;	/* nsessions, newest first */
	size_t			 nsessions;
	const char		*raw_json;
};

/*
 * List stored generations, newest first: only of model when it is not
 * NULL, only those started at or after since (RFC 3339) when it is not
 * NULL, at most limit (1-10000; 0 for the daemon's default, 50). On success
 * *sp, freed with mlxd_sessions_free(). Returns the errors of the typed
 * calls; -EINVAL for a bad limit, MLXD_EAPI for a since the daemon cannot
 * read.
 */
MLXD_EXPORT int mlxd_sessions(struct mlxd_client *c, const char *model,
		    const char *since, int limit, struct mlxd_sessions **sp);

/* Free a reply of mlxd_sessions(). Accepts NULL. */
MLXD_EXPORT void mlxd_sessions_free(struct mlxd_sessions *s);

/* The number of sessions in s, and the i-th one (or NULL); see mlxd_models_get(). */
MLXD_EXPORT size_t mlxd_sessions_count(const struct mlxd_sessions *s);
MLXD_EXPORT const struct mlxd_session *mlxd_sessions_get(
		    const struct mlxd_sessions *s, size_t i);

/*
 * What to benchmark (POST /v1/benchmarks). Start from
 * mlxd_bench_request_init(), which leaves every field to the daemon's
 * default; see docs/benchmarks.md for the suites and defaults.
 */
struct mlxd_bench_request {
	size_t			 size;		/* set by mlxd_bench_request_init() */
	const char		*model;		/* required */
	const char		*suite;		/* "quick", "standard", "long", "cold", "custom"; NULL = quick */
	int64_t			 repetitions;	/* measured requests per test; MLXD_NULL_INT64 = 5 */
	int64_t			 warmup;	/* warm-ups per test (0 = none); MLXD_NULL_INT64 = 1 */
	int64_t			 num_predict;	/* custom suite; MLXD_NULL_INT64 = 128 */
	int64_t			 num_ctx;	/* MLXD_NULL_INT64 = the suite's */
	int64_t			 seed;		/* MLXD_NULL_INT64 = 42 */
	const char *const	*prompts;	/* nprompts prompts of the custom suite */
	size_t			 nprompts;
	/* New members go here, at the end. */
};

/*
 * Set the first size bytes of req (a struct mlxd_bench_request of that
 * size) to "daemon default" (NULL, MLXD_NULL_INT64, 0) and req->size to
 * size. Use mlxd_bench_request_init(), which passes the size the program
 * was built with.
 */
MLXD_EXPORT void mlxd_bench_request_init_size(struct mlxd_bench_request *req,
		    size_t size);

/* Set every field of req to "daemon default" and its size. */
static inline void
mlxd_bench_request_init(struct mlxd_bench_request *req)
{
	mlxd_bench_request_init_size(req, sizeof(*req));
}

/*
 * Start a benchmark described by req and put the new run's id in *idp (a
 * string the caller frees with free()). Only one runs at a time: a second
 * fails with MLXD_EAPI, code "busy" (HTTP 409). Returns the errors of the
 * typed calls; -EINVAL when req or req->model is NULL or req->size too
 * small to hold model (members past req->size, which an older program's
 * struct lacks, keep their defaults); MLXD_EAPI, code
 * "bad_request", for a request the daemon refuses.
 */
MLXD_EXPORT int mlxd_bench_start(struct mlxd_client *c,
		    const struct mlxd_bench_request *req, char **idp);

/* As mlxd_bench_start(), with the request body as JSON text. */
MLXD_EXPORT int mlxd_bench_start_json(struct mlxd_client *c,
		    const char *json_body, char **idp);

/* Summary of one metric over a test's valid samples; NAN when unknown. */
struct mlxd_bench_stat {
	int64_t		 n;		/* values used, or MLXD_NULL_INT64 */
	double		 mean;
	double		 sd;		/* sample standard deviation (n - 1) */
	double		 median;
	double		 min;
	double		 max;
	double		 p95;		/* only when n >= 20 */
	double		 cv;		/* sd / mean, a fraction */
};

/* One test of a run (pp512, tg128, ...). */
struct mlxd_bench_test {
	const char		*name;		/* "pp512", "tg128", "pp64+tg256", "cold", "custom1" */
	const char		*kind;		/* "pp", "tg", "pg" (both), "cold", or NULL */
	int64_t			 n_prompt;	/* target prompt tokens */
	int64_t			 n_gen;		/* num_predict */
	int64_t			 n;		/* valid measured samples */
	int64_t			 n_samples;	/* measured samples */
	int64_t			 n_flagged;
	int64_t			 n_errors;
	double			 avg_prompt_tokens;
	double			 avg_eval_tokens;
	struct mlxd_bench_stat	 gen_tps;	/* tokens/s */
	struct mlxd_bench_stat	 prompt_tps;	/* tokens/s */
	struct mlxd_bench_stat	 ttft_ms;
	struct mlxd_bench_stat	 itl_ms;
	struct mlxd_bench_stat	 load_s;
	struct mlxd_bench_stat	 e2e_s;
	const char		*metric;	/* headline: "prompt_tps" for pp tests, else "gen_tps" */
	const struct mlxd_bench_stat *headline;	/* &prompt_tps or &gen_tps, as metric says */
};

/* Where a running benchmark is ("progress" of GET /v1/benchmarks/{id}). */
struct mlxd_bench_progress {
	const char	*job;		/* its job id ("benchmark-3", /v1/jobs/{id}) */
	const char	*step;		/* "test 2/5 tg128: rep 3/5" */
	const char	*test;		/* or NULL */
	int64_t		 repetition;
	int64_t		 steps_done;
	int64_t		 steps_total;
	double		 percent;	/* 0-100 */
	double		 eta_s;		/* seconds left, or NAN */
	double		 elapsed_s;
};

/* A benchmark run (GET /v1/benchmarks/{id}, one entry of the list). */
struct mlxd_bench_run {
	const char		*id;
	const char		*model;
	const char		*digest;
	const char		*quantization;	/* "Q4_K_M" */
	const char		*family;
	const char		*parameter_size; /* "3.2B" */
	int64_t			 n_params;
	int64_t			 model_size_bytes;
	int64_t			 ps_size_bytes;	/* memory in use while loaded */
	int64_t			 ps_vram_bytes;	/* of which in GPU memory */
	const char		*suite;
	const char		*state;		/* "queued", "running", "done", "failed", "cancelled", "interrupted" */
	const char		*error;		/* why it failed, or NULL */
	const char		*ollama_version;
	const char		*mlxd_version;
	const char		*chip;
	const char		*os;
	int64_t			 memory_bytes;
	int64_t			 peak_memory_bytes;
	const char		*created_at;	/* ISO 8601 */
	int64_t			 created_at_ms;
	const char		*finished_at;	/* or NULL */
	int64_t			 finished_at_ms;
	struct mlxd_bench_test	*tests;		/* ntests, in run order */
	size_t			 ntests;
	const struct mlxd_bench_progress *progress; /* NULL unless running */
	const char		*raw_json;	/* the run's JSON; NULL inside a list */
};

/*
 * Fetch one run, with its tests and, while it runs, its progress, into
 * *runp, freed with mlxd_bench_run_free(). MLXD_EAPI, code "not_found",
 * when there is no such run.
 */
MLXD_EXPORT int mlxd_bench_get(struct mlxd_client *c, const char *id,
		    struct mlxd_bench_run **runp);

/* Free a reply of mlxd_bench_get(). Accepts NULL. */
MLXD_EXPORT void mlxd_bench_run_free(struct mlxd_bench_run *run);

/* The tests of run, in run order: count, and test i or NULL (owned by run). */
MLXD_EXPORT size_t mlxd_bench_run_tests_count(const struct mlxd_bench_run *run);
MLXD_EXPORT const struct mlxd_bench_test *mlxd_bench_run_test(
		    const struct mlxd_bench_run *run, size_t i);

/*
 * True when run has ended ("done", "failed", "cancelled", or "interrupted"
 * when an earlier mlxd stopped during it); false while it is queued or
 * running.
 */
MLXD_EXPORT bool mlxd_bench_finished(const struct mlxd_bench_run *run);

/*
 * Cancel the running benchmark id (through its job, so a run that has just
 * ended is never deleted instead). Returns 0 once the daemon accepted (the
 * run ends as "cancelled" within a second), -EALREADY when it is not
 * running, or the errors of mlxd_bench_get().
 */
MLXD_EXPORT int mlxd_bench_cancel(struct mlxd_client *c, const char *id);

/*
 * Delete the stored run id with its samples. A running run is cancelled
 * instead, and kept. Returns 0 or the errors of the typed calls.
 */
MLXD_EXPORT int mlxd_bench_delete(struct mlxd_client *c, const char *id);

/* GET /v1/benchmarks. */
struct mlxd_bench_list {
	struct mlxd_bench_run	*runs;		/* nruns, newest first, raw_json NULL */
	size_t			 nruns;
	const char		*raw_json;
};

/*
 * List stored runs, newest first: only of model unless it is NULL, at most
 * limit (1-10000; 0 for the daemon's default, 50). On success *lp, freed
 * with mlxd_bench_list_free().
 */
MLXD_EXPORT int mlxd_bench_list(struct mlxd_client *c, const char *model,
		    int limit, struct mlxd_bench_list **lp);

/* Free a reply of mlxd_bench_list(). Accepts NULL. */
MLXD_EXPORT void mlxd_bench_list_free(struct mlxd_bench_list *l);

/* The number of runs in l, and the i-th one (or NULL); see mlxd_models_get(). */
MLXD_EXPORT size_t mlxd_bench_list_count(const struct mlxd_bench_list *l);
MLXD_EXPORT const struct mlxd_bench_run *mlxd_bench_list_get(
		    const struct mlxd_bench_list *l, size_t i);

/*
 * Export run id as format "json" (llama-bench field names), "csv" (RFC
 * 4180) or "md" (a llama-bench-style table); NULL means json. On success
 * the text goes to *textp (NUL-terminated, the caller frees it with
 * free()) and its length to *lenp (may be NULL). MLXD_EAPI for an unknown
 * run or format.
 */
MLXD_EXPORT int mlxd_bench_export(struct mlxd_client *c, const char *id,
		    const char *format, char **textp, size_t *lenp);

/* One metric of one test in a comparison. */
struct mlxd_bench_delta {
	const char	*metric;	/* "gen_tps", "ttft_ms", ... */
	bool		 higher_better;	/* rates: true; times: false */
	double		 a_mean;	/* base */
	double		 a_sd;
	int64_t		 a_n;
	double		 b_mean;	/* candidate */
	double		 b_sd;
	int64_t		 b_n;
	double		 delta_pct;	/* (b - a) / a * 100 */
	double		 z;		/* Welch's statistic */
	const char	*verdict;	/* as the test's verdict */
};

/* One test both runs have. */
struct mlxd_bench_compare_test {
	const char		*name;
	const char		*kind;
	const char		*metric;	/* the headline metric the verdict is about */
	const char		*verdict;	/* "no change", "improvement", "regression", "insufficient data" */
	const struct mlxd_bench_delta *headline; /* the delta of metric, or NULL */
	struct mlxd_bench_delta	*deltas;	/* ndeltas, every metric */
	size_t			 ndeltas;
};

/* GET /v1/benchmarks/compare. */
struct mlxd_bench_compare {
	const char			*base;		/* run ids */
	const char			*candidate;
	const char			*verdict;	/* the worst: "regression" if any test regressed */
	bool				 regression;	/* verdict is "regression" */
	bool				 comparable;	/* same model digest */
	const char			**changed;	/* nchanged environment fields that differ */
	size_t				 nchanged;
	double				 min_pct;	/* the rule: >= min_pct worse ... */
	double				 min_z;		/* ... and |z| >= min_z */
	struct mlxd_bench_compare_test	*tests;		/* ntests */
	size_t				 ntests;
	const char			*raw_json;
};

/*
 * Compare run candidate against run base, test by test, into *cmpp, freed
 * with mlxd_bench_compare_free(). A test regressed when its headline figure
 * is at least min_pct worse and |z| >= min_z. MLXD_EAPI when either run is
 * unknown.
 */
MLXD_EXPORT int mlxd_bench_compare(struct mlxd_client *c, const char *base,
		    const char *candidate, struct mlxd_bench_compare **cmpp);

/* Free a reply of mlxd_bench_compare(). Accepts NULL. */
MLXD_EXPORT void mlxd_bench_compare_free(struct mlxd_bench_compare *cmp);

/* The compared tests: count, and test i or NULL (owned by cmp). */
MLXD_EXPORT size_t mlxd_bench_compare_count(const struct mlxd_bench_compare *cmp);
MLXD_EXPORT const struct mlxd_bench_compare_test *mlxd_bench_compare_get(
		    const struct mlxd_bench_compare *cmp, size_t i);

/* ---- end of generation and benchmarks ---- */

/* ---- model cache ---- */

/*
 * The deduplicated model cache (/v1/cache...): one index over the Ollama
 * store, the Hugging Face cache, LM Studio and registered folders; duplicate
 * search and safe replacement; cleanup; hf:// ollama:// file:// adds and
 * removes. Long work runs as a job: the starting call gives its id (a
 * string the caller frees with free()), mlxd_cache_job() reads its state,
 * progress and result, mlxd_cache_job_wait() follows it to the end.
 * Integers the daemon sent as null are MLXD_NULL_INT64, doubles NAN.
 */

/* A model on disk (GET /v1/cache). */
struct mlxd_cache_model {
	const char	*ref;		/* "ollama:llama3.2:latest", "hf:org/repo@<commit>" */
	const char	*name;		/* as its store names it */
	const char	*store;		/* "ollama", "hf", "lmstudio", "local" */
	const char	*store_path;	/* the store's folder */
	const char	*revision;	/* HF commit, "" elsewhere */
	const char	*refs;		/* HF refs pointing at it ("main"), "" if none */
	bool		 detached;	/* HF revision no ref points to */
	const char	*path;		/* manifest, snapshot or model folder */
	int64_t		 size_bytes;	/* its distinct files */
	int64_t		 files;
	const char	**apps;		/* napps users: its store's app, stores
					   linking to it, linked apps */
	size_t		 napps;
	const char	**registered_apps; /* the linked apps among them */
	size_t		 nregistered_apps;
	bool		 shares_bytes;	/* shares storage with another copy */
	const char	**shared_with;	/* refs of the models it shares with */
	size_t		 nshared_with;
};

/* GET /v1/cache. */
struct mlxd_cache_list {
	struct mlxd_cache_model	*models;
	size_t			 nmodels;
	int64_t			 warnings_total; /* problems the last scan met */
	const char		*last_scan_at;	/* ISO 8601, or NULL */
	int64_t			 last_scan_at_ms; /* or MLXD_NULL_INT64 */
	bool			 scanning;	/* a cache job is running */
	const char		*raw_json;
};

/* Fetch the index into *lp, freed with mlxd_cache_list_free(). */
MLXD_EXPORT int mlxd_cache_list(struct mlxd_client *c,
		    struct mlxd_cache_list **lp);
MLXD_EXPORT void mlxd_cache_list_free(struct mlxd_cache_list *l);

/* The number of models in l, and the i-th one (or NULL); see mlxd_models_get(). */
MLXD_EXPORT size_t mlxd_cache_list_count(const struct mlxd_cache_list *l);
MLXD_EXPORT const struct mlxd_cache_model *mlxd_cache_list_get(
		    const struct mlxd_cache_list *l, size_t i);

/* GET /v1/cache/stats; every figure is bytes unless named otherwise. */
struct mlxd_cache_stats {
	int64_t		 files;		/* indexed paths */
	int64_t		 inodes;	/* distinct files on disk */
	int64_t		 logical_bytes;	/* st_size over paths (what tools show) */
	int64_t		 unique_bytes;	/* st_size over distinct inodes */
	int64_t		 physical_bytes; /* allocated, hard links once */
	int64_t		 clone_shared_bytes; /* mlxd's clones still in place */
	int64_t		 physical_est_bytes; /* physical - clone_shared */
	int64_t		 saved_bytes;	/* logical - physical_est */
	int64_t		 reclaimed_bytes; /* by every dedup so far */
	int64_t		 reclaimed_clone_bytes;
	int64_t		 reclaimed_hardlink_bytes;
	int64_t		 reclaimed_symlink_bytes;
	int64_t		 ops_done;	/* replacements made */
	int64_t		 cleanup_bytes;	/* what `clean` could free */
	int64_t		 cleanup_candidates;
	int64_t		 reclaimable_bytes; /* wasted at the last duplicate
					       search, or MLXD_NULL_INT64 */
	const char	*last_scan_at;	/* ISO 8601, or NULL */
	const char	*last_dedup_at;	/* ISO 8601, or NULL */
	const char	*raw_json;
};

MLXD_EXPORT int mlxd_cache_stats(struct mlxd_client *c,
		    struct mlxd_cache_stats **sp);
MLXD_EXPORT void mlxd_cache_stats_free(struct mlxd_cache_stats *s);

/* GET /v1/cache/config: the cache options in effect. */
struct mlxd_cache_config {
	const char	**dedup_methods; /* "clone", "hardlink", "symlink" */
	size_t		 ndedup_methods;
	int64_t		 min_size_bytes;
	const char	**roots;	/* cache.roots */
	size_t		 nroots;
	const char	**added_roots;	/* folders added with file:// */
	size_t		 nadded_roots;
	bool		 scan_on_start;
	const char	*dir;		/* where ollama:// links go */
	const char	*raw_json;
};

MLXD_EXPORT int mlxd_cache_config(struct mlxd_client *c,
		    struct mlxd_cache_config **cfgp);
MLXD_EXPORT void mlxd_cache_config_free(struct mlxd_cache_config *cfg);

/* A model a linked app uses, and the path in the app's folder that shows it. */
struct mlxd_cache_app_use {
	const char	*ref;
	const char	*via;
};

/* A linked app folder (GET /v1/cache/apps). */
struct mlxd_cache_app {
	const char			*name;
	const char			*path;
	struct mlxd_cache_app_use	*models;
	size_t				 nmodels;
};

struct mlxd_cache_apps {
	struct mlxd_cache_app	*apps;
	size_t			 napps;
	const char		*raw_json;
};

MLXD_EXPORT int mlxd_cache_apps(struct mlxd_client *c,
		    struct mlxd_cache_apps **ap);
MLXD_EXPORT void mlxd_cache_apps_free(struct mlxd_cache_apps *a);

/* The number of apps in a, and the i-th one (or NULL); see mlxd_models_get(). */
MLXD_EXPORT size_t mlxd_cache_apps_count(const struct mlxd_cache_apps *a);
MLXD_EXPORT const struct mlxd_cache_app *mlxd_cache_apps_get(
		    const struct mlxd_cache_apps *a, size_t i);

/*
 * Link the app folder path (absolute) under name (NULL: the folder's name);
 * the rescan that finds what it uses is job *jobp (may be NULL). An app
 * "uses" a model when its folder holds a symlink into the model (a file or
 * a folder), a hard link of one of its files, lies inside the model's
 * folder or contains it.
 */
MLXD_EXPORT int mlxd_cache_link(struct mlxd_client *c, const char *path,
		    const char *name, char **jobp);

/* Unlink an app (its folder is left alone); the rescan in *jobp. */
MLXD_EXPORT int mlxd_cache_unlink(struct mlxd_client *c, const char *name,
		    char **jobp);

/* Rescan every store (POST /v1/cache/sync). */
MLXD_EXPORT int mlxd_cache_sync(struct mlxd_client *c, char **jobp);

/* Options of mlxd_cache_dedup(). */
struct mlxd_cache_dedup_opts {
	size_t		 size;		/* set by mlxd_cache_dedup_opts_init() */
	bool		 dry_run;	/* report only (default true) */
	const char	*method;	/* "clone", "hardlink", "symlink", or
					   NULL for cache.dedup.methods */
	bool		 rescan;	/* scan first (default true) */
	bool		 link_user_files; /* hard links on LM Studio and local
					     files too (default false) */
	/* New members go here, at the end. */
};

/*
 * Fill the first size bytes of o (a struct of that size) with the defaults
 * and set o->size. Use mlxd_cache_dedup_opts_init().
 */
MLXD_EXPORT void mlxd_cache_dedup_opts_init_size(
		    struct mlxd_cache_dedup_opts *o, size_t size);

/* Fill o with the defaults and the size this program was built with. */
static inline void
mlxd_cache_dedup_opts_init(struct mlxd_cache_dedup_opts *o)
{
	mlxd_cache_dedup_opts_init_size(o, sizeof(*o));
}

/*
 * Find byte-identical files and, unless o->dry_run, make the duplicates
 * share storage. o NULL means the defaults; members past o->size keep
 * their defaults; -EINVAL when o->size is 0 (not prepared).
 */
MLXD_EXPORT int mlxd_cache_dedup(struct mlxd_client *c,
		    const struct mlxd_cache_dedup_opts *o, char **jobp);

/*
 * List (dry_run) or delete cleanup candidates of the nkinds kinds
 * ("orphan_blob", "detached_revision", "stale_partial", "stale_temp",
 * "unused_model"; nkinds 0 = all but unused_model).
 */
MLXD_EXPORT int mlxd_cache_clean(struct mlxd_client *c, bool dry_run,
		    const char *const *kinds, size_t nkinds, char **jobp);

/* Add "hf://org/repo[@rev]", "ollama://name[:tag]" or "file:///folder". */
MLXD_EXPORT int mlxd_cache_add(struct mlxd_client *c, const char *uri,
		    char **jobp);

/*
 * Delete a model's files (a ref from mlxd_cache_list(), or a name), never a
 * blob something else still uses; "file:///folder" forgets an added folder,
 * and so does a local: model (no file is deleted; see
 * mlxd_cache_remove_flags()). Fails with MLXD_EAPI, code "in_use", while a
 * linked app uses it, unless force.
 */
MLXD_EXPORT int mlxd_cache_remove(struct mlxd_client *c, const char *model,
		    bool force, char **jobp);

/* Flags of mlxd_cache_remove_flags(). */
#define MLXD_CACHE_REMOVE_FORCE		0x01	/* despite linked apps */
#define MLXD_CACHE_REMOVE_DELETE_FILES	0x02	/* delete a local: model's files */

/*
 * mlxd_cache_remove() with flags. Without MLXD_CACHE_REMOVE_DELETE_FILES a
 * local: model (in a folder added with file://) is only unregistered: the
 * folder is forgotten and no file is touched. With it, the model's own
 * files are deleted (never through a symlink out of its folder); mlxd
 * refuses it over TCP (403, code "forbidden").
 */
MLXD_EXPORT int mlxd_cache_remove_flags(struct mlxd_client *c,
		    const char *model, unsigned flags, char **jobp);

/* One copy in a group of identical files. */
struct mlxd_cache_copy {
	const char	*path;
	const char	*role;		/* "ollama_blob", "hf_blob", "lmstudio", ... */
	const char	*digest;	/* how its sha256 is known: "name",
					   "hf_blob", "hash" */
	bool		 keep;		/* the copy the others would join */
	int64_t		 share;		/* equal shares = already one storage */
};

/* A group of byte-identical files. */
struct mlxd_cache_group {
	const char		*sha256;
	int64_t			 size_bytes;	/* of each copy */
	int64_t			 copies;	/* distinct storage */
	int64_t			 wasted_bytes;	/* size * (copies - 1) */
	struct mlxd_cache_copy	*members;
	size_t			 nmembers;
};

/*
 * One line of a cache job's result: a dedup action, a clean or remove item,
 * or a link an add made.
 */
struct mlxd_cache_item {
	const char	*kind;		/* clean: the candidate kind or "blob",
					   "snapshot", "manifest", ...;
					   dedup: "action"; add: "link" */
	const char	*path;		/* the file (dedup: the duplicate) */
	const char	*target;	/* dedup: the copy kept; add: the link's
					   target; else NULL */
	const char	*action;	/* dedup: planned, done, skipped,
					   unsupported, differs, failed;
					   clean: would_delete, deleted, kept,
					   failed; add: created, exists */
	const char	*method;	/* dedup: the method, else NULL */
	const char	*reason;	/* why, or NULL */
	const char	*of;		/* the candidate it is part of, or NULL */
	int64_t		 size_bytes;
};

/* What a finished cache job produced; fields that do not apply are NULL/0. */
struct mlxd_cache_result {
	bool			 dry_run;
	/* dedup */
	struct mlxd_cache_group	*groups;
	size_t			 ngroups;
	int64_t			 groups_total;
	int64_t			 wasted_bytes;
	int64_t			 files_considered;
	int64_t			 files_sampled;
	int64_t			 files_hashed;	/* known digests are never hashed */
	int64_t			 bytes_hashed;
	int64_t			 done, skipped, unsupported, failed;
	int64_t			 reclaimable_bytes; /* dry run */
	int64_t			 reclaimed_bytes;
	const char		*unsupported_message; /* nothing could be done */
	/* clean and remove */
	int64_t			 bytes;		/* listed (would free) */
	int64_t			 freed_bytes;
	int64_t			 deleted, kept;
	/* dedup actions, clean/remove items, add links */
	struct mlxd_cache_item	*items;
	size_t			 nitems;
	/* sync */
	int64_t			 models, files, logical_bytes, warnings_total;
	/* add and remove */
	const char		*model;		/* the model linked or removed */
	const char		*dir;		/* ollama:// links' folder */
	const char		*revision;	/* hf:// commit */
	const char		**refs;		/* models an add indexed */
	size_t			 nrefs;
	double			 duration_ms;
};

/* A cache job (GET /v1/jobs/{id}). */
struct mlxd_cache_job {
	const char	*id;
	const char	*kind;		/* "cache.dedup", "cache.add", ... */
	const char	*target;	/* e.g. the URI added, or NULL */
	const char	*state;		/* "running", "done", "failed", "cancelled" */
	const char	*error;		/* why it failed, or NULL */
	/* progress */
	const char	*step;		/* "queued", "scan", "find", "apply",
					   "download", ... or NULL */
	const char	*phase;		/* engine phase: "sample", "hash", ... */
	const char	*path;		/* the file worked on, or NULL */
	int64_t		 files_done;
	int64_t		 files_total;	/* or MLXD_NULL_INT64 */
	int64_t		 bytes_done;
	int64_t		 bytes_total;	/* or MLXD_NULL_INT64 */
	int64_t		 files_hashed;
	double		 rate_bytes_per_s;
	double		 eta_s;		/* or NAN */
	double		 percent;	/* 0-100, or NAN */
	const struct mlxd_cache_result *result; /* once it ended, else NULL */
	const char	*raw_json;
};

/* Read job id into *jp, freed with mlxd_cache_job_free(). */
MLXD_EXPORT int mlxd_cache_job(struct mlxd_client *c, const char *id,
		    struct mlxd_cache_job **jp);
MLXD_EXPORT void mlxd_cache_job_free(struct mlxd_cache_job *j);

/* Ask job id to cancel (it then ends as "cancelled"). */
MLXD_EXPORT int mlxd_cache_job_cancel(struct mlxd_client *c, const char *id);

/*
 * Called by mlxd_cache_job_wait() after each read; job is valid during the
 * call only. Return 0 to keep waiting, anything else to stop.
 */
typedef int (*mlxd_cache_job_cb)(void *arg, const struct mlxd_cache_job *job);

/*
 * Follow job id until it is no longer running, calling cb (may be NULL)
 * with its first state and then at each change: every request after the
 * first is a long poll (GET /v1/jobs/{id}?wait=S) that the daemon answers
 * the moment the job changes or ends, so the end is seen at once.
 * mlxd_client_interrupt() (e.g. from a SIGINT handler) cuts the current
 * wait short and cb sees the job at once. interval_ms (<= 0: 250) is the
 * pause between requests only when the daemon does not wait (or the
 * client's timeout is below 3 s). The last state in *jp (may be NULL),
 * freed with mlxd_cache_job_free(). Returns 0 once the job ended (whatever
 * its state), cb's value when it stopped the wait, or the errors of
 * mlxd_cache_job(). Works for any job (benchmarks too), not just cache
 * jobs.
 */
MLXD_EXPORT int mlxd_cache_job_wait(struct mlxd_client *c, const char *id,
		    long interval_ms, mlxd_cache_job_cb cb, void *arg,
		    struct mlxd_cache_job **jp);

/* The longest wait_s of mlxd_cache_job_next() (the daemon's limit). */
#define MLXD_JOB_WAIT_MAX_S	60

/*
 * Read job id (any kind: cache, benchmark) once it next changes (progress,
 * a cancel request, its end) or wait_s seconds (0-MLXD_JOB_WAIT_MAX_S)
 * passed; a job that has already ended answers at once. wait_s must stay
 * below the client's timeout. -EINTR after mlxd_client_interrupt(), else
 * as mlxd_cache_job().
 */
MLXD_EXPORT int mlxd_cache_job_next(struct mlxd_client *c, const char *id,
		    int wait_s, struct mlxd_cache_job **jp);

/* ---- end of model cache ---- */

#ifdef __cplusplus
}
#endif

#endif /* MLXD_MLXD_H */
