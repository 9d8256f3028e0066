/* SPDX-License-Identifier: ISC */
/*
 * sim.h: what the parts of ollama-sim share (private to tests/sim).
 *
 * ollama_sim.c: start-up, routing and the request life cycle.
 * sim_wire.c: Go's wire format (JSON, durations, time stamps), paced waits,
 *     replies, request bodies and paced line streams.
 * sim_state.c: the built-in models, loaded models, config and fault modes,
 *     the request log, /api/ps and the /_sim control API.
 * sim_store.c: the model store: tags, show, copies and deletions, blobs,
 *     pull, push, create, /v1/models.
 * sim_gen.c: generate and chat with token pacing, embeddings, and the
 *     OpenAI-compatible generation routes.
 */
#ifndef OLLAMA_SIM_H
#define OLLAMA_SIM_H

#include <sys/types.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>

#define NS_PER_MS		1000000LL
#define NS_PER_S		1000000000LL
#define SIM_LOG_MAX		1000
#define SIM_BODY_MAX		(64u << 20)
#define SIM_SLICE_NS		(5 * NS_PER_MS)
#define SIM_STALL_NS		(60 * NS_PER_S)
#define SIM_SLOW_NS		(2 * NS_PER_S)
#define SIM_DEFAULT_KA_NS	(300 * NS_PER_S)
#define SIM_DEFAULT_NUM_CTX	4096
#define SIM_STREAM_BLOCK	(64 * 1024)
#define SIM_NMODELS		5	/* entries of sim_models[] */

#define CT_JSON		"application/json; charset=utf-8"
#define CT_NDJSON	"application/x-ndjson"
#define CT_TEXT		"text/plain; charset=utf-8"

#define MSG_CRASH	"llama runner process has terminated: exit status 2"
#define MSG_MIDSTREAM	"an error was encountered while running the " \
			"model: unexpected EOF"

/* Fault modes, as /_sim/config and --mode name them. */
enum sim_mode {
	SIM_MODE_OK,
	SIM_MODE_ERROR500,
	SIM_MODE_GARBAGE,
	SIM_MODE_MIDSTREAM_ERROR,
	SIM_MODE_DROP,
	SIM_MODE_STALL,
	SIM_MODE_SLOW,
};

/* Everything /_sim/config can change; copied per request. */
struct sim_config {
	enum sim_mode	 mode;
	double		 tps;
	int64_t		 ttft_ms;
	int64_t		 load_ms;
	int64_t		 tokens;
	int64_t		 ps_delay_ms;
	int64_t		 fault_after;
	int64_t		 eos_after;	/* end with "stop" after this many; 0 never */
	bool		 ps_wait_load;
	int		 tz_offset;	/* minutes east of UTC */
	char		 version[64];
};

/* A built-in model, as its manifest and config blob would describe it. */
struct sim_model {
	const char		*name;
	const char		*digest;
	int64_t			 modified_s;	/* Unix seconds */
	long			 modified_ns;
	int64_t			 size;		/* bytes on disk */
	const char		*format;
	const char		*family;
	const char *const	*families;	/* NULL: "families":null */
	const char		*parameter_size;
	const char		*quantization;
	int64_t			 context_length;	/* 0: omitted in tags */
	int64_t			 embedding_length;	/* 0: omitted in tags */
	const char *const	*caps;		/* NULL: omitted in tags */
	int64_t			 mem_base;	/* runner memory w/o KV cache */
	int64_t			 kv_per_token;
	double			 vram_frac;
	int64_t			 param_count;
	int64_t			 block_count;
	int64_t			 head_count;
	int64_t			 head_count_kv;
	int64_t			 file_type;
	int64_t			 vocab;
	const char		*tmpl;
	const char		*stop;
};

/* Where a built-in model stands. */
enum sim_load_state {
	SIM_UNLOADED,
	SIM_LOADING,
	SIM_LOADED,
};

/* Run-time state of one built-in model. */
struct sim_loaded {
	enum sim_load_state	 state;
	int			 active;	/* requests generating on it */
	bool			 forever;
	int64_t			 keep_alive_ns;
	struct timespec		 expires;
	int64_t			 num_ctx;
};

/* Parsed keep_alive of a request. */
struct sim_ka {
	bool		 set;
	bool		 forever;
	int64_t		 ns;
};

/* How a logged request ended (so far). */
enum sim_outcome {
	SIM_OUT_RUNNING,
	SIM_OUT_DONE,		/* complete reply sent (any status) */
	SIM_OUT_ERROR_LINE,	/* midstream error line sent, body ended */
	SIM_OUT_DROPPED,	/* connection closed on purpose / shutdown */
	SIM_OUT_CANCELLED,	/* client went away */
};

/* One recorded generate/chat request. */
struct sim_logent {
	uint64_t		 id;	/* 0: slot empty */
	char			 path[32];
	json_t			*body;	/* NULL when the body was not JSON */
	char			*raw;	/* the body text in that case */
	int64_t			 received_ns;
	int			 status;
	int64_t			 tokens_sent;
	enum sim_outcome	 outcome;
};

/* Streaming generation state, owned by the request. */
struct sim_gen {
	bool			 chat;
	int			 model;
	char			*model_name;	/* request string, echoed */
	bool			 stream;
	bool			 want_context;
	bool			 length_limited;
	struct sim_ka		 ka;
	struct sim_config	 cfg;
	int64_t			 n;		/* tokens to emit */
	int64_t			 n_think;	/* first n_think are thinking */
	int64_t			 fault_at;	/* -1: none */
	int64_t			 emitted;
	int64_t			 t0;		/* mono ns of token 0 */
	int64_t			 load_ns;
	int64_t			 prompt_count;
	bool			 holds_model;
	bool			 eos;
	char			*out;
	size_t			 outlen;
	size_t			 outoff;
};

/* Per-request context (MHD's con_cls). */
struct sim_req {
	int64_t			 start_mono;
	int			 fd;
	char			*body;
	size_t			 len;
	size_t			 cap;
	bool			 too_big;
	struct sha256		*sha;		/* POST /api/blobs: body hash */
	json_t			*json;
	uint64_t		 log_id;
	enum sim_outcome	 outcome;
	struct sim_gen		*gen;
};

/* Everything shared between requests, behind mu. */
struct sim_state {
	pthread_mutex_t		 mu;
	struct sim_config	 cfg;
	struct sim_config	 cfg_default;
	struct sim_loaded	 loaded[SIM_NMODELS];
	struct sim_logent	 log[SIM_LOG_MAX];
	uint64_t		 log_next;	/* next id */
	bool			 verbose;
};

/* A running SHA-256 (FIPS 180-4), for blob digests. */
struct sha256 {
	uint32_t	h[8];
	uint64_t	n;
	unsigned char	buf[64];
	size_t		blen;
};

/* A paced line stream: pull, push and create progress, OpenAI SSE. */
struct sim_lines {
	char		**v;
	int64_t		 *at;		/* mono deadline of each line */
	size_t		  n, i, off;
	int		  fd;
	struct sim_req	 *rq;
};

extern struct sim_state			 sim;
extern atomic_int			 sim_stopping;
extern const struct sim_model		 sim_models[SIM_NMODELS];

/* A route handler. */
typedef enum MHD_Result	sim_handler(struct MHD_Connection *, struct sim_req *,
			    const struct sim_config *);

/* sim_wire.c */
int64_t		 mono_ns(void);
struct timespec	 real_now(void);
int64_t		 real_ns(void);
struct timespec	 ts_add(struct timespec, int64_t, bool);
int		 ts_cmp(const struct timespec *, const struct timespec *);
json_t		*json_time_utc_now(void);
json_t		*json_time_local(int64_t, long, int);
void		 sleep_ns(int64_t);
int		 wait_until(int64_t, int);
enum sim_outcome wait_outcome(int);
void		*sim_alloc(size_t);
char		*sim_strdup(const char *);
void		 vlog(const char *, ...) __attribute__((format(printf, 1, 2)));
char		*dump_go(const json_t *, size_t *);
char		*json_line(json_t *, size_t *);
size_t		 count_words(const char *);
int		 parse_keep_alive(const json_t *, struct sim_ka *, char *,
		    size_t);
enum MHD_Result	 reply_buf(struct MHD_Connection *, unsigned, const char *,
		    char *, size_t);
enum MHD_Result	 reply_empty(struct MHD_Connection *, unsigned);
enum MHD_Result	 reply_text(struct MHD_Connection *, unsigned, const char *,
		    const char *);
enum MHD_Result	 reply_json(struct MHD_Connection *, struct sim_req *,
		    unsigned, json_t *);
enum MHD_Result	 reply_error(struct MHD_Connection *, struct sim_req *,
		    unsigned, const char *, ...)
		    __attribute__((format(printf, 4, 5)));
const char	*json_type_go(const json_t *);
int		 body_decode(struct sim_req *, const char *, char *, size_t);
int		 field_check(const json_t *, const char *, const char *, char,
		    char *, size_t);
const char	*str_field(const json_t *, const char *);
void		 lines_json(struct sim_lines *, json_t *, int64_t);
void		 lines_status(struct sim_lines *, const char *, int64_t);
void		 lines_sse(struct sim_lines *, json_t *, int64_t);
void		 lines_free(void *);
enum MHD_Result	 reply_lines(struct MHD_Connection *, struct sim_req *,
		    struct sim_lines *, const char *);
enum MHD_Result	 reply_progress(struct MHD_Connection *, struct sim_req *,
		    struct sim_lines *);
const char	*model_arg(const json_t *);

/* sim_state.c */
struct sim_config config_get(void);
enum sim_mode	 mode_get(void);
int		 mode_parse(const char *);
void		 model_tagged(const char *, char *, size_t);
int		 model_find(const char *);
bool		 model_has_cap(int, const char *);
int64_t		 model_default_ctx(int);
void		 models_purge_locked(void);
void		 model_set_ka_locked(int, const struct sim_ka *);
int		 model_acquire(int, const struct sim_config *,
		    const struct sim_ka *, int64_t, int, int64_t *);
void		 model_release(int);
void		 logent_clear(struct sim_logent *);
uint64_t	 reqlog_add(const char *, const json_t *, const char *, size_t);
void		 reqlog_update(uint64_t, int, int64_t, enum sim_outcome);
sim_handler	 api_ps;
enum MHD_Result	 ctl_config(struct MHD_Connection *, struct sim_req *,
		    const char *);
enum MHD_Result	 ctl_requests(struct MHD_Connection *, struct sim_req *,
		    const char *);
enum MHD_Result	 ctl_load(struct MHD_Connection *, struct sim_req *, bool);
enum MHD_Result	 ctl_reset(struct MHD_Connection *);

/* sim_store.c */
int		 model_lookup(const char *);
void		 sim_more_reset(void);
json_t		*model_details(int, bool);
void		 sha256_init(struct sha256 *);
void		 sha256_update(struct sha256 *, const void *, size_t);
enum MHD_Result	 api_blob(struct MHD_Connection *, struct sim_req *,
		    const char *, bool);
sim_handler	 api_tags, api_show, api_pull, api_push, api_create, api_copy,
		    api_delete, oa_models;

/* sim_gen.c */
void		 gen_end(struct sim_req *, enum sim_outcome);
void		 gen_free(struct sim_gen *);
sim_handler	 api_generate, api_chat, api_embed_new, api_embeddings_old,
		    oa_chat, oa_completions, oa_embeddings;

#endif /* OLLAMA_SIM_H */
