/* SPDX-License-Identifier: ISC */
/*
 * config.c: GET /v1/config, the daemon's effective configuration, and
 * PATCH /v1/config, which changes options (mlxd_config_set/unset).
 *
 * Option values can be any JSON type, so each is handed out as its compact
 * JSON text (allocated here) and, when it is a string, as that string.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <mlxd/mlxd.h>

#include "sdk.h"

struct config_reply {
	struct mlxd_config	 pub;
	struct reply		 r;
	char			**values;	/* the value_json texts we own */
};

static void
config_reply_free(void *p)
{
	struct config_reply	*r = p;
	size_t			 i;

	if (r == NULL)
		return;
	if (r->values != NULL)
		for (i = 0; i < r->pub.noptions; i++)
			free(r->values[i]);
	free(r->values);
	free(r->pub.options);
	free(r->pub.restart_required);
	reply_clear(&r->r);
	free(r);
}

static int
config_parse(const json_t *arr, struct config_reply *r)
{
	struct mlxd_config_option	*opt;
	const json_t			*o;
	size_t				 i, n;
	int				 rc;

	if (!json_is_array(arr))
		return 0;
	n = json_array_size(arr);
	if ((r->pub.options = calloc(n + 1, sizeof *r->pub.options)) == NULL ||
	    (r->values = calloc(n + 1, sizeof *r->values)) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!json_is_object(o = json_array_get(arr, i)))
			continue;
		opt = &r->pub.options[r->pub.noptions];
		if ((rc = reply_dump(json_object_get(o, "value"),
		    &r->values[r->pub.noptions])) != 0)
			return rc;
		opt->value_json = r->values[r->pub.noptions];
		r->pub.noptions++;
		opt->name = reply_string(o, "name");
		opt->value_string = reply_string(o, "value");
		opt->source = reply_string(o, "source");
		opt->env = reply_string(o, "env");
		opt->reloadable = reply_bool(o, "reloadable");
		opt->help = reply_string(o, "help");
	}
	return 0;
}

static int
config_fill(void *p, const json_t *root, const char *raw)
{
	struct config_reply	*r = p;

	int			 rc;

	r->pub.raw_json = raw;
	r->pub.file = reply_string(root, "file");
	if ((rc = reply_strings(root, "restart_required",
	    &r->pub.restart_required, &r->pub.nrestart_required)) != 0)
		return rc;
	return config_parse(json_object_get(root, "options"), r);
}

/* Fetch the daemon's effective configuration. */
int
mlxd_config_get(struct mlxd_client *c, struct mlxd_config **cfgp)
{
	void	*r;
	int	 rc;

	if (cfgp == NULL)
		return -EINVAL;
	if ((rc = CALL_GET(c, "/v1/config", struct config_reply, config_fill,
	    config_reply_free, &r)) != 0)
		return rc;
	*cfgp = &((struct config_reply *)r)->pub;
	return 0;
}

/* Free a reply of mlxd_config_get(). */
void
mlxd_config_free(struct mlxd_config *cfg)
{
	config_reply_free((struct config_reply *)cfg);
}

/*
 * PATCH /v1/config with {key: value} (value stolen, NULL is out of
 * memory); the reply to *cfgp when cfgp is not NULL.
 */
static int
config_patch(struct mlxd_client *c, const char *key, json_t *value,
    struct mlxd_config **cfgp)
{
	json_t	*body;
	char	*text;
	void	*r;
	int	 rc;

	if (c == NULL || key == NULL || *key == '\0') {
		json_decref(value);
		return -EINVAL;
	}
	if (value == NULL || (body = json_object()) == NULL) {
		json_decref(value);
		return -ENOMEM;
	}
	if (json_object_set_new(body, key, value) != 0) {
		json_decref(body);
		return -ENOMEM;
	}
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (text == NULL)
		return -ENOMEM;
	rc = CALL_SEND(c, "PATCH", "/v1/config", text, strlen(text),
	    struct config_reply, config_fill, config_reply_free, &r);
	free(text);
	if (rc != 0)
		return rc;
	if (cfgp != NULL)
		*cfgp = &((struct config_reply *)r)->pub;
	else
		config_reply_free(r);
	return 0;
}

/* Set one option through PATCH /v1/config. */
int
mlxd_config_set(struct mlxd_client *c, const char *key,
    const char *value_json, struct mlxd_config **cfgp)
{
	json_error_t	 jerr;
	json_t		*v;

	if (c == NULL || value_json == NULL)
		return -EINVAL;
	v = json_loads(value_json, JSON_DECODE_ANY, &jerr);
	if (v == NULL || json_is_null(v)) {
		client_set_error(c, v == NULL ? "the value is not JSON text" :
		    "a null value unsets the option: use mlxd_config_unset()");
		json_decref(v);
		return -EINVAL;
	}
	return config_patch(c, key, v, cfgp);
}

/* Drop one option's change through PATCH /v1/config. */
int
mlxd_config_unset(struct mlxd_client *c, const char *key,
    struct mlxd_config **cfgp)
{
	return config_patch(c, key, json_null(), cfgp);
}
