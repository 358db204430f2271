# -*- coding: utf-8 -*-
"""Every plugin's documentation renders (ansible-doc), passes antsibull-docs lint, and builds
into the documentation site; the hand-written guides only show things that exist."""

import glob
import json
import os
import re
import subprocess
import sys

import pytest
import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN_DIR = os.path.dirname(sys.executable)
COLLECTIONS_PATH = os.path.join(REPO_ROOT, ".build", "collections")
GUIDES = [os.path.join(REPO_ROOT, "docs", "user_guide.md"), os.path.join(REPO_ROOT, "docs", "awx", "README.md"),
          os.path.join(REPO_ROOT, "docs", "templates_and_projects.md")]


def _plugins():
    found = []
    for plugin_type, folder in (("module", "modules"), ("inventory", "inventory")):
        for path in sorted(glob.glob(os.path.join(REPO_ROOT, "plugins", folder, "*.py"))):
            name = os.path.basename(path)[:-3]
            if not name.startswith("_"):
                found.append((plugin_type, name))
    return found


PLUGINS = _plugins()


def _env():
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_PATH, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               PATH=BIN_DIR + os.pathsep + os.environ.get("PATH", ""), PYTHONDONTWRITEBYTECODE="1")
    return env


def _ansible_doc(*args):
    process = subprocess.run([os.path.join(BIN_DIR, "ansible-doc")] + list(args), env=_env(),
                             capture_output=True, text=True, timeout=120, check=False)
    assert process.returncode == 0, process.stdout + process.stderr
    assert "[WARNING]" not in process.stderr and "ERROR" not in process.stderr, process.stderr
    return process.stdout


def test_every_module_and_the_inventory_plugin_exist():
    assert ("inventory", "sms_sources") in PLUGINS
    assert {("module", "sms_source_info"), ("module", "sms_command"), ("module", "sms_command_result")} <= set(PLUGINS)


@pytest.mark.parametrize("plugin_type,name", PLUGINS, ids=["%s:%s" % p for p in PLUGINS])
def test_ansible_doc_renders_the_plugin(plugin_type, name):
    fqcn = "hwcloud.sms." + name
    text = _ansible_doc("-t", plugin_type, fqcn)
    doc = json.loads(_ansible_doc("--json", "-t", plugin_type, fqcn))[fqcn]["doc"]
    assert doc["short_description"]
    assert text.startswith("> %s %s " % (plugin_type.upper(), fqcn)), text[:200]
    # Every option is rendered (the text lists them as "- name  description" / "= name ...").
    for option in doc["options"]:
        assert re.search(r"^[-=] %s\b" % re.escape(option), text, re.M), option
    # the plugins added after the first release (issue 21) are new in 1.1.0
    assert doc["version_added"] == ("1.1.0" if name in ("sms_target_info", "sms_targets") else "1.0.0")
    assert doc["version_added_collection"] == "hwcloud.sms"
    assert len(doc["author"]) == 1 and doc["author"][0].startswith("hwcloud.sms maintainers"), doc["author"]
    # The shared connection options come from the docs fragment, with their env fallbacks.
    for option in ("endpoint", "region", "access_key", "secret_key", "project_id"):
        assert option in doc["options"], option
    assert "HUAWEICLOUD_SECRET_KEY" in text
    assert "EXAMPLES:" in text
    if plugin_type == "module":
        assert "RETURN VALUES:" in text
        assert doc["attributes"]["action_group"]["membership"] == ["hwcloud.sms.sms"]


def test_ansible_doc_lists_every_module_of_the_collection():
    listed = json.loads(_ansible_doc("--json", "-t", "module", "-l", "hwcloud.sms"))
    assert sorted(listed) == sorted("hwcloud.sms." + n for t, n in PLUGINS if t == "module")


def test_action_group_holds_every_module():
    with open(os.path.join(REPO_ROOT, "meta", "runtime.yml")) as handle:
        runtime = yaml.safe_load(handle)
    assert sorted(runtime["action_groups"]["sms"]) == sorted(n for t, n in PLUGINS if t == "module")


def test_docs_lint_and_site_build(tmp_path):
    """docs/build_docs.sh: antsibull-docs lint-collection-docs --plugin-docs, RST generation
    with --fail-on-error and a Sphinx build with warnings as errors, all offline."""
    out = tmp_path / "docs"
    user_home = tmp_path / "user-home"   # stands in for ~: antsibull-docs logs to ~/antsibull.log by default
    user_home.mkdir()
    process = subprocess.run(["bash", os.path.join(REPO_ROOT, "docs", "build_docs.sh"), str(out)],
                             env=dict(_env(), HOME=str(user_home)), capture_output=True, text=True, timeout=600, check=False)
    assert process.returncode == 0, process.stdout[-6000:] + process.stderr[-6000:]
    assert sorted(os.listdir(str(user_home))) == [], "build_docs.sh wrote to the user's home"
    for plugin_type, name in PLUGINS:
        page = out / "html" / "collections" / "hwcloud" / "sms" / ("%s_%s.html" % (name, plugin_type))
        assert page.is_file(), page
        assert "hwcloud.sms.%s" % name in page.read_text()
    assert (out / "html" / "index.html").is_file()


# --- the hand-written guides ---------------------------------------------------------------

def _code_blocks(path):
    with open(path) as handle:
        text = handle.read()
    return re.findall(r"^```(\w*)\n(.*?)^```", text, re.S | re.M)


def _known_fqcns():
    names = set("hwcloud.sms." + n for t, n in PLUGINS)
    names.add("hwcloud.sms.sms")  # the action group
    for path in glob.glob(os.path.join(REPO_ROOT, "playbooks", "*.yml")):
        names.add("hwcloud.sms." + os.path.basename(path)[:-4])
    for path in glob.glob(os.path.join(REPO_ROOT, "roles", "*")):
        names.add("hwcloud.sms." + os.path.basename(path))
    return names


@pytest.mark.parametrize("guide", GUIDES, ids=[os.path.relpath(g, REPO_ROOT) for g in GUIDES])
def test_guide_code_blocks_parse_and_name_real_content(guide):
    blocks = _code_blocks(guide)
    assert blocks, "no code blocks in %s" % guide
    known = _known_fqcns()
    for lang, body in blocks:
        if lang in ("yaml", "yml"):
            yaml.safe_load(body)  # raises on a YAML error
        elif lang == "json":
            json.loads(body)
        for fqcn in re.findall(r"(?<![\w.])hwcloud\.sms\.[a-z0-9_]+", body):
            assert fqcn in known, "%s names %s, which the collection does not have" % (guide, fqcn)
    # Every repository path a guide points to exists.
    with open(guide) as handle:
        text = handle.read()
    for path in set(re.findall(r"\b((?:docs|playbooks|roles|plugins|tests|meta)/[\w./-]+\.(?:yml|yaml|json|md|py|sh|txt))\b", text)):
        assert os.path.exists(os.path.join(REPO_ROOT, path)), "%s points to missing %s" % (guide, path)
