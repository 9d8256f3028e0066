/* SPDX-License-Identifier: ISC */
/*
 * fuzz_config.c: the YAML configuration loader on arbitrary bytes. Any input
 * must give either a configuration or a cause, never a crash or a leak.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "mlxd_config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char		 path[64];
	struct mlxd_config	*cfg = NULL;
	char			*cause = NULL;
	FILE			*fp;
	int			 fd;

	if (path[0] == '\0') {
		snprintf(path, sizeof(path), "/tmp/mlxd-fuzz-config-XXXXXX");
		if ((fd = mkstemp(path)) < 0)
			return 0;
		close(fd);
		setenv("HOME", "/tmp", 0);
	}
	if ((fp = fopen(path, "wb")) == NULL)
		return 0;
	fwrite(data, 1, size, fp);
	fclose(fp);
	if (config_load(path, 1, NULL, 0, &cfg, &cause) == 0) {
		json_decref(config_to_json(cfg));
		config_free(cfg);
	} else if (cause == NULL)
		abort();	/* a failure must say why */
	free(cause);
	return 0;
}
