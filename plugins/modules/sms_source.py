#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sms_source
short_description: Rename, regroup, adjust the disks of, or delete a Huawei Cloud SMS source server
version_added: 1.0.0
description:
  - Changes a source server registered with Huawei Cloud Server Migration Service (SMS)
    (C(PUT /v3/sources/{id})), that is its name, its migration project, and which disks, volume groups and
    volumes are migrated at which size.
  - Deletes the source server's record with O(state=absent) (C(DELETE /v3/sources/{id})). Its agent
    registers it again only after the agent is restarted on the source machine.
  - Deletes the records of many source servers with O(ids) and O(state=absent), with one
    C(POST /v3/sources/delete) per 200 of them. SMS allows 1,000 source servers per account
    (registered ones, migrated or not); deleting the records of migrated servers makes room for
    the agents of the next wave.
  - A source server whose migration task is moving (replicating, syncing, cutting over, stopping,
    deleting) is not deleted unless O(force=true); stop the task first with
    M(hwcloud.sms.sms_task_action) or delete it with M(hwcloud.sms.sms_task).
  - Source servers register themselves through their agent; this module never creates one.
author:
  - hwcloud.sms maintainers (@hwcloud)
extends_documentation_fragment:
  - hwcloud.sms.sms
  - hwcloud.sms.sms.ACTION_GROUP
attributes:
  check_mode:
    support: full
    description: Reads the source server, reports what would change and changes nothing.
  diff_mode:
    support: full
    description: Shows the name, project and disk settings before and after.
options:
  id:
    description:
      - ID of the source server. With O(id), O(name) is the name to give it.
      - One of O(id), O(name) and O(ids) is required.
    type: str
  name:
    description:
      - Without O(id), the (unique, exact) name that finds the source server.
      - With O(id), the new name of the source server (at most 255 characters).
    type: str
  ids:
    description:
      - With O(state=absent), the IDs of the source servers whose records are deleted, in batches of
        200 IDs with one C(POST /v3/sources/delete) each (a batch of 200 IDs stays under the
        10,240 bytes SMS accepts in a request body). IDs SMS does not know are skipped (RV(missing_ids)).
      - The source servers are read first (one listing, or one lookup per ID when that is cheaper);
        when the task of any of them is moving, nothing is deleted unless O(force=true).
      - Not with O(id), O(name), O(migproject), O(disks) or O(volume_groups). V([]) deletes nothing.
    type: list
    elements: str
    version_added: 1.1.0
  state:
    description: V(present) applies the changes, V(absent) deletes the source server's record.
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - With O(state=absent), delete the source server (or those of O(ids)) even while its migration task is moving
        (the same phases in which M(hwcloud.sms.sms_task) refuses to delete a task). The task is
        neither stopped nor deleted.
    type: bool
    default: false
  migproject:
    description:
      - ID or (unique) name of the migration project the source server belongs to.
    type: str
  disks:
    description:
      - What to migrate of each disk. SMS accepts this only before the target server is configured,
        that is while the source server has no migration task; the module checks that first.
      - Disks, volumes and groups are named by C(id), as SMS reports them in C(GET /v3/sources/{id}) (an
        ID where SMS gives one, else the device name such as V(/dev/vdb) or V(Disk 1)).
      - SMS does not say in every answer what was set before; then the setting is sent again and the
        task reports a change.
    type: list
    elements: dict
    suboptions:
      id:
        description: The disk.
        type: str
        required: true
      need_migration:
        description: Whether the disk is migrated.
        type: bool
      adjust_size:
        description: Size of the disk on the target server, in bytes.
        type: int
      physical_volumes:
        description: Per-volume settings of the disk.
        type: list
        elements: dict
        suboptions:
          id:
            description: The volume.
            type: str
            required: true
          need_migration:
            description: Whether the volume is migrated.
            type: bool
          adjust_size:
            description: Size of the volume on the target server, in bytes.
            type: int
  volume_groups:
    description:
      - What to migrate of each LVM volume group, like O(disks).
    type: list
    elements: dict
    suboptions:
      id:
        description: The volume group.
        type: str
        required: true
      need_migration:
        description: Whether the volume group is migrated.
        type: bool
      adjust_size:
        description: Size of the volume group on the target server, in bytes.
        type: int
      logical_volumes:
        description: Per-logical-volume settings.
        type: list
        elements: dict
        suboptions:
          id:
            description: The logical volume.
            type: str
            required: true
          need_migration:
            description: Whether the logical volume is migrated.
            type: bool
          adjust_size:
            description: Size of the logical volume on the target server, in bytes.
            type: int
"""

EXAMPLES = r"""
- name: Give a source server a name the wave plan uses
  hwcloud.sms.sms_source:
    id: f32ab4d6-d150-4fb3-aa55-edbb5cf9947f
    name: finance-db-01

- name: Put it in the wave's migration project
  hwcloud.sms.sms_source:
    name: finance-db-01
    migproject: wave-1

- name: Do not migrate the scratch disk (before the migration task is created)
  hwcloud.sms.sms_source:
    name: finance-db-01
    disks:
      - id: /dev/vdc
        need_migration: false

- name: Forget a source server (its agent re-registers it only after a restart)
  hwcloud.sms.sms_source:
    name: decommissioned-01
    state: absent

- name: Delete the records of a finished wave in one request, to make room in the account's quota
  hwcloud.sms.sms_source:
    ids: "{{ finished_wave_source_ids }}"
    state: absent
  register: deleted

- name: Forget a source server even though its migration task still runs (the task is left as it is)
  hwcloud.sms.sms_source:
    name: abandoned-02
    state: absent
    force: true
"""

RETURN = r"""
source:
  description:
    - The source server as C(GET /v3/sources/{id}) returns it after the change (the SDK's
      C(ShowServerResponse)); in check mode, as it is with the changes applied to it. After
      O(state=absent), the deleted source server, or V(null) when there was none. V(null) with O(ids).
    - The fields most read are below; the others (C(hostname), C(os_version), C(firmware),
      C(cpu_quantity), C(memory), C(btrfs_list), C(networks), C(checks), C(agent_version), ...) are
      as RV(hwcloud.sms.sms_source_info#module:source_servers) describes them with O(hwcloud.sms.sms_source_info#module:detail=true).
  returned: always
  type: dict
  sample:
    id: f32ab4d6-d150-4fb3-aa55-edbb5cf9947f
    name: finance-db-01
    state: waiting
    migration_cycle: checking
    disks: [{name: /dev/vda, size: 42949672960, device_use: BOOT}]
  contains:
    id:
      description: ID of the source server.
      type: str
      sample: f32ab4d6-d150-4fb3-aa55-edbb5cf9947f
    name:
      description: Name of the source server.
      type: str
      sample: finance-db-01
    ip:
      description: IP address of the source server.
      type: str
      sample: 192.168.0.65
    state:
      description: State of the source server (C(waiting), C(replicate), C(syncing), C(finished), ...).
      type: str
      sample: waiting
    migration_cycle:
      description: Migration stage (C(checking), C(setting), C(replicating), C(syncing), C(cutovering), C(cutovered)).
      type: str
      sample: checking
    connected:
      description: Whether the agent is connected to SMS.
      type: bool
      sample: true
    os_type:
      description: C(LINUX) or C(WINDOWS).
      type: str
      sample: LINUX
    current_task:
      description:
        - The source server's migration task (the SDK's C(TaskByServerSource)), V(null) when it has
          none. O(state=absent) refuses to delete the source server while this task moves, unless
          O(force=true).
      type: dict
      sample: {"id": "2c0689c8-60ad-4728-a497-c91ec0844384", "name": "MigrationTask-finance-db-01", "type": "MIGRATE_FILE",
               "state": "RUNNING", "start_date": 1598238727000, "speed_limit": 0, "migrate_speed": 85.3,
               "target_server": {"vm_id": "9f3c3a6e-3b1d-4f0e-a5a1-2b8f6c4d2e10", "name": "finance-db-01"}}
      contains:
        id:
          description: ID of the migration task.
          type: str
        name:
          description: Name of the migration task.
          type: str
        type:
          description: Migration type, V(MIGRATE_FILE) or V(MIGRATE_BLOCK).
          type: str
        state:
          description: State of the task (V(READY), V(RUNNING), V(SYNCING), V(MIGRATE_SUCCESS), V(MIGRATE_FAIL), ...).
          type: str
        start_date:
          description: When it started, milliseconds since the epoch.
          type: int
        speed_limit:
          description: Speed limit in Mbit/s (0 for none).
          type: int
        migrate_speed:
          description: Migration speed in Mbit/s.
          type: float
        start_target_server:
          description: Whether the target server is started when the migration ends.
          type: bool
        vm_template_id:
          description: ID of the server template the task was created from.
          type: str
        region_id:
          description: Region of the target server.
          type: str
        project_name:
          description: Project of the target server.
          type: str
        project_id:
          description: ID of the project of the target server.
          type: str
        target_server:
          description: The target server.
          type: dict
          contains:
            vm_id:
              description: ID of the target server.
              type: str
            name:
              description: Name of the target server.
              type: str
        log_collect_status:
          description: State of the agent log upload (V(INIT), V(UPLOADING), V(UPLOAD_FAIL), V(UPLOADED)).
          type: str
        exist_server:
          description: Whether the target is an existing server.
          type: bool
        use_public_ip:
          description: Whether the migration uses the target's public IP address.
          type: bool
        clone_server:
          description: The clone made for a migration test; V(null) when there is none.
          type: dict
          contains:
            vm_id:
              description: ID of the clone server.
              type: str
            name:
              description: Name of the clone server.
              type: str
            clone_error:
              description: Error code of a failed clone.
              type: str
            clone_state:
              description: State of the clone (V(NOT_READY), V(READY), V(PREPARING), V(CREATING), V(ERROR), V(FINISHED)).
              type: str
            error_msg:
              description: Error message of a failed clone.
              type: str
        subtask_info:
          description: The current sub-task and its progress, as a text.
          type: str
    disks:
      description:
        - Disks of the source server (the SDK's C(ServerDisk)).
        - Besides the fields below, C(need_migration) and C(adjust_size) of a disk and of its
          C(physical_volumes) show a setting made with O(disks), where SMS echoes it (the SDK's model
          does not have them; the emulator in C(tests/emulator) lists them as an inference).
      type: list
      elements: dict
      sample: [{"name": "/dev/vda", "size": 42949672960, "used_size": 5368709120, "device_use": "BOOT",
                "partition_style": "MBR", "os_disk": true, "physical_volumes": []}]
      contains:
        name:
          description: Name of the disk, for example V(/dev/vda).
          type: str
        partition_style:
          description: Partition style of the disk, for example V(MBR) or V(GPT).
          type: str
        device_use:
          description: What the device is used for (V(BOOT), V(OS), V(NORMAL), V(VOLUME_GROUP), V(BTRFS); may be empty).
          type: str
        size:
          description: Size of the disk in bytes.
          type: int
        used_size:
          description: Used size in bytes.
          type: int
        physical_volumes:
          description: Partitions of the disk.
          type: list
          elements: dict
          contains:
            device_use:
              description: What the device is used for (V(BOOT), V(OS), V(NORMAL), V(VOLUME_GROUP), V(BTRFS); may be empty).
              type: str
            file_system:
              description: File system type.
              type: str
            index:
              description: Position.
              type: int
            mount_point:
              description: Mount point.
              type: str
            name:
              description: Drive letter (Windows) or device (Linux).
              type: str
            size:
              description: Size in bytes.
              type: int
            used_size:
              description: Used size in bytes.
              type: int
            inode_size:
              description: Inode size.
              type: int
            inode_nums:
              description: Number of inodes.
              type: int
            uuid:
              description: UUID (GUID) of the partition.
              type: str
            size_per_cluster:
              description: Cluster size.
              type: int
        os_disk:
          description: Whether it is the system disk.
          type: bool
        relation_name:
          description: Name of the disk of the target server that corresponds to this one (Linux).
          type: str
        inode_size:
          description: Inode size.
          type: int
    volume_groups:
      description:
        - LVM volume groups of the source server (the SDK's C(VolumeGroups)); V([]) when there are none.
        - Like RV(source.disks), their C(logical_volumes) may show C(need_migration) and C(adjust_size).
      type: list
      elements: dict
      sample: []
      contains:
        components:
          description: Physical volumes of the group.
          type: str
        free_size:
          description: Free size in bytes.
          type: int
        logical_volumes:
          description: Logical volumes of the group.
          type: list
          elements: dict
          contains:
            block_count:
              description: Number of blocks.
              type: int
            block_size:
              description: Block size.
              type: int
            file_system:
              description: File system type.
              type: str
            inode_size:
              description: Inode size.
              type: int
            inode_nums:
              description: Number of inodes.
              type: int
            device_use:
              description: What the device is used for (V(BOOT), V(OS), V(NORMAL), V(VOLUME_GROUP), V(BTRFS); may be empty).
              type: str
            mount_point:
              description: Mount point.
              type: str
            name:
              description: Name of the logical volume.
              type: str
            size:
              description: Size in bytes.
              type: int
            used_size:
              description: Used size in bytes.
              type: int
            free_size:
              description: Free size in bytes.
              type: int
        name:
          description: Name of the volume group.
          type: str
        size:
          description: Size of the volume group in bytes.
          type: int
    init_target_server:
      description: Recommended disk layout of the target server (the SDK's C(InitTargetServer)).
      type: dict
      sample: {"disks": [{"name": "/dev/vda", "size": 42949672960, "device_use": "BOOT", "used_size": 5368709120,
                          "physical_volumes": []}], "volume_groups": []}
      contains:
        disks:
          description: Recommended disks of the target server.
          type: list
          elements: dict
          contains:
            name:
              description: Name of the disk.
              type: str
            size:
              description: Size of the disk in bytes.
              type: int
            device_use:
              description: What the disk is used for (V(BOOT), V(OS), V(NORMAL)).
              type: str
            used_size:
              description: Used size in bytes.
              type: int
            physical_volumes:
              description: Partitions of the disk.
              type: list
              elements: dict
              contains:
                device_use:
                  description: What the device is used for (V(BOOT), V(OS), V(NORMAL), V(VOLUME_GROUP), V(BTRFS); may be empty).
                  type: str
                file_system:
                  description: File system type.
                  type: str
                index:
                  description: Position.
                  type: int
                mount_point:
                  description: Mount point.
                  type: str
                name:
                  description: Drive letter (Windows) or device (Linux).
                  type: str
                size:
                  description: Size in bytes.
                  type: int
                inode_size:
                  description: Inode size.
                  type: int
                used_size:
                  description: Used size in bytes.
                  type: int
                uuid:
                  description: UUID (GUID) of the partition.
                  type: str
        volume_groups:
          description: Recommended LVM volume groups (empty when there are none).
          type: list
          elements: dict
          contains:
            components:
              description: Physical volumes of the group.
              type: str
            free_size:
              description: Free size in bytes.
              type: int
            logical_volumes:
              description: Logical volumes of the group.
              type: list
              elements: dict
              contains:
                block_count:
                  description: Number of blocks.
                  type: int
                block_size:
                  description: Block size.
                  type: int
                file_system:
                  description: File system type.
                  type: str
                inode_size:
                  description: Inode size.
                  type: int
                inode_nums:
                  description: Number of inodes.
                  type: int
                device_use:
                  description: What the device is used for (V(BOOT), V(OS), V(NORMAL), V(VOLUME_GROUP), V(BTRFS); may be empty).
                  type: str
                mount_point:
                  description: Mount point.
                  type: str
                name:
                  description: Name of the logical volume.
                  type: str
                size:
                  description: Size in bytes.
                  type: int
                used_size:
                  description: Used size in bytes.
                  type: int
                free_size:
                  description: Free size in bytes.
                  type: int
            name:
              description: Name of the volume group.
              type: str
            size:
              description: Size of the volume group in bytes.
              type: int
    replicatesize:
      description: Bytes replicated so far.
      type: int
      sample: 0
    totalsize:
      description: Bytes to migrate.
      type: int
      sample: 0
sources:
  description:
    - With O(ids), the source servers whose records were deleted (in check mode, would be), as
      C(GET /v3/sources) lists them, in the order of O(ids).
  returned: with O(ids)
  type: list
  elements: dict
  sample: [{"id": "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f", "name": "finance-db-01", "state": "finished",
            "migration_cycle": "cutovered"}]
  version_added: 1.1.0
  contains:
    id:
      description: ID of the source server.
      type: str
      sample: f32ab4d6-d150-4fb3-aa55-edbb5cf9947f
    name:
      description: Name of the source server.
      type: str
      sample: finance-db-01
    state:
      description: State of the source server when it was read, before the deletion.
      type: str
      sample: finished
    migration_cycle:
      description: Migration stage when it was read.
      type: str
      sample: cutovered
    current_task:
      description:
        - Its migration task (the SDK's C(TaskByServerSources)), V(null) when it had none. The task is
          not deleted with the record.
      type: dict
      sample: {"id": "2c0689c8-60ad-4728-a497-c91ec0844384", "name": "MigrationTask-finance-db-01", "state": "MIGRATE_SUCCESS"}
      contains:
        id:
          description: ID of the migration task.
          type: str
        name:
          description: Name of the migration task.
          type: str
        state:
          description: State of the task (V(MIGRATE_SUCCESS), V(SYNC_SUCCESS), ...).
          type: str
missing_ids:
  description: With O(ids), the IDs SMS does not know (nothing to delete).
  returned: with O(ids)
  type: list
  elements: str
  sample: []
  version_added: 1.1.0
changed_fields:
  description: Names of the API fields that were (or would be) sent because they differ.
  returned: success
  type: list
  elements: str
  sample: [name, migprojectid]
"""

from ansible_collections.hwcloud.sms.plugins.module_utils._base import SmsModule
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsError, step, step_error
from ansible_collections.hwcloud.sms.plugins.module_utils._resources import resolve_migproject, resolve_sources
from ansible_collections.hwcloud.sms.plugins.module_utils._source_changes import (
    DELETE_BATCH, batches, check_options, disk_changes, moving_task)

_VOLUME = dict(id=dict(type="str", required=True), need_migration=dict(type="bool"), adjust_size=dict(type="int"))
RESTART_WARNING = ("Source server %s was deleted. Its agent registers it again only after the agent is restarted "
                   "on the source machine.")
RESTART_WARNING_MANY = ("%d source servers were deleted. Their agents register them again only after the agent is "
                        "restarted on the source machine.")


def _argument_spec():
    disk = dict(_VOLUME, physical_volumes=dict(type="list", elements="dict", options=dict(_VOLUME)))
    group = dict(_VOLUME, logical_volumes=dict(type="list", elements="dict", options=dict(_VOLUME)))
    return dict(
        id=dict(type="str"),
        name=dict(type="str"),
        ids=dict(type="list", elements="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        force=dict(type="bool", default=False),
        migproject=dict(type="str"),
        disks=dict(type="list", elements="dict", options=disk),
        volume_groups=dict(type="list", elements="dict", options=group),
    )


class SourceServer:
    """One source server: found by ID or exact name (_get), changed (present) or deleted (absent).
    Source servers register themselves through their agent, so there is nothing to create."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        check_options(self.params)
        self.client = module.client
        self.shown = None
        self.result = dict(changed=False, source=None, changed_fields=[])

    def _get(self):
        """GET /v3/sources/{id} of the source server, or None when there is none (and state=absent)."""
        params = self.params
        source_id = params["id"]
        if source_id is None:
            key = params["name"]
            with step("Looking up source server %s failed" % key):
                found = resolve_sources(self.client, [("name", key)])[("name", key)]
            if found.get("problem") == "ambiguous":
                raise SmsError("%d source servers are named %r (ids %s); give the id instead"
                               % (len(found["ids"]), key, ", ".join(found["ids"])))
            if found.get("problem") == "unknown":
                if params["state"] == "absent":
                    return None
                raise SmsError("No source server is named %r" % key)
            source_id = found["source"]["id"]
        try:
            return self.client.get_source(source_id)
        except SmsError as exc:
            gone = isinstance(exc, SmsApiError) and exc.status == 404
            if gone and params["state"] == "absent" and params["id"] is not None:
                return None
            raise step_error("Reading source server %s failed" % source_id, exc)

    def _changes(self):
        """``(body, before, after)`` of PUT /v3/sources/{id}: only what differs from self.shown."""
        params, shown = self.params, self.shown
        body, before, after = {}, {}, {}
        if params["id"] and params["name"] is not None and params["name"] != shown.get("name"):
            body["name"] = after["name"] = params["name"]
            before["name"] = shown.get("name")
        if params["migproject"] is not None:
            with step("Looking up migration project %s failed" % params["migproject"]):
                project = resolve_migproject(self.client, params["migproject"])
            with step("Checking the migration project of source server %s failed" % shown["id"]):
                member = self.client.list_sources({"id": shown["id"], "migproject": project["id"]}, limit=1, offset=0)[0]
            if not member:
                body["migprojectid"] = project["id"]
                before["migproject"], after["migproject"] = "(another project)", project["name"]
        disks = disk_changes(shown, params)
        for part, changes in zip((body, before, after), disks):
            part.update(changes)
        return body, before, after

    def _update(self, body):
        source_id = self.shown["id"]
        with step("Updating source server %s failed" % source_id):
            self.client.request("PUT", self.client.path("/v3/sources/{0}", source_id), body=body)
        with step("Reading source server %s failed" % source_id):
            return self.client.get_source(source_id)

    def present(self):
        self.shown = self.result["source"] = self._get()
        body, before, after = self._changes()
        if not body:
            return
        self.result.update(changed=True, changed_fields=sorted(body), diff=dict(before=before, after=after))
        if self.module.check_mode:  # as it is, with the new name; what SMS makes of the rest is not predicted
            self.result["source"] = dict(self.shown, **({"name": body["name"]} if "name" in body else {}))
        else:
            self.result["source"] = self._update(body)

    def absent(self):
        self.shown = self._get()
        if self.shown is None:
            return
        source_id = self.shown["id"]
        refusal = None if self.params["force"] else moving_task(self.shown)
        if refusal:
            raise SmsError("nothing was deleted: " + refusal, source=self.shown)
        if not self.module.check_mode:
            with step("Deleting source server %s failed" % source_id):
                self.client.request("DELETE", self.client.path("/v3/sources/{0}", source_id))
        self.module.warn(RESTART_WARNING % source_id)
        self.result.update(changed=True, source=self.shown,
                           diff=dict(before=dict(id=source_id, name=self.shown.get("name")), after={}))

    def absent_many(self):
        """Delete the records of the source servers of ``ids``, POST /v3/sources/delete per batch."""
        ids = list(dict.fromkeys(self.params["ids"]))
        self.result.update(sources=[], missing_ids=[])
        if not ids:
            return
        with step("Reading the source servers to delete failed"):
            found = resolve_sources(self.client, [("id", source_id) for source_id in ids])
        shown = [found[("id", i)]["source"] for i in ids if "source" in found[("id", i)]]
        self.result["missing_ids"] = [i for i in ids if "source" not in found[("id", i)]]
        refusals = [] if self.params["force"] else [r for r in map(moving_task, shown) if r]
        if refusals:
            raise SmsError("nothing was deleted: " + "; ".join(refusals), sources=[], missing_ids=self.result["missing_ids"])
        if not shown:
            return
        deleted = []
        parts = batches([record["id"] for record in shown], DELETE_BATCH)
        for number, batch in enumerate(parts, 1):
            if not self.module.check_mode:
                try:
                    self.client.request("POST", "/v3/sources/delete", body={"ids": batch})
                except SmsError as exc:
                    failure = step_error("Deleting the source servers of batch %d of %d failed (%d deleted before it, "
                                         "see deleted_ids)" % (number, len(parts), len(deleted)), exc)
                    failure.result.update(deleted_ids=deleted, missing_ids=self.result["missing_ids"])
                    raise failure
            deleted.extend(batch)
        self.module.warn(RESTART_WARNING_MANY % len(deleted))
        self.result.update(changed=True, sources=shown, diff=dict(
            before=dict(sources=[dict(id=r["id"], name=r.get("name")) for r in shown]), after=dict(sources=[])))

    def get_result(self):
        return self.result


def main():
    module = SmsModule(argument_spec=_argument_spec(), required_one_of=[("id", "name", "ids")],
                       mutually_exclusive=[("ids", option) for option in ("id", "name", "migproject", "disks", "volume_groups")],
                       supports_check_mode=True)
    try:
        source = SourceServer(module)
        if module.params["ids"] is not None:
            source.absent_many()
        elif module.params["state"] == "absent":
            source.absent()
        else:
            source.present()
    except SmsError as exc:
        module.fail_json_sms(exc)
    module.exit_json(**source.get_result())


if __name__ == "__main__":
    main()
