# SPDX-License-Identifier: ISC
"""Following jobs without polling (cache jobs, downloads and benchmarks),
the duplicate search that compares instead of hashing and never reads a
known-digest file it need not, and hf:// adds that reuse bytes the
machine has.

Behaviour, not timings: a job follower (the API's long poll, the SDK
through mlxctl) makes no more requests than the job has changes (every
`job` event of /v1/events is counted against the daemon's request log);
a waiting GET answers at the job's next change and at once for an ended
job."""
import hashlib
import os
import re
import shutil
import socket
import threading
import time

from harness import Failure, check, eq, run
from harness import wait_for
from test_cache import (HfSim, World, gguf, post_job, run_job, start,
                        wait_job)
from test_cache import synced as cache_synced

MIB = 1024 * 1024
SAMPLE = 64 * 1024

DEBUG_CONFIG = "log_level: debug\ncache:\n  min_size_bytes: 65536\n"


class JobEvents(threading.Thread):
    """Counts the `job` events of one job id on /v1/events until it ends."""

    def __init__(self, sock):
        super().__init__(daemon=True)
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(60)
        self.s.connect(sock)
        self.s.sendall(b"GET /v1/events HTTP/1.1\r\nHost: mlxd\r\n\r\n")
        self.buf = b""
        self.job = None
        self.ended = threading.Event()
        self.lock = threading.Lock()

    def run(self):
        try:
            while not self.ended.is_set():
                data = self.s.recv(65536)
                if not data:
                    break
                with self.lock:
                    self.buf += data
                    if self.job and re.search(
                            rb'"id":\s*"%s",[^\n]*"state":\s*"(done|failed|'
                            rb'cancelled)"' % re.escape(self.job.encode()),
                            self.buf):
                        self.ended.set()
        except OSError:
            pass
        finally:
            self.s.close()

    def count(self, job):
        with self.lock:
            return len(re.findall(rb'event: job\r?\ndata: [^\n]*"id":\s*"%s"'
                                  % re.escape(job.encode()), self.buf))


def synced(env):
    """The start-up scan done and a rescan (status has no "cache" until
    the daemon's cache module is up)."""
    wait_for(lambda: "cache" in env.get("/v1/status"), 30, "the cache")
    return cache_synced(env)


def job_requests(env, job):
    """GET /v1/jobs/{job} requests in the daemon's debug log."""
    with open(os.path.join(env.dir, "mlxd.log"), "rb") as f:
        log = f.read().decode(errors="replace")
    return len(re.findall(r"http: GET /v1/jobs/%s -> " % re.escape(job),
                          log))


def slow_hub(env, w, delay_ms=1500):
    hub = HfSim(env)
    w.extra_env["HF_ENDPOINT"] = hub.url
    # The 1 MiB LFS file arrives in four pieces with long pauses between:
    # the job does not change while the hub sleeps.
    st = hub_post(hub, "/_sim/fault", {"kind": "slow", "chunk": 300000,
                                       "delay_ms": delay_ms,
                                       "match": "cdn"})
    eq(st, 200, "slow fault set")
    return hub


def hub_get(hub, path):
    import json
    import urllib.request
    with urllib.request.urlopen(hub.url + path, timeout=10) as r:
        return json.loads(r.read())


def sim_content(seed, size):
    """tests/hfsim's file bytes: block k = sha256("<seed>:<k>")."""
    out = bytearray()
    k = 0
    while len(out) < size:
        out += hashlib.sha256(("%d:%d" % (seed, k)).encode()).digest()
        k += 1
    return bytes(out[:size])


def hub_post(hub, path, obj):
    import json
    import urllib.request
    req = urllib.request.Request(hub.url + path, data=json.dumps(obj).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status


def test_job_long_poll(env):
    """GET /v1/jobs/{id}?wait=S holds the reply until the job changes;
    an ended job answers at once; bad waits are 400."""
    w = World(env)
    w.build()
    try:
        slow_hub(env, w)
        start(env, w, config=DEBUG_CONFIG)
        synced(env)
        ev = JobEvents(env.sock)
        b = post_job(env, "/v1/cache/add", {"uri": "hf://acme/tiny-model"})
        job = b["job"]
        ev.job = job
        ev.start()
        states = []
        for _ in range(100):
            st, _, j = env.request("GET", "/v1/jobs/%s?wait=30" % job,
                                   timeout=40)
            eq(st, 200, "long poll: %r" % j)
            states.append(j["state"])
            if j["state"] != "running":
                break
        eq(states[-1], "done", "the add ended: %r" % j.get("error"))
        check(ev.ended.wait(10), "the end event arrived")
        n_ev = ev.count(job)
        # Each waiting GET came back for a change: no more of them than
        # the job had changes (its events), plus the one that saw the end.
        check(len(states) <= n_ev + 1,
              "%d long polls for %d job events (polls without a change)"
              % (len(states), n_ev))
        print("long poll: %d replies, %d job events" % (len(states), n_ev))
        check(len(states) >= 2, "the first poll waited for a change, "
              "not the end: %r" % states)
        # An ended job answers at once, whatever the wait.
        t0 = time.monotonic()
        st, _, j = env.request("GET", "/v1/jobs/%s?wait=60" % job, timeout=5)
        eq((st, j["state"]), (200, "done"), "ended job")
        check(time.monotonic() - t0 < 5, "answered at once")
        for bad in ("61", "-1", "x", "1.5"):
            st, _, j = env.request("GET", "/v1/jobs/%s?wait=%s" % (job, bad))
            eq(st, 400, "wait=%s: %r" % (bad, j))
        st, _, j = env.request("GET", "/v1/jobs/no-such-1?wait=5", timeout=5)
        eq(st, 404, "unknown job")
    finally:
        w.cleanup()


def test_stop_during_long_poll(env):
    """SIGTERM while a client waits on a job: the waiter gets its answer
    and the daemon exits 0 at once."""
    w = World(env)
    w.build()
    try:
        slow_hub(env, w, delay_ms=5000)
        d = start(env, w)
        synced(env)
        b = post_job(env, "/v1/cache/add", {"uri": "hf://acme/tiny-model"})
        res = []

        def waiter():
            res.append(env.request("GET", "/v1/jobs/%s?wait=60" % b["job"],
                                   timeout=70))
        th = threading.Thread(target=waiter)
        th.start()
        time.sleep(1)
        d.stop()            # checks the exit status
        env.procs.remove(d)
        th.join(30)
        check(res and res[0][0] == 200, "the waiter's answer: %r" % res)
    finally:
        w.cleanup()


def test_mlxctl_follows_without_polling(env):
    """mlxctl (through mlxd_cache_job_wait) learns each change and the end
    from the daemon: no more job requests than job events plus one."""
    w = World(env)
    w.build()
    try:
        slow_hub(env, w)
        start(env, w, config=DEBUG_CONFIG)
        synced(env)
        ev = JobEvents(env.sock)
        ev.start()
        # mlxctl starts the job; the events say which one it is.
        t = threading.Thread(target=lambda: results.append(
            env.mlxctl("cache", "add", "hf://acme/tiny-model")))
        results = []
        t.start()
        t.join(60)
        check(results, "mlxctl returned")
        rc, out, err = results[0]
        eq(rc, 0, "mlxctl cache add: %s %s" % (out, err))
        m = re.findall(rb'"id":\s*"(cache\.add-\d+)"', ev.buf)
        check(m, "the add's job events")
        job = m[0].decode()
        ev.job = job
        n_ev = ev.count(job)
        n_req = job_requests(env, job)
        # The download has three pauses of 1.5 s in which nothing changes:
        # a 250 ms poller asks 18 times or more in them alone.
        check(n_req <= n_ev + 1 and n_req < 12,
              "%d GET /v1/jobs/%s for %d job events" % (n_req, job, n_ev))
        print("mlxctl: %d job requests, %d job events" % (n_req, n_ev))
        ev.ended.set()
        j = wait_job(env, job)
        eq(j["state"], "done", "the add")
    finally:
        w.cleanup()


def test_mlxctl_ctrl_c(env):
    """Ctrl-C while mlxctl waits on the daemon cancels the job at once,
    not at the job's next change."""
    import signal
    import subprocess
    from harness import MLXCTL
    w = World(env)
    w.build()
    try:
        slow_hub(env, w, delay_ms=3000)
        start(env, w, config=DEBUG_CONFIG)
        synced(env)
        e = dict(env.base_env)
        p = subprocess.Popen([MLXCTL, "--socket", env.sock, "cache", "add",
                              "hf://acme/tiny-model"], env=e,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # Wait until the download is under way (a pause of 3 s follows).
        wait_for(lambda: [j for j in env.get("/v1/jobs")["jobs"]
                          if j["kind"] == "cache.add" and
                          (j["progress"] or {}).get("bytes_done", 0) > 0],
                 30, "the download to start")
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        took = time.monotonic() - t0
        check(b"cancelling" in err, "mlxctl said it cancels: %r" % err)
        job = [j for j in env.get("/v1/jobs")["jobs"]
               if j["kind"] == "cache.add"][0]
        j = wait_job(env, job["id"])
        eq(j["state"], "cancelled", "the add")
        print("mlxctl returned %.2f s after SIGINT" % took)
    finally:
        w.cleanup()


def test_mlxctl_bench_follows_without_polling(env):
    """`mlxctl bench` waits on the run's job: one read of the run per job
    change, not one every 250 ms (the tg128 test alone takes 3 s)."""
    sim = env.sim(["--tps", "40", "--ttft-ms", "20"])
    env.daemon(sim, config="log_level: debug\n")
    ev = JobEvents(env.sock)
    ev.start()
    rc, out, err = env.mlxctl("bench", "llama3.2", "--suite", "quick",
                              "--reps", "1", "--warmup", "0")
    eq(rc, 0, "mlxctl bench: %s" % err)
    with open(os.path.join(env.dir, "mlxd.log")) as f:
        log = f.read()
    n_run = len(re.findall(r"http: GET /v1/benchmarks/[0-9a-f-]+ -> ", log))
    with ev.lock:
        n_ev = len(re.findall(rb'event: job\r?\ndata: [^\n]*"id":\s*'
                              rb'"benchmark-', ev.buf))
    print("mlxctl bench: %d reads of the run for %d job events"
          % (n_run, n_ev))
    check(n_run <= n_ev + 1 and n_run < 10,
          "%d reads of the run for %d job events" % (n_run, n_ev))


def test_dedup_compare_not_hash(env):
    """An unknown file whose one same-size collision is a blob of known
    digest is compared with it, stopping at the first differing block, and
    nothing is hashed; files of known digest with no unknown peer are never
    read (bytes read add up to samples plus compares exactly); the result
    carries the search's breakdown."""
    w = World(env)
    w.locked = os.path.join(w.root, "none")   # cleanup() expects one
    try:
        r = w.rng
        x = gguf(r, MIB)                 # blob + an identical LM Studio copy
        y = gguf(r, MIB + 1)             # blob + a copy changed mid-file
        z = gguf(r, MIB + 2)             # Ollama blob and HF blob: both named
        y2 = bytearray(y)
        y2[300000] ^= 1                  # inside the 2nd compare block
        w.ollama_model("xm", "latest", [
            ("application/vnd.ollama.image.model", x)])
        w.ollama_model("ym", "latest", [
            ("application/vnd.ollama.image.model", y)])
        w.ollama_model("zm", "latest", [
            ("application/vnd.ollama.image.model", z)])
        w.hf_repo("org/zed", {"1" * 40: {"z.gguf": z}}, {"main": "1" * 40})
        # y is also an HF blob: two inodes, one known digest, still a lone
        # twin for the changed copy.
        w.hf_repo("org/why", {"2" * 40: {"y.gguf": y}}, {"main": "2" * 40})
        w.lmstudio("pub/x-GGUF/x.gguf", x)
        w.lmstudio("pub/y-GGUF/y.gguf", bytes(y2))
        start(env, w)
        synced(env)
        res = run_job(env, "/v1/cache/dedup", {"dry_run": True})
        eq(res["files_hashed"], 0, "nothing hashed")
        eq(res["files_compared"], 2, "two compares")
        # x: read whole on both sides; y: 64 KiB + 256 KiB blocks each.
        compared = 2 * len(x) + 2 * (64 * 1024 + 256 * 1024)
        eq(res["bytes_compared"], compared, "bytes compared")
        # Samples of the five files in size groups with an unknown member;
        # z's two names (both of known digest) are never read.
        eq(res["bytes_read"], 5 * 2 * SAMPLE + compared, "bytes read")
        sizes = sorted(g["size_bytes"] for g in res["groups"])
        eq(sizes, [len(x), len(y), len(z)], "x, y (blobs) and z are "
           "duplicates, the changed copy of y is not")
        eq(res["wasted_bytes"], len(x) + len(y) + len(z), "wasted")
        b = res["search"]
        for k in ("stat_ms", "sample_ms", "compare_ms", "hash_ms",
                  "plan_ms"):
            check(isinstance(b[k], (int, float)) and b[k] >= 0,
                  "breakdown %s: %r" % (k, b))
        check(b["threads"] >= 1, "threads: %r" % b)
        print("search: %r" % b)
        # A second run knows the copy of x by its remembered digest.
        res = run_job(env, "/v1/cache/dedup", {"dry_run": True})
        eq((res["files_hashed"], res["files_compared"]), (0, 1),
           "only y is compared again")
        w.check_intact()
    finally:
        w.cleanup()


def test_hf_add_reuses_local_blob(env):
    """hf:// add of a repo whose LFS file already sits in the Ollama store:
    the file is made locally and verified, only the small file comes over
    the network (the hub counts the bytes it served). A blob whose name
    lies about its content is not used: that file is downloaded."""
    w = World(env)
    w.locked = os.path.join(w.root, "none")
    try:
        big = sim_content(2, 1048576 + 77)      # acme/tiny-model's LFS file
        etag = hashlib.sha256(big).hexdigest()
        w.ollama_model("tiny", "latest", [
            ("application/vnd.ollama.image.model", big)])
        hub = HfSim(env)
        w.extra_env["HF_ENDPOINT"] = hub.url
        start(env, w)
        synced(env)
        eq(hub_post(hub, "/_sim/clear", {}), 200, "clear")
        res = run_job(env, "/v1/cache/add", {"uri": "hf://acme/tiny-model"})
        served = hub_get(hub, "/_sim/stats")["bytes_served"]
        eq(served, 700, "the hub served config.json only")
        eq(res["bytes_downloaded"], 700, "downloaded")
        eq(res["bytes_reused"], len(big), "reused")
        eq(res["local_files"], 1, "made locally")
        blob = os.path.join(w.hub, "models--acme--tiny-model", "blobs", etag)
        with open(blob, "rb") as f:
            eq(hashlib.sha256(f.read()).hexdigest(), etag, "the HF blob")
        snap = os.path.join(w.hub, "models--acme--tiny-model", "snapshots",
                            "1" * 40, "model.safetensors")
        eq(os.path.realpath(snap), os.path.realpath(blob), "snapshot link")
        print("hf add: %d bytes served, %d reused (%d cloned)"
              % (served, res["bytes_reused"], res["bytes_cloned"]))
        w.check_intact()

        # A lying blob: Ollama's name says etag, the bytes differ. The
        # reuse is verified, so the file is downloaded instead.
        shutil.rmtree(os.path.join(w.hub, "models--acme--tiny-model"))
        olblob = os.path.join(w.ollama, "blobs", "sha256-" + etag)
        os.chmod(olblob, 0o644)
        with open(olblob, "r+b") as f:
            f.seek(1000)
            f.write(b"\xff")
        w.hashes.pop(olblob, None)
        synced(env)
        eq(hub_post(hub, "/_sim/clear", {}), 200, "clear")
        res = run_job(env, "/v1/cache/add", {"uri": "hf://acme/tiny-model"})
        served = hub_get(hub, "/_sim/stats")["bytes_served"]
        eq(served, 700 + len(big), "everything downloaded")
        eq((res["local_files"], res["bytes_reused"]), (0, 0), "no reuse")
        with open(blob, "rb") as f:
            eq(hashlib.sha256(f.read()).hexdigest(), etag, "the HF blob")
    finally:
        w.cleanup()


def test_hf_add_links_when_allowed(env):
    """With hard links among the configured methods, the HF blob becomes a
    hard link of the Ollama blob (a store blob): no second copy on disk."""
    w = World(env)
    w.locked = os.path.join(w.root, "none")
    try:
        big = sim_content(2, 1048576 + 77)
        etag = hashlib.sha256(big).hexdigest()
        w.ollama_model("tiny", "latest", [
            ("application/vnd.ollama.image.model", big)])
        hub = HfSim(env)
        w.extra_env["HF_ENDPOINT"] = hub.url
        start(env, w, config="cache:\n  min_size_bytes: 65536\n"
              "  dedup:\n    methods: [hardlink, clone]\n")
        synced(env)
        eq(hub_post(hub, "/_sim/clear", {}), 200, "clear")
        res = run_job(env, "/v1/cache/add", {"uri": "hf://acme/tiny-model"})
        eq(hub_get(hub, "/_sim/stats")["bytes_served"], 700, "served")
        eq(res["bytes_linked"], len(big), "linked")
        blob = os.path.join(w.hub, "models--acme--tiny-model", "blobs", etag)
        ob = os.path.join(w.ollama, "blobs", "sha256-" + etag)
        eq(os.stat(blob).st_ino, os.stat(ob).st_ino, "one inode")
        w.check_intact()
    finally:
        w.cleanup()


if __name__ == "__main__":
    run([test_job_long_poll, test_stop_during_long_poll,
         test_mlxctl_follows_without_polling,
         test_mlxctl_ctrl_c, test_mlxctl_bench_follows_without_polling,
         test_dedup_compare_not_hash,
         test_hf_add_reuses_local_blob, test_hf_add_links_when_allowed])
