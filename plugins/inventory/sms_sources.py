# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: sms_sources
short_description: Source servers registered with Huawei Cloud SMS as an inventory
version_added: 0.1.0
description:
  - Lists the source servers registered with Huawei Cloud Server Migration Service
    (C(GET /v3/sources)) and makes each one an inventory host.
  - The configuration file name must end in C(.sms_sources.yml) or C(.sms_sources.yaml),
    for example C(fleet.sms_sources.yml).
  - After the first page reveals how many sources match, the remaining pages are fetched
    concurrently by up to O(page_workers) threads. A listing larger than the API's offsets
    reach (65,535) is split by filters the configuration does not set (state, then agent
    connectivity, ...) so it is always complete.
  - Every API field of a source becomes a host variable named O(hostvars_prefix) plus the field
    name (C(sms_state), C(sms_os_type), C(sms_current_task), ...); nested objects stay dicts.
    C(ansible_host) is set to the source IP.
  - Every host joins the groups C(state_<state>) and C(os_<os type in lower case>) unless
    O(default_groups=false).
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
      - "Keys: V(state), V(name), V(id), V(ip), V(ipv6), V(migproject), V(migration_cycle), V(connected),
        V(enterprise_project_id), V(is_consistency_result_exist), V(vm_id)."
      - A value may be a list; the plugin then sends one query per value (one per combination when
        several filters are lists) and merges the answers, each source once (by id).
      - V(connected) and V(is_consistency_result_exist) take booleans; V(state) and V(migration_cycle)
        take the values the API documents.
    type: dict
    default: {}
  include_filters:
    description:
      - Client-side filters, Jinja2 conditionals over the host variables (C(sms_state), C(sms_os_type), ...).
      - When the list is not empty, only sources for which at least one conditional is true become hosts.
      - Unlike the server-side O(filters) they cost no request, but every source is still downloaded.
    type: list
    elements: str
    default: []
  exclude_filters:
    description:
      - Client-side filters, Jinja2 conditionals over the host variables. A source for which any of
        them is true does not become a host. Applied after O(include_filters).
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
        for example C(state_waiting) and C(os_windows).
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
        C(name) field is a name Ansible reserves.
    type: str
    default: sms_
  page_workers:
    description:
      - How many pages of C(GET /v3/sources) are fetched at the same time (1 to 32). V(1) pages sequentially.
    type: int
    default: 8
notes:
  - With O(cache=true) the raw API records are cached (not the built inventory), so changes to
    O(compose), O(groups), O(keyed_groups), O(hostnames) or the client-side filters apply to a cached
    run. The cache key covers the configuration file, endpoint, region, project and server-side filters;
    credentials are never part of the key or the cached data. A cached run sends no request.
    Use C(--flush-cache) to fetch again.
  - Host variables come from the API unaltered and are never templated.
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
"""

import gc
import hashlib
import itertools
import json
import re

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.vars import validate_variable_name

from ansible_collections.hwcloud.sms.plugins.module_utils._client import (
    HAS_REQUESTS, MIGRATION_CYCLES, SOURCE_STATES, SmsApiError, SmsClient, SmsClientError, unique_by_id)

# Query parameters of GET /v3/sources a user may filter on (limit/offset belong to the paging).
STRING_FILTERS = ("state", "name", "id", "ip", "ipv6", "migproject", "migration_cycle", "enterprise_project_id", "vm_id")
BOOL_FILTERS = ("connected", "is_consistency_result_exist")
FILTER_CHOICES = {"state": SOURCE_STATES, "migration_cycle": MIGRATION_CYCLES}
# Bump when the cached data changes shape, so an old cache is refetched instead of misread.
CACHE_FORMAT = 2
_FIELD_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def build_queries(filters):
    """The list of GET /v3/sources queries for ``filters``: one per combination of list values."""
    if not isinstance(filters, dict):
        raise AnsibleParserError("filters must be a dict of GET /v3/sources query parameters")
    names, choices = [], []
    for name in sorted(filters):
        value = filters[name]
        if name not in STRING_FILTERS and name not in BOOL_FILTERS:
            raise AnsibleParserError(
                "filters: unknown filter %r; GET /v3/sources filters on %s"
                % (name, ", ".join(sorted(STRING_FILTERS + BOOL_FILTERS))))
        values = value if isinstance(value, list) else [value]
        if not values:
            raise AnsibleParserError("filters: %s is an empty list; give at least one value or remove it" % name)
        for item in values:
            if name in BOOL_FILTERS and not isinstance(item, bool):
                raise AnsibleParserError("filters: %s must be true or false, got %r" % (name, item))
            if name in STRING_FILTERS and (isinstance(item, (bool, dict, list)) or item is None):
                raise AnsibleParserError("filters: %s must be a string or a list of strings, got %r" % (name, item))
            if name in FILTER_CHOICES and item not in FILTER_CHOICES[name]:
                raise AnsibleParserError("filters: %s must be one of %s, got %r" % (name, ", ".join(FILTER_CHOICES[name]), item))
        names.append(name)
        choices.append(values if name in BOOL_FILTERS else [str(item) for item in values])
    return [dict(zip(names, combination)) for combination in itertools.product(*choices)]


def merge_by_id(record_lists):
    """Records of several queries, each source once (the first copy wins), sorted by id."""
    merged = unique_by_id(itertools.chain.from_iterable(record_lists))
    return sorted(merged, key=lambda record: "" if record.get("id") is None else str(record["id"]))


def make_unique(named, policy):
    """``named`` is a list of (hostname, record). Returns (names in the same order, collisions) where
    collisions maps each shared hostname to the sorted ids of its sources. No two names are equal."""
    by_name = {}
    for index, (hostname, _record) in enumerate(named):
        by_name.setdefault(hostname, []).append(index)
    final = [hostname for hostname, _record in named]
    collisions = {}
    for hostname, indexes in by_name.items():
        if len(indexes) < 2:
            continue
        # Oldest registration first; the id breaks ties so the order never depends on the API's.
        indexes.sort(key=lambda i: (named[i][1].get("add_date") or 0, str(named[i][1].get("id"))))
        collisions[hostname] = [str(named[i][1].get("id")) for i in indexes]
        if policy == "error":
            continue
        renamed = indexes if policy == "suffix_all" else indexes[1:]
        for i in renamed:
            final[i] = "%s_%s" % (hostname, named[i][1].get("id"))
    if collisions and policy == "error":
        raise AnsibleParserError("several sources have the same hostname (hostname_collision=error): %s"
                                 % describe_collisions(collisions))
    if len(set(final)) != len(final):
        # Only possible when a source's own name already looks like '<other name>_<other id>'.
        raise AnsibleParserError("hostnames are still not unique after adding ids; choose other hostnames")
    return final, collisions


def describe_collisions(collisions):
    return "; ".join("%s: %s" % (hostname, ", ".join(ids)) for hostname, ids in sorted(collisions.items()))


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = "hwcloud.sms.sms_sources"

    def verify_file(self, path):
        if not super(InventoryModule, self).verify_file(path):
            return False
        return path.endswith((".sms_sources.yml", ".sms_sources.yaml"))

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
            workers=self.get_option("page_workers"),
            compose=self.get_option("compose") or {},
            groups=self.get_option("groups") or {},
            keyed_groups=self.get_option("keyed_groups") or [],
            strict=self.get_option("strict"),
        )
        if not settings["hostnames"]:
            raise AnsibleParserError("hostnames must name at least one field or expression")
        if not settings["prefix"] or not _FIELD_NAME_RE.match(settings["prefix"]):
            raise AnsibleParserError("hostvars_prefix must be a non-empty prefix of variable names (letters, digits, _), got %r"
                                     % settings["prefix"])
        if settings["workers"] is None or not 1 <= settings["workers"] <= 32:
            raise AnsibleParserError("page_workers must be between 1 and 32, got %r" % settings["workers"])
        return settings

    def _cache_key(self, path, settings):
        # Same file, other endpoint/project/filters => other entry. No credential takes part.
        scope = json.dumps([CACHE_FORMAT, self.get_option("endpoint"), self.get_option("region"),
                            self.get_option("project_id"), settings["queries"]], sort_keys=True)
        return "%s_%s" % (self.get_cache_key(path), hashlib.sha256(scope.encode("utf-8")).hexdigest()[:12])

    # --- fetching ------------------------------------------------------------------------

    def _fetch(self, settings):
        if not HAS_REQUESTS:
            raise AnsibleError("the hwcloud.sms.sms_sources inventory plugin requires the Python library 'requests' "
                               "on the controller (pip install requests)")
        try:
            client = SmsClient.from_options(self.get_option)
            answers = []
            for query in settings["queries"]:
                count, records = client.list_sources(query, workers=settings["workers"])
                if len(records) != count:
                    self.display.warning("GET /v3/sources with %s reported %d sources but %d arrived; the fleet changed while it "
                                         "was being listed" % (json.dumps(query, sort_keys=True), count, len(records)))
                answers.append(records)
        except (SmsApiError, SmsClientError) as exc:
            raise AnsibleParserError("hwcloud.sms.sms_sources could not list the source servers: %s" % exc)
        self.display.vvv("hwcloud.sms.sms_sources: %d request(s) sent" % client.request_count)
        return merge_by_id(answers)

    def _records(self, path, cache, settings):
        """Raw API records, from the cache when allowed, else from the API (then cached)."""
        use_cache = self.get_option("cache")
        cache_key = self._cache_key(path, settings) if use_cache else None
        if use_cache and cache:
            try:
                cached = self._cache[cache_key]
            except KeyError:
                cached = None
            if isinstance(cached, dict) and cached.get("format") == CACHE_FORMAT and isinstance(cached.get("records_json"), str):
                return json.loads(cached["records_json"])
        records = self._fetch(settings)
        if use_cache:
            # The records go in as one JSON text: ansible-core deep-copies a cached value and runs
            # its tag-preserving encoder/decoder over every nested object, which costs ~40 s for
            # 10,000 sources; over a single string it costs milliseconds. Still the raw API records.
            self._cache[cache_key] = {"format": CACHE_FORMAT, "records_json": json.dumps(records, separators=(",", ":"))}
        return records

    # --- building ------------------------------------------------------------------------

    def _evaluate(self, expression, variables, strict, conditional):
        self.templar.available_variables = variables
        try:
            if conditional:
                return self.templar.evaluate_conditional(expression)
            return self.templar.evaluate_expression(expression)
        except Exception as exc:
            if strict:
                raise AnsibleParserError("cannot evaluate %r for source %s: %s"
                                         % (expression, variables.get("ansible_host"), exc))
            return None

    def _hostname(self, record, variables, items, strict):
        for item in items:
            if item in record:
                value = record[item]
            else:
                value = self._evaluate(item, variables, strict, conditional=False)
            if value is not None and value != "":
                return value if isinstance(value, str) else str(value)
        return None

    def _select(self, records, settings):
        """(hostname, record, variables) of every source that passes the client-side filters."""
        prefix = settings["prefix"]
        include, exclude, strict = settings["include"], settings["exclude"], settings["strict"]
        prefixed = {}  # field name -> variable name, built once per distinct field
        selected, unnamed = [], 0
        for record in records:
            variables = {}
            for field, value in record.items():
                name = prefixed.get(field)
                if name is None:
                    name = prefixed[field] = prefix + field
                    validate_variable_name(name)
                variables[name] = value
            variables["ansible_host"] = record.get("ip")
            if include and not any(self._evaluate(e, variables, strict, True) for e in include):
                continue
            if exclude and any(self._evaluate(e, variables, strict, True) for e in exclude):
                continue
            hostname = self._hostname(record, variables, settings["hostnames"], strict)
            if hostname is None:
                unnamed += 1
                continue
            selected.append((hostname, record, variables))
        if unnamed:
            self.display.warning("%d source(s) were left out because none of the hostnames items gave them a name" % unnamed)
        return selected

    def _populate(self, records, settings):
        selected = self._select(records, settings)
        names, collisions = make_unique([(hostname, record) for hostname, record, _v in selected], settings["collision"])
        if collisions:
            kept = "every one of them" if settings["collision"] == "suffix_all" else "all but the first registered"
            self.display.warning("%d hostname(s) were shared by several sources; %s became <hostname>_<id> "
                                 "(hostname_collision=%s). hostname: source ids, first registered first: %s"
                                 % (len(collisions), kept, settings["collision"], describe_collisions(collisions)))
        inventory = self.inventory
        hosts = inventory.hosts
        group_for = {}  # (kind, raw value) -> group name, built once per distinct value
        default_groups = settings["default_groups"]
        group_prefix = settings["group_prefix"]
        constructed = settings["compose"] or settings["groups"] or settings["keyed_groups"]
        strict = settings["strict"]
        for hostname, (_name, record, variables) in zip(names, selected):
            existed = hostname in hosts
            inventory.add_host(hostname)
            if existed:
                # Another inventory source knows this host: merge the way Ansible merges.
                for key, value in variables.items():
                    inventory.set_variable(hostname, key, value)
            else:
                # A new host holds only inventory_file/inventory_dir, so a dict update is what
                # set_variable per variable would do, without ~25 calls per host.
                hosts[hostname].vars.update(variables)
            if default_groups:
                for kind, field in (("state", "state"), ("os", "os_type")):
                    raw = record.get(field)
                    if not raw:
                        continue
                    group = group_for.get((kind, raw))
                    if group is None:
                        group = group_for[(kind, raw)] = inventory.add_group(
                            self._sanitize_group_name("%s%s_%s" % (group_prefix, kind, str(raw).lower())))
                    inventory.add_child(group, hostname)
            if constructed:
                self._set_composite_vars(settings["compose"], variables, hostname, strict=strict)
                # Host variables after compose, once per host rather than once per group entry.
                host_vars = hosts[hostname].get_vars()
                self._add_host_to_composed_groups(settings["groups"], host_vars, hostname, strict=strict, fetch_hostvars=False)
                self._add_host_to_keyed_groups(settings["keyed_groups"], host_vars, hostname, strict=strict, fetch_hostvars=False)

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        settings = self._read_settings()
        # Listing and building allocate about a hundred container objects per source and free
        # none of them, so every cyclic-GC pass in between is wasted work (measured: ~20% of
        # the plugin's time with 10,000 sources). The previous GC setting is always restored.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            records = self._records(path, cache, settings)
            self._populate(records, settings)
        finally:
            if gc_was_enabled:
                gc.enable()
