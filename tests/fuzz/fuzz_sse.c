/* SPDX-License-Identifier: ISC */
/*
 * fuzz_sse.c: libmlxd's Server-Sent Events parser (clients/sdk/events.c,
 * included here to reach its static line handler) on arbitrary bytes split
 * into lines as mlxd_stream() splits them.
 */
/* Its public function comes from libmlxd itself. */
#define mlxd_events	fuzz_sse_unused_mlxd_events
#include "../../clients/sdk/events.c"
#undef mlxd_events

#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fuzz_sse_cb(void *arg, const char *name, const char *data, size_t len)
{
	size_t	*n = arg;

	if (name == NULL || data == NULL || data[len] != '\0')
		abort();
	(*n)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct events_parser	 p;
	const char		*s = (const char *)data, *end = s + size, *nl;
	size_t			 n = 0, len;

	memset(&p, 0, sizeof(p));
	p.cb = fuzz_sse_cb;
	p.arg = &n;
	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (nl == NULL)
			nl = end;
		len = (size_t)(nl - s);
		if (len > 0 && s[len - 1] == '\r')
			len--;
		if (events_line(&p, s, len) != 0)
			break;
		s = nl + 1;
	}
	events_reset(&p);
	free(p.data);
	free(p.error);
	return 0;
}
