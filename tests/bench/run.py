#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Benchmarks: start the real mlxd against the Ollama simulator and print
figures. Targets are printed beside the figures; nothing here fails on a
timing. Usage: tests/bench/run.py BUILD_DIR [bench ...]

  idle     mlxd RSS and CPU over MLXD_BENCH_IDLE_S (default 60) seconds,
           Ollama polled at 1 Hz, metrics sampled at 1 Hz
  afterwork  mlxd's memory once idle again after three dedups and a burst
           of /metrics scrapes on 16 connections
  status   GET /v1/status with 32 keep-alive clients for 10 s (loadgen)
  metrics  CPU per system sample; memory of a full hour of history
  sse      CPU mlxd spends on 64 connected /v1/events clients at 1 Hz
  proxy    8 concurrent streams through mlxd (socket /v1/generate and the
           proxy listener's /api/generate) vs straight to the simulator:
           added TTFT and throughput
  blob     a 1 GB POST /api/blobs/:digest through the proxy listener vs
           straight to the simulator (MLXD_BENCH_BLOB_MB, default 1024):
           throughput and mlxd's RSS growth
  dedup    duplicate finding on a generated corpus of model stores
           (MLXD_BENCH_DEDUP_GB, default 3; check `df -h` first): mlxd as
           a user runs it (`mlxctl cache dedup --dry-run`, fresh data dir)
           and through the API (sync + dedup dry run, the search alone)
           vs rdfind -dryrun true vs jdupes -r; the search's breakdown,
           bytes read against the minimum, and a check that files whose
           digest is known were never hashed
  hf       hf:// add of a repo (MLXD_BENCH_HF_MB, default 512) whose big
           file already sits in the Ollama store vs a cold add: bytes the
           hub served and wall time
"""
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
os.environ.setdefault("MLXD_BIN", os.path.join(BUILD, "daemon", "mlxd"))
os.environ.setdefault("MLXCTL_BIN", os.path.join(BUILD, "clients", "mlxctl"))
os.environ.setdefault("SIM_BIN", os.path.join(BUILD, "tests", "sim",
                                              "ollama-sim"))
LOADGEN = os.path.join(BUILD, "tests", "bench", "loadgen")

import harness  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu_s(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK


def proc_rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def proc_mem_kb(pid):
    """RSS, and the private part of it (anonymous + private file pages),
    and PSS, from smaps_rollup."""
    out = {"Rss": 0, "Pss": 0, "Private_Clean": 0, "Private_Dirty": 0,
           "Anonymous": 0}
    try:
        for line in open("/proc/%d/smaps_rollup" % pid):
            k = line.split(":")[0]
            if k in out:
                out[k] = int(line.split()[1])
    except OSError:
        out["Rss"] = proc_rss_kb(pid)
    return out


def proc_maps_kb(pid):
    """Rss/Pss/private per mapped object (library, [heap], anonymous)."""
    import re
    maps, cur = {}, None
    for line in open("/proc/%d/smaps" % pid):
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            f = line.split()
            name = os.path.basename(f[5]) if len(f) > 5 else "[anon]"
            cur = maps.setdefault(name, {"Rss": 0, "Pss": 0, "Private": 0})
        elif cur is not None:
            k = line.split(":")[0]
            if k in ("Rss", "Pss"):
                cur[k] += int(line.split()[1])
            elif k in ("Private_Clean", "Private_Dirty"):
                cur["Private"] += int(line.split()[1])
    return maps


def scrape(url_or_sock, stop, path="/metrics"):
    """GET path once a second until stop is set."""
    import urllib.request
    while not stop.is_set():
        try:
            if url_or_sock.startswith("http"):
                urllib.request.urlopen(url_or_sock + path, timeout=5).read()
            else:
                c = harness.UnixHTTPConnection(url_or_sock, timeout=5)
                c.request("GET", path)
                c.getresponse().read()
                c.close()
        except OSError:
            pass
        stop.wait(1)


def idle_watch(pid, secs):
    """Peak memory (by RSS) and CPU % over secs seconds."""
    c0, t0 = proc_cpu_s(pid), time.monotonic()
    peak = {}
    while time.monotonic() - t0 < secs:
        m = proc_mem_kb(pid)
        if m["Rss"] >= peak.get("Rss", 0):
            peak = m
        time.sleep(1)
    cpu = (proc_cpu_s(pid) - c0) / (time.monotonic() - t0) * 100
    return peak, cpu


def bench_idle(env):
    import shutil
    secs = float(os.environ.get("MLXD_BENCH_IDLE_S", "60"))
    sim = env.sim()
    d = env.daemon(sim, config="ollama:\n  url: %s\n  poll_interval_ms: 1000\n"
                   % sim.url)
    model = sim.request("GET", "/api/tags")[1]["models"][0]["name"]
    sim.load(model)
    stop = threading.Event()
    th = threading.Thread(target=scrape, args=(env.sock, stop), daemon=True)
    th.start()
    time.sleep(3)
    pid = d.proc.pid
    peak, cpu = idle_watch(pid, secs)
    private = peak["Private_Clean"] + peak["Private_Dirty"]
    print("idle: %.0f s, Ollama polled at 1 Hz, metrics at 1 Hz, /metrics "
          "scraped at 1 Hz: mlxd RSS peak %.1f MB (target <= 8 MB), of "
          "which private %.1f MB (target <= 4 MB; anonymous %.1f MB) and "
          "shared library pages %.1f MB; PSS %.1f MB; CPU %.2f %% of one "
          "core (target <= 0.5 %%)"
          % (secs, peak["Rss"] / 1024, private / 1024,
             peak["Anonymous"] / 1024, (peak["Rss"] - private) / 1024,
             peak["Pss"] / 1024, cpu))
    # The ring is allocated up front and fills over the hour: its pages are
    # private anonymous memory, added to all three figures.
    hour = int(metrics_cost().get("history_hour_kb", "0"))
    print("idle: with a full hour of 1 Hz history (+%d KB): RSS %.1f MB, "
          "private %.1f MB, PSS %.1f MB (targets: RSS <= 8 MB, private "
          "<= 4 MB)" % (hour, (peak["Rss"] + hour) / 1024,
                        (private + hour) / 1024, (peak["Pss"] + hour) / 1024))
    maps = proc_maps_kb(pid)
    top = sorted(maps.items(), key=lambda kv: -kv[1]["Rss"])[:int(os.environ.get("MLXD_BENCH_MAPS", "10"))]
    print("idle: mlxd by mapping (RSS/PSS/private KB): " + ", ".join(
        "%s %d/%d/%d" % (n, m["Rss"], m["Pss"], m["Private"])
        for n, m in top))
    stop.set()
    th.join()
    ne = shutil.which("prometheus-node-exporter") or \
        shutil.which("node_exporter")
    if ne is None:
        print("idle: prometheus-node-exporter not installed (make bench "
              "installs it)")
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = subprocess.Popen([ne, "--web.listen-address=127.0.0.1:%d" % port],
                         stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        time.sleep(2)
        stop = threading.Event()
        th = threading.Thread(target=scrape, args=(
            "http://127.0.0.1:%d" % port, stop), daemon=True)
        th.start()
        time.sleep(3)
        npeak, ncpu = idle_watch(p.pid, secs)
        stop.set()
        th.join()
        nprivate = npeak["Private_Clean"] + npeak["Private_Dirty"]
        print("idle: prometheus-node-exporter, same %.0f s, scraped at "
              "1 Hz: RSS peak %.1f MB, private %.1f MB, PSS %.1f MB, CPU "
              "%.2f %% (mlxd: %.1f / %.1f / %.1f MB, %.2f %%)"
              % (secs, npeak["Rss"] / 1024, nprivate / 1024,
                 npeak["Pss"] / 1024, ncpu, peak["Rss"] / 1024,
                 private / 1024, peak["Pss"] / 1024, cpu))
    finally:
        p.terminate()
        p.wait(10)


def bench_afterwork(env):
    """Memory once the daemon is idle again after work: three dedup dry
    runs of a small corpus and 320 /metrics scrapes on 16 connections."""
    info = dedup_corpus(os.path.join(env.dir, "c"), 0.3)
    sim = env.sim()
    d = env.daemon(sim, config="ollama:\n  url: %s\n  poll_interval_ms: "
                   "1000\n" % sim.url, extra_env=dict(
                       info["env"], HOME=os.path.dirname(
                           os.path.dirname(info["dirs"][2]))))
    harness.wait_for(lambda: "cache" in env.get("/v1/status"), 30, "cache")
    harness.wait_for(lambda: not env.get("/v1/status")["cache"][
        "scanning"], 60, "the start-up scan")
    for _ in range(3):
        st, _, b = env.request("POST", "/v1/cache/dedup",
                               body={"dry_run": True})
        harness.wait_for(lambda: env.get("/v1/jobs/%s?wait=30" % b["job"])[
            "state"] != "running", 120, "dedup", interval=0)

    def burst():
        for _ in range(20):
            env.request("GET", "/metrics", raw=True)
    ts = [threading.Thread(target=burst) for _ in range(16)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    time.sleep(10)
    m = proc_mem_kb(d.proc.pid)
    print("afterwork: idle again after 3 dedups and 320 scrapes on 16 "
          "connections: mlxd RSS %.1f MB, private %.1f MB (anonymous "
          "%.1f MB), PSS %.1f MB"
          % (m["Rss"] / 1024, (m["Private_Clean"] + m["Private_Dirty"]) /
             1024, m["Anonymous"] / 1024, m["Pss"] / 1024))


def bench_status(env):
    sim = env.sim()
    env.daemon(sim)
    harness.wait_for(lambda: env.get("/v1/status")["ollama"]["connected"],
                     5, "connected")
    out = subprocess.run([LOADGEN, env.sock, "/v1/status", "32", "10"],
                         capture_output=True, check=True).stdout.decode()
    f = out.split()
    kv = dict(zip(f[0::2], f[1::2]))
    print("status: 32 keep-alive clients, 10 s: %s req/s (target >= "
          "10000), p50 %s ms, p99 %s ms (target <= 5 ms), errors %s, "
          "on %d cores" % (kv["rps"], kv["p50_ms"], kv["p99_ms"],
                            kv["errors"], os.cpu_count()))


def metrics_cost():
    """metrics_cost's figures: the CPU of a sample, and the resident KB
    a ring of an hour of samples adds once full (measured, not computed)."""
    out = subprocess.run([os.path.join(BUILD, "tests", "bench",
                                       "metrics_cost")],
                         capture_output=True, check=True).stdout.decode()
    kv = {}
    for line in out.splitlines():
        f = line.split()
        kv.update(zip(f[0::2], f[1::2]))
    return kv


def bench_metrics(env):
    kv = metrics_cost()
    print("metrics: one sample costs %s us of CPU (target <= 1000 us); a "
          "full hour of 1 Hz history adds %s KB resident (%s samples of %s "
          "bytes)" % (kv.get("sample_cpu_us"), kv.get("history_hour_kb"),
                      kv.get("capacity"), kv.get("sample_bytes")))
    # The daemon itself at idle, plus that hour, against the 12 MB target.
    d = env.daemon()
    time.sleep(3)
    m = proc_mem_kb(d.proc.pid)
    hour = int(kv.get("history_hour_kb", "0"))
    print("metrics: mlxd RSS now %.1f MB, with a full hour of history "
          "%.1f MB (target <= 12 MB); private %.1f MB + %.1f MB"
          % (m["Rss"] / 1024, (m["Rss"] + hour) / 1024,
             (m["Private_Clean"] + m["Private_Dirty"]) / 1024, hour / 1024))


def sse_client(path, stop, counts, i):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b"GET /v1/events HTTP/1.1\r\nHost: mlxd\r\n\r\n")
    s.settimeout(0.5)
    n = 0
    while not stop.is_set():
        try:
            data = s.recv(65536)
        except socket.timeout:
            continue
        if not data:
            break
        n += data.count(b"event: metrics")
    counts[i] = n
    s.close()


def bench_sse(env):
    secs = float(os.environ.get("MLXD_BENCH_SSE_S", "30"))
    d = env.daemon()
    time.sleep(2)
    pid = d.proc.pid
    c0, t0 = proc_cpu_s(pid), time.monotonic()
    time.sleep(secs)
    base = (proc_cpu_s(pid) - c0) / (time.monotonic() - t0) * 100
    stop = threading.Event()
    counts = [0] * 64
    threads = [threading.Thread(target=sse_client, args=(env.sock, stop,
                                                         counts, i))
               for i in range(64)]
    for t in threads:
        t.start()
    time.sleep(2)
    c0, t0 = proc_cpu_s(pid), time.monotonic()
    time.sleep(secs)
    loaded = (proc_cpu_s(pid) - c0) / (time.monotonic() - t0) * 100
    stop.set()
    for t in threads:
        t.join()
    print("sse: mlxd CPU %.2f %% with no clients, %.2f %% with 64 SSE "
          "clients: +%.2f %% of one core (target <= 1 %%); each client got "
          "%d-%d metrics events in %.0f s" % (base, loaded, loaded - base,
                                             min(counts), max(counts),
                                             secs + 2))


def stream_once(connect, path, body, out):
    c = connect()
    t0 = time.monotonic()
    c.request("POST", path, body=body,
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    first = last = None
    n = 0
    buf = b""
    while True:
        data = r.read1(65536)
        if not data:
            break
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            o = json.loads(line)
            if o.get("response"):
                now = time.monotonic()
                first = first or now
                last = now
                n += 1
    c.close()
    out.append((first - t0, (n - 1) / (last - first) if n > 1 else 0))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def bench_proxy(env):
    rounds = int(os.environ.get("MLXD_BENCH_PROXY_ROUNDS", "5"))
    port = free_port()
    sim = env.sim(["--tps", "100", "--ttft-ms", "50"])
    env.daemon(sim, config="ollama:\n  url: %s\n  poll_interval_ms: 1000\n"
               "proxy:\n  listen: 127.0.0.1:%d\n" % (sim.url, port))
    sim.load("llama3.2:latest")
    body = json.dumps({"model": "llama3.2", "prompt": "bench",
                       "options": {"num_predict": 200}})

    class Unix(http.client.HTTPConnection):
        def __init__(self):
            super().__init__("mlxd", timeout=60)

        def connect(self):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect(env.sock)

    def direct():
        return http.client.HTTPConnection("127.0.0.1", sim.port, timeout=60)

    def listener():
        return http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    ways = (("direct", direct, "/api/generate"),
            ("mlxd", Unix, "/v1/generate"),
            ("listener", listener, "/api/generate"))
    results = {w[0]: [] for w in ways}
    for _ in range(rounds):
        for name, conn, path in ways:
            out = []
            ts = [threading.Thread(target=stream_once,
                                   args=(conn, path, body, out))
                  for _ in range(8)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            results[name].extend(out)
    d_ttft = statistics.median(x[0] for x in results["direct"]) * 1000
    d_tps = statistics.mean(x[1] for x in results["direct"])
    for name, label in (("mlxd", "the socket's /v1/generate"),
                        ("listener", "the proxy listener's /api/generate")):
        m_ttft = statistics.median(x[0] for x in results[name]) * 1000
        m_tps = statistics.mean(x[1] for x in results[name])
        print("proxy: 8 concurrent streams x %d rounds at 100 tok/s via %s: "
              "TTFT median direct %.2f ms, through mlxd %.2f ms, added "
              "%.2f ms (target <= 1 ms); throughput direct %.2f tok/s, "
              "through mlxd %.2f tok/s = %.2f %% of direct (target >= 99 %%)"
              % (rounds, label, d_ttft, m_ttft, m_ttft - d_ttft, d_tps,
                 m_tps, m_tps / d_tps * 100))


def upload(port, digest, size, chunk):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    c.putrequest("POST", "/api/blobs/" + digest)
    c.putheader("Content-Length", str(size))
    c.endheaders()
    t0 = time.monotonic()
    for _ in range(size // len(chunk)):
        c.send(chunk)
    r = c.getresponse()
    r.read()
    dt = time.monotonic() - t0
    c.close()
    return r.status, dt


def bench_blob(env):
    import hashlib
    mb = int(os.environ.get("MLXD_BENCH_BLOB_MB", "1024"))
    port = free_port()
    sim = env.sim()
    d = env.daemon(sim, config="ollama:\n  url: %s\n"
                   "proxy:\n  listen: 127.0.0.1:%d\n" % (sim.url, port))
    chunk = os.urandom(1024 * 1024)
    size = mb * len(chunk)
    h = hashlib.sha256()
    for _ in range(mb):
        h.update(chunk)
    dig = "sha256:" + h.hexdigest()
    rounds = int(os.environ.get("MLXD_BENCH_BLOB_ROUNDS", "3"))
    base = proc_rss_kb(d.proc.pid)
    peak = [base]
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            peak[0] = max(peak[0], proc_rss_kb(d.proc.pid))
            time.sleep(0.02)

    t = threading.Thread(target=watch)
    t.start()
    direct, proxied, cpu = [], [], []
    # Alternate, so a machine busy with other work hurts both alike.
    for _ in range(rounds):
        sim.request("POST", "/_sim/reset")
        st, dt = upload(sim.port, dig, size, chunk)
        direct.append(mb / dt)
        sim.request("POST", "/_sim/reset")
        c0 = proc_cpu_s(d.proc.pid)
        st2, dt = upload(port, dig, size, chunk)
        cpu.append(proc_cpu_s(d.proc.pid) - c0)
        proxied.append(mb / dt)
    stop.set()
    t.join()
    dm, pm = statistics.median(direct), statistics.median(proxied)
    print("blob: %d MB upload x %d rounds: direct median %.0f MB/s "
          "(status %d), through the proxy listener %.0f MB/s (status %d) "
          "= %.1f %% of direct (target >= 90 %%); mlxd CPU %.2f s per GB; "
          "mlxd RSS %d kB before, peak %d kB, growth %d kB (target: flat)"
          % (mb, rounds, dm, st, pm, st2, pm / dm * 100,
             statistics.median(cpu) * 1024 / mb, base, peak[0],
             peak[0] - base))


def dedup_corpus(root, gb):
    """Model stores as the tools write them, about gb GB: Ollama blobs
    named by their sha256 in four size classes (many same-size files), half
    of them again as Hugging Face LFS blobs (named by sha256 too), a quarter
    as LM Studio copies (no digest in the name), and same-size LM Studio
    decoys that differ only in their last byte or only in the middle."""
    import hashlib
    mib = 1 << 20
    sizes = [8 * mib, 12 * mib, 16 * mib, 24 * mib]
    # Each blob brings about 1 + 1/2 + 1/4 + 1/4 + 1/8 of its size.
    nblobs = max(8, int(gb * 1024 * mib / (15 * mib * 2.125)))
    ollama = os.path.join(root, "ollama")
    hub = os.path.join(root, "hf", "hub")
    lms = os.path.join(root, "home", ".lmstudio", "models")
    os.makedirs(os.path.join(ollama, "blobs"))
    os.makedirs(lms)
    info = {"files": 0, "bytes": 0, "known": set(), "unknown": set(),
            "must_hash": set(), "groups": 0}

    def put(path, data):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        info["files"] += 1
        info["bytes"] += len(data)

    layers = []
    for i in range(nblobs):
        data = os.urandom(sizes[i % len(sizes)])
        digest = hashlib.sha256(data).hexdigest()
        blob = os.path.join(ollama, "blobs", "sha256-" + digest)
        put(blob, data)
        info["known"].add(os.path.realpath(blob))
        layers.append({"mediaType": "application/vnd.ollama.image.model",
                       "digest": "sha256:" + digest, "size": len(data)})
        copies = 1
        if i % 2 == 0:
            rdir = os.path.join(hub, "models--org--m%d" % i)
            put(os.path.join(rdir, "blobs", digest), data)
            info["known"].add(os.path.realpath(os.path.join(
                rdir, "blobs", digest)))
            os.makedirs(os.path.join(rdir, "snapshots", "%040d" % i))
            os.symlink("../../blobs/" + digest, os.path.join(
                rdir, "snapshots", "%040d" % i, "model.gguf"))
            os.makedirs(os.path.join(rdir, "refs"))
            with open(os.path.join(rdir, "refs", "main"), "w") as f:
                f.write("%040d" % i)
            copies += 1
        if i % 4 == 1:
            p = os.path.join(lms, "pub", "m%d-GGUF" % i, "model.gguf")
            put(p, data)
            info["unknown"].add(os.path.realpath(p))
            info["must_hash"].add(os.path.realpath(p))
            copies += 1
        if i % 4 == 3:
            # Same size, differs only in the last byte: a sample rules it out.
            p = os.path.join(lms, "pub", "d%d-GGUF" % i, "model.gguf")
            put(p, data[:-1] + bytes([data[-1] ^ 1]))
            info["unknown"].add(os.path.realpath(p))
        if i % 8 == 2:
            # Differs only in the middle: only a full hash rules it out.
            mid = len(data) // 2
            p = os.path.join(lms, "pub", "x%d-GGUF" % i, "model.gguf")
            put(p, data[:mid] + bytes([data[mid] ^ 1]) + data[mid + 1:])
            info["unknown"].add(os.path.realpath(p))
            info["must_hash"].add(os.path.realpath(p))
        info["groups"] += copies > 1
    man = os.path.join(ollama, "manifests", "registry.ollama.ai", "library",
                       "corpus", "latest")
    os.makedirs(os.path.dirname(man))
    with open(man, "w") as f:
        json.dump({"schemaVersion": 2, "layers": layers}, f)
    info["dirs"] = [ollama, hub, lms]
    info["env"] = {"OLLAMA_MODELS": ollama, "HF_HOME": os.path.join(
        root, "hf"), "HF_HUB_CACHE": hub}
    return info


def dedup_mlxd_once(env, info, k):
    """One fresh daemon (empty hash cache): sync, then a dry-run search."""
    env.data = os.path.join(env.dir, "data-%d" % k)
    d = env.daemon(config="cache:\n  scan_on_start: false\n",
                   extra_env=dict(info["env"], HOME=os.path.dirname(
                       os.path.dirname(info["dirs"][2]))))

    def job(path, body):
        st, _, b = env.request("POST", path, body=body)
        if st != 202:
            raise harness.Failure("%s: %d %r" % (path, st, b))
        return harness.wait_for(
            lambda: (lambda j: j if j["state"] != "running" else None)(
                env.get("/v1/jobs/%s?wait=30" % b["job"])), 600, path,
            interval=0)
    t0 = time.monotonic()
    s = job("/v1/cache/sync", {})
    r = job("/v1/cache/dedup", {"dry_run": True, "rescan": False})
    wall = time.monotonic() - t0
    d.stop()
    env.procs.remove(d)
    if s["state"] != "done" or r["state"] != "done":
        raise harness.Failure("jobs: %r %r" % (s.get("error"),
                                                r.get("error")))
    return wall, s["result"], r["result"]


def dedup_cli_once(env, info, k):
    """As a user runs it: `mlxctl cache dedup --dry-run` against a daemon
    just started on a fresh data dir (its start-up scan included), wall
    clock of the command."""
    env.data = os.path.join(env.dir, "cli-%d" % k)
    d = env.daemon(extra_env=dict(info["env"], HOME=os.path.dirname(
        os.path.dirname(info["dirs"][2]))))
    t0 = time.monotonic()
    rc, out, err = env.mlxctl("cache", "dedup", "--dry-run")
    wall = time.monotonic() - t0
    d.stop()
    env.procs.remove(d)
    if rc != 0:
        raise harness.Failure("mlxctl cache dedup: %d %s" % (rc, err))
    return wall


def dedup_tool(cmd, cwd):
    t0 = time.monotonic()
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    wall = time.monotonic() - t0
    if p.returncode != 0:
        raise harness.Failure("%s: exit %d: %s" % (cmd[0], p.returncode,
                                                    p.stderr[:300]))
    return wall, p.stdout


def bench_dedup(env):
    import shutil
    gb = float(os.environ.get("MLXD_BENCH_DEDUP_GB", "3"))
    rounds = int(os.environ.get("MLXD_BENCH_DEDUP_ROUNDS", "3"))
    root = os.path.join(env.dir, "corpus")
    free = shutil.disk_usage(env.dir).free
    if free < gb * 1.3e9:
        print("dedup: only %.1f GB free in %s; set MLXD_BENCH_DEDUP_GB "
              "lower" % (free / 1e9, env.dir))
        return
    t0 = time.monotonic()
    info = dedup_corpus(root, gb)
    print("dedup: corpus of %d files, %.2f GB in %.0f s: %d duplicate "
          "groups; %d files with a digest in their name, %d without "
          "(%d of them need a full read)"
          % (info["files"], info["bytes"] / 1e9, time.monotonic() - t0,
             info["groups"], len(info["known"]), len(info["unknown"]),
             len(info["must_hash"])))
    # Page-cache the corpus once, as every tool after the first sees it.
    subprocess.run(["cat"] + [os.path.join(dp, f) for d in info["dirs"]
                              for dp, _, fs in os.walk(d) for f in fs],
                   stdout=subprocess.DEVNULL, check=True)
    times = {"mlxd": [], "search": [], "cli": [], "rdfind": [],
             "jdupes": []}
    last = None
    jsets = 0
    for k in range(rounds):
        wall, sync, rep = dedup_mlxd_once(env, info, k)
        times["mlxd"].append(wall)
        times["search"].append(rep["duration_ms"] / 1000)
        times["cli"].append(dedup_cli_once(env, info, k))
        last = (sync, rep)
        work = os.path.join(env.dir, "rdfind-%d" % k)
        os.makedirs(work)
        if shutil.which("rdfind"):
            times["rdfind"].append(dedup_tool(
                ["rdfind", "-dryrun", "true"] + info["dirs"], work)[0])
        if shutil.which("jdupes"):
            w, out = dedup_tool(["jdupes", "-r", "-q"] + info["dirs"],
                                work)
            times["jdupes"].append(w)
            jsets = len([b for b in out.split("\n\n") if b.strip()])
    sync, rep = last
    med = {k: statistics.median(v) for k, v in times.items() if v}
    parts = ["mlxd CLI %.3f s (`mlxctl cache dedup --dry-run`, fresh data "
             "dir, start-up scan included)" % med["cli"],
             "mlxd API %.3f s (scan %.3f s + search %.3f s)"
             % (med["mlxd"], sync["duration_ms"] / 1000, med["search"])]
    for tool in ("rdfind", "jdupes"):
        parts.append("%s %.2f s" % (tool, med[tool]) if tool in med else
                     "%s not installed (make bench installs it)" % tool)
    print("dedup: finding duplicates in %.2f GB, median of %d: %s"
          % (info["bytes"] / 1e9, rounds, "; ".join(parts)))
    for tool in ("rdfind", "jdupes"):
        if tool in med:
            print("dedup: vs %s: CLI %.1fx, search alone %.1fx (goal: "
                  ">= 4x faster than jdupes)"
                  % (tool, med[tool] / med["cli"],
                     med[tool] / med["search"]))
    b = rep.get("search", {})
    print("dedup: the search's breakdown (last run, ms): stat %.1f, "
          "sample %.1f, compare %.1f, hash %.1f, plan %.1f on %d threads"
          % (b.get("stat_ms", 0), b.get("sample_ms", 0),
             b.get("compare_ms", 0), b.get("hash_ms", 0),
             b.get("plan_ms", 0), b.get("threads", 0)))
    # What mlxd read, and that named digests were never hashed.
    hashed = set()
    for g in rep["groups"]:
        for m in g["members"]:
            if m["digest"] == "hash":
                hashed.add(m["path"])
    known_hashed = hashed & info["known"]
    # The minimum: every byte of an unnamed copy (to know it is one), the
    # bytes up to the difference of a middle decoy, nothing of the rest.
    minimum = sum(os.path.getsize(p) for p in info["must_hash"])
    print("dedup: mlxd found %d groups (%s), wasting %.2f GB; compared "
          "%d files (%.2f GB), hashed %d (%.2f GB at %.2f GB/s), sampled "
          "%d; files with a known digest hashed: %d (target 0)"
          % (rep["groups_total"], "jdupes: %d sets" % jsets
             if times["jdupes"] else "jdupes not run",
             rep["wasted_bytes"] / 1e9, rep.get("files_compared", 0),
             rep.get("bytes_compared", 0) / 1e9, rep["files_hashed"],
             rep["bytes_hashed"] / 1e9,
             rep["hash_rate_bytes_per_s"] / 1e9, rep["files_sampled"],
             len(known_hashed)))
    print("dedup: bytes read %.2f GB = %.2fx the minimum of %.2f GB (the "
          "unnamed copies and middle decoys read once, corpus %.2f GB)"
          % (rep["bytes_read"] / 1e9, rep["bytes_read"] / max(minimum, 1),
             minimum / 1e9, info["bytes"] / 1e9))
    if known_hashed:
        print("dedup: WARNING: mlxd hashed a file with a known digest")


def bench_hf(env):
    """hf:// add of a repo whose large file already sits in the Ollama
    store, against a cold add of the same repo: bytes the hub served and
    wall time."""
    import hashlib
    mb = int(os.environ.get("MLXD_BENCH_HF_MB", "512"))
    root = os.path.join(env.dir, "hfbench")
    os.makedirs(root)
    size = mb * 1024 * 1024 + 77
    manifest = {"tokens": [], "repos": {"acme/big": {"revisions": {"main": {
        "commit": "2" * 40, "files": [
            {"path": "config.json", "size": 700, "seed": 1},
            {"path": "model.safetensors", "size": size, "seed": 9,
             "lfs": True}]}}}}}
    with open(os.path.join(root, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    hub = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "..", "hfsim", "hf_sim.py"),
         "--root", root], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    port = int(hub.stdout.readline().split()[1])
    url = "http://127.0.0.1:%d" % port
    try:
        sys.path.insert(0, os.path.join(HERE, "..", "hfsim"))
        import hf_sim
        data = hf_sim.content(9, size)
        digest = hashlib.sha256(data).hexdigest()
        ollama = os.path.join(env.dir, "ollama")
        os.makedirs(os.path.join(ollama, "blobs"))
        with open(os.path.join(ollama, "blobs", "sha256-" + digest),
                  "wb") as f:
            f.write(data)
        man = os.path.join(ollama, "manifests", "registry.ollama.ai",
                           "library", "big", "latest")
        os.makedirs(os.path.dirname(man))
        with open(man, "w") as f:
            json.dump({"schemaVersion": 2, "layers": [
                {"mediaType": "application/vnd.ollama.image.model",
                 "digest": "sha256:" + digest, "size": size}]}, f)
        del data

        def add(label, with_ollama):
            import shutil
            hubdir = os.path.join(env.dir, "hf-" + label, "hub")
            env.data = os.path.join(env.dir, "data-" + label)
            ex = {"HF_ENDPOINT": url, "HF_HUB_CACHE": hubdir,
                  "HF_HOME": os.path.dirname(hubdir),
                  "OLLAMA_MODELS": ollama if with_ollama else
                  os.path.join(env.dir, "none")}
            d = env.daemon(extra_env=ex)
            harness.wait_for(lambda: not env.get("/v1/status")["cache"][
                "scanning"], 60, "scan")
            req = urllib_post(url + "/_sim/clear")
            t0 = time.monotonic()
            rc, out, err = env.mlxctl("cache", "add", "hf://acme/big")
            wall = time.monotonic() - t0
            if rc != 0:
                raise harness.Failure("add: %s" % err)
            served = json.loads(urllib_get(url + "/_sim/stats"))[
                "bytes_served"]
            jobs = env.get("/v1/jobs?kind=cache.add")["jobs"]
            res = jobs[0]["result"]
            d.stop()
            env.procs.remove(d)
            shutil.rmtree(hubdir, ignore_errors=True)
            del req
            return wall, served, res
        cw, cs, cr = add("cold", False)
        ww, ws, wr = add("warm", True)
        print("hf: add of a %d MB repo: cold %.2f s, %.1f MB from the hub; "
              "with the weights in the Ollama store %.2f s, %d bytes from "
              "the hub (goal: only the small files), %.1f MB made locally "
              "(%.1f MB cloned), %.1fx faster"
              % (mb, cw, cs / 1e6, ww, ws, wr.get("bytes_reused", 0) / 1e6,
                 wr.get("bytes_cloned", 0) / 1e6, cw / ww))
    finally:
        hub.terminate()
        hub.wait(10)


def urllib_get(url):
    import urllib.request
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read()


def urllib_post(url):
    import urllib.request
    req = urllib.request.Request(url, data=b"{}", headers={
        "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read()


BENCHES = {"idle": bench_idle, "status": bench_status,
           "metrics": bench_metrics, "sse": bench_sse,
           "proxy": bench_proxy, "blob": bench_blob, "dedup": bench_dedup,
           "hf": bench_hf, "afterwork": bench_afterwork}


def main():
    names = sys.argv[2:] or list(BENCHES)
    for name in names:
        env = harness.Env(name)
        ok = False
        try:
            BENCHES[name](env)
            ok = True
        finally:
            env.cleanup(ok)


if __name__ == "__main__":
    main()
