"""Parsing untrusted XML safely and validating it against curator's schema.

The parser never loads DTDs, never resolves entities and never touches the network;
a document that declares a DTD at all is refused (no XXE, no billion laughs).
Schema errors come back with line numbers.

A large file is read as a stream (`stream_film`): the root, then each of its children
once complete, freed once handled, so memory stays that of one clip, not of the file.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Generator, Iterator
from functools import cache
from pathlib import Path

from lxml import etree

from curator.errors import InputFileError, XMLValidationError

SCHEMA_VERSION = "1.2"  # written; 1.1 and 1.0 files are read too
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "_data" / "schemas"
SCHEMA_FILE = SCHEMA_DIR / f"curator-clips-{SCHEMA_VERSION}.xsd"

# Refuse absurd inputs before parsing them.
MAX_XML_BYTES = 512 * 1024 * 1024

# Everything XML 1.0 cannot hold: control characters other than tab, newline and
# carriage return, lone surrogates, U+FFFE and U+FFFF.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """`value` without the characters XML 1.0 cannot hold (tab, newline and CR are kept)."""
    return _NOT_XML_CHAR.sub("", value)


_SAFE = dict(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
             huge_tree=False, remove_blank_text=True)
# Read at a time. A chunk fed to the parser is parsed whole, into elements and events
# for each, before the first of its clips is handled: 1 MiB (some 1,200 clips) took
# 15 MiB more at the peak of a stream than 64 KiB, which reads no slower.
CHUNK_BYTES = 1 << 16


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(**_SAFE)


@cache
def schema() -> etree.XMLSchema:
    """The XSD, itself parsed with the safe parser."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_FILE), safe_parser()))


# The XSD's rules that a clip's uid is the film's one clip with it, and that a clip lists
# each cue once: libxml2's streaming validator keeps what it saw of both to the end of the
# file (about 0.7 KiB a clip, 35 MiB for 50,000 clips, where the clip's keys take 0.1 KiB).
# A stream is validated without them, and `_children` keeps these keys itself.
KEPT_BY_THE_STREAM = ("clipOncePerFilm", "cueOncePerClip")


@cache
def _streaming_schema() -> etree.XMLSchema:
    """The XSD without the rules in `KEPT_BY_THE_STREAM`."""
    document = etree.parse(str(SCHEMA_FILE), safe_parser())
    for name in KEPT_BY_THE_STREAM:
        (rule,) = document.xpath("//xs:unique[@name = $name]", name=name,
                                 namespaces={"xs": "http://www.w3.org/2001/XMLSchema"})
        rule.getparent().remove(rule)
    return etree.XMLSchema(document)


def parse_untrusted(path: Path) -> etree._ElementTree:
    """Parse a file, refusing DTDs; syntax errors raise `XMLValidationError` with a line."""
    _check_size(path)
    # Fed in chunks rather than parsed from the path: given a path, libxml2 reports bytes
    # that break the declared encoding, and read errors, as an OSError without a line.
    parser = safe_parser()
    try:
        with path.open("rb") as file:
            for chunk in iter(lambda: file.read(CHUNK_BYTES), b""):
                parser.feed(chunk)
        tree = parser.close().getroottree()
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 1  # an empty file: "no element found", at no line
        raise XMLValidationError(path, [(line, exc.msg)]) from exc
    except OSError as exc:
        raise InputFileError(path, (exc.strerror or str(exc)).lower()) from exc
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise XMLValidationError(path, [(_doctype_line(path, tree),
                                         "DTDs and entity declarations are not allowed")])
    return tree


def _check_size(path: Path) -> None:
    if path.stat().st_size > MAX_XML_BYTES:
        raise XMLValidationError(path, [(0, f"file larger than {MAX_XML_BYTES} bytes")])


def stream_film(path: Path, digest: hashlib._Hash, *,
                validating: bool = True) -> Iterator[etree._Element]:
    """The root element (its attributes; children come later), then each child of the
    root once parsed whole, read in chunks that also go into `digest`. A child is cleared
    and dropped once the caller asks for the next one: keep what you need of it.

    With `validating`, the schema is checked as the file streams by (unlike
    `parse_untrusted` and `validate`, which hold the whole tree). A file that breaks it,
    or the syntax, or declares a DTD, is then read again whole by those two, whose errors
    carry line numbers (the streaming validator gives none): only a bad file costs the
    memory of its tree.
    """
    _check_size(path)
    kwargs = dict(_SAFE, schema=_streaming_schema()) if validating else _SAFE
    parser = etree.XMLPullParser(events=("start", "end"), **kwargs)
    try:
        if not (yield from _children(path, parser, digest,
                                     _Repeats() if validating else None)):
            raise _NoRoot
    except (etree.XMLSyntaxError, _DoctypeFound, _NoRoot, _Repeated) as exc:
        if not validating:
            raise XMLValidationError(path, [(getattr(exc, "lineno", 0) or 0, str(exc))]) from exc
        _raise_with_lines(path, exc)
    except OSError as exc:
        raise InputFileError(path, (exc.strerror or str(exc)).lower()) from exc


class _DoctypeFound(Exception):
    """The document declares a DTD (told with its line by `parse_untrusted`)."""


class _NoRoot(Exception):
    """The file ended before its first element began (`<` alone, say), which the pull
    parser lets by without an error (told with its line by `parse_untrusted`)."""

    lineno = 1

    def __str__(self) -> str:
        return "no root element"


class _Repeated(Exception):
    """A clip's uid, or a cue in one clip, seen twice, or a cue's index that is no number
    (told with its line by `validate`)."""


_INTEGER = re.compile(r"[+-]?[0-9]+")  # xs:integer's form, its blanks collapsed


class _Repeats:
    """The keys of `KEPT_BY_THE_STREAM`'s rules, compared as the XSD compares them: a
    clip's uid (an xs:token) and a cue's track (an xs:IDREF) with their blanks collapsed,
    a cue's index as a number. A clip comes here when it ends, which may be before the
    schema has told what is wrong in it: an index that is no number is left to the schema
    (read again whole), not read by `int`."""

    def __init__(self) -> None:
        self.uids: set[str] = set()

    def see(self, clip: etree._Element) -> None:
        uid = clip.get("uid")
        if uid is not None:
            uid = " ".join(uid.split())
            if uid in self.uids:
                raise _Repeated
            self.uids.add(uid)
        cues = [(" ".join((cue.get("track") or "").split()), _index(cue))
                for cue in clip.iterfind("cue")]
        if len(set(cues)) != len(cues):
            raise _Repeated


def _index(cue: etree._Element) -> int:
    text = (cue.get("index") or "").strip(" \t\n\r")
    if not _INTEGER.fullmatch(text):
        raise _Repeated
    return int(text)


def _children(path: Path, parser: etree.XMLPullParser, digest: hashlib._Hash,
              repeats: _Repeats | None) -> Generator[etree._Element, None, bool]:
    """Yields as `stream_film` says; returns whether there was a root element."""
    depth = 0
    root = None
    with path.open("rb") as file:
        for chunk in itertools.chain(iter(lambda: file.read(CHUNK_BYTES), b""), [None]):
            if chunk is None:
                parser.close()  # raises for a truncated file, and for schema errors
            else:
                digest.update(chunk)
                parser.feed(chunk)
            for event, element in parser.read_events():
                depth += 1 if event == "start" else -1
                if root is None:
                    docinfo = element.getroottree().docinfo
                    if docinfo.doctype or docinfo.internalDTD is not None:
                        raise _DoctypeFound
                    root = element
                    yield root
                elif event == "end" and depth == 1:
                    if repeats is not None and element.tag == "clip":
                        repeats.see(element)
                    yield element
                    element.clear()
                    root.remove(element)
    return root is not None


def _raise_with_lines(path: Path, exc: Exception) -> None:
    """Read a file the stream refused again whole, for its errors with line numbers."""
    validate(parse_untrusted(path), path)
    # Not found so (it changed meanwhile?): the stream's own complaint, without lines.
    log = getattr(exc, "error_log", None) or []
    problems = [(error.line, error.message) for error in log]
    raise XMLValidationError(path, problems or [(0, str(exc) or "invalid")]) from exc


def _doctype_line(path: Path, tree: etree._ElementTree) -> int:
    """The line of the `<!DOCTYPE` (found in the bytes before the root element, for files
    in an ASCII-based encoding); else the root element's line."""
    root_line = tree.getroot().sourceline or 1
    with path.open("rb") as file:
        head = b"".join(itertools.islice(file, root_line))
    at = head.find(b"<!DOCTYPE")
    return head.count(b"\n", 0, at) + 1 if at >= 0 else root_line


def validate(tree: etree._ElementTree, path: Path) -> None:
    """Raise `XMLValidationError` listing every schema violation with its line number."""
    xsd = schema()
    if xsd.validate(tree):
        return
    problems = [(error.line, error.message) for error in xsd.error_log]
    # libxml2 follows a bad value in a unique/key field with a second, vaguer complaint.
    clear = [p for p in problems if "No precomputed value available" not in p[1]]
    raise XMLValidationError(path, clear or problems)
