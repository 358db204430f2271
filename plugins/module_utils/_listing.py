# -*- coding: utf-8 -*-
# Copyright: hwcloud.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# This module_utils file is PRIVATE to the hwcloud.sms collection: it may change or go away in
# any release without notice. Use the collection's modules and plugins, never import this file
# from other collections, roles or scripts.

"""Paged SMS listings (GET with limit and offset, answered ``{"count": n, items_key: [...]}``):
one checked page (list_page), or every record, complete or an error (list_all), split by
partitioning filters when offsets cannot reach the end. ``request`` is SmsClient.request."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools
import json
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.hwcloud.sms.plugins.module_utils._answers import kind_of
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsClientError

# Documented limits of GET /v3/sources (and /v3/tasks).
PAGE_SIZE = 200
MAX_OFFSET = 65535
# list_all's pages overlap by one record, which proves nothing moved across their boundary between reads.
LISTING_ATTEMPTS = 3


def unique_by_id(records, id_key="id"):
    """Each record once (by its ``id_key`` field), the first copy winning: pages overlap."""
    unique = {}
    for record in records:
        unique.setdefault(record.get(id_key), record)
    return list(unique.values())


def list_page(request, path, items_key, query=None, limit=PAGE_SIZE, offset=0):
    """(count, records) of one page of a listing, checked to be the documented
    ``{"count": int, items_key: [object, ...]}`` answer."""
    params = dict((k, v) for k, v in (query or {}).items() if v is not None)
    params.update(limit=limit, offset=offset)
    answer = request("GET", path, query=params, expect="object")
    where = "GET %s with limit=%s offset=%s" % (path, limit, offset)
    count, records = answer.get("count"), answer.get(items_key)
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise SmsClientError("%s: the answer's count must be a non-negative integer, got %s" % (where, kind_of(count)))
    if not isinstance(records, list):
        raise SmsClientError("%s: the answer's %s must be a list, got %s" % (where, items_key, kind_of(records)))
    for record in records:
        if not isinstance(record, dict):
            raise SmsClientError("%s: every element of %s must be an object, got %s" % (where, items_key, kind_of(record)))
    if len(records) > limit:
        raise SmsClientError("%s: the answer holds %d records, more than the limit" % (where, len(records)))
    return count, records


def list_all(request, path, items_key, query=None, workers=1, partitions=(), page_size=PAGE_SIZE, id_key="id"):  # pylint: disable=too-many-arguments
    """(count, records) of every record of a paged SMS listing, pages 2..N fetched by up to
    ``workers`` threads.

    The listing is complete or this fails: consecutive pages overlap by one record, and the
    shared record, every page's count and the number of distinct ids must agree, so a
    record that matched during the whole listing cannot have been skipped by offsets that
    moved under it. A fleet that changes while it is read is read again, up to
    LISTING_ATTEMPTS times. ``partitions`` ((filter name, values or a callable giving
    them), ...) split listings longer than the API's offsets reach (MAX_OFFSET); ``page_size``
    is the limit of each request (at least 2: pages overlap by one); ``id_key`` names the
    field that identifies a record (``source_id`` in GET /v3/errors)."""
    if page_size < 2:
        raise SmsClientError("page_size must be at least 2, got %r" % page_size)
    query = dict((k, v) for k, v in (query or {}).items() if v is not None)
    workers = max(1, workers)
    reason = None
    with ThreadPoolExecutor(max_workers=workers) as pool:
        listing = _Listing(request, path, items_key, pool, workers, page_size, id_key)
        for _attempt in range(LISTING_ATTEMPTS):
            try:
                return listing.complete(query, partitions)
            except _ListingChanged as exc:
                reason = str(exc)
    raise SmsClientError(
        "GET %s with %s changed while it was read, %d times in a row, so a complete listing could not be "
        "made (last: %s); try again, or narrow the query" % (path, _describe_query(query), LISTING_ATTEMPTS, reason))


class _ListingChanged(Exception):
    """The listing changed while it was read (internal: list_all reads it again)."""


class _Listing:
    """One list_all call: where to read, the shared page pool, and how (page size, id field)."""

    def __init__(self, request, path, items_key, pool, workers, page_size, id_key):  # pylint: disable=too-many-arguments
        self.request = request
        self.path = path
        self.items_key = items_key
        self.pool = pool
        self.workers = workers
        self.page_size = page_size
        self.id_key = id_key

    def page(self, query, limit, offset):
        return list_page(self.request, self.path, self.items_key, query, limit, offset)

    def complete(self, query, partitions):
        """(count, records) of the records matching ``query``, or _ListingChanged."""
        page_size, id_key = self.page_size, self.id_key
        count, first_page = self.page(query, page_size, 0)
        if len(first_page) != min(count, page_size):
            raise _ListingChanged("the first page holds %d records of %d" % (len(first_page), count))
        offsets = list(range(page_size - 1, count - 1, page_size - 1))
        if offsets and offsets[-1] > MAX_OFFSET:
            return count, self.partitioned(query, count, partitions)
        pages = [first_page]
        answers = self.pool.map(lambda offset: (offset, self.page(query, page_size, offset)), offsets)
        for offset, (page_count, page) in answers:
            if page_count != count:
                raise _ListingChanged("count went from %d to %d between pages" % (count, page_count))
            if len(page) != min(page_size, count - offset):
                raise _ListingChanged("the page at offset %d holds %d records" % (offset, len(page)))
            if page[0].get(id_key) != pages[-1][-1].get(id_key):
                raise _ListingChanged("records moved across the page boundary at offset %d" % offset)
            pages.append(page)
        records = unique_by_id(itertools.chain.from_iterable(pages), id_key)
        if len(records) != count:
            raise _ListingChanged("%d distinct records for a count of %d" % (len(records), count))
        return count, records

    def partitioned(self, query, count, partitions):
        # Offsets stop at MAX_OFFSET, so a larger listing is split by a filter the caller did not
        # set, parts fetched concurrently; the parts must add up to the total, hold no record
        # twice, and the total must still be the same afterwards.
        for name, values in partitions:
            if name in query:
                continue
            values = values() if callable(values) else values
            queries = [dict(query, **{name: value}) for value in values]
            inner = [(n, v) for n, v in partitions if n != name]
            with ThreadPoolExecutor(max_workers=max(1, min(len(queries), self.workers))) as parts:
                answers = list(parts.map(lambda q: self.complete(q, inner), queries))
            covered = sum(part_count for part_count, _records in answers)
            if covered != count:
                raise _ListingChanged("splitting by %s covers %d of %d records" % (name, covered, count))
            records = unique_by_id(itertools.chain.from_iterable(part for _count, part in answers), self.id_key)
            if len(records) != count:
                raise _ListingChanged("%d distinct records for a count of %d" % (len(records), count))
            if self.page(query, 1, 0)[0] != count:
                raise _ListingChanged("the count changed while the parts were read")
            return records
        raise SmsClientError(
            "cannot list all %d records of GET %s: more than the API can page through (offset %d) even with "
            "every partitioning filter set; narrow the query" % (count, self.path, MAX_OFFSET))


def _describe_query(query):
    return json.dumps(query, sort_keys=True) if query else "no filters"
