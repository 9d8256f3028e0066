/* SPDX-License-Identifier: ISC */
/*
 * cmd_top.c: `mlxctl top`, a live full-screen view of the daemon's state.
 *
 * Two threads. A reader thread follows GET /v1/events through libmlxd and
 * keeps the latest status snapshot, the latest metrics sample and the
 * sparkline series under a mutex; when the daemon goes away it says so and
 * reconnects every second. The main thread owns the terminal: raw mode
 * (termios) and the alternate screen, a poll() on the keyboard and on a
 * self-pipe that both the reader and the signal handlers (SIGWINCH, SIGINT,
 * SIGTERM, SIGHUP) write to, and a redraw after each wake-up. The terminal
 * is restored on every way out: q, Ctrl-C, a signal, exit() (atexit), or a
 * failure. Only plain ANSI sequences are used: alternate screen, cursor
 * home, clear to end of line and below.
 *
 * `--once` skips all of that and prints one frame (80x24 unless stdout is a
 * terminal or COLUMNS/LINES say otherwise), which is what tests use.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <mlxd/mlxd.h>

#include "mlxctl.h"
#include "monitor.h"
#include "output.h"
#include "top.h"

#define CMD_TOP_RETRY_MS	1000
#define CMD_TOP_TICK_MS		1000	/* redraw at least this often */

/* Alternate screen on, cursor hidden, screen cleared; and the reverse. */
#define CMD_TOP_ENTER		"\033[?1049h\033[?25l\033[H\033[2J"
#define CMD_TOP_LEAVE		"\033[?25h\033[?1049l"

struct cmd_top {
	struct mlxctl		*m;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	/* Below: shared with the reader thread, under lock. */
	struct mlxd_status	*st;
	struct mlxd_metrics	*mt;
	struct mlxd_system	*sys;
	struct monitor_series	 series[TOP_NSERIES];
	char			 message[256];
	bool			 stop;
	/* Main thread only. */
	int			 wake[2];
	bool			 color;
};

static volatile sig_atomic_t	 cmd_top_quit;
static volatile sig_atomic_t	 cmd_top_resized;
static volatile sig_atomic_t	 cmd_top_wake_fd = -1;
static struct termios		 cmd_top_saved;
static volatile sig_atomic_t	 cmd_top_raw;
static bool			 cmd_top_atexit;

static void
cmd_top_write(const char *s, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(STDOUT_FILENO, s, len)) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		s += n;
		len -= (size_t)n;
	}
}

/* Put the terminal back as it was; safe to call more than once. */
static void
cmd_top_restore(void)
{
	if (!cmd_top_raw)
		return;
	cmd_top_raw = 0;
	cmd_top_write(CMD_TOP_LEAVE, strlen(CMD_TOP_LEAVE));
	(void)tcsetattr(STDIN_FILENO, TCSADRAIN, &cmd_top_saved);
}

static void
cmd_top_signal(int sig)
{
	int	 saved = errno;
	char	 c = 'x';

	if (sig == SIGWINCH)
		cmd_top_resized = 1;
	else
		cmd_top_quit = 1;
	if (cmd_top_wake_fd >= 0)
		(void)!write(cmd_top_wake_fd, &c, 1);
	errno = saved;
}

static void
cmd_top_wakeup(struct cmd_top *t)
{
	char	 c = 'x';

	/* A full pipe already means "wake up". */
	(void)!write(t->wake[1], &c, 1);
}

/* Reader thread: one event from the daemon. */
static int
cmd_top_event(void *arg, const char *name, const char *data, size_t len)
{
	struct cmd_top		*t = arg;
	struct mlxd_status	*st = NULL;
	struct mlxd_metrics	*mt = NULL;
	bool			 stop;
	int			 rc;

	if (strcmp(name, "status") == 0)
		rc = mlxd_status_parse(data, len, &st);
	else if (strcmp(name, "metrics") == 0)
		rc = mlxd_metrics_parse(data, len, &mt);
	else
		return 0;
	/* A bad event is skipped; only memory exhaustion ends the stream. */
	if (rc != 0)
		return rc == -ENOMEM ? rc : 0;
	pthread_mutex_lock(&t->lock);
	if (st != NULL) {
		mlxd_status_free(t->st);
		t->st = st;
		t->message[0] = '\0';
	}
	if (mt != NULL) {
		mlxd_metrics_free(t->mt);
		t->mt = mt;
		top_series_sample(t->series, mt, t->st);
	}
	stop = t->stop;
	pthread_mutex_unlock(&t->lock);
	cmd_top_wakeup(t);
	return stop ? 1 : 0;
}

static void *
cmd_top_reader(void *arg)
{
	struct cmd_top	*t = arg;
	struct timespec	 ts;
	bool		 stop;
	int		 rc;

	for (;;) {
		rc = mlxd_events(t->m->client, cmd_top_event, t);
		pthread_mutex_lock(&t->lock);
		if (t->stop) {
			pthread_mutex_unlock(&t->lock);
			break;
		}
		if (rc == 0)
			snprintf(t->message, sizeof t->message,
			    "mlxd closed the event stream; reconnecting...");
		else if (rc == MLXD_EAPI &&
		    mlxd_client_last_error(t->m->client) != NULL)
			snprintf(t->message, sizeof t->message,
			    "mlxd ended the event stream: %s; reconnecting...",
			    mlxd_client_last_error(t->m->client));
		else
			snprintf(t->message, sizeof t->message,
			    "no connection to mlxd (%s); reconnecting...",
			    mlxd_strerror(rc));
		pthread_mutex_unlock(&t->lock);
		cmd_top_wakeup(t);

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += CMD_TOP_RETRY_MS / 1000;
		pthread_mutex_lock(&t->lock);
		while (!t->stop && pthread_cond_timedwait(&t->cond, &t->lock,
		    &ts) != ETIMEDOUT)
			;
		stop = t->stop;
		pthread_mutex_unlock(&t->lock);
		if (stop)
			break;
	}
	return NULL;
}

/* The terminal's size, or COLUMNS/LINES, or 80x24. */
static void
cmd_top_size(int *colsp, int *rowsp)
{
	struct winsize	 ws;
	const char	*e;
	int		 cols = 80, rows = 24;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 &&
	    ws.ws_row > 0) {
		cols = ws.ws_col;
		rows = ws.ws_row;
	} else {
		if ((e = getenv("COLUMNS")) != NULL && atoi(e) > 0)
			cols = atoi(e);
		if ((e = getenv("LINES")) != NULL && atoi(e) > 0)
			rows = atoi(e);
	}
	*colsp = cols;
	*rowsp = rows;
}

/* Render under the lock (the reader may replace what the model points to). */
static void
cmd_top_frame(struct cmd_top *t, bool live, int cols, int rows,
    struct top_frame *f)
{
	struct top_model	 model;

	memset(&model, 0, sizeof model);
	pthread_mutex_lock(&t->lock);
	model.status = t->st;
	model.metrics = t->mt;
	model.system = t->sys;
	model.series = t->series;
	model.message = t->message[0] != '\0' ? t->message : NULL;
	model.now_ms = output_now_ms();
	model.color = t->color;
	model.live = live;
	top_render(&model, cols, rows, f);
	pthread_mutex_unlock(&t->lock);
}

static void
cmd_top_draw(struct cmd_top *t, bool clear)
{
	struct top_frame	 f;
	char			*buf = NULL;
	size_t			 len = 0, i;
	FILE			*out;
	int			 cols, rows;

	memset(&f, 0, sizeof f);
	cmd_top_size(&cols, &rows);
	cmd_top_frame(t, true, cols, rows, &f);
	if ((out = open_memstream(&buf, &len)) == NULL)
		output_oom();
	fputs(clear ? "\033[H\033[2J" : "\033[H", out);
	for (i = 0; i < f.n; i++)
		fprintf(out, "%s\033[K%s", f.lines[i], i + 1 < f.n ? "\r\n" : "");
	fputs("\033[J", out);
	if (fclose(out) != 0)
		output_oom();
	cmd_top_write(buf, len);
	free(buf);
	top_frame_free(&f);
}

/* Key presses: q, Q, Ctrl-C and Ctrl-D quit; Ctrl-L redraws everything. */
static void
cmd_top_keys(bool *clearp, bool *stdin_openp)
{
	char	 buf[64];
	ssize_t	 n, i;

	if ((n = read(STDIN_FILENO, buf, sizeof buf)) <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			*stdin_openp = false;
		return;
	}
	for (i = 0; i < n; i++) {
		if (buf[i] == 'q' || buf[i] == 'Q' || buf[i] == 3 ||
		    buf[i] == 4)
			cmd_top_quit = 1;
		else if (buf[i] == 12)
			*clearp = true;
	}
}

static int
cmd_top_pipe(int fds[2])
{
	int	 i, fl;

	if (pipe(fds) != 0)
		return -errno;
	for (i = 0; i < 2; i++) {
		if ((fl = fcntl(fds[i], F_GETFL)) == -1 ||
		    fcntl(fds[i], F_SETFL, fl | O_NONBLOCK) == -1 ||
		    fcntl(fds[i], F_SETFD, FD_CLOEXEC) == -1)
			return -errno;
	}
	return 0;
}

static int
cmd_top_enter(void)
{
	struct termios	 raw;

	if (tcgetattr(STDIN_FILENO, &cmd_top_saved) != 0)
		return -errno;
	raw = cmd_top_saved;
	/* Keys one at a time, no echo; Ctrl-C arrives as a byte. */
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
	raw.c_iflag &= ~(tcflag_t)(IXON | ICRNL);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (!cmd_top_atexit) {
		atexit(cmd_top_restore);
		cmd_top_atexit = true;
	}
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) != 0)
		return -errno;
	cmd_top_raw = 1;
	cmd_top_write(CMD_TOP_ENTER, strlen(CMD_TOP_ENTER));
	return 0;
}

static void
cmd_top_signals(bool install)
{
	static const int	 sigs[] = {
		SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT
	};
	struct sigaction	 sa;
	size_t			 i;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = install ? cmd_top_signal : SIG_DFL;
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

static int
cmd_top_live(struct cmd_top *t)
{
	struct pollfd	 pfd[2];
	pthread_t	 reader;
	sigset_t	 block, old;
	bool		 clear = false, stdin_open = true, started = false;
	int		 rc, ret = MLXCTL_EXIT_OK;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "mlxctl: top needs a terminal; use "
		    "`mlxctl top --once` to print one frame\n");
		return MLXCTL_EXIT_ERROR;
	}
	if ((rc = cmd_top_pipe(t->wake)) != 0) {
		fprintf(stderr, "mlxctl: pipe: %s\n", strerror(-rc));
		ret = MLXCTL_EXIT_ERROR;
		goto out;
	}
	cmd_top_wake_fd = t->wake[1];
	cmd_top_signals(true);
	if ((rc = cmd_top_enter()) != 0) {
		fprintf(stderr, "mlxctl: cannot set up the terminal: %s\n",
		    strerror(-rc));
		ret = MLXCTL_EXIT_ERROR;
		goto out;
	}
	/* The reader thread leaves signals to this one. */
	sigfillset(&block);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	rc = pthread_create(&reader, NULL, cmd_top_reader, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		cmd_top_restore();
		fprintf(stderr, "mlxctl: cannot start a thread: %s\n",
		    strerror(rc));
		ret = MLXCTL_EXIT_ERROR;
		goto out;
	}
	started = true;

	cmd_top_draw(t, true);
	while (!cmd_top_quit) {
		pfd[0].fd = stdin_open ? STDIN_FILENO : -1;
		pfd[0].events = POLLIN;
		pfd[1].fd = t->wake[0];
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, CMD_TOP_TICK_MS) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
			cmd_top_keys(&clear, &stdin_open);
		if (pfd[1].revents & POLLIN) {
			char	 drain[256];

			while (read(t->wake[0], drain, sizeof drain) > 0)
				;
		}
		if (cmd_top_quit)
			break;
		if (cmd_top_resized) {
			cmd_top_resized = 0;
			clear = true;
		}
		cmd_top_draw(t, clear);
		clear = false;
	}
out:
	if (started) {
		pthread_mutex_lock(&t->lock);
		t->stop = true;
		pthread_cond_broadcast(&t->cond);
		pthread_mutex_unlock(&t->lock);
		mlxd_client_interrupt(t->m->client);
		pthread_join(reader, NULL);
	}
	cmd_top_restore();
	cmd_top_signals(false);
	cmd_top_wake_fd = -1;
	if (t->wake[0] != -1)
		close(t->wake[0]);
	if (t->wake[1] != -1)
		close(t->wake[1]);
	return ret;
}

static int
cmd_top_once(struct cmd_top *t)
{
	struct top_frame	 f;
	size_t			 i;
	int			 cols, rows;

	memset(&f, 0, sizeof f);
	cmd_top_size(&cols, &rows);
	cmd_top_frame(t, false, cols, rows, &f);
	for (i = 0; i < f.n; i++)
		printf("%s\n", f.lines[i]);
	top_frame_free(&f);
	return MLXCTL_EXIT_OK;
}

static int
cmd_top_exec(struct mlxctl *m, int argc, char **argv)
{
	struct mlxd_metrics_history	*h = NULL;
	struct cmd_top			 t;
	bool				 once = false, no_color = false;
	int				 i, rc, ret;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--once") == 0)
			once = true;
		else if (strcmp(argv[i], "--no-color") == 0)
			no_color = true;
		else
			return mlxctl_usage_error(&cmd_top_entry);
	}
	if (m->json) {
		fprintf(stderr, "mlxctl: top has no JSON output; see "
		    "`mlxctl --json status` and `mlxctl --json metrics`\n");
		return MLXCTL_EXIT_USAGE;
	}
	if (no_color)
		output_color_init(true);

	memset(&t, 0, sizeof t);
	t.m = m;
	t.color = output_color_on();
	t.wake[0] = t.wake[1] = -1;
	top_series_init(t.series);
	if ((rc = mlxd_status(m->client, &t.st)) != 0)
		return mlxctl_fail(m, rc);
	/* The rest is decoration: without it the view still works. */
	(void)mlxd_system(m->client, &t.sys);
	if (mlxd_metrics_history(m->client, (int64_t)MONITOR_SERIES_LEN *
	    TOP_STEP_MS < 3600000 ? (int64_t)MONITOR_SERIES_LEN * TOP_STEP_MS :
	    3600000, TOP_STEP_MS, &h) == 0) {
		top_series_seed(t.series, h);
		mlxd_metrics_history_free(h);
	}
	if (t.st->system != NULL)
		top_series_sample(t.series, t.st->system, t.st);
	pthread_mutex_init(&t.lock, NULL);
	pthread_cond_init(&t.cond, NULL);

	ret = once ? cmd_top_once(&t) : cmd_top_live(&t);

	pthread_cond_destroy(&t.cond);
	pthread_mutex_destroy(&t.lock);
	mlxd_status_free(t.st);
	mlxd_metrics_free(t.mt);
	mlxd_system_free(t.sys);
	return ret;
}

const struct cmd_entry cmd_top_entry = {
	.name = "top",
	.alias = NULL,
	.usage = "[--once] [--no-color]",
	.help = "live view of models, generation, memory, CPU, GPU, power",
	.exec = cmd_top_exec,
};
