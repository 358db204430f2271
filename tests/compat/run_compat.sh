#!/usr/bin/env bash
# `make compat`: the fast compatibility suite (tests/compat) on the oldest and the newest supported
# ansible-core, each in its own virtualenv under .build/compat/<target>, created from pip and
# reused while the sha256 of its requirement files and Python version is unchanged.
#
#   target  ansible-core  Python (override with COMPAT_PYTHON_OLDEST / COMPAT_PYTHON_NEWEST)
#   oldest  2.15.x        3.11
#   newest  2.21.x        3.13 (3.12 if 3.13 is missing)
#
# JUnit reports go to .build/test-results/compat-<target>.xml (make test totals them).
# Arguments are passed to pytest; COMPAT_TARGETS="oldest" runs one target.
set -uo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO_ROOT" || exit 2
PYTEST_TIMEOUT="${PYTEST_TIMEOUT:-300}"

find_python() {
    local version candidate
    for version in "$@"; do
        # pyenv's shims exist for every version but fail unless it is selected: run each one.
        for candidate in /root/.pyenv/versions/"$version".*/bin/python"$version" \
                "$HOME"/.pyenv/versions/"$version".*/bin/python"$version" "python$version"; do
            if "$candidate" --version >/dev/null 2>&1; then command -v "$candidate"; return 0; fi
        done
    done
    return 1
}

python_for() {
    case "$1" in
        oldest) if [ -n "${COMPAT_PYTHON_OLDEST:-}" ]; then echo "$COMPAT_PYTHON_OLDEST"; else find_python 3.11; fi ;;
        newest) if [ -n "${COMPAT_PYTHON_NEWEST:-}" ]; then echo "$COMPAT_PYTHON_NEWEST"; else find_python 3.13 3.12; fi ;;
        *) echo "compat: unknown target $1 (oldest, newest)" >&2; return 1 ;;
    esac
}

setup_venv() {
    local target="$1" python="$2" venv="$REPO_ROOT/.build/compat/$1"
    local requirements="tests/compat/requirements-$target.txt" wanted
    wanted="$(cat requirements.txt "$requirements" <("$python" --version 2>&1) | sha256sum | cut -d' ' -f1)"
    if [ -f "$venv/.requirements.sha256" ] && [ "$(cat "$venv/.requirements.sha256")" = "$wanted" ]; then
        return 0
    fi
    echo "compat: building $venv with $("$python" --version 2>&1) from $requirements"
    rm -rf "$venv"
    "$python" -m venv "$venv" || return 1
    "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$requirements" 2>&1 \
        | { grep -v "is ignored: it is neither a file nor a directory" || true; }
    [ "${PIPESTATUS[0]}" -eq 0 ] || return 1
    echo "$wanted" >"$venv/.requirements.sha256"
}

mkdir -p .build/test-results
failed=0
for target in ${COMPAT_TARGETS:-oldest newest}; do
    python="$(python_for "$target")" || { echo "compat: no Python found for target $target"; failed=1; continue; }
    if ! setup_venv "$target" "$python"; then
        echo "compat: could not build the $target virtualenv"; failed=1; continue
    fi
    venv=".build/compat/$target"
    echo "== compat $target: ansible-core $("$venv/bin/python" -c "import ansible.release as r; print(r.__version__)"), $("$venv/bin/python" --version)"
    # PATH first: the tests start ansible-playbook / ansible-inventory next to sys.executable.
    case "$target" in oldest) core=2.15 ;; newest) core=2.21 ;; esac
    COMPAT_EXPECT_CORE="$core" PATH="$REPO_ROOT/$venv/bin:$PATH" "$venv/bin/python" -m pytest -ra -p no:cacheprovider \
        --timeout="$PYTEST_TIMEOUT" --junitxml=".build/test-results/compat-$target.xml" \
        -o junit_suite_name="compat-$target" tests/compat "$@" || failed=1
done
exit "$failed"
