#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Add up meson's test logs of every build given (and, with --swift LOG,
the XCTest results of `swift test`) and print one closing line,
"N passed, N failed"; exit 1 if anything failed or nothing ran."""
import json
import os
import re
import sys

passed = failed = skipped = 0
args = sys.argv[1:]
if args[:1] == ["--swift"]:
    swift_log, args = args[1], args[2:]
    if os.path.exists(swift_log):
        text = open(swift_log, errors="replace").read()
        if "SWIFT BUILD FAILED" in text:
            print("FAILED: swift build")
            failed += 1
        ran = 0
        for m in re.finditer(r"^Test Case '(?:-\[)?([\w.]+)[ /]?(\w*)\]?' "
                             r"(passed|failed|skipped)", text, re.M):
            ran += 1
            name = "swift %s%s" % (m.group(1), "." + m.group(2) if m.group(2) else "")
            if m.group(3) == "passed":
                passed += 1
            elif m.group(3) == "skipped":
                skipped += 1
            else:
                failed += 1
                print("FAILED: %s" % name)
        if ran == 0 and "SWIFT BUILD FAILED" not in text:
            print("FAILED: swift test ran nothing (see %s)" % swift_log)
            failed += 1
for build in args:
    log = os.path.join(build, "meson-logs", "testlog.json")
    if not os.path.exists(log):
        print("%s: no test log (the build or the test run failed)" % build)
        failed += 1
        continue
    for line in open(log):
        r = json.loads(line)
        res = r.get("result")
        name = "%s %s" % (os.path.basename(build), r.get("name"))
        if res == "OK" or res == "EXPECTEDFAIL":
            passed += 1
        elif res == "SKIP":
            skipped += 1
        else:
            failed += 1
            print("FAILED: %s (%s)" % (name, res))
if skipped:
    print("%d skipped" % skipped)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed or passed == 0 else 0)
