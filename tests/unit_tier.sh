#!/usr/bin/env bash
# The unit tier of `make test` (README, "Tests"). With no pytest arguments, in two pytest processes at once, one
# per core, on two halves of the test paths of about the same length: the tier is CPU-bound and its tests share
# nothing (no server; databases, files and ports of their own). The first half's output is shown as it runs, the
# second's once it ends. Each half stops at its first failure (-x), and a failure of the first stops the second:
# the tier ends at the first failure it sees, as one process would.
# With arguments (PYTEST_ARGS: paths, -k, ...), one process, as they may name any path.
# pytest-xdist would split finer, but its workers hang or crash here: their channel to the controller does not
# survive eventlet's monkey patching, which the root conftest.py does before anything else (nameko runs on eventlet).
set -uo pipefail
cd "$(dirname "$0")/.."
python=${UNIT_TIER_PYTHON:-.venv/bin/python}
FIRST_HALF=(services tests)
SECOND_HALF=(lib gateway)

passed() {  # exit status 5, no test selected, is not a failure
    [ "$1" -eq 0 ] || [ "$1" -eq 5 ]
}

if [ $# -gt 0 ]; then
    "$python" -m pytest -m unit -x "$@"
    status=$?
    passed $status && exit 0
    exit $status
fi

log=$(mktemp -t hub-unit-tier.XXXXXX)
trap 'rm -f "$log"' EXIT
"$python" -m pytest -m unit -x "${SECOND_HALF[@]}" >"$log" 2>&1 &
second=$!
"$python" -m pytest -m unit -x "${FIRST_HALF[@]}"
first_status=$?
if ! passed $first_status; then
    kill "$second" 2>/dev/null
fi
wait "$second"
second_status=$?
echo "--- the unit tier's second half (${SECOND_HALF[*]}) ---"
cat "$log"
if ! passed $first_status; then
    exit $first_status
fi
passed $second_status || exit $second_status
