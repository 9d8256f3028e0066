/* SPDX-License-Identifier: ISC */
/*
 * ollama_parse.c: turn Ollama's replies into mlxd's normalised JSON.
 *
 * Ollama's JSON comes from Go: omitted numbers mean 0, nil slices are
 * null, timestamps carry 0-9 fractional digits and a local offset, and
 * fields are added between versions. Everything here is tolerant of that:
 * unknown keys are ignored, a missing optional field becomes null, and only
 * a reply that is not the expected shape at all is an error.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ollama_parse.h"
#include "timeutil.h"
#include "xmalloc.h"

/* OLLAMA_HOST → base URL, following Ollama's envconfig.Host. */
int
ollama_host_url(const char *value, char **urlp)
{
	char		*buf, *s, *e, *scheme, *hostport, *path, *host;
	const char	*port;
	const char	*defport = "11434";
	char		*colon;
	long		 n;
	int		 v6 = 0;

	buf = xstrdup(value == NULL ? "" : value);
	s = buf;
	while (isspace((unsigned char)*s) || *s == '"' || *s == '\'')
		s++;
	e = s + strlen(s);
	while (e > s && (isspace((unsigned char)e[-1]) || e[-1] == '"' ||
	    e[-1] == '\''))
		*--e = '\0';

	scheme = "http";
	if ((hostport = strstr(s, "://")) != NULL) {
		*hostport = '\0';
		scheme = s;
		hostport += 3;
		if (strcmp(scheme, "http") == 0)
			defport = "80";
		else if (strcmp(scheme, "https") == 0)
			defport = "443";
		else {
			free(buf);
			return -EINVAL;
		}
	} else {
		hostport = s;
		if (strcmp(s, "ollama.com") == 0) {
			scheme = "https";
			defport = "443";
		}
	}
	path = NULL;
	if ((path = strchr(hostport, '/')) != NULL)
		*path++ = '\0';

	/* net.SplitHostPort: "[v6]:p", "host:p"; anything else is a host. */
	host = hostport;
	port = NULL;
	if (hostport[0] == '[') {
		char *rb = strchr(hostport, ']');
		if (rb == NULL) {
			free(buf);
			return -EINVAL;
		}
		*rb = '\0';
		host = hostport + 1;
		v6 = 1;
		if (rb[1] == ':')
			port = rb + 2;
		else if (rb[1] != '\0') {
			free(buf);
			return -EINVAL;
		}
	} else if ((colon = strchr(hostport, ':')) != NULL) {
		if (strchr(colon + 1, ':') != NULL)
			v6 = 1;		/* bare IPv6 literal, no port */
		else {
			*colon = '\0';
			port = colon + 1;
		}
	}
	if (port != NULL) {
		char *end;

		errno = 0;
		n = strtol(port, &end, 10);
		if (errno != 0 || end == port || *end != '\0' || n < 0 ||
		    n > 65535)
			port = NULL;
	}
	if (port == NULL)
		port = defport;
	for (e = host; *e != '\0'; e++) {
		if (!isalnum((unsigned char)*e) && strchr(".-_:%", *e) == NULL) {
			free(buf);
			return -EINVAL;
		}
	}
	if (*host == '\0' || strcmp(host, "0.0.0.0") == 0)
		host = "127.0.0.1", v6 = 0;
	else if (strcmp(host, "::") == 0)
		host = "::1";
	*urlp = xasprintf("%s://%s%s%s:%s%s%s", scheme, v6 ? "[" : "", host,
	    v6 ? "]" : "", port, path != NULL && *path != '\0' ? "/" : "",
	    path != NULL ? path : "");
	/* No trailing slash. */
	e = *urlp + strlen(*urlp);
	while (e > *urlp && e[-1] == '/')
		*--e = '\0';
	free(buf);
	return 0;
}

static json_t *
ollama_loads(const char *body, size_t len, char **errp)
{
	json_error_t	 err;
	json_t		*root;

	root = json_loadb(body, len, JSON_DECODE_ANY, &err);
	if (root == NULL) {
		*errp = xasprintf("invalid JSON from Ollama: %s", err.text);
		return NULL;
	}
	return root;
}

/* A human parameter size ("8.0B", "566.70M", "1.5T", "270K") or -1. */
static int64_t
ollama_param_size(const char *s)
{
	double	 v, mult;
	char	*end;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	v = strtod(s, &end);
	switch (toupper((unsigned char)*end)) {
	case 'K': mult = 1e3; break;
	case 'M': mult = 1e6; break;
	case 'B': mult = 1e9; break;
	case 'T': mult = 1e12; break;
	default: return -1;
	}
	if (end[1] != '\0' || !isfinite(v) || v <= 0 || v * mult >= 9.0e18)
		return -1;
	return (int64_t)llround(v * mult);
}

/* See ollama_parse.h. */
int64_t
ollama_parse_param_count(const char *body, size_t len)
{
	json_t	*root, *v;
	int64_t	 n = -1;

	if ((root = json_loadb(body, len, 0, NULL)) == NULL)
		return -1;
	v = json_object_get(json_object_get(root, "model_info"),
	    "general.parameter_count");
	if (json_is_integer(v) && json_integer_value(v) > 0)
		n = json_integer_value(v);
	else
		n = ollama_param_size(json_string_value(json_object_get(
		    json_object_get(root, "details"), "parameter_size")));
	json_decref(root);
	return n;
}

/* {"version":"..."} */
int
ollama_parse_version(const char *body, size_t len, char **versionp)
{
	json_t		*root;
	const char	*v;
	char		*err = NULL;

	if ((root = ollama_loads(body, len, &err)) == NULL) {
		free(err);
		return -EPROTO;
	}
	v = json_string_value(json_object_get(root, "version"));
	if (v == NULL) {
		json_decref(root);
		return -EPROTO;
	}
	*versionp = xstrdup(v);
	json_decref(root);
	return 0;
}

/* RFC 3339 → ISO UTC string, or null. Go's zero time is null too. */
json_t *
ollama_time_json(const char *s)
{
	char	buf[TIMEUTIL_ISO_LEN];
	int64_t	ms;

	if (s == NULL || timeutil_parse_rfc3339(s, &ms) != 0 ||
	    strncmp(s, "0001-01-01", 10) == 0)
		return json_null();
	timeutil_format_utc_ms(ms, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
ollama_str(json_t *obj, const char *key)
{
	const char	*s = json_string_value(json_object_get(obj, key));

	return s != NULL ? json_string(s) : json_null();
}

/* Omitted numbers are 0 in Go; for sizes and lengths 0 means unknown. */
static json_t *
ollama_posint(json_t *obj, const char *key)
{
	json_t	*v = json_object_get(obj, key);

	if (json_is_integer(v) && json_integer_value(v) > 0)
		return json_integer(json_integer_value(v));
	if (json_is_real(v) && json_real_value(v) > 0)
		return json_integer((json_int_t)json_real_value(v));
	return json_null();
}

static json_t *
ollama_strarray(json_t *obj, const char *key)
{
	json_t	*v = json_object_get(obj, key), *out, *it;
	size_t	 i;

	if (!json_is_array(v))
		return json_null();
	out = json_array();
	json_array_foreach(v, i, it) {
		if (json_is_string(it))
			json_array_append(out, it);
	}
	return out;
}

/* Fields common to tags and ps entries. */
static json_t *
ollama_model_common(json_t *m)
{
	json_t	*d = json_object_get(m, "details"), *out;

	if (!json_is_object(d))
		d = NULL;
	out = json_object();
	json_object_set_new(out, "name", json_is_string(json_object_get(m,
	    "name")) ? ollama_str(m, "name") : ollama_str(m, "model"));
	json_object_set_new(out, "model", json_is_string(json_object_get(m,
	    "model")) ? ollama_str(m, "model") : ollama_str(m, "name"));
	json_object_set_new(out, "digest", ollama_str(m, "digest"));
	json_object_set_new(out, "size_bytes", ollama_posint(m, "size"));
	json_object_set_new(out, "format", ollama_str(d, "format"));
	json_object_set_new(out, "family", ollama_str(d, "family"));
	json_object_set_new(out, "families", ollama_strarray(d, "families"));
	json_object_set_new(out, "parameter_size", ollama_str(d,
	    "parameter_size"));
	json_object_set_new(out, "quantization_level", ollama_str(d,
	    "quantization_level"));
	/* Go omits empty strings in some versions; keep "" as null. */
	if (json_is_string(json_object_get(out, "format")) &&
	    *json_string_value(json_object_get(out, "format")) == '\0')
		json_object_set_new(out, "format", json_null());
	return out;
}

static int
ollama_models_array(const char *body, size_t len, json_t **rootp,
    json_t **arrp, char **errp)
{
	json_t	*root, *arr;

	if ((root = ollama_loads(body, len, errp)) == NULL)
		return -EPROTO;
	arr = json_object_get(root, "models");
	if (!json_is_object(root) || (!json_is_array(arr) &&
	    !json_is_null(arr) && arr != NULL)) {
		*errp = xstrdup("unexpected reply from Ollama: no models "
		    "array");
		json_decref(root);
		return -EPROTO;
	}
	*rootp = root;
	*arrp = arr;
	return 0;
}

/* /api/tags → normalised models. */
int
ollama_parse_tags(const char *body, size_t len, json_t **modelsp, char **errp)
{
	json_t	*root, *arr, *m, *out, *o, *d;
	size_t	 i;
	int	 rc;

	if ((rc = ollama_models_array(body, len, &root, &arr, errp)) != 0)
		return rc;
	out = json_array();
	json_array_foreach(arr, i, m) {
		if (!json_is_object(m))
			continue;
		d = json_object_get(m, "details");
		o = ollama_model_common(m);
		json_object_set_new(o, "modified_at", ollama_time_json(
		    json_string_value(json_object_get(m, "modified_at"))));
		json_object_set_new(o, "context_length", ollama_posint(d,
		    "context_length"));
		json_object_set_new(o, "embedding_length", ollama_posint(d,
		    "embedding_length"));
		json_object_set_new(o, "capabilities", ollama_strarray(m,
		    "capabilities"));
		json_array_append_new(out, o);
	}
	json_decref(root);
	*modelsp = out;
	return 0;
}

/* /api/ps → normalised running models. */
int
ollama_parse_ps(const char *body, size_t len, json_t **modelsp, char **errp)
{
	json_t	*root, *arr, *m, *out, *o, *v;
	size_t	 i;
	int	 rc;

	if ((rc = ollama_models_array(body, len, &root, &arr, errp)) != 0)
		return rc;
	out = json_array();
	json_array_foreach(arr, i, m) {
		if (!json_is_object(m))
			continue;
		o = ollama_model_common(m);
		/* size_vram is always sent since v0.1.42; absent = unknown. */
		v = json_object_get(m, "size_vram");
		json_object_set_new(o, "vram_bytes", json_is_integer(v) &&
		    json_integer_value(v) >= 0 ? json_integer(
		    json_integer_value(v)) : json_null());
		json_object_set_new(o, "expires_at", ollama_time_json(
		    json_string_value(json_object_get(m, "expires_at"))));
		json_object_set_new(o, "context_length", ollama_posint(m,
		    "context_length"));
		json_array_append_new(out, o);
	}
	json_decref(root);
	*modelsp = out;
	return 0;
}

/* An error reply as a one-line message. */
char *
ollama_parse_error(long status, const char *body, size_t len)
{
	json_t		*root;
	const char	*msg;
	char		*out, *p;
	size_t		 n;

	root = json_loadb(body, len, 0, NULL);
	msg = json_string_value(json_object_get(root, "error"));
	if (msg != NULL) {
		out = xasprintf("HTTP %ld: %s", status, msg);
		json_decref(root);
		return out;
	}
	json_decref(root);
	n = len > 200 ? 200 : len;
	while (n > 0 && isspace((unsigned char)body[n - 1]))
		n--;
	if (n == 0)
		return xasprintf("HTTP %ld", status);
	out = xasprintf("HTTP %ld: %.*s", status, (int)n, body);
	for (p = out; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r' || !isprint((unsigned char)*p))
			*p = ' ';
	return out;
}

/* "name@digest,name@digest" of a running set, for change detection. */
char *
ollama_running_key(const json_t *running)
{
	json_t	*m;
	size_t	 i;
	char	*key = xstrdup(""), *next;

	json_array_foreach(running, i, m) {
		const char *name = json_string_value(json_object_get(m,
		    "name"));
		const char *digest = json_string_value(json_object_get(m,
		    "digest"));
		next = xasprintf("%s%s@%s,", key, name ? name : "",
		    digest ? digest : "");
		free(key);
		key = next;
	}
	return key;
}
