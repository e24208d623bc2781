"""Checking a curator XML file before anything of it is imported, reading it as a stream.

The schema says most of what a file may hold; `load_validated` adds the rules it cannot
say (clips end after they start, inside the film; cues name a listed track; votes give
the label a clip has; times fit), each problem with its line. The file is read one clip
at a time and the clips are not kept: what the import needs of the whole file before it
reads the clips again (their keys, the tracks, the actors' uids) is a `ValidatedFile`.
"""

from __future__ import annotations

import copy
import hashlib
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from lxml import etree

from curator.errors import CuratorError, XMLValidationError
from curator.store.annotations import check_annotator_name
from curator.store.consensus import Vote, consensus
from curator.store.xml_safety import stream_film

_DATETIME = re.compile(
    r"(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?",
    re.ASCII,
)
# Attributes of type xs:dateTime, by element.
_DATETIME_ATTRIBUTES = {"clip": ("created", "updated"), "annotation": ("at",), "change": ("at",)}


def ms(value: str) -> int:
    return int(Decimal(value) * 1000)


def when(value: str) -> datetime:
    """An xs:dateTime as a naive UTC datetime (no zone is taken as UTC).

    Raises `ValueError` for what Python's datetime cannot hold (years outside 1-9999).
    """
    match = _DATETIME.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"{value!r} is not a date and time")
    # A fraction of a second is read and dropped: curator keeps times to the second (as it
    # writes them), and a vote's time is how a re-import finds it already here.
    year, month, day, hour, minute, second, _fraction, zone = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour) % 24, int(minute),
                          int(second))
        if hour == "24":  # xs:dateTime allows 24:00:00, the end of the day
            moment += timedelta(days=1)
        if zone not in (None, "Z"):
            offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
            moment = moment - offset if zone[0] == "+" else moment + offset
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"{value!r} is out of range (years 1 to 9999, in UTC)") from exc
    return moment


def opt_int(node: etree._Element, name: str) -> int | None:
    value = node.get(name)
    return None if value is None else int(value)


def flag(node: etree._Element, name: str, default: bool) -> bool:
    """An xs:boolean attribute: `true` or `1` is true, `false` or `0` false."""
    value = node.get(name)
    return default if value is None else value.strip() in ("true", "1")


def token(node: etree._Element, name: str, default: str | None = None) -> str | None:
    """An xs:token (or ID, IDREF) attribute with its blanks collapsed, as the XSD compares it."""
    value = node.get(name)
    return default if value is None else " ".join(value.split())


@dataclass(frozen=True, slots=True)
class ClipKey:
    """What the import needs of a clip before it reads the clips again: how to find it
    here, and the actor number of each of its people, in order."""

    uid: str | None
    start_ms: int
    end_ms: int
    line: int
    actors: tuple[int | None, ...]


@dataclass
class ValidatedFile:
    """A film file that passed every check: the root's attributes, the subtitle tracks,
    each clip's key, the actors' uids (uid → (actor number, first line)), and the digest
    of the bytes checked (the import reads the same bytes again, or nothing)."""

    path: Path
    root: etree._Element  # the attributes only
    tracks: list[etree._Element]
    clips: list[ClipKey] = field(default_factory=list)
    actor_uids: dict[str, tuple[int, int]] = field(default_factory=dict)
    sha256: bytes = b""

    @property
    def schema_version(self) -> str | None:
        return token(self.root, "schemaVersion")


def load_validated(path: Path) -> ValidatedFile:
    """Parse safely as a stream, validate against the XSD and the extra rules; return
    what the import needs of the file (not its tree, which would take many times the
    file's size in memory)."""
    digest = hashlib.sha256()
    stream = stream_film(path, digest)
    check = _Checks(next(stream))
    failure: Exception | None = None
    for node in stream:
        if failure is None:  # a value the schema refuses may not convert: it will say so
            try:
                check.see(node)
            except (ValueError, ArithmeticError) as exc:
                failure = exc
    if failure is not None:  # the schema let it through: as the checks would have raised it
        raise failure
    check.raise_problems(path)
    return check.validated(path, digest.digest())


def _bare(root: etree._Element) -> etree._Element:
    """The root element with its attributes, without its children."""
    return etree.Element(root.tag, dict(root.attrib))


class _Checks:
    """The rules the XSD cannot say, fed the file's top-level elements in order. Only
    small keys are kept per clip (to find a clip again, to compare its cues, its times
    and its actors with the other clips')."""

    def __init__(self, root: etree._Element) -> None:
        self.root = _bare(root)
        self.duration = ms(root.get("duration", "0"))
        self.problems: list[tuple[int, str]] = []
        self.vote_problems: list[tuple[int, str]] = []  # told only when nothing else is
        self.tracks: list[etree._Element] = []
        self.clips: list[ClipKey] = []
        self.seen: dict[tuple[int, int], int] = {}  # a clip is known by its times: one of each
        # (track, index) → (start, end, text, line) of its first copy: one flat tuple, the
        # track's key one string for all its cues (the largest thing kept, one per cue)
        self.cues: dict[tuple[str, int], tuple[int, int, str, int]] = {}
        self.actors: set[str] = set()
        self.actor_refs: list[tuple[str, int]] = []  # changes naming an actor, told at the end
        self.uid_of: dict[int, tuple[str, int]] = {}  # actor → (uid, line)
        self.actor_of: dict[str, tuple[int, int]] = {}  # uid → (actor, line)

    def see(self, node: etree._Element) -> None:
        if node.tag == "subtitleTrack":
            self.tracks.append(copy.deepcopy(node))
        elif node.tag == "clip":
            self._clip(node)

    def _clip(self, clip: etree._Element) -> None:
        start, end = ms(clip.get("start", "0")), ms(clip.get("end", "0"))
        line = clip.sourceline or 0
        if end <= start:
            self.problems.append((line, "clip ends before it starts"))
        elif end > self.duration:
            self.problems.append((line, "clip ends after the film"))
        if (start, end) in self.seen:
            self.problems.append((line, f"a second clip at {clip.get('start')}–{clip.get('end')} "
                                        f"(the first is on line {self.seen[start, end]})"))
        self.seen.setdefault((start, end), line)
        persons = clip.findall("person")
        self.clips.append(ClipKey(token(clip, "uid"), start, end, line,
                                  tuple(opt_int(p, "actor") for p in persons)))
        for annotation in clip.iter("annotation"):
            try:
                check_annotator_name(annotation.get("annotator") or "")
            except CuratorError as exc:
                self.problems.append((annotation.sourceline or 0,
                                      f"annotator {annotation.get('annotator')!r}: {exc}"))
        for person in persons:
            self._actor_uid(person)
        self._cues(clip)
        for face in clip.iter("faceTrack"):
            if ms(face.get("end", "0")) < ms(face.get("start", "0")):
                self.problems.append((face.sourceline or 0, "face track ends before it starts"))
        self._changes(clip, len(persons))
        if self._dates(clip) and (problem := _label_against_votes(clip)) is not None:
            self.vote_problems.append((line, problem))

    def _actor_uid(self, node: etree._Element) -> None:
        """An actor number and an actor uid name one person: each goes with one of the other."""
        self.actors.add((node.get("actor") or "").strip())
        uid, actor, line = token(node, "actorUid"), opt_int(node, "actor"), node.sourceline or 0
        if uid is None:
            return
        if actor is None:
            self.problems.append((line, "actorUid without an actor number"))
            return
        first_uid, first_line = self.uid_of.setdefault(actor, (uid, line))
        first_actor, other_line = self.actor_of.setdefault(uid, (actor, line))
        if first_uid != uid:
            self.problems.append((line, f"actor {actor} has another actorUid on line {first_line}"))
        elif first_actor != actor:
            self.problems.append((line, f"actorUid {uid} is actor {first_actor} on line "
                                        f"{other_line}"))

    def _cues(self, clip: etree._Element) -> None:
        tracks = {(t.get("key") or "").strip() for t in self.tracks}
        for cue in clip.iterfind("cue"):
            track = sys.intern((cue.get("track") or "").strip())
            if track not in tracks:
                self.problems.append((cue.sourceline or 0,
                                      f"cue refers to subtitle track {track!r}, which the file "
                                      "does not list"))
            # A cue is stored once: a second, different copy would be dropped unseen.
            line = cue.sourceline or 0
            this = (ms(cue.get("start", "0")), ms(cue.get("end", "0")),
                    cue.findtext("text") or "", line)
            first = self.cues.setdefault((track, int(cue.get("index", "0"))), this)
            if first[:3] != this[:3]:
                self.problems.append((line, f"cue {cue.get('index')} of track "
                                      f"{track!r} differs from its copy on line {first[3]}"))

    def _changes(self, clip: etree._Element, people: int) -> None:
        for change in clip.iter("change"):
            entity, ref = token(change, "entity", "clip"), (change.get("ref") or "").strip()
            if entity == "subject" and ref and not (ref.isdigit() and 1 <= int(ref) <= people):
                self.problems.append((change.sourceline or 0,
                                      f"change refers to person {ref} of a clip with {people}"))
            elif entity == "person" and ref:
                self.actor_refs.append((ref, change.sourceline or 0))  # a later clip may list it

    def _dates(self, clip: etree._Element) -> bool:
        """Whether every time of the clip (and of its votes and changes) is readable."""
        readable = True
        for node in clip.iter(*_DATETIME_ATTRIBUTES):
            for name in _DATETIME_ATTRIBUTES[node.tag]:
                value = node.get(name)
                if value is None:
                    continue
                try:
                    when(value)
                except ValueError as exc:
                    self.problems.append((node.sourceline or 0, f"attribute {name!r}: {exc}"))
                    readable = False
        return readable

    def raise_problems(self, path: Path) -> None:
        problems = self.problems + _replacement_problems(self.tracks)
        problems += [(line, f"change refers to actor {ref}, whom the file does not list")
                     for ref, line in self.actor_refs if ref not in self.actors - {""}]
        if not problems:  # the votes' times are readable now
            problems = self.vote_problems
        if problems:
            raise XMLValidationError(path, sorted(problems))

    def validated(self, path: Path, sha256: bytes) -> ValidatedFile:
        return ValidatedFile(path, self.root, self.tracks, self.clips, self.actor_of, sha256)


def _replacement_problems(tracks: list[etree._Element]) -> list[tuple[int, str]]:
    """Each track's `replacedBy` chain ends at a track in use (not at itself, in a loop)."""
    by = {token(t, "key", ""): (token(t, "replacedBy"), t.sourceline or 0)
          for t in tracks}
    problems = []
    for key, (_, line) in by.items():
        seen, at = {key}, by[key][0]
        while at is not None and at in by:
            if at in seen:
                problems.append((line, f"subtitle track {key!r} is replaced in a loop "
                                       "(replacedBy leads back to it)"))
                break
            seen.add(at)
            at = by[at][0]
    return problems



def _label_against_votes(clip: etree._Element) -> str | None:
    """Why a clip's status cannot stand, or None. Exports take confirmed clips by their
    expression: one without an expression, or with one its own votes do not give, would
    be exported unlabelled or under a label nobody chose. A proposed clip its votes
    decide would sit in no queue: not waiting for votes, nor disputed, nor exported; a
    rejected one they confirm would lose the label they chose. (The face check rejects only
    clips without votes.)"""
    status = token(clip, "status")
    expression = token(clip, "expression")
    if status == "confirmed" and expression is None:
        return "a confirmed clip without an expression"
    review = clip.find("review")
    items = [] if review is None else review.findall("annotation")
    votes = [(when(i.get("at", "")), n, i) for n, i in enumerate(items)
             if not flag(i, "retracted", False)]
    live = [Vote((i.get("annotator") or "").strip(), token(i, "decision") or "",
                 token(i, "expression"), i.get("reason"), flag(i, "adjudication", False))
            for _, _, i in sorted(votes, key=lambda v: (v[0], v[1]))]
    if not any(v.decision != "skip" for v in live):
        return None  # labelled without votes (an imported or older record): taken as it is
    verdict = consensus(live)
    said = ", ".join(f"{k} {n}" for k, n in sorted(verdict.votes.items()))
    outcome = f"{verdict.status}{' as ' + verdict.expression if verdict.expression else ''}"
    if status in ("proposed", "rejected"):
        return None if verdict.status == status else (
            f"{status}, but its votes ({said}) leave it {outcome}")
    if (verdict.status, verdict.expression) == ("confirmed", expression):
        return None
    return f"confirmed as {expression}, but its votes ({said}) leave it {outcome}"

