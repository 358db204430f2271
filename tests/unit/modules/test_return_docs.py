# -*- coding: utf-8 -*-
"""The RETURN docs of sms_source, sms_source_info, sms_command and sms_command_result show the
structure a playbook can read: every dict (or list of dicts) they return lists its keys under
``contains``, each key typed and described, with a sample wherever it holds a dict or list."""

import importlib

import pytest
import yaml

MODULES = ("sms_source", "sms_source_info", "sms_command", "sms_command_result")


def _structured(doc):
    return doc.get("type") == "dict" or (doc.get("type") == "list" and doc.get("elements") == "dict")


def _problems(name, doc, depth):
    problems = []
    if not doc.get("description") or not doc.get("type"):
        problems.append("%s: needs a description and a type" % name)
    if _structured(doc) and "sample" not in doc:
        problems.append("%s: a %s needs a sample" % (name, doc["type"]))
    if _structured(doc) and depth == 0 and "contains" not in doc:
        problems.append("%s: a %s needs contains" % (name, doc["type"]))
    for key, sub in (doc.get("contains") or {}).items():
        problems.extend(_problems("%s.%s" % (name, key), sub, depth + 1))
    return problems


@pytest.mark.parametrize("module", MODULES)
def test_structured_return_values_are_documented(module):
    loaded = importlib.import_module("ansible_collections.hwcloud.sms.plugins.modules." + module)
    returns = yaml.safe_load(loaded.RETURN)
    problems = []
    for name, doc in returns.items():
        problems.extend(_problems(name, doc, 0))
    assert not problems, "\n".join(problems)
