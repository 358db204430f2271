#!/usr/bin/env bash
# `make test`: run each stage (a make target) even if an earlier one failed, then print a
# summary and exit non-zero if any stage failed. The last line totals the JUnit XML of the units,
# integration, compat and importer stages (the importer's checks count as tests) in pytest's
# "N passed, N failed" form.
set -uo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO_ROOT" || exit 2
stages=("$@")
results=()
failed=0
rm -f .build/test-results/*.xml

for stage in "${stages[@]}"; do
    echo
    echo "==================== make $stage ===================="
    start=$SECONDS
    make --no-print-directory "$stage"
    rc=$?
    elapsed=$((SECONDS - start))
    if [ "$rc" -eq 0 ]; then status=OK; else status="FAILED (exit $rc)"; failed=1; fi
    results+=("$(printf '%-12s %-18s %5ss' "$stage" "$status" "$elapsed")")
done

echo
echo "==================== make test summary ===================="
printf '%s\n' "${results[@]}"
echo "total        $SECONDS s"
.venv/bin/python tests/tooling/junit_totals.py .build/test-results/*.xml || failed=1
exit "$failed"
