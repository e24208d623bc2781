"""Commands that bring material in: `ingest`, `propose`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from curator.cli.common import DB_ID, FiniteRange, clock, console, state
from curator.cli.cues import lexicon_for, say_loading_warnings
from curator.cli.languages import (
    IngestLanguages,
    ingest_languages,
    name_language,
    track_language,
)
from curator.cli.streams import StreamTrack, embedded_tracks, has_subtitle_streams

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from curator.proposals.windows import WindowParams
    from curator.store.models import Film, SubtitleTrack

# Padding and lengths in seconds: not negative, not absurd, not nan.
SECONDS = FiniteRange(min=0.0, max=3600.0)


def _refuse_unread_stream_languages(langs: IngestLanguages, read: list[StreamTrack]) -> None:
    """`--lang N=CODE` for a stream this run does not read: a typo, or it needs naming."""
    unread = sorted(set(langs.streams) - {stream.index for stream in read})
    if unread:
        n = unread[0]
        raise click.UsageError(f"--lang {n}={langs.streams[n]}: subtitle stream #0:{n} is not "
                               f"read (name it with --subs-stream {n})")


def _per_track(option: str, values: tuple[str, ...], tracks: int) -> Callable[[int], str | None]:
    """An option given once (for every --subs) or once per --subs: track i's value."""
    if values and len(values) not in (1, tracks):
        raise click.UsageError(f"give {option} once, or once per --subs")
    return lambda i: values[i] if len(values) > 1 else (values[0] if values else None)


@click.command("ingest")
@click.argument("film", type=click.Path(path_type=Path))
@click.option("--subs", "subs", multiple=True, type=click.Path(path_type=Path),
              help="Subtitle file for the film (repeat for several tracks).")
@click.option("--subs-stream", "subs_streams", multiple=True, type=click.IntRange(min=0),
              metavar="N",
              help="A subtitle stream inside FILM, by the number `ffmpeg -i FILM` shows "
                   "(Stream #0:N); repeat for several. With neither this nor --subs, the "
                   "film's own text streams are used: those marked SDH if any are.")
@click.option("--lang", "langs", multiple=True, metavar="[N=]CODE",
              callback=lambda ctx, param, value: ingest_languages(value, param),
              help="Language of the tracks: once for all, or once per --subs "
                   "(default: from each file name, else guessed from its words, else en). "
                   "A stream inside FILM keeps its language tag when --subs files are given; "
                   "N=CODE names stream #0:N's language (one untagged, or tagged wrongly): "
                   "--lang 3=fr.")
@click.option("--title", help="Film title (default: the file name).")
@click.option("--subs-offset", type=FiniteRange(-86400, 86400), metavar="SECONDS",
              help="Shift all subtitles of this film by SECONDS (positive = later). A "
                   "changed offset withdraws the clips no one has touched, for `propose` to "
                   "place again; clips people voted on or edited stay, and are listed.")
@click.option("--replace-subs", is_flag=True,
              help="Each track given (--subs, --subs-stream) replaces the film's stored "
                   "tracks in its language (a "
                   "corrected or re-synced file): their cues propose nothing from now on, "
                   "and the clips only they proposed that no one has touched are withdrawn.")
@click.option("--lexicon", "lexicon_path", type=click.Path(path_type=Path),
              help="A TOML lexicon file to use instead of the built-in one.")
@click.option("--check-offset/--no-check-offset", default=True, show_default=True,
              help="Estimate the subtitle offset from speech onsets in the audio.")
@click.option("--encoding", "encodings", multiple=True, metavar="CODEC",
              help="Encoding of the tracks (e.g. cp1252): once for all, or once per --subs "
                   "(default: detected; the summary line says which). Without --subs, it is "
                   "the encoding of the film's SubRip and ASS streams (a stream found not to "
                   "be UTF-8 has its encoding detected).")
def ingest_command(
    film: Path,
    subs: tuple[Path, ...],
    subs_streams: tuple[int, ...],
    langs: IngestLanguages,
    title: str | None,
    subs_offset: float | None,
    replace_subs: bool,
    lexicon_path: Path | None,
    check_offset: bool,
    encodings: tuple[str, ...],
) -> None:
    """Register FILM and its subtitle tracks (idempotent).

    Probes the video (duration, frame rate, size, rotation, variable frame rate),
    reads and analyses each subtitle file (--subs) or stream inside FILM
    (--subs-stream; with neither, FILM's own text streams), and stores everything in one
    transaction: if any input is bad, nothing is written. Ingesting the same film
    again (found by content hash, even after a rename) adds only tracks not seen
    before (a copy with the same cues is not stored twice), reads a stored track
    again when --lang, --encoding or --lexicon is given, records the film's new
    path, and stores --subs-offset when given; --title counts only when the film is
    first registered.

    Clips are placed from the subtitles as they are timed when proposed. When
    --subs-offset changes, or --replace-subs replaces a track, the clips no person
    has touched (no vote, not even a skip; no boundary moved or person edited) are
    withdrawn, and the next `curator propose` places them again and checks their
    faces; a clip also proposed by a track still in use only loses the replaced
    track's cues. Clips people have touched are never moved or deleted: they keep
    their times and cues, and are listed for a look.

    The subtitle timing is checked against the audio: speech onsets are matched
    with cue starts over ±10 s and the best offset is reported with a confidence;
    --subs-offset applies a correction.
    """
    from curator.fsutil import sha256_file
    from curator.media.probe import probe_video
    from curator.proposals.windows import outside_the_film
    from curator.store.films import add_subtitle_track, register_film
    from curator.subtitles.emotion import analyze
    from curator.subtitles.loading import load_subtitles
    from curator.subtitles.sdh import has_speech

    lang_of = _per_track("--lang", langs.files, len(subs))
    encoding_of = _per_track("--encoding", encodings, len(subs))

    def explicit(i: int) -> bool:
        """--subs i was asked to be read a certain way: a stored track is read again."""
        return bool(lang_of(i) or encoding_of(i) or lexicon_path)
    info = probe_video(film)
    tracks = []
    read_as: dict[str, tuple[Path, str, str]] = {}  # file hash → (path, language, encoding)
    for i, sub_path in enumerate(subs):
        document = load_subtitles(sub_path, fps=info.fps, encoding=encoding_of(i),
                                  lang=lang_of(i) or name_language(sub_path))
        lang = track_language(sub_path, document, lang_of(i))
        digest = sha256_file(sub_path)
        first = read_as.get(digest)
        if first is not None:
            if first[1:] != (lang, document.encoding):  # one track, two readings: which?
                raise click.UsageError(
                    f"--subs {first[0]} and --subs {sub_path} are the same file, read as "
                    f"{first[1]} ({first[2]}) and as {lang} ({document.encoding}): give it once")
            continue  # the same file the same way: one track
        read_as[digest] = (sub_path, lang, document.encoding)
        say_loading_warnings(document)
        analyzed = analyze(document.cues, lexicon_for(lang, lexicon_path))
        tracks.append((document, analyzed, lang, digest, explicit(i)))
    film_hash = known = None
    if not subs and not subs_streams:
        # The film's own streams are the default for a film being registered. A known film
        # with tracks, ingested again without --subs (to change --subs-offset, say), must
        # not gain its streams as new tracks of the languages it has: both would propose.
        film_hash = _hash_with_progress(film, sha256_file)
        known = _stored_film(film_hash)
        if known and has_subtitle_streams(film):
            console(stderr=True).print(
                f"note: {film}: film {known.film_id} has {known.tracks} subtitle track(s) "
                "already; its own subtitle streams are not read (--subs-stream N adds one)",
                markup=False)
    # Streams take a plain --lang or --encoding only when it is given once and no --subs
    # file is: beside --subs files it is theirs ("once for all, or once per --subs"), and a
    # stream tagged `spa` read as English proposes nothing. N=CODE names one stream's
    # language; their own tag else.
    plain = lang_of(0) if len(langs.files) == 1 and not subs else None
    stream_encoding = encoding_of(0) if not subs else None
    reads_streams = bool(subs_streams) or (not subs and not known)
    streams = embedded_tracks(film, subs_streams, info.fps, stream_encoding,
                              named=langs.streams) if reads_streams else []
    _refuse_unread_stream_languages(langs, streams)
    for stream in streams:
        document, digest = stream.document, stream.sha256
        named = langs.streams.get(stream.index) or plain
        lang = named or stream.language or track_language(document.path, document)
        if digest in read_as:
            continue  # the same text twice (two streams, or a stream and a --subs file)
        read_as[digest] = (document.path, lang, document.encoding)
        say_loading_warnings(document)
        analyzed = analyze(document.cues, lexicon_for(lang, lexicon_path))
        tracks.append((document, analyzed, lang, digest,
                       bool(named or stream_encoding or lexicon_path)))
    if film_hash is None:
        film_hash = _hash_with_progress(film, sha256_file)
    estimate = None
    if check_offset and info.has_audio:
        from curator.cli.faces import estimate_offset_quietly

        # Only cues with spoken words meet speech onsets ("[music]" starts no speech).
        starts = [c.start_ms for d, *_ in tracks for c in d.cues if has_speech(c.text)]
        if not tracks and known:  # a known film again (a new --subs-offset): its stored cues
            starts = [start for start, text in _stored_cues(known.film_id)
                      if has_speech(text)]
        estimate = estimate_offset_quietly(film, starts)

    lines: list[str] = []  # printed once the transaction is committed
    warnings: list[str] = []
    # In turns (the write lock before reading): a second ingest of a new film waits, then
    # finds it, rather than adding it again and failing on its uniqueness; and clips are
    # withdrawn on what is read here. Everything slow (hashing, reading the subtitles, the
    # offset check) is done by now.
    with state().database().writing() as session:
        registered = register_film(
            session,
            path=film,
            sha256=film_hash,
            info=info,
            title=title,
            subs_offset_ms=None if subs_offset is None else round(subs_offset * 1000),
        )
        record = registered.film
        verb = "registered" if registered.created else "already known"
        lines.append(
            f"film {record.id} {verb}: {record.title} "
            f"({record.duration_ms / 1000:.1f} s, {record.fps:g} fps, "
            f"{record.width}x{record.height})"
        )
        lines.extend(f"  note: {note}" for note in info.picture_notes())
        if registered.moved_from:
            lines.append(f"  moved: {registered.moved_from} → {record.path}")
        if (old := registered.replaces) is not None:
            warnings.append(
                f"{film}: film {old.id} ({old.title}, {len(old.clips)} clip(s)) was registered "
                "at this path with other content; this is a new film, and film "
                f"{old.id}'s clips still point at this file (ingest its own file again "
                "to record where it is now)")
        if info.container_ms is not None:
            lines.append(f"  note: the pictures end at {info.duration_ms / 1000:.1f} s, the file "
                         f"(its sound) at {info.container_ms / 1000:.1f} s; clips stay within "
                         "the pictures")
        given: list[SubtitleTrack] = []
        for document, analyzed, lang, sub_hash, again in tracks:
            stored = add_subtitle_track(session, record, document, analyzed, sha256=sub_hash,
                                        lang=lang, read_again=again)
            track = stored.track
            if track not in given:
                given.append(track)
            emotional = sum(1 for a in analyzed if a.emotion)
            skipped = f", {document.skipped_lines} lines skipped" if document.skipped_lines else ""
            if stored.outcome == "added":
                lines.append(
                    f"  track {track.id} ({lang}, {document.format}, {document.encoding}): "
                    f"{len(analyzed)} cues, {emotional} with an emotion{skipped}"
                )
            elif stored.outcome == "read again":
                lines.append(
                    f"  track {track.id} ({document.path.name}) read again ({lang}, "
                    f"{document.encoding}): {len(analyzed)} cues, {emotional} with an emotion "
                    f"(were {stored.emotional_before}){skipped}; `curator propose` proposes "
                    "what is new"
                )
            elif stored.outcome == "same cues":
                lines.append(f"  {document.path.name}: the same cues as track {track.id} "
                             f"({Path(track.path).name}); not stored twice")
            else:
                lines.append(f"  track {track.id} ({document.path.name}) already stored")
            if track.replaced_by_id is not None and not replace_subs:
                lines.append(f"  track {track.id} was replaced by track {track.replaced_by_id}"
                             " and proposes nothing (--replace-subs puts it back in use)")
            if stored.outcome == "kept":
                warnings.append(
                    f"{document.path}: read this way its cues have other times than stored "
                    f"track {track.id}; that track is kept as it was"
                )
            shift = record.subs_offset_ms
            where = Counter(outside_the_film(c.start_ms + shift, c.end_ms + shift,
                                             record.duration_ms) for c in document.cues)
            early, late = where["before"], where["after"]
            if late:
                last = max(c.start_ms for c in document.cues) + record.subs_offset_ms
                warnings.append(
                    f"{document.path}: {late} of {len(document.cues)} cues start after the "
                    f"film ends ({clock(record.duration_ms, millis=False)}; the last at "
                    f"{clock(last, millis=False)}): "
                    "subtitles of another cut, or of another film? Those cues propose nothing"
                )
            if early:
                warnings.append(
                    f"{document.path}: {early} of {len(document.cues)} cues end before the "
                    f"film starts with the offset of {record.subs_offset_ms / 1000:+.3f} s: "
                    "is the offset's sign right? Those cues propose nothing"
                )
        if replace_subs:
            _replace_tracks(session, record, given, lines, warnings)
        else:
            lines += _same_language_hints(record, given)
        if record.subs_offset_ms or subs_offset is not None:  # a 0 given is said too
            lines.append(f"  subtitle offset: {record.subs_offset_ms / 1000:+.3f} s")
        if registered.offset_was_ms is not None:
            _settle_offset(session, record, registered.offset_was_ms, lines, warnings)
        applied_ms = record.subs_offset_ms
    out = console()
    for line in lines:
        out.print(line, markup=False)
    for warning in warnings:
        console(stderr=True).print(f"warning: {warning}", markup=False)
    if check_offset and not info.has_audio:
        out.print("  subtitle timing: not checked (the film has no audio track)")
    if estimate is not None:
        from curator.cli.faces import report_offset

        report_offset(out, estimate, applied_ms=applied_ms)


def _replace_tracks(session: Session, film: Film, given: list[SubtitleTrack],
                    lines: list[str], warnings: list[str]) -> None:
    """`--replace-subs`: the given tracks are the film's tracks of their languages."""
    from curator.cli.settled import replacement_report
    from curator.store.replacing import Settled, replace_tracks

    settled = Settled()
    given_ids = {t.id for t in given}
    for track in given:
        if track.replaced_by_id is not None:  # an older file given back: in use again
            track.replaced_by_id = None
            lines.append(f"  track {track.id} ({Path(track.path).name}) is in use again")
    for lang in dict.fromkeys(t.lang for t in given):
        by = next(t for t in given if t.lang == lang)
        old = [t for t in film.tracks
               if t.lang == lang and t.id not in given_ids and t.replaced_by_id is None]
        if not old:
            lines.append(f"  --replace-subs: no other {lang} track to replace")
            continue
        lines += [f"  track {t.id} ({Path(t.path).name}) replaced by track {by.id}: its cues "
                  "propose nothing from now on" for t in old]
        settled.add(replace_tracks(session, film, old, by))
    said, warned = replacement_report(film.id, settled)
    lines += said
    warnings += warned


def _same_language_hints(film: Film, given: list[SubtitleTrack]) -> list[str]:
    """A second track in a language the film has: a correction is meant to replace it."""
    hints = []
    for track in given:
        others = [t.id for t in film.tracks if t.lang == track.lang and t.id != track.id
                  and t.replaced_by_id is None and track.replaced_by_id is None]
        if others and track.id > max(others):  # said of the newer one only
            listed = ("track " if len(others) == 1 else "tracks ") + ", ".join(map(str, others))
            hints.append(f"  note: the film has another {track.lang} track ({listed}); both "
                         "propose clips. If this file corrects it, ingest it with --replace-subs")
    return hints


def _settle_offset(session: Session, film: Film, offset_was_ms: int, lines: list[str],
                   warnings: list[str]) -> None:
    """The offset changed: untouched clips go, to be placed again; touched ones are listed."""
    from curator.cli.settled import listed_touched
    from curator.store.replacing import settle_offset_change

    settled = settle_offset_change(session, film)
    was = f"{offset_was_ms / 1000:+.3f} s"
    if settled.withdrawn:
        lines.append(f"  {settled.withdrawn} untouched clip(s) placed with the earlier offset "
                     f"({was}) withdrawn; `curator propose` places them again")
    if settled.touched:
        warnings.append(
            f"film {film.id}: {listed_touched(settled.touched)} were placed with the earlier "
            f"offset ({was}) and have been decided on or edited: they keep their times; look at "
            f"them (`curator review --film {film.id} --queue all`)")


@dataclass(frozen=True)
class _StoredFilm:
    """A film this database has, by content hash: what a run without --subs needs of it."""

    film_id: int
    tracks: int


def _stored_film(film_hash: str) -> _StoredFilm | None:
    """The film with this content hash, if it has subtitle tracks."""
    from curator.store.films import film_by_hash

    with state().database().session() as session:
        film = film_by_hash(session, film_hash)
        if film is None or not film.tracks:
            return None
        return _StoredFilm(film.id, len(film.tracks))


def _stored_cues(film_id: int) -> list[tuple[int, str]]:
    """(start, text) of the cues of the film's tracks in use, for the timing check: read
    only when it runs."""
    from sqlalchemy import select

    from curator.store.models import Cue, SubtitleTrack

    with state().database().session() as session:
        return [(start, text) for start, text in session.execute(
            select(Cue.start_ms, Cue.text).join(SubtitleTrack, Cue.track_id == SubtitleTrack.id)
            .where(SubtitleTrack.film_id == film_id, SubtitleTrack.replaced_by_id.is_(None))
            .order_by(SubtitleTrack.id, Cue.idx))]


def _hash_with_progress(path: Path, sha256_file) -> str:  # type: ignore[no-untyped-def]
    """Hash a film, with a progress bar when it is big enough to wait for."""
    size = path.stat().st_size
    from curator.cli.common import interactive

    if size < 256 * 1024 * 1024 or not interactive():
        return str(sha256_file(path))
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task(f"hashing {path.name}", total=size)
        return str(sha256_file(path, lambda n: progress.advance(task, n)))


@click.command("propose")
@click.option("--film", "film_id", type=DB_ID, help="Only this film (default: every film).")
@click.option("--pad-before", type=SECONDS, default=1.0, show_default=True, metavar="S",
              help="Seconds of video kept before the emotional cue.")
@click.option("--pad-after", type=SECONDS, default=1.5, show_default=True, metavar="S",
              help="Seconds kept after it.")
@click.option("--min-length", type=SECONDS, default=1.0, show_default=True, metavar="S",
              help="Shorter windows are grown around their centre.")
@click.option("--max-length", type=FiniteRange(min=0.1, max=3600), default=8.0,
              show_default=True, metavar="S",
              help="Longer windows are cut down around their evidence.")
@click.option("--min-score", type=FiniteRange(0.0, 1.0), default=0.3, show_default=True,
              help="Cues whose emotion score is below this propose nothing.")
@click.option("--no-faces", is_flag=True,
              help="Skip the face check (text proposals only; run again later to check).")
@click.option("--detector", type=click.Choice(["hog", "cnn"]), default="hog", show_default=True,
              help="Face detector: dlib HOG (fast) or dlib's CNN (slower, finds more). "
                   "Like the three options below, it applies to clips not checked yet.")
@click.option("--sample-fps", type=click.FloatRange(min=0.1, max=60), default=4.0,
              show_default=True, help="Frames looked at per second of each window.")
@click.option("--upsample", type=click.IntRange(0, 3), default=0, show_default=True,
              help="Upsample frames this many times before detecting (finds smaller faces).")
@click.option("--detect-width", type=click.IntRange(min=64), default=640, show_default=True,
              metavar="PX", help="Frames are scaled down to at most this width for detection.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes for the face check [default: CPU count, at most 8].")
@click.option("--recheck-rejected", is_flag=True,
              help="Check again, with the options above, the windows the face check "
                   "rejected (no face) that no one has decided on since.")
def propose_command(
    film_id: int | None,
    pad_before: float,
    pad_after: float,
    min_length: float,
    max_length: float,
    min_score: float,
    no_faces: bool,
    detector: str,
    sample_fps: float,
    upsample: int,
    detect_width: int,
    workers: int | None,
    recheck_rejected: bool,
) -> None:
    """Turn the films' emotional cues into clip proposals, then check them for faces.

    Each cue whose SDH evidence points to an emotion becomes a window (padded,
    clamped to the film, overlapping windows of one label merged), stored as a
    proposed clip linked to the cues that proposed it and the dialogue around it.

    The face check then decodes only those windows (never the whole film), samples
    --sample-fps frames per second, detects faces, follows each through the window
    and stores the tracks (times, boxes, 68 landmarks, encodings); the main face(s)
    become the clip's subjects, grouped into people across the film. A window with
    no usable face is rejected ("no face"). Checked clips are not checked again, so
    re-running is cheap and resumes an interrupted run; --recheck-rejected gives the
    rejected ones another look (with --detector cnn or --upsample 1, say).
    """
    from curator.proposals.windows import WindowParams

    if min_length > max_length:
        raise click.BadParameter(
            f"{min_length:g} s is longer than --max-length {max_length:g} s",
            param_hint="--min-length",
        )
    params = WindowParams(
        pad_before_ms=round(pad_before * 1000),
        pad_after_ms=round(pad_after * 1000),
        min_len_ms=round(min_length * 1000),
        max_len_ms=round(max_length * 1000),
        min_score=min_score,
    )
    if no_faces and recheck_rejected:
        raise click.BadParameter("needs the face check, which --no-faces skips",
                                 param_hint="--recheck-rejected")
    if no_faces:
        _propose_windows(film_id, params)
        return
    from curator.cli.faces import check_faces, default_workers
    from curator.media.pool import start_face_workers, stop_worker_server

    # The face check's workers load the face models while the windows are proposed:
    # started before anything heavy is imported here, the server imports in parallel.
    early = (workers or default_workers()) > 1
    if early:
        start_face_workers()
    from curator.media.facecheck import FaceParams

    face_params = FaceParams(
        detector=detector, upsample=upsample, sample_fps=sample_fps, detect_width=detect_width
    )
    try:
        film_ids = _propose_windows(film_id, params)
        if film_ids:
            check_faces(state().database(), film_ids, face_params, workers=workers,
                        recheck_rejected=recheck_rejected)
    finally:
        if early:
            # A pool that ran stopped it already: one still running forked no worker.
            stop_worker_server(unused=True)


def _propose_windows(film_id: int | None, params: WindowParams) -> list[int]:
    """The text proposals of the selected films (each film's line printed); their ids."""
    from curator.proposals.windows import propose_windows
    from curator.store.films import selected_films
    from curator.store.proposals import film_timeline, save_windows

    out = console()
    with state().database().writing() as session:  # another propose waits, then sees these
        films = selected_films(session, film_id)
        if not films:
            out.print("no films yet: run `curator ingest FILM --subs FILE` first")
            return []
        for film in films:
            timeline = film_timeline(session, film)
            windows = propose_windows(
                timeline.cues, film_duration_ms=film.duration_ms, params=params,
                sources=timeline.track_ids,
            )
            result = save_windows(session, film, windows, timeline)
            out.print(
                f"film {film.id} ({film.title}): {len(windows)} windows, "
                f"{len(result.created)} new clips, {result.existing} already proposed"
                + (f" ({result.extended} given new cues)" if result.extended else "")
            )
        return [film.id for film in films]
