# -*- coding: utf-8 -*-
"""The documentation as users read it: every structured return value documents its structure,
and the pages antsibull-docs renders (what docs sites and Galaxy show) have no broken markup.

Broken markup that every linter accepts: C(...) (and V(), E(), ...) ends at the first ``)``, so
C(lookup('x', 'y')) renders the code ``lookup('x', 'y'`` followed by a stray ``)``. The check reads
the code spans of the rendered RST and fails on any whose parentheses do not balance."""

import ast
import glob
import os
import re
import subprocess
import sys

import pytest
import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN_DIR = os.path.dirname(sys.executable)
COLLECTIONS_PATH = os.path.join(REPO_ROOT, ".build", "collections")
MODULES = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(REPO_ROOT, "plugins", "modules", "*.py"))
                 if not os.path.basename(p).startswith("_"))
# Lists of these need no `contains`: their elements have no structure to describe.
SCALAR_ELEMENTS = {"str", "int", "float", "bool", "path", "raw"}
# The only dicts whose keys are not documented: values that are free-form by nature. Each entry must
# name an undocumented dict that exists (test_free_form_values_exist_and_are_free_form), so the list
# cannot rot; a value of a known shape documents its keys instead.
FREE_FORM = {
    "sms_command_result: request.body.result_detail":
        "the agent's report as the user gives it; SMS stores it as it is (CommandBody.result_detail is an object)",
    "sms_command_result: results.request.body.result_detail":
        "the agent's report as the user gives it; SMS stores it as it is (CommandBody.result_detail is an object)",
    "sms_task: request.body": "the JSON body of the named SMS operation: PostTask to create, UpdateTaskStatusReq to start",
    "sms_task: settings_requests.body": "the JSON body of the named SMS operation: speed limits or configuration settings",
    "sms_task: results.request.body": "the JSON body of the named SMS operation: PostTask to create, UpdateTaskStatusReq to start",
    "sms_task: results.settings_requests.body":
        "the JSON body of the named SMS operation: speed limits or configuration settings",
}


def _module_return(name):
    with open(os.path.join(REPO_ROOT, "plugins", "modules", name + ".py")) as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "RETURN" for t in node.targets):
            return yaml.safe_load(ast.literal_eval(node.value)) or {}
    raise AssertionError("%s has no RETURN" % name)


def _structured(spec):
    return spec.get("type") == "dict" or (spec.get("type") == "list" and spec.get("elements") not in SCALAR_ELEMENTS)


def _missing_contains(values, path="", free_form=()):
    """Paths of return values of type dict, or list of non-scalars, without `contains` (but for
    the dotted paths in ``free_form``)."""
    missing = []
    for key, spec in (values or {}).items():
        where = path + key
        if _structured(spec) and not spec.get("contains") and where not in free_form:
            missing.append("%s (type %s%s)" % (where, spec.get("type"),
                                               ", elements %s" % spec["elements"] if spec.get("elements") else ""))
        missing.extend(_missing_contains(spec.get("contains"), where + ".", free_form))
    return missing


def _free_form(module):
    return set(entry.split(": ", 1)[1] for entry in FREE_FORM if entry.split(": ", 1)[0] == module)


def _spec_at(values, dotted):
    spec = None
    for key in dotted.split("."):
        spec = (values or {}).get(key)
        if spec is None:
            return None
        values = spec.get("contains")
    return spec


def test_the_structure_rule_sees_what_it_must():
    values = {"a": {"type": "dict"}, "b": {"type": "list", "elements": "str"}, "c": {"type": "list"},
              "d": {"type": "list", "elements": "dict", "contains": {"e": {"type": "dict"}, "f": {"type": "str"}}}}
    assert _missing_contains(values) == ["a (type dict)", "c (type list)", "d.e (type dict)"]
    assert _missing_contains(values, free_form={"a", "d.e"}) == ["c (type list)"]
    assert _spec_at(values, "d.e") == {"type": "dict"}
    assert _spec_at(values, "d.g") is None and _spec_at(values, "b.x") is None


@pytest.mark.parametrize("entry", sorted(FREE_FORM))
def test_free_form_values_exist_and_are_free_form(entry):
    """An allow-listed path that was renamed, removed or documented since must leave the list."""
    module, path = entry.split(": ", 1)
    spec = _spec_at(_module_return(module), path)
    assert spec is not None, "FREE_FORM names %s, which %s's RETURN no longer has" % (path, module)
    assert _structured(spec) and not spec.get("contains"), (
        "FREE_FORM names %s of %s, which is not an undocumented dict (any more): remove it from the list" % (path, module))


@pytest.mark.parametrize("module", MODULES)
def test_every_structured_return_value_documents_its_contents(module):
    """A dict, or a list of dicts, renders as an opaque name unless its keys are documented."""
    missing = _missing_contains(_module_return(module), free_form=_free_form(module))
    assert not missing, "%s: RETURN values without `contains`: %s" % (module, "; ".join(missing))


@pytest.mark.parametrize("module", MODULES)
def test_every_structured_return_value_has_a_sample(module):
    missing = [key for key, spec in _module_return(module).items()
               if spec.get("type") in ("dict", "list") and "sample" not in spec]
    assert not missing, "%s: RETURN values of type dict/list without `sample`: %s" % (module, ", ".join(missing))


# --- rendered pages ------------------------------------------------------------------------

# Inline code in antsibull-docs' RST: :literal:`...` (C()), :ansval:`...` (V()), :envvar:`...` (E()),
# :ansopt:/:ansretv: (O(), RV() with values).
CODE_ROLE = re.compile(r":(literal|ansval|envvar|ansopt|ansretv):`((?:[^`\\]|\\.)*)`")


def _unbalanced_code(rst):
    found = []
    for line in rst.splitlines():
        for role, text in CODE_ROLE.findall(line):
            if text.count("(") != text.count(")"):
                found.append(":%s:`%s` in: %s" % (role, text, line.strip()[:300]))
    return found


def test_the_markup_rule_sees_a_code_span_cut_at_its_first_parenthesis():
    broken = r"a template (\ :literal:`lookup('env', 'X'`\ )) here; :ansval:`f(x)` is fine"
    assert _unbalanced_code(broken) == [":literal:`lookup('env', 'X'` in: " + broken]
    assert _unbalanced_code(r"use :literal:`lookup('env', 'X')` and :literal:`{{`") == []


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """antsibull-docs' RST of every plugin and role of the collection, as a docs site renders it."""
    out = tmp_path_factory.mktemp("rst")
    home = tmp_path_factory.mktemp("home")   # antsibull-docs writes ~/antsibull.log
    dest = out / "rst"
    dest.mkdir(mode=0o755)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_PATH, HOME=str(home), ANSIBLE_NOCOLOR="1",
               PATH=BIN_DIR + os.pathsep + os.environ.get("PATH", ""), PYTHONDONTWRITEBYTECODE="1")
    process = subprocess.run(
        [os.path.join(BIN_DIR, "antsibull-docs"), "--config-file", os.path.join(REPO_ROOT, "docs", "site", "antsibull-docs.cfg"),
         "collection", "--use-current", "--fail-on-error", "--dest-dir", str(dest), "hwcloud.sms"],
        cwd=str(out), env=env, capture_output=True, text=True, timeout=600, check=False)
    assert process.returncode == 0, process.stdout[-4000:] + process.stderr[-4000:]
    pages = {}
    for path in glob.glob(str(dest / "collections" / "hwcloud" / "sms" / "*_*.rst")):
        with open(path) as handle:
            pages[os.path.basename(path)[:-4]] = handle.read()
    return pages


def _expected_pages():
    pages = ["%s_module" % name for name in MODULES]
    pages += ["%s_inventory" % os.path.basename(p)[:-3] for p in glob.glob(os.path.join(REPO_ROOT, "plugins", "inventory", "*.py"))]
    pages += ["%s_filter" % os.path.basename(p)[:-4] for p in glob.glob(os.path.join(REPO_ROOT, "plugins", "filter", "*.yml"))]
    pages += ["%s_role" % os.path.basename(p) for p in glob.glob(os.path.join(REPO_ROOT, "roles", "*"))]
    return sorted(pages)


def test_every_plugin_and_role_is_rendered(rendered):
    assert sorted(page for page in rendered if page != "index") == _expected_pages()


@pytest.mark.parametrize("page", _expected_pages())
def test_rendered_page_has_no_code_cut_short_by_a_parenthesis(rendered, page):
    broken = _unbalanced_code(rendered[page])
    assert not broken, ("%s: code markup ends at its first ')': C() cannot hold a ')' (reword it), V(), E(), O() and "
                        "RV() can escape it as '\\)':\n%s" % (page, "\n".join(broken)))


@pytest.mark.parametrize("module", MODULES)
def test_rendered_return_values_show_their_contents(rendered, module):
    """What the RETURN rule demands reaches the page: every documented key has its anchor."""
    page = rendered["%s_module" % module]
    for key, spec in _module_return(module).items():
        for sub in (spec.get("contains") or {}):
            assert "return-%s/%s" % (key, sub) in page.replace("\\_", "_"), "%s: %s.%s not rendered" % (module, key, sub)


# --- documented structure = the official SDK's model (the schema of every answer) ------------

def _sdk_fields(model_name):
    models = pytest.importorskip("huaweicloudsdksms.v3.model")
    model = getattr(models, model_name)
    nested = {}
    for field, kind in model.openapi_types.items():
        inner = re.match(r"(?:list\[)?(\w+)\]?$", kind).group(1)
        nested[field] = _sdk_fields(inner) if hasattr(models, inner) else None
    return nested


def _documented(contains):
    return dict((key, _documented(spec.get("contains")) if spec.get("contains") else None)
                for key, spec in contains.items())


# The structure SMS answers with, where a module returns it as SMS gives it: (module, dotted path of the
# return value, the SDK's model, model fields the module does not return, {key the module adds: its
# model or None}).
SDK_MODELS = [
    ("sms_template", "template", "TemplateResponseBody", {"target_password"}, {}),
    ("sms_template_info", "templates", "TemplateResponseBody", {"target_password"}, {}),
    ("sms_migproject", "migproject", "MigprojectsResponseBody", set(), {}),
    ("sms_migproject_info", "migprojects", "MigprojectsResponseBody", set(), {"source_ids": None}),
    ("sms_command", "command_param", "CommandParam", set(), {}),
    ("sms_command", "response.command_param", "CommandParam", set(), {}),
    ("sms_command", "commands.command_param", "CommandParam", set(), {}),
    ("sms_source", "source.current_task", "TaskByServerSource", set(), {}),
    ("sms_source", "source.disks", "ServerDisk", set(), {}),
    ("sms_source", "source.volume_groups", "VolumeGroups", set(), {}),
    ("sms_source", "source.init_target_server", "InitTargetServer", set(), {}),
    # with detail=true, every source server also carries what GET /v3/sources/{id} adds
    ("sms_source_info", "source_servers", "SourceServersResponseBody", set(),
     {"hostname": None, "firmware": None, "agent_version": None, "disks": "ServerDisk", "volume_groups": "VolumeGroups",
      "btrfs_list": "BtrfsFileSystem", "networks": "NetWork"}),
    ("sms_task", "task.source_server", "SourceServerAssociatedWithTask", set(), {}),
    ("sms_task", "task.target_server", "TargetServerAssociatedWithTask", set(), {}),
    # collect_log sends UploadLogRequestBody (log_bucket), delete_clone ECS DeleteServers (no SMS model)
    ("sms_task_action", "results.request", "UpdateTaskStatusReq", set(),
     {"log_bucket": None, "servers": {"id": None}, "delete_publicip": None, "delete_volume": None}),
    ("sms_task_action", "tasks.source_server", "SourceServerAssociatedWithTask", set(), {}),
    # a task read with GET /v3/tasks/{id} (SourceServerResponse) also has migration_cycle
    ("sms_task_info", "tasks.source_server", "SourceServerAssociatedWithTask", set(), {"migration_cycle": None}),
    ("sms_task_info", "tasks.speed_windows", "SpeedLimitlJson", set(), {}),
    ("sms_task_info", "tasks.configurations", "ConfigBody", set(), {}),
]


@pytest.mark.parametrize("module,value,model,not_returned,added", SDK_MODELS)
def test_documented_contents_are_the_sdk_model(module, value, model, not_returned, added):
    """Every field SMS answers with is documented, nested models included, and nothing else
    (the modules drop only the secret; what a module adds is listed)."""
    expected = dict((key, sub) for key, sub in _sdk_fields(model).items() if key not in not_returned)
    # an added key maps to its SDK model's name, to its fields (a dict: a body no SMS model describes), or None
    expected.update((key, inner if isinstance(inner, dict) else (_sdk_fields(inner) if inner else None))
                    for key, inner in added.items())
    spec = _spec_at(_module_return(module), value)
    assert spec is not None, "%s has no return value %s" % (module, value)
    assert _documented(spec["contains"]) == expected
