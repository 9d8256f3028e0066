/* SPDX-License-Identifier: ISC */
/*
 * test_menubar.c: the menu-bar plugin's title and dropdown
 * (clients/menubar/menubar.c) for each state the daemon can be in, and for
 * each host (SwiftBar, xbar, Argos) and appearance.
 *
 * States come from canned /v1/status and /v1/metrics replies read with
 * libmlxd's own parsers (mlxd_status_parse, mlxd_metrics_parse), so the
 * test also covers how the SDK reads the generation, benchmark and system
 * sections. Output is rendered into a memory stream and checked line by
 * line; one state is compared whole.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mlxd/mlxd.h>

#include "menubar.h"

/* 2026-11-28T03:00:00Z */
#define NOW	1795834800000LL

#define DAEMON	"\"api_version\":1,\"daemon\":{\"version\":\"0.1.0\"," \
		"\"api_version\":1,\"pid\":42,\"uptime_s\":5}"

#define LLAMA	"{\"name\":\"llama3.2:latest\",\"model\":\"llama3.2:latest\"," \
		"\"size_bytes\":3154116608,\"vram_bytes\":3154116608," \
		"\"parameter_size\":\"3.2B\",\"quantization_level\":\"Q4_K_M\"," \
		"\"context_length\":4096," \
		"\"expires_at\":\"2026-11-28T03:04:00.000Z\"}"

#define HFMODEL	"{\"name\":\"hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q8_0\"," \
		"\"size_bytes\":1500000000,\"vram_bytes\":null," \
		"\"parameter_size\":\"1.2B\",\"quantization_level\":\"Q8_0\"}"

#define SYSTEM(thermal, level) \
		"{\"t\":\"2026-11-28T03:00:00.000Z\",\"memory\":{" \
		"\"total_bytes\":24000000000,\"used_bytes\":12000000000," \
		"\"pressure_level\":0,\"pressure\":\"normal\"}," \
		"\"cpu\":{\"utilization_pct\":61.2,\"clusters\":{\"E\":30.4," \
		"\"P\":70.6},\"load_average\":{\"1m\":1.5,\"5m\":1.0," \
		"\"15m\":0.5}},\"gpu\":{\"utilization_pct\":35.0}," \
		"\"power_watts\":{\"cpu\":3.2,\"gpu\":9.25,\"ane\":0.0," \
		"\"dram\":null,\"system\":null},\"thermal\":{" \
		"\"pressure_level\":" level ",\"pressure\":" thermal "," \
		"\"cpu_celsius\":45.2,\"gpu_celsius\":null}}"

static const char status_ollama_down[] = "{" DAEMON ","
    "\"ollama\":{\"url\":\"http://127.0.0.1:11434\",\"connected\":false,"
    "\"version\":null,\"last_error\":\"connection refused\","
    "\"running\":[]},\"system\":" SYSTEM("\"nominal\"", "0") "}";

static const char status_idle[] = "{" DAEMON ","
    "\"ollama\":{\"url\":\"http://127.0.0.1:11434\",\"connected\":true,"
    "\"version\":\"0.32.15\",\"running\":[]},"
    "\"system\":" SYSTEM("\"nominal\"", "0") ","
    "\"generation\":{\"active\":[],\"last\":null},"
    "\"benchmark\":{\"active\":null}}";

static const char status_loaded[] = "{" DAEMON ","
    "\"ollama\":{\"url\":\"http://127.0.0.1:11434\",\"connected\":true,"
    "\"version\":\"0.32.15\",\"running\":[" LLAMA "]},"
    "\"system\":" SYSTEM("\"nominal\"", "0") ","
    "\"generation\":{\"active\":[],\"last\":{\"id\":7,"
    "\"model\":\"llama3.2:latest\",\"route\":\"/api/chat\","
    "\"ttft_ms\":105.4,\"prompt_tokens\":42,\"prompt_tokens_per_s\":812.34,"
    "\"tokens\":128,\"tokens_per_s\":51.93,\"load_ms\":0.0,"
    "\"total_ms\":2730.0,\"done_reason\":\"stop\",\"error\":null}},"
    "\"benchmark\":{\"active\":null}}";

/* Older daemon: no generation or benchmark section, two models. */
static const char status_two_models[] = "{" DAEMON ","
    "\"ollama\":{\"url\":\"http://127.0.0.1:11434\",\"connected\":true,"
    "\"version\":\"0.32.15\",\"running\":[" HFMODEL "," LLAMA "]}}";

static const char status_generating[] = "{" DAEMON ","
    "\"ollama\":{\"url\":\"http://127.0.0.1:11434\",\"connected\":true,"
    "\"version\":\"0.32.15\",\"running\":[" LLAMA "]},"
    "\"system\":" SYSTEM("\"nominal\"", "0") ","
    "\"generation\":{\"active\":[{\"id\":8,\"model\":\"llama3.2\","
    "\"route\":\"/api/generate\",\"client\":\"curl/8.0\",\"chunks\":20,"
    "\"tokens_per_s\":52.34,\"ttft_ms\":99.0},{\"id\":9,"
    "\"model\":\"llama3.2\",\"route\":\"/api/chat\",\"chunks\":0,"
    "\"tokens_per_s\":null,\"ttft_ms\":null}],\"last\":null},"
    "\"benchmark\":{\"active\":{\"id\":\"b1\",\"model\":\"qwen3:8b\","
    "\"suite\":\"quick\",\"state\":\"running\",\"percent\":45.0,"
    "\"eta_s\":30.2,\"test\":\"short\",\"repetition\":2}}}";

static const char status_starting[] = "{" DAEMON ","
    "\"ollama\":{\"url\":\"http://127.0.0.1:11434\",\"connected\":true,"
    "\"version\":\"0.32.15\",\"running\":[" LLAMA "]},"
    "\"generation\":{\"active\":[{\"id\":9,\"model\":\"llama3.2\","
    "\"tokens_per_s\":null}],\"last\":null}}";

static const char metrics_moderate[] = SYSTEM("\"moderate\"", "1");
static const char metrics_heavy[] = SYSTEM("\"heavy\"", "2");

static const char *const	 open_argv[] = { "/usr/bin/open", "-t", NULL };
static const char *const	 start_argv[] = {
	"/usr/bin/systemctl", "--user", "start", "mlxd", NULL
};

static void
opts_init(struct menubar_opts *o, enum menubar_host host,
    enum menubar_appearance app)
{
	memset(o, 0, sizeof *o);
	o->host = host;
	o->appearance = app;
	o->mlxctl = "/usr/local/bin/mlxctl";
	o->open_argv = open_argv;
	o->start_argv = start_argv;
	o->now_ms = NOW;
}

static struct mlxd_status *
status_of(const char *json)
{
	struct mlxd_status	*st = NULL;

	assert_int_equal(mlxd_status_parse(json, strlen(json), &st), 0);
	assert_non_null(st);
	return st;
}

/* Render and return the text; the caller frees it. */
static char *
render(const struct menubar_opts *o, const struct menubar_state *s)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f;

	f = open_memstream(&buf, &len);
	assert_non_null(f);
	menubar_print(f, o, s);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* The first line of text, without its newline, in a static buffer. */
static const char *
first_line(const char *text)
{
	static char	 line[256];
	size_t		 n = strcspn(text, "\n");

	snprintf(line, sizeof line, "%.*s", (int)n, text);
	return line;
}

/* Whether text has a line that is exactly line. */
static bool
has_line(const char *text, const char *line)
{
	const char	*p = text;
	size_t		 n = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' ||
		    p[n] == '\0'))
			return true;
		p++;
	}
	return false;
}

static void
assert_line(const char *text, const char *line)
{
	if (!has_line(text, line))
		fail_msg("no line \"%s\" in:\n%s", line, text);
}

static void
test_short_name(void **state)
{
	char	 b[128];

	(void)state;
	menubar_short_name(b, sizeof b, "llama3.2:latest");
	assert_string_equal(b, "llama3.2");
	menubar_short_name(b, sizeof b, "qwen3:8b");
	assert_string_equal(b, "qwen3:8b");
	menubar_short_name(b, sizeof b,
	    "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q8_0");
	assert_string_equal(b, "Llama-3.2-1B-Instruct-GGUF:Q8_0");
	menubar_short_name(b, sizeof b, "library/mistral:latest");
	assert_string_equal(b, "mistral");
	menubar_short_name(b, sizeof b, NULL);
	assert_string_equal(b, "?");
}

static void
test_mlxd_down(void **state)
{
	struct menubar_opts	 o;
	struct menubar_state	 s;
	char			*out;

	(void)state;
	opts_init(&o, MENUBAR_HOST_XBAR, MENUBAR_APPEARANCE_UNKNOWN);
	memset(&s, 0, sizeof s);
	s.err = MLXD_ENODAEMON;
	s.socket_path = "/run/user/1000/mlxd/mlxd.sock";
	out = render(&o, &s);
	assert_string_equal(out,
	    "\xe2\x9a\xa0 mlxd\n"
	    "---\n"
	    "mlxd is not running | color=#d70015\n"
	    "Socket: /run/user/1000/mlxd/mlxd.sock | color=#6e6e73\n"
	    "Start mlxd | bash=/usr/bin/systemctl param1=--user param2=start "
	    "param3=mlxd terminal=false refresh=true\n"
	    "Refresh | refresh=true\n");
	free(out);

	/* Another failure: its message, and no start item. */
	s.err = MLXD_EVERSION;
	s.err_detail = "mlxd speaks API version 2, this client speaks version 1";
	out = render(&o, &s);
	assert_string_equal(first_line(out), "\xe2\x9a\xa0 mlxd");
	assert_line(out, "mlxd: mlxd speaks API version 2, this client speaks "
	    "version 1 | color=#d70015");
	assert_null(strstr(out, "Start mlxd"));
	free(out);
}

static void
test_ollama_down(void **state)
{
	struct menubar_opts	 o;
	struct menubar_state	 s;
	struct mlxd_status	*st = status_of(status_ollama_down);
	char			*out;

	(void)state;
	opts_init(&o, MENUBAR_HOST_XBAR, MENUBAR_APPEARANCE_LIGHT);
	memset(&s, 0, sizeof s);
	s.status = st;
	out = render(&o, &s);
	assert_string_equal(first_line(out), "\xe2\x97\x8b");
	assert_line(out, "Ollama is not running | color=#d70015");
	assert_line(out, "connection refused | color=#6e6e73");
	assert_line(out, "http://127.0.0.1:11434 | color=#6e6e73");
	/* The machine's figures still show: mlxd samples them. */
	assert_line(out, "GPU 35%");
	/* No model, so no benchmark action; the monitor action stays. */
	assert_null(strstr(out, "param1=bench"));
	assert_line(out, "Live monitor and history | "
	    "bash=/usr/local/bin/mlxctl param1=top terminal=true");
	free(out);
	mlxd_status_free(st);
}

static void
test_idle(void **state)
{
	struct menubar_opts	 o;
	struct menubar_state	 s;
	struct mlxd_status	*st = status_of(status_idle);
	char			 title[MENUBAR_TITLE_LEN];
	char			*out;

	(void)state;
	assert_true(st->generation.present);
	assert_int_equal(st->generation.nactive, 0);
	assert_null(st->generation.last);
	assert_true(st->benchmark.present);
	assert_null(st->benchmark.active);
	opts_init(&o, MENUBAR_HOST_XBAR, MENUBAR_APPEARANCE_LIGHT);
	memset(&s, 0, sizeof s);
	s.status = st;
	s.config_file = "/home/me/.config/mlxd/config.yaml";
	menubar_title(title, sizeof title, &s);
	assert_string_equal(title, "\xe2\x97\x8f");
	out = render(&o, &s);
	assert_line(out, "Ollama 0.32.15");
	assert_line(out, "No model loaded | color=#6e6e73");
	assert_line(out, "Edit config | bash=/usr/bin/open param1=-t "
	    "param2=/home/me/.config/mlxd/config.yaml terminal=false");
	free(out);

	/* /dev/null is no config file to edit. */
	s.config_file = "/dev/null";
	out = render(&o, &s);
	assert_null(strstr(out, "Edit config"));
	free(out);
	mlxd_status_free(st);
}

/* One state in full, as xbar gets it in light mode. */
static void
test_loaded_xbar(void **state)
{
	struct menubar_opts	 o;
	struct menubar_state	 s;
	struct mlxd_status	*st = status_of(status_loaded);
	char			*out;

	(void)state;
	opts_init(&o, MENUBAR_HOST_XBAR, MENUBAR_APPEARANCE_UNKNOWN);
	memset(&s, 0, sizeof s);
	s.status = st;
	s.config_file = "/Users/me/Library/Application Support/mlxd/config.yaml";
	out = render(&o, &s);
	assert_string_equal(out,
	    "llama3.2\n"
	    "---\n"
	    "Ollama 0.32.15\n"
	    "llama3.2:latest \xc2\xb7 3.2B Q4_K_M \xc2\xb7 3.2 GB VRAM\n"
	    "--Memory 3.2 GB, 3.2 GB in VRAM\n"
	    "--Context 4096\n"
	    "--unloads in 4 min\n"
	    "Last \xc2\xb7 llama3.2 \xc2\xb7 51.9 tok/s \xc2\xb7 128 tokens\n"
	    "--Time to first token 105 ms\n"
	    "--Prompt 42 tokens at 812.3 tok/s\n"
	    "--Load 0 ms\n"
	    "--Total 2.73 s\n"
	    "--Finished (stop)\n"
	    "---\n"
	    "Memory \xe2\x96\xb0\xe2\x96\xb0\xe2\x96\xb0\xe2\x96\xb0\xe2\x96\xb0"
	    "\xe2\x96\xb1\xe2\x96\xb1\xe2\x96\xb1\xe2\x96\xb1\xe2\x96\xb1 50% "
	    "\xc2\xb7 12.0 GB / 24.0 GB | font=Menlo\n"
	    "GPU 35%\n"
	    "CPU 61% (E 30% \xc2\xb7 P 71%)\n"
	    "Power 12.4 W (CPU 3.2 \xc2\xb7 GPU 9.2)\n"
	    "Thermal nominal (CPU 45 \xc2\xb0" "C \xc2\xb7 GPU n/a)\n"
	    "---\n"
	    "Benchmark llama3.2 | bash=/usr/local/bin/mlxctl param1=bench "
	    "param2=llama3.2:latest terminal=true\n"
	    "Live monitor and history | bash=/usr/local/bin/mlxctl "
	    "param1=top terminal=true\n"
	    "Edit config | bash=/usr/bin/open param1=-t "
	    "param2=\"/Users/me/Library/Application Support/mlxd/config.yaml\" "
	    "terminal=false\n"
	    "Preferences\n"
	    "--Ollama: http://127.0.0.1:11434\n"
	    "--Use the local Ollama | bash=/usr/local/bin/mlxctl param1=config "
	    "param2=set param3=ollama.url param4=http://127.0.0.1:11434 "
	    "terminal=false refresh=true\n"
	    "--Other Ollama URL... | bash=/usr/local/bin/mlxctl param1=config "
	    "param2=set param3=ollama.url terminal=true refresh=true\n"
	    "--Refresh every 1 s | bash=/usr/local/bin/mlxctl param1=config "
	    "param2=set param3=ollama.poll_interval_ms param4=1000 "
	    "terminal=false refresh=true\n"
	    "--Refresh every 2 s | bash=/usr/local/bin/mlxctl param1=config "
	    "param2=set param3=ollama.poll_interval_ms param4=2000 "
	    "terminal=false refresh=true\n"
	    "--Refresh every 5 s | bash=/usr/local/bin/mlxctl param1=config "
	    "param2=set param3=ollama.poll_interval_ms param4=5000 "
	    "terminal=false refresh=true\n"
	    "--Launch at login | bash=/usr/local/bin/mlxctl param1=service "
	    "param2=install terminal=false refresh=true\n"
	    "Refresh | refresh=true\n");
	free(out);

	/* The current choices are ticked: polled every 2 s, launched at
	 * login (then the item uninstalls). */
	s.poll_ms = 2000;
	o.login_item = 1;
	out = render(&o, &s);
	assert_non_null(strstr(out, "--\xe2\x9c\x93 Refresh every 2 s |"));
	assert_non_null(strstr(out, "--Refresh every 1 s |"));
	assert_non_null(strstr(out, "--\xe2\x9c\x93 Launch at login | "
	    "bash=/usr/local/bin/mlxctl param1=service param2=uninstall"));
	free(out);
	s.poll_ms = 0;
	o.login_item = 0;

	/* A socket given to mlxbar is passed on to mlxctl. */
	o.socket = "/tmp/t/mlxd.sock";
	out = render(&o, &s);
	assert_line(out, "Live monitor and history | bash=/usr/local/bin/mlxctl "
	    "param1=--socket param2=/tmp/t/mlxd.sock param3=top terminal=true");
	free(out);
	mlxd_status_free(st);
}

static void
test_two_models_old_daemon(void **state)
{
	struct menubar_opts	 o;
	struct menubar_state	 s;
	struct mlxd_status	*st = status_of(status_two_models);
	char			*out;

	(void)state;
	assert_false(st->generation.present);
	assert_false(st->benchmark.present);
	assert_null(st->system);
	opts_init(&o, MENUBAR_HOST_XBAR, MENUBAR_APPEARANCE_LIGHT);
	memset(&s, 0, sizeof s);
	s.status = st;
	out = render(&o, &s);
	assert_string_equal(first_line(out),
	    "Llama-3.2-1B-Instruct-GGUF:Q8_0 +1");
	assert_line(out, "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q8_0 "
	    "\xc2\xb7 1.2B Q8_0 \xc2\xb7 n/a VRAM");
	assert_null(strstr(out, "Last "));
	assert_null(strstr(out, "Memory \xe2\x96"));
	/* One benchmark action per loaded model. */
	assert_line(out, "Benchmark Llama-3.2-1B-Instruct-GGUF:Q8_0 | "
	    "bash=/usr/local/bin/mlxctl param1=bench "
	    "param2=hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q8_0 "
	    "terminal=true");
	assert_line(out, "Benchmark llama3.2 | bash=/usr/local/bin/mlxctl "
	    "param1=bench param2=llama3.2:latest terminal=true");
	free(out);
	mlxd_status_free(st);
}

static void
test_generating(void **state)
{
	struct menubar_opts	 o;
	struct menubar_state	 s;
	struct mlxd_status	*st = status_of(status_generating);
	char			*out;

	(void)state;
	assert_int_equal(st->generation.nactive, 2);
	assert_int_equal(st->generation.active[0].id, 8);
	assert_int_equal(st->generation.active[0].chunks, 20);
	assert_true(isnan(st->generation.active[1].tokens_per_s));
	assert_non_null(st->benchmark.active);
	assert_string_equal(st->benchmark.active->suite, "quick");
	assert_int_equal(st->benchmark.active->repetition, 2);
	opts_init(&o, MENUBAR_HOST_SWIFTBAR, MENUBAR_APPEARANCE_UNKNOWN);
	memset(&s, 0, sizeof s);
	s.status = st;
	out = render(&o, &s);
	/* Rates of all running generations add up; unknown ones count 0. */
	assert_string_equal(first_line(out), "52 tok/s");
	assert_line(out, "Generating \xc2\xb7 llama3.2 \xc2\xb7 52.3 tok/s | "
	    "color=#248a3d,#30d158 sfimage=bolt.horizontal");
	assert_line(out, "Generating \xc2\xb7 llama3.2 \xc2\xb7 n/a | "
	    "color=#248a3d,#30d158 sfimage=bolt.horizontal");
	assert_line(out, "Benchmark \xc2\xb7 qwen3:8b \xc2\xb7 45% \xc2\xb7 "
	    "30 s left | color=#c93400,#ffb340 sfimage=stopwatch");
	free(out);
	mlxd_status_free(st);

	/* Before the first tokens there is no rate yet. */
	st = status_of(status_starting);
	s.status = st;
	out = render(&o, &s);
	assert_string_equal(first_line(out), "\xe2\x80\xa6 tok/s");
	free(out);
	mlxd_status_free(st);
}

static void
test_thermal(void **state)
{
	struct menubar_opts	 o;
	struct menubar_state	 s;
	struct mlxd_status	*st = status_of(status_idle);
	struct mlxd_metrics	*mt = NULL;
	char			*out;

	(void)state;
	opts_init(&o, MENUBAR_HOST_XBAR, MENUBAR_APPEARANCE_LIGHT);
	memset(&s, 0, sizeof s);
	s.status = st;
	out = render(&o, &s);
	/* Nominal: no color. */
	assert_line(out, "Thermal nominal (CPU 45 \xc2\xb0" "C \xc2\xb7 GPU n/a)");
	free(out);

	assert_int_equal(mlxd_metrics_parse(metrics_moderate,
	    strlen(metrics_moderate), &mt), 0);
	assert_int_equal(mt->thermal.pressure_level, 1);
	s.metrics = mt;
	out = render(&o, &s);
	assert_line(out, "Thermal moderate (CPU 45 \xc2\xb0" "C \xc2\xb7 GPU n/a) "
	    "| color=#c93400");
	free(out);
	o.appearance = MENUBAR_APPEARANCE_DARK;
	out = render(&o, &s);
	assert_line(out, "Thermal moderate (CPU 45 \xc2\xb0" "C \xc2\xb7 GPU n/a) "
	    "| color=#ffb340");
	free(out);
	mlxd_metrics_free(mt);

	assert_int_equal(mlxd_metrics_parse(metrics_heavy,
	    strlen(metrics_heavy), &mt), 0);
	s.metrics = mt;
	o.host = MENUBAR_HOST_SWIFTBAR;
	out = render(&o, &s);
	assert_line(out, "Thermal heavy (CPU 45 \xc2\xb0" "C \xc2\xb7 GPU n/a) | "
	    "color=#d70015,#ff6961 sfimage=thermometer.medium");
	free(out);
	mlxd_metrics_free(mt);
	mlxd_status_free(st);
}

static void
test_dark_mode(void **state)
{
	struct menubar_opts	 o;
	struct menubar_state	 s;
	char			*out;

	(void)state;
	memset(&s, 0, sizeof s);
	s.err = MLXD_ENODAEMON;
	opts_init(&o, MENUBAR_HOST_XBAR, MENUBAR_APPEARANCE_DARK);
	out = render(&o, &s);
	assert_line(out, "mlxd is not running | color=#ff6961");
	free(out);
	opts_init(&o, MENUBAR_HOST_XBAR, MENUBAR_APPEARANCE_LIGHT);
	out = render(&o, &s);
	assert_line(out, "mlxd is not running | color=#d70015");
	free(out);
	/* SwiftBar picks from the pair itself, whatever the appearance. */
	opts_init(&o, MENUBAR_HOST_SWIFTBAR, MENUBAR_APPEARANCE_DARK);
	out = render(&o, &s);
	assert_line(out, "mlxd is not running | color=#d70015,#ff6961");
	free(out);
	/* Argos: GNOME's menus are dark unless said otherwise. */
	opts_init(&o, MENUBAR_HOST_ARGOS, MENUBAR_APPEARANCE_UNKNOWN);
	out = render(&o, &s);
	assert_line(out, "mlxd is not running | color=#ff6961");
	free(out);
}

static void
test_argos(void **state)
{
	struct menubar_opts	 o;
	struct menubar_state	 s;
	struct mlxd_status	*st = status_of(status_loaded);
	char			*out;

	(void)state;
	opts_init(&o, MENUBAR_HOST_ARGOS, MENUBAR_APPEARANCE_UNKNOWN);
	o.mlxctl = "/opt/my tools/mlxctl";
	memset(&s, 0, sizeof s);
	s.status = st;
	s.config_file = "/home/me/.config/mlxd/a&b.yaml";
	out = render(&o, &s);
	assert_string_equal(first_line(out), "llama3.2");
	/* A whole command line in bash=, arguments quoted for the shell. */
	assert_line(out, "Benchmark llama3.2 | bash=\"\\\"/opt/my "
	    "tools/mlxctl\\\" bench llama3.2:latest\" terminal=true");
	assert_line(out, "Edit config | bash=\"/usr/bin/open -t "
	    "\\\"/home/me/.config/mlxd/a&b.yaml\\\"\" terminal=false");
	assert_line(out, "Memory \xe2\x96\xb0\xe2\x96\xb0\xe2\x96\xb0\xe2\x96\xb0"
	    "\xe2\x96\xb0\xe2\x96\xb1\xe2\x96\xb1\xe2\x96\xb1\xe2\x96\xb1"
	    "\xe2\x96\xb1 50% \xc2\xb7 12.0 GB / 24.0 GB | font=monospace");
	assert_null(strstr(out, "sfimage="));
	assert_null(strstr(out, "param1="));
	free(out);
	mlxd_status_free(st);
}

static void
test_text_is_sanitised(void **state)
{
	static const char	 json[] = "{" DAEMON ",\"ollama\":{"
	    "\"connected\":true,\"version\":\"0.1\",\"running\":[{\"name\":"
	    "\"we|rd<&>\\\\x:latest\",\"vram_bytes\":0}]}}";
	struct menubar_opts	 o;
	struct menubar_state	 s;
	struct mlxd_status	*st = status_of(json);
	char			*out;

	(void)state;
	opts_init(&o, MENUBAR_HOST_XBAR, MENUBAR_APPEARANCE_LIGHT);
	memset(&s, 0, sizeof s);
	s.status = st;
	out = render(&o, &s);
	/* "|" would start the parameters: it becomes a broken bar. */
	assert_string_equal(first_line(out), "we\xc2\xa6rd<&>\\x");
	free(out);
	o.host = MENUBAR_HOST_ARGOS;
	out = render(&o, &s);
	assert_string_equal(first_line(out),
	    "we\xc2\xa6rd&lt;&amp;&gt;\\\\x");
	free(out);
	mlxd_status_free(st);
}

static const char *const	*fake_env;

static const char *
fake_getenv(const char *name)
{
	size_t	 i;

	for (i = 0; fake_env[i] != NULL; i += 2)
		if (strcmp(fake_env[i], name) == 0)
			return fake_env[i + 1];
	return NULL;
}

static void
test_detect(void **state)
{
	static const char *const	 swiftbar[] = {
		"SWIFTBAR", "1", "OS_APPEARANCE", "Dark", NULL
	};
	static const char *const	 swiftbar_light[] = {
		"SWIFTBAR", "1", "OS_APPEARANCE", "Light", NULL
	};
	static const char *const	 xbar[] = {
		"XBARDarkMode", "true", NULL
	};
	static const char *const	 xbar_light[] = {
		"XBARDarkMode", "false", NULL
	};
	static const char *const	 argos[] = {
		"ARGOS_VERSION", "2", "ARGOS_MENU_OPEN", "false", NULL
	};
	static const char *const	 none[] = { NULL };
	struct menubar_opts		 o;

	(void)state;
	memset(&o, 0, sizeof o);
	fake_env = swiftbar;
	menubar_detect(&o, fake_getenv);
	assert_int_equal(o.host, MENUBAR_HOST_SWIFTBAR);
	assert_int_equal(o.appearance, MENUBAR_APPEARANCE_DARK);
	fake_env = swiftbar_light;
	menubar_detect(&o, fake_getenv);
	assert_int_equal(o.appearance, MENUBAR_APPEARANCE_LIGHT);
	fake_env = xbar;
	menubar_detect(&o, fake_getenv);
	assert_int_equal(o.host, MENUBAR_HOST_XBAR);
	assert_int_equal(o.appearance, MENUBAR_APPEARANCE_DARK);
	fake_env = xbar_light;
	menubar_detect(&o, fake_getenv);
	assert_int_equal(o.appearance, MENUBAR_APPEARANCE_LIGHT);
	fake_env = argos;
	menubar_detect(&o, fake_getenv);
	assert_int_equal(o.host, MENUBAR_HOST_ARGOS);
	assert_int_equal(o.appearance, MENUBAR_APPEARANCE_UNKNOWN);
	fake_env = none;
	menubar_detect(&o, fake_getenv);
	assert_int_equal(o.host, MENUBAR_HOST_XBAR);
	assert_int_equal(o.appearance, MENUBAR_APPEARANCE_UNKNOWN);
}

/* The SDK's readers: system section, clusters, power and nulls. */
static void
test_sdk_parse(void **state)
{
	struct mlxd_status	*st = status_of(status_loaded);
	struct mlxd_metrics	*mt = NULL;
	const struct mlxd_metrics *sys = st->system;

	(void)state;
	assert_non_null(sys);
	assert_int_equal(sys->memory.total_bytes, 24000000000LL);
	assert_int_equal(sys->memory.wired_bytes, MLXD_NULL_INT64);
	assert_int_equal(sys->cpu.nclusters, 2);
	assert_string_equal(sys->cpu.clusters[1].label, "P");
	assert_true(fabs(sys->cpu.clusters[1].utilization_pct - 70.6) < 1e-9);
	assert_true(isnan(sys->power.dram_w));
	assert_true(fabs(mlxd_metrics_power_w(sys) - 12.45) < 1e-9);
	assert_true(fabs(mlxd_metrics_memory_pct(sys) - 50.0) < 1e-9);
	assert_int_equal(sys->thermal.pressure_level, 0);
	assert_int_equal(sys->t_ms, NOW);
	assert_non_null(st->generation.last);
	assert_int_equal(st->generation.last->id, 7);
	assert_int_equal(st->generation.last->tokens, 128);
	assert_true(isnan(st->generation.last->ended_at_ms == MLXD_NULL_INT64 ?
	    NAN : 0));
	mlxd_status_free(st);

	assert_int_equal(mlxd_metrics_parse("[1]", 3, &mt), MLXD_EPROTO);
	assert_int_equal(mlxd_metrics_parse("{", 1, &mt), MLXD_EPROTO);
	assert_int_equal(mlxd_metrics_parse("{}", 2, &mt), 0);
	assert_true(isnan(mt->cpu.utilization_pct));
	assert_int_equal(mt->thermal.pressure_level, -1);
	assert_true(isnan(mlxd_metrics_power_w(mt)));
	assert_true(isnan(mlxd_metrics_memory_pct(mt)));
	mlxd_metrics_free(mt);
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_short_name),
		cmocka_unit_test(test_mlxd_down),
		cmocka_unit_test(test_ollama_down),
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_loaded_xbar),
		cmocka_unit_test(test_two_models_old_daemon),
		cmocka_unit_test(test_generating),
		cmocka_unit_test(test_thermal),
		cmocka_unit_test(test_dark_mode),
		cmocka_unit_test(test_argos),
		cmocka_unit_test(test_text_is_sanitised),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_sdk_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
