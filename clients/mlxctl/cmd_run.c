/* SPDX-License-Identifier: ISC */
/*
 * cmd_run.c: `mlxctl run` (one prompt, streamed) and `mlxctl chat` (a
 * conversation read line by line from standard input).
 *
 * Both go through the daemon's /v1/generate and /v1/chat, so the
 * generation shows in `mlxctl status` and is stored as a session. The
 * answer goes to standard output as it arrives; reasoning ("thinking") and
 * the figures `ollama run --verbose` prints go to standard error, so
 * standard output carries the answer alone. Rates are Ollama's own
 * counters; only the time to first token is measured here, by libmlxd.
 * Also home of the option parser the generation and benchmark commands
 * share (cmd_run_args()).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mlxd/mlxd.h>

#include "mlxctl.h"
#include "output.h"

/* A growing string; mlxctl gives up when memory runs out. */
struct cmd_run_buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

/* What the chunk callback needs. */
struct cmd_run_out {
	bool			 json;		/* print the raw NDJSON lines */
	bool			 thinking;	/* inside a "Thinking..." block */
	bool			 at_bol;	/* stdout is at the start of a line */
	struct cmd_run_buf	*answer;	/* chat: collects the answer, or NULL */
};

/* One message of a chat's history. */
struct cmd_run_msg {
	const char	*role;
	char		*content;
	size_t		 len;
};

/* Parse a command's options and collect its positional arguments. */
int
cmd_run_args(const struct cmd_entry *ce, const struct cmd_run_opt *opts,
    int argc, char **argv, char **pos, int *nposp)
{
	const struct cmd_run_opt	*o;
	const char			*a, *name, *eq, *value;
	size_t				 namelen;
	bool				 dashdash = false;
	int				 i, npos = 0;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (dashdash || a[0] != '-' || a[1] == '\0') {
			pos[npos++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			dashdash = true;
			continue;
		}
		eq = NULL;
		if (a[1] == '-') {
			name = a + 2;
			eq = strchr(name, '=');
			namelen = eq != NULL ? (size_t)(eq - name) : strlen(name);
		} else {
			name = a + 1;
			namelen = strlen(name);
		}
		for (o = opts; o->name != NULL; o++) {
			if (a[1] == '-' ? strlen(o->name) == namelen &&
			    strncmp(o->name, name, namelen) == 0 :
			    namelen == 1 && o->short_name == *name)
				break;
		}
		if (o->name == NULL) {
			fprintf(stderr, "mlxctl %s: unknown option: %s\n",
			    ce->name, a);
			return mlxctl_usage_error(ce);
		}
		if (!o->has_arg) {
			if (eq != NULL) {
				fprintf(stderr, "mlxctl %s: --%s takes no "
				    "value\n", ce->name, o->name);
				return mlxctl_usage_error(ce);
			}
			*o->flagp = true;
			continue;
		}
		if (eq != NULL)
			value = eq + 1;
		else if (i + 1 < argc)
			value = argv[++i];
		else {
			fprintf(stderr, "mlxctl %s: --%s needs a value\n",
			    ce->name, o->name);
			return mlxctl_usage_error(ce);
		}
		if (o->listp != NULL)
			o->listp[(*o->nlistp)++] = value;
		else
			*o->valuep = value;
	}
	*nposp = npos;
	return MLXCTL_EXIT_OK;
}

/* Read the integer value of option opt into *vp, between min and max. */
int
cmd_run_number(const struct cmd_entry *ce, const char *opt, const char *s,
    long long min, long long max, long long *vp)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max) {
		fprintf(stderr, "mlxctl %s: %s must be a number from %lld to "
		    "%lld, not '%s'\n", ce->name, opt, min, max, s);
		return mlxctl_usage_error(ce);
	}
	*vp = v;
	return MLXCTL_EXIT_OK;
}

/* A duration in ns as Go prints a time.Duration: "1.5s", "12.3ms", "2m3s". */
static void
cmd_run_duration(char *buf, size_t len, int64_t ns)
{
	static const struct {
		int64_t		 unit;
		int		 digits;
		const char	*name;
	} small[] = {
		{ 1000LL, 3, "\xc2\xb5s" },	/* µs */
		{ 1000000LL, 6, "ms" },
	};
	char		 frac[16], head[32];
	int64_t		 unit = 1000000000LL, whole, rest;
	int		 digits = 9, i;
	const char	*name = "s";

	if (ns == MLXD_NULL_INT64 || ns < 0) {
		snprintf(buf, len, "-");
		return;
	}
	if (ns < 1000) {
		snprintf(buf, len, "%lldns", (long long)ns);
		return;
	}
	head[0] = '\0';
	for (i = 0; i < 2; i++)
		if (ns < small[i].unit * 1000) {
			unit = small[i].unit;
			digits = small[i].digits;
			name = small[i].name;
			break;
		}
	if (i == 2 && ns >= 60 * unit) {
		if (ns >= 3600 * unit)
			snprintf(head, sizeof head, "%lldh%lldm",
			    (long long)(ns / (3600 * unit)),
			    (long long)(ns / (60 * unit) % 60));
		else
			snprintf(head, sizeof head, "%lldm",
			    (long long)(ns / (60 * unit)));
		ns %= 60 * unit;
	}
	whole = ns / unit;
	rest = ns % unit;
	snprintf(frac, sizeof frac, ".%0*lld", digits, (long long)rest);
	for (i = (int)strlen(frac) - 1; i > 0 && frac[i] == '0'; i--)
		frac[i] = '\0';
	if (frac[1] == '\0')
		frac[0] = '\0';
	snprintf(buf, len, "%s%lld%s%s", head, (long long)whole, frac, name);
}

/* The block `ollama run --verbose` prints, plus the time to first token. */
static void
cmd_run_print_stats(FILE *f, const struct mlxd_gen_stats *st)
{
	char	 d[64];

	cmd_run_duration(d, sizeof d, st->total_duration_ns);
	fprintf(f, "total duration:       %s\n", d);
	cmd_run_duration(d, sizeof d, st->load_duration_ns);
	fprintf(f, "load duration:        %s\n", d);
	if (st->prompt_eval_count != MLXD_NULL_INT64)
		fprintf(f, "prompt eval count:    %" PRId64 " token(s)\n",
		    st->prompt_eval_count);
	else
		fprintf(f, "prompt eval count:    -\n");
	cmd_run_duration(d, sizeof d, st->prompt_eval_duration_ns);
	fprintf(f, "prompt eval duration: %s\n", d);
	if (!isnan(st->prompt_tps))
		fprintf(f, "prompt eval rate:     %.2f tokens/s\n",
		    st->prompt_tps);
	else
		fprintf(f, "prompt eval rate:     -\n");
	if (st->eval_count != MLXD_NULL_INT64)
		fprintf(f, "eval count:           %" PRId64 " token(s)\n",
		    st->eval_count);
	else
		fprintf(f, "eval count:           -\n");
	cmd_run_duration(d, sizeof d, st->eval_duration_ns);
	fprintf(f, "eval duration:        %s\n", d);
	if (!isnan(st->gen_tps))
		fprintf(f, "eval rate:            %.2f tokens/s\n",
		    st->gen_tps);
	else
		fprintf(f, "eval rate:            -\n");
	cmd_run_duration(d, sizeof d, st->ttft_ns);
	fprintf(f, "time to first token:  %s\n", d);
}

static void
cmd_run_buf_add(struct cmd_run_buf *b, const char *p, size_t n)
{
	size_t	 ncap;
	char	*d;

	if (b->len + n + 1 > b->cap) {
		ncap = b->cap == 0 ? 256 : b->cap;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		if ((d = realloc(b->data, ncap)) == NULL)
			output_oom();
		b->data = d;
		b->cap = ncap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void
cmd_run_buf_str(struct cmd_run_buf *b, const char *s)
{
	cmd_run_buf_add(b, s, strlen(s));
}

/* Append n bytes of s as a JSON string, quotes included. */
static void
cmd_run_buf_json(struct cmd_run_buf *b, const char *s, size_t n)
{
	char		 esc[8];
	unsigned char	 ch;
	size_t		 i;

	cmd_run_buf_add(b, "\"", 1);
	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\') {
			esc[0] = '\\';
			esc[1] = (char)ch;
			cmd_run_buf_add(b, esc, 2);
		} else if (ch == '\n')
			cmd_run_buf_add(b, "\\n", 2);
		else if (ch == '\r')
			cmd_run_buf_add(b, "\\r", 2);
		else if (ch == '\t')
			cmd_run_buf_add(b, "\\t", 2);
		else if (ch < 0x20 || ch == 0x7f) {
			snprintf(esc, sizeof esc, "\\u%04x", ch);
			cmd_run_buf_add(b, esc, 6);
		} else
			cmd_run_buf_add(b, s + i, 1);
	}
	cmd_run_buf_add(b, "\"", 1);
}

/* The options object, or nothing when no option is set. */
static void
cmd_run_buf_options(struct cmd_run_buf *b, long long num_predict)
{
	char	 num[64];

	if (num_predict == LLONG_MIN)
		return;
	snprintf(num, sizeof num, ",\"options\":{\"num_predict\":%lld}",
	    num_predict);
	cmd_run_buf_str(b, num);
}

/* mlxd_chunk_cb: print one line of the stream. */
static int
cmd_run_chunk(void *arg, const struct mlxd_chunk *ch)
{
	struct cmd_run_out	*o = arg;

	if (o->json) {
		fwrite(ch->line, 1, ch->line_len, stdout);
		fputc('\n', stdout);
		fflush(stdout);
		return 0;
	}
	if (ch->thinking_len > 0) {
		if (!o->thinking) {
			fputs("Thinking...\n", stderr);
			o->thinking = true;
		}
		fwrite(ch->thinking, 1, ch->thinking_len, stderr);
		fflush(stderr);
	}
	if (ch->content_len > 0) {
		if (o->thinking) {
			fputs("\n...done thinking.\n\n", stderr);
			o->thinking = false;
		}
		fwrite(ch->content, 1, ch->content_len, stdout);
		fflush(stdout);
		o->at_bol = ch->content[ch->content_len - 1] == '\n';
		if (o->answer != NULL)
			cmd_run_buf_add(o->answer, ch->content,
			    ch->content_len);
	}
	return 0;
}

/* End the streamed text with a newline; close an open thinking block. */
static void
cmd_run_finish(struct cmd_run_out *o)
{
	if (o->json)
		return;
	if (o->thinking) {
		fputs("\n...done thinking.\n\n", stderr);
		o->thinking = false;
	}
	if (!o->at_bol) {
		fputc('\n', stdout);
		o->at_bol = true;
	}
	fflush(stdout);
}

/* Read all of standard input as the prompt. */
static char *
cmd_run_read_stdin(void)
{
	struct cmd_run_buf	 b;
	char			 chunk[4096];
	size_t			 n;

	memset(&b, 0, sizeof b);
	cmd_run_buf_add(&b, "", 0);
	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
		cmd_run_buf_add(&b, chunk, n);
	return b.data;
}

static int
cmd_run_exec(struct mlxctl *m, int argc, char **argv)
{
	const char		*system = NULL, *np = NULL;
	bool			 json = false;
	const struct cmd_run_opt opts[] = {
		{ "system", 's', true, &system, NULL, NULL, NULL },
		{ "num-predict", 'n', true, &np, NULL, NULL, NULL },
		{ "json", 'j', false, NULL, &json, NULL, NULL },
		{ NULL, 0, false, NULL, NULL, NULL, NULL },
	};
	struct cmd_run_buf	 body, prompt;
	struct cmd_run_out	 out;
	struct mlxd_gen_stats	 st;
	char			**pos = NULL, *input = NULL;
	long long		 num_predict = LLONG_MIN;
	int			 npos = 0, i, rc, ret;

	memset(&body, 0, sizeof body);
	memset(&prompt, 0, sizeof prompt);
	if ((pos = calloc((size_t)argc + 1, sizeof *pos)) == NULL)
		output_oom();
	if ((ret = cmd_run_args(&cmd_run_entry, opts, argc, argv, pos,
	    &npos)) != MLXCTL_EXIT_OK)
		goto out;
	if (np != NULL && (ret = cmd_run_number(&cmd_run_entry,
	    "--num-predict", np, -2, INT_MAX, &num_predict)) != MLXCTL_EXIT_OK)
		goto out;
	ret = MLXCTL_EXIT_USAGE;
	if (npos < 1 || *pos[0] == '\0') {
		mlxctl_usage_error(&cmd_run_entry);
		goto out;
	}
	/* Like `ollama run`: the words of the prompt, or standard input. */
	for (i = 1; i < npos; i++) {
		if (i > 1)
			cmd_run_buf_add(&prompt, " ", 1);
		cmd_run_buf_str(&prompt, pos[i]);
	}
	if (npos == 1) {
		if (isatty(STDIN_FILENO)) {
			fprintf(stderr, "mlxctl run: no prompt (give it as "
			    "an argument or on standard input)\n");
			mlxctl_usage_error(&cmd_run_entry);
			goto out;
		}
		input = cmd_run_read_stdin();
		cmd_run_buf_str(&prompt, input);
	}

	cmd_run_buf_str(&body, "{\"model\":");
	cmd_run_buf_json(&body, pos[0], strlen(pos[0]));
	cmd_run_buf_str(&body, ",\"prompt\":");
	cmd_run_buf_json(&body, prompt.data != NULL ? prompt.data : "",
	    prompt.len);
	if (system != NULL) {
		cmd_run_buf_str(&body, ",\"system\":");
		cmd_run_buf_json(&body, system, strlen(system));
	}
	cmd_run_buf_options(&body, num_predict);
	cmd_run_buf_str(&body, "}");

	memset(&out, 0, sizeof out);
	out.json = json || m->json;
	out.at_bol = true;
	/* A large model can take minutes to load before the first byte. */
	mlxd_client_set_timeout_ms(m->client, 0);
	mlxd_gen_stats_init(&st);
	rc = mlxd_generate(m->client, body.data, cmd_run_chunk, &out, &st);
	cmd_run_finish(&out);
	if (rc != 0) {
		ret = mlxctl_fail(m, rc);
		goto out;
	}
	if (!out.json) {
		fflush(stdout);
		fputc('\n', stderr);
		cmd_run_print_stats(stderr, &st);
	}
	ret = MLXCTL_EXIT_OK;
out:
	free(input);
	free(prompt.data);
	free(body.data);
	free(pos);
	return ret;
}

/* The chat request: the model, the whole history, the options. */
static void
cmd_run_chat_body(struct cmd_run_buf *b, const char *model,
    const struct cmd_run_msg *msgs, size_t n, long long num_predict)
{
	size_t	 i;

	b->len = 0;
	cmd_run_buf_str(b, "{\"model\":");
	cmd_run_buf_json(b, model, strlen(model));
	cmd_run_buf_str(b, ",\"messages\":[");
	for (i = 0; i < n; i++) {
		cmd_run_buf_str(b, i > 0 ? ",{\"role\":" : "{\"role\":");
		cmd_run_buf_json(b, msgs[i].role, strlen(msgs[i].role));
		cmd_run_buf_str(b, ",\"content\":");
		cmd_run_buf_json(b, msgs[i].content, msgs[i].len);
		cmd_run_buf_str(b, "}");
	}
	cmd_run_buf_str(b, "]");
	cmd_run_buf_options(b, num_predict);
	cmd_run_buf_str(b, "}");
}

static void
cmd_run_msg_add(struct cmd_run_msg **msgsp, size_t *np, size_t *capp,
    const char *role, const char *text, size_t len)
{
	struct cmd_run_msg	*m;
	size_t			 ncap;

	if (*np == *capp) {
		ncap = *capp == 0 ? 8 : *capp * 2;
		if ((m = realloc(*msgsp, ncap * sizeof *m)) == NULL)
			output_oom();
		*msgsp = m;
		*capp = ncap;
	}
	m = &(*msgsp)[*np];
	m->role = role;
	if ((m->content = malloc(len + 1)) == NULL)
		output_oom();
	memcpy(m->content, text, len);
	m->content[len] = '\0';
	m->len = len;
	(*np)++;
}

static void
cmd_run_msgs_trim(struct cmd_run_msg *msgs, size_t *np, size_t keep)
{
	while (*np > keep)
		free(msgs[--*np].content);
}

static int
cmd_run_chat_exec(struct mlxctl *m, int argc, char **argv)
{
	const char		*system = NULL, *np = NULL;
	bool			 json = false, verbose = false, tty;
	const struct cmd_run_opt opts[] = {
		{ "system", 's', true, &system, NULL, NULL, NULL },
		{ "num-predict", 'n', true, &np, NULL, NULL, NULL },
		{ "verbose", 'v', false, NULL, &verbose, NULL, NULL },
		{ "json", 'j', false, NULL, &json, NULL, NULL },
		{ NULL, 0, false, NULL, NULL, NULL, NULL },
	};
	struct cmd_run_msg	*msgs = NULL;
	struct cmd_run_buf	 body, answer;
	struct cmd_run_out	 out;
	struct mlxd_gen_stats	 st;
	char			**pos = NULL, *line = NULL;
	size_t			 nmsgs = 0, cap = 0, linecap = 0, base = 0;
	ssize_t			 n;
	long long		 num_predict = LLONG_MIN;
	int			 npos = 0, rc, ret, status;

	memset(&body, 0, sizeof body);
	memset(&answer, 0, sizeof answer);
	if ((pos = calloc((size_t)argc + 1, sizeof *pos)) == NULL)
		output_oom();
	if ((ret = cmd_run_args(&cmd_chat_entry, opts, argc, argv, pos,
	    &npos)) != MLXCTL_EXIT_OK)
		goto out;
	if (np != NULL && (ret = cmd_run_number(&cmd_chat_entry,
	    "--num-predict", np, -2, INT_MAX, &num_predict)) != MLXCTL_EXIT_OK)
		goto out;
	if (npos != 1 || *pos[0] == '\0') {
		ret = mlxctl_usage_error(&cmd_chat_entry);
		goto out;
	}
	if (system != NULL) {
		cmd_run_msg_add(&msgs, &nmsgs, &cap, "system", system,
		    strlen(system));
		base = 1;
	}
	tty = isatty(STDIN_FILENO);
	if (tty)
		printf("Chatting with %s through mlxd. /bye or Ctrl-D ends, "
		    "/clear forgets the conversation.\n", pos[0]);
	mlxd_client_set_timeout_ms(m->client, 0);
	ret = MLXCTL_EXIT_OK;
	for (;;) {
		if (tty) {
			printf(">>> ");
			fflush(stdout);
		}
		if ((n = getline(&line, &linecap, stdin)) < 0)
			break;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		if (strcmp(line, "/bye") == 0)
			break;
		if (strcmp(line, "/clear") == 0) {
			cmd_run_msgs_trim(msgs, &nmsgs, base);
			printf("Cleared the conversation.\n");
			continue;
		}
		cmd_run_msg_add(&msgs, &nmsgs, &cap, "user", line, (size_t)n);
		cmd_run_chat_body(&body, pos[0], msgs, nmsgs, num_predict);
		memset(&out, 0, sizeof out);
		out.json = json || m->json;
		out.at_bol = true;
		answer.len = 0;
		cmd_run_buf_add(&answer, "", 0);
		out.answer = &answer;
		mlxd_gen_stats_init(&st);
		rc = mlxd_chat(m->client, body.data, cmd_run_chunk, &out, &st);
		cmd_run_finish(&out);
		if (rc != 0) {
			/* This turn is forgotten; the conversation goes on. */
			cmd_run_msgs_trim(msgs, &nmsgs, nmsgs - 1);
			status = mlxd_client_last_status(m->client);
			ret = mlxctl_fail(m, rc);
			/* Only an error in the middle of an answer is worth retrying. */
			if (rc != MLXD_EAPI || status < 200 || status > 299)
				break;
			continue;
		}
		cmd_run_msg_add(&msgs, &nmsgs, &cap, "assistant", answer.data,
		    answer.len);
		if (verbose && !out.json) {
			fputc('\n', stderr);
			cmd_run_print_stats(stderr, &st);
		}
		if (tty)
			printf("\n");
	}
	if (tty && ret == MLXCTL_EXIT_OK && n < 0)
		printf("\n");
out:
	cmd_run_msgs_trim(msgs, &nmsgs, 0);
	free(msgs);
	free(line);
	free(answer.data);
	free(body.data);
	free(pos);
	return ret;
}

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.alias = NULL,
	.usage = "MODEL [PROMPT...] [--system S] [--num-predict N] [--json]",
	.help = "generate an answer through mlxd and show Ollama's figures",
	.exec = cmd_run_exec,
	.complete = "models",
};

const struct cmd_entry cmd_chat_entry = {
	.name = "chat",
	.alias = NULL,
	.usage = "MODEL [--system S] [--num-predict N] [--verbose] [--json]",
	.help = "chat with a model (lines from standard input; /bye ends)",
	.exec = cmd_run_chat_exec,
	.complete = "models",
};
