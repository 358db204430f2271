# -*- coding: utf-8 -*-
"""Facts kept once: the connection option table in _config is the one home of option
types, defaults, environment variables and secrecy; every copy that must exist as text (the docs
fragments, galaxy.yml's version) is compared with it here."""

import glob
import os
import re

import pytest
import yaml

from ansible_collections.hwcloud.sms.plugins.doc_fragments.sms import ModuleDocFragment
from ansible_collections.hwcloud.sms.plugins.module_utils import _client, _config
from ansible_collections.hwcloud.sms.plugins.module_utils._base import sms_argument_spec
from ansible_collections.hwcloud.sms.plugins.module_utils._client import SmsClient
from ansible_collections.hwcloud.sms.plugins.module_utils._config import CONNECTION_OPTIONS

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def _fragment(name):
    return yaml.safe_load(getattr(ModuleDocFragment, name))["options"]


@pytest.mark.parametrize("fragment", ["DOCUMENTATION", "PLUGINS"])
def test_fragments_document_exactly_the_table(fragment):
    documented = _fragment(fragment)
    assert list(documented) == list(CONNECTION_OPTIONS)
    for name, facts in CONNECTION_OPTIONS.items():
        option = documented[name]
        assert option["type"] == facts["type"], name
        assert option.get("default") == facts.get("default"), name
        if fragment == "PLUGINS":
            assert [entry["name"] for entry in option.get("env", [])] == list(facts.get("env", ())), name
        else:
            text = " ".join(option["description"])
            assert re.findall(r"E\((\w+)\)", text) == list(facts.get("env", ())), name
        says_secret = "Never logged" in " ".join(option["description"])
        assert says_secret == bool(facts.get("secret")), name


def test_argument_spec_is_the_table():
    spec = sms_argument_spec()
    assert list(spec) == list(CONNECTION_OPTIONS)
    for name, facts in CONNECTION_OPTIONS.items():
        assert spec[name]["type"] == facts["type"] and spec[name].get("default") == facts.get("default")
        assert bool(spec[name].get("no_log")) == bool(facts.get("secret"))
        fallback = spec[name].get("fallback")
        assert (list(fallback[1]) if fallback else []) == list(facts.get("env", ()))


def test_from_options_takes_the_table_defaults_for_unset_options(monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    given = {"endpoint": "http://127.0.0.1:9", "access_key": "AKOPTIONS0000000001", "secret_key": "s"}
    client = SmsClient.from_options(given.get)
    assert (client.timeout, client.retries, client.verify) == (
        CONNECTION_OPTIONS["timeout"]["default"], CONNECTION_OPTIONS["retries"]["default"], True)


def test_the_user_agent_carries_galaxy_yml_s_version():
    with open(os.path.join(REPO, "galaxy.yml")) as handle:
        version = yaml.safe_load(handle)["version"]
    assert _config.COLLECTION_VERSION == version and _config.USER_AGENT.endswith("/" + version)


def test_source_filters_are_the_module_options():
    from ansible_collections.hwcloud.sms.plugins.modules import sms_source_info
    spec = sms_source_info.argument_spec()
    for name, kind in _client.SOURCE_FILTERS.items():
        assert spec[name]["type"] == ("bool" if kind == "bool" else "str"), name
        assert spec[name].get("choices") == (list(kind) if isinstance(kind, tuple) else None), name
    documented = yaml.safe_load(sms_source_info.DOCUMENTATION)["options"]
    assert set(_client.SOURCE_FILTERS) <= set(documented)


def test_inventory_filters_are_the_client_filters():
    """The sms_sources plugin documents the filter names as text and validates with SOURCE_FILTERS."""
    from ansible_collections.hwcloud.sms.plugins.inventory import sms_sources
    description = yaml.safe_load(sms_sources.DOCUMENTATION)["options"]["filters"]["description"]
    keys = [line for line in description if line.startswith("Keys:")]
    assert len(keys) == 1 and re.findall(r"V\((\w+)\)", keys[0]) == list(_client.SOURCE_FILTERS)
    for name, kind in _client.SOURCE_FILTERS.items():
        value = True if kind == "bool" else (kind[0] if isinstance(kind, tuple) else "x")
        assert sms_sources.build_queries({name: value}) == [{name: value}], name


def test_every_module_utils_file_says_it_is_private():
    paths = sorted(glob.glob(os.path.join(REPO, "plugins", "module_utils", "*.py")))
    assert len(paths) >= 7  # the folder was found
    for path in paths:
        with open(path) as handle:
            assert "PRIVATE to the hwcloud.sms collection" in handle.read(2000), os.path.basename(path)


def test_readme_connecting_table_is_the_table():
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
        section = handle.read().split("## Connecting", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells
    assert list(rows) == list(CONNECTION_OPTIONS)
    for name, facts in CONNECTION_OPTIONS.items():
        _name, env, default, notes = rows[name]
        assert re.findall(r"`(\w+)`", env) == list(facts.get("env", ())), name
        expected = facts.get("default")
        assert default == ("" if expected is None else "`%s`" % str(expected).lower()), name
        assert notes.startswith("secret") == bool(facts.get("secret")), name
