# SPDX-License-Identifier: ISC
"""The monitoring clients against the real daemon: `mlxctl metrics` and
`mlxctl system` (text and JSON), one frame of `mlxctl top`, and the
menu-bar plugin mlxbar in each state (mlxd down, Ollama down, idle, model
loaded, generating), for xbar and SwiftBar, once and streaming."""
import json
import os
import re
import socket
import subprocess
import threading
import time

from harness import MLXCTL, check, eq, run, wait_for

MLXBAR = os.environ.get("MLXBAR_BIN", "mlxbar")


def shape(v):
    """The keys of v, recursively; scalars (numbers, null) are leaves."""
    if isinstance(v, dict):
        return {k: shape(x) for k, x in v.items()}
    if isinstance(v, list):
        return [shape(x) for x in v]
    return "string" if isinstance(v, str) else "scalar"


def mlxctl_ok(env, *args, **kw):
    rc, out, err = env.mlxctl(*args, **kw)
    if rc != 0:
        raise AssertionError("mlxctl %s exited %d: %s" % (args, rc, err))
    return out


def mlxbar(env, *args, extra_env=None, sock=None, timeout=30):
    e = dict(env.base_env)
    e.update(extra_env or {})
    cmd = [MLXBAR, "--socket", sock or env.sock, "--mlxctl", MLXCTL]
    p = subprocess.run(cmd + list(args), capture_output=True, env=e,
                       timeout=timeout)
    eq(p.returncode, 0, "mlxbar exit status (stderr: %r)" % p.stderr)
    return p.stdout.decode()


def first_line(text):
    return text.split("\n", 1)[0]


def mem_total_bytes():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return None


def ready(env, sim=None):
    """Daemon up, Ollama connected (when sim), a metrics sample taken."""
    def ok():
        st, _, body = env.request("GET", "/v1/metrics")
        if st != 200:
            return None
        s = env.get("/v1/status")
        return s if sim is None or s["ollama"]["connected"] else None
    return wait_for(ok, 10, "the daemon's first sample and Ollama")


def wait_loaded(env, name):
    wait_for(lambda: [m for m in env.get("/v1/status")["ollama"]["running"]
                      if m["name"] == name], 5, "%s to show as loaded" % name)


def test_metrics_json(env):
    sim = env.sim()
    env.daemon(sim)
    ready(env, sim)
    api = env.get("/v1/metrics")
    for args in (("metrics", "--json"), ("--json", "metrics")):
        got = json.loads(mlxctl_ok(env, *args))
        eq(shape(got), shape(api), "shape of mlxctl %s" % " ".join(args))
        total = mem_total_bytes()
        if total is not None:
            eq(got["memory"]["total_bytes"], total,
               "memory total against /proc/meminfo")
    out = mlxctl_ok(env, "metrics")
    total = api["memory"]["total_bytes"]
    check(re.search(r"^Memory: +[\d.]+ [KMG]?B / %.1f GB used \([\d.]+%%\)"
                    % (total / 1e9), out, re.M),
          "memory line in:\n%s" % out)
    check(re.search(r"^CPU: +([\d.]+%|n/a)", out, re.M), "CPU line")
    for label in ("Swap:", "Pressure:", "Load:", "GPU:", "Power:",
                  "Thermal:"):
        check(re.search("^" + label, out, re.M), "%s in:\n%s" % (label, out))
    # Whatever the machine cannot measure is n/a, never 0.
    if api["gpu"]["utilization_pct"] is None:
        check(re.search(r"^GPU: +n/a", out, re.M), "GPU n/a")
    rc, _, err = env.mlxctl("metrics", "extra")
    eq(rc, 2, "usage error exit status")


def test_system(env):
    env.daemon()
    api = env.get("/v1/system")
    got = json.loads(mlxctl_ok(env, "system", "--json"))
    eq(got, api, "mlxctl system --json")
    out = mlxctl_ok(env, "system")
    host = api["hostname"] or "n/a"
    check(("Host:       %s\n" % host) in out, "host line in:\n%s" % out)
    eq(api["hostname"], socket.gethostname(), "hostname")
    if api["memory_total_bytes"] is not None:
        check("Memory:     %.1f GB" % (api["memory_total_bytes"] / 1e9)
              in out, "memory total in:\n%s" % out)


def test_top_once(env):
    sim = env.sim()
    env.daemon(sim)
    ready(env, sim)
    sim.load("llama3.2")
    wait_loaded(env, "llama3.2:latest")
    out = mlxctl_ok(env, "top", "--once")
    lines = out.rstrip("\n").split("\n")
    check(len(lines) <= 24, "at most 24 lines, got %d" % len(lines))
    for ln in lines:
        check(len(ln) <= 80, "line wider than 80: %r" % ln)
    check("\x1b" not in out, "no escape sequences with NO_COLOR")
    check(lines[0].startswith("mlxd "), "header: %r" % lines[0])
    check("Ollama up 0.32.15 at %s" % sim.url in out, "Ollama line")
    check(re.search(r"^llama3\.2:latest +3\.2B +Q4_K_M +3\.2 GB +3\.2 GB +"
                    r"100% GPU +in \dm", out, re.M),
          "loaded model row in:\n%s" % out)
    total = env.get("/v1/metrics")["memory"]["total_bytes"]
    check(re.search(r"^MEM \[[| ]+\] [\d.]+%%  [\d.]+ [KMG]?B / %.1f GB"
                    % (total / 1e9), out, re.M), "memory gauge in:\n%s" % out)
    check(re.search(r"^CPU +\S", out, re.M), "CPU sparkline")
    check(re.search(r"^TOK/s ", out, re.M), "tokens/s sparkline")

    # A narrow, short terminal: still within bounds, header first.
    rc, out, err = env.mlxctl("top", "--once",
                              env={"COLUMNS": "40", "LINES": "8"})
    eq(rc, 0, "narrow top exit status")
    lines = out.rstrip("\n").split("\n")
    check(len(lines) <= 8, "at most 8 lines, got %d" % len(lines))
    for ln in lines:
        check(len(ln) <= 40, "line wider than 40: %r" % ln)
    check(lines[0].startswith("mlxd "), "header kept")

    # Colors only on request: never with --no-color even if forced.
    rc, out, _ = env.mlxctl("--no-color", "top", "--once",
                            env={"NO_COLOR": ""})
    check("\x1b" not in out, "no escapes with --no-color")
    rc, _, err = env.mlxctl("top", "--bogus")
    eq(rc, 2, "bad option exit status")


def test_top_once_while_generating(env):
    sim = env.sim(["--tps", "20", "--tokens", "120"])
    env.daemon(sim)
    s = ready(env, sim)
    check("generation" in s, "status reports generations")
    done = {}

    def gen():
        done["reply"] = env.request("POST", "/api/generate",
                                    {"model": "llama3.2", "prompt": "hi"},
                                    raw=True, timeout=60)
    t = threading.Thread(target=gen)
    t.start()
    try:
        wait_for(lambda: env.get("/v1/status")["generation"]["active"] and
                 env.get("/v1/status")["generation"]["active"][0]
                 ["tokens_per_s"], 10, "a running generation with a rate")
        out = mlxctl_ok(env, "top", "--once")
        check(re.search(r"^\u25b6 llama3\.2  [\d.]+ tok/s", out, re.M),
              "running generation line in:\n%s" % out)
        bar = mlxbar(env)
        check(re.match(r"^\d+ tok/s$", first_line(bar)),
              "mlxbar title while generating: %r" % first_line(bar))
        check("Generating \u00b7 llama3.2 \u00b7 " in bar, "generating item")
    finally:
        sim.config(tps=1000)
        t.join(60)
    eq(done["reply"][0], 200, "generation status")


def test_mlxbar_daemon_down(env):
    out = mlxbar(env)
    lines = out.split("\n")
    eq(lines[0], "\u26a0 mlxd", "title")
    eq(lines[1], "---", "separator")
    check(lines[2].startswith("mlxd is not running | color="), lines[2])
    check(("Socket: %s |" % env.sock) in out, "socket shown")
    check("Start mlxd | bash=" in out, "start action")
    check(out.rstrip("\n").endswith("Refresh | refresh=true"), "refresh")


def test_mlxbar_states(env):
    sim = env.sim()
    env.daemon(sim)
    ready(env, sim)

    # Idle: Ollama up, nothing loaded.
    out = mlxbar(env)
    eq(first_line(out), "\u25cf", "idle title")
    check("\nOllama 0.32.15\n" in out, "Ollama version item:\n%s" % out)
    check("\nNo model loaded | color=" in out, "no model item")
    check(re.search(r"\nMemory [\u25b0\u25b1]{10} \d+% \u00b7 ", out),
          "memory bar item")
    check(("Edit config | bash=/usr/bin/xdg-open param1=%s terminal=false"
           % os.path.join(env.dir, "config.yaml")) in out
          or "Edit config | bash=/usr/bin/open" in out, "edit config item")
    check(("Live monitor and history | bash=%s param1=--socket param2=%s "
           "param3=top terminal=true" % (MLXCTL, env.sock)) in out,
          "monitor action:\n%s" % out)
    check("sfimage=" not in out, "no SF Symbols outside SwiftBar")

    # Model loaded.
    sim.load("llama3.2")
    wait_loaded(env, "llama3.2:latest")
    out = mlxbar(env)
    eq(first_line(out), "llama3.2", "loaded title")
    check("\nllama3.2:latest \u00b7 3.2B Q4_K_M \u00b7 3.2 GB VRAM\n" in out,
          "model item:\n%s" % out)
    check(("Benchmark llama3.2 | bash=%s param1=--socket param2=%s "
           "param3=bench param4=llama3.2:latest terminal=true"
           % (MLXCTL, env.sock)) in out, "benchmark action:\n%s" % out)

    # SwiftBar in dark mode: color pairs and SF Symbols.
    out = mlxbar(env, extra_env={"SWIFTBAR": "1", "OS_APPEARANCE": "Dark"})
    eq(first_line(out), "llama3.2", "SwiftBar title")
    check("sfimage=cube" in out, "SF Symbol on the model")
    # xbar in dark mode: the dark color alone.
    sim.unload("*")
    wait_for(lambda: not env.get("/v1/status")["ollama"]["running"], 5,
             "unload")
    out = mlxbar(env, extra_env={"XBARDarkMode": "true"})
    check("No model loaded | color=#98989d" in out, "dark grey:\n%s" % out)
    out = mlxbar(env, extra_env={"SWIFTBAR": "1"})
    check("No model loaded | color=#6e6e73,#98989d" in out,
          "SwiftBar color pair:\n%s" % out)

    # Ollama down.
    sim.kill()
    wait_for(lambda: not env.get("/v1/status")["ollama"]["connected"], 10,
             "Ollama to be seen down")
    out = mlxbar(env)
    eq(first_line(out), "\u25cb", "Ollama down title")
    check("\nOllama is not running | color=" in out, "down item:\n%s" % out)
    check(("\n%s | color=" % sim.url) in out, "Ollama URL shown")


class Reader:
    """Collects a process's stdout lines in the background."""

    def __init__(self, proc):
        self.proc = proc
        self.lines = []
        self.lock = threading.Lock()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        for raw in self.proc.stdout:
            with self.lock:
                self.lines.append(raw.decode().rstrip("\n"))

    def frames(self):
        with self.lock:
            text = "\n".join(self.lines)
        return [f.strip("\n") for f in text.split("~~~") if f.strip("\n")]


def test_mlxbar_stream(env):
    sim = env.sim()
    d = env.daemon(sim)
    ready(env, sim)

    # A fixed number of refreshes, separated by ~~~ lines: one on connect,
    # one when the status changes (a model loads).
    p = subprocess.Popen([MLXBAR, "--socket", env.sock, "--mlxctl", MLXCTL,
                          "--stream", "--frames", "2"],
                         stdout=subprocess.PIPE, env=dict(env.base_env))
    r = Reader(p)
    wait_for(lambda: r.frames(), 10, "the first refresh")
    sim.load("mistral:7b")
    eq(p.wait(15), 0, "mlxbar exit status after two refreshes")
    r.t.join(5)
    p.stdout.close()
    out = "\n".join(r.lines) + "\n"
    eq(out.count("\n~~~\n"), 1, "one separator between two refreshes")
    frames = out.split("~~~\n")
    eq(first_line(frames[0]), "\u25cf", "idle title")
    eq(first_line(frames[1]), "mistral:7b", "title after the load")
    for frame in frames:
        check("\n---\n" in frame, "dropdown in every refresh")
    sim.unload("mistral:7b")

    # Follows the daemon going away and coming back.
    e = dict(env.base_env)
    p = subprocess.Popen([MLXBAR, "--socket", env.sock, "--mlxctl", MLXCTL,
                          "--stream"], stdout=subprocess.PIPE, env=e)
    r = Reader(p)
    try:
        wait_for(lambda: r.frames(), 10, "a first refresh")
        sim.load("llama3.2")
        wait_for(lambda: first_line(r.frames()[-1]) == "llama3.2", 10,
                 "a refresh with the model loaded")
        d.stop()
        wait_for(lambda: first_line(r.frames()[-1]) == "\u26a0 mlxd", 10,
                 "a refresh saying mlxd is down")
        env.daemon(sim)
        wait_for(lambda: first_line(r.frames()[-1]) == "llama3.2", 15,
                 "a refresh once mlxd is back")
    finally:
        p.terminate()
        p.wait(10)
        p.stdout.close()


if __name__ == "__main__":
    run([test_metrics_json, test_system, test_top_once,
         test_top_once_while_generating, test_mlxbar_daemon_down,
         test_mlxbar_states, test_mlxbar_stream])
