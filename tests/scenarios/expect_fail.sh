#!/bin/sh
# Runs a script that must fail and checks the runner fails naming the line.
# usage: expect_fail.sh KIOSK SCRIPT LINE [EXIT]
kiosk=$1 script=$2 line=$3 want=${4:-1}
out=$("$kiosk" --headless --fake-time 2026-11-25T09:30 --script "$script" 2>/dev/null)
rc=$?
echo "$out"
if [ "$rc" -ne "$want" ]; then echo "expected exit $want, got $rc"; exit 1; fi
name=$(basename "$script")
echo "$out" | grep -q "FAIL .*$name:$line:" || { echo "the failing line $line is not named"; exit 1; }
echo "expect_fail $name: 1 passed, 0 failed"
