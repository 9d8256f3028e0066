# SPDX-License-Identifier: ISC
"""Integration-test harness: a private temp dir per test, the Ollama
simulator on 127.0.0.1:0, the real mlxd on a socket inside the temp dir,
and helpers to talk HTTP over that socket and to run mlxctl.

Binaries come from the environment meson sets: MLXD_BIN, MLXCTL_BIN,
SIM_BIN. Every process is stopped with SIGTERM at the end and must exit 0
(under the sanitizer build a leak makes mlxd exit non-zero, which fails).
"""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

import openapi_check

MLXD = os.environ.get("MLXD_BIN", "mlxd")
MLXCTL = os.environ.get("MLXCTL_BIN", "mlxctl")
SIM = os.environ.get("SIM_BIN", "ollama-sim")
SLOW = float(os.environ.get("MLXD_TEST_SLOW", "1"))


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=10):
        super().__init__("mlxd", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def short(x, n=600):
    r = repr(x)
    return r if len(r) <= n else r[:n] + "...(%d more)" % (len(r) - n)


def eq(a, b, what=""):
    if a != b:
        raise Failure("%s: expected %s, got %s" % (what, short(b), short(a)))


def wait_for(fn, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout * SLOW
    last = None
    while time.monotonic() < deadline:
        try:
            last = fn()
            if last:
                return last
        except (OSError, Failure, http.client.HTTPException) as e:
            last = e
        time.sleep(interval)
    raise Failure("timed out after %.1fs waiting for %s (last: %r)"
                  % (timeout * SLOW, what, last))


class Sim:
    def __init__(self, env, args=(), port=0):
        self.env = env
        self.args = list(args)
        self.port = port
        self.proc = None
        self.start()

    def start(self):
        cmd = [SIM, "--port", str(self.port)] + self.args
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stderr=open(os.path.join(
                                         self.env.dir, "sim.log"), "ab"))
        line = self.proc.stdout.readline().decode()
        check(line.startswith("PORT "), "simulator did not print its port: %r"
              % line)
        self.port = int(line.split()[1])
        self.url = "http://127.0.0.1:%d" % self.port

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            self.proc.stdout.close()
        self.proc = None

    def kill(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc.stdout.close()
            self.proc = None

    def request(self, method, path, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        data = json.dumps(body).encode() if body is not None else None
        c.request(method, path, body=data,
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        raw = r.read()
        c.close()
        return r.status, (json.loads(raw) if raw[:1] in (b"{", b"[") else raw)

    def config(self, **kw):
        st, _ = self.request("POST", "/_sim/config", kw)
        eq(st, 200, "sim config")

    def load(self, model):
        st, _ = self.request("POST", "/_sim/load", {"model": model})
        eq(st, 200, "sim load")

    def unload(self, model):
        st, _ = self.request("POST", "/_sim/unload", {"model": model})
        eq(st, 200, "sim unload")


class Daemon:
    def __init__(self, env, config="", args=(), extra_env=None, wait=True):
        self.env = env
        self.sock = env.sock
        self.config_path = os.path.join(env.dir, "config.yaml")
        with open(self.config_path, "w") as f:
            f.write(config)
        cmd = [MLXD, "--config", self.config_path, "--socket", self.sock,
               "--data-dir", env.data] + list(args)
        e = dict(env.base_env)
        if extra_env:
            e.update(extra_env)
        self.log_path = os.path.join(env.dir, "mlxd.log")
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log,
                                     env=e)
        if wait:
            wait_for(self.alive, 10, "mlxd to answer on its socket")

    def alive(self):
        if self.proc.poll() is not None:
            raise Failure("mlxd exited with %d:\n%s"
                          % (self.proc.returncode, self.read_log()))
        st, _, _ = self.env.request("GET", "/v1/health")
        if st != 200:
            return False
        # /v1/health answers as soon as the socket listens; /v1/config is
        # served on the event loop, so it answers only once every module
        # (cache, Ollama poller) and the signal handlers have started.
        st, _, _ = self.env.request("GET", "/v1/config")
        return st == 200

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, expect=0):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15 * SLOW)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise Failure("mlxd did not stop on SIGTERM")
        self.log.close()
        if expect is not None and self.proc.returncode != expect:
            raise Failure("mlxd exited %d, expected %d; log:\n%s"
                          % (self.proc.returncode, expect, self.read_log()))
        return self.proc.returncode


class Env:
    """One test's private world."""

    def __init__(self, name):
        self.dir = tempfile.mkdtemp(prefix="mlxd-it-")
        self.name = name
        self.sock = os.path.join(self.dir, "run", "mlxd.sock")
        self.data = os.path.join(self.dir, "data")
        self.procs = []
        # Every reply is checked against schema/openapi.yaml; a mismatch
        # fails the test at cleanup (set check_replies False for a test
        # that sends deliberately broken HTTP).
        self.check_replies = True
        self.reply_errors = []
        home = os.path.join(self.dir, "home")
        os.makedirs(home)
        self.base_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": home,
            "XDG_RUNTIME_DIR": os.path.join(self.dir, "xdg"),
            "XDG_CONFIG_HOME": os.path.join(home, ".config"),
            "XDG_DATA_HOME": os.path.join(home, ".local/share"),
            "NO_COLOR": "1",
        }
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                self.base_env[k] = os.environ[k]

    def sim(self, *args, **kw):
        s = Sim(self, *args, **kw)
        self.procs.append(s)
        return s

    def daemon(self, sim=None, config="", **kw):
        if sim is not None and "ollama:" not in config:
            config = ("ollama:\n  url: %s\n  poll_interval_ms: 200\n"
                      "  timeout_ms: 1000\n" % sim.url) + config
        d = Daemon(self, config=config, **kw)
        self.procs.append(d)
        return d

    def conn(self, timeout=10):
        return UnixHTTPConnection(self.sock, timeout=timeout)

    def request(self, method, path, body=None, headers=None, raw=False,
                timeout=10):
        c = self.conn(timeout)
        try:
            h = {"Content-Type": "application/json"}
            h.update(headers or {})
            data = body
            if body is not None and not isinstance(body, (bytes, str)):
                data = json.dumps(body)
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            payload = r.read()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
        finally:
            c.close()
        self.record_reply(method, path, r.status, hdrs, payload)
        if raw:
            return r.status, hdrs, payload
        try:
            obj = json.loads(payload) if payload else None
        except ValueError:
            raise Failure("reply to %s %s is not JSON: %r"
                          % (method, path, payload[:200]))
        return r.status, hdrs, obj

    def record_reply(self, method, path, status, hdrs, payload):
        """Check one reply against the API description."""
        if not self.check_replies:
            return
        ctype = hdrs.get("content-type", "")
        body = None
        if ctype.startswith("application/json") and payload:
            try:
                body = json.loads(payload)
            except ValueError:
                self.reply_errors.append("%s %s -> %d: invalid JSON"
                                         % (method, path, status))
                return
        err = openapi_check.check_reply(method, path, status, ctype, body)
        if err and err not in self.reply_errors:
            self.reply_errors.append(err)

    def get(self, path):
        st, _, obj = self.request("GET", path)
        eq(st, 200, "GET %s" % path)
        return obj

    def mlxctl(self, *args, sock=None, env=None, input=None):
        e = dict(self.base_env)
        e.update(env or {})
        cmd = [MLXCTL, "--socket", sock or self.sock] + list(args)
        p = subprocess.run(cmd, capture_output=True, env=e, timeout=60,
                           input=input)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def cleanup(self, ok):
        errors = []
        if self.reply_errors:
            errors.append(Failure("replies that do not match "
                                  "schema/openapi.yaml:\n  "
                                  + "\n  ".join(self.reply_errors[:20])))
        for p in reversed(self.procs):
            try:
                p.stop()
            except Exception as e:  # keep stopping the rest
                errors.append(e)
        if ok and not errors:
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            print("kept %s for inspection" % self.dir)
        if errors:
            raise errors[0]


class Skip(Exception):
    """Raised by a test that cannot run here (its reason is printed)."""


def run(tests):
    """Run test functions (each takes an Env). Exit 1 if any failed, 77
    (meson's SKIP) if every one that ran was skipped, else 0."""
    only = sys.argv[1:]
    failed = ran = skipped = 0
    for fn in tests:
        if only and fn.__name__ not in only:
            continue
        env = Env(fn.__name__)
        ok = False
        t0 = time.monotonic()
        skip = None
        try:
            fn(env)
            ok = True
        except Skip as e:
            ok, skip = True, str(e)
        except Exception:
            traceback.print_exc()
        try:
            env.cleanup(ok)
        except Exception:
            traceback.print_exc()
            ok = False
        if skip is not None and ok:
            print("SKIP %s: %s" % (fn.__name__, skip))
            skipped += 1
        else:
            print("%s %s (%.2fs)" % ("ok  " if ok else "FAIL", fn.__name__,
                                      time.monotonic() - t0))
        sys.stdout.flush()
        ran += 1
        failed += not ok
    if failed:
        sys.exit(1)
    sys.exit(77 if ran and skipped == ran else 0)
