# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This plugin_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's plugins, never import this file from other
# collections, roles or scripts.

"""What the hwcloud.sms inventory plugins (sms_sources, sms_targets) share: the configuration
file (unknown keys are errors, templated and vaulted connection options), the ``accounts`` option
(checked before any request, listed at the same time, hostnames several accounts give made
distinct), the cache (raw records as one JSON text under a key without credentials, readable by
its owner only), hostname collisions, API values marked as data, and constructed groups.

A plugin subclasses SmsInventoryPlugin, sets NAME, CONFIG_SUFFIXES, CACHE_FORMAT and HOST_NOUN, and
implements _read_settings (with settings["accounts"] = self._read_accounts()), _list_account
(one account's records, complete or an AnsibleParserError), _cache_scope and _populate."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import gc
import hashlib
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor

from ansible import constants as C
from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

try:  # ansible-core 2.19 and later: data tagging
    from ansible.template import trust_as_template
    from ansible.utils.vars import validate_variable_name
except ImportError:  # ansible-core 2.15 - 2.18
    trust_as_template = validate_variable_name = None
    from ansible.utils.unsafe_proxy import wrap_var
    from ansible.utils.vars import isidentifier
else:
    wrap_var = isidentifier = None

from ansible_collections.hwcloud.sms.plugins.module_utils._client import CONNECTION_OPTIONS, HAS_REQUESTS

# Names no host may take: the implicit localhost and the groups every inventory has.
RESERVED_HOSTNAMES = frozenset(name.lower() for name in C.LOCALHOST) | frozenset(("all", "ungrouped"))
# Jinja2's default delimiters: text holding one of them could render if Ansible templated it.
_TEMPLATE_MARKERS = ("{{", "{%", "{#")
# Account names become part of group names and hostnames.
ACCOUNT_NAME = re.compile(r"\A[A-Za-z0-9_-]{1,64}\Z")
# Accounts listed at the same time.
ACCOUNT_WORKERS = 8


def is_variable_name(name):
    """The same answer on every ansible-core: 2.19's validate_variable_name, else isidentifier."""
    if not isinstance(name, str):
        return False
    if validate_variable_name is not None:
        try:
            validate_variable_name(name)
        except AnsibleError:
            return False
        return True
    return isidentifier(name)


def has_template_markers(text):
    return any(marker in text for marker in _TEMPLATE_MARKERS)


def mark_api_value(value):
    """API data as Ansible should see it: text without Jinja2 delimiters is trusted, so it is plain
    in `ansible-inventory --list --export` (and in AWX); text with delimiters is unsafe, so it is
    never rendered (2.19+: left untrusted; before 2.19: wrapped as AnsibleUnsafeText)."""
    if isinstance(value, str):
        if has_template_markers(value):
            return value if trust_as_template is not None else wrap_var(value)
        if trust_as_template is not None:
            return trust_as_template(value)
        return value if type(value) is str else str.__str__(value)  # pylint: disable=unidiomatic-typecheck
    if isinstance(value, dict):
        return dict((key, mark_api_value(item)) for key, item in value.items())
    if isinstance(value, list):
        return [mark_api_value(item) for item in value]
    return value


def is_reserved(hostname, reserved):
    return hostname.lower() in RESERVED_HOSTNAMES or hostname in reserved


def make_unique(named, policy, reserved=frozenset(), noun="sources"):
    """``named`` is a list of (hostname, record). Returns (names in the same order, collisions) where
    collisions maps each shared or reserved hostname to the sorted ids of its records (oldest
    ``add_date`` first, then id). No two names are equal and none is reserved (a localhost name, all,
    ungrouped, or a name in ``reserved``). ``noun`` names the records in the error of policy "error"."""
    by_name = {}
    for index, (hostname, _record) in enumerate(named):
        by_name.setdefault(hostname, []).append(index)
    final = [hostname for hostname, _record in named]
    collisions, renamed = {}, []
    for hostname, indexes in by_name.items():
        taken = is_reserved(hostname, reserved)
        if len(indexes) < 2 and not taken:
            continue
        # Oldest registration first; the id breaks ties so the order never depends on the API's.
        indexes.sort(key=lambda i: (_add_date(named[i][1]), str(named[i][1].get("id"))))
        collisions[hostname] = [str(named[i][1].get("id")) for i in indexes]
        if policy == "error" and not taken:
            continue
        renamed.extend(indexes if taken or policy == "suffix_all" else indexes[1:])
    if policy == "error" and any(len(ids) > 1 for ids in collisions.values()):
        raise AnsibleParserError("several %s have the same hostname (hostname_collision=error): %s"
                                 % (noun, describe_collisions(dict((h, ids) for h, ids in collisions.items() if len(ids) > 1))))
    # A source keeps its own name before another source's name with a suffix may take it: a source
    # named '<name>_<id of another source>' stays itself and the renamed one gets a further suffix.
    renamed_set = set(renamed)
    used = set(final[i] for i in range(len(final)) if i not in renamed_set)
    for i in sorted(renamed, key=lambda i: (named[i][0], _add_date(named[i][1]), str(named[i][1].get("id")))):
        base = candidate = "%s_%s" % (named[i][0], named[i][1].get("id"))
        number = 2
        while candidate in used or is_reserved(candidate, reserved):
            candidate = "%s_%d" % (base, number)
            number += 1
        final[i] = candidate
        used.add(candidate)
    return final, collisions


def _add_date(record):
    value = record.get("add_date")
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def describe_collisions(collisions):
    return "; ".join("%s: %s" % (hostname, ", ".join(ids)) for hostname, ids in sorted(collisions.items()))


class SmsInventoryPlugin(BaseInventoryPlugin, Constructable, Cacheable):
    """The parts of an hwcloud.sms inventory plugin that do not depend on what it lists."""

    # Set by each plugin.
    NAME = None
    CONFIG_SUFFIXES = ()
    # Bump when the cached data changes shape, so an old cache is refetched instead of misread.
    CACHE_FORMAT = 1
    # What the hosts are, in warnings and errors ("sources", "targets").
    HOST_NOUN = "hosts"

    def __init__(self):
        super(SmsInventoryPlugin, self).__init__()
        self._config_keys = frozenset()
        self._cache_key_written = None

    def verify_file(self, path):
        if not super(SmsInventoryPlugin, self).verify_file(path):
            return False
        return path.endswith(tuple(self.CONFIG_SUFFIXES))

    # --- to implement ----------------------------------------------------------------------

    def _read_settings(self):
        """Every option read once and checked before any request is sent (a dict, with ``accounts``)."""
        raise NotImplementedError

    def _list_account(self, account, get_option, settings):
        """The records of one account (JSON-serialisable), complete, or an AnsibleParserError naming it."""
        raise NotImplementedError

    def _cache_scope(self, settings):
        """What besides the accounts decides the records (server-side filters ...): part of the cache key."""
        raise NotImplementedError

    def _populate(self, listings, settings):
        raise NotImplementedError

    # --- options -------------------------------------------------------------------------

    def _read_config(self, path):
        config = self._read_config_data(path)
        unknown = sorted(set(config) - set(self._options), key=str)
        if unknown:
            hints = []
            for key in unknown:
                close = difflib.get_close_matches(str(key), list(self._options), n=1)
                hints.append("%r%s" % (key, " (did you mean %r?)" % close[0] if close else ""))
            raise AnsibleParserError("%s: unknown option(s) %s; the options of %s are: %s"
                                     % (path, ", ".join(hints), self.NAME, ", ".join(sorted(self._options))))
        self._config_keys = frozenset(config)

    def _connection_option(self, name):
        """A connection option, rendered when the configuration file gives it as a template (as
        amazon.aws does) and decrypted when vaulted. Values from the environment are used as they are."""
        value = self.get_option(name)
        return self._render(name, value) if name in self._config_keys else value

    def _read_accounts(self):
        """The ``accounts`` option checked (names, known connection options) before any request; the
        values are rendered when the accounts are listed. None without accounts."""
        accounts = self.get_option("accounts") or []
        if not accounts:
            return None
        top_level = sorted(self._config_keys & set(CONNECTION_OPTIONS))
        if top_level:
            raise AnsibleParserError("accounts: the top-level connection option(s) %s cannot be combined with accounts; "
                                     "set them in each account" % ", ".join(top_level))
        names = set()
        for index, account in enumerate(accounts):
            if not isinstance(account, dict):
                raise AnsibleParserError("accounts[%d] must be a dict of connection options with a name" % index)
            name = account.get("name")
            if not isinstance(name, str) or not ACCOUNT_NAME.match(name):
                raise AnsibleParserError("accounts[%d].name must be 1 to 64 letters, digits, '_' or '-', got %r"
                                         % (index, name))
            if name in names:
                raise AnsibleParserError("accounts[%d].name %r is used by an earlier account; names must be unique"
                                         % (index, name))
            names.add(name)
            unknown = sorted(set(account) - set(CONNECTION_OPTIONS) - {"name"}, key=str)
            if unknown:
                hints = []
                for key in unknown:
                    close = difflib.get_close_matches(str(key), list(CONNECTION_OPTIONS), n=1)
                    hints.append("%r%s" % (key, " (did you mean %r?)" % close[0] if close else ""))
                raise AnsibleParserError("accounts[%d] (%s): unknown option(s) %s; an account takes name and the "
                                         "connection options %s" % (index, name, ", ".join(hints),
                                                                    ", ".join(sorted(CONNECTION_OPTIONS))))
        return list(accounts)

    def _render(self, what, value):
        """A value of the configuration file, rendered when it is a template (as amazon.aws does) and
        decrypted when vaulted. ``what`` names it in errors; the value itself is never shown: it may be a secret."""
        if value is None or isinstance(value, (bool, int, float)):
            return value
        self.templar.available_variables = self._vars
        if self.templar.is_template(value):
            try:
                value = self.templar.template(value)
            except Exception as exc:
                raise AnsibleParserError("cannot template the %s option: %s" % (what, type(exc).__name__))
        if not isinstance(value, (str, bool, int, float)):
            value = to_text(value)  # a vaulted string decrypts when read as text
        return value

    def _account_options(self, index, account):
        """The connection options of one account: rendered, converted to their documented types,
        defaults for the others; never the environment (see the accounts option)."""
        options = {}
        for name, facts in CONNECTION_OPTIONS.items():
            value = self._render("accounts[%d].%s" % (index, name), account.get(name))
            if value is None:
                options[name] = facts.get("default")
                continue
            try:
                if facts["type"] == "bool":
                    value = boolean(value, strict=True)
                elif facts["type"] == "int":
                    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                        raise ValueError(value)
                    value = int(value)
                elif facts["type"] == "path":
                    value = os.path.expanduser(str(value))
                elif not isinstance(value, str):
                    value = str(value)
            except (TypeError, ValueError):
                shown = "" if facts.get("secret") else ", got %r" % (value,)
                raise AnsibleParserError("accounts[%d].%s (account %s) must be a %s%s"
                                         % (index, name, account["name"], facts["type"], shown))
            options[name] = value
        return options

    def _scopes(self, settings):
        """[(account name or None, endpoint, region, project_id)]: what the listing reads, no credential."""
        if settings["accounts"] is None:
            return [(None, self._connection_option("endpoint"), self._connection_option("region"),
                     self._connection_option("project_id"))]
        return [(account["name"],) + tuple(self._render("accounts[%d].%s" % (index, name), account.get(name))
                                           for name in ("endpoint", "region", "project_id"))
                for index, account in enumerate(settings["accounts"])]

    def _cache_key(self, path, settings):
        # Same file, other accounts/endpoint/project/filters => other entry. No credential takes part.
        scope = json.dumps([self.CACHE_FORMAT, self._scopes(settings), self._cache_scope(settings)], sort_keys=True)
        return "%s_%s" % (self.get_cache_key(path), hashlib.sha256(scope.encode("utf-8")).hexdigest()[:12])

    # --- fetching ------------------------------------------------------------------------

    def _fetch(self, settings):
        """[(account name or None, records)], every account's listing complete, or an error."""
        if not HAS_REQUESTS:
            raise AnsibleError("the %s inventory plugin requires the Python library 'requests' "
                               "on the controller (pip install requests)" % self.NAME)
        if settings["accounts"] is None:
            return [(None, self._list_account(None, self._connection_option, settings))]
        # Templates are rendered here, in this thread: the templar is not thread-safe.
        options = [(account["name"], self._account_options(index, account))
                   for index, account in enumerate(settings["accounts"])]
        with ThreadPoolExecutor(max_workers=min(len(options), ACCOUNT_WORKERS)) as pool:
            futures = [(name, pool.submit(self._list_account, name, values.get, settings)) for name, values in options]
            # Every listing ends before the first failure is raised: no thread outlives the run.
            outcomes = []
            for name, future in futures:
                try:
                    outcomes.append((name, future.result(), None))
                except AnsibleParserError as exc:
                    outcomes.append((name, None, exc))
        failed = [exc for _name, _records, exc in outcomes if exc is not None]
        if failed:
            raise failed[0] if len(failed) == 1 else AnsibleParserError(
                "%d accounts could not be listed: %s" % (len(failed), "; ".join(str(exc) for exc in failed)))
        return [(name, records) for name, records, _exc in outcomes]

    def _records(self, path, cache, settings):
        """[(account name or None, raw API records)], from the cache when allowed, else from the API (then cached)."""
        use_cache = self.get_option("cache")
        cache_key = self._cache_key(path, settings) if use_cache else None
        if use_cache and cache:
            try:
                cached = self._cache[cache_key]
            except KeyError:
                cached = None
            if (isinstance(cached, dict) and cached.get("format") == self.CACHE_FORMAT
                    and isinstance(cached.get("records_json"), str)):
                return [tuple(listing) for listing in json.loads(cached["records_json"])]
        listings = self._fetch(settings)
        if use_cache:
            # The records go in as one JSON text: ansible-core deep-copies a cached value and runs
            # its tag-preserving encoder/decoder over every nested object, which costs ~40 s for
            # 10,000 sources; over a single string it costs milliseconds. Still the raw API records.
            self._cache[cache_key] = {"format": self.CACHE_FORMAT,
                                      "records_json": json.dumps(listings, separators=(",", ":"))}
            self._cache_key_written = cache_key
        return listings

    def update_cache_if_changed(self):
        super(SmsInventoryPlugin, self).update_cache_if_changed()
        self._restrict_cache_file()

    def set_cache_plugin(self):
        super(SmsInventoryPlugin, self).set_cache_plugin()
        self._restrict_cache_file()

    def _restrict_cache_file(self):
        # File cache plugins chmod what they write to 0644; the records name every server of the
        # fleet with its addresses, so only the owner may read them. ansible-core 2.19 prefixes the
        # key it stores under, so the file is found by the (unique) key it ends with.
        cache_dir = getattr(getattr(self._cache, "_plugin", None), "_cache_dir", None)
        if self._cache_key_written is None or not cache_dir or not os.path.isdir(cache_dir):
            return
        for name in os.listdir(cache_dir):
            if name.endswith(self._cache_key_written):
                os.chmod(os.path.join(cache_dir, name), 0o600)

    # --- building ------------------------------------------------------------------------

    def _add_host_vars(self, hostname, host_vars):
        """Add the host (or, when another inventory source knows it, merge the way Ansible merges) with ``host_vars``."""
        inventory = self.inventory
        hosts = inventory.hosts
        if hostname in hosts:
            # Another inventory source knows this host: merge the way Ansible merges.
            for key, value in host_vars.items():
                inventory.set_variable(hostname, key, value)
        else:
            inventory.add_host(hostname)
            # A new host holds only inventory_file/inventory_dir, so a dict update is what
            # set_variable per variable would do, without ~10 calls per host.
            hosts[hostname].vars.update(host_vars)

    def _construct(self, hostname, variables, settings):
        """compose, groups and keyed_groups for one host; ``variables`` are those expressions see."""
        hosts = self.inventory.hosts
        strict = settings["strict"]
        self._set_composite_vars(settings["compose"], variables, hostname, strict=strict)
        # Composed values are made from API data: marked like it, so they export plainly too.
        host_vars_now = hosts[hostname].vars
        for name in settings["compose"]:
            if name in host_vars_now:
                host_vars_now[name] = mark_api_value(host_vars_now[name])
        # Every field's variable plus what compose set, once per host rather than once per group entry.
        context = dict(variables)
        context.update(hosts[hostname].get_vars())
        self._add_host_to_composed_groups(settings["groups"], context, hostname, strict=strict, fetch_hostvars=False)
        self._add_host_to_keyed_groups(settings["keyed_groups"], context, hostname, strict=strict, fetch_hostvars=False)

    def _rename_hosts_named_like_groups(self, ours, add, collisions):
        """A group from groups/keyed_groups may carry the name of one of our hosts: rename the host.
        ``ours`` lists (hostname, was there before, record, ...) of the hosts added; ``add(hostname,
        entry)`` adds one again. Updates ``ours`` and ``collisions`` in place."""
        for _round in range(3):
            clashing = [entry for entry in ours if entry[0] in self.inventory.groups and not entry[1]]
            if not clashing:
                break
            taken = set(self.inventory.hosts) | set(self.inventory.groups)
            for entry in clashing:
                hostname, record = entry[0], entry[2]
                self.inventory.remove_host(self.inventory.hosts[hostname])
                new_name, _collisions = make_unique([(hostname, record)], "suffix", taken)
                taken.add(new_name[0])
                collisions.setdefault(hostname, [str(record.get("id"))])
                add(new_name[0], entry)
                ours[ours.index(entry)] = (new_name[0], False) + tuple(entry[2:])

    def _separate_accounts(self, selected, accounts):
        """``selected`` (tuples: hostname first, account last) with the hostnames several accounts give
        made distinct: the account first in ``accounts`` keeps the hostname, the hosts of the others
        become <hostname>_<account>."""
        accounts_of = {}
        for entry in selected:
            accounts_of.setdefault(entry[0], set()).add(entry[-1])
        first = dict((hostname, min(names, key=accounts.index)) for hostname, names in accounts_of.items()
                     if len(names) > 1)
        if not first:
            return selected
        renamed = {}
        separated = []
        for entry in selected:
            hostname, account = entry[0], entry[-1]
            if hostname in first and account != first[hostname]:
                renamed.setdefault(hostname, set()).add(account)
                entry = ("%s_%s" % (hostname, account),) + tuple(entry[1:])
            separated.append(entry)
        self.display.warning("%d hostname(s) were given by %s of several accounts; the first account listed keeps "
                             "each, the others became <hostname>_<account>. hostname: renamed accounts: %s"
                             % (len(renamed), self.HOST_NOUN,
                                "; ".join("%s: %s" % (hostname, ", ".join(sorted(names, key=accounts.index)))
                                          for hostname, names in sorted(renamed.items()))))
        return separated

    def parse(self, inventory, loader, path, cache=True):
        super(SmsInventoryPlugin, self).parse(inventory, loader, path, cache)
        self._read_config(path)
        settings = self._read_settings()
        # Listing and building allocate about a hundred container objects per record and free
        # none of them, so every cyclic-GC pass in between is wasted work (measured: ~20% of
        # sms_sources' time with 10,000 sources). The previous GC setting is always restored.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            listings = self._records(path, cache, settings)
            self._populate(listings, settings)
        finally:
            if gc_was_enabled:
                gc.enable()
