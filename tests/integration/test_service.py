# SPDX-License-Identifier: ISC
"""`mlxctl service install|uninstall|status` with fake systemctl and
launchctl on PATH that record their arguments: the systemd user unit (or
the LaunchAgent) is written for the mlxd beside mlxctl or given, enabled
with `systemctl --user enable --now` (or `launchctl bootstrap gui/UID`),
reported, and removed again; the Homebrew formula and the CI workflow in
the repository are well-formed."""
import os
import re
import stat

from harness import MLXCTL, MLXD, check, eq, run

ROOT = os.environ.get("MLXD_SOURCE_ROOT",
                      os.path.join(os.path.dirname(__file__), "..", ".."))

FAKE = """#!/bin/sh
echo "$0 $*" >> "%s"
case "$*" in
*is-enabled*) grep -E "(enable|disable) --now" "%s" | tail -n 1 | grep -q " enable" ;;
*print*) grep -E "bootstrap|bootout" "%s" | tail -n 1 | grep -q bootstrap ;;
*) exit 0 ;;
esac
"""


def fake_tools(env):
    bindir = os.path.join(env.dir, "fakebin")
    os.makedirs(bindir)
    log = os.path.join(env.dir, "calls.log")
    open(log, "w").close()
    for name in ("systemctl", "launchctl"):
        p = os.path.join(bindir, name)
        with open(p, "w") as f:
            f.write(FAKE % ((log,) * 3))
        os.chmod(p, stat.S_IRWXU)
    return bindir, log


def calls(log):
    return [l.split(" ", 1)[1].strip() for l in open(log).read()
            .splitlines()]


def test_systemd_user_unit(env):
    bindir, log = fake_tools(env)
    e = {"PATH": bindir + ":" + env.base_env["PATH"]}
    mlxd = os.path.realpath(MLXD)
    rc, out, err = env.mlxctl("service", "install", "--mlxd", MLXD, env=e)
    eq(rc, 0, "install: %s %s" % (out, err))
    unit = os.path.join(env.base_env["XDG_CONFIG_HOME"], "systemd", "user",
                        "mlxd.service")
    text = open(unit).read()
    check("ExecStart=%s\n" % mlxd in text, text)
    check("WantedBy=default.target" in text, text)
    eq(calls(log), ["--user daemon-reload",
                    "--user enable --now mlxd.service"], "systemctl calls")
    check("enable --now mlxd.service" in out and unit in out, out)
    rc, out, err = env.mlxctl("service", "status", env=e)
    eq(rc, 0, "status")
    check("at login: yes" in out and unit in out, out)
    check("daemon:   not running" in out, out)

    rc, out, err = env.mlxctl("service", "uninstall", env=e)
    eq(rc, 0, "uninstall: %s" % err)
    eq(os.path.exists(unit), False, "unit removed")
    eq(calls(log)[-2:], ["--user disable --now mlxd.service",
                         "--user daemon-reload"], "systemctl calls")
    rc, out, err = env.mlxctl("service", "status", env=e)
    check("not installed" in out and "at login: no" in out, out)
    rc, out, err = env.mlxctl("service", "frob", env=e)
    eq(rc, 2, "usage")

    # Without --mlxd: the one found on PATH.
    e2 = dict(e)
    e2["PATH"] = os.path.dirname(mlxd) + ":" + e["PATH"]
    rc, out, err = env.mlxctl("service", "install", env=e2)
    eq(rc, 0, "install from PATH: %s" % err)
    check("ExecStart=%s\n" % mlxd in open(unit).read(), "found on PATH")
    # A failing systemctl is reported, the unit stays for a retry.
    with open(os.path.join(bindir, "systemctl"), "w") as f:
        f.write("#!/bin/sh\nexit 4\n")
    rc, out, err = env.mlxctl("service", "install", env=e2)
    eq(rc, 1, "failing service manager")
    check("failed" in err, err)


def test_launch_agent(env):
    bindir, log = fake_tools(env)
    e = {"PATH": bindir + ":" + env.base_env["PATH"],
         "MLXCTL_SERVICE_MANAGER": "launchd"}
    uid = os.getuid()
    rc, out, err = env.mlxctl("service", "install", "--mlxd", MLXD, env=e)
    eq(rc, 0, "install: %s %s" % (out, err))
    plist = os.path.join(env.base_env["HOME"], "Library", "LaunchAgents",
                         "dev.mlxd.mlxd.plist")
    text = open(plist).read()
    check("<string>%s</string>" % os.path.realpath(MLXD) in text, text)
    check("<key>RunAtLoad</key>" in text, text)
    eq(calls(log), ["bootout gui/%d/dev.mlxd.mlxd" % uid,
                    "bootstrap gui/%d %s" % (uid, plist)], "launchctl")
    rc, out, err = env.mlxctl("service", "status", env=e)
    check("LaunchAgent" in out and "at login: yes" in out, out)
    rc, out, err = env.mlxctl("service", "uninstall", env=e)
    eq(rc, 0, "uninstall")
    eq(calls(log)[-1], "bootout gui/%d/dev.mlxd.mlxd" % uid, "bootout")
    eq(os.path.exists(plist), False, "plist removed")


def test_formula_and_workflow(env):
    formula = open(os.path.join(ROOT, "Formula", "mlxd.rb")).read()
    for want in (r"class Mlxd < Formula", r"depends_on \"meson\" => :build",
                 r"\bservice do\b", r"run \[opt_bin/\"mlxd\"\]",
                 r"keep_alive", r"test do", r"system \"meson\", \"setup\""):
        check(re.search(want, formula), "formula has %s" % want)
    opens = len(re.findall(r"^\s*(?:class|def)\b|\bdo(?:\s*\|[^|]*\|)?\s*$",
                           formula, re.M))
    eq(len(re.findall(r"^\s*end\s*$", formula, re.M)), opens,
       "balanced blocks")
    try:
        import yaml
    except ImportError:
        print("PyYAML missing: workflow only read as text")
        yaml = None
    text = open(os.path.join(ROOT, ".github", "workflows", "ci.yml")).read()
    if yaml is not None:
        wf = yaml.safe_load(text)
        jobs = wf["jobs"]
        check(wf.get(True, wf.get("on")) is not None, "has triggers")
        oses = set()
        for job in jobs.values():
            m = job.get("strategy", {}).get("matrix", {})
            oses.update(m.get("os", []))
            oses.add(job.get("runs-on"))
            steps = " ".join(str(s.get("run", "")) for s in job["steps"])
            check("make test" in steps, "runs make test")
        check("ubuntu-latest" in oses or "ubuntu-24.04" in oses, oses)
        check("macos-14" in oses, "macOS arm64 runner: %r" % oses)


if __name__ == "__main__":
    run([test_systemd_user_unit, test_launch_agent,
         test_formula_and_workflow])
