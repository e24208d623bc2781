"""`curator score-clips`: a trained model's opinion of every confirmed clip, stored for the
review's `suspect` queue (a human label the model contradicts is worth a second look)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from curator.cli.common import DB_ID, ProgressBar, console, state
from curator.errors import CuratorError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from curator.export.plan import ClipPlan


# Faces per model call: on a CPU, 24 took 0.6 of the time of the same faces 3 at a time
# (one clip's), and 96 took longer again.
CLASSIFY_BATCH = 24


@click.command("score-clips")
@click.option("--model", "model_path", required=True, type=click.Path(path_type=Path),
              help="A checkpoint from curator train, e.g. runs/NAME/best.pt.")
@click.option("--film", "film_id", type=DB_ID, help="Only this film's clips.")
@click.option("--frames-per-clip", type=click.IntRange(1, 20), default=3, show_default=True,
              metavar="K", help="Faces scored per clip (their probabilities are averaged).")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes that decode and align the faces (default: half the CPU count, "
                   "at most 8: the model, in this process, uses the other half).")
def score_clips_command(model_path: Path, film_id: int | None, frames_per_clip: int,
                        device: str, workers: int | None) -> None:
    """Score every confirmed clip with a trained model and store what it thinks.

    The faces are the export's: the K best frames of the clip's main face, aligned the
    same way (here every clip gets its own, even where confirmed clips overlap). The
    review's `suspect` queue then lists confirmed clips whose label the model contradicts
    (`curator review --queue suspect`), and the review screen shows the model's label beside
    the human one. A re-run with the same model replaces its scores, and drops them for a
    clip it can no longer score. A clip without a face track is listed as skipped; one that
    cannot be decoded (or whose film is missing) is named, and the command exits 1.
    """
    import numpy as np

    from curator.cli.export import plan_confirmed
    from curator.cli.faces import default_workers
    from curator.media.crops import CropJob, render_clip
    from curator.media.pool import parallel_map
    from curator.store.predictions import forget_prediction, save_prediction
    from curator.train.cli import CommandError
    from curator.train.predict import Classifier

    out, err = console(), console(stderr=True)
    try:
        classifier = Classifier(model_path, device, say=lambda m: err.print(m, markup=False))
    except CuratorError as exc:
        raise CommandError(exc) from exc
    plan, _among, missing, _xml, problems = plan_confirmed(
        film_id, frames_per_clip, None, exclusive=False, left_out=" (its clips not scored)")
    model_key = str(model_path.resolve())
    unknown = sorted({c.label for c in plan.clips} - set(classifier.classes))
    if unknown:
        err.print(f"note: the model knows {', '.join(classifier.classes)}; clips labelled "
                  f"{', '.join(unknown)} can only disagree with it", markup=False)
    scored = disagree = 0
    skipped: list[str] = []
    failed: dict[int, str] = {}  # clip id → why it could not be scored
    clips = [c for c in plan.clips if c.film_id not in missing]
    by_id = {c.clip_id: c for c in clips}
    # The export's crops under the model's own crop rule, at its input side (made in the
    # workers as exports make them).
    jobs = [CropJob(key=c.clip_id, path=c.film_path, start_ms=c.check_start_ms or 0,
                    sample_fps=c.sample_fps or 1.0, display_size=c.display_size,
                    frames=c.frames, size=classifier.side, gray=True, png=False, array=True,
                    rule=classifier.crop_rule)
            for c in clips if c.frames]
    waiting: list[tuple[ClipPlan, np.ndarray]] = []  # decoded, not yet through the model

    def classify_waiting() -> None:
        """One model call for the waiting clips' faces, then their scores, in one
        transaction (an interrupted run keeps what was stored before: resumable)."""
        nonlocal scored, disagree
        probabilities = classifier.probabilities(np.concatenate([f for _, f in waiting]))
        at = 0
        with state().database().session() as session:
            for clip, faces in waiting:
                mean = probabilities[at:at + len(faces)].mean(axis=0)
                at += len(faces)
                if _moved_since_planned(session, clip):  # scored frames are not all in it
                    skipped.append(f"clip {clip.clip_id}: its boundaries moved while it was "
                                   "scored (run score-clips again)")
                    continue
                scores = dict(zip(classifier.classes, (float(p) for p in mean), strict=True))
                label = save_prediction(session, clip.clip_id, model=model_key,
                                        scores=scores)
                scored += 1
                disagree += label != clip.label
        for _ in waiting:
            bar.advance()
        waiting.clear()

    with ProgressBar("scoring clips") as bar:
        bar.start(len(jobs))
        faceless = [c for c in clips if not c.frames]
        with state().database().session() as session:
            for clip in faceless:  # an old score of a clip that has no face now is stale
                skipped.append(f"clip {clip.clip_id}: {clip.note or 'no frames'}")
                forget_prediction(session, clip.clip_id, model=model_key)
        # Decoding and aligning in workers, the model here: results come in any order.
        for result in parallel_map(render_clip, jobs,
                                   workers=min(workers or max(1, default_workers() // 2),
                                               max(len(jobs), 1))):
            clip = by_id[result.key]
            crops = [image.array for image in result.images if image.array is not None]
            if result.error or not crops:
                failed[clip.clip_id] = f"clip {clip.clip_id}: {result.error or 'no face decoded'}"
                with state().database().session() as session:
                    forget_prediction(session, clip.clip_id, model=model_key)  # not stale
                bar.advance()
                continue
            waiting.append((clip, np.stack(crops)))
            if sum(len(f) for _, f in waiting) >= CLASSIFY_BATCH:
                classify_waiting()
        if waiting:
            classify_waiting()
    problems += [failed[key] for key in sorted(failed)]  # in clip order, not completion order
    out.print(f"scored {scored} confirmed clip(s) with {model_path}: the model disagrees with "
              f"the label on {disagree}" + (" (see `curator review --queue suspect`)"
                                            if disagree else ""), markup=False)
    for note in skipped:
        out.print(f"  skipped {note}", markup=False)
    for problem in problems:
        err.print(f"warning: {problem}", markup=False)
    if problems:
        raise click.exceptions.Exit(1)


def _moved_since_planned(session: Session, clip: ClipPlan) -> bool:
    """Whether an annotator moved the clip (or it is gone) since this run planned it:
    moving it dropped its predictions, and frames from outside it must not bring one back."""
    from curator.store.models import Clip

    now = session.get(Clip, clip.clip_id)
    return now is None or (now.start_ms, now.end_ms) != (clip.start_ms, clip.end_ms)
