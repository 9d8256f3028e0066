/* SPDX-License-Identifier: ISC */
/*
 * fuzz_ollama.c: the parsers for Ollama's replies (/api/version, /api/tags,
 * /api/ps, error bodies) and OLLAMA_HOST values, on arbitrary bytes.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ollama_parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t	*models = NULL;
	char	*s, *out = NULL, *err = NULL;

	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (ollama_parse_version(s, size, &out) == 0)
		free(out);
	if (ollama_parse_tags(s, size, &models, &err) == 0) {
		free(ollama_running_key(models));
		json_decref(models);
	} else
		free(err);
	err = NULL;
	if (ollama_parse_ps(s, size, &models, &err) == 0) {
		free(ollama_running_key(models));
		json_decref(models);
	} else
		free(err);
	free(ollama_parse_error(500, s, size));
	if (size < 512 && ollama_host_url(s, &out) == 0)
		free(out);
	json_decref(ollama_time_json(s));
	free(s);
	return 0;
}
