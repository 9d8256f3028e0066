/* SPDX-License-Identifier: ISC */
/*
 * ollama_parse.h: tolerant parsing of Ollama's replies into mlxd's
 * normalised JSON (sizes in bytes with unit names, ISO-8601 UTC times,
 * missing fields as null), and OLLAMA_HOST handling. Pure functions.
 */
#ifndef MLXD_OLLAMA_PARSE_H
#define MLXD_OLLAMA_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/*
 * Turn an OLLAMA_HOST value (any form Ollama accepts) into a base URL such
 * as "http://127.0.0.1:11434" or "https://example.com:443/ollama" (no
 * trailing slash). Bind-all hosts map to loopback. 0 or -EINVAL.
 */
int	ollama_host_url(const char *value, char **urlp);

/*
 * The parameter count of a POST /api/show reply: model_info's
 * "general.parameter_count", else details.parameter_size read as a
 * human figure ("8.0B", "566.70M", "1.5T"); -1 when neither is usable.
 */
int64_t	ollama_parse_param_count(const char *body, size_t len);

/* {"version":"..."} → *versionp (caller frees). 0 or -EPROTO. */
int	ollama_parse_version(const char *body, size_t len, char **versionp);

/*
 * /api/tags → a new JSON array of normalised models. Unknown fields are
 * ignored, families may be null, omitted numbers count as absent.
 * 0 or -EPROTO with *errp (caller frees) saying what was wrong.
 */
int	ollama_parse_tags(const char *body, size_t len, json_t **modelsp,
	    char **errp);

/* /api/ps → a new JSON array of normalised running models. */
int	ollama_parse_ps(const char *body, size_t len, json_t **modelsp,
	    char **errp);

/*
 * An error reply: {"error":"..."} or plain text → a message (caller frees)
 * such as "HTTP 404: model 'x' not found".
 */
char	*ollama_parse_error(long status, const char *body, size_t len);

/* RFC 3339 text → "YYYY-MM-DDTHH:MM:SS.mmmZ" JSON string, or JSON null. */
json_t	*ollama_time_json(const char *rfc3339);

/* A stable key describing a running set (names + digests), caller frees. */
char	*ollama_running_key(const json_t *running);

#endif
