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

# The source quota.  Huawei documents the limit (product description, "Notes and Constraints", and the
# MgC FAQ: at most 1,000 source servers per account; "delete the records of migrated servers in a
# timely manner") but not the answer to the registration beyond it.  INFERENCE: 400 with an SMS.22xx
# code next to the other source/task refusals of the out-of-date error table (SMS.2216, SMS.2217,
# SMS.2248); clients should test the status and the presence of error_code/error_msg, not the code.
SOURCE_QUOTA = 1000
SOURCE_QUOTA_STATUS = 400
SOURCE_QUOTA_CODE = "SMS.2250"

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
