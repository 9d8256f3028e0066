/* SPDX-License-Identifier: ISC */
/*
 * sdk_config.c: drives mlxd_config_set() and mlxd_config_unset() for
 * tests/integration/test_config_api.py.
 *
 *	sdk_config SOCKET set KEY JSON
 *	sdk_config SOCKET unset KEY
 *
 * On success prints "KEY=VALUE_JSON SOURCE" as the reply shows the option,
 * then "restart: NAME" for each option that waits for a restart, and exits
 * 0. On failure prints "rc=N code=CODE error=MESSAGE" and exits 1.
 */
#include <stdio.h>
#include <string.h>

#include <mlxd/mlxd.h>

int
main(int argc, char **argv)
{
	struct mlxd_client		*c;
	struct mlxd_config		*cfg = NULL;
	const struct mlxd_config_option	*o;
	const char			*code, *msg;
	size_t				 i;
	int				 rc, set;

	set = argc == 5 && strcmp(argv[2], "set") == 0;
	if (!set && !(argc == 4 && strcmp(argv[2], "unset") == 0)) {
		fprintf(stderr, "usage: sdk_config SOCKET set KEY JSON | "
		    "unset KEY\n");
		return 2;
	}
	if ((rc = mlxd_client_new(argv[1], &c)) != 0) {
		printf("rc=%d code=- error=%s\n", rc, mlxd_strerror(rc));
		return 1;
	}
	rc = set ? mlxd_config_set(c, argv[3], argv[4], &cfg) :
	    mlxd_config_unset(c, argv[3], &cfg);
	if (rc != 0) {
		code = mlxd_client_last_code(c);
		msg = mlxd_client_last_error(c);
		printf("rc=%d code=%s error=%s\n", rc, code != NULL ? code :
		    "-", msg != NULL ? msg : mlxd_strerror(rc));
		mlxd_client_free(c);
		return 1;
	}
	for (i = 0; i < mlxd_config_count(cfg); i++) {
		o = mlxd_config_get_option(cfg, i);
		if (strcmp(o->name, argv[3]) == 0)
			printf("%s=%s %s\n", o->name, o->value_json,
			    o->source);
	}
	for (i = 0; i < mlxd_config_restart_count(cfg); i++)
		printf("restart: %s\n", mlxd_config_restart_get(cfg, i));
	mlxd_config_free(cfg);
	mlxd_client_free(c);
	return 0;
}
