#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sms_source_info
short_description: List the source servers registered with Huawei Cloud SMS
version_added: 1.0.0
description:
  - Lists source servers registered with Huawei Cloud Server Migration Service (C(GET /v3/sources)).
  - Without O(limit) and O(offset) it returns every matching source server, 200 per request,
    up to O(page_workers) requests at a time. A listing larger than the API's offsets reach
    (65,535) is split by state (only states that C(GET /v3/sources/overview) does not count as
    empty), then by other filters not set, and the parts are fetched concurrently.
  - "The listing is complete or the module fails: every source server that matched the filters
    during the whole listing is returned. Pages overlap by one record, and the shared record,
    every page's count and the number of distinct ids must agree, so sources leaving or
    entering the filters between two pages cannot make another one fall between them; a
    listing that changed while it was read is read again, up to three times in all, then the
    module fails. Sources that enter or leave the filters during the listing may or may not
    be in the result."
  - Every filter is applied by the service.
  - With O(query) only the value of a JMESPath expression over the records is returned, so a
    large fleet does not travel through Ansible as a whole.
author:
  - hwcloud.sms maintainers (@hwcloud)
extends_documentation_fragment:
  - hwcloud.sms.sms
  - hwcloud.sms.sms.ACTION_GROUP
  - hwcloud.sms.sms.INFO_MODULE
options:
  id:
    description:
      - Return only the source server with this ID.
    type: str
  name:
    description:
      - Source server name to filter on. At most 255 characters.
    type: str
  ip:
    description:
      - IP address of the source server to filter on. At most 255 characters.
    type: str
  state:
    description:
      - Source server state to filter on.
    type: str
    choices: [unavailable, waiting, initialize, replicate, syncing, stopping, stopped, skipping, deleting,
              clearing, cleared, clearfailed, premigready, premiging, premiged, premigfailed, cloning,
              cutovering, finished, error]
  migration_cycle:
    description:
      - Migration stage to filter on.
    type: str
    choices: [checking, setting, replicating, syncing, cutovering, cutovered]
  migproject:
    description:
      - ID of a migration project; only source servers of that project are returned.
    type: str
  connected:
    description:
      - V(true) returns only source servers whose agent is connected to SMS, V(false) only
        the disconnected ones.
    type: bool
  enterprise_project_id:
    description:
      - Enterprise project ID to filter on.
    type: str
  is_consistency_result_exist:
    description:
      - Filter on whether a consistency check result exists for the source server.
    type: bool
  ipv6:
    description:
      - IPv6 address of the source server to filter on. At most 255 characters.
    type: str
  vm_id:
    description:
      - ID of the target server (of the clone server, C(current_task.clone_server.vm_id)) to filter on.
    type: str
  limit:
    description:
      - Return one page of at most this many source servers (1 to 200) instead of all of them.
    type: int
  offset:
    description:
      - Return one page starting at this offset (0 to 65535) instead of all source servers.
    type: int
  page_workers:
    description:
      - How many requests of the listing are sent at the same time (1 to 32). V(1) pages sequentially.
    type: int
    default: 8
  query:
    description:
      - A JMESPath expression evaluated over the list of matching source records (the list
        RV(source_servers) would hold). The module then returns its value as RV(query_result)
        and no RV(source_servers).
      - For example V([].id), V([?connected].ip) or V(length([?state=='error']\)) (the number of source servers in error).
    type: str
  detail:
    description:
      - Add to each source server what C(GET /v3/sources/{id}) shows beyond the listing (disks with
        their partitions, networks, volume groups, firmware, agent version). One request per source
        server, O(page_workers) at a time; combine it with filters for a large fleet.
    type: bool
    default: false
  overview:
    description:
      - Also return RV(overview), the number of source servers per state (C(GET /v3/sources/overview)).
    type: bool
    default: false
  errors:
    description:
      - Also return RV(migration_errors), the source servers whose migration failed with the error
        SMS recorded (C(GET /v3/errors), every page; filtered by O(enterprise_project_id) when set).
    type: bool
    default: false
requirements:
  - jmespath (for O(query))
"""

EXAMPLES = r"""
- name: List every registered source server
  hwcloud.sms.sms_source_info:
    region: ap-southeast-3
  register: fleet

- name: Source servers waiting for migration whose agent is connected
  hwcloud.sms.sms_source_info:
    state: waiting
    connected: true
  register: ready

- name: Look up one source server by ID
  hwcloud.sms.sms_source_info:
    id: f32ab4d6-d150-4fb3-aa55-edbb5cf9947f
  register: one

- name: Set the connection once for every hwcloud.sms module
  module_defaults:
    group/hwcloud.sms.sms:
      region: ap-southeast-3
      access_key: "{{ lookup('ansible.builtin.env', 'HUAWEICLOUD_ACCESS_KEY') }}"
      secret_key: "{{ lookup('ansible.builtin.env', 'HUAWEICLOUD_SECRET_KEY') }}"
  block:
    - name: Source servers that failed an environment check
      hwcloud.sms.sms_source_info:
        state: unavailable
      register: unavailable

- name: Only the ids of 10,000 waiting source servers (not their 24 MB of records)
  hwcloud.sms.sms_source_info:
    state: waiting
    query: "[].id"
  register: waiting_ids

- name: Print how many source servers are in each state
  ansible.builtin.debug:
    msg: "{{ item.0 }}: {{ item.1 | length }}"
  loop: "{{ fleet.source_servers | groupby('state') }}"
  loop_control:
    label: "{{ item.0 }}"
"""

RETURN = r"""
overview:
  description: Number of source servers per state, as C(GET /v3/sources/overview) gives it.
  returned: with O(overview=true)
  type: dict
  sample: {"waiting": 12, "replicate": 3, "finished": 40, "unconfigured": 5}
  contains:
    waiting:
      description: Source servers in state C(waiting).
      type: int
      returned: always
      sample: 12
    replicate:
      description: Source servers in state C(replicate).
      type: int
      returned: always
      sample: 0
    syncing:
      description: Source servers in state C(syncing).
      type: int
      returned: always
      sample: 0
    stopped:
      description: Source servers in state C(stopped).
      type: int
      returned: always
      sample: 0
    deleting:
      description: Source servers in state C(deleting).
      type: int
      returned: always
      sample: 0
    cutovering:
      description: Source servers in state C(cutovering).
      type: int
      returned: always
      sample: 0
    unavailable:
      description: Source servers in state C(unavailable).
      type: int
      returned: always
      sample: 0
    stopping:
      description: Source servers in state C(stopping).
      type: int
      returned: always
      sample: 0
    skipping:
      description: Source servers in state C(skipping).
      type: int
      returned: always
      sample: 0
    finished:
      description: Source servers in state C(finished).
      type: int
      returned: always
      sample: 0
    initialize:
      description: Source servers in state C(initialize).
      type: int
      returned: always
      sample: 0
    error:
      description: Source servers in state C(error).
      type: int
      returned: always
      sample: 0
    cloning:
      description: Source servers in state C(cloning).
      type: int
      returned: always
      sample: 0
    unconfigured:
      description: Source servers waiting for their target to be configured (no migration task yet).
      type: int
      returned: always
      sample: 5
migration_errors:
  description: Source servers whose migration failed (C(GET /v3/errors)).
  returned: with O(errors=true)
  type: list
  elements: dict
  sample: [{"source_id": "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f", "name": "db-01", "host_name": "db-01",
            "source_ip": "10.0.0.7", "target_ip": null, "error_json": "{\"error_code\": \"SMS.1901\"}"}]
  contains:
    source_id:
      description: ID of the source server.
      type: str
      returned: always
      sample: f32ab4d6-d150-4fb3-aa55-edbb5cf9947f
    name:
      description: Name of the source server.
      type: str
      returned: always
      sample: db-01
    host_name:
      description: Host name of the source server.
      type: str
      returned: always
      sample: db-01
    source_ip:
      description: IP address of the source server.
      type: str
      returned: always
      sample: 10.0.0.7
    target_ip:
      description: IP address of the target server, V(null) when there is none yet.
      type: str
      returned: always
      sample: 192.168.1.20
    error_json:
      description: The error as JSON text (C(error_code), C(error_msg), ...), exactly as SMS gives it.
      type: str
      returned: always
      sample: "{\"error_code\": \"SMS.1901\", \"error_msg\": \"...\"}"
count:
  description:
    - Number of source servers that match the filters, as counted by SMS (not limited by
      O(limit) and O(offset)).
  returned: success
  type: int
  sample: 2
query_result:
  description:
    - The value of O(query) over the list of matching source records.
  returned: when O(query) is set
  type: raw
  sample: ["f32ab4d6-d150-4fb3-aa55-edbb5cf9947f", "2c0689c8-60ad-4728-a497-c91ec0844384"]
source_servers:
  description:
    - The matching source servers, as the API returns them (C(SourceServersResponseBody)).
  returned: success, when O(query) is not set
  type: list
  elements: dict
  sample: [{"id": "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f", "ip": "192.168.0.65", "name": "web-01", "state": "waiting",
            "connected": true, "os_type": "LINUX", "os_version": "CENTOS7.6", "migration_cycle": "checking",
            "enterprise_project_id": "0", "add_date": 1598238727000, "cpu_quantity": 2, "memory": 4294967296,
            "current_task": null, "checks": [], "replicatesize": 0, "totalsize": 0,
            "init_target_server": {"disks": [{"name": "/dev/vda", "size": 42949672960, "device_use": "BOOT"}], "volume_groups": []}}]
  contains:
    id:
      description: Source server ID.
      type: str
      sample: f32ab4d6-d150-4fb3-aa55-edbb5cf9947f
    ip:
      description: IP address of the source server.
      type: str
      sample: 192.168.0.65
    name:
      description: Source server name.
      type: str
      sample: web-01
    state:
      description: Source server state.
      type: str
      sample: waiting
    connected:
      description: Whether the agent is connected to SMS.
      type: bool
      sample: true
    os_type:
      description: C(LINUX) or C(WINDOWS).
      type: str
      sample: LINUX
    os_version:
      description: OS version.
      type: str
      sample: CENTOS7.6
    migration_cycle:
      description: Migration stage.
      type: str
      sample: checking
    enterprise_project_id:
      description: Enterprise project ID.
      type: str
      sample: "0"
    add_date:
      description: Registration time, milliseconds since the epoch.
      type: int
      sample: 1598238727000
    cpu_quantity:
      description: Number of CPUs.
      type: int
      sample: 2
    memory:
      description: Memory size in bytes.
      type: int
      sample: 4294967296
    oem_system:
      description: Whether the OS is an OEM edition (Windows).
      type: bool
      sample: false
    current_task:
      description:
        - The migration task of this source server (the listing's C(TaskByServerSources)), V(null)
          when it has none.
        - With O(detail=true) it is the task as C(GET /v3/sources/{id}) shows it (C(TaskByServerSource)),
          which has no C(estimate_complete_time), C(compress_rate), C(remain_seconds) and C(log_bucket),
          C(log_expire), C(log_upload_time), C(log_share_url).
      type: dict
      sample: {"id": "2c0689c8-60ad-4728-a497-c91ec0844384", "name": "MigrationTask-web-01", "type": "MIGRATE_FILE",
               "state": "RUNNING", "start_date": 1598238727000, "migrate_speed": 85.3, "speed_limit": 0}
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
        estimate_complete_time:
          description: When SMS expects the task to end, milliseconds since the epoch.
          type: int
        start_date:
          description: When it started, milliseconds since the epoch.
          type: int
        speed_limit:
          description: Speed limit in Mbit/s (0 for none).
          type: int
        migrate_speed:
          description: Migration speed in Mbit/s.
          type: float
        compress_rate:
          description: Compression rate of the data sent.
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
        remain_seconds:
          description: Seconds SMS expects the task still to take.
          type: int
        log_bucket:
          description: OBS bucket the agent logs are uploaded to.
          type: str
        log_expire:
          description: How long the share link of the uploaded logs is valid.
          type: int
        log_upload_time:
          description: When the logs were uploaded, milliseconds since the epoch.
          type: int
        log_share_url:
          description: Share link of the uploaded logs.
          type: str
        subtask_info:
          description: The current sub-task and its progress, as a text.
          type: str
    checks:
      description: Results of the environment checks SMS ran on the source server (C(EnvironmentCheck)).
      type: list
      elements: dict
      sample: [{"id": 500012, "name": "RSYNC", "result": "OK", "params": [], "error_code": null,
                "error_or_warn": null, "error_params": null}]
      contains:
        id:
          description: ID of the check.
          type: int
          sample: 500012
        name:
          description: Name of the check.
          type: str
          sample: RSYNC
        result:
          description: C(OK), C(WARN) or C(ERROR).
          type: str
          sample: OK
        params:
          description: Parameters of the check.
          type: list
          elements: str
          sample: []
        error_code:
          description: Error code of a failed check.
          type: str
          sample: SMS.6517
        error_or_warn:
          description: Text of the error or warning.
          type: str
          sample: rsync is not installed
        error_params:
          description: Parameters of the error message.
          type: str
          sample: ""
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
      sample: 10737418240
    totalsize:
      description: Bytes to migrate.
      type: int
      sample: 21474836480
    last_visit_time:
      description: Last change of the agent's connection state, milliseconds since the epoch.
      type: int
      sample: 1598239327000
    state_action_time:
      description: Last change of RV(source_servers[].state), milliseconds since the epoch.
      type: int
      sample: 1598238729000
    stage_action_time:
      description: Last change of RV(source_servers[].migration_cycle), milliseconds since the epoch.
      type: int
      sample: 1598238729000
    is_consistency_result_exist:
      description: Whether a consistency check result exists.
      type: bool
      sample: false
    has_tc:
      description: Whether the source server has C(tc) (needed for speed limits).
      type: bool
      sample: true
    start_type:
      description: How the agent was started, C(MANUAL), C(AUTO) or empty.
      type: str
      sample: MANUAL
    hostname:
      description: Host name of the source server.
      type: str
      returned: with O(detail=true)
      sample: web-01
    firmware:
      description: C(BIOS) or C(UEFI).
      type: str
      returned: with O(detail=true)
      sample: BIOS
    agent_version:
      description: Version of the SMS agent.
      type: str
      returned: with O(detail=true)
      sample: 25.3.0
    disks:
      description:
        - Disks of the source server (the SDK's C(ServerDisk)).
      type: list
      elements: dict
      returned: with O(detail=true)
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
      description: LVM volume groups of the source server (the SDK's C(VolumeGroups)); V([]) when there are none.
      type: list
      elements: dict
      returned: with O(detail=true)
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
    btrfs_list:
      description: Btrfs file systems of the source server (the SDK's C(BtrfsFileSystem)); V([]) when there are none.
      type: list
      elements: dict
      returned: with O(detail=true)
      sample: []
      contains:
        name:
          description: Name of the file system.
          type: str
        label:
          description: Label of the file system (empty when it has none).
          type: str
        uuid:
          description: UUID of the file system.
          type: str
        device:
          description: Devices of the file system.
          type: str
        size:
          description: Bytes of data in the file system.
          type: int
        nodesize:
          description: Node size.
          type: int
        sectorsize:
          description: Sector size.
          type: int
        data_profile:
          description: Data profile (RAID level).
          type: str
        system_profile:
          description: System profile (RAID level).
          type: str
        metadata_profile:
          description: Metadata profile (RAID level).
          type: str
        global_reserve1:
          description: Global reserve of the file system.
          type: str
        g_vol_used_size:
          description: Used space of the volume.
          type: int
        default_subvolid:
          description: ID of the default subvolume.
          type: str
        default_subvol_name:
          description: Name of the default subvolume.
          type: str
        default_subvol_mountpath:
          description: Mount path of the default subvolume (of the file system).
          type: str
        subvolumn:
          description: Subvolumes (spelled so by SMS).
          type: list
          elements: dict
          contains:
            uuid:
              description: UUID of the parent volume.
              type: str
            is_snapshot:
              description: Whether the subvolume is a snapshot.
              type: str
            subvol_id:
              description: ID of the subvolume.
              type: str
            parent_id:
              description: ID of the parent volume.
              type: str
            subvol_name:
              description: Name of the subvolume.
              type: str
            subvol_mount_path:
              description: Mount path of the subvolume.
              type: str
    networks:
      description: Network interfaces of the source server (the SDK's C(NetWork)).
      type: list
      elements: dict
      returned: with O(detail=true)
      sample: [{"name": "eth0", "ip": "192.168.0.65", "netmask": "255.255.255.0", "gateway": "192.168.0.1", "mtu": 1500,
                "mac": "fa:16:3e:12:34:56"}]
      contains:
        name:
          description: Name of the interface.
          type: str
        ip:
          description: IP address of the interface.
          type: str
        ipv6:
          description: IPv6 address.
          type: str
        netmask:
          description: Netmask.
          type: str
        gateway:
          description: Gateway.
          type: str
        mtu:
          description: MTU (Linux).
          type: int
        mac:
          description: MAC address.
          type: str
        id:
          description: ID of the record in SMS.
          type: str
"""

import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.hwcloud.sms.plugins.module_utils._base import SmsModule
from ansible_collections.hwcloud.sms.plugins.module_utils._checks import MAX_TEXT, check_range, check_workers
from ansible_collections.hwcloud.sms.plugins.module_utils._client import PAGE_SIZE, SOURCE_FILTERS
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsError, SmsInputError, step, step_error
from ansible_collections.hwcloud.sms.plugins.module_utils._listing import MAX_OFFSET
from ansible_collections.hwcloud.sms.plugins.module_utils._resources import list_every
from ansible_collections.hwcloud.sms.plugins.module_utils._batches import each_concurrently

JMESPATH_IMPORT_ERROR = None
try:
    import jmespath
    from jmespath.exceptions import JMESPathError
except ImportError:
    JMESPATH_IMPORT_ERROR = traceback.format_exc()


def argument_spec():
    spec = {}
    for name, kind in SOURCE_FILTERS.items():
        if isinstance(kind, tuple):
            spec[name] = dict(type="str", choices=list(kind))
        else:
            spec[name] = dict(type=kind)
    spec.update(
        limit=dict(type="int"),
        offset=dict(type="int"),
        page_workers=dict(type="int", default=8),
        query=dict(type="str"),
        detail=dict(type="bool", default=False),
        overview=dict(type="bool", default=False),
        errors=dict(type="bool", default=False),
    )
    return spec


def _checked_query(params):
    """The options' checks (raising SmsInputError before any request); the compiled query or None."""
    for name, kind in SOURCE_FILTERS.items():
        # Filters have only SMS's length limit: an empty or padded filter is sent as it is, as before.
        if kind == "str" and params[name] is not None and len(params[name]) > MAX_TEXT:
            raise SmsInputError("%s must be at most %d characters, got %d" % (name, MAX_TEXT, len(params[name])))
    if params["limit"] is not None:
        check_range("limit", params["limit"], 1, PAGE_SIZE)
    if params["offset"] is not None:
        check_range("offset", params["offset"], 0, MAX_OFFSET)
    check_workers("page_workers", params["page_workers"])
    if params["query"] is None:
        return None
    if JMESPATH_IMPORT_ERROR:
        raise SmsError(missing_required_lib("jmespath"), exception=JMESPATH_IMPORT_ERROR)
    try:
        return jmespath.compile(params["query"])
    except JMESPathError as exc:
        raise SmsInputError("query is not a valid JMESPath expression: %s" % exc)


def with_detail(client, records, workers):
    """``records`` with what GET /v3/sources/{id} shows of each added, ``workers`` reads at a time;
    the first failed read (in the order of ``records``) ends the module."""
    shown = each_concurrently(lambda record: client.get_source(record["id"]), records, workers)
    for record, details in zip(records, shown):
        if isinstance(details, SmsError):
            raise step_error("Reading source server %s failed" % record["id"], details)
    return [dict(record, **(details if isinstance(details, dict) else {})) for record, details in zip(records, shown)]


def list_sources(module):
    """The result of sms_source_info: the matching source servers (or the query's value over
    them), with their detail, the overview and the migration errors when asked for."""
    params = module.params
    expression = _checked_query(params)
    client = module.client
    with step("Listing source servers failed"):
        count, records = client.list_sources(dict((name, params[name]) for name in SOURCE_FILTERS),
                                             limit=params["limit"], offset=params["offset"],
                                             workers=params["page_workers"])
    if params["detail"] and records:
        records = with_detail(client, records, params["page_workers"])
    result = dict(changed=False, count=count)
    if params["overview"]:
        with step("Reading the source server overview failed"):
            result["overview"] = client.request("GET", "/v3/sources/overview")
    if params["errors"]:
        with step("Listing migration errors failed"):
            result["migration_errors"] = list_every(client, "/v3/errors", "migration_errors",
                                                    {"enterprise_project_id": params["enterprise_project_id"]},
                                                    id_key="source_id")
    if expression is None:
        return dict(result, source_servers=records)
    try:
        return dict(result, query_result=expression.search(records))
    except JMESPathError as exc:
        raise SmsError("query failed on the source records: %s" % exc, count=count)


def main():
    module = SmsModule(argument_spec=argument_spec(), supports_check_mode=True)
    try:
        result = list_sources(module)
    except SmsError as exc:
        module.fail_json_sms(exc)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
