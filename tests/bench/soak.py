#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Soak: mixed load on one mlxd (meant for the ASan build) against the
Ollama simulator, then figures. Not a timed test: it prints RSS at the start
and the end, request counts and every unexpected reply, and exits non-zero
only if something failed (an error reply, a crash, a leak at exit).

  tests/bench/soak.py [BUILD_DIR] [--minutes M]     (make soak)

BUILD_DIR defaults to build-asan; M to 10 (or MLXD_SOAK_MINUTES). The load,
all at once for the whole time:
  - 4 clients polling GET /v1/status back to back,
  - 8 /v1/events subscribers, each reconnecting every few seconds,
  - 4 clients streaming generations; every other one hangs up after three
    lines,
  - a benchmark started and cancelled every few seconds (409 while one is
    still running is expected),
  - POST /v1/cache/sync every 10 s.
RSS is read after a 10 s warm-up and at the end; metrics history grows by
one sample a second, so a few hundred KB of growth is that, not a leak.
"""
import argparse
import http.client
import json
import os
import random
import signal
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

ap = argparse.ArgumentParser()
ap.add_argument("build", nargs="?", default="build-asan")
ap.add_argument("--minutes", type=float,
                default=float(os.environ.get("MLXD_SOAK_MINUTES", "10")))
opts = ap.parse_args()
BUILD = os.path.abspath(opts.build)
os.environ.setdefault("MLXD_BIN", os.path.join(BUILD, "daemon", "mlxd"))
os.environ.setdefault("MLXCTL_BIN", os.path.join(BUILD, "clients", "mlxctl"))
os.environ.setdefault("SIM_BIN", os.path.join(BUILD, "tests", "sim",
                                              "ollama-sim"))
os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=1:exitcode=23")

import harness  # noqa: E402

MODEL = "llama3.2"


def rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Soak:
    def __init__(self, env, until):
        self.env = env
        self.until = until
        self.lock = threading.Lock()
        self.counts = {}
        self.errors = []

    def live(self):
        return time.monotonic() < self.until

    def count(self, what):
        with self.lock:
            self.counts[what] = self.counts.get(what, 0) + 1

    def error(self, what):
        with self.lock:
            if len(self.errors) < 50:
                self.errors.append(what)
            self.counts["errors"] = self.counts.get("errors", 0) + 1

    def conn(self, timeout=30):
        return self.env.conn(timeout)

    def status_poller(self):
        c = self.conn()
        while self.live():
            try:
                c.request("GET", "/v1/status")
                r = c.getresponse()
                body = r.read()
                if r.status != 200 or not json.loads(body).get("daemon"):
                    self.error("status %d" % r.status)
                self.count("status")
            except (OSError, http.client.HTTPException) as e:
                self.error("status: %r" % e)
                c.close()
                c = self.conn()

    def subscriber(self):
        while self.live():
            c = self.conn()
            try:
                c.request("GET", "/v1/events")
                r = c.getresponse()
                if r.status != 200:
                    self.error("events %d" % r.status)
                end = time.monotonic() + random.uniform(1, 6)
                got = 0
                while time.monotonic() < end and self.live():
                    if not r.readline():
                        self.error("events stream ended early")
                        break
                    got += 1
                if got == 0:
                    self.error("events: nothing received")
                self.count("events")
            except (OSError, http.client.HTTPException) as e:
                self.error("events: %r" % e)
            finally:
                c.close()

    def generator(self, abort):
        while self.live():
            c = self.conn()
            try:
                body = {"model": MODEL, "prompt": "soak %f" % random.random(),
                        "options": {"num_predict": 24}}
                c.request("POST", "/v1/generate", body=json.dumps(body),
                          headers={"Content-Type": "application/json"})
                r = c.getresponse()
                if r.status != 200:
                    self.error("generate %d %r" % (r.status, r.read()[:200]))
                    continue
                lines = 0
                last = None
                while True:
                    line = r.readline()
                    if not line:
                        break
                    lines += 1
                    last = json.loads(line)
                    if "error" in last:
                        self.error("generate error line: %r" % last)
                    if abort and lines == 3:
                        break
                if abort:
                    self.count("generate_aborted")
                elif last is None or not last.get("done"):
                    self.error("generation ended without done: %r" % last)
                else:
                    self.count("generate")
            except (OSError, http.client.HTTPException, ValueError) as e:
                self.error("generate: %r" % e)
            finally:
                c.close()
            abort = not abort

    def bencher(self):
        while self.live():
            st, _, b = self.env.request("POST", "/v1/benchmarks", body={
                "model": MODEL, "suite": "quick", "repetitions": 1},
                timeout=30)
            if st == 202:
                self.count("bench_started")
                time.sleep(random.uniform(0.5, 3))
                st, _, _ = self.env.request("DELETE", "/v1/jobs/" + b["job"],
                                            timeout=30)
                if st in (202, 409):  # 409: it ended on its own first
                    self.count("bench_cancelled")
                else:
                    self.error("bench cancel %d" % st)
            elif st == 409:
                self.count("bench_busy")
            else:
                self.error("bench start %d %r" % (st, b))
            time.sleep(random.uniform(1, 4))

    def syncer(self):
        while self.live():
            st, _, b = self.env.request("POST", "/v1/cache/sync", timeout=30)
            if st in (202, 409):
                self.count("cache_sync")
            else:
                self.error("cache sync %d %r" % (st, b))
            end = time.monotonic() + 10
            while self.live() and time.monotonic() < end:
                time.sleep(0.2)


def main():
    env = harness.Env("soak")
    ok = False
    try:
        sim = env.sim(["--tps", "400", "--ttft-ms", "5", "--load-ms", "20",
                       "--tokens", "24"])
        d = env.daemon(sim, config="metrics:\n  interval_ms: 1000\n")
        harness.wait_for(lambda: env.request("GET", "/v1/models")[0] == 200,
                         10, "models")
        duration = opts.minutes * 60
        t0 = time.monotonic()
        soak = Soak(env, t0 + duration)
        threads = []
        for _ in range(4):
            threads.append(threading.Thread(target=soak.status_poller))
        for _ in range(8):
            threads.append(threading.Thread(target=soak.subscriber))
        for i in range(4):
            threads.append(threading.Thread(target=soak.generator,
                                            args=(i % 2 == 0,)))
        threads.append(threading.Thread(target=soak.bencher))
        threads.append(threading.Thread(target=soak.syncer))
        for t in threads:
            t.daemon = True
            t.start()
        time.sleep(min(10, duration / 4))
        rss0 = rss_kb(d.proc.pid)
        print("soak: %.1f min, %d client threads, mlxd pid %d"
              % (opts.minutes, len(threads), d.proc.pid))
        print("soak: RSS after warm-up  %8d KB" % rss0)
        sys.stdout.flush()
        for t in threads:
            t.join(duration + 120)
        rss1 = rss_kb(d.proc.pid)
        print("soak: RSS at the end     %8d KB (%+d KB over %.1f min; "
              "metrics history grows by one sample a second)"
              % (rss1, rss1 - rss0, (time.monotonic() - t0) / 60))
        for k in sorted(soak.counts):
            print("soak: %-18s %d" % (k, soak.counts[k]))
        for e in soak.errors:
            print("soak: error: %s" % e)
        t1 = time.monotonic()
        d.signal(signal.SIGTERM)
        d.proc.wait(30)
        print("soak: stopped in %.2f s, exit %d" % (time.monotonic() - t1,
                                                    d.proc.returncode))
        env.procs.remove(d)
        d.log.close()
        if d.proc.returncode != 0:
            print(d.read_log()[-4000:])
        ok = not soak.errors and d.proc.returncode == 0
        print("soak: %s" % ("0 errors" if ok else "FAILED"))
    finally:
        env.cleanup(ok)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
