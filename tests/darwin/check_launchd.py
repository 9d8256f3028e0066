#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""The macOS service files and start actions, checked on any OS.

- launchd/dev.mlxd.mlxd.plist.in parses as a property list, runs as a
  Standard process (Background throttles CPU and I/O), needs no placeholder
  besides the @BINDIR@ meson fills in, and opens its log from $HOME (launchd
  expands neither ~ nor $HOME in StandardOutPath).
- The Makefile's sanitizer run does not pass detect_leaks=1 on macOS (Apple
  clang's AddressSanitizer has no LeakSanitizer and aborts on it).
- mlxbar's "Start mlxd" script, run by /bin/sh against a fake launchctl that
  behaves like launchd's: `bootstrap` of a loaded agent fails with 5, a
  service that is not loaded is not found (113). The usual state after a
  clean exit is "loaded, not running": the script must kickstart it and not
  bootstrap; when the agent is not loaded it bootstraps, then kickstarts.
"""
import os
import plistlib
import re
import stat
import subprocess
import sys
import tempfile

ROOT = os.environ.get("MLXD_SOURCE_ROOT",
                      os.path.join(os.path.dirname(__file__), "..", ".."))
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL: " + what)
    else:
        print("ok: " + what)


def check_plist():
    path = os.path.join(ROOT, "launchd", "dev.mlxd.mlxd.plist.in")
    with open(path, "rb") as f:
        raw = f.read()
    d = plistlib.loads(raw.replace(b"@BINDIR@", b"/usr/local/bin"))
    check(d.get("Label") == "dev.mlxd.mlxd", "label")
    check(d.get("ProcessType") == "Standard", "ProcessType Standard")
    left = re.findall(rb"@[A-Z_]+@|__[A-Z]+__",
                      raw.replace(b"@BINDIR@", b""))
    check(not left, "no placeholder left to fill by hand: %r" % left)
    for k in ("StandardOutPath", "StandardErrorPath"):
        v = d.get(k)
        check(v is None or (v.startswith("/") and "~" not in v and
                            "$" not in v), "%s is absolute or absent" % k)
    args = d.get("ProgramArguments", [])
    check(args[-1:] == ["/usr/local/bin/mlxd"], "runs the installed mlxd")
    if args[:2] == ["/bin/sh", "-c"]:
        check(args[2].startswith("exec ") and "$HOME/Library/Logs/" in
              args[2], "the wrapper execs mlxd with the log under $HOME")
        # The wrapper itself, with a fake mlxd, writes where it says.
        with tempfile.TemporaryDirectory() as home:
            os.makedirs(os.path.join(home, "Library", "Logs"))
            fake = os.path.join(home, "mlxd")
            with open(fake, "w") as f:
                f.write("#!/bin/sh\necho out; echo err >&2; exit 0\n")
            os.chmod(fake, 0o755)
            p = subprocess.run(["/bin/sh", "-c", args[2], fake],
                               env={"HOME": home, "PATH": "/usr/bin:/bin"})
            log = os.path.join(home, "Library", "Logs", "mlxd.log")
            check(p.returncode == 0 and os.path.exists(log) and
                  open(log).read() == "out\nerr\n",
                  "stdout and stderr appended to ~/Library/Logs/mlxd.log")
    keep = d.get("KeepAlive")
    check(keep == {"SuccessfulExit": False},
          "restarted after a crash, not after a clean exit")


def start_script():
    src = open(os.path.join(ROOT, "clients", "menubar", "mlxbar.c")).read()
    m = re.search(r"mlxbar_start_script\[\] =\s*((?:\"(?:[^\"\\]|\\.)*\"\s*)+);",
                  src)
    if m is None:
        return None
    parts = re.findall(r"\"((?:[^\"\\]|\\.)*)\"", m.group(1))
    return "".join(p.replace('\\"', '"').replace("\\\\", "\\")
                   for p in parts)


FAKE = r"""#!/bin/sh
echo "$*" >> "$STATE/calls"
case "$1" in
print)  [ -e "$STATE/loaded" ] && exit 0
        echo "Could not find service" >&2; exit 113 ;;
bootstrap)
        if [ -e "$STATE/loaded" ]; then
            echo "Bootstrap failed: 5: Input/output error" >&2; exit 5; fi
        [ -e "$3" ] || exit 2
        touch "$STATE/loaded" "$STATE/running"; exit 0 ;;
kickstart)
        [ -e "$STATE/loaded" ] || { echo "Could not find service" >&2; exit 113; }
        touch "$STATE/running"; exit 0 ;;
esac
exit 64
"""


def run_start(script, loaded):
    with tempfile.TemporaryDirectory() as state:
        fake = os.path.join(state, "launchctl")
        with open(fake, "w") as f:
            f.write(FAKE)
        os.chmod(fake, stat.S_IRWXU)
        plist = os.path.join(state, "dev.mlxd.mlxd.plist")
        open(plist, "w").close()
        if loaded:
            open(os.path.join(state, "loaded"), "w").close()
        p = subprocess.run(
            ["/bin/sh", "-c", script.replace("/bin/launchctl", fake),
             "mlxbar-start", "gui/501", "gui/501/dev.mlxd.mlxd", plist],
            env={"STATE": state, "PATH": "/usr/bin:/bin"},
            capture_output=True, text=True)
        calls = open(os.path.join(state, "calls")).read().split("\n")[:-1]
        running = os.path.exists(os.path.join(state, "running"))
        return p.returncode, calls, running, p.stderr


def check_start():
    script = start_script()
    check(script is not None, "mlxbar.c has the start script")
    if script is None:
        return
    check("|" not in script, "no '|' (menu hosts cut parameters there)")
    rc, calls, running, err = run_start(script, loaded=True)
    check(rc == 0 and running, "loaded agent: started (rc %d, %r)" %
          (rc, err))
    check(not any(c.startswith("bootstrap") for c in calls),
          "loaded agent: no bootstrap: %r" % calls)
    check(calls[-1:] == ["kickstart gui/501/dev.mlxd.mlxd"],
          "loaded agent: kickstart gui/<uid>/<label>")
    rc, calls, running, err = run_start(script, loaded=False)
    check(rc == 0 and running, "agent not loaded: started (rc %d, %r)" %
          (rc, err))
    check([c.split()[0] for c in calls] == ["print", "bootstrap",
                                             "kickstart"],
          "agent not loaded: print, bootstrap, kickstart: %r" % calls)


def check_makefile():
    # `make -n` only prints the recipes; UNAME=Darwin selects the macOS
    # branch of the Makefile.
    out = {}
    for uname in ("Darwin", "Linux"):
        p = subprocess.run(["make", "-n", "-C", ROOT, "UNAME=" + uname,
                            "ASAN_BUILD=/nonexistent", "test-asan"],
                           capture_output=True, text=True)
        out[uname] = [l for l in p.stdout.splitlines() if "ASAN_OPTIONS" in l]
    check(out["Darwin"] and "detect_leaks" not in out["Darwin"][0],
          "macOS: no detect_leaks for Apple clang: %r" % out["Darwin"])
    check(out["Linux"] and "detect_leaks=1" in out["Linux"][0],
          "Linux: leaks still checked: %r" % out["Linux"])


check_plist()
check_start()
check_makefile()
print("%d failed" % failures)
sys.exit(1 if failures else 0)
