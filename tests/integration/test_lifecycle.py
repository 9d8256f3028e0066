# SPDX-License-Identifier: ISC
"""Starting and stopping mlxd: a second daemon is refused, a stale socket is
replaced, bad configuration names file:line:col, -n checks, SIGHUP reloads
(and keeps the old configuration on error), a newer database is refused."""
import os
import signal
import socket
import sqlite3
import subprocess
import time

from harness import MLXD, Skip, check, eq, run, wait_for


def run_mlxd(env, *args, config=None, timeout=20):
    cmd = [MLXD, "--socket", env.sock, "--data-dir", env.data]
    if config is not None:
        path = os.path.join(env.dir, "c.yaml")
        with open(path, "w") as f:
            f.write(config)
        cmd += ["--config", path]
    p = subprocess.run(cmd + list(args), capture_output=True,
                       env=env.base_env, timeout=timeout)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_second_daemon_refused(env):
    env.daemon()
    rc, out, err = run_mlxd(env)
    # 0, so launchd (KeepAlive SuccessfulExit=false) and systemd
    # (Restart=on-failure) do not respawn it every few seconds.
    eq(rc, 0, "second daemon exit code")
    lines = [l for l in err.splitlines() if l.strip()]
    eq(len(lines), 1, "one line on stderr: %r" % err)
    check("already running" in lines[0] and env.sock in lines[0],
          "names the socket: %r" % lines[0])
    # The first daemon is untouched.
    eq(env.get("/v1/health")["status"], "ok", "first daemon still answers")


def test_stale_socket_replaced(env):
    os.makedirs(os.path.dirname(env.sock), mode=0o700)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(env.sock)
    s.close()          # a socket file nobody listens on
    d = env.daemon()
    eq(env.get("/v1/health")["status"], "ok", "started over a stale socket")
    check("removed stale socket" in d.read_log(), "logged the stale socket")


def test_bad_config_refused(env):
    rc, out, err = run_mlxd(env, config="ollama:\n  poll_interval_ms: soon\n"
                            "nonsense: 1\n")
    eq(rc, 1, "exit code with a bad config")
    path = os.path.join(env.dir, "c.yaml")
    check("%s:2:21: ollama.poll_interval_ms: 'soon' is not an integer"
          % path in err, "names file:line:col: %r" % err)
    check("%s:3:1: unknown option 'nonsense'" % path in err,
          "reports every error: %r" % err)
    check(not os.path.exists(env.sock), "no socket created")
    rc, out, err = run_mlxd(env, config="ollama: [unclosed\n")
    eq(rc, 1, "exit code with broken YAML")
    check(path + ":2:1:" in err or path + ":1:" in err,
          "YAML error has a position: %r" % err)
    rc, out, err = run_mlxd(env, "--bogus")
    eq(rc, 2, "usage error")


def test_check_config(env):
    rc, out, err = run_mlxd(env, "-n", config="ollama:\n  url: 10.1.2.3\n")
    eq(rc, 0, "-n on a good config")
    check("configuration OK" in out, "says OK")
    check('"http://10.1.2.3:11434"' in out and "# file" in out,
          "prints effective values with sources: %r" % out)
    check('# flag' in out, "flag source shown")
    rc, out, err = run_mlxd(env, "-n", config="ollama:\n  url: 10.1.2.3\n"
                            "x: 1\n")
    eq(rc, 1, "-n on a bad config")
    check("unknown option 'x'" in err, "names the problem")
    rc, out, err = run_mlxd(env, "--version")
    eq(rc, 0, "--version")
    check(out.startswith("mlxd "), "version text")


def test_sighup_reload(env):
    sim = env.sim()
    d = env.daemon(sim)
    cfg = os.path.join(env.dir, "config.yaml")
    with open(cfg, "w") as f:
        f.write("ollama:\n  url: %s\n  poll_interval_ms: 300\n" % sim.url)
    d.signal(signal.SIGHUP)
    wait_for(lambda: {o["name"]: o for o in env.get("/v1/config")["options"]}
             ["ollama.poll_interval_ms"]["value"] == 300, 3, "reload")
    # A broken file keeps the old configuration and logs why.
    with open(cfg, "w") as f:
        f.write("ollama:\n  poll_interval_ms: -4\n")
    d.signal(signal.SIGHUP)
    wait_for(lambda: "keeping the old configuration" in d.read_log(), 3,
             "failed reload logged")
    check("poll_interval_ms: -4 is out of range" in d.read_log(),
          "cause logged")
    opts = {o["name"]: o for o in env.get("/v1/config")["options"]}
    eq(opts["ollama.poll_interval_ms"]["value"], 300, "old value kept")
    eq(env.get("/v1/health")["status"], "ok", "still serving")


def test_newer_database_refused(env):
    os.makedirs(env.data)
    db = os.path.join(env.data, "mlxd.db")
    c = sqlite3.connect(db)
    c.execute("PRAGMA user_version = 999")
    c.commit()
    c.close()
    before = open(db, "rb").read()
    rc, out, err = run_mlxd(env)
    eq(rc, 1, "exit code on a newer database")
    check("newer than this mlxd knows" in err, "clear message: %r" % err)
    eq(open(db, "rb").read(), before, "database untouched")
    check(not os.path.exists(env.sock), "no socket left behind")


def test_restart_keeps_database(env):
    d = env.daemon()
    d.stop()
    env.procs.remove(d)
    db = os.path.join(env.data, "mlxd.db")
    c = sqlite3.connect(db)
    v = c.execute("PRAGMA user_version").fetchone()[0]
    mode = c.execute("PRAGMA journal_mode").fetchone()[0]
    c.close()
    check(v >= 1, "migrations applied (user_version %d)" % v)
    eq(mode, "wal", "WAL mode")
    env.daemon()
    eq(env.get("/v1/health")["status"], "ok", "restarted on the same data")


def test_config_doc_in_step(env):
    """docs/configuration.md carries exactly the generated option table."""
    root = os.environ.get("MLXD_SOURCE_ROOT",
                          os.path.join(os.path.dirname(__file__), "..", ".."))
    doc = open(os.path.join(root, "docs", "configuration.md")).read()
    begin, end = "<!-- BEGIN OPTIONS -->\n", "<!-- END OPTIONS -->"
    check(begin in doc and end in doc, "markers present")
    table = doc.split(begin)[1].split(end)[0]
    out = subprocess.run([MLXD, "--config-doc"], capture_output=True,
                         check=True).stdout.decode()
    eq(table, out, "docs/configuration.md option table (regenerate with "
       "mlxd --config-doc)")


def test_other_user_gets_403(env):
    """Every connection's peer uid is checked: another user is refused even
    when the file permissions would let it connect."""
    if os.geteuid() != 0:
        raise Skip("needs root to act as another user")
    import pwd
    nobody = pwd.getpwnam("nobody")
    env.daemon()
    # Open the path up so only the uid check stands in the way.
    os.chmod(env.dir, 0o755)
    os.chmod(os.path.dirname(env.sock), 0o755)
    os.chmod(env.sock, 0o666)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            st, _, body = env.request("GET", "/v1/status")
            os.write(w, ("%d %s" % (st, body["error"]["code"])).encode())
        except Exception as e:
            os.write(w, ("error %r" % e).encode())
        os._exit(0)
    os.close(w)
    out = os.read(r, 1000).decode()
    os.waitpid(pid, 0)
    eq(out, "403 forbidden", "request from uid %d" % nobody.pw_uid)
    eq(env.get("/v1/health")["status"], "ok", "owner still served")


if __name__ == "__main__":
    run([test_second_daemon_refused, test_stale_socket_replaced,
         test_bad_config_refused, test_check_config, test_sighup_reload,
         test_newer_database_refused, test_restart_keeps_database,
         test_config_doc_in_step, test_other_user_gets_403])
