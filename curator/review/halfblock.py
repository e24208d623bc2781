"""Pictures in a terminal: RGB frames drawn with the upper-half block "▀" (pure; no Textual).

Each character cell shows two pixels stacked: the foreground colour paints the top
half, the background colour the bottom half, so a W×H cell area shows W×2H pixels
with square-ish pixels. Frames are laid out in the grid that makes each one as large
as the area allows; a tracked face is boxed, and cropped around when a box exists so
the expression fills the picture.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image
from rich.color import Color
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style

# (left, top, right, bottom) in the frame's own pixels.
Box = tuple[int, int, int, int]
# (time_ms, left, top, right, bottom) in the film's pixels, as face tracks store them.
TimedBox = tuple[int, int, int, int, int]

BOX_RGB = (60, 255, 90)
FACE_MARGIN = 0.9  # crop this much of the box size again on each side of a tracked face
LABEL_STYLE = Style(color="grey70")


@dataclass(frozen=True, slots=True)
class Grid:
    columns: int
    rows: int
    cell_width: int  # characters per frame
    cell_height: int  # character rows per frame (pixels / 2), label row not included


def fit_grid(count: int, aspect: float, width: int, height: int, gap: int = 1) -> Grid | None:
    """The grid that shows `count` frames of `aspect` (w/h pixels) largest in width×height cells.

    Each frame takes one extra row for its label. None when nothing readable fits.
    """
    best: Grid | None = None
    for columns in range(1, count + 1):
        rows = math.ceil(count / columns)
        w = (width - gap * (columns - 1)) // columns
        h = round(w / aspect / 2)
        if rows * (h + 1) > height:
            h = height // rows - 1
            w = min(w, round(h * 2 * aspect))
        if w < 4 or h < 2:
            continue
        if best is None or w * h > best.cell_width * best.cell_height:
            best = Grid(columns, rows, w, h)
    return best


def box_at(boxes: Sequence[TimedBox], time_ms: int, tolerance_ms: int = 500) -> Box | None:
    """The tracked box nearest to `time_ms`, if one is within `tolerance_ms`."""
    if not boxes:
        return None
    nearest = min(boxes, key=lambda b: abs(b[0] - time_ms))
    if abs(nearest[0] - time_ms) > tolerance_ms:
        return None
    return nearest[1], nearest[2], nearest[3], nearest[4]


def scale_box(box: Box, scale: float) -> Box:
    return tuple(round(v * scale) for v in box)  # type: ignore[return-value]


def crop_to_face(image: np.ndarray, box: Box) -> tuple[np.ndarray, Box]:
    """Crop around a face (with margin); returns the crop and the box in its coordinates."""
    height, width = image.shape[:2]
    left, top, right, bottom = box
    mx, my = (right - left) * FACE_MARGIN, (bottom - top) * FACE_MARGIN
    x0, y0 = max(0, int(left - mx)), max(0, int(top - my))
    x1, y1 = min(width, int(right + mx)), min(height, int(bottom + my))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return image, box
    return image[y0:y1, x0:x1], (left - x0, top - y0, right - x0, bottom - y0)


def draw_box(image: np.ndarray, box: Box, rgb: tuple[int, int, int] = BOX_RGB) -> np.ndarray:
    """A copy of `image` with a one-pixel rectangle outline (clipped to the image)."""
    out = image.copy()
    height, width = out.shape[:2]
    left, top = max(0, box[0]), max(0, box[1])
    right, bottom = min(width - 1, box[2]), min(height - 1, box[3])
    if right <= left or bottom <= top:
        return out
    out[top, left : right + 1] = rgb
    out[bottom, left : right + 1] = rgb
    out[top : bottom + 1, left] = rgb
    out[top : bottom + 1, right] = rgb
    return out


def resize(image: np.ndarray, width: int, height_px: int) -> np.ndarray:
    return np.asarray(
        Image.fromarray(image).resize((width, height_px), Image.Resampling.BILINEAR)
    )


# Colours are rounded to 6 bits a channel (invisible in a terminal) so neighbouring cells
# share styles: runs of equal cells become one segment, and styles are reused.
_QUANT = 0xFC
_STYLES: dict[int, Style] = {}
_MAX_STYLES = 1024  # few enough that the cache never weighs on the garbage collector


def _style(key: int) -> Style:
    style = _STYLES.get(key)
    if style is None:
        if len(_STYLES) >= _MAX_STYLES:
            _STYLES.clear()
        top, bottom = key >> 24, key & 0xFFFFFF
        style = _STYLES[key] = Style.from_color(
            Color.from_rgb(top >> 16, (top >> 8) & 0xFF, top & 0xFF),
            Color.from_rgb(bottom >> 16, (bottom >> 8) & 0xFF, bottom & 0xFF),
        )
    return style


def halfblock_lines(pixels: np.ndarray) -> list[list[Segment]]:
    """Segments for an (2·rows, cols, 3) image: "▀" cells, top pixel fg, bottom pixel bg."""
    if pixels.shape[0] % 2:
        pixels = np.vstack([pixels, pixels[-1:]])
    rgb = (pixels & _QUANT).astype(np.int64)
    packed = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    keys = (packed[0::2] << 24) | packed[1::2]  # one 48-bit key per cell
    lines = []
    for row in keys:
        starts = np.flatnonzero(np.concatenate(([True], row[1:] != row[:-1])))
        ends = np.append(starts[1:], len(row))
        lines.append([Segment("▀" * int(e - b), _style(int(row[b])))
                      for b, e in zip(starts, ends, strict=True)])
    return lines


@dataclass(frozen=True, slots=True)
class Keyframe:
    image: np.ndarray  # RGB, H×W×3 uint8
    label: str
    box: Box | None = None  # the tracked face, in this image's pixels


class FrameGrid:
    """A rich renderable: keyframes in a grid, each with a label row under it."""

    def __init__(self, frames: Sequence[Keyframe], width: int, height: int) -> None:
        self.lines: list[list[Segment]] = []
        self.width = width
        if not frames or width < 4 or height < 3:
            return
        prepared = [self._prepare(f) for f in frames]
        aspect = max(img.shape[1] / img.shape[0] for img, _ in prepared)
        grid = fit_grid(len(prepared), aspect, width, height)
        if grid is None:
            return
        tiles = []
        for (image, box), frame in zip(prepared, frames, strict=True):
            scale = grid.cell_width / image.shape[1]
            pixels = resize(image, grid.cell_width, grid.cell_height * 2)
            if box is not None:
                sy = grid.cell_height * 2 / image.shape[0]
                pixels = draw_box(pixels, (round(box[0] * scale), round(box[1] * sy),
                                           round(box[2] * scale), round(box[3] * sy)))
            label = frame.label[: grid.cell_width].ljust(grid.cell_width)
            tiles.append([*halfblock_lines(pixels), [Segment(label, LABEL_STYLE)]])
        for start in range(0, len(tiles), grid.columns):
            row_tiles = tiles[start : start + grid.columns]
            for line_no in range(grid.cell_height + 1):
                line: list[Segment] = []
                for i, tile in enumerate(row_tiles):
                    if i:
                        line.append(Segment(" "))
                    line.extend(tile[line_no])
                self.lines.append(line)

    @staticmethod
    def _prepare(frame: Keyframe) -> tuple[np.ndarray, Box | None]:
        if frame.box is None:
            return frame.image, None
        return crop_to_face(frame.image, frame.box)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines:
            yield from line
            yield Segment.line()


def keyframe_times(start_ms: int, end_ms: int, count: int) -> list[int]:
    """`count` times spread evenly inside the clip (centres of equal slices)."""
    span = end_ms - start_ms
    return [start_ms + round((i + 0.5) * span / count) for i in range(count)]


def frames_with_boxes(
    images: Iterable[np.ndarray],
    times_ms: Sequence[int],
    boxes: Sequence[TimedBox],
    film_width: int,
) -> list[Keyframe]:
    """Keyframes labelled with their time, each with the nearest tracked box scaled to it."""
    frames = []
    for image, time_ms in zip(images, times_ms, strict=True):
        box = box_at(boxes, time_ms)
        if box is not None and film_width:
            box = scale_box(box, image.shape[1] / film_width)
        frames.append(Keyframe(image, f"{time_ms / 1000:.2f} s", box))
    return frames
