# -*- coding: utf-8 -*-
"""_task_update without HTTP: which differences of an existing task SMS changes in place
(PUT /v3/tasks/{id}, the SDK's PutTaskReq) and in which phases, the PUT body, the texts and diff."""

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils import _task_body, _task_update
from ansible_collections.hwcloud.sms.plugins.module_utils._phases import PHASES, SETTLED_PHASES
from ansible_collections.hwcloud.sms.plugins.module_utils._task_update import (
    IN_PLACE,
    RECREATE,
    STOP_FIRST,
    change_of,
    changes_header,
    diff_of,
    difference_text,
    differences,
    in_place,
    update_body,
    update_request,
)

models = pytest.importorskip("huaweicloudsdksms.v3.model")


def test_every_compared_option_is_classified_and_the_updatable_ones_are_putaskreq_fields():
    compared = set(option for option, _path in _task_body.IMMUTABLE + _task_body.IMMUTABLE_SHOWN)
    assert compared == set(_task_update.UPDATABLE) | set(_task_update.NOT_UPDATABLE)
    assert not set(_task_update.UPDATABLE) & set(_task_update.NOT_UPDATABLE)
    put_fields = set(models.PutTaskReq.attribute_map)
    for option, (field, phases, otherwise, why) in _task_update.UPDATABLE.items():
        assert field in put_fields, option
        assert why and (phases is None) == (otherwise is None), option
        assert phases is None or set(phases) <= set(PHASES), option
    for option, extras in _task_update.SENT_WITH.items():
        assert option in _task_update.UPDATABLE and set(extras) <= put_fields
    # What PutTaskReq cannot carry stays a recreate field, start_target_server included (the issue names it).
    for option in ("syncing", "start_target_server", "priority", "need_migration_test"):
        assert option not in put_fields and option in _task_update.NOT_UPDATABLE
        assert change_of(option, "ready")[0] == RECREATE


@pytest.mark.parametrize("phase", PHASES)
def test_the_label_of_each_field_depends_on_the_phase(phase):
    assert change_of("name", phase)[0] == IN_PLACE
    assert change_of("speed_limit", phase)[0] == IN_PLACE
    assert change_of("migration_ip", phase)[0] == (IN_PLACE if phase in SETTLED_PHASES else STOP_FIRST)
    for option in ("type", "template_id"):
        assert change_of(option, phase)[0] == (IN_PLACE if phase == "ready" else RECREATE)
    for option in ("target_server_id", "target_server_name", "syncing", "priority"):
        assert change_of(option, phase)[0] == RECREATE
    assert "the task is replicating" in change_of("type", "replicating")[1]


def test_differences_the_put_body_and_the_diff():
    before = {"name": "a", "speed_limit": 0, "migration_ip": "10.0.0.1"}
    after = {"name": "b", "speed_limit": 100, "migration_ip": "10.0.0.2"}
    found = differences(before, after, "stopped")
    assert [(d["option"], d["before"], d["after"], d["change"]) for d in found] == [
        ("migration_ip", "10.0.0.1", "10.0.0.2", IN_PLACE), ("name", "a", "b", IN_PLACE), ("speed_limit", 0, 100, IN_PLACE)]
    assert in_place(found) and not in_place([])
    # Only the changed fields, under their PutTaskReq names, and what goes with migration_ip when set.
    options = {"use_public_ip": False, "use_ipv6": None, "priority": "high"}
    assert update_body(options, found) == {"migration_ip": "10.0.0.2", "name": "b", "speed_limit": 100,
                                           "use_public_ip": False}
    request = update_request("t-1", {}, found[1:])
    assert request == {"method": "PUT", "path": "/v3/tasks/t-1", "body": {"name": "b", "speed_limit": 100}}
    assert update_body({}, differences({"template_id": "x"}, {"template_id": "y"}, "ready")) == {"vm_template_id": "y"}
    assert set(update_body({}, found)) <= set(models.PutTaskReq.attribute_map)
    assert diff_of("t-1", found) == {"before": before, "after": after, "before_header": "task t-1",
                                     "after_header": "updated in place: migration_ip, name, speed_limit"}


def test_a_difference_not_changed_in_place_fails_naming_each_field_and_what_it_needs():
    found = differences({"name": "a", "priority": 1, "migration_ip": "10.0.0.1"},
                        {"name": "b", "priority": 2, "migration_ip": "10.0.0.2"}, "replicating")
    assert not in_place(found) and not in_place(found[:1])  # migration_ip while data moves
    assert changes_header(found) == "updated in place: name; needs stop: migration_ip; needs recreate: priority"
    assert difference_text("t-1", "web-01", found) == (
        "task t-1 of source server web-01 differs in fields it cannot change now: migration_ip '10.0.0.1' -> "
        "'10.0.0.2' (needs stop), name 'a' -> 'b' (updated in place), priority 1 -> 2 (needs recreate) (delete it "
        "with state=absent and create it again, or stop it (sms_task_action operation=stop) and run again; nothing was sent)")
    only_stop = differences({"migration_ip": "10.0.0.1"}, {"migration_ip": "10.0.0.2"}, "syncing")
    assert difference_text("t-1", "w", only_stop).endswith("(stop it (sms_task_action operation=stop) and run again; "
                                                           "nothing was sent)")
    # A task another job created meanwhile is not changed, whatever the differences.
    assert difference_text("t-1", "w", found[1:2], not_ours=True) == (
        "task t-1 of source server w was created by another job meanwhile and differs: name 'a' -> 'b' (updated in place) "
        "(it is not changed)")
    # Nothing of a blocked row is put in place.
    assert update_body({}, found) == {"name": "b"}  # the builder only; plan_present plans no PUT for it
