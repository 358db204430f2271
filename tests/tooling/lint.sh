#!/usr/bin/env bash
# `make lint`: ansible-lint over everything that ships (roles/, playbooks/, docs/, meta/, ...: the
# whole collection like galaxy-importer's lint pass, minus .ansible-lint's exclude_paths; production
# profile, offline), yamllint (the same tree), antsibull-changelog lint and antsibull-docs
# lint-collection-docs. Runs every linter, then exits non-zero if any failed.
# The linters run with HOME=.build/lint-home: antsibull-docs logs to ~/antsibull.log, and
# ansible-doc/ansible-lint write ~/.ansible and ~/.cache; all of it stays in the clone.
set -uo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${VENV:-$REPO_ROOT/.venv}"
BIN="$VENV/bin"
cd "$REPO_ROOT" || exit 2
export PATH="$BIN:$PATH"
# The symlink tree made by setup_venv.sh: ansible-doc/antsibull-docs find the collection there.
COLLECTION_LINK="$REPO_ROOT/.build/collections/ansible_collections/hwcloud/sms"
export ANSIBLE_COLLECTIONS_PATH="$REPO_ROOT/.build/collections"
export HOME="$REPO_ROOT/.build/lint-home"
mkdir -p "$HOME"
# ansible-lint keeps the stubs of .ansible-lint's mock_modules in ~/.ansible/ansible-lint-mocks and
# resolves modules from them on later runs: start clean, so a removed mock cannot still pass.
rm -rf "$HOME/.ansible/ansible-lint-mocks"
failed=()

run() {
    local name="$1"
    shift
    echo "---- lint: $name: $*"
    if "$@"; then echo "---- lint: $name OK"; else echo "---- lint: $name FAILED"; failed+=("$name"); fi
}

# No path arguments: ansible-lint finds every playbook, role, task file, inventory, EE and meta file
# of the project itself, as galaxy-importer's run does.
run ansible-lint ansible-lint --offline --profile production --nocolor

run yamllint yamllint --strict .
run antsibull-changelog antsibull-changelog lint
run changelog.yaml antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
run antsibull-docs antsibull-docs lint-collection-docs --plugin-docs "$COLLECTION_LINK"

if [ ${#failed[@]} -gt 0 ]; then
    echo "lint: FAILED: ${failed[*]}"
    exit 1
fi
echo "lint: all linters passed"
