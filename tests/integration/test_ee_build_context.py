# -*- coding: utf-8 -*-
"""The example execution environment (docs/awx/execution-environment.yml) pulls this
collection from a freshly built tarball, and `ansible-builder create` yields a build context
whose image would carry our Python requirements.

`create` only writes the context; the Containerfile then installs the collections and runs
the builder's own introspect script over them. No container engine runs here, so the test
performs those two Containerfile steps itself, with the files and scripts of the generated
context, and checks what they produce."""

import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN_DIR = os.path.dirname(sys.executable)
EXAMPLE_EE = os.path.join(REPO_ROOT, "docs", "awx", "execution-environment.yml")

pytest.importorskip("ansible_builder", reason="ansible-builder is in tests/requirements.txt")


def _run(cmd, cwd, env=None):
    full_env = dict(os.environ, ANSIBLE_GALAXY_DISABLE_GPG_VERIFY="1", **(env or {}))
    full_env.pop("ANSIBLE_COLLECTIONS_PATH", None)  # the install below must not see the dev tree
    process = subprocess.run(cmd, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300, check=False)
    assert process.returncode == 0, "%s failed:\n%s\n%s" % (" ".join(cmd), process.stdout, process.stderr)
    return process


def _requirement_names(path):
    names = set()
    with open(path) as handle:
        for line in handle:
            line = line.split("#", 1)[0].strip()
            if line:
                names.add(re.split(r"[<>=!~\[; ]", line, 1)[0].lower())
    return names


@pytest.fixture(scope="module")
def build_context(tmp_path_factory):
    """A user's EE directory: the example definition plus the collection tarball it names."""
    workdir = tmp_path_factory.mktemp("ee")
    dist = workdir / "dist"
    _run([os.path.join(BIN_DIR, "ansible-galaxy"), "collection", "build", "--force",
          "--output-path", str(dist), REPO_ROOT], cwd=str(workdir))
    tarballs = list(dist.glob("hwcloud-sms-*.tar.gz"))
    assert len(tarballs) == 1, tarballs
    shutil.copy(str(tarballs[0]), str(workdir / "hwcloud-sms.tar.gz"))
    shutil.copy(EXAMPLE_EE, str(workdir / "execution-environment.yml"))
    _run([os.path.join(BIN_DIR, "ansible-builder"), "create", "-f", "execution-environment.yml",
          "--context", "context", "--output-filename", "Containerfile"], cwd=str(workdir))
    return workdir / "context"


def test_context_carries_the_collection_tarball_and_its_requirements_file(build_context):
    build = build_context / "_build"
    assert (build / "collections" / "hwcloud-sms.tar.gz").is_file()
    galaxy = yaml.safe_load((build / "requirements.yml").read_text())
    assert galaxy["collections"] == [{"name": "collections/hwcloud-sms.tar.gz", "type": "file"}]
    containerfile = (build_context / "Containerfile").read_text()
    # The two steps the test performs below are the ones the image build runs.
    assert "ansible-galaxy collection install" in containerfile
    assert "-r requirements.yml" in containerfile
    assert "introspect.py introspect" in containerfile
    assert "COPY _build /build" in containerfile


def test_introspection_of_the_installed_collection_yields_our_requirements(build_context, tmp_path):
    collections_dir = tmp_path / "usr_share_ansible" / "collections"
    # Galaxy stage: WORKDIR /build, install from the context's requirements.yml.
    _run([os.path.join(BIN_DIR, "ansible-galaxy"), "collection", "install", "-r", "requirements.yml",
          "--collections-path", str(collections_dir)], cwd=str(build_context / "_build"))
    installed = collections_dir / "ansible_collections" / "hwcloud" / "sms"
    assert (installed / "MANIFEST.json").is_file()
    assert (installed / "meta" / "execution-environment.yml").is_file()
    # Builder stage: the context's own introspect script writes the combined requirement files.
    pip_file = tmp_path / "out" / "requirements.txt"
    bindep_file = tmp_path / "out" / "bindep.txt"
    _run([sys.executable, str(build_context / "_build" / "scripts" / "introspect.py"), "introspect",
          "--write-pip=%s" % pip_file, "--write-bindep=%s" % bindep_file, str(collections_dir)],
         cwd=str(tmp_path))
    pip_names = _requirement_names(str(pip_file))
    assert {"requests", "jmespath"} <= pip_names
    # Only the runtime requirements: no test tooling from tests/requirements.txt leaks in.
    assert not pip_names & {"pytest", "ansible-lint", "huaweicloudsdksms", "antsibull-docs", "ansible-core"}
    assert "from collection hwcloud.sms" in pip_file.read_text()
    assert "ca-certificates" in bindep_file.read_text()
    # Nothing for the migration targets (rsync, tar) is installed into the controller image.
    assert "rsync" not in bindep_file.read_text()


def test_collection_metadata_names_the_dedicated_ee_files():
    with open(os.path.join(REPO_ROOT, "meta", "execution-environment.yml")) as handle:
        meta = yaml.safe_load(handle)
    assert meta["dependencies"] == {"python": "meta/ee-requirements.txt", "system": "meta/ee-bindep.txt"}
    # The EE list and the collection's runtime requirements.txt must not drift apart.
    assert _requirement_names(os.path.join(REPO_ROOT, "meta", "ee-requirements.txt")) == \
        _requirement_names(os.path.join(REPO_ROOT, "requirements.txt"))


def _version(text):
    return tuple(int(part) for part in text.split("."))


def test_awx_examples_accept_the_version_this_tree_builds():
    """The ranges users copy from docs/awx must install the release they document (1.0.0 broke
    `>=0.1.0,<1.0.0`)."""
    with open(os.path.join(REPO_ROOT, "galaxy.yml")) as handle:
        version = _version(yaml.safe_load(handle)["version"])
    requirements = os.path.join(REPO_ROOT, "docs", "awx", "project", "collections", "requirements.yml")
    with open(requirements) as handle:
        ranges = [c["version"] for c in yaml.safe_load(handle)["collections"] if c["name"] == "hwcloud.sms"]
    with open(EXAMPLE_EE) as handle:   # the commented alternative for a Galaxy / Hub install
        ranges += re.findall(r'version: "([^"]+)"', handle.read())
    assert len(ranges) == 2, ranges
    for spec in ranges:
        for clause in spec.split(","):
            operator, bound = re.match(r"\s*(>=|<=|==|<|>)\s*([\d.]+)\s*$", clause).groups()
            assert {">=": version >= _version(bound), "<=": version <= _version(bound), "==": version == _version(bound),
                    "<": version < _version(bound), ">": version > _version(bound)}[operator], (spec, version)
