#!/usr/bin/env bash
# `make lint`: ansible-lint (roles/ and playbooks/, production profile, offline), yamllint,
# antsibull-changelog lint and antsibull-docs lint-collection-docs. Runs every linter, then
# exits non-zero if any failed.
set -uo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${VENV:-$REPO_ROOT/.venv}"
BIN="$VENV/bin"
cd "$REPO_ROOT" || exit 2
export PATH="$BIN:$PATH"
# The symlink tree made by setup_venv.sh: ansible-doc/antsibull-docs find the collection there.
COLLECTION_LINK="$REPO_ROOT/.build/collections/ansible_collections/hwcloud/sms"
export ANSIBLE_COLLECTIONS_PATH="$REPO_ROOT/.build/collections"
failed=()

run() {
    local name="$1"
    shift
    echo "---- lint: $name: $*"
    if "$@"; then echo "---- lint: $name OK"; else echo "---- lint: $name FAILED"; failed+=("$name"); fi
}

has_yaml() {
    [ -d "$1" ] && [ -n "$(find "$1" -type f \( -name '*.yml' -o -name '*.yaml' \) -print -quit)" ]
}

lint_targets=()
for dir in roles playbooks; do
    if has_yaml "$dir"; then lint_targets+=("$dir"); fi
done
if [ ${#lint_targets[@]} -gt 0 ]; then
    run ansible-lint ansible-lint --offline --profile production "${lint_targets[@]}"
else
    echo "---- lint: ansible-lint skipped: no YAML under roles/ or playbooks/ yet"
fi

run yamllint yamllint --strict .
run antsibull-changelog antsibull-changelog lint
run changelog.yaml antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
run antsibull-docs antsibull-docs lint-collection-docs --plugin-docs "$COLLECTION_LINK"

if [ ${#failed[@]} -gt 0 ]; then
    echo "lint: FAILED: ${failed[*]}"
    exit 1
fi
echo "lint: all linters passed"
