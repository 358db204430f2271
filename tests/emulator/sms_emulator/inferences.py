"""The one table of what the emulator answers beyond the official SDK's models.

Every answer of the emulator holds only fields of the SDK model of its operation
(``shapes.py``), except the entries below: each names the model and field, whether it is a
field the model lacks ("field") or a declared field served with another type ("type"), the
public document or observation it rests on, and why the emulator serves it.
``tests/unit/emulator/test_sdk_conformance.py`` allows exactly these and checks that
tests/emulator/README.md shows this table (``markdown_table()``).
"""

import collections
import os

Inference = collections.namedtuple("Inference", "model field kind source why")

INFERENCES = (
    Inference("ShowConsistencyResultResponse", "result_list", "type",
              "huaweicloud/terraform-provider-huaweicloud, data_source_huaweicloud_sms_task_consistency_results.go "
              "parses each item as an object (finished_time, check_result, consistency_result[dir_check, "
              "num_total_files, ...]); the agent uploads ConsistencyResult objects (SetConsistencyResultRequestBody)",
              "the SDK declares list[str]; the items are served as the objects the agent reported"),
    Inference("ServerDisk", "need_migration", "field",
              "SMS API reference UpdateServerName (PutSourceServerBody.disks[], PutDisk): the per-disk setting "
              "SMS stores; ShowServer documents no field for it",
              "shows a disk adjustment made with PUT /v3/sources/{id}; real SMS may not echo it (unverified)"),
    Inference("ServerDisk", "adjust_size", "field",
              "SMS API reference UpdateServerName (PutSourceServerBody.disks[], PutDisk): the per-disk setting "
              "SMS stores; ShowServer documents no field for it",
              "shows a disk adjustment made with PUT /v3/sources/{id}; real SMS may not echo it (unverified)"),
)

# Error answers where Huawei documents a rule but not the answer that enforces it: the request,
# the HTTP status and error code the emulator answers with, the document of the rule, and why.
ErrorInference = collections.namedtuple("ErrorInference", "request status error_code source why")

CONCURRENCY_LIMIT = ErrorInference(
    "POST /v3/tasks/{task_id}/action (start, restart) and POST /v3/tasks with auto_start", 400, "SMS.1045",
    "SMS product description, Notes and Constraints (and the MgC FAQ): at most 100 source servers are "
    "migrated at the same time; no page documents the answer to a start beyond it",
    "the emulator refuses a start that would put more than max_running (--max-running, default 100) tasks "
    "in a migrating state (task_actions.SLOT_STATES) with this status and code; hwcloud.sms.sms_task_action "
    "recognises it, and any 4xx while the account is at the limit, as the limit")

# The source quota: the limit is documented (product description, "Notes and Constraints", and the
# MgC FAQ: at most 1,000 source servers per account; "delete the records of migrated servers in a
# timely manner"), the answer to a registration beyond it is not.
SOURCE_QUOTA = 1000
SOURCE_QUOTA_LIMIT = ErrorInference(
    "POST /v3/sources (an agent registration that would create a new source)", 400, "SMS.2250",
    "SMS product description, Notes and Constraints (and the MgC FAQ): at most 1,000 source servers per "
    "account; no page documents the answer to a registration beyond it",
    "400 with an SMS.22xx code next to the other source/task refusals of the out-of-date error table "
    "(SMS.2216, SMS.2217, SMS.2248); clients should test the status and the presence of error_code/"
    "error_msg, not the code. A re-registration of an existing source is never refused; the generated "
    "fleet is not limited")
SOURCE_QUOTA_STATUS = SOURCE_QUOTA_LIMIT.status
SOURCE_QUOTA_CODE = SOURCE_QUOTA_LIMIT.error_code

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")


def inferred_fields():
    """(model, field) of every entry."""
    return [(entry.model, entry.field) for entry in INFERENCES]


def markdown_table():
    """The table as tests/emulator/README.md shows it."""
    lines = ["| model | field | kind | source | why |", "|---|---|---|---|---|"]
    for entry in INFERENCES:
        lines.append("| `%s` | `%s` | %s | %s | %s |" % (entry.model, entry.field, entry.kind, entry.source, entry.why))
    return "\n".join(lines)
