/* SPDX-License-Identifier: ISC */
/*
 * call.c: the typed call every GET of libmlxd goes through: fetch (after
 * the version handshake), allocate the reply, parse, free on failure;
 * call_send() does the same for a request with a body (PATCH, POST).
 *
 * A typed reply is a private struct whose first member is the public
 * struct the caller sees and which holds, at some offset, the struct reply
 * that owns the JSON its strings point into. The caller of call_get()
 * gives the private struct's size, that offset, a parse function that
 * fills the rest and the function that frees it all.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <mlxd/mlxd.h>

#include "sdk.h"

/*
 * Turn rep (a parsed reply, taken over in every case) into a new typed
 * reply of size bytes whose struct reply is at roff: on success *outp is
 * the reply (its public struct first), owned by the caller and freed with
 * release. On failure nothing is left allocated.
 */
int
call_build(struct reply *rep, size_t size, size_t roff, call_parse_fn parse,
    call_release_fn release, void **outp)
{
	void	*r;
	int	 rc;

	if ((r = calloc(1, size)) == NULL) {
		reply_clear(rep);
		return -ENOMEM;
	}
	memcpy((char *)r + roff, rep, sizeof *rep);
	if ((rc = parse(r, rep->root, rep->raw)) != 0) {
		release(r);
		return rc;
	}
	*outp = r;
	return 0;
}

/* GET path (after the version handshake) into a typed reply: call_build(). */
int
call_get(struct mlxd_client *c, const char *path, size_t size, size_t roff,
    call_parse_fn parse, call_release_fn release, void **outp)
{
	struct reply	 rep = { NULL, NULL };
	int		 rc;

	if (c == NULL || outp == NULL)
		return -EINVAL;
	if ((rc = reply_fetch(c, path, &rep)) != 0)
		return rc;
	return call_build(&rep, size, roff, parse, release, outp);
}

/*
 * Send method path with body (JSON text of len bytes, or NULL) after the
 * version handshake and turn a 2xx reply into a typed reply: call_build().
 * Any other status is MLXD_EAPI with the daemon's message and code kept on
 * the client.
 */
int
call_send(struct mlxd_client *c, const char *method, const char *path,
    const char *body, size_t len, size_t size, size_t roff,
    call_parse_fn parse, call_release_fn release, void **outp)
{
	struct reply	 rep = { NULL, NULL };
	char		*text = NULL;
	size_t		 tlen = 0;
	int		 status = 0, rc;

	if (c == NULL || outp == NULL)
		return -EINVAL;
	if ((rc = mlxd_request(c, method, path, body, len, &status, &text,
	    &tlen)) != 0)
		return rc;
	if (status < 200 || status > 299) {
		free(text);
		return MLXD_EAPI;
	}
	rc = reply_load(text, tlen, &rep.root, &rep.raw);
	free(text);
	if (rc != 0)
		return rc;
	return call_build(&rep, size, roff, parse, release, outp);
}

/* JSON text into a typed reply (the *_parse() functions): call_build(). */
int
call_parse(const char *json, size_t len, size_t size, size_t roff,
    call_parse_fn parse, call_release_fn release, void **outp)
{
	struct reply	 rep = { NULL, NULL };
	int		 rc;

	if (outp == NULL)
		return -EINVAL;
	if ((rc = reply_load(json, len, &rep.root, &rep.raw)) != 0)
		return rc;
	return call_build(&rep, size, roff, parse, release, outp);
}
