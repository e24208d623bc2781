"""`curator score-clips`: a trained model's opinion of every confirmed clip, stored for the
review's `suspect` queue (a human label the model contradicts is worth a second look)."""

from __future__ import annotations

from pathlib import Path

import click

from curator.cli.common import DB_ID, ProgressBar, console, state
from curator.errors import CuratorError


@click.command("score-clips")
@click.option("--model", "model_path", required=True, type=click.Path(path_type=Path),
              help="A checkpoint from curator train, e.g. runs/NAME/best.pt.")
@click.option("--film", "film_id", type=DB_ID, help="Only this film's clips.")
@click.option("--frames-per-clip", type=click.IntRange(1, 20), default=3, show_default=True,
              metavar="K", help="Faces scored per clip (their probabilities are averaged).")
@click.option("--device", default="auto", show_default=True, help="auto, cpu or cuda.")
def score_clips_command(model_path: Path, film_id: int | None, frames_per_clip: int,
                        device: str) -> None:
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
    from curator.media.crops import CropJob, render_clip
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
    clips = [c for c in plan.clips if c.film_id not in missing]
    with ProgressBar("scoring clips") as bar:
        bar.start(len(clips))
        for clip in clips:
            crops: list[np.ndarray] = []
            if clip.frames:
                result = render_clip(CropJob(
                    key=clip.clip_id, path=clip.film_path, start_ms=clip.check_start_ms or 0,
                    sample_fps=clip.sample_fps or 1.0, display_size=clip.display_size,
                    frames=clip.frames, size=classifier.side, gray=True, png=False,
                    array=True,
                ))
                crops = [image.array for image in result.images if image.array is not None]
                if result.error or not crops:
                    problems.append(f"clip {clip.clip_id}: {result.error or 'no face decoded'}")
            else:
                skipped.append(f"clip {clip.clip_id}: {clip.note or 'no frames'}")
            with state().database().session() as session:  # one clip at a time: resumable
                if not crops:
                    forget_prediction(session, clip.clip_id, model=model_key)  # not stale
                else:
                    mean = classifier.probabilities(np.stack(crops)).mean(axis=0)
                    scores = dict(zip(classifier.classes, (float(p) for p in mean), strict=True))
                    label = save_prediction(session, clip.clip_id, model=model_key,
                                            scores=scores).label
                    scored += 1
                    disagree += label != clip.label
            bar.advance()
    out.print(f"scored {scored} confirmed clip(s) with {model_path}: the model disagrees with "
              f"the label on {disagree}" + (" (see `curator review --queue suspect`)"
                                            if disagree else ""), markup=False)
    for note in skipped:
        out.print(f"  skipped {note}", markup=False)
    for problem in problems:
        err.print(f"warning: {problem}", markup=False)
    if problems:
        raise click.exceptions.Exit(1)
