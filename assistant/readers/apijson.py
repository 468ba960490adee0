"""JSON saved from scholarly APIs: one document (a search response, an array, one record) or JSON Lines.

OpenAlex and Semantic Scholar hand out their records in the same few shapes, and users save them as they
come:

* a search or list response: an object whose records are a list under one key (OpenAlex ``results``,
  Semantic Scholar ``data``), beside paging keys (``meta``, ``total``, ``next``);
* a JSON array of records (Semantic Scholar's ``/paper/batch``, or records gathered by a script);
* one record on its own (``/works/W…``, ``/paper/{id}``);
* JSON Lines, one record per line (OpenAlex snapshots; several responses appended one per line).

:func:`read_api_json` walks any of these and hands each record, with where it is, to the format's own
``build``. A file that is one JSON document is parsed whole and a syntax error is an :class:`InputError`
naming its line; JSON Lines stream, and a line that is not JSON is a :class:`Skip` naming it (held back,
like the JSON Lines reader's, until a good record shows the file is JSON Lines at all). A record is named
by its place: ``item N`` in a document, ``line N`` in JSON Lines (where a line holding a whole response
names the item in the skip's reason).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import chain
from pathlib import Path

from ..errors import InputError
from ..models import Skip
from .base import Record, SkipHold, iter_lines

Build = Callable[[object, str, str], Record]  # (record, source, where) -> Paper or Skip


def text_of(value: object) -> str:
    """A JSON value as text: the string itself, "" for anything else (null, a number, an object)."""
    return value if isinstance(value, str) else ""


def dig(obj: object, *keys: str) -> object:
    """``obj[k1][k2]...``, or None where a level is missing or not an object."""
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def read_api_json(path: Path, encoding: str | None, *, list_keys: tuple[str, ...],
                  is_record: Callable[[dict[str, object]], bool], build: Build, expected: str) -> Iterator[Record]:
    """The papers and skips of an API JSON file.

    ``list_keys`` name the key a response keeps its records under; ``is_record`` says whether an object is
    one record; ``expected`` describes the format for messages ("OpenAlex works: ...").
    """
    source = path.name
    lines = iter_lines(path, encoding)
    read: list[tuple[int, str]] = []  # the lines read so far, up to the second that is not blank
    content: list[tuple[int, str]] = []
    for lineno, line in lines:
        read.append((lineno, line))
        if line.strip():
            content.append((lineno, line))
            if len(content) == 2:
                break
    if not content:
        raise InputError(path, f"no JSON in the file (it has only blank lines); expected {expected}")
    first = content[0][1]
    obj = _loads(first) if len(content) == 2 and not first.lstrip().startswith("[") else None
    if isinstance(obj, dict):  # the first line is a whole object and more lines follow: JSON Lines
        rest = ((n, line) for n, line in chain(content, lines) if line.strip())
        yield from _json_lines(path, rest, list_keys, is_record, build, expected)
        return
    document = _document(path, chain(read, lines))
    found = 0
    for where, item in _records(path, document, list_keys, is_record, expected):
        found += 1
        yield build(item, source, where)
    if not found:
        raise InputError(path, f"no records in the file (its list is empty); expected {expected}")


def _loads(text: str) -> object:
    """``text`` parsed as JSON, or None when it is not JSON."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _document(path: Path, lines: Iterator[tuple[int, str]]) -> object:
    """The whole file parsed as one JSON document; a syntax error names its line."""
    text = "\n".join(line for _, line in lines)
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", 1)
        reason = getattr(exc, "msg", None) or ("nested too deeply" if isinstance(exc, RecursionError) else str(exc))
        raise InputError(path, f"not valid JSON: {reason}", str(line)) from exc


def _records(path: Path, document: object, list_keys: tuple[str, ...], is_record: Callable[[dict[str, object]], bool],
             expected: str) -> Iterator[tuple[str, object]]:
    """``(where, record)`` for each record of a parsed document: ``item N`` in its list, ``item 1`` alone."""
    if isinstance(document, list):
        for i, item in enumerate(document, start=1):
            yield f"item {i}", item
        return
    if isinstance(document, dict):
        for key in list_keys:
            if isinstance(document.get(key), list):
                for i, item in enumerate(document[key], start=1):
                    yield f"item {i}", item
                return
        if is_record(document):
            yield "item 1", document
            return
        raise InputError(path, _not_records(document, expected))
    raise InputError(path, f"expected {expected} (the file holds a JSON {type(document).__name__})")


def _not_records(document: dict[str, object], expected: str) -> str:
    """The message for an object that is neither a record nor a response holding records: an API's error
    reply says what went wrong in ``message`` or ``error``."""
    for key in ("message", "error"):
        value = document.get(key)
        if isinstance(value, str) and value.strip():
            return f"an API error reply, not records ({key}: {value.strip()[:200]!r}); expected {expected}"
    keys = ", ".join(sorted(document)[:12]) or "(none)"
    return f"a JSON object with no records (keys: {keys}); expected {expected}"


def _json_lines(path: Path, lines: Iterator[tuple[int, str]], list_keys: tuple[str, ...],
                is_record: Callable[[dict[str, object]], bool], build: Build, expected: str) -> Iterator[Record]:
    """One record (or one response) per line, streamed."""
    source = path.name
    hold = SkipHold(path, lambda n, first: f"the first {n} lines are not JSON objects "
                                           f"({first.where}: {first.reason})")
    for lineno, line in lines:
        where = f"line {lineno}"
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError) as exc:
            yield from hold.failed(Skip(source, where, f"not valid JSON: {getattr(exc, 'msg', None) or exc}"))
            continue
        if not isinstance(obj, (dict, list)):
            yield from hold.failed(Skip(source, where, f"not a JSON object (got {type(obj).__name__})"))
            continue
        try:
            found = list(_records(path, obj, list_keys, is_record, expected))
        except InputError as exc:
            yield from hold.failed(Skip(source, where, exc.reason))
            continue
        for item_where, item in found:
            record = build(item, source, where)
            if item is obj or not isinstance(record, Skip):
                yield from hold.passed(record)
            else:  # a response on one line: the line, and the record's place in it
                yield from hold.passed(replace(record, reason=f"{item_where}: {record.reason}"))
    if not hold.good and hold.first is not None:
        raise InputError(path, f"no line holds a record ({hold.first.where}: {hold.first.reason}); "
                               f"expected {expected}")
