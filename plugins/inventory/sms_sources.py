# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: sms_sources
short_description: Source servers registered with Huawei Cloud SMS as an inventory
version_added: 1.0.0
description:
  - Lists the source servers registered with Huawei Cloud Server Migration Service
    (C(GET /v3/sources)) and makes each one an inventory host.
  - The configuration file name must end in C(.sms_sources.yml) or C(.sms_sources.yaml),
    for example C(fleet.sms_sources.yml).
  - After the first page reveals how many sources match, the remaining pages are fetched
    concurrently by up to O(page_workers) threads. A listing larger than the API's offsets
    reach (65,535) is split by state (only states that C(GET /v3/sources/overview) does not
    count as empty), then by other filters the configuration does not set, and the parts are
    fetched concurrently.
  - "The listing is complete or the inventory source fails: every source server that matched the
    filters during the whole listing becomes a host. Pages overlap by one record, and the shared
    record, every page's count and the number of distinct ids must agree, so sources leaving or
    entering the filters between two pages cannot make another one fall between them; a listing
    that changed while it was read is read again, up to three times in all, then the inventory
    source fails. Sources that enter or leave the filters during the listing may or may not
    be hosts."
  - The API fields named in O(hostvar_fields) become host variables named O(hostvars_prefix) plus the
    field name (C(sms_state), C(sms_os_type), ...); nested objects stay dicts. C(ansible_host) is set
    to the source IP. Every field (listed or not) can be used in O(include_filters),
    O(exclude_filters), O(hostnames), O(compose), O(groups) and O(keyed_groups).
  - Every host joins the groups C(state_<state>) and C(os_<os type in lower case>), and a host with a
    migration task C(phase_<phase>), unless O(default_groups=false); C(--limit phase_syncing) selects
    the servers in continuous sync, the cut-over candidates.
  - Three fields are derived from a source's current task by the code M(hwcloud.sms.sms_task_info)
    uses, and are host variables (C(sms_phase), ...) like API fields; all three are V(null) for a
    source without a task.
  - C(phase) is V(ready), V(replicating), V(syncing), V(replicated), V(cutting_over), V(finished),
    V(cloning), V(cloned), V(drilling), V(drilled), V(drill_failed), V(stopping), V(stopped), V(failed),
    V(deleting) or V(unknown), from the task state, the source's state and migration cycle, and the
    state of the task's test clone (C(current_task.clone_server.clone_state)); so C(phase_cloned) holds
    the servers whose test clone is ready to check.
  - C(progress_percent) is the share of the data copied, C(replicatesize) of C(totalsize) of the
    source (bytes copied of bytes to copy, rounded to 0.1); without usable sizes, V(100.0) once the
    task is past its full copy (syncing, replicated, cutting_over, finished), V(0.0) for a ready
    task, else V(null).
  - C(eta) is when SMS expects the task to be done, as ISO 8601 UTC, while it is in progress
    (replicating, syncing, cutting_over), namely the task's C(estimate_complete_time), else now plus
    its C(remain_seconds); V(null) otherwise.
  - A value from the API that is not usable data (a negative size, a date beyond the year 9999,
    NaN, a text where a number belongs) makes the derived field V(null) with a warning, never
    a failure.
  - Host names and group names never meet. A source whose hostname would be C(localhost),
    C(127.0.0.1), C(::1), C(all), C(ungrouped) or the name of any group becomes C(<hostname>_<id>),
    like a duplicate name (see O(hostname_collision)). A hostname item whose value contains Jinja2
    delimiters (C({{), C({%), C({#)) is skipped in favour of the next item.
  - A source record without an id is left out with a warning; an API field whose name is not a
    valid variable name, or would make an C(ansible_*) variable, is left out of the host variables
    with a warning. Neither fails the other sources. An answer that is not the documented listing
    (a record that is not an object, no C(count), ...) fails the inventory source.
  - With O(accounts), one inventory holds the source servers of several accounts, regions or
    projects (see there).
  - Credentials and endpoints (O(access_key), O(secret_key), O(endpoint), ...) may be Jinja2
    templates (for example an C(ansible.builtin.env) lookup, see the examples) or vaulted strings in
    the configuration file; extra variables (C(-e)) are available to those templates.
  - Unknown keys in the configuration file are errors, so a misspelt option (C(filter:)) cannot
    silently list the whole fleet.
  - Works on ansible-core 2.15 and later. Text from the API is never templated. A value without
    Jinja2 delimiters is plain text (and exported plain by C(ansible-inventory --list --export), as
    AWX imports it); a value with delimiters is marked unsafe and stays literal text in playbooks
    and in AWX.
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
    choices: [hwcloud.sms.sms_sources, sms_sources]
  filters:
    description:
      - Server-side filters, sent as query parameters of C(GET /v3/sources).
      - "Keys: V(id), V(name), V(ip), V(ipv6), V(vm_id), V(migproject), V(enterprise_project_id), V(state),
        V(migration_cycle), V(connected), V(is_consistency_result_exist)."
      - A value may be a list; the plugin then sends one query per value (one per combination when
        several filters are lists) and merges the answers, each source once (by id).
      - V(connected) and V(is_consistency_result_exist) take booleans; V(state) and V(migration_cycle)
        take the values the API documents.
    type: dict
    default: {}
  include_filters:
    description:
      - Client-side filters, Jinja2 conditionals over the variables of a source (C(sms_state), C(sms_os_type),
        ... for every API field, whether or not it is in O(hostvar_fields)).
      - When the list is not empty, only sources for which at least one conditional is true become hosts.
        A conditional that cannot be evaluated counts as false (a warning says how many failed; with
        O(strict=true) it fails the inventory).
      - Unlike the server-side O(filters) they cost no request, but every source is still downloaded.
    type: list
    elements: str
    default: []
  exclude_filters:
    description:
      - Client-side filters, Jinja2 conditionals over the variables of a source. A source for which any of
        them is true does not become a host. Applied after O(include_filters).
      - A conditional that cannot be evaluated excludes the source (a failing filter never widens the
        selection); a warning says how many failed. With O(strict=true) it fails the inventory.
    type: list
    elements: str
    default: []
  hostnames:
    description:
      - How the inventory hostname of a source is chosen, in order of preference; the first item that
        gives a non-empty value wins.
      - An item that names an API field (V(name), V(ip), V(id), V(os_version), ...) uses that field;
        any other item is a Jinja2 expression over the host variables, for example
        V(sms_name ~ '.' ~ sms_enterprise_project_id).
    type: list
    elements: str
    default: [name, ip, id]
  hostname_collision:
    description:
      - What to do when several sources get the same hostname. Sources are never merged silently;
        every collision is reported in one warning.
      - V(suffix) (the default) keeps the hostname for the source registered first (lowest
        C(add_date), then lowest id) and renames each of the others to C(<hostname>_<id>). A source
        registered later never renames an existing host.
      - V(suffix_all) renames every colliding source to C(<hostname>_<id>).
      - V(error) fails the inventory source, listing the collisions.
    type: str
    choices: [suffix, suffix_all, error]
    default: suffix
  default_groups:
    description:
      - Whether to put every host in the groups C(state_<state>) and C(os_<os_type lower case>),
        and every host with a migration task in C(phase_<phase>), for example C(state_waiting),
        C(os_windows) and C(phase_syncing).
    type: bool
    default: true
  default_groups_prefix:
    description:
      - Text put in front of the default group names, for example V(sms_) gives C(sms_state_waiting).
    type: str
    default: ''
  hostvars_prefix:
    description:
      - Prefix of the host variables made from the API fields. It cannot be empty because the API's
        C(name) field is a name Ansible reserves, and cannot start with C(ansible) because API data must
        never become connection variables.
    type: str
    default: sms_
  hostvar_fields:
    description:
      - The API fields that become host variables. V(all) exports every field the API returns.
      - The default set covers the default groups, C(ansible_host) and the usual filters, so
        C(ansible-inventory --list) (what AWX imports) stays small for large fleets (about 620 bytes
        per host against 6.5 KB with V(all)). Nested fields such as C(current_task), C(checks) and
        C(init_target_server) need V(all) or their name here.
      - Fields not listed are still available to O(include_filters), O(exclude_filters), O(hostnames),
        O(compose), O(groups) and O(keyed_groups).
    type: list
    elements: str
    default: [id, name, ip, state, os_type, os_version, connected, migration_cycle, enterprise_project_id,
              last_visit_time, phase, progress_percent, eta]
  page_workers:
    description:
      - How many pages of C(GET /v3/sources) are fetched at the same time (1 to 32). V(1) pages sequentially.
      - With O(accounts), per account.
    type: int
    default: 8
  accounts:
    description:
      - The SMS accounts (or regions, or projects of one account) to list, each with a O(accounts[].name)
        and its own connection options. SMS keeps at most 1,000 source servers per account, so a
        program larger than that spans several accounts.
      - Every account is listed at the same time as the others. Each listing is complete or the inventory
        source fails, naming the account; one account that cannot be listed fails the whole run, so
        the inventory is never partial.
      - Every host gets the variable C(sms_account) (the account's name) and joins the group
        C(account_<name>) (with O(default_groups_prefix); not with O(default_groups=false)).
      - A hostname that several accounts give (the same server name, or even the same ID, in two
        accounts) makes distinct hosts. The account listed first keeps the hostname, the hosts of
        the others become C(<hostname>_<account name>), and one warning lists them. Within one account
        O(hostname_collision) applies as usual.
      - The connection options of an account are only those it lists, with their documented defaults;
        the environment variables of the top-level options do not apply to accounts (they would give
        every account the same credentials). Values may be templates or vaulted strings, as for the
        top-level options.
      - Cannot be combined with the top-level connection options (O(endpoint), O(region), O(access_key), ...).
    type: list
    elements: dict
    default: []
    version_added: 1.1.0
    suboptions:
      name:
        description:
          - The name of the account in the inventory (C(sms_account), C(account_<name>)). Letters,
            digits, C(_) and C(-), unique among the accounts.
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
        version_added: 1.1.0
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
  - With O(cache=true) the raw API records are cached (not the built inventory), so changes to
    O(compose), O(groups), O(keyed_groups), O(hostnames), O(hostvar_fields) or the client-side filters
    apply to a cached run. The cache key covers the configuration file, endpoint, region, project and
    server-side filters; credentials are never part of the key or the cached data. A cached run sends no
    request. A file-based cache plugin's file is made readable by its owner only (mode 0600).
    Use C(--flush-cache) to fetch again.
  - Host variables come from the API unaltered and are never templated.
  - With O(accounts), the cache key covers every account's name, endpoint, region and project.
"""

EXAMPLES = r"""
# fleet.sms_sources.yml -- credentials from HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK
plugin: hwcloud.sms.sms_sources
region: ap-southeast-3

---
# Only sources waiting for or in replication whose agent is online; windows hosts over WinRM
plugin: hwcloud.sms.sms_sources
region: ap-southeast-3
filters:
  state: [waiting, replicate]
  connected: true
compose:
  ansible_connection: "'winrm' if sms_os_type == 'WINDOWS' else 'ssh'"
  ansible_winrm_transport: "'ntlm' if sms_os_type == 'WINDOWS' else omit"
  ansible_port: "5986 if sms_os_type == 'WINDOWS' else 22"

---
# Hostnames with the enterprise project, client-side filters, extra groups, cached for 5 minutes
plugin: hwcloud.sms.sms_sources
endpoint: https://sms.ap-southeast-3.myhuaweicloud.com
project_id: 0123456789abcdef0123456789abcdef
hostnames:
  - "sms_name ~ '.' ~ sms_enterprise_project_id if sms_name else ''"
  - ip
include_filters:
  - sms_connected
exclude_filters:
  - sms_migration_cycle == 'cutovered'
default_groups_prefix: sms_
keyed_groups:
  - key: sms_migration_cycle
    prefix: cycle
groups:
  needs_attention: sms_state in ['error', 'unavailable', 'clearfailed']
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible/sms_sources
cache_timeout: 300

---
# Credentials from a lookup and the vault, a few more fields as host variables (AWX: set the
# inventory source's enabled_var to sms_connected, enabled_value to true, instance_id_var to sms_id)
plugin: hwcloud.sms.sms_sources
region: ap-southeast-3
access_key: !vault |
  $ANSIBLE_VAULT;1.1;AES256
  ...
secret_key: "{{ lookup('ansible.builtin.env', 'MY_SK') }}"
hostvar_fields: [id, name, ip, state, os_type, connected, migration_cycle, current_task]

---
# A program across two accounts and two regions: hosts in account_wave_a / account_wave_b,
# every host with sms_account. Each account's keys come from environment variables of its own
# (in AWX: one credential per account, of a custom type that injects them).
plugin: hwcloud.sms.sms_sources
accounts:
  - name: wave_a
    region: ap-southeast-3
    access_key: "{{ lookup('ansible.builtin.env', 'SMS_WAVE_A_AK') }}"
    secret_key: "{{ lookup('ansible.builtin.env', 'SMS_WAVE_A_SK') }}"
  - name: wave_b
    region: ap-southeast-2
    access_key: "{{ lookup('ansible.builtin.env', 'SMS_WAVE_B_AK') }}"
    secret_key: "{{ lookup('ansible.builtin.env', 'SMS_WAVE_B_SK') }}"
"""

import itertools

from ansible.errors import AnsibleParserError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.hwcloud.sms.plugins.module_utils._phases import phase as migration_phase
from ansible_collections.hwcloud.sms.plugins.module_utils._task_describe import eta_of, progress_percent
from ansible_collections.hwcloud.sms.plugins.module_utils._client import SOURCE_FILTERS, SmsClient
from ansible_collections.hwcloud.sms.plugins.module_utils._listing import unique_by_id
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsClientError
from ansible_collections.hwcloud.sms.plugins.plugin_utils._inventory import (
    SmsInventoryPlugin,
    describe_collisions,
    has_template_markers,
    is_variable_name,
    make_unique,
    mark_api_value,
)

# Bump when the cached data changes shape, so an old cache is refetched instead of misread.
CACHE_FORMAT = 3

# (group kind, record field) of the default groups: state_<state>, os_<os>, phase_<phase>.
_DEFAULT_GROUP_FIELDS = (("state", "state"), ("os", "os_type"), ("phase", "phase"))


def with_migration_phase(record, notes=None):
    """The record plus the fields derived from its current task: phase (as the task modules name
    it), progress_percent and eta (ISO 8601) as sms_task_info gives them; None without a task.
    Values that are not usable data become None, with a line in ``notes``."""
    task = record.get("current_task") if isinstance(record.get("current_task"), dict) else None
    derived = dict(phase=None, progress_percent=None, eta=None)
    if task is not None:
        clone = task.get("clone_server") if isinstance(task.get("clone_server"), dict) else {}
        phase_name = migration_phase(task.get("state"), record.get("state"), record.get("migration_cycle"),
                                     clone_state=clone.get("clone_state"))
        # The copied and total sizes are documented on the source record, not on its task.
        sizes = (record.get("replicatesize"), record.get("totalsize"))
        derived.update(phase=phase_name, progress_percent=progress_percent(task, phase_name, sizes, notes),
                       eta=eta_of(task, phase_name, notes=notes))
    merged = dict(record)
    merged.update(derived)
    return merged


def build_queries(filters):
    """The list of GET /v3/sources queries for ``filters``: one per combination of list values."""
    if not isinstance(filters, dict):
        raise AnsibleParserError("filters must be a dict of GET /v3/sources query parameters")
    names, choices = [], []
    for name in sorted(filters, key=str):
        value = filters[name]
        kind = SOURCE_FILTERS.get(name) if isinstance(name, str) else None
        if kind is None:
            raise AnsibleParserError(
                "filters: unknown filter %r; GET /v3/sources filters on %s" % (name, ", ".join(sorted(SOURCE_FILTERS))))
        values = value if isinstance(value, list) else [value]
        if not values:
            raise AnsibleParserError("filters: %s is an empty list; give at least one value or remove it" % name)
        for item in values:
            if kind == "bool":
                if not isinstance(item, bool):
                    raise AnsibleParserError("filters: %s must be true or false, got %r" % (name, item))
            elif isinstance(item, (bool, dict, list)) or item is None:
                raise AnsibleParserError("filters: %s must be a string or a list of strings, got %r" % (name, item))
            elif isinstance(kind, tuple) and item not in kind:
                raise AnsibleParserError("filters: %s must be one of %s, got %r" % (name, ", ".join(kind), item))
        names.append(name)
        choices.append(values if kind == "bool" else [str(item) for item in values])
    return [dict(zip(names, combination)) for combination in itertools.product(*choices)]


def merge_by_id(record_lists):
    """Records of several queries, each source once (the first copy wins), sorted by id."""
    merged = unique_by_id(itertools.chain.from_iterable(record_lists))
    return sorted(merged, key=lambda record: "" if record.get("id") is None else str(record["id"]))


class InventoryModule(SmsInventoryPlugin):

    NAME = "hwcloud.sms.sms_sources"
    CONFIG_SUFFIXES = (".sms_sources.yml", ".sms_sources.yaml")
    CACHE_FORMAT = CACHE_FORMAT
    HOST_NOUN = "sources"

    # --- options -------------------------------------------------------------------------

    def _read_settings(self):
        """Every option read once and checked before any request is sent."""
        settings = dict(
            queries=build_queries(self.get_option("filters") or {}),
            include=list(self.get_option("include_filters") or []),
            exclude=list(self.get_option("exclude_filters") or []),
            hostnames=list(self.get_option("hostnames") or []),
            collision=self.get_option("hostname_collision"),
            default_groups=self.get_option("default_groups"),
            group_prefix=self.get_option("default_groups_prefix") or "",
            prefix=self.get_option("hostvars_prefix"),
            fields=list(self.get_option("hostvar_fields") or []),
            workers=self.get_option("page_workers"),
            compose=self.get_option("compose") or {},
            groups=self.get_option("groups") or {},
            keyed_groups=self.get_option("keyed_groups") or [],
            strict=self.get_option("strict"),
        )
        if not settings["hostnames"]:
            raise AnsibleParserError("hostnames must name at least one field or expression")
        prefix = settings["prefix"]
        if not prefix or not isinstance(prefix, str) or not is_variable_name(prefix + "x"):
            raise AnsibleParserError("hostvars_prefix must be a non-empty prefix of variable names (letters, digits, _), got %r"
                                     % prefix)
        if prefix.lower().startswith("ansible"):
            raise AnsibleParserError("hostvars_prefix must not start with 'ansible': API fields would become connection "
                                     "variables such as ansible_host or ansible_user, got %r" % prefix)
        fields = settings["fields"]
        if not fields:
            raise AnsibleParserError("hostvar_fields must name at least one API field, or be [all]")
        if "all" in fields and len(fields) > 1:
            raise AnsibleParserError("hostvar_fields: 'all' exports every field and cannot be combined with field names")
        bad = [field for field in fields if field != "all" and not is_variable_name(prefix + str(field))]
        if bad:
            raise AnsibleParserError("hostvar_fields: %s do not make valid variable names with hostvars_prefix %r"
                                     % (", ".join(repr(b) for b in bad), prefix))
        settings["fields"] = None if fields == ["all"] else frozenset(fields)
        if settings["workers"] is None or not 1 <= settings["workers"] <= 32:
            raise AnsibleParserError("page_workers must be between 1 and 32, got %r" % settings["workers"])
        settings["accounts"] = self._read_accounts()
        settings["expressions"] = bool(settings["include"] or settings["exclude"] or settings["compose"] or
                                       settings["groups"] or settings["keyed_groups"] or
                                       [item for item in settings["hostnames"]
                                        if not is_variable_name(item) or item.startswith(prefix)])
        return settings

    def _cache_scope(self, settings):
        return settings["queries"]

    # --- fetching ------------------------------------------------------------------------

    def _list_account(self, account, get_option, settings):
        where = " of account %s" % account if account is not None else ""
        try:
            client = SmsClient.from_options(get_option)
            answers = []
            for query in settings["queries"]:
                # Complete or an error: list_sources checks counts and page overlaps and re-reads on churn.
                answers.append(client.list_sources(query, workers=settings["workers"])[1])
        except (SmsApiError, SmsClientError) as exc:
            raise AnsibleParserError("hwcloud.sms.sms_sources could not list the source servers%s: %s" % (where, exc))
        self.display.vvv("hwcloud.sms.sms_sources: %d request(s) sent%s" % (client.request_count, where))
        return merge_by_id(answers)

    # --- building ------------------------------------------------------------------------

    def _evaluate(self, expression, variables, strict, conditional):
        """The value of a Jinja2 expression (or the truth of a conditional) over ``variables``.
        Raises AnsibleParserError with strict, else returns ``_FAILED``."""
        try:
            if getattr(self.templar, "evaluate_conditional", None) is not None:  # 2.19 and later
                self.templar.available_variables = variables
                if conditional:
                    return self.templar.evaluate_conditional(expression)
                return self.templar.evaluate_expression(expression)
            if conditional:
                self.templar.available_variables = variables
                return boolean(self.templar.template("{%% if %s %%} True {%% else %%} False {%% endif %%}" % expression,
                                                     disable_lookups=True))
            return self._compose(expression, variables)
        except Exception as exc:
            if strict:
                raise AnsibleParserError("cannot evaluate %r for source %s: %s"
                                         % (expression, variables.get(self._id_var), exc))
            return _FAILED

    def _hostname(self, record, variables, items, strict):
        for item in items:
            if item in record:
                value = record[item]
                if isinstance(value, bool) or not isinstance(value, (str, int)):
                    continue
            else:
                value = self._evaluate(item, variables, strict, conditional=False)
                if value is _FAILED:
                    continue
            if value is None or value == "":
                continue
            text = value if isinstance(value, str) else str(value)
            if has_template_markers(text):
                continue
            return str(text)
        return None

    def _host_variables(self, record, settings, skipped_fields, account=None):
        """(host variables, variables for expressions) of one record."""
        prefix, fields = settings["prefix"], settings["fields"]
        every = {} if settings["expressions"] else None
        chosen = {}
        for field, value in record.items():
            name = self._prefixed.get(field)
            if name is None:
                name = prefix + field if isinstance(field, str) else None
                if name is None or not is_variable_name(name) or name.startswith("ansible_"):
                    name = False
                self._prefixed[field] = name
            if name is False:
                skipped_fields.add(to_text(field))
                continue
            if every is None and fields is not None and field not in fields:
                continue
            value = mark_api_value(value)
            if fields is None or field in fields:
                chosen[name] = value
            if every is not None:
                every[name] = value
        computed = self._computed_host_variables(record, account)
        chosen.update(computed)
        if every is None:
            return chosen, chosen
        every.update(computed)
        return chosen, every

    def _computed_host_variables(self, record, account=None):
        """Host variables derived from a record rather than copied from one field. Values are
        marked like API data. (The place for variables computed from several fields.)"""
        computed = {"ansible_host": mark_api_value(record.get("ip"))}
        if account is not None:
            computed["sms_account"] = mark_api_value(account)
        return computed

    def _select(self, listings, settings):
        """(hostname, record, host variables, expression variables, account) of every source that
        passes the client-side filters."""
        include, exclude, strict = settings["include"], settings["exclude"], settings["strict"]
        self._prefixed = {}  # field name -> variable name (False: unusable), built once per distinct field
        self._id_var = settings["prefix"] + "id"
        selected, unnamed, without_id, failed_filters, skipped_fields, notes = [], 0, 0, 0, set(), []
        for account, record in ((account, record) for account, records in listings for record in records):
            # records are objects: the client refuses a listing holding anything else
            if record.get("id") in (None, "") or isinstance(record.get("id"), (dict, list)):
                without_id += 1
                continue
            record = with_migration_phase(record, notes)
            host_vars, variables = self._host_variables(record, settings, skipped_fields, account)
            if include:
                verdicts = [self._evaluate(e, variables, strict, True) for e in include]
                failed_filters += verdicts.count(_FAILED)
                if not any(verdict is True for verdict in verdicts):
                    continue
            if exclude:
                verdicts = [self._evaluate(e, variables, strict, True) for e in exclude]
                failed_filters += verdicts.count(_FAILED)
                # A filter that cannot be evaluated excludes: it must never widen the selection.
                if any(verdict is True or verdict is _FAILED for verdict in verdicts):
                    continue
            hostname = self._hostname(record, variables, settings["hostnames"], strict)
            if hostname is None:
                unnamed += 1
                continue
            selected.append((hostname, record, host_vars, variables, account))
        if without_id:
            self.display.warning("%d record(s) of GET /v3/sources were left out because they have no usable id" % without_id)
        if notes:
            self.display.warning("%d value(s) of the sources' tasks are not usable data, so the derived sms_progress_percent"
                                 " or sms_eta is null: %s" % (len(notes), "; ".join(notes[:5])))
        if skipped_fields:
            self.display.warning("API field(s) %s were left out of the host variables: with hostvars_prefix %r they are "
                                 "not valid variable names or would be ansible_* variables"
                                 % (", ".join(sorted(repr(f) for f in skipped_fields)), settings["prefix"]))
        if failed_filters:
            self.display.warning("%d include/exclude filter evaluation(s) failed; those sources were left out "
                                 "(set strict: true to fail instead)" % failed_filters)
        if unnamed:
            self.display.warning("%d source(s) were left out because none of the hostnames items gave them a name" % unnamed)
        return selected

    def _default_group_names(self, selected, settings):
        """(kind, raw value) -> group name of the default groups these sources need."""
        names = {}
        if settings["default_groups"]:
            for _hostname, record, _host_vars, _variables, account in selected:
                for kind, field in _DEFAULT_GROUP_FIELDS:
                    raw = record.get(field)
                    if raw and isinstance(raw, (str, int)) and (kind, raw) not in names:
                        names[(kind, raw)] = self._sanitize_group_name(
                            "%s%s_%s" % (settings["group_prefix"], kind, str(raw).lower()))
                if account is not None and ("account", account) not in names:
                    # The account's name as given: account_Wave-A and account_wave-a are two accounts.
                    names[("account", account)] = self._sanitize_group_name(
                        "%saccount_%s" % (settings["group_prefix"], account))
        return names

    def _add_source(self, hostname, record, host_vars, variables, settings, group_for, account=None):
        inventory = self.inventory
        self._add_host_vars(hostname, host_vars)
        if settings["default_groups"]:
            for kind, field in _DEFAULT_GROUP_FIELDS:
                group = group_for.get((kind, record.get(field))) if isinstance(record.get(field), (str, int)) else None
                if group is not None:
                    inventory.add_child(inventory.add_group(group), hostname)
            if account is not None:
                inventory.add_child(inventory.add_group(group_for[("account", account)]), hostname)
        if settings["compose"] or settings["groups"] or settings["keyed_groups"]:
            self._construct(hostname, variables, settings)

    def _populate(self, listings, settings):
        selected = self._select(listings, settings)
        selected = self._separate_accounts(selected, [account for account, _records in listings])
        group_for = self._default_group_names(selected, settings)
        # Groups are a separate name space: every group known now (other sources, default groups)
        # is a name no source may take; groups made by groups/keyed_groups are checked afterwards.
        reserved = set(self.inventory.groups) | set(group_for.values())
        names, collisions = make_unique([(hostname, record) for hostname, record, _h, _v, _a in selected],
                                        settings["collision"], reserved)
        ours = []
        for hostname, (_name, record, host_vars, variables, account) in zip(names, selected):
            was_there = hostname in self.inventory.hosts
            self._add_source(hostname, record, host_vars, variables, settings, group_for, account)
            ours.append((hostname, was_there, record, host_vars, variables, account))

        def add_again(hostname, entry):
            _hostname, _was_there, record, host_vars, variables, account = entry
            self._add_source(hostname, record, host_vars, variables, settings, group_for, account)

        self._rename_hosts_named_like_groups(ours, add_again, collisions)
        if collisions:
            kept = "every one of them" if settings["collision"] == "suffix_all" else "all but the first registered"
            self.display.warning("%d hostname(s) were shared by several sources or are reserved (localhost, all, ungrouped, "
                                 "a group name); %s became <hostname>_<id> (hostname_collision=%s; reserved names are "
                                 "never kept). hostname: source ids, first registered first: %s"
                                 % (len(collisions), kept, settings["collision"], describe_collisions(collisions)))


class _Failed(object):
    """The result of an expression that could not be evaluated (never true, never a value)."""

    def __repr__(self):
        return "<failed>"


_FAILED = _Failed()
