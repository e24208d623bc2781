"""High dynamic range pictures (HDR10's PQ, broadcast HLG), and standard ones in BT.2020's
colours, made standard BT.709 video, pure.

An HDR film's code values mean light levels up to 10,000 nits in BT.2020's wider
colours. Read as if they were standard video (BT.709, gamma), they come out flat and
faded: the face check still finds faces, but the crops a dataset keeps would be off every
other source's colours. So a picture is taken to light (the transfer's own curve), its
colours to BT.709's, and its levels to standard range: HDR's reference white (203 nits,
ITU-R BT.2408) is put at standard white's level, darker tones keep their level, and
highlights above a knee (75% of white) are rolled off towards white instead of clipped;
reference white itself then shows at 242 of 255, leaving room for highlights. Then it is
encoded for a BT.1886 display (gamma 2.4), as standard video is. A standard-range picture
in BT.2020's colours (some UHD video) only has its colours taken to BT.709's: read as
BT.709, they are dull.
"""

from __future__ import annotations

import functools

import numpy as np

# ffmpeg's transfer characteristics (AVColorTransferCharacteristic) of HDR video.
PQ = 16  # SMPTE ST 2084: HDR10, Dolby Vision's base layer
HLG = 18  # ARIB STD-B67: broadcast HDR

# ffmpeg's colour primaries (AVColorPrimaries).
BT709_PRIMARIES, BT2020_PRIMARIES = 1, 9

REFERENCE_WHITE_NITS = 203.0
KNEE = 0.75  # of standard white: below it, light is kept as it is

# ST 2084's constants.
_M1, _M2 = 2610 / 16384, 2523 / 4096 * 128
_C1, _C2, _C3 = 3424 / 4096, 2413 / 4096 * 32, 2392 / 4096 * 32
# BT.2100's HLG constants; its display is taken to be 1,000 nits (system gamma 1.2).
_A, _B, _C = 0.17883277, 0.28466892, 0.55991073
_HLG_PEAK_NITS, _HLG_GAMMA = 1000.0, 1.2
# Linear BT.2020 to linear BT.709 colours (ITU-R BT.2087).
_BT2020_TO_BT709 = np.array([
    [1.6605, -0.5876, -0.0728],
    [-0.1246, 1.1329, -0.0083],
    [-0.0182, -0.1006, 1.1187],
], dtype=np.float32)


def is_hdr(transfer: int) -> bool:
    return transfer in (PQ, HLG)


def needs_mapping(transfer: int, primaries: int) -> bool:
    """Whether a picture is made BT.709 video here (`standard_range`): it is HDR, or its
    colours are BT.2020's."""
    return is_hdr(transfer) or primaries == BT2020_PRIMARIES


def pq_nits(signal: np.ndarray) -> np.ndarray:
    """PQ code values (0..1) as light in nits (ST 2084's EOTF)."""
    p = np.power(np.clip(signal, 0, 1), 1 / _M2)
    return 10000 * np.power(np.maximum(p - _C1, 0) / (_C2 - _C3 * p), 1 / _M1)


def pq_signal(nits: np.ndarray) -> np.ndarray:
    """Light in nits as PQ code values (0..1): `pq_nits`' inverse."""
    y = np.power(np.clip(nits / 10000, 0, 1), _M1)
    return np.power((_C1 + _C2 * y) / (1 + _C3 * y), _M2)


def hlg_nits(signal: np.ndarray) -> np.ndarray:
    """HLG code values (0..1, RGB last) as light in nits on a 1,000-nit display (BT.2100's
    inverse OETF, then its OOTF on the scene's luminance)."""
    e = np.clip(signal, 0, 1)
    with np.errstate(over="ignore"):
        scene = np.where(e <= 0.5, e * e / 3, (np.exp((e - _C) / _A) + _B) / 12)
    luminance = scene @ np.array([0.2627, 0.6780, 0.0593], dtype=scene.dtype)
    gain = np.power(np.maximum(luminance, 1e-6), _HLG_GAMMA - 1)[..., None]
    return _HLG_PEAK_NITS * gain * scene


def roll_off(level: np.ndarray) -> np.ndarray:
    """Light relative to standard white: kept below `KNEE`, above it approaching 1
    smoothly, brighter still brighter (the curve and its slope are continuous at the
    knee)."""
    above = np.maximum(level - KNEE, 0) / (1 - KNEE)
    rolled = KNEE + (1 - KNEE) * above / (1 + above)  # twice white: 0.96; 49 times: 0.999
    return np.where(level <= KNEE, level, rolled)


def standard_range(rgb: np.ndarray, transfer: int,
                   primaries: int = BT2020_PRIMARIES) -> np.ndarray:
    """A picture `needs_mapping` (RGB last, 16-bit code values of its full range, as
    swscale gives `rgb48`) as 8-bit BT.709 RGB for a gamma 2.4 display. HDR colours are
    taken as BT.2020's unless `primaries` says BT.709."""
    import cv2

    to_light = _code_to_nits(transfer)[rgb]  # PQ, gamma: nits; HLG: scene light, 0..1
    if transfer == HLG:  # its display light depends on the scene's luminance
        luminance = cv2.transform(to_light, _HLG_LUMINANCE)
        gain = _HLG_PEAK_NITS * np.power(np.maximum(luminance, 1e-6), _HLG_GAMMA - 1)
        to_light *= gain[..., None] if gain.ndim == 2 else gain
    colours = _SCALE_ONLY if primaries == BT709_PRIMARIES else _TO_STANDARD_WHITE
    light = cv2.transform(to_light, colours)  # BT.709 colours, white = 1
    return _encode(light, roll=is_hdr(transfer))


_HLG_LUMINANCE = np.array([[0.2627, 0.6780, 0.0593]], dtype=np.float32)
_TO_STANDARD_WHITE = (_BT2020_TO_BT709 / REFERENCE_WHITE_NITS).astype(np.float32)
_SCALE_ONLY = (np.eye(3) / REFERENCE_WHITE_NITS).astype(np.float32)


@functools.cache
def _code_to_nits(transfer: int) -> np.ndarray:
    """Every 16-bit code value's light: 65,536 entries, one look-up a pixel."""
    codes = np.arange(65536, dtype=np.float64) / 65535
    if transfer == PQ:
        return pq_nits(codes).astype(np.float32)
    if transfer != HLG:  # standard video: a BT.1886 display's light, white at reference
        return (REFERENCE_WHITE_NITS * codes ** 2.4).astype(np.float32)
    return np.where(codes <= 0.5, codes * codes / 3,
                    (np.exp((codes - _C) / _A) + _B) / 12).astype(np.float32)


# Light to 8-bit code through one table, indexed by the float's own bits: its exponent and
# the top 11 bits of its mantissa, a step of 1/2048 of the value (0.05%) at every level,
# finer than 8-bit output needs near black and above white. Three times the speed of
# computing the curve (power, division) on every pixel.
_DROPPED_BITS = 12
_LOWEST = int(np.float32(2.0 ** -26).view(np.int32)) >> _DROPPED_BITS  # darker: black
_HIGHEST = int(np.float32(2.0 ** 7).view(np.int32)) >> _DROPPED_BITS  # 128 times white


@functools.cache
def _light_to_code(roll: bool) -> np.ndarray:
    keys = np.arange(_LOWEST, _HIGHEST + 1, dtype=np.int64) << _DROPPED_BITS
    middles = (keys + (1 << (_DROPPED_BITS - 1))).astype(np.int32).view(np.float32)
    level = middles.astype(np.float64)
    level = roll_off(level) if roll else np.minimum(level, 1)
    table = np.round(255 * np.power(level, 1 / 2.4))
    table[0] = 0
    return table.astype(np.uint8)


def _encode(light: np.ndarray, *, roll: bool) -> np.ndarray:
    """Light relative to standard white (float32) as 8-bit code for a gamma 2.4 display,
    rolled off above the knee (`roll`) or clipped at white; below zero (outside BT.709's
    colours) is black."""
    index = (light.view(np.int32) >> _DROPPED_BITS) - _LOWEST  # negatives: far below 0
    np.clip(index, 0, _HIGHEST - _LOWEST, out=index)
    return _light_to_code(roll)[index]
