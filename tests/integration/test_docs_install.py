# SPDX-License-Identifier: ISC
"""Manual pages, completions and `meson install`: mlxd(8), mlxctl(1) and
mlxd.conf(5) pass `mandoc -T lint` with nothing to say; mlxd.conf(5) has
every option of the option table and mlxctl(1) every command; the bash,
zsh and fish completions parse, name every command and complete model
names, benchmark ids and option names fetched from the daemon; `meson
install` puts docs, pages, completions and the service files in place,
and the systemd unit's Documentation= names an installed file.

Exits 77 (skip) without mandoc (`make deps` installs it)."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from harness import MLXCTL, MLXD, check, eq, run, wait_for

ROOT = os.environ.get("MLXD_SOURCE_ROOT",
                      os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("MLXD_BUILD_ROOT", os.path.join(ROOT, "build"))
PAGES = {"mlxd.8": os.path.join(ROOT, "docs", "man", "mlxd.8"),
         "mlxctl.1": os.path.join(BUILD, "docs", "mlxctl.1"),
         "mlxd.conf.5": os.path.join(BUILD, "docs", "mlxd.conf.5")}
COMPL = os.path.join(BUILD, "docs", "completions")

if shutil.which("mandoc") is None:
    print("mandoc is not installed (make deps)")
    sys.exit(77)


def commands():
    out = subprocess.run([MLXCTL, "--help"], capture_output=True,
                         text=True).stdout
    names = []
    for line in out.split("commands:")[1].split("options:")[0].splitlines():
        m = re.match(r"^  (\w+)", line)
        if m:
            names.append(m.group(1))
    return names


def test_mandoc_lint_is_silent(env):
    # mandoc looks up .Xr references beside the page: lint them together.
    d = os.path.join(env.dir, "man")
    os.makedirs(d)
    for name, path in PAGES.items():
        check(os.path.exists(path), "built: %s" % path)
        shutil.copy(path, os.path.join(d, name))
    p = subprocess.run(["mandoc", "-T", "lint"] + sorted(PAGES), cwd=d,
                       capture_output=True, text=True)
    eq(p.stdout + p.stderr, "", "mandoc -T lint says nothing")
    eq(p.returncode, 0, "mandoc -T lint exit status")


def test_pages_follow_the_tables(env):
    conf = open(PAGES["mlxd.conf.5"]).read()
    cfg = subprocess.run([MLXD, "--config-doc"], capture_output=True,
                         text=True).stdout
    for name in re.findall(r"^\| `([a-z_.]+)` \|", cfg, re.M):
        check(".It Cm %s " % name in conf, "mlxd.conf(5) has %s" % name)
    man = open(PAGES["mlxctl.1"]).read()
    for name in commands():
        check(".It Cm %s" % name in man, "mlxctl(1) has %s" % name)
    eq(subprocess.run([MLXCTL, "--man"], capture_output=True,
                      text=True).stdout, man, "--man prints the page")


def test_completions_parse_and_complete(env):
    scripts = {"bash": os.path.join(COMPL, "mlxctl"),
               "zsh": os.path.join(COMPL, "_mlxctl"),
               "fish": os.path.join(COMPL, "mlxctl.fish")}
    names = commands()
    check("service" in names and "bench" in names, names)
    for shell, path in scripts.items():
        text = open(path).read()
        for name in names:
            check(re.search(r"\b%s\b" % name, text),
                  "%s completion names %s" % (shell, name))
        if shutil.which(shell):
            p = subprocess.run([shell, "-n", path], capture_output=True,
                               text=True)
            eq(p.returncode, 0, "%s -n: %s" % (shell, p.stderr))
    # Names fetched from the daemon, through the bash completion.
    sim = env.sim()
    env.daemon(sim)
    wait_for(lambda: env.request("GET", "/v1/models")[0] == 200, 5,
             "models")
    st, _, b = env.request("POST", "/v1/benchmarks",
                           body={"model": "llama3.2", "suite": "quick",
                                 "repetitions": 1, "warmup": 0,
                                 "num_predict": 4})
    eq(st, 202, "benchmark")
    wait_for(lambda: env.get("/v1/benchmarks/" + b["id"])["state"] !=
             "running", 60, "the run to end")
    bindir = os.path.join(env.dir, "bin")
    os.makedirs(bindir)
    os.symlink(os.path.abspath(MLXCTL), os.path.join(bindir, "mlxctl"))
    e = dict(env.base_env)
    e["PATH"] = bindir + ":" + e["PATH"]
    e["MLXD_SOCKET"] = env.sock

    def complete(*words):
        line = " ".join(["mlxctl"] + list(words))
        script = ('source "%s"; COMP_WORDS=(%s); COMP_CWORD=%d; _mlxctl; '
                  'printf "%%s\\n" "${COMPREPLY[@]}"'
                  % (scripts["bash"], " ".join('"%s"' % w for w in
                                                ["mlxctl"] + list(words)),
                     len(words)))
        p = subprocess.run(["bash", "-c", script], capture_output=True,
                           text=True, env=e)
        eq(p.returncode, 0, "completing %r: %s" % (line, p.stderr))
        return p.stdout.split()

    models = [m["name"] for m in env.get("/v1/models")["models"]]
    check(set(models) <= set(complete("run", "")), "model names")
    check("service" in complete("se"), "commands")
    check(b["id"] in complete("bench", "show", ""), "benchmark ids")
    check("ollama.url" in complete("config", "set", ""), "option names")
    eq(sorted(complete("service", "")), ["install", "status", "uninstall"],
       "verbs")
    # --socket on the command line is used for the lookups too.
    e.pop("MLXD_SOCKET")
    check(set(models) <= set(complete("--socket", env.sock, "run", "")),
          "--socket is passed on")


def test_meson_install(env):
    dest = os.path.join(env.dir, "dest")
    p = subprocess.run(["meson", "install", "-C", BUILD, "--no-rebuild",
                        "--destdir", dest, "--quiet"],
                       capture_output=True, text=True)
    eq(p.returncode, 0, "meson install: %s %s" % (p.stdout, p.stderr))
    files = []
    for d, _, ns in os.walk(dest):
        files += [os.path.relpath(os.path.join(d, n), dest) for n in ns]
    for want in (r"bin/mlxd$", r"bin/mlxctl$", r"man/man8/mlxd\.8$",
                 r"man/man1/mlxctl\.1$", r"man/man5/mlxd\.conf\.5$",
                 r"bash-completion/completions/mlxctl$",
                 r"zsh/site-functions/_mlxctl$",
                 r"fish/vendor_completions\.d/mlxctl\.fish$",
                 r"doc/mlxd/install\.md$", r"doc/mlxd/README\.md$",
                 r"doc/mlxd/openapi\.yaml$"):
        check(any(re.search(want, f) for f in files),
              "installed %s: %s" % (want, sorted(files)))
    units = [f for f in files if f.endswith("systemd/user/mlxd.service")]
    if units:
        text = open(os.path.join(dest, units[0])).read()
        for doc in re.findall(r"^Documentation=(.*)$", text, re.M):
            for ref in doc.split():
                if ref.startswith("file://"):
                    check(os.path.exists(dest + ref[len("file://"):]),
                          "Documentation= %s is installed" % ref)


if __name__ == "__main__":
    run([test_mandoc_lint_is_silent, test_pages_follow_the_tables,
         test_completions_parse_and_complete, test_meson_install])
