# -*- coding: utf-8 -*-
"""The AWX workflow examples (docs/awx/workflow_*.yml) define what they claim: every node runs a job
template of the same file or is an approval, every link names a node created before it (awx.awx's
workflow_job_template_node looks the linked nodes up and fails on one that does not exist yet), the
phases they pass are phases of migrate_wave, the playbooks are files of the example project, and the
rehearsal workflow runs prepare -> replicate -> test -> approval -> cutover -> verify -> approval ->
cleanup, with every failure and every denied approval ending in the report."""

import glob
import os
import re

import pytest
import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AWX_DIR = os.path.join(REPO_ROOT, "docs", "awx")
PROJECT = os.path.join(AWX_DIR, "project")
WORKFLOWS = sorted(glob.glob(os.path.join(AWX_DIR, "workflow_*.yml")))
REHEARSAL = os.path.join(AWX_DIR, "workflow_rehearse_wave.yml")

# The options of the awx.awx modules the examples use (argument_spec of
# awx_collection/plugins/modules/{job_template,workflow_job_template,workflow_job_template_node}.py):
# a misspelt option fails only on the user's AWX, since lint cannot resolve awx.awx offline.
AWX_OPTIONS = {
    "awx.awx.job_template": {
        "name", "new_name", "description", "organization", "job_type", "inventory", "project", "playbook",
        "credentials", "execution_environment", "instance_groups", "forks", "limit", "verbosity", "extra_vars",
        "job_tags", "skip_tags", "timeout", "use_fact_cache", "ask_variables_on_launch", "ask_limit_on_launch",
        "ask_inventory_on_launch", "ask_credential_on_launch", "survey_enabled", "survey_spec", "become_enabled",
        "diff_mode", "allow_simultaneous", "state"},
    "awx.awx.workflow_job_template": {
        "name", "new_name", "description", "organization", "extra_vars", "survey_spec", "survey_enabled",
        "allow_simultaneous", "ask_variables_on_launch", "inventory", "limit", "ask_inventory_on_launch",
        "ask_limit_on_launch", "labels", "state"},
    "awx.awx.workflow_job_template_node": {
        "identifier", "workflow_job_template", "organization", "extra_data", "inventory", "limit",
        "unified_job_template", "lookup_organization", "approval_node", "all_parents_must_converge",
        "always_nodes", "success_nodes", "failure_nodes", "credentials", "execution_environment", "state"},
}
LINKS = ("success_nodes", "failure_nodes", "always_nodes")


def _tasks(path):
    with open(path) as handle:
        plays = yaml.safe_load(handle)
    assert isinstance(plays, list) and len(plays) == 1, path
    tasks = []
    for task in plays[0]["tasks"]:
        module = [key for key in task if key.startswith("awx.awx.")]
        assert len(module) == 1, "%s: task %r uses no awx.awx module" % (path, task.get("name"))
        tasks.append((task["name"], module[0], task[module[0]]))
    return plays[0], tasks


def _wave_phases():
    """The phases migrate_wave accepts, from its own check of wave_phase."""
    with open(os.path.join(REPO_ROOT, "playbooks", "migrate_wave.yml")) as handle:
        text = handle.read()
    match = re.search(r"wave_phase in (\[[^\]]*\])", text)
    assert match, "migrate_wave.yml no longer checks wave_phase against a list"
    return set(yaml.safe_load(match.group(1)))


def _graph(path):
    play, tasks = _tasks(path)
    templates = dict((args["name"], args) for _name, module, args in tasks if module == "awx.awx.job_template")
    nodes = [args for _name, module, args in tasks if module == "awx.awx.workflow_job_template_node"]
    return play, tasks, templates, nodes


def test_there_are_workflow_examples():
    assert REHEARSAL in WORKFLOWS and len(WORKFLOWS) >= 2, WORKFLOWS


@pytest.mark.parametrize("path", WORKFLOWS, ids=[os.path.basename(p) for p in WORKFLOWS])
def test_workflow_example_is_consistent(path):
    play, tasks, templates, nodes = _graph(path)
    for name, module, args in tasks:
        unknown = set(args) - AWX_OPTIONS[module]
        assert not unknown, "%s: task %r passes %s, which %s does not take" % (path, name, sorted(unknown), module)
    workflows = [args["name"] for _name, module, args in tasks if module == "awx.awx.workflow_job_template"]
    assert len(workflows) == 1, workflows
    # Every job template runs a playbook of the example project and takes the nodes' variables.
    for name, template in templates.items():
        assert os.path.isfile(os.path.join(PROJECT, template["playbook"])), (name, template["playbook"])
        assert template.get("ask_variables_on_launch") is True, "%s: AWX drops a node's extra_data unless it prompts" % name
    phases = _wave_phases()
    created = set()
    for node in nodes:
        assert node["workflow_job_template"] in (workflows[0], "{{ sms_workflow }}"), node
        assert node["identifier"] not in created, "%s: node %s defined twice" % (path, node["identifier"])
        # A node runs a job template of this file, or is an approval (never both).
        assert ("unified_job_template" in node) != ("approval_node" in node), node["identifier"]
        if "approval_node" in node:
            assert node["approval_node"]["name"] and node["approval_node"].get("timeout", 0) > 0, node["identifier"]
        else:
            assert node["unified_job_template"] in templates, (node["identifier"], node["unified_job_template"])
            template = templates[node["unified_job_template"]]
            phase = (node.get("extra_data") or {}).get("wave_phase") or (template.get("extra_vars") or {}).get("wave_phase")
            if template["playbook"] == "migrate_wave.yml":
                assert phase in phases, "%s: node %s runs phase %r; migrate_wave knows %s" % (
                    path, node["identifier"], phase, sorted(phases))
        for link in LINKS:
            for target in node.get(link) or []:
                assert target in created, (
                    "%s: node %s links to %s before it exists (awx.awx fails: create the nodes last to first)"
                    % (path, node["identifier"], target))
        created.add(node["identifier"])
    # One root, and no node without a way in.
    targets = set(target for node in nodes for link in LINKS for target in node.get(link) or [])
    roots = [node["identifier"] for node in nodes if node["identifier"] not in targets]
    assert roots == ["prepare"], roots
    # The cut-over runs only after an approval, and passes the playbook's own gate on.
    cutover = [node for node in nodes if (node.get("extra_data") or {}).get("wave_phase") == "cutover"]
    assert len(cutover) == 1 and cutover[0]["extra_data"].get("wave_cutover_approved") is True
    parents = [node for node in nodes if cutover[0]["identifier"] in (node.get("success_nodes") or [])]
    assert parents and all("approval_node" in node for node in parents), [node["identifier"] for node in parents]
    assert play["hosts"] == "localhost" and play["connection"] == "local"


def _path(nodes, start):
    """The identifiers from ``start`` along the success links (then always links) to the end."""
    by_id = dict((node["identifier"], node) for node in nodes)
    path, current = [], start
    while current:
        assert current not in path, "the workflow loops at %s" % current
        path.append(current)
        node = by_id[current]
        following = (node.get("success_nodes") or []) + (node.get("always_nodes") or [])
        assert len(following) <= 1, (current, following)
        current = following[0] if following else None
    return path, by_id


def _step(node):
    if "approval_node" in node:
        return "approval"
    phase = (node.get("extra_data") or {}).get("wave_phase")
    return phase or node["identifier"]


def test_rehearsal_workflow_tests_before_the_approval_and_verifies_before_the_cleanup():
    templates, nodes = _graph(REHEARSAL)[2:]
    path, by_id = _path(nodes, "prepare")
    assert [_step(by_id[node]) for node in path] == [
        "prepare", "replicate", "test", "approval", "cutover", "verify", "approval", "cleanup", "report"], path
    # Every node after prepare (whose job lists the plan's problems itself, before anything exists) leads to
    # the report when it fails; a denied or timed-out approval fails.
    for identifier in path[1:-1]:
        node = by_id[identifier]
        assert "report" in (node.get("failure_nodes") or []) + (node.get("always_nodes") or []), identifier
    # The verification runs on the inventory of the launched targets, the clean-up with wave_cleanup.
    verify = templates[by_id["verify"]["unified_job_template"]]
    assert verify["inventory"] == "{{ sms_targets_inventory }}" and verify["playbook"] == "migrate_wave.yml"
    cleanup = templates[by_id["cleanup"]["unified_job_template"]]
    assert cleanup["playbook"] == "wave_cleanup.yml"
    assert by_id["cleanup"]["extra_data"] == {"wave_cleanup_apply": True}


def test_targets_inventory_of_the_project_names_the_plugin():
    with open(os.path.join(PROJECT, "inventories", "wave1.sms_targets.yml")) as handle:
        config = yaml.safe_load(handle)
    assert config["plugin"] == "hwcloud.sms.sms_targets"
