# SPDX-License-Identifier: ISC
"""mlxctl as a user runs it: status, models, ps, health, config as aligned
tables with human sizes, --json equal to the API, and the exit codes
(0 ok, 1 daemon or API error, 2 usage), including a daemon that is not
running."""
import json
import os
import re
import sys

from harness import check, eq, run, wait_for


def setup(env):
    sim = env.sim()
    env.daemon(sim)
    sim.load("llama3.2:latest")
    wait_for(lambda: env.get("/v1/status")["ollama"]["running"], 3, "loaded")
    wait_for(lambda: env.request("GET", "/v1/models")[0] == 200, 3, "models")
    return sim


def columns_aligned(lines):
    """Every row's cells start where the header's columns start."""
    header = lines[0]
    starts = [m.start() for m in re.finditer(r"\S+", header)]
    for line in lines[1:]:
        for s in starts:
            check(s == 0 or line[s - 1] == " ",
                  "cell boundary at %d in %r" % (s, line))


def test_status_models_ps(env):
    sim = setup(env)
    rc, out, err = env.mlxctl("status")
    eq(rc, 0, "status exit code")
    check("Ollama: connected, 0.32.15 at %s" % sim.url in out,
          "Ollama line: %r" % out)
    check(re.search(r"up \d+s", out), "uptime shown")
    lines = [l for l in out.splitlines() if l.startswith(("NAME",
                                                          "llama3.2"))]
    check(lines[0].split()[:4] == ["NAME", "ID", "SIZE", "VRAM"],
          "ps-like table header: %r" % lines[0])
    check("llama3.2:latest" in lines[1] and " GB" in lines[1],
          "loaded model with a human size: %r" % lines[1])
    columns_aligned(lines)

    rc, out, err = env.mlxctl("models")
    eq(rc, 0, "models exit code")
    lines = out.splitlines()
    eq(lines[0].split(), ["NAME", "ID", "SIZE", "FAMILY", "PARAMS", "QUANT",
                          "MODIFIED"], "models header")
    api = env.get("/v1/models")["models"]
    eq(len(lines) - 1, len(api), "one row per model")
    for m in api:
        check(any(l.startswith(m["name"] + " ") for l in lines[1:]),
              "%s listed" % m["name"])
    columns_aligned(lines)

    rc, out, err = env.mlxctl("ps")
    eq(rc, 0, "ps exit code")
    check("100% GPU" in out or "CPU" in out, "processor column: %r" % out)

    for cmd, path in (("status", "/v1/status"), ("models", "/v1/models"),
                      ("ps", "/v1/models/running"), ("health", "/v1/health"),
                      ("config", "/v1/config")):
        rc, out, err = env.mlxctl("--json", cmd)
        eq(rc, 0, "--json %s" % cmd)
        got, want = json.loads(out), env.get(path)
        for volatile in ("uptime_s", "daemon", "last_ok_at", "fetched_at",
                         "system", "generation"):
            got.pop(volatile, None)
            want.pop(volatile, None)
        eq(sorted(got), sorted(want), "--json %s keys" % cmd)


def test_health_and_config(env):
    setup(env)
    rc, out, err = env.mlxctl("health")
    eq(rc, 0, "health")
    check("ok" in out, "says ok")
    rc, out, err = env.mlxctl("config")
    eq(rc, 0, "config")
    check(re.search(r"^socket\s+\S+\s+flag", out, re.M), "socket from flag")
    check(re.search(r"^ollama\.url\s+http://127\.0\.0\.1:\d+\s+file", out,
                    re.M), "ollama.url from file: %r" % out)


def test_exit_codes(env):
    rc, out, err = env.mlxctl("status")
    eq(rc, 1, "no daemon: exit 1")
    check("mlxd is not running" in err and env.sock in err,
          "names the socket it tried: %r" % err)
    check("start it with" in err, "says how to start it")
    if sys.platform.startswith("linux"):
        check("start it with: systemctl --user start mlxd" in err and
              "launchctl" not in err, "leads with systemd: %r" % err)
    rc, out, err = env.mlxctl("frobnicate")
    eq(rc, 2, "unknown command: exit 2")
    check("usage" in err.lower(), "usage shown")
    rc, out, err = env.mlxctl("--no-such-flag", "status")
    eq(rc, 2, "unknown flag: exit 2")
    env.daemon(config="ollama:\n  url: http://127.0.0.1:9\n")
    rc, out, err = env.mlxctl("models")
    eq(rc, 1, "API error: exit 1")
    check("Ollama has not been reached" in err, "server's message: %r" % err)
    rc, out, err = env.mlxctl("status")
    eq(rc, 0, "status works with Ollama down")
    check("not reachable" in out, "says Ollama is down: %r" % out)


if __name__ == "__main__":
    run([test_status_models_ps, test_health_and_config, test_exit_codes])
