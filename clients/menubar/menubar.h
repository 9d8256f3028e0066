/* SPDX-License-Identifier: ISC */
/*
 * menubar.h: what the menu-bar plugin (mlxbar) shows, as a pure function of
 * the daemon's state and of the host running the plugin.
 *
 * The output follows the BitBar plugin format that SwiftBar, xbar and
 * Argos (GNOME) read: title line(s), "---", then one dropdown item per
 * line with optional "| key=value ..." parameters. mlxbar.c gathers the
 * state through libmlxd and prints; tests/unit/test_menubar.c feeds canned
 * replies and compares text.
 */
#ifndef MLXBAR_MENUBAR_H
#define MLXBAR_MENUBAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mlxd/mlxd.h>

/* Longest title: "123456 tok/s", a short model name and a mark. */
#define MENUBAR_TITLE_LEN	128

/* Which program runs the plugin; they differ in the parameters they read. */
enum menubar_host {
	MENUBAR_HOST_XBAR = 0,	/* xbar and BitBar (the default) */
	MENUBAR_HOST_SWIFTBAR,	/* color=light,dark pairs, sfimage= */
	MENUBAR_HOST_ARGOS,	/* GNOME: bash='command line', Pango markup */
};

/* Light or dark menus; unknown falls back to light colors (dark on Argos). */
enum menubar_appearance {
	MENUBAR_APPEARANCE_UNKNOWN = 0,
	MENUBAR_APPEARANCE_LIGHT,
	MENUBAR_APPEARANCE_DARK,
};

/* How to print; strings are borrowed. */
struct menubar_opts {
	enum menubar_host	 host;
	enum menubar_appearance	 appearance;
	const char		*mlxctl;	/* absolute path of mlxctl */
	const char		*socket;	/* passed to mlxctl as --socket, or NULL */
	/* Command that opens a file for editing, then the file: NULL-terminated. */
	const char *const	*open_argv;
	/* Command that starts the daemon, NULL-terminated; NULL: no such item. */
	const char *const	*start_argv;
	int64_t			 now_ms;	/* for "unloads in ..." */
	int			 login_item;	/* service installed: 1, 0, -1 unknown */
};

/* What the daemon said; pointers are borrowed and may be NULL. */
struct menubar_state {
	int				 err;		/* 0, or why mlxd could not be asked */
	const char			*err_detail;	/* the daemon's or libmlxd's message */
	const char			*socket_path;	/* where mlxd was looked for */
	const struct mlxd_status	*status;	/* NULL unless err is 0 */
	const struct mlxd_metrics	*metrics;	/* NULL: status->system */
	const char			*config_file;	/* the daemon's config file, or NULL */
	int64_t				 poll_ms;	/* ollama.poll_interval_ms, or -1 */
};

/*
 * Fill o's host and appearance from the environment as read by getenv_fn
 * (getenv in the plugin, a table in tests): SWIFTBAR set means SwiftBar,
 * ARGOS_VERSION set means Argos, else xbar; OS_APPEARANCE=Dark/Light
 * (SwiftBar), XBARDarkMode=true/false (xbar) or BitBarDarkMode set (BitBar)
 * give the appearance. Other fields are left alone.
 */
void	 menubar_detect(struct menubar_opts *o,
	     const char *(*getenv_fn)(const char *));

/*
 * A model name as the title shows it: namespaces dropped and a ":latest"
 * tag removed ("hf.co/bartowski/Llama-GGUF:Q8_0" -> "Llama-GGUF:Q8_0",
 * "llama3.2:latest" -> "llama3.2").
 */
void	 menubar_short_name(char *buf, size_t len, const char *name);

/*
 * The title: "⚠ mlxd" when the daemon did not answer, "○" when Ollama is
 * down, "N tok/s" while generating ("… tok/s" before the first estimate),
 * the short name of the first loaded model (plus " +N" for more), else
 * "●" (Ollama up and idle).
 */
void	 menubar_title(char *buf, size_t len, const struct menubar_state *s);

/* Print the whole plugin output: title, "---", dropdown. */
void	 menubar_print(FILE *f, const struct menubar_opts *o,
	     const struct menubar_state *s);

#endif /* MLXBAR_MENUBAR_H */
