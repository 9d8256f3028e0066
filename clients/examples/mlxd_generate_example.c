/* SPDX-License-Identifier: ISC */
/*
 * mlxd_generate_example.c: stream one answer through mlxd with libmlxd and
 * print Ollama's figures for it.
 *
 * Build against an installed libmlxd with:
 *	cc mlxd_generate_example.c $(pkg-config --cflags --libs libmlxd)
 * Usage: mlxd_generate_example MODEL PROMPT [socket-path]
 * The prompt is inserted into the JSON body as is, so keep it free of
 * quotes and backslashes (or build the body with a JSON library).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <mlxd/mlxd.h>

/* Print each piece of the answer as it arrives. */
static int
on_chunk(void *arg, const struct mlxd_chunk *ch)
{
	(void)arg;
	fwrite(ch->content, 1, ch->content_len, stdout);
	fflush(stdout);
	return 0;
}

int
main(int argc, char **argv)
{
	struct mlxd_client	*c = NULL;
	struct mlxd_gen_stats	 st;
	char			 body[4096];
	int			 rc;

	if (argc < 3) {
		fprintf(stderr, "usage: %s MODEL PROMPT [socket-path]\n",
		    argv[0]);
		return 2;
	}
	if ((rc = mlxd_client_new(argc > 3 ? argv[3] : NULL, &c)) != 0) {
		fprintf(stderr, "client: %s\n", mlxd_strerror(rc));
		return 1;
	}
	/* Loading a large model can take longer than the default timeout. */
	mlxd_client_set_timeout_ms(c, 0);
	snprintf(body, sizeof body, "{\"model\":\"%s\",\"prompt\":\"%s\"}",
	    argv[1], argv[2]);
	mlxd_gen_stats_init(&st);
	if ((rc = mlxd_generate(c, body, on_chunk, NULL, &st)) != 0) {
		fprintf(stderr, "\ngenerate: %s%s%s\n", mlxd_strerror(rc),
		    mlxd_client_last_error(c) != NULL ? ": " : "",
		    mlxd_client_last_error(c) != NULL ?
		    mlxd_client_last_error(c) : "");
		mlxd_client_free(c);
		return 1;
	}
	/* Figures Ollama did not send are MLXD_NULL_INT64 or NAN. */
	if (st.eval_count == MLXD_NULL_INT64 || isnan(st.gen_tps)) {
		printf("\n\n(Ollama did not report the generation counters)\n");
		mlxd_client_free(c);
		return 0;
	}
	printf("\n\n");
	printf("load:            %.1f ms\n", st.load_ms);
	printf("prompt tokens:   %lld at %.2f tokens/s\n",
	    (long long)st.prompt_eval_count, st.prompt_tps);
	printf("generated:       %lld at %.2f tokens/s\n",
	    (long long)st.eval_count, st.gen_tps);
	printf("first token in:  %.1f ms\n", st.ttft_ms);
	printf("total:           %.1f ms (%s)\n", st.total_ms,
	    st.done_reason[0] != '\0' ? st.done_reason : "?");
	mlxd_client_free(c);
	return 0;
}
