/* SPDX-License-Identifier: ISC */
/*
 * cmd_service.c: `mlxctl service install|uninstall|status`, the "start at
 * login" preference.
 *
 * On macOS a LaunchAgent (~/Library/LaunchAgents/dev.mlxd.mlxd.plist)
 * loaded with `launchctl bootstrap gui/UID`; elsewhere a systemd user unit
 * (~/.config/systemd/user/mlxd.service) started with `systemctl --user
 * enable --now`. Both run the mlxd installed beside this mlxctl (or the
 * first on PATH, or --mlxd PATH). Every command run is printed. The
 * environment variable MLXCTL_SERVICE_MANAGER (launchd or systemd) picks
 * the other kind, for tests and for systemd on a Mac-like setup.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if MLXD_DARWIN
#include <mach-o/dyld.h>
#endif

#include <mlxd/mlxd.h>

#include "mlxctl.h"

#define SERVICE_LABEL	"dev.mlxd.mlxd"
#define SERVICE_UNIT	"mlxd.service"

enum service_kind { SERVICE_LAUNCHD, SERVICE_SYSTEMD };

static enum service_kind
service_kind(void)
{
	const char	*e = getenv("MLXCTL_SERVICE_MANAGER");

	if (e != NULL && strcmp(e, "launchd") == 0)
		return SERVICE_LAUNCHD;
	if (e != NULL && strcmp(e, "systemd") == 0)
		return SERVICE_SYSTEMD;
	return MLXD_DARWIN ? SERVICE_LAUNCHD : SERVICE_SYSTEMD;
}

/* This executable's path, or "" when unknown. */
static void
service_self(char *buf, size_t len)
{
#if MLXD_DARWIN
	uint32_t	n = (uint32_t)len;

	if (_NSGetExecutablePath(buf, &n) != 0)
		buf[0] = '\0';
#else
	ssize_t		n = readlink("/proc/self/exe", buf, len - 1);

	buf[n > 0 ? n : 0] = '\0';
#endif
}

/* The mlxd to run: --mlxd, beside mlxctl, or on PATH. 0 or -ENOENT. */
static int
service_find_mlxd(const char *given, char *out, size_t len)
{
	char		 self[PATH_MAX], *slash, *path, *p, *dir;
	char		 cand[PATH_MAX + 16];

	if (given != NULL) {
		if (realpath(given, out) == NULL || access(out, X_OK) != 0)
			return -ENOENT;
		return 0;
	}
	service_self(self, sizeof self);
	if ((slash = strrchr(self, '/')) != NULL) {
		*slash = '\0';
		snprintf(cand, sizeof cand, "%s/mlxd", self);
		if (access(cand, X_OK) == 0 && realpath(cand, out) != NULL)
			return 0;
	}
	if ((p = getenv("PATH")) == NULL)
		return -ENOENT;
	path = strdup(p);
	if (path == NULL)
		return -ENOMEM;
	for (dir = strtok(path, ":"); dir != NULL; dir = strtok(NULL, ":")) {
		snprintf(cand, sizeof cand, "%s/mlxd", *dir != '\0' ? dir :
		    ".");
		if (access(cand, X_OK) == 0 && realpath(cand, out) != NULL) {
			free(path);
			(void)len;
			return 0;
		}
	}
	free(path);
	return -ENOENT;
}

/* Where the service file goes. */
static int
service_file(enum service_kind kind, char *out, size_t len)
{
	const char	*home = getenv("HOME");
	const char	*xdg = getenv("XDG_CONFIG_HOME");

	if (home == NULL || *home == '\0')
		return -ENOENT;
	if (kind == SERVICE_LAUNCHD)
		snprintf(out, len, "%s/Library/LaunchAgents/%s.plist", home,
		    SERVICE_LABEL);
	else if (xdg != NULL && *xdg == '/')
		snprintf(out, len, "%s/systemd/user/%s", xdg, SERVICE_UNIT);
	else
		snprintf(out, len, "%s/.config/systemd/user/%s", home,
		    SERVICE_UNIT);
	return 0;
}

/* mkdir -p of path's directory. */
static int
service_mkdirs(const char *file)
{
	char	 dir[PATH_MAX], *p;

	snprintf(dir, sizeof dir, "%s", file);
	if ((p = strrchr(dir, '/')) == NULL)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Write text to path via a temp file, fsync and rename. */
static int
service_write(const char *path, const char *text)
{
	char	 tmp[PATH_MAX + 16];
	size_t	 len = strlen(text), off = 0;
	ssize_t	 n;
	int	 fd, rc;

	if ((rc = service_mkdirs(path)) != 0)
		return rc;
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) < 0)
		return -errno;
	while (off < len) {
		if ((n = write(fd, text + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			close(fd);
			unlink(tmp);
			return rc;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		rc = -errno;
		unlink(tmp);
		return rc;
	}
	if (rename(tmp, path) != 0) {
		rc = -errno;
		unlink(tmp);
		return rc;
	}
	return 0;
}

/* Run argv, printing it first; returns its exit status (or -1). */
static int
service_run(char *const argv[], bool quiet)
{
	pid_t	 pid;
	int	 st, i, null;

	if (!quiet) {
		printf("ran:");
		for (i = 0; argv[i] != NULL; i++)
			printf(" %s", argv[i]);
		printf("\n");
		fflush(stdout);
	}
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		if (quiet && (null = open("/dev/null", O_WRONLY)) >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "mlxctl: cannot run %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *
service_text(enum service_kind kind, const char *mlxd)
{
	char	*s = NULL;
	int	 n;

	if (kind == SERVICE_LAUNCHD)
		n = asprintf(&s,
		    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
		    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
		    "<!-- Written by mlxctl service install. -->\n"
		    "<plist version=\"1.0\">\n<dict>\n"
		    "\t<key>Label</key>\n\t<string>%s</string>\n"
		    "\t<key>ProgramArguments</key>\n"
		    "\t<array>\n\t\t<string>%s</string>\n\t</array>\n"
		    "\t<key>RunAtLoad</key>\n\t<true/>\n"
		    "\t<key>KeepAlive</key>\n"
		    "\t<dict>\n\t\t<key>SuccessfulExit</key>\n\t\t<false/>\n"
		    "\t</dict>\n"
		    "\t<key>ProcessType</key>\n\t<string>Background</string>\n"
		    "\t<key>StandardErrorPath</key>\n"
		    "\t<string>%s/Library/Logs/mlxd.log</string>\n"
		    "</dict>\n</plist>\n", SERVICE_LABEL, mlxd,
		    getenv("HOME") != NULL ? getenv("HOME") : "");
	else
		n = asprintf(&s,
		    "# Written by mlxctl service install.\n"
		    "[Unit]\n"
		    "Description=mlxd: local LLM monitor, benchmarker and "
		    "model cache for Ollama\n"
		    "Documentation=man:mlxd(8)\n"
		    "After=network.target\n"
		    "\n"
		    "[Service]\n"
		    "Type=exec\n"
		    "ExecStart=%s\n"
		    "ExecReload=/bin/kill -HUP $MAINPID\n"
		    "Restart=on-failure\n"
		    "RestartSec=2\n"
		    "KillSignal=SIGTERM\n"
		    "TimeoutStopSec=10\n"
		    "\n"
		    "[Install]\n"
		    "WantedBy=default.target\n", mlxd);
	return n < 0 ? NULL : s;
}

static int
service_install(const char *given)
{
	enum service_kind	 kind = service_kind();
	char			 mlxd[PATH_MAX], file[PATH_MAX], target[64];
	char			*text;
	int			 rc;

	if (service_find_mlxd(given, mlxd, sizeof mlxd) != 0) {
		fprintf(stderr, "mlxctl: cannot find the mlxd program beside "
		    "mlxctl or on PATH (give it with --mlxd PATH)\n");
		return MLXCTL_EXIT_ERROR;
	}
	if (service_file(kind, file, sizeof file) != 0) {
		fprintf(stderr, "mlxctl: HOME is not set\n");
		return MLXCTL_EXIT_ERROR;
	}
	if ((text = service_text(kind, mlxd)) == NULL)
		return MLXCTL_EXIT_ERROR;
	rc = service_write(file, text);
	free(text);
	if (rc != 0) {
		fprintf(stderr, "mlxctl: cannot write %s: %s\n", file,
		    strerror(-rc));
		return MLXCTL_EXIT_ERROR;
	}
	printf("wrote %s (runs %s)\n", file, mlxd);
	if (kind == SERVICE_LAUNCHD) {
		char *boot[] = { "launchctl", "bootstrap", target, file, NULL };
		char *out[] = { "launchctl", "bootout", NULL, NULL };
		char  svc[96];

		snprintf(target, sizeof target, "gui/%u", (unsigned)getuid());
		snprintf(svc, sizeof svc, "%s/%s", target, SERVICE_LABEL);
		out[2] = svc;
		/* Reloading an agent already loaded: out first, quietly. */
		(void)service_run(out, true);
		rc = service_run(boot, false);
	} else {
		char *reload[] = { "systemctl", "--user", "daemon-reload",
		    NULL };
		char *enable[] = { "systemctl", "--user", "enable", "--now",
		    SERVICE_UNIT, NULL };

		if ((rc = service_run(reload, false)) == 0)
			rc = service_run(enable, false);
	}
	if (rc != 0) {
		fprintf(stderr, "mlxctl: the service manager failed (status "
		    "%d); %s is in place\n", rc, file);
		return MLXCTL_EXIT_ERROR;
	}
	printf("mlxd now starts at login and runs now.\n");
	return MLXCTL_EXIT_OK;
}

static int
service_uninstall(void)
{
	enum service_kind	 kind = service_kind();
	char			 file[PATH_MAX], svc[96];
	int			 rc;

	if (service_file(kind, file, sizeof file) != 0) {
		fprintf(stderr, "mlxctl: HOME is not set\n");
		return MLXCTL_EXIT_ERROR;
	}
	if (kind == SERVICE_LAUNCHD) {
		char *out[] = { "launchctl", "bootout", svc, NULL };

		snprintf(svc, sizeof svc, "gui/%u/%s", (unsigned)getuid(),
		    SERVICE_LABEL);
		rc = service_run(out, false);
	} else {
		char *disable[] = { "systemctl", "--user", "disable", "--now",
		    SERVICE_UNIT, NULL };

		rc = service_run(disable, false);
	}
	if (unlink(file) == 0)
		printf("removed %s\n", file);
	else if (errno != ENOENT) {
		fprintf(stderr, "mlxctl: cannot remove %s: %s\n", file,
		    strerror(errno));
		return MLXCTL_EXIT_ERROR;
	} else
		printf("%s was not installed\n", file);
	if (kind == SERVICE_SYSTEMD) {
		char *reload[] = { "systemctl", "--user", "daemon-reload",
		    NULL };

		(void)service_run(reload, false);
	}
	(void)rc;	/* not loaded is fine when uninstalling */
	printf("mlxd no longer starts at login.\n");
	return MLXCTL_EXIT_OK;
}

static int
service_status(struct mlxctl *m)
{
	enum service_kind	 kind = service_kind();
	struct mlxd_health	*h = NULL;
	char			 file[PATH_MAX], svc[96];
	int			 installed, enabled, running;

	if (service_file(kind, file, sizeof file) != 0) {
		fprintf(stderr, "mlxctl: HOME is not set\n");
		return MLXCTL_EXIT_ERROR;
	}
	installed = access(file, F_OK) == 0;
	if (kind == SERVICE_LAUNCHD) {
		char *print[] = { "launchctl", "print", svc, NULL };

		snprintf(svc, sizeof svc, "gui/%u/%s", (unsigned)getuid(),
		    SERVICE_LABEL);
		enabled = installed && service_run(print, true) == 0;
	} else {
		char *is[] = { "systemctl", "--user", "is-enabled", "--quiet",
		    SERVICE_UNIT, NULL };

		enabled = installed && service_run(is, true) == 0;
	}
	running = mlxd_health(m->client, &h) == 0;
	mlxd_health_free(h);
	printf("service:  %s (%s)\n", installed ? file : "not installed",
	    kind == SERVICE_LAUNCHD ? "LaunchAgent" : "systemd user unit");
	printf("at login: %s\n", enabled ? "yes" : "no");
	printf("daemon:   %s\n", running ? "running" : "not running");
	return MLXCTL_EXIT_OK;
}

/* mlxctl service install [--mlxd PATH] | uninstall | status */
static int
cmd_service_exec(struct mlxctl *m, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "install") == 0)
		return service_install(NULL);
	if (argc == 4 && strcmp(argv[1], "install") == 0 &&
	    strcmp(argv[2], "--mlxd") == 0)
		return service_install(argv[3]);
	if (argc == 2 && strcmp(argv[1], "uninstall") == 0)
		return service_uninstall();
	if (argc <= 2 && (argc == 1 || strcmp(argv[1], "status") == 0))
		return service_status(m);
	return mlxctl_usage_error(&cmd_service_entry);
}

const struct cmd_entry cmd_service_entry = {
	.name = "service",
	.alias = NULL,
	.usage = "install [--mlxd PATH] | uninstall | status",
	.help = "start mlxd at login (LaunchAgent or systemd user unit)",
	.exec = cmd_service_exec,
	.verbs = "install uninstall status",
	.complete = NULL,
};
