"""Parsing untrusted XML safely and validating it against curator's schema.

The parser never loads DTDs, never resolves entities and never touches the network;
a document that declares a DTD at all is refused (no XXE, no billion laughs).
Schema errors come back with line numbers.
"""

from __future__ import annotations

import itertools
import re
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


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=True,
    )


@cache
def schema() -> etree.XMLSchema:
    """The XSD, itself parsed with the safe parser."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_FILE), safe_parser()))


def parse_untrusted(path: Path) -> etree._ElementTree:
    """Parse a file, refusing DTDs; syntax errors raise `XMLValidationError` with a line."""
    if path.stat().st_size > MAX_XML_BYTES:
        raise XMLValidationError(path, [(0, f"file larger than {MAX_XML_BYTES} bytes")])
    # Fed in chunks rather than parsed from the path: given a path, libxml2 reports bytes
    # that break the declared encoding, and read errors, as an OSError without a line.
    parser = safe_parser()
    try:
        with path.open("rb") as file:
            for chunk in iter(lambda: file.read(1 << 20), b""):
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
