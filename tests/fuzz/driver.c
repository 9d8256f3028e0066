/* SPDX-License-Identifier: ISC */
/*
 * driver.c: runs a fuzz target over files, for builds without libFuzzer.
 *
 *   fuzz_<name> FILE|DIR ...
 *
 * Every file (directories are read one level deep) is passed whole to
 * LLVMFuzzerTestOneInput, so the corpus runs as an ordinary test, under the
 * sanitizers in CI. With -Dfuzz=true and clang the same targets link against
 * libFuzzer instead and this file is not used.
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path)
{
	FILE	*fp;
	uint8_t	*buf;
	long	 n;

	if ((fp = fopen(path, "rb")) == NULL) {
		perror(path);
		return 1;
	}
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		fclose(fp);
		free(buf);
		return 1;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	struct dirent	*de;
	struct stat	 sb;
	char		 path[4096];
	DIR		*d;
	int		 i, n = 0, rc = 0;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
			if ((d = opendir(argv[i])) == NULL)
				return 1;
			while ((de = readdir(d)) != NULL) {
				if (de->d_name[0] == '.')
					continue;
				snprintf(path, sizeof(path), "%s/%s", argv[i],
				    de->d_name);
				rc |= run_file(path);
				n++;
			}
			closedir(d);
		} else {
			rc |= run_file(argv[i]);
			n++;
		}
	}
	printf("%d inputs\n", n);
	return rc != 0 || n == 0;
}
