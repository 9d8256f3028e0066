/* SPDX-License-Identifier: ISC */
/*
 * fuzz_ndjson.c: the generation stream line parser (every line Ollama can
 * send in a /api/generate or /api/chat stream) on arbitrary bytes split on
 * newlines.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ollama_gen.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ollama_gen_stats	 st;
	const char		*p = (const char *)data, *end = p + size, *nl;
	char			*text, *err;

	memset(&st, 0, sizeof(st));
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		text = err = NULL;
		(void)ollama_gen_parse_line(p, (size_t)(nl - p), &st, &text,
		    &err);
		free(text);
		free(err);
		p = nl + 1;
	}
	return 0;
}
