/* SPDX-License-Identifier: ISC */
/*
 * mlxd_config.h: the daemon's configuration, described by one option table
 * (config.c) that drives YAML loading, environment and flag overrides,
 * validation, `mlxd -n`, GET /v1/config and docs/configuration.md.
 * Precedence: command-line flag > environment > config file > default.
 */
#ifndef MLXD_MLXD_CONFIG_H
#define MLXD_MLXD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum config_type {
	CONFIG_STRING,
	CONFIG_INT,
	CONFIG_BOOL,
	CONFIG_STRLIST,
};

enum config_source {
	CONFIG_SRC_DEFAULT = 0,
	CONFIG_SRC_FILE,
	CONFIG_SRC_ENV,
	CONFIG_SRC_FLAG,
	CONFIG_SRC_API,		/* PATCH /v1/config, kept in the overlay file */
};

#define CONFIG_F_RELOAD	0x01	/* SIGHUP applies it */
#define CONFIG_F_SECRET	0x02	/* never shown: /v1/config and -n print "***" */

struct config_strlist {
	char	**v;
	int	  n;
};

struct mlxd_config {
	char			*socket;
	char			*data_dir;
	char			*log_level;
	char			*ollama_url;
	int64_t			 ollama_poll_interval_ms;
	int64_t			 ollama_timeout_ms;
	int64_t			 ollama_tags_interval_ms;
	int64_t			 metrics_interval_ms;
	int64_t			 retention_days;
	int			 sessions_store_text;
	int64_t			 ollama_stall_timeout_s;
	struct config_strlist	 proxy_origins;
	char			*proxy_listen;
	int64_t			 generation_max_body_bytes;
	char			*http_listen;
	int			 http_allow_remote;
	int64_t			 http_head_timeout_s;
	char			*http_token;
	struct config_strlist	 cache_dedup_methods;
	int64_t			 cache_min_size_bytes;
	struct config_strlist	 cache_roots;
	int			 cache_scan_on_start;
	char			*cache_dir;	/* "" = <data_dir>/models */
	char			*hf_endpoint;	/* "" = $HF_ENDPOINT or the Hub */
	char			*hf_token_file;	/* "" = $HF_TOKEN or HF's file */

	char			*file;		/* config file read, or NULL */
	enum config_source	*src;		/* per option, config_noptions */
};

/*
 * One option. value_fn, when set, turns the raw text from the file, the
 * environment or a flag into the stored form (e.g. OLLAMA_HOST into a URL)
 * and rejects bad values with a message in *causep; for a list it is
 * applied to each item.
 */
struct config_option {
	const char	*name;		/* dotted YAML path, e.g. "ollama.url" */
	enum config_type type;
	size_t		 off;		/* offset in struct mlxd_config */
	const char	*def;		/* default as text; NULL = computed */
	int64_t		 min, max;	/* CONFIG_INT bounds */
	const char	*env;		/* environment variable, or NULL */
	int		 flags;		/* CONFIG_F_* */
	const char	*help;
	int		(*value_fn)(const char *in, char **outp, char **causep);
};

extern const struct config_option config_options[];
extern const int config_noptions;

/* A value given on the command line. */
struct config_flag {
	const char	*name;		/* option name */
	const char	*value;
};

/*
 * Build the effective configuration: defaults, then the YAML file (path
 * NULL = the default location if it exists; explicit = missing is an error),
 * then the environment, then flags. On failure every problem is in *causep,
 * one per line as "FILE:LINE:COL: message" where a position is known.
 */
int	config_load(const char *path, int explicit, const struct config_flag *flags,
	    int nflags, struct mlxd_config **cfgp, char **causep);
void	config_free(struct mlxd_config *cfg);

/* The default config file path (caller frees), or NULL if no home. */
char	*config_default_path(void);

/* Index of the option called name, or -1. */
int	config_find(const char *name);

/* An option's value as JSON (new reference). */
json_t	*config_value_json(const struct mlxd_config *cfg, int i);

/* As config_value_json, with secrets that are set shown as "***". */
json_t	*config_shown_json(const struct mlxd_config *cfg, int i);

/* GET /v1/config body (new reference). */
json_t	*config_to_json(const struct mlxd_config *cfg);

/* Name of a source. */
const char *config_source_name(enum config_source src);

/*
 * After a reload, keep the old value of every option that is not
 * reloadable and differs, logging that it needs a restart.
 */
void	config_keep_unreloadable(struct mlxd_config *newcfg,
	    const struct mlxd_config *oldcfg);

/*
 * The overlay file PATCH /v1/config writes and the loader reads after the
 * config file (before the environment and flags): config path with its
 * .yaml/.yml suffix replaced by ".api.yaml" (path NULL: the default
 * location). Caller frees; NULL without a home.
 */
char	*config_overlay_path(const char *path);

/*
 * As config_load, reading the overlay from overlay (NULL: the default
 * overlay of path).
 */
int	config_load_overlay(const char *path, int explicit,
	    const char *overlay, const struct config_flag *flags, int nflags,
	    struct mlxd_config **cfgp, char **causep);

/*
 * Check a JSON value for option name as the loader checks the file's:
 * the type (string, integer, boolean, list of strings), bounds and the
 * option's own parser. 0, or -ENOENT (no such option) / -EINVAL with
 * *causep set.
 */
int	config_check_json(const char *name, const json_t *v, char **causep);

/* mlxd.conf(5) as mdoc, generated from the option table. */
char	*config_doc_mdoc(void);

/* Markdown table of all options for docs/configuration.md. */
char	*config_doc_markdown(void);

#endif
