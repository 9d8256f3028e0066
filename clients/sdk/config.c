/* SPDX-License-Identifier: ISC */
/*
 * config.c: GET /v1/config, the daemon's effective configuration.
 *
 * Option values can be any JSON type, so each is handed out as its compact
 * JSON text (allocated here) and, when it is a string, as that string.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

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

	r->pub.raw_json = raw;
	r->pub.file = reply_string(root, "file");
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
