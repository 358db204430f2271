# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""What sms_template, sms_migproject and sms_source share: small listings read whole, lookup by
exact name, the comparison of what a user asked for with what SMS holds, and NamedResource, the
shape of a module that manages a resource SMS keys by a unique name."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hwcloud.sms.plugins.module_utils._client import PAGE_SIZE
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsInputError, step

# Template and migration-project listings are small and documented with smaller pages than sources.
SMALL_PAGE = 50


def list_every(client, path, items_key, query=None, page_size=SMALL_PAGE, id_key="id"):
    """Every record of a small paged listing, complete or an error (the client's list_all:
    overlapping pages, counts checked, read again when it changed while it was read)."""
    return client.list_all(path, items_key, query, page_size=page_size, id_key=id_key)[1]


def one_named(records, name, what):
    """The record whose name is exactly ``name``, None if there is none; raises when several are."""
    found = [record for record in records if record.get("name") == name]
    if len(found) > 1:
        raise SmsInputError("%d %ss are named %r (ids %s); names must be unique for this module to manage them"
                            % (len(found), what, name, ", ".join(str(r.get("id")) for r in found)))
    return found[0] if found else None


def without_none(value):
    """``value`` with None-valued keys dropped, recursively: SMS gets only the fields a user set."""
    if isinstance(value, dict):
        return dict((k, without_none(v)) for k, v in value.items() if v is not None)
    if isinstance(value, list):
        return [without_none(item) for item in value]
    return value


def matches(current, wanted):
    """Whether ``current`` (as SMS returns it) already holds ``wanted``: every key ``wanted`` sets is
    equal, recursively; lists match element by element and must have the same length. Keys SMS
    adds (ids, defaults) do not count."""
    if isinstance(wanted, dict):
        if not isinstance(current, dict):
            return False
        return all(matches(current.get(key), value) for key, value in wanted.items())
    if isinstance(wanted, list):
        if not isinstance(current, list) or len(current) != len(wanted):
            return False
        return all(matches(have, want) for have, want in zip(current, wanted))
    return current == wanted


def changed_fields(current, wanted):
    """Names of the top-level fields of ``wanted`` that ``current`` does not hold, sorted."""
    return sorted(key for key, value in wanted.items() if not matches(current.get(key), value))


def resolve_sources(client, keys):
    """{key: {"source": record} or {"problem": "unknown"} or {"problem": "ambiguous", "ids": [...]}}
    of the source servers named by ``keys``: (field, value) pairs where field is "id", "name",
    "ip", or None for the ID, else the exact name. Costs the lower of one complete listing of
    the fleet and one lookup per key (the rule of _tasks.tasks_of_sources), so 500 names cost a
    few pages, not 1000 requests. Raises the client's errors."""
    wanted = list(dict.fromkeys(keys))
    records = None
    if len(wanted) > 1:
        count, page = client.list_sources(None, limit=PAGE_SIZE, offset=0)
        if len(page) == count:
            records = page  # the whole fleet fits in one page: that page is the complete listing
        elif -(-count // PAGE_SIZE) <= len(wanted):
            records = client.list_sources(None, workers=4)[1]
    return dict((key, _resolution(_matching(client, key, records))) for key in wanted)


def _matching(client, key, records):
    field, value = key
    if field in (None, "id"):
        by_id = ([record for record in records if record.get("id") == value] if records is not None
                 else client.list_sources({"id": value}, limit=1, offset=0)[1])
        if by_id or field == "id":
            return by_id
        field = "name"
    if records is None:
        records = client.list_sources({field: value})[1]
    return [record for record in records if record.get(field) == value]


def _resolution(matches):
    if not matches:
        return {"problem": "unknown"}
    if len(matches) > 1:
        return {"problem": "ambiguous", "ids": sorted(record.get("id") for record in matches)}
    return {"source": matches[0]}


def resolve_migproject(client, key):
    """The migration project whose ID, else whose exact name, is ``key``; raises when none or several match."""
    projects = list_every(client, "/v3/migprojects", "migprojects")
    for project in projects:
        if project.get("id") == key:
            return project
    project = one_named(projects, key, "migration project")
    if project is None:
        raise SmsInputError("No migration project has the ID or the name %r" % key)
    return project


class NamedResource:
    """A resource SMS keys by a unique name (a server template, a migration project), in the shape
    of hetzner.hcloud's resource classes: run() checks the input (_check), finds the record by
    exact name (_get), makes it present (_create or _update) or absent (_delete) and returns
    get_result(). Everything raises SmsError; the module turns it into its failure.

    A subclass sets ``what`` (for messages), ``result_key`` (the record's key in the result) and
    ``collection`` (the API path), and fills ``changed``, ``changes``, ``record``, ``diff``
    (left None, the result has no diff) and ``extra`` (further result keys)."""

    what = None
    result_key = None
    collection = None

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.name = module.params["name"]
        self.current = None
        self.record = None
        self.changed = False
        self.changes = []
        self.diff = None
        self.extra = {}

    @property
    def client(self):
        return self.module.client

    def run(self):
        self._check()
        self.current = self._get()
        if self.params["state"] == "absent":
            self.absent()
        else:
            self.present()
        return self.get_result()

    def _check(self):
        """Raise SmsInputError for bad options, before any request."""

    def _list(self):
        """The records that may carry the name (raises the client's errors)."""
        raise NotImplementedError

    def _get(self):
        return one_named(self._list(), self.name, self.what)

    def present(self):
        if self.current is None:
            self._create()
        else:
            self._update()

    def absent(self):
        if self.current is not None:
            self._delete()

    def _create(self):
        raise NotImplementedError

    def _update(self):
        raise NotImplementedError

    def _delete(self):
        raise NotImplementedError

    def _path(self, record_id, suffix=""):
        return self.client.path(self.collection + "/{0}" + suffix, record_id)

    def _read(self, msg, path):
        with step(msg):
            return self.client.request("GET", path)

    def _write(self, msg, method, path, body=None):
        """One change; nothing is sent in check mode (None is returned)."""
        if self.module.check_mode:
            return None
        with step(msg):
            return self.client.request(method, path, body=body)

    def get_result(self):
        result = dict(self.extra, changed=self.changed, changed_fields=self.changes)
        result[self.result_key] = self.record
        if self.diff is not None:
            result["diff"] = self.diff
        return result
