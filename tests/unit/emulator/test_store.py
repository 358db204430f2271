"""The Store's composition: every method it forwards reaches its part, and the flows across parts
(auto_start through the task actions) work from Python and over HTTP."""

from sms_emulator import store as store_module

from support.emulator_client import new_task, task_body


def test_every_forwarded_store_attribute_reaches_its_part(emu):
    forwards = {name: value for name, value in vars(store_module.Store).items()
                if isinstance(value, store_module._Forward)}  # pylint: disable=protected-access
    assert {"get_source", "list_tasks", "task_action", "register_source", "create_template", "_write"} <= set(forwards)
    for name, forward in forwards.items():
        part = getattr(emu.store, forward.part)
        assert getattr(emu.store, name) == getattr(part, forward.name), name


def test_auto_start_starts_the_new_task_from_python_and_over_http(emu, client):
    waiting = emu.store.list_sources(state="waiting", limit=1)[0]
    assert waiting["current_task"] is None
    task_id = emu.store.create_task(task_body(emu, waiting["id"], auto_start=True))
    assert emu.store.get_task(task_id)["state"] == "RUNNING"
    assert emu.store.pending_command(waiting["id"])["command_name"] == "START"
    source_id, task_id = new_task(emu, client, auto_start=True)
    assert emu.store.get_task(task_id)["state"] == "RUNNING"
    assert emu.store.pending_command(source_id) == {"command_name": "START", "command_param": {"task_id": task_id},
                                                    "purpose": "start"}
