# SPDX-License-Identifier: ISC
"""Preferences at run time: PATCH /v1/config checks values as the file's
are checked, writes the overlay file atomically, applies reloadable options
at once (the Ollama URL moves to another simulator), shows source "api",
keeps secrets write-only, refuses options the environment sets, survives a
restart; mlxctl config set/unset do the same."""
import json
import os
import subprocess

from harness import check, eq, run, wait_for

SDK_CONFIG = os.environ.get("SDK_CONFIG_BIN", "sdk_config")


def overlay(env):
    return os.path.join(env.dir, "config.api.yaml")


def option(env, name):
    for o in env.get("/v1/config")["options"]:
        if o["name"] == name:
            return o
    raise KeyError(name)


def test_patch_applies_and_persists(env):
    sim1 = env.sim()
    sim2 = env.sim()
    d = env.daemon(sim1)
    wait_for(lambda: env.get("/v1/status")["ollama"]["connected"], 5,
             "connected to the first simulator")

    st, _, b = env.request("PATCH", "/v1/config",
                           body={"ollama.url": sim2.url,
                                 "retention_days": 7,
                                 "sessions.store_text": True,
                                 "log_level": "debug",
                                 "cache.dedup.methods": ["clone",
                                                         "hardlink"],
                                 "metrics.interval_ms": 2000})
    eq(st, 200, "patch: %r" % (b,))
    eq(b["restart_required"], ["metrics.interval_ms"], "restart list")
    o = option(env, "ollama.url")
    eq((o["value"], o["source"]), (sim2.url, "api"), "url from the api")
    eq(option(env, "retention_days")["value"], 7, "retention")
    eq(option(env, "cache.dedup.methods")["value"], ["clone", "hardlink"],
       "methods")
    eq(env.get("/v1/cache/config")["dedup_methods"], ["clone", "hardlink"],
       "the cache module sees the new methods")
    wait_for(lambda: env.get("/v1/status")["ollama"]["url"] == sim2.url,
             5, "the poller follows the new URL")
    with open(overlay(env)) as f:
        text = f.read()
    check("retention_days" in text, text)
    eq(os.path.exists(overlay(env) + ".tmp"), False, "no temp file left")

    # Bad values are refused as the file's are; nothing is written.
    before = open(overlay(env)).read()
    for body, what in (({"retention_days": 0}, "out of range"),
                       ({"retention_days": "7"}, "an integer"),
                       ({"log_level": "loud"}, "log_level"),
                       ({"cache.dedup.methods": ["teleport"]}, "teleport"),
                       ({"nope": 1}, "unknown option")):
        st, _, e = env.request("PATCH", "/v1/config", body=body)
        eq(st, 400, "refused %r" % body)
        check(what in e["error"]["message"], "%r names %r" % (e, what))
    eq(open(overlay(env)).read(), before, "overlay untouched")

    # Secrets are write-only and never logged.
    st, _, b = env.request("PATCH", "/v1/config",
                           body={"http.token": "s3cret-token"})
    eq(st, 200, "token set")
    eq(b["restart_required"], ["http.token"], "the listener reads it on "
       "start")
    check("s3cret-token" not in json.dumps(b), "never shown")

    # Unset: back to the file's value (here the harness's config file).
    st, _, b = env.request("PATCH", "/v1/config",
                           body={"retention_days": None})
    eq(st, 200, "unset")
    o = option(env, "retention_days")
    eq((o["value"], o["source"]), (30, "default"), "back to the default")

    d.stop()
    env.procs.remove(d)
    log = d.read_log()
    check("s3cret-token" not in log, "the token is not logged")
    env.daemon(sim1)
    o = option(env, "ollama.url")
    eq((o["value"], o["source"]), (sim2.url, "api"),
       "the overlay is read after the file on start")
    eq(option(env, "metrics.interval_ms")["value"], 2000,
       "restart-only option applied on start")
    o = option(env, "http.token")
    eq((o["value"], o["source"]), ("***", "api"), "write-only secret")


def test_environment_wins_and_mlxctl(env):
    sim = env.sim()
    env.daemon(sim, extra_env={"MLXD_LOG_LEVEL": "info"})
    st, _, e = env.request("PATCH", "/v1/config",
                           body={"log_level": "debug"})
    eq(st, 409, "set by the environment")
    check("MLXD_LOG_LEVEL" in e["error"]["message"], e)

    rc, out, err = env.mlxctl("config", "set", "retention_days", "12")
    eq(rc, 0, "set: %s" % err)
    check("retention_days set" in out, out)
    eq(option(env, "retention_days")["value"], 12, "set through mlxctl")
    rc, out, err = env.mlxctl("config", "set", "sessions.store_text", "on")
    eq(rc, 0, "bool: %s" % err)
    eq(option(env, "sessions.store_text")["value"], True, "bool")
    rc, out, err = env.mlxctl("config", "set", "cache.dedup.methods",
                              "hardlink,clone")
    eq(rc, 0, "list: %s" % err)
    eq(option(env, "cache.dedup.methods")["value"], ["hardlink", "clone"],
       "list")
    rc, out, err = env.mlxctl("config", "set", "retention_days", "lots")
    eq(rc, 2, "not an integer")
    rc, out, err = env.mlxctl("config", "set", "retention_days", "0")
    eq(rc, 1, "out of range")
    check("out of range" in err, err)
    rc, out, err = env.mlxctl("config", "set", "frobnicate", "1")
    eq(rc, 2, "unknown option")
    rc, out, err = env.mlxctl("config", "unset", "retention_days")
    eq(rc, 0, "unset: %s" % err)
    eq(option(env, "retention_days")["source"], "default", "unset")
    rc, out, err = env.mlxctl("config")
    eq(rc, 0, "config")
    check(any(l.startswith("sessions.store_text") and l.rstrip().endswith(
        "api") for l in out.splitlines()), out)
    rc, out, err = env.mlxctl("--json", "config", "set", "retention_days",
                              "9")
    eq(json.loads(out)["restart_required"], [], "--json prints the reply")


def sdk_config(env, *args):
    p = subprocess.run([SDK_CONFIG, env.sock] + list(args),
                       capture_output=True, env=dict(env.base_env),
                       timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_sdk_config_set_unset(env):
    """libmlxd's mlxd_config_set()/mlxd_config_unset(): the reply is the
    configuration now in effect with the options waiting for a restart;
    refusals carry the daemon's code and message; text that is not JSON
    never reaches the daemon."""
    sim = env.sim()
    env.daemon(sim, extra_env={"MLXD_LOG_LEVEL": "info"})
    rc, out, err = sdk_config(env, "set", "retention_days", "11")
    eq((rc, out), (0, "retention_days=11 api\n"), "set (stderr: %s)" % err)
    eq(option(env, "retention_days")["value"], 11, "the daemon has it")
    rc, out, err = sdk_config(env, "set", "cache.dedup.methods",
                              '["hardlink"]')
    eq((rc, out), (0, 'cache.dedup.methods=["hardlink"] api\n'), "list")
    rc, out, err = sdk_config(env, "set", "metrics.interval_ms", "2000")
    # Kept for the next start; the running value stays until then.
    eq((rc, out), (0, "metrics.interval_ms=1000 default\n"
                   "restart: metrics.interval_ms\n"), "restart list")
    rc, out, err = sdk_config(env, "set", "retention_days", "0")
    eq(rc, 1, "out of range: %s" % out)
    check(out.startswith("rc=-1002 code=bad_request ") and
          "out of range" in out, out)
    rc, out, err = sdk_config(env, "set", "log_level", '"debug"')
    check(rc == 1 and out.startswith("rc=-1002 code=conflict ") and
          "MLXD_LOG_LEVEL" in out,
          "set by the environment: %s" % out)
    before = len(open(overlay(env)).read())
    rc, out, err = sdk_config(env, "set", "retention_days", "{7")
    check(rc == 1 and "rc=-22 " in out and "not JSON" in out, out)
    rc, out, err = sdk_config(env, "set", "retention_days", "null")
    check(rc == 1 and "rc=-22 " in out and "mlxd_config_unset" in out, out)
    eq(len(open(overlay(env)).read()), before, "nothing written")
    eq(option(env, "retention_days")["value"], 11, "unchanged")
    rc, out, err = sdk_config(env, "unset", "retention_days")
    eq(rc, 0, "unset: %s" % out)
    check(out.startswith("retention_days=") and
          out.rstrip().endswith(" default"), out)
    eq(option(env, "retention_days")["source"], "default", "unset")


if __name__ == "__main__":
    run([test_patch_applies_and_persists, test_environment_wins_and_mlxctl,
         test_sdk_config_set_unset])
