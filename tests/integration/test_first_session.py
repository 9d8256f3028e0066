# SPDX-License-Identifier: ISC
"""What a new user meets in a first session, each once a rough edge:
mlxctl --help shows every usage line whole; a failed `cache add` prints no
"Added"; a run's started_at, ps_size_bytes and ps_vram_bytes are filled;
a finished job's progress says how it ended; the ETA during a tg test is
not far too low; comparisons come as Markdown and CSV from the API and
mlxctl; exports come in llama-bench's flat shape; a missing run is named
in the 404; `cache remove` names --force; "1 candidate"; `cache apps`
prints one row per app; a dedup dry run on a filesystem without clones
promises no bytes and names the methods that would work."""
import csv
import io
import json
import os
import re
import subprocess
import time

from harness import MLXCTL, check, eq, run, wait_for

MLXBAR = os.environ.get("MLXBAR_BIN", "mlxbar")
import test_cache as tc

MODEL = "llama3.2"


def bench_env(env):
    sim = env.sim()
    env.daemon(sim)
    wait_for(lambda: env.request("GET", "/v1/models")[0] == 200, 5,
             "models")
    return sim


def start(env, **body):
    body.setdefault("model", MODEL)
    st, _, b = env.request("POST", "/v1/benchmarks", body=body)
    eq(st, 202, "benchmark accepted: %r" % (b,))
    return b


def wait_done(env, rid, timeout=60):
    def done():
        r = env.get("/v1/benchmarks/" + rid)
        return r if r["state"] in ("done", "failed", "cancelled") else None
    return wait_for(done, timeout, "run %s to end" % rid, interval=0.1)


def test_help_shows_whole_usage(env):
    out = subprocess.run([MLXCTL, "--help"], capture_output=True,
                         text=True).stdout
    flat = " ".join(out.split())
    for words in ("cancel ID | delete ID", "--format json|csv|md",
                  "--since TIME|30m|2h|7d] [--limit N] [--json]"):
        check(words in flat, "%r in --help:\n%s" % (words, out))
    for line in out.splitlines():
        check(len(line) <= 80, "line fits 80 columns: %r" % line)


def test_bench_run_fields_progress_and_eta(env):
    bench_env(env)
    b = start(env, suite="quick", repetitions=1, warmup=0)
    # During the first tg step, the ETA must cover most of what is left.
    seen = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        p = env.get("/v1/benchmarks/" + b["id"])["progress"]
        if p is None:
            break
        if p["test"] == "tg128" and p["eta_s"] is not None:
            seen = (time.monotonic(), p["eta_s"])
            break
        time.sleep(0.02)
    r = wait_done(env, b["id"])
    end = time.monotonic()
    eq(r["state"], "done", "run done")
    check(seen is not None, "saw the tg step in flight")
    left = end - seen[0]
    check(seen[1] >= 0.5 * left,
          "ETA %.2fs with %.2fs actually left" % (seen[1], left))
    check(seen[1] <= 3 * left + 1,
          "ETA %.2fs with %.2fs actually left" % (seen[1], left))
    check(r["started_at"] is not None, "started_at is set")
    check(r["created_at"] <= r["started_at"] <= r["finished_at"],
          "created <= started <= finished: %r" % r)
    check(isinstance(r["ps_size_bytes"], int) and r["ps_size_bytes"] > 0,
          "ps_size_bytes: %r" % r["ps_size_bytes"])
    check(isinstance(r["ps_vram_bytes"], int), "ps_vram_bytes: %r"
          % r["ps_vram_bytes"])
    j = env.get("/v1/jobs/" + b["job"])
    eq(j["state"], "done", "job done")
    eq(j["progress"]["state"], "done", "the last progress says done")
    eq(j["progress"]["steps_done"], j["progress"]["steps_total"],
       "every step done")

    # The flat llama-bench shape.
    st, _, flat = env.request("GET", "/v1/benchmarks/%s/export?format="
                              "llama-bench" % b["id"])
    eq(st, 200, "llama-bench export")
    eq(len(flat), 2, "one object per test")
    for t in flat:
        for key in ("avg_ts", "stddev_ts", "n_prompt", "n_gen",
                    "model_filename"):
            check(key in t, "%s at top level: %r" % (key, sorted(t)))
    check(flat[0]["processor"] is not None, "processor from ps: %r"
          % flat[0]["processor"])
    rc, out, err = env.mlxctl("bench", "export", b["id"], "--format",
                              "llama-bench")
    eq(rc, 0, "mlxctl export llama-bench: %s" % err)
    eq(len(json.loads(out)), 2, "mlxctl prints the flat array")


def test_compare_formats_and_missing_id(env):
    bench_env(env)
    a = start(env, suite="quick", repetitions=1, warmup=0)
    wait_done(env, a["id"])
    c = start(env, suite="quick", repetitions=1, warmup=0)
    wait_done(env, c["id"])
    q = "/v1/benchmarks/compare?base=%s&candidate=%s" % (a["id"], c["id"])
    st, hdrs, md = env.request("GET", q + "&format=md", raw=True)
    eq(st, 200, "markdown compare")
    check(hdrs["content-type"].startswith("text/markdown"), hdrs)
    check(b"| test | metric |" in md and b"pp512" in md, md)
    st, hdrs, text = env.request("GET", q + "&format=csv", raw=True)
    eq(st, 200, "csv compare")
    rows = list(csv.DictReader(io.StringIO(text.decode())))
    check(any(r["test"] == "tg128" and r["headline"] == "true" and
              r["metric"] == "gen_tps" for r in rows), rows)
    st, _, e = env.request("GET", q + "&format=xml")
    eq(st, 400, "bad format")
    rc, out, err = env.mlxctl("bench", "compare", a["id"], c["id"],
                              "--format", "md")
    check(rc in (0, 3), "mlxctl compare --format md: %s" % err)
    check("| test | metric |" in out, out)
    rc, out, err = env.mlxctl("bench", "compare", a["id"], c["id"],
                              "--format", "csv")
    check(out.startswith("base,candidate,test,metric"), out)

    st, _, e = env.request("GET", "/v1/benchmarks/nosuchrun")
    eq(st, 404, "missing run")
    check("nosuchrun" in e["error"]["message"], e)
    st, _, e = env.request("GET", "/v1/benchmarks/compare?base=%s&"
                           "candidate=gone42" % a["id"])
    eq(st, 404, "compare with a missing run")
    check("gone42" in e["error"]["message"], e)
    rc, out, err = env.mlxctl("bench", "show", "nosuchrun")
    eq(rc, 1, "show a missing run")
    check("nosuchrun" in err, err)


def test_cache_edges(env):
    w = tc.World(env)
    w.build()
    try:
        tc.start(env, w)
        tc.synced(env)
        rc, out, err = env.mlxctl("cache", "add", "ollama://nonexistent")
        eq(rc, 1, "adding an unknown model fails")
        check("Added" not in out, "nothing claims it was added: %r" % out)
        check("nonexistent" in err, err)

        # One app using two models: one row, no "-  -" continuation rows.
        app = os.path.join(w.root, "twoapp")
        os.makedirs(app)
        os.symlink(os.path.join(w.ollama, "blobs", "sha256-" + w.sha_b),
                   os.path.join(app, "b.gguf"))
        os.symlink(os.path.join(w.ollama, "blobs", "sha256-" + w.sha_a),
                   os.path.join(app, "a.gguf"))
        rc, out, err = env.mlxctl("cache", "link", app, "twoapp")
        eq(rc, 0, "link: %s" % err)
        rc, out, err = env.mlxctl("cache", "apps")
        eq(rc, 0, "apps")
        rows = out.splitlines()[1:]
        eq(len(rows), 1, "one row per app: %r" % out)
        check(not re.match(r"^-\s+-\s", rows[0]), out)
        check("ollama:qwen:7b" in rows[0] and "," in rows[0], out)
        apps = env.get("/v1/cache/apps")["apps"]
        check(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", apps[0][
            "added_at"]), "added_at is ISO-8601: %r" % apps[0]["added_at"])
        for s in env.get("/v1/cache")["stores"]:
            check(re.match(r"^\d{4}-\d\d-\d\dT", s["scanned_at"]),
                  "scanned_at is ISO-8601: %r" % s)

        rc, out, err = env.mlxctl("cache", "remove", "qwen:7b")
        eq(rc, 1, "remove refused")
        check("--force" in err and "use force" not in err, err)

        # Exactly one cleanup candidate left: "1 candidate".
        res = tc.run_job(env, "/v1/cache/clean", {"dry_run": True})
        paths = [i["path"] for i in res["items"]]
        check(len(paths) >= 2, "several candidates: %r" % paths)
        tc.run_job(env, "/v1/cache/clean", {"dry_run": False,
                                            "paths": paths[1:]})
        tc.synced(env)
        rc, out, err = env.mlxctl("cache", "stats")
        eq(rc, 0, "stats")
        check(re.search(r"in 1 candidate \(", out), out)

        # Dry run with clone only, on a filesystem that cannot clone.
        fs = subprocess.run(["stat", "-f", "-c", "%T", w.root],
                            capture_output=True, text=True).stdout.strip()
        if fs in ("ext2/ext3", "ext4", "tmpfs", "overlayfs"):
            res = tc.run_job(env, "/v1/cache/dedup",
                             {"dry_run": True, "methods": ["clone"]})
            eq(res["reclaimable_bytes"], 0, "nothing reclaimable by clone")
            check(all(a["outcome"] == "unsupported"
                      for a in res["actions"]), res["actions"])
            check(any("would work: hardlink" in a["reason"]
                      for a in res["actions"]), res["actions"])
            rc, out, err = env.mlxctl("cache", "dedup", "--dry-run",
                                      "--method", "clone")
            eq(rc, 0, "dry run")
            check("0 B could be reclaimed" in out and
                  "cannot be shared" in out, out)
            check(not os.listdir(w.root) or not any(
                n.startswith(".mlxd-probe") for d, _, ns in os.walk(w.root)
                for n in ns), "the probe left nothing behind")
    finally:
        w.cleanup()


def test_mlxbar_actions_use_an_mlxctl_that_exists(env):
    """Actions never point at an mlxctl that is not there: the one asked
    for if it exists, else one beside mlxbar or on PATH, else none."""
    sim = env.sim()
    env.daemon(sim)
    wait_for(lambda: env.request("GET", "/v1/models")[0] == 200, 5,
             "models")
    bindir = os.path.join(env.dir, "bin")
    os.makedirs(bindir)
    os.symlink(os.path.abspath(MLXCTL), os.path.join(bindir, "mlxctl"))

    def bar(path, mlxctl="/nonexistent/bin/mlxctl"):
        e = dict(env.base_env)
        e["PATH"] = path
        p = subprocess.run([MLXBAR, "--socket", env.sock, "--mlxctl",
                            mlxctl], capture_output=True, env=e, timeout=30)
        eq(p.returncode, 0, "mlxbar: %r" % p.stderr)
        return p.stdout.decode()

    def action_path(out):
        m = re.search(r"^Live monitor and history \| bash=(\S+) ", out, re.M)
        check(m, "an action: %s" % out)
        return m.group(1)

    for path in (bindir + ":/usr/bin:/bin", "/usr/bin:/bin"):
        out = bar(path)
        check("/nonexistent" not in out, out)
        p = action_path(out)
        check(os.access(p, os.X_OK) and os.path.basename(p) == "mlxctl",
              "the action's mlxctl exists: %s" % p)
    check("Preferences" in out and "Launch at login" in out, out)
    out = bar(bindir + ":/usr/bin:/bin", mlxctl=os.path.abspath(MLXCTL))
    eq(action_path(out), os.path.abspath(MLXCTL), "the one asked for")


if __name__ == "__main__":
    run([test_help_shows_whole_usage, test_bench_run_fields_progress_and_eta,
         test_compare_formats_and_missing_id, test_cache_edges,
         test_mlxbar_actions_use_an_mlxctl_that_exists])
