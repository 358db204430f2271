#!/usr/bin/env bash
# Run ansible-test on a copy of this collection.
#
# ansible-test only runs from a directory ending in ansible_collections/<namespace>/<name>, and it
# resolves symlinks (os.getcwd), so a symlinked tree is not enough: the repo's files (tracked and
# untracked-but-not-ignored, as `git ls-files -co --exclude-standard` lists them) are copied to
# .build/ansible-test/ansible_collections/hwcloud/sms and ansible-test runs there.
#
# ansible-test keeps its virtualenvs and pip bootstrap under ~/.ansible/test; HOME is pointed at
# .build/home so nothing is written outside the clone (XDG_CONFIG_HOME keeps the user's pip config).
#
# Usage: tests/tooling/ansible_test.sh <ansible-test arguments...>
#   e.g. tests/tooling/ansible_test.sh sanity --venv --python 3.11
# Environment: VENV (default <repo>/.venv) provides ansible-test; ANSIBLE_TEST_HOME (default
# <repo>/.build/home) is the HOME ansible-test runs with (share one between clones to reuse venvs).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${VENV:-$REPO_ROOT/.venv}"
COPY_DIR="$REPO_ROOT/.build/ansible-test/ansible_collections/hwcloud/sms"

if [ ! -x "$VENV/bin/ansible-test" ]; then
    echo "ansible_test.sh: $VENV/bin/ansible-test not found; run 'make setup' first" >&2
    exit 2
fi

cd "$REPO_ROOT"
# One run at a time per clone: a second run would re-copy the tree under the first one's feet.
# The lock is held until ansible-test (exec'd below, inheriting fd 9) exits.
mkdir -p "$REPO_ROOT/.build"
exec 9>"$REPO_ROOT/.build/ansible-test.lock"
if ! flock -n 9; then
    echo "ansible_test.sh: another ansible-test run is using $COPY_DIR; waiting for it" >&2
    flock 9
fi
file_list="$(mktemp)"
trap 'rm -f "$file_list"' EXIT
# Only files that exist (a tracked file deleted in the work tree is still listed by git).
git ls-files -z -co --exclude-standard | while IFS= read -r -d '' path; do
    if [ -e "$path" ] || [ -L "$path" ]; then printf '%s\0' "$path"; fi
done >"$file_list"

# A fresh copy each run, so a file deleted from the repo does not linger there. Only
# tests/output survives: ansible-test keeps its delegation virtualenv there (saves ~10 s a run).
# The delegation virtualenv is built from .venv's Python: drop it when .venv changed.
if ! cmp -s "$VENV/.requirements.sha256" "$COPY_DIR/tests/output/.venv-stamp"; then
    rm -rf "$COPY_DIR/tests/output"
fi
mkdir -p "$COPY_DIR/tests/output"
cp "$VENV/.requirements.sha256" "$COPY_DIR/tests/output/.venv-stamp" 2>/dev/null || true
find "$COPY_DIR" -mindepth 1 -maxdepth 1 ! -name tests -exec rm -rf {} +
find "$COPY_DIR/tests" -mindepth 1 -maxdepth 1 ! -name output -exec rm -rf {} +
xargs -0 -r cp --parents -P -t "$COPY_DIR" <"$file_list"
# ansible-test looks for version control upwards from the collection root; without a .git of its
# own the copy would be judged by the repo's .git, where .build/ is ignored, and every target
# skipped. An empty repository makes ansible-test list the copied files (git ls-files -co).
git -C "$COPY_DIR" init -q
# pyenv's shims answer only for the selected Python, and ansible-test passes no PYENV_VERSION to
# its commands: a .python-version above the copy makes every installed 3.x findable, so sanity's
# compile and import tests run on each Python the collection supports.
if command -v pyenv >/dev/null 2>&1; then
    { pyenv version-name; pyenv versions --bare | grep -E '^3\.[0-9]+\.[0-9]+$'; } \
        >"$REPO_ROOT/.build/ansible-test/.python-version" 2>/dev/null || true
fi

export XDG_CONFIG_HOME="${XDG_CONFIG_HOME:-$HOME/.config}"
export HOME="${ANSIBLE_TEST_HOME:-$REPO_ROOT/.build/home}"
mkdir -p "$HOME"
# ansible-test --venv bootstraps pip from the internet unless a bootstrap script is cached.
"$VENV/bin/python" "$REPO_ROOT/tests/tooling/ensure_get_pip.py"

echo "ansible_test.sh: running 'ansible-test $*' in $COPY_DIR"
cd "$COPY_DIR"
export PATH="$VENV/bin:$PATH"
exec ansible-test "$@"
