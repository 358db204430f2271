# -*- coding: utf-8 -*-
"""Test-wide set-up: make the collection importable, expose it to ansible subprocesses,
and load the SMS emulator's fixtures."""

import atexit
import os
import shutil
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS_PATH = os.path.join(REPO_ROOT, ".build", "collections")
_LINK = os.path.join(COLLECTIONS_PATH, "ansible_collections", "hwcloud", "sms")


def _collections_path():
    # Under ansible-test the tree already sits at .../ansible_collections/hwcloud/sms and its
    # collection loader is active; a second path to the same collection would make it refuse.
    parts = REPO_ROOT.split(os.sep)
    if parts[-3:] == ["ansible_collections", "hwcloud", "sms"]:
        return os.sep.join(parts[:-3])
    # The repo root is the collection root; Ansible wants it under ansible_collections/hwcloud/sms.
    if not (os.path.islink(_LINK) and os.path.realpath(_LINK) == REPO_ROOT):
        os.makedirs(os.path.dirname(_LINK), exist_ok=True)
        if os.path.lexists(_LINK):
            os.unlink(_LINK)
        os.symlink(os.path.relpath(REPO_ROOT, os.path.dirname(_LINK)), _LINK)
    return COLLECTIONS_PATH


COLLECTIONS_PATH = _collections_path()
for _path in (COLLECTIONS_PATH, os.path.join(REPO_ROOT, "tests", "emulator"), os.path.join(REPO_ROOT, "tests")):
    if _path not in sys.path:
        sys.path.insert(0, _path)
os.environ["ANSIBLE_COLLECTIONS_PATH"] = COLLECTIONS_PATH


def _private_tempdir():
    # Everything a test process writes to "the temp dir" (pytest's tmp_path, emulator databases,
    # ansible's files, subprocesses' TMPDIR) goes to a directory of this process's own, removed
    # at exit, so two runs on one machine never meet. It is outside the clone on purpose: the
    # playbooks refuse to write reports and journals inside the collection.
    path = tempfile.mkdtemp(prefix="hwcloud-sms-tests-")
    atexit.register(shutil.rmtree, path, True)
    os.environ["TMPDIR"] = tempfile.tempdir = path
    return path


def _private_home(tempdir):
    # Tools keep per-user state under HOME: huaweicloudsdkcore writes ~/.huaweicloud/application_id
    # when it is imported, Ansible ~/.ansible, antsibull ~/antsibull.log. Every test process and its
    # subprocesses get a HOME of their own in the private temp dir, set before anything imports the
    # SDK; XDG_CONFIG_HOME keeps the user's configuration (pip's index) readable.
    real_home = os.path.expanduser("~")
    os.environ.setdefault("XDG_CONFIG_HOME", os.path.join(real_home, ".config"))
    home = os.path.join(tempdir, "home")
    os.makedirs(home)
    os.environ["HOME"] = home


_private_home(_private_tempdir())
os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")

pytest_plugins = ("sms_emulator.pytest_fixtures",)


def pytest_configure(config):
    # `ansible-test units` runs pytest with its own configuration: keep a per-test limit there too,
    # so a hung emulator or subprocess cannot stall CI.
    if getattr(config.option, "timeout", None) is None:
        config.option.timeout = 300
