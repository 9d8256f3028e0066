/* SPDX-License-Identifier: ISC */
/*
 * config.c: the option table and the YAML loader.
 *
 * Every option is declared once in config_options[] with its YAML path,
 * type, default, bounds, environment variable, reloadability and help. The
 * same table drives loading (defaults < file < environment < flags),
 * validation, `mlxd -n`, GET /v1/config and docs/configuration.md. Errors
 * are collected, not stopped at: the cause lists every problem as
 * FILE:LINE:COL: message, from libyaml's marks.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "log.h"
#include "mlxd_config.h"
#include "ollama_parse.h"
#include "paths.h"
#include "xmalloc.h"

#define OPT(f)	offsetof(struct mlxd_config, f)

static int	config_log_level_fn(const char *, char **, char **);
static int	config_url_fn(const char *, char **, char **);
static int	config_path_fn(const char *, char **, char **);
static int	config_opt_path_fn(const char *, char **, char **);
static int	config_method_fn(const char *, char **, char **);

const struct config_option config_options[] = {
	{ "socket", CONFIG_STRING, OPT(socket), NULL, 0, 0, "MLXD_SOCKET", 0,
	  "Unix socket the API listens on (directory made 0700, socket 0600).",
	  config_path_fn },
	{ "data_dir", CONFIG_STRING, OPT(data_dir), NULL, 0, 0, "MLXD_HOME", 0,
	  "Directory for the SQLite database and the cache index.",
	  config_path_fn },
	{ "log_level", CONFIG_STRING, OPT(log_level), "info", 0, 0,
	  "MLXD_LOG_LEVEL", CONFIG_F_RELOAD,
	  "error, warn, info or debug (MLXD_DEBUG=mod1,mod2 selects debug "
	  "modules).", config_log_level_fn },
	{ "ollama.url", CONFIG_STRING, OPT(ollama_url), "http://127.0.0.1:11434",
	  0, 0, "OLLAMA_HOST", CONFIG_F_RELOAD,
	  "Where Ollama listens; any form OLLAMA_HOST accepts.",
	  config_url_fn },
	{ "ollama.poll_interval_ms", CONFIG_INT, OPT(ollama_poll_interval_ms),
	  "1000", 100, 60000, NULL, CONFIG_F_RELOAD,
	  "How often /api/ps is polled, in milliseconds.", NULL },
	{ "ollama.timeout_ms", CONFIG_INT, OPT(ollama_timeout_ms), "5000", 100,
	  600000, NULL, CONFIG_F_RELOAD,
	  "Timeout for one monitoring request to Ollama, in milliseconds.",
	  NULL },
	{ "ollama.tags_interval_ms", CONFIG_INT, OPT(ollama_tags_interval_ms),
	  "30000", 1000, 3600000, NULL, CONFIG_F_RELOAD,
	  "How often /api/tags is polled (also on every change of the loaded "
	  "set), in milliseconds.", NULL },
	{ "metrics.interval_ms", CONFIG_INT, OPT(metrics_interval_ms), "1000",
	  250, 60000, NULL, 0,
	  "How often system metrics are sampled, in milliseconds; the last "
	  "hour is kept at this rate.", NULL },
	{ "retention_days", CONFIG_INT, OPT(retention_days), "30", 1, 3650,
	  NULL, CONFIG_F_RELOAD,
	  "Days of history kept in the database (metric minutes, sessions, "
	  "benchmarks).", NULL },
	{ "sessions.store_text", CONFIG_BOOL, OPT(sessions_store_text), "false",
	  0, 0, NULL, CONFIG_F_RELOAD,
	  "Store the prompt of each proxied generation with its session "
	  "(off: only figures are kept).", NULL },
	{ "ollama.stall_timeout_s", CONFIG_INT, OPT(ollama_stall_timeout_s),
	  "300", 1, 86400, NULL, CONFIG_F_RELOAD,
	  "A generation whose reply from Ollama stops for this many seconds "
	  "(no byte at all) is abandoned with an error.", NULL },
	{ "proxy.origins", CONFIG_STRLIST, OPT(proxy_origins), "", 0, 0,
	  "OLLAMA_ORIGINS", 0,
	  "Web origins (besides localhost and browser extensions) whose pages "
	  "may call the TCP listeners; '*' is a wildcard, as in Ollama.",
	  NULL },
	{ "proxy.listen", CONFIG_STRING, OPT(proxy_listen), "", 0, 0, NULL, 0,
	  "host:port of an Ollama-compatible listener (e.g. 127.0.0.1:11435) "
	  "so any Ollama client can be measured; empty = off; loopback only.",
	  NULL },
	{ "generation.max_body_bytes", CONFIG_INT,
	  OPT(generation_max_body_bytes), "67108864", 1048576,
	  INT64_C(1) << 32, NULL, 0,
	  "Largest request body of a generation (/v1/generate, /v1/chat and "
	  "the proxy's metered routes), images included; other bodies are "
	  "limited to 1 MiB.", NULL },
	{ "http.listen", CONFIG_STRING, OPT(http_listen), "", 0, 0, NULL, 0,
	  "host:port of an optional TCP listener for Prometheus (GET /metrics "
	  "needs no token; every other route needs http.token); empty = off.",
	  NULL },
	{ "http.allow_remote", CONFIG_BOOL, OPT(http_allow_remote), "false", 0,
	  0, NULL, 0,
	  "Allow http.listen on a non-loopback address.", NULL },
	{ "http.head_timeout_s", CONFIG_INT, OPT(http_head_timeout_s), "10", 1,
	  3600, NULL, CONFIG_F_RELOAD,
	  "A connection to a TCP listener (http.listen, proxy.listen) that has "
	  "not sent a whole request head this many seconds after connecting "
	  "(or after its last reply) is closed, however slowly it trickles "
	  "bytes.", NULL },
	{ "http.token", CONFIG_STRING, OPT(http_token), "", 0, 0,
	  "MLXD_HTTP_TOKEN", CONFIG_F_SECRET,
	  "Bearer token for routes other than /metrics on http.listen; "
	  "empty = those routes are refused there.", NULL },
	{ "cache.dedup.methods", CONFIG_STRLIST, OPT(cache_dedup_methods),
	  "clone", 0, 0, NULL, CONFIG_F_RELOAD,
	  "How duplicate model files may be made to share storage, tried in "
	  "this order: clone (copy-on-write: APFS, btrfs, XFS), hardlink "
	  "(store blobs only), symlink (LM Studio and local files only); see "
	  "docs/cache.md.", config_method_fn },
	{ "cache.min_size_bytes", CONFIG_INT, OPT(cache_min_size_bytes),
	  "1048576", 1, INT64_C(1) << 50, NULL, CONFIG_F_RELOAD,
	  "Files smaller than this are left out of duplicate searches.", NULL },
	{ "cache.roots", CONFIG_STRLIST, OPT(cache_roots), "", 0, 0, NULL,
	  CONFIG_F_RELOAD,
	  "Extra folders of model files to index, besides the Ollama, Hugging "
	  "Face and LM Studio stores found on their own.", config_path_fn },
	{ "cache.scan_on_start", CONFIG_BOOL, OPT(cache_scan_on_start), "true",
	  0, 0, NULL, CONFIG_F_RELOAD,
	  "Index the model stores in the background when mlxd starts.", NULL },
	{ "cache.dir", CONFIG_STRING, OPT(cache_dir), "", 0, 0, NULL,
	  CONFIG_F_RELOAD,
	  "Where `cache add ollama://...` puts readable links to Ollama's "
	  "model files; empty = <data_dir>/models.", config_opt_path_fn },
	{ "hf.endpoint", CONFIG_STRING, OPT(hf_endpoint), "", 0, 0, NULL,
	  CONFIG_F_RELOAD,
	  "Hugging Face Hub (or mirror) for `cache add hf://...`; empty = "
	  "$HF_ENDPOINT, else https://huggingface.co. An add may name its "
	  "own (mlxctl passes its HF_ENDPOINT).", NULL },
	{ "hf.token_file", CONFIG_STRING, OPT(hf_token_file), "", 0, 0, NULL,
	  CONFIG_F_RELOAD,
	  "File holding the Hugging Face token for hf:// adds; empty = "
	  "$HF_TOKEN, else huggingface_hub's token file. The token is sent to "
	  "the Hub only, never logged or stored.", config_opt_path_fn },
};
const int config_noptions = sizeof(config_options) / sizeof(config_options[0]);

struct config_errs {
	char	*text;
	size_t	 len;
	int	 n;
};

static void config_err(struct config_errs *e, const char *file,
    const yaml_mark_t *mark, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
config_err(struct config_errs *e, const char *file, const yaml_mark_t *mark,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*msg, *line;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		fatalx("config: out of memory");
	va_end(ap);
	if (file != NULL && mark != NULL)
		line = xasprintf("%s:%zu:%zu: %s", file, mark->line + 1,
		    mark->column + 1, msg);
	else if (file != NULL)
		line = xasprintf("%s: %s", file, msg);
	else
		line = xstrdup(msg);
	free(msg);
	e->text = xrealloc(e->text, e->len + strlen(line) + 2);
	if (e->len > 0)
		e->text[e->len++] = '\n';
	memcpy(e->text + e->len, line, strlen(line) + 1);
	e->len += strlen(line);
	e->n++;
	free(line);
}

static int
config_log_level_fn(const char *in, char **outp, char **causep)
{
	enum log_level	lvl;

	if (log_level_parse(in, &lvl) != 0) {
		*causep = xasprintf("'%s' is not a log level (error, warn, "
		    "info, debug)", in);
		return -EINVAL;
	}
	*outp = xstrdup(log_level_name(lvl));
	return 0;
}

static int
config_url_fn(const char *in, char **outp, char **causep)
{
	if (ollama_host_url(in, outp) != 0) {
		*causep = xasprintf("'%s' is not a host, host:port or URL", in);
		return -EINVAL;
	}
	return 0;
}

static int
config_path_fn(const char *in, char **outp, char **causep)
{
	const char	*home;

	if (in[0] == '~' && (in[1] == '/' || in[1] == '\0') &&
	    (home = getenv("HOME")) != NULL) {
		*outp = xasprintf("%s%s", home, in + 1);
		return 0;
	}
	if (in[0] != '/') {
		*causep = xasprintf("'%s' is not an absolute path", in);
		return -EINVAL;
	}
	*outp = xstrdup(in);
	return 0;
}

/* A path that may be empty (meaning a default worked out later). */
static int
config_opt_path_fn(const char *in, char **outp, char **causep)
{
	if (*in == '\0') {
		*outp = xstrdup("");
		return 0;
	}
	return config_path_fn(in, outp, causep);
}

static int
config_method_fn(const char *in, char **outp, char **causep)
{
	if (strcmp(in, "clone") != 0 && strcmp(in, "hardlink") != 0 &&
	    strcmp(in, "symlink") != 0) {
		*causep = xasprintf("'%s' is not a method (clone, hardlink, "
		    "symlink)", in);
		return -EINVAL;
	}
	*outp = xstrdup(in);
	return 0;
}

/* Index of an option, or -1. */
int
config_find(const char *name)
{
	int	i;

	for (i = 0; i < config_noptions; i++)
		if (strcmp(config_options[i].name, name) == 0)
			return i;
	return -1;
}

static void
config_strlist_free(struct config_strlist *l)
{
	int	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
config_parse_bool(const char *s, int *bp)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t	i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*bp = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*bp = 0;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * Store text as option i's value. Returns 0 or -EINVAL with *causep set.
 */
static int
config_set_text(struct mlxd_config *cfg, int i, const char *text,
    char **causep)
{
	const struct config_option	*o = &config_options[i];
	char				*p = (char *)cfg + o->off, *out = NULL, *end;
	long long			 v;
	int				 b;

	switch (o->type) {
	case CONFIG_STRING:
		if (o->value_fn != NULL) {
			if (o->value_fn(text, &out, causep) != 0)
				return -EINVAL;
		} else
			out = xstrdup(text);
		free(*(char **)p);
		*(char **)p = out;
		return 0;
	case CONFIG_INT:
		errno = 0;
		v = strtoll(text, &end, 10);
		if (errno != 0 || end == text || *end != '\0') {
			*causep = xasprintf("'%s' is not an integer", text);
			return -EINVAL;
		}
		if (v < o->min || v > o->max) {
			*causep = xasprintf("%lld is out of range [%" PRId64
			    ", %" PRId64 "]", v, o->min, o->max);
			return -EINVAL;
		}
		*(int64_t *)p = v;
		return 0;
	case CONFIG_BOOL:
		if (config_parse_bool(text, &b) != 0) {
			*causep = xasprintf("'%s' is not a boolean (true or "
			    "false)", text);
			return -EINVAL;
		}
		*(int *)p = b;
		return 0;
	case CONFIG_STRLIST: {
		/* From text (defaults, environment): comma-separated. */
		struct config_strlist	*l = (struct config_strlist *)p;
		const char		*s = text;

		config_strlist_free(l);
		while (*s != '\0') {
			size_t n = strcspn(s, ",");
			if (n > 0) {
				char *item = xstrndup(s, n);
				if (o->value_fn != NULL) {
					if (o->value_fn(item, &out,
					    causep) != 0) {
						free(item);
						config_strlist_free(l);
						return -EINVAL;
					}
					free(item);
					item = out;
				}
				l->v = xreallocarray(l->v, (size_t)l->n + 1,
				    sizeof(*l->v));
				l->v[l->n++] = item;
			}
			s += n;
			if (*s == ',')
				s++;
		}
		return 0;
	}
	}
	return -EINVAL;
}

static const char *
config_type_name(enum config_type t)
{
	switch (t) {
	case CONFIG_STRING:
		return "a string";
	case CONFIG_INT:
		return "an integer";
	case CONFIG_BOOL:
		return "a boolean";
	case CONFIG_STRLIST:
		return "a list of strings";
	}
	return "?";
}

static void
config_yaml_node(struct mlxd_config *cfg, yaml_document_t *doc,
    yaml_node_t *node, const char *prefix, const char *file,
    struct config_errs *e, enum config_source src)
{
	yaml_node_pair_t	*pair;
	yaml_node_t		*k, *v;
	char			*name, *cause = NULL, *item;
	int			 i;

	if (node->type != YAML_MAPPING_NODE) {
		config_err(e, file, &node->start_mark,
		    "expected a mapping of options%s%s", prefix ? " under " :
		    "", prefix ? prefix : "");
		return;
	}
	for (pair = node->data.mapping.pairs.start;
	    pair < node->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(doc, pair->key);
		v = yaml_document_get_node(doc, pair->value);
		if (k == NULL || v == NULL)
			continue;
		if (k->type != YAML_SCALAR_NODE) {
			config_err(e, file, &k->start_mark,
			    "option names must be plain strings");
			continue;
		}
		name = prefix == NULL ? xstrdup((char *)k->data.scalar.value) :
		    xasprintf("%s.%s", prefix, (char *)k->data.scalar.value);
		i = config_find(name);
		if (i < 0) {
			/* A prefix of a known option is a section. */
			size_t nl = strlen(name);
			int j, section = 0;
			for (j = 0; j < config_noptions; j++)
				if (strncmp(config_options[j].name, name,
				    nl) == 0 && config_options[j].name[nl] ==
				    '.')
					section = 1;
			if (section)
				config_yaml_node(cfg, doc, v, name, file, e,
				    src);
			else
				config_err(e, file, &k->start_mark,
				    "unknown option '%s'", name);
			free(name);
			continue;
		}
		if (config_options[i].type == CONFIG_STRLIST) {
			struct config_strlist *l = (struct config_strlist *)
			    ((char *)cfg + config_options[i].off);
			yaml_node_item_t *it;
			if (v->type != YAML_SEQUENCE_NODE) {
				config_err(e, file, &v->start_mark,
				    "%s: expected a list of strings", name);
				goto next;
			}
			config_strlist_free(l);
			for (it = v->data.sequence.items.start;
			    it < v->data.sequence.items.top; it++) {
				yaml_node_t *iv = yaml_document_get_node(doc,
				    *it);
				if (iv == NULL || iv->type != YAML_SCALAR_NODE) {
					config_err(e, file, iv ?
					    &iv->start_mark : &v->start_mark,
					    "%s: list items must be strings",
					    name);
					continue;
				}
				item = NULL;
				if (config_options[i].value_fn != NULL &&
				    config_options[i].value_fn(
				    (char *)iv->data.scalar.value, &item,
				    &cause) != 0) {
					config_err(e, file, &iv->start_mark,
					    "%s: %s", name, cause);
					free(cause);
					cause = NULL;
					continue;
				}
				l->v = xreallocarray(l->v, (size_t)l->n + 1,
				    sizeof(*l->v));
				l->v[l->n++] = item != NULL ? item : xstrdup(
				    (char *)iv->data.scalar.value);
			}
			cfg->src[i] = src;
			goto next;
		}
		if (v->type != YAML_SCALAR_NODE) {
			config_err(e, file, &v->start_mark, "%s: expected %s",
			    name, config_type_name(config_options[i].type));
			goto next;
		}
		if (v->data.scalar.length == 0 &&
		    v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
			config_err(e, file, &v->start_mark, "%s: missing value",
			    name);
			goto next;
		}
		if (config_options[i].type != CONFIG_STRING &&
		    v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
			config_err(e, file, &v->start_mark, "%s: expected %s, "
			    "not a quoted string", name,
			    config_type_name(config_options[i].type));
			goto next;
		}
		if (config_set_text(cfg, i, (char *)v->data.scalar.value,
		    &cause) != 0) {
			config_err(e, file, &v->start_mark, "%s: %s", name,
			    cause);
			free(cause);
			cause = NULL;
		} else
			cfg->src[i] = src;
next:
		free(name);
	}
}

static int
config_read_file(struct mlxd_config *cfg, const char *path, FILE *fp,
    struct config_errs *e, enum config_source src)
{
	yaml_parser_t	 parser;
	yaml_document_t	 doc;
	yaml_node_t	*root;
	int		 rc = 0;

	if (!yaml_parser_initialize(&parser))
		fatalx("config: cannot initialise the YAML parser");
	yaml_parser_set_input_file(&parser, fp);
	if (!yaml_parser_load(&parser, &doc)) {
		config_err(e, path, &parser.problem_mark, "%s%s%s",
		    parser.problem != NULL ? parser.problem : "invalid YAML",
		    parser.context != NULL ? " " : "",
		    parser.context != NULL ? parser.context : "");
		yaml_parser_delete(&parser);
		return -EINVAL;
	}
	root = yaml_document_get_root_node(&doc);
	/* An empty file, or one with only comments, is an empty config. */
	if (root != NULL && !(root->type == YAML_SCALAR_NODE &&
	    root->data.scalar.length == 0))
		config_yaml_node(cfg, &doc, root, NULL, path, e, src);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

/* The default config file path, or NULL. */
char *
config_default_path(void)
{
	char	*p;

	return paths_default_config(&p) == 0 ? p : NULL;
}

static int
config_defaults(struct mlxd_config *cfg, struct config_errs *e)
{
	char	*cause = NULL;
	int	 i, rc = 0;

	for (i = 0; i < config_noptions; i++) {
		if (config_options[i].def == NULL)
			continue;
		if (config_set_text(cfg, i, config_options[i].def, &cause)) {
			config_err(e, NULL, NULL, "%s: bad default: %s",
			    config_options[i].name, cause);
			free(cause);
			cause = NULL;
			rc = -EINVAL;
		}
	}
	if (paths_default_socket(&cfg->socket) != 0 ||
	    paths_default_data_dir(&cfg->data_dir) != 0) {
		config_err(e, NULL, NULL, "cannot work out default paths: "
		    "HOME is not set");
		rc = -ENOENT;
	}
	return rc;
}

/* The overlay file of config path (or of the default one). */
char *
config_overlay_path(const char *path)
{
	char	*def = NULL, *out;
	size_t	 n;

	if (path == NULL && (path = def = config_default_path()) == NULL)
		return NULL;
	n = strlen(path);
	if (n > 5 && strcmp(path + n - 5, ".yaml") == 0)
		n -= 5;
	else if (n > 4 && strcmp(path + n - 4, ".yml") == 0)
		n -= 4;
	out = xasprintf("%.*s.api.yaml", (int)n, path);
	free(def);
	return out;
}

/* Build the effective configuration. */
int
config_load(const char *path, int explicit, const struct config_flag *flags,
    int nflags, struct mlxd_config **cfgp, char **causep)
{
	return config_load_overlay(path, explicit, NULL, flags, nflags, cfgp,
	    causep);
}

/* Build the effective configuration with a given overlay file. */
int
config_load_overlay(const char *path, int explicit, const char *overlay,
    const struct config_flag *flags, int nflags, struct mlxd_config **cfgp,
    char **causep)
{
	struct mlxd_config	*cfg;
	struct config_errs	 e = { NULL, 0, 0 };
	char			*defpath = NULL, *cause = NULL, *ovpath = NULL;
	const char		*env;
	FILE			*fp;
	int			 i, j;

	cfg = xcalloc(1, sizeof(*cfg));
	cfg->src = xcalloc((size_t)config_noptions, sizeof(*cfg->src));
	(void)config_defaults(cfg, &e);

	if (path == NULL)
		path = defpath = config_default_path();
	if (path != NULL) {
		if ((fp = fopen(path, "r")) != NULL) {
			cfg->file = xstrdup(path);
			(void)config_read_file(cfg, path, fp, &e,
			    CONFIG_SRC_FILE);
			fclose(fp);
		} else if (explicit || errno != ENOENT)
			config_err(&e, path, NULL, "cannot read: %s",
			    strerror(errno));
	}
	/* What PATCH /v1/config set, over the file. */
	if (overlay == NULL && path != NULL)
		overlay = ovpath = config_overlay_path(path);
	if (overlay != NULL) {
		if ((fp = fopen(overlay, "r")) != NULL) {
			(void)config_read_file(cfg, overlay, fp, &e,
			    CONFIG_SRC_API);
			fclose(fp);
		} else if (errno != ENOENT)
			config_err(&e, overlay, NULL, "cannot read: %s",
			    strerror(errno));
	}
	free(ovpath);

	for (i = 0; i < config_noptions; i++) {
		if (config_options[i].env == NULL ||
		    (env = getenv(config_options[i].env)) == NULL ||
		    *env == '\0')
			continue;
		if (config_set_text(cfg, i, env, &cause) != 0) {
			config_err(&e, NULL, NULL, "environment %s: %s",
			    config_options[i].env, cause);
			free(cause);
			cause = NULL;
		} else
			cfg->src[i] = CONFIG_SRC_ENV;
	}
	for (j = 0; j < nflags; j++) {
		if ((i = config_find(flags[j].name)) < 0) {
			config_err(&e, NULL, NULL, "unknown option '%s'",
			    flags[j].name);
			continue;
		}
		if (config_set_text(cfg, i, flags[j].value, &cause) != 0) {
			config_err(&e, NULL, NULL, "--%s: %s", flags[j].name,
			    cause);
			free(cause);
			cause = NULL;
		} else
			cfg->src[i] = CONFIG_SRC_FLAG;
	}
	free(defpath);
	if (e.n > 0) {
		*causep = e.text;
		config_free(cfg);
		return -EINVAL;
	}
	*cfgp = cfg;
	return 0;
}

/* Free a configuration; accepts NULL. */
void
config_free(struct mlxd_config *cfg)
{
	int	i;

	if (cfg == NULL)
		return;
	for (i = 0; i < config_noptions; i++) {
		char *p = (char *)cfg + config_options[i].off;
		if (config_options[i].type == CONFIG_STRING)
			free(*(char **)p);
		else if (config_options[i].type == CONFIG_STRLIST)
			config_strlist_free((struct config_strlist *)p);
	}
	free(cfg->file);
	free(cfg->src);
	free(cfg);
}

/* Name of a source. */
const char *
config_source_name(enum config_source src)
{
	switch (src) {
	case CONFIG_SRC_DEFAULT:
		return "default";
	case CONFIG_SRC_FILE:
		return "file";
	case CONFIG_SRC_ENV:
		return "env";
	case CONFIG_SRC_FLAG:
		return "flag";
	case CONFIG_SRC_API:
		return "api";
	}
	return "?";
}

/* Option i's value as JSON. */
json_t *
config_value_json(const struct mlxd_config *cfg, int i)
{
	const char	*p = (const char *)cfg + config_options[i].off;
	const struct config_strlist *l;
	json_t		*a;
	int		 k;

	switch (config_options[i].type) {
	case CONFIG_STRING:
		return *(char *const *)p == NULL ? json_null() :
		    json_string(*(char *const *)p);
	case CONFIG_INT:
		return json_integer(*(const int64_t *)p);
	case CONFIG_BOOL:
		return json_boolean(*(const int *)p);
	case CONFIG_STRLIST:
		l = (const struct config_strlist *)p;
		a = json_array();
		for (k = 0; k < l->n; k++)
			json_array_append_new(a, json_string(l->v[k]));
		return a;
	}
	return json_null();
}

/* The value as shown to people: secrets that are set become "***". */
json_t *
config_shown_json(const struct mlxd_config *cfg, int i)
{
	json_t	*v = config_value_json(cfg, i);

	if ((config_options[i].flags & CONFIG_F_SECRET) && json_is_string(v) &&
	    json_string_length(v) > 0) {
		json_decref(v);
		return json_string("***");
	}
	return v;
}

/* GET /v1/config body. */
json_t *
config_to_json(const struct mlxd_config *cfg)
{
	json_t	*opts, *o;
	int	 i;

	opts = json_array();
	for (i = 0; i < config_noptions; i++) {
		o = json_pack("{s:s, s:o, s:s, s:s?, s:b, s:s}",
		    "name", config_options[i].name,
		    "value", config_shown_json(cfg, i),
		    "source", config_source_name(cfg->src[i]),
		    "env", config_options[i].env,
		    "reloadable", (config_options[i].flags & CONFIG_F_RELOAD) != 0,
		    "help", config_options[i].help);
		if (o != NULL && json_object_get(o, "env") == NULL)
			json_object_set_new(o, "env", json_null());
		json_array_append_new(opts, o);
	}
	return json_pack("{s:s?, s:o}", "file", cfg->file, "options", opts);
}

/* Check a JSON value for an option as the file's would be. */
int
config_check_json(const char *name, const json_t *v, char **causep)
{
	const struct config_option	*o;
	struct mlxd_config		 scratch;
	char				*text = NULL, *out = NULL;
	const json_t			*it;
	size_t				 k;
	int				 i, rc = 0;

	if ((i = config_find(name)) < 0) {
		*causep = xasprintf("unknown option '%s'", name);
		return -ENOENT;
	}
	o = &config_options[i];
	switch (o->type) {
	case CONFIG_STRING:
		if (!json_is_string(v))
			goto type;
		text = xstrdup(json_string_value(v));
		break;
	case CONFIG_INT:
		if (!json_is_integer(v))
			goto type;
		text = xasprintf("%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		break;
	case CONFIG_BOOL:
		if (!json_is_boolean(v))
			goto type;
		text = xstrdup(json_is_true(v) ? "true" : "false");
		break;
	case CONFIG_STRLIST:
		if (!json_is_array(v))
			goto type;
		json_array_foreach(v, k, it) {
			if (!json_is_string(it)) {
				*causep = xasprintf("%s: list items must be "
				    "strings", name);
				return -EINVAL;
			}
			if (o->value_fn != NULL && o->value_fn(
			    json_string_value(it), &out, &text) != 0) {
				*causep = xasprintf("%s: %s", name, text);
				free(text);
				return -EINVAL;
			}
			free(out);
			out = NULL;
		}
		return 0;
	}
	memset(&scratch, 0, sizeof(scratch));
	if (config_set_text(&scratch, i, text, &out) != 0) {
		*causep = xasprintf("%s: %s", name, out);
		free(out);
		rc = -EINVAL;
	} else if (o->type == CONFIG_STRING)
		free(*(char **)((char *)&scratch + o->off));
	free(text);
	return rc;
type:
	*causep = xasprintf("%s: expected %s", name,
	    config_type_name(o->type));
	return -EINVAL;
}

/* Keep old values of non-reloadable options that changed. */
void
config_keep_unreloadable(struct mlxd_config *newcfg,
    const struct mlxd_config *oldcfg)
{
	json_t	*a, *b;
	int	 i;

	for (i = 0; i < config_noptions; i++) {
		if (config_options[i].flags & CONFIG_F_RELOAD)
			continue;
		a = config_value_json(newcfg, i);
		b = config_value_json(oldcfg, i);
		if (!json_equal(a, b)) {
			char *p = (char *)newcfg + config_options[i].off;
			log_warnx("config: %s changed; it takes effect when "
			    "mlxd restarts", config_options[i].name);
			if (config_options[i].type == CONFIG_STRING) {
				free(*(char **)p);
				*(char **)p = xstrdup(*(char *const *)
				    ((const char *)oldcfg +
				    config_options[i].off));
			} else if (config_options[i].type == CONFIG_INT)
				*(int64_t *)p = *(const int64_t *)
				    ((const char *)oldcfg +
				    config_options[i].off);
			else if (config_options[i].type == CONFIG_BOOL)
				*(int *)p = *(const int *)((const char *)
				    oldcfg + config_options[i].off);
			newcfg->src[i] = oldcfg->src[i];
		}
		json_decref(a);
		json_decref(b);
	}
}

/* Markdown table of the options. */
char *
config_doc_markdown(void)
{
	char	*out, *row;
	int	 i;

	out = xstrdup("| option | type | default | environment | reload | "
	    "meaning |\n| --- | --- | --- | --- | --- | --- |\n");
	for (i = 0; i < config_noptions; i++) {
		const struct config_option *o = &config_options[i];
		char range[64] = "", deflist[128];
		snprintf(deflist, sizeof(deflist), "[%s]", o->def != NULL ?
		    o->def : "");
		if (o->type == CONFIG_INT)
			snprintf(range, sizeof(range), " (%" PRId64 "–%"
			    PRId64 ")", o->min, o->max);
		row = xasprintf("%s| `%s` | %s%s | %s%s%s | %s%s%s | %s | %s |\n",
		    out, o->name,
		    o->type == CONFIG_STRING ? "string" : o->type == CONFIG_INT ?
		    "integer" : o->type == CONFIG_BOOL ? "boolean" : "list",
		    range, o->def ? "`" : "", o->def == NULL ? "see below" :
		    o->type == CONFIG_STRLIST ? deflist :
		    *o->def == '\0' ? "\"\"" : o->def, o->def ? "`" : "", o->env ? "`" : "", o->env ? o->env : "—",
		    o->env ? "`" : "", (o->flags & CONFIG_F_RELOAD) ? "yes" : "restart",
		    o->help);
		free(out);
		out = row;
	}
	return out;
}

/* Append one sentence, wrapped before 80 columns at spaces. */
static void
config_mdoc_line(char **bufp, const char *line)
{
	const char	*p = line, *cut;
	char		*out;
	size_t		 n;

	while (*p != '\0') {
		n = strlen(p);
		if (n > 76) {
			for (cut = p + 76; cut > p && *cut != ' '; cut--)
				;
			if (cut == p)
				cut = strchr(p + 76, ' ');
			n = cut != NULL ? (size_t)(cut - p) : n;
		}
		/* A leading dot or quote would be read as a macro. */
		out = xasprintf("%s%s%.*s\n", *bufp, *p == '.' ||
		    *p == '\'' ? "\\&" : "", (int)n, p);
		free(*bufp);
		*bufp = out;
		p += n;
		while (*p == ' ')
			p++;
	}
}

/* Append text to *bufp as mdoc body text: one sentence per line. */
static void
config_mdoc_text(char **bufp, const char *text)
{
	char		*line;
	const char	*p = text, *end;

	while (*p != '\0') {
		/* A sentence ends at ". " (or "; ") before the next word. */
		end = p;
		for (;;) {
			end = strpbrk(end, ".;");
			if (end == NULL || (end[1] == ' ' && end[2] != '\0'))
				break;
			end++;
		}
		if (end == NULL) {
			line = xstrdup(p);
			p += strlen(p);
		} else {
			line = xstrndup(p, (size_t)(end - p + 1));
			p = end + 2;
		}
		config_mdoc_line(bufp, line);
		free(line);
	}
}

/* mlxd.conf(5) in mdoc, from the option table. */
char *
config_doc_mdoc(void)
{
	char	*out, *t;
	int	 i;

	out = xstrdup(
	    ".\\\" Generated from the option table in daemon/config.c by\n"
	    ".\\\" mlxd --config-man; edit the table, not this page.\n"
	    ".Dd $Mdocdate$\n"
	    ".Dt MLXD.CONF 5\n"
	    ".Os\n"
	    ".Sh NAME\n"
	    ".Nm mlxd.conf\n"
	    ".Nd mlxd configuration file\n"
	    ".Sh DESCRIPTION\n"
	    ".Xr mlxd 8\n"
	    "reads one YAML file:\n"
	    ".Fl -config Ar file ,\n"
	    "else\n"
	    ".Ev MLXD_CONFIG ,\n"
	    "else\n"
	    ".Pa $XDG_CONFIG_HOME/mlxd/config.yaml\n"
	    "if it exists.\n"
	    "Every option has a default, so the file is optional.\n"
	    "Nested keys are YAML mappings: the option\n"
	    ".Cm ollama.url\n"
	    "is written\n"
	    ".Bd -literal -offset indent\n"
	    "ollama:\n"
	    "  url: http://127.0.0.1:11434\n"
	    ".Ed\n"
	    ".Pp\n"
	    "Precedence: command-line flag, environment variable, the API\n"
	    "overlay file, the config file, the default.\n"
	    "The overlay file\n"
	    ".Pq Pa config.api.yaml No beside Pa config.yaml\n"
	    "holds what\n"
	    ".Ic mlxctl config set\n"
	    "changed.\n"
	    "An unknown key, a value of the wrong type or out of range, or\n"
	    "broken YAML makes mlxd refuse to start, naming each problem.\n"
	    "On\n"
	    ".Dv SIGHUP\n"
	    "the file is read again; options marked\n"
	    ".Em restart\n"
	    "keep their old value until mlxd restarts.\n"
	    ".Sh OPTIONS\n"
	    ".Bl -tag -width Ds\n");
	for (i = 0; i < config_noptions; i++) {
		const struct config_option *o = &config_options[i];
		t = xasprintf("%s.It Cm %s Ar %s\n", out, o->name,
		    o->type == CONFIG_STRING ? "string" : o->type ==
		    CONFIG_INT ? "integer" : o->type == CONFIG_BOOL ?
		    "boolean" : "list");
		free(out);
		out = t;
		config_mdoc_text(&out, o->help);
		t = xasprintf("%sDefault:\n.Ql %s .\n", out, o->def == NULL ?
		    "platform path" : *o->def == '\0' ? "\"\"" : o->def);
		free(out);
		out = t;
		if (o->type == CONFIG_INT) {
			t = xasprintf("%sRange %" PRId64 " to %" PRId64 ".\n",
			    out, o->min, o->max);
			free(out);
			out = t;
		}
		if (o->env != NULL) {
			t = xasprintf("%sEnvironment:\n.Ev %s .\n", out,
			    o->env);
			free(out);
			out = t;
		}
		t = xasprintf("%s%s\n", out, (o->flags & CONFIG_F_RELOAD) ?
		    "Applied on reload." : "Needs a restart.");
		free(out);
		out = t;
	}
	t = xasprintf("%s.El\n"
	    ".Sh FILES\n"
	    ".Bl -tag -width Ds -compact\n"
	    ".It Pa ~/.config/mlxd/config.yaml\n"
	    "the configuration file\n"
	    ".It Pa ~/.config/mlxd/config.api.yaml\n"
	    "options changed through the API\n"
	    ".El\n"
	    ".Sh SEE ALSO\n"
	    ".Xr mlxctl 1 ,\n"
	    ".Xr mlxd 8\n", out);
	free(out);
	return t;
}
