# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: sms_targets
short_description: The servers Huawei Cloud SMS launched (test clones and cut-over targets) as an inventory
version_added: 1.1.0
description:
  - Makes each server that Huawei Cloud Server Migration Service launched for a migration task an
    inventory host, to check it with Ansible, for example a test clone before the cut-over or a
    target after it. M(hwcloud.sms.sms_target_info) returns the same servers to a play.
  - The configuration file name must end in C(.sms_targets.yml) or C(.sms_targets.yaml),
    for example C(wave1.sms_targets.yml).
  - A cut-over target is the target server of a task whose target was launched or is being launched
    (the phases V(cutting_over) and V(finished)); its address is the task's C(target_server.ip).
  - A test clone is the clone of a task whose C(clone_server.clone_state) is V(FINISHED) (the
    C(clone_test) operation of M(hwcloud.sms.sms_task_action)); its address is its first fixed IPv4
    address in ECS (ShowServer at O(ecs_endpoint)). A clone ECS no longer knows (deleted) is not a host.
  - "Requests per account: one complete listing of C(GET /v3/tasks); for each task whose listing shows a
    clone, C(GET /v3/tasks/{id}) (the listing does not tell the clone's state) and, when the clone is
    ready, ECS ShowServer; with O(wave_from=migproject), C(GET /v3/migprojects) and one C(GET /v3/sources)
    listing per migration project. Cut-over targets cost nothing more. Lookups run up to O(workers) at a time."
  - The listing is complete or the inventory source fails, naming the account; a lookup that fails
    (other than a clone ECS does not know) fails it too, so the inventory is never partial.
  - A target whose address is not known yet (a target SMS is still launching) is left out with a
    warning rather than made a host without C(ansible_host), which would connect to its name.
  - "Host variables: C(ansible_host) (the address), C(sms_target_kind) (V(clone) or V(cutover)),
    C(sms_target_name), C(sms_vm_id) (the ECS ID), C(sms_task_id), C(sms_task_name), C(sms_source_id),
    C(sms_source_name), C(sms_wave) (see O(wave_from), V(null) when the target has none) and, with
    O(accounts), C(sms_account). They can be used in O(compose), O(groups) and O(keyed_groups)."
  - Every host joins C(kind_clone) or C(kind_cutover), C(wave_<wave>) when it has a wave, and with
    O(accounts) C(account_<name>), unless O(default_groups=false).
  - The hostname is the target's name (the target server's name, or the clone's name in ECS), else its ECS
    ID. Hostnames shared by several targets (a clone and the target of one task may have the same name)
    and reserved names (C(localhost), C(all), C(ungrouped), a group's name) follow O(hostname_collision);
    the suffix is the target's ECS ID.
  - Connection options, O(accounts), templates and vaulted values, and the cache work as in the
    P(hwcloud.sms.sms_sources#inventory) plugin. Unknown keys in the configuration file are errors.
  - Text from the API is never templated; a value with Jinja2 delimiters stays literal text.
  - In AWX, set the inventory source's C(instance_id_var) to V(sms_vm_id), so a host keeps its history when
    its name changes.
author:
  - hwcloud.sms maintainers (@hwcloud)
extends_documentation_fragment:
  - hwcloud.sms.sms.PLUGINS
  - constructed
  - inventory_cache
options:
  plugin:
    description:
      - The name of this plugin; it makes the file a configuration of this plugin.
    type: str
    required: true
    choices: [hwcloud.sms.sms_targets, sms_targets]
  kinds:
    description:
      - Which launched servers become hosts; V(clone) for test clones, V(cutover) for cut-over targets.
      - V([cutover]) sends no request beyond the task listing (and the projects with O(wave_from=migproject)).
    type: list
    elements: str
    choices: [clone, cutover]
    default: [clone, cutover]
  name_prefix:
    description:
      - Only the targets of tasks whose name starts with this text. Filtered on the controller, before
        any clone lookup.
    type: str
  wave_from:
    description:
      - What makes the wave of a target (C(sms_wave), group C(wave_<wave>)).
      - V(migproject) (the default) is the name of the migration project of the target's source server.
        The C(prepare) phase of the C(hwcloud.sms.migrate_wave) playbook moves the server of every
        plan line into the project its C(migproject) column names, and that playbook names tasks after the plan's
        C(name) column or the source server, not after the wave, so the project is what groups its wave.
        A server that was never moved is in the default project.
      - V(name_prefix) is the task name up to the first O(wave_separator), for tasks named like
        C(wave1-web-01) (wave V(wave1)); a task name without the separator gives no wave.
    type: str
    choices: [migproject, name_prefix]
    default: migproject
  wave_separator:
    description:
      - The text that ends the wave in a task name, with O(wave_from=name_prefix).
    type: str
    default: '-'
  hostname_collision:
    description:
      - What to do when several targets get the same hostname. Targets are never merged silently;
        every collision is reported in one warning.
      - V(suffix) (the default) keeps the hostname for one target (the lowest ECS ID) and renames each of
        the others to C(<hostname>_<ECS ID>).
      - V(suffix_all) renames every colliding target to C(<hostname>_<ECS ID>).
      - V(error) fails the inventory source, listing the collisions.
    type: str
    choices: [suffix, suffix_all, error]
    default: suffix
  default_groups:
    description:
      - Whether to put every host in C(kind_<kind>), C(wave_<wave>) and (with O(accounts)) C(account_<name>).
    type: bool
    default: true
  default_groups_prefix:
    description:
      - Text put in front of the default group names, for example V(sms_) gives C(sms_kind_clone).
    type: str
    default: ''
  workers:
    description:
      - How many requests (task listing pages, clone and project lookups) are sent at the same time,
        1 to 32. With O(accounts), per account.
    type: int
    default: 8
  accounts:
    description:
      - The SMS accounts (or regions, or projects of one account) whose targets to list, each with an
        O(accounts[].name) and its own connection options, as in P(hwcloud.sms.sms_sources#inventory).
      - Every account is listed at the same time as the others; one account that cannot be listed fails
        the whole run, naming the account.
      - Every host gets C(sms_account) and joins C(account_<name>) (with O(default_groups_prefix); not with
        O(default_groups=false)). A hostname several accounts give makes distinct hosts; the account listed
        first keeps it, the others become C(<hostname>_<account name>).
      - The environment variables of the top-level options do not apply to accounts. Cannot be combined
        with the top-level connection options.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - The name of the account in the inventory. Letters, digits, C(_) and C(-), unique among the accounts.
        type: str
        required: true
      endpoint:
        description: As the top-level O(endpoint).
        type: str
      region:
        description: As the top-level O(region).
        type: str
      access_key:
        description: As the top-level O(access_key).
        type: str
      secret_key:
        description: As the top-level O(secret_key). Never logged or cached.
        type: str
      security_token:
        description: As the top-level O(security_token). Never logged or cached.
        type: str
      project_id:
        description: As the top-level O(project_id).
        type: str
      iam_endpoint:
        description: As the top-level O(iam_endpoint).
        type: str
      ecs_endpoint:
        description: As the top-level O(ecs_endpoint).
        type: str
      auth_token:
        description: As the top-level O(auth_token). Never logged or cached.
        type: str
      validate_certs:
        description: As the top-level O(validate_certs).
        type: bool
        default: true
      ca_path:
        description: As the top-level O(ca_path).
        type: path
      timeout:
        description: As the top-level O(timeout).
        type: int
        default: 30
      retries:
        description: As the top-level O(retries).
        type: int
        default: 5
notes:
  - With O(cache=true) the targets as read (the fields of M(hwcloud.sms.sms_target_info) and the wave's
    project) are cached, not the built inventory, so changes to O(compose), O(groups), O(keyed_groups),
    O(hostname_collision) or the default groups apply to a cached run. The cache key covers the
    configuration file, every account's name, endpoint, region and project, O(kinds), O(name_prefix) and
    O(wave_from); credentials are never part of the key or the cached data. A cached run sends no request.
    A file-based cache plugin's file is made readable by its owner only. Use C(--flush-cache) to read again.
"""

EXAMPLES = r"""
# wave1.sms_targets.yml -- credentials from HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK
plugin: hwcloud.sms.sms_targets
region: ap-southeast-3

---
# The test clones only, grouped by the wave in the task name (wave1-web-01: wave_wave1), over WinRM
# or SSH by the source's name
plugin: hwcloud.sms.sms_targets
region: ap-southeast-3
kinds: [clone]
wave_from: name_prefix
compose:
  ansible_user: "'Administrator' if sms_source_name is match('win-') else 'cloud-user'"
keyed_groups:
  - key: sms_source_name.split('-')[0]
    prefix: app

---
# Two accounts, cached for five minutes
plugin: hwcloud.sms.sms_targets
accounts:
  - name: wave_a
    region: ap-southeast-3
    access_key: "{{ lookup('ansible.builtin.env', 'SMS_WAVE_A_AK') }}"
    secret_key: "{{ lookup('ansible.builtin.env', 'SMS_WAVE_A_SK') }}"
  - name: wave_b
    region: ap-southeast-2
    access_key: "{{ lookup('ansible.builtin.env', 'SMS_WAVE_B_AK') }}"
    secret_key: "{{ lookup('ansible.builtin.env', 'SMS_WAVE_B_SK') }}"
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible/sms_targets
cache_timeout: 300
"""

from ansible.errors import AnsibleParserError

from ansible_collections.hwcloud.sms.plugins.module_utils._batches import each_concurrently
from ansible_collections.hwcloud.sms.plugins.module_utils._client import SmsClient
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsError
from ansible_collections.hwcloud.sms.plugins.module_utils._migprojects import PROJECTS
from ansible_collections.hwcloud.sms.plugins.module_utils._resources import list_every
from ansible_collections.hwcloud.sms.plugins.module_utils._targets import KINDS, launched_targets, select_tasks
from ansible_collections.hwcloud.sms.plugins.module_utils._tasks import list_tasks
from ansible_collections.hwcloud.sms.plugins.plugin_utils._inventory import (
    SmsInventoryPlugin,
    describe_collisions,
    make_unique,
    mark_api_value,
)

# Bump when the cached data changes shape, so an old cache is refetched instead of misread.
CACHE_FORMAT = 1


def wave_of(target, wave_from, separator):
    """The wave of a target: its source's project name, or its task name up to the first ``separator``."""
    if wave_from == "migproject":
        return target.get("migproject") or None
    name = target.get("task_name")
    if not isinstance(name, str) or not separator or separator not in name:
        return None
    return name.split(separator, 1)[0] or None


class InventoryModule(SmsInventoryPlugin):

    NAME = "hwcloud.sms.sms_targets"
    CONFIG_SUFFIXES = (".sms_targets.yml", ".sms_targets.yaml")
    CACHE_FORMAT = CACHE_FORMAT
    HOST_NOUN = "targets"

    # --- options -------------------------------------------------------------------------

    def _read_settings(self):
        """Every option read once and checked before any request is sent."""
        settings = dict(
            kinds=list(self.get_option("kinds") or []),
            name_prefix=self.get_option("name_prefix") or None,
            wave_from=self.get_option("wave_from"),
            separator=self.get_option("wave_separator"),
            collision=self.get_option("hostname_collision"),
            default_groups=self.get_option("default_groups"),
            group_prefix=self.get_option("default_groups_prefix") or "",
            workers=self.get_option("workers"),
            compose=self.get_option("compose") or {},
            groups=self.get_option("groups") or {},
            keyed_groups=self.get_option("keyed_groups") or [],
            strict=self.get_option("strict"),
        )
        if not settings["kinds"] or [kind for kind in settings["kinds"] if kind not in KINDS]:
            raise AnsibleParserError("kinds must name at least one of %s, got %r" % (", ".join(KINDS), settings["kinds"]))
        if settings["wave_from"] == "name_prefix" and not settings["separator"]:
            raise AnsibleParserError("wave_separator must not be empty with wave_from: name_prefix")
        if settings["workers"] is None or not 1 <= settings["workers"] <= 32:
            raise AnsibleParserError("workers must be between 1 and 32, got %r" % settings["workers"])
        settings["accounts"] = self._read_accounts()
        return settings

    def _cache_scope(self, settings):
        return [sorted(settings["kinds"]), settings["name_prefix"], settings["wave_from"]]

    # --- fetching ------------------------------------------------------------------------

    def _list_account(self, account, get_option, settings):
        """The launched targets of one account (sms_target_info's fields, plus ``migproject``, the name
        of the source's migration project, with wave_from=migproject)."""
        where = " of account %s" % account if account is not None else ""
        try:
            client = SmsClient.from_options(get_option)
            tasks = select_tasks(list_tasks(client, workers=settings["workers"]), name_prefix=settings["name_prefix"])
            targets = launched_targets(client, tasks, settings["kinds"], settings["workers"])
            if settings["wave_from"] == "migproject" and targets:
                projects = self._projects_of_sources(client, settings["workers"])
                for target in targets:
                    target["migproject"] = projects.get(target["source_id"])
        except SmsError as exc:
            raise AnsibleParserError("%s could not list the launched targets%s: %s" % (self.NAME, where, exc))
        self.display.vvv("%s: %d request(s) sent%s" % (self.NAME, client.request_count, where))
        return targets

    @staticmethod
    def _projects_of_sources(client, workers):
        """{source id: the name of its migration project}: GET /v3/migprojects, then the source IDs of
        each project (a source record does not name its project; the listing filters by it)."""
        projects = list_every(client, PROJECTS, "migprojects")
        listings = each_concurrently(lambda project: client.list_sources({"migproject": project["id"]})[1],
                                     [project for project in projects if project.get("id")], workers)
        found = {}
        for project, listing in zip([project for project in projects if project.get("id")], listings):
            if isinstance(listing, SmsError):
                raise SmsError("listing the source servers of migration project %s failed: %s"
                               % (project.get("name"), listing))
            for source in listing:
                found.setdefault(source.get("id"), project.get("name"))
        return found

    # --- building ------------------------------------------------------------------------

    def _host_variables(self, target, settings, account):
        host_vars = {
            "ansible_host": target["ip"],
            "sms_target_kind": target["kind"],
            "sms_target_name": target["name"],
            "sms_vm_id": target["vm_id"],
            "sms_task_id": target["task_id"],
            "sms_task_name": target["task_name"],
            "sms_source_id": target["source_id"],
            "sms_source_name": target["source_name"],
            "sms_wave": wave_of(target, settings["wave_from"], settings["separator"]),
        }
        if account is not None:
            host_vars["sms_account"] = account
        return dict((name, mark_api_value(value)) for name, value in host_vars.items())

    def _select(self, listings, settings):
        """(hostname, record, host variables, account) of every target with an address."""
        selected, without_ip = [], []
        for account, targets in listings:
            for target in targets:
                if not target.get("ip"):
                    without_ip.append("%s (task %s)" % (target.get("name") or target.get("vm_id"), target.get("task_id")))
                    continue
                # The record make_unique orders and suffixes by: the ECS ID names a target.
                record = dict(target, id=target.get("vm_id") or "%s-%s" % (target.get("task_id"), target.get("kind")))
                hostname = target.get("name") or record["id"]
                selected.append((hostname, record, self._host_variables(target, settings, account), account))
        if without_ip:
            self.display.warning("%d launched target(s) have no address yet and were left out: %s"
                                 % (len(without_ip), ", ".join(without_ip[:10])))
        return selected

    def _group_names(self, host_vars, settings, account):
        if not settings["default_groups"]:
            return []
        prefix = settings["group_prefix"]
        names = ["%skind_%s" % (prefix, host_vars["sms_target_kind"])]
        if host_vars["sms_wave"]:
            names.append("%swave_%s" % (prefix, host_vars["sms_wave"]))
        if account is not None:
            names.append("%saccount_%s" % (prefix, account))
        return [self._sanitize_group_name(name) for name in names]

    def _add_target(self, hostname, host_vars, settings, account):
        self._add_host_vars(hostname, host_vars)
        for group in self._group_names(host_vars, settings, account):
            self.inventory.add_child(self.inventory.add_group(group), hostname)
        if settings["compose"] or settings["groups"] or settings["keyed_groups"]:
            self._construct(hostname, host_vars, settings)

    def _populate(self, listings, settings):
        selected = self._select(listings, settings)
        selected = self._separate_accounts(selected, [account for account, _targets in listings])
        # Groups are a separate name space: every group known now and every default group is a
        # name no target may take; groups made by groups/keyed_groups are checked afterwards.
        reserved = set(self.inventory.groups)
        for _hostname, _record, host_vars, account in selected:
            reserved.update(self._group_names(host_vars, settings, account))
        names, collisions = make_unique([(hostname, record) for hostname, record, _h, _a in selected],
                                        settings["collision"], reserved, noun="targets")
        ours = []
        for hostname, (_name, record, host_vars, account) in zip(names, selected):
            was_there = hostname in self.inventory.hosts
            self._add_target(hostname, host_vars, settings, account)
            ours.append((hostname, was_there, record, host_vars, account))

        def add_again(hostname, entry):
            self._add_target(hostname, entry[3], settings, entry[4])

        self._rename_hosts_named_like_groups(ours, add_again, collisions)
        if collisions:
            kept = "every one of them" if settings["collision"] == "suffix_all" else "all but the first"
            self.display.warning("%d hostname(s) were shared by several targets or are reserved (localhost, all, ungrouped, "
                                 "a group name); %s became <hostname>_<ECS ID> (hostname_collision=%s; reserved names "
                                 "are never kept). hostname: ECS IDs: %s"
                                 % (len(collisions), kept, settings["collision"], describe_collisions(collisions)))
