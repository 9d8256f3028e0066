/* SPDX-License-Identifier: ISC */
/*
 * sdk.h: libmlxd's private declarations, grouped by the file defining them.
 *
 * client.c owns libcurl and the error state of a client; reply.c fetches
 * replies and reads fields out of them (jansson values stay inside the
 * library);
 * health.c, status.c, models.c, config.c and metrics.c turn one API
 * resource each into the public structs of <mlxd/mlxd.h>; events.c reads
 * the Server-Sent Events stream. Nothing here is exported from the shared
 * library.
 */
#ifndef MLXD_SDK_H
#define MLXD_SDK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <mlxd/mlxd.h>

/* client.c */
int	 client_begin(struct mlxd_client *c, bool handshake);
int	 client_get(struct mlxd_client *c, const char *path, json_t **rootp,
	     char **rawp);
int	 client_check_version(struct mlxd_client *c, const json_t *health);
void	 client_set_error(struct mlxd_client *c, const char *msg);
long	 client_timeout_ms(const struct mlxd_client *c);
/* Keep message and code of an error body {"error":{"code","message"}}. */
void	 client_set_api_error(struct mlxd_client *c, long status,
	     const char *body, size_t len);

/* call.c */
/* Fill a typed reply r from root (and raw, the text it was parsed from). */
typedef int	(*call_parse_fn)(void *r, const json_t *root, const char *raw);
/* Free a typed reply and all it holds (its struct reply included). */
typedef void	(*call_release_fn)(void *r);
struct reply;
int	 call_build(struct reply *rep, size_t size, size_t roff,
	     call_parse_fn parse, call_release_fn release, void **outp);
int	 call_get(struct mlxd_client *c, const char *path, size_t size,
	     size_t roff, call_parse_fn parse, call_release_fn release,
	     void **outp);
int	 call_send(struct mlxd_client *c, const char *method,
	     const char *path, const char *body, size_t len, size_t size,
	     size_t roff, call_parse_fn parse, call_release_fn release,
	     void **outp);
int	 call_parse(const char *json, size_t len, size_t size, size_t roff,
	     call_parse_fn parse, call_release_fn release, void **outp);
/* call_get() for a private reply type with its struct reply in member r. */
#define CALL_GET(c, path, type, parse, release, outp)			\
	call_get((c), (path), sizeof(type), offsetof(type, r), (parse),	\
	    (release), (outp))
/* call_send() likewise. */
#define CALL_SEND(c, method, path, body, len, type, parse, release, outp) \
	call_send((c), (method), (path), (body), (len), sizeof(type),	\
	    offsetof(type, r), (parse), (release), (outp))
/* call_parse() likewise. */
#define CALL_PARSE(json, len, type, parse, release, outp)		\
	call_parse((json), (len), sizeof(type), offsetof(type, r),	\
	    (parse), (release), (outp))

/* reply.c */
/* A parsed reply and its text; each typed reply struct keeps one. */
struct reply {
	json_t	*root;
	char	*raw;
};

int		 reply_fetch(struct mlxd_client *c, const char *path,
		     struct reply *r);
void		 reply_clear(struct reply *r);
int		 reply_escape(char *buf, size_t len, size_t *offp,
		     const char *s);
const char	*reply_string(const json_t *obj, const char *key);
int64_t		 reply_int(const json_t *obj, const char *key);
double		 reply_double(const json_t *obj, const char *key);
int		 reply_level(const json_t *obj, const char *key);
int		 reply_load(const char *json, size_t len, json_t **rootp,
		     char **rawp);
bool		 reply_bool(const json_t *obj, const char *key);
int64_t		 reply_time(const json_t *obj, const char *key);
int		 reply_strings(const json_t *obj, const char *key,
		     const char ***arrp, size_t *np);
int		 reply_dump(const json_t *value, char **textp);

/* metrics.c */
void	 metrics_fill(const json_t *obj, const char *raw,
	     struct mlxd_metrics *m);

/* models.c */
int	 models_running_parse(const json_t *arr,
	     struct mlxd_running_model **modelsp, size_t *np);
void	 models_running_free(struct mlxd_running_model *models, size_t n);

#endif /* MLXD_SDK_H */
