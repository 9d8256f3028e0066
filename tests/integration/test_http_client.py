# SPDX-License-Identifier: ISC
"""mlxd's own client for Ollama's poller (plain HTTP/1.1, no libcurl) reads
every framing a server or a proxy in front of it may use: Content-Length,
chunked (with extensions and trailers, in pieces), close-delimited, a 100
Continue first, a head in single bytes; it tries each address of localhost;
a truncated reply is an error that says so; a configured http_proxy is
honoured (libcurl then carries the request). And the libraries only some
features need are not mapped until one is used: libcurl for generation,
libcrypto for hashing."""
import json
import os
import socket
import sys
import threading
import time

from harness import Skip, check, eq, run, wait_for

MODELS = ["alpha:latest", "beta:7b"]


def tags_body():
    return json.dumps({"models": [{
        "name": m, "model": m, "modified_at": "2026-01-01T00:00:00Z",
        "size": 1000 + i, "digest": "%064x" % (i + 1),
        "details": {"format": "gguf", "family": "llama",
                    "parameter_size": "1B", "quantization_level": "Q4_0"}}
        for i, m in enumerate(MODELS)]}).encode()


class RawOllama:
    """Answers /api/version, /api/tags and /api/ps, framing each reply as
    self.mode says. Remembers the request lines it saw."""

    def __init__(self, mode, family=socket.AF_INET, host="127.0.0.1"):
        self.mode = mode
        self.lines = []
        self.lsock = socket.socket(family)
        self.lsock.bind((host, 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        self.done = False
        self.t = threading.Thread(target=self.serve, daemon=True)
        self.t.start()

    def serve(self):
        self.lsock.settimeout(0.1)
        while not self.done:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                continue
            threading.Thread(target=self.one, args=(c,), daemon=True).start()

    def one(self, c):
        try:
            c.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                got = c.recv(4096)
                if not got:
                    return
                data += got
            head, rest = data.split(b"\r\n\r\n", 1)
            line = head.split(b"\r\n")[0].decode()
            self.lines.append(line)
            hdrs = {h.split(b":")[0].strip().lower(): h.split(b":", 1)[1]
                    .strip() for h in head.split(b"\r\n")[1:]}
            need = int(hdrs.get(b"content-length", b"0"))
            while len(rest) < need:
                rest += c.recv(4096)
            path = line.split(" ")[1]
            if path.startswith("http://"):
                path = "/" + path.split("/", 3)[3]
            if path == "/api/version":
                body = b'{"version":"0.12.3"}'
            elif path == "/api/tags":
                body = tags_body()
            elif path == "/api/ps":
                body = b'{"models":[]}'
            else:
                body = b'{"error":"not found"}'
            self.reply(c, body)
        except OSError:
            pass
        finally:
            c.close()

    def reply(self, c, body):
        m = self.mode
        ct = b"Content-Type: application/json; charset=utf-8\r\n"
        if m == "continue":
            c.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        if m in ("length", "continue"):
            c.sendall(b"HTTP/1.1 200 OK\r\n" + ct + b"Content-Length: %d\r\n"
                      b"\r\n" % len(body) + body)
        elif m == "bytewise":
            msg = (b"HTTP/1.1 200 OK\r\n" + ct + b"Content-Length: %d\r\n\r\n"
                   % len(body) + body)
            for i in range(len(msg)):
                c.send(msg[i:i + 1])
        elif m == "chunked":
            c.sendall(b"HTTP/1.1 200 OK\r\n" + ct +
                      b"Transfer-Encoding: chunked\r\n\r\n")
            for i in range(0, len(body), 7):
                part = body[i:i + 7]
                c.sendall(b"%x;ext=1\r\n" % len(part) + part + b"\r\n")
                time.sleep(0.001)
            c.sendall(b"0\r\nX-Trailer: yes\r\n\r\n")
        elif m == "close":
            c.sendall(b"HTTP/1.1 200 OK\r\n" + ct + b"\r\n" + body)
        elif m == "truncated":
            c.sendall(b"HTTP/1.1 200 OK\r\n" + ct + b"Content-Length: %d\r\n"
                      b"\r\n" % (len(body) + 10) + body)

    def stop(self):
        self.done = True
        self.t.join(2)
        self.lsock.close()


def watch(env, url, extra_env=None):
    env.daemon(config="ollama:\n  url: %s\n  poll_interval_ms: 100\n"
               "  timeout_ms: 1000\ncache:\n  scan_on_start: false\n" % url,
               extra_env=extra_env)
    return wait_for(lambda: (lambda s: s if s["ollama"]["connected"] else
                             None)(env.get("/v1/status")), 5, "connected")


def test_framings(env):
    for mode in ("length", "chunked", "close", "continue", "bytewise"):
        srv = RawOllama(mode)
        try:
            s = watch(env, "http://127.0.0.1:%d" % srv.port)
            eq(s["ollama"]["version"], "0.12.3", "%s: version" % mode)
            eq(s["ollama"]["last_error"], None, "%s: no error" % mode)
            got = wait_for(lambda: (lambda b: b if b else None)(sorted(
                m["name"] for m in env.get("/v1/models")["models"])),
                5, "%s: models" % mode)
            eq(got, sorted(MODELS), "%s: the models listed" % mode)
            check(any(ln.startswith("GET /api/tags HTTP/1.1")
                      for ln in srv.lines), "%s: origin-form request: %r"
                  % (mode, srv.lines[:3]))
        finally:
            env.procs[-1].stop()
            env.procs.pop()
            srv.stop()


def test_truncated(env):
    srv = RawOllama("truncated")
    try:
        env.daemon(config="ollama:\n  url: http://127.0.0.1:%d\n"
                   "  poll_interval_ms: 100\n  timeout_ms: 1000\n" % srv.port)
        s = wait_for(lambda: (lambda s: s if s["ollama"]["last_error"] else
                              None)(env.get("/v1/status")), 5, "error shown")
        eq(s["ollama"]["connected"], False, "a cut reply is no connection")
        check("outstanding read data" in s["ollama"]["last_error"],
              "says the reply was cut: %s" % s["ollama"]["last_error"])
    finally:
        srv.stop()


def test_localhost_each_address(env):
    """localhost is 127.0.0.1 then ::1, as libcurl resolves it: a server on
    either is found."""
    srv = RawOllama("length")
    try:
        watch(env, "http://localhost:%d" % srv.port)
    finally:
        env.procs[-1].stop()
        env.procs.pop()
        srv.stop()
    if not socket.has_ipv6:
        raise Skip("no IPv6 here for the ::1 half")
    try:
        srv = RawOllama("length", socket.AF_INET6, "::1")
    except OSError as e:
        raise Skip("cannot listen on ::1: %s" % e)
    try:
        watch(env, "http://localhost:%d" % srv.port)
        watch_ok = env.get("/v1/status")["ollama"]["version"]
        eq(watch_ok, "0.12.3", "found on ::1")
    finally:
        srv.stop()


def test_http_proxy_honoured(env):
    """With http_proxy set, the poller's requests go to the proxy in
    absolute form, as libcurl sends them."""
    proxy = RawOllama("length")
    try:
        watch(env, "http://127.0.0.1:9/", extra_env={
            "http_proxy": "http://127.0.0.1:%d" % proxy.port})
        check(any(ln.startswith("GET http://127.0.0.1:9/api/")
                  for ln in proxy.lines), "absolute-form through the "
              "proxy: %r" % proxy.lines[:3])
    finally:
        proxy.stop()


def mapped(pid, lib):
    with open("/proc/%d/maps" % pid) as f:
        return any(("/" + lib) in line for line in f)


def test_libraries_loaded_on_use(env):
    if not sys.platform.startswith("linux"):
        raise Skip("reads /proc/PID/maps")
    sim = env.sim()
    root = os.path.join(env.dir, "weights")
    for d in ("a", "b"):
        os.makedirs(os.path.join(root, d))
        with open(os.path.join(root, d, "model.gguf"), "wb") as f:
            f.write(b"GGUF" + b"\1" * 1200000)
    d = env.daemon(sim, config="cache:\n  roots: [%s]\n" % root)
    wait_for(lambda: env.get("/v1/status")["ollama"]["connected"], 5,
             "connected")
    time.sleep(1.0)		# several polls
    pid = d.proc.pid
    check(not mapped(pid, "libcurl.so"), "idle, polling: no libcurl")
    check(not mapped(pid, "libcrypto.so"), "idle: no libcrypto")
    model = sim.request("GET", "/api/tags")[1]["models"][0]["name"]
    st, _, _ = env.request("POST", "/v1/generate", body={
        "model": model, "prompt": "hi", "stream": False})
    eq(st, 200, "a generation")
    check(mapped(pid, "libcurl.so"), "libcurl once a generation ran")
    st, _, b = env.request("POST", "/v1/cache/dedup", body={
        "dry_run": True})
    eq(st, 202, "dedup started: %r" % b)
    j = wait_for(lambda: (lambda j: j if j["state"] != "running" else None)(
        env.get("/v1/jobs/%s?wait=5" % b["job"])), 30, "dedup", interval=0)
    eq(j["state"], "done", "dedup: %r" % j.get("error"))
    check(j["result"]["files_hashed"] > 0, "the copies were hashed: %r"
          % j["result"])
    check(mapped(pid, "libcrypto.so"), "libcrypto once a file was hashed")


if __name__ == "__main__":
    run([test_framings, test_truncated, test_localhost_each_address,
         test_http_proxy_honoured, test_libraries_loaded_on_use])
