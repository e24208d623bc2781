"""dlib's face-recognition network, run with numpy on dlib's own weights.

face-recognition's 128-d encodings come from a ResNet that dlib runs on the CPU
with its own matrix code (the dlib wheel is built without BLAS): ~57 ms per face on
the development machine, a fifth of the face check's time. The same network, with
the same weights read from the same file of face-recognition-models, run as numpy
matrix products (numpy's OpenBLAS, one thread) takes ~8.5 ms. The tests hold the two
to the same encodings.

The network (dlib's `dnn_face_recognition_ex.cpp` describes it): a 7x7/2 convolution
with 32 filters, a 3x3/2 max pool, then 14 residual blocks (3 of 32 channels, 4 of
64, 3 of 128, 4 of 256; the first of each wider set halves the size, as does the
last), an average over what is left of the picture, and a 128x256 linear map. Each
block is conv-affine-relu-conv-affine plus its input (average-pooled 2x2/2 where it
halves), then relu. dlib's affine layers are its batch norms frozen: a scale and a
shift per channel, folded here into the convolution before them. Where a block's two
branches differ in size (more channels; and 3x3 against 4x4, from 8x8), dlib adds
them as if the smaller were padded with zeros at its end: so does `_add_padded`.
A convolution is one matrix product: every k x k patch of the (rows, columns,
channels) picture laid out as a row, times the filters laid out as columns.

Reading the file: dlib writes integers as a byte giving their length (and sign)
then little-endian bytes, strings as such a length then the characters, floats as
a mantissa and an exponent (two such integers), and a tensor as a version (2), four
dimensions, then its values as little-endian float32. Only the layers that carry
numbers are read (the input's channel means, 29 convolutions, 29 affines, the final
linear map), each found by its name after the previous one; the shape of every
convolution is checked against the network above.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from curator.errors import CuratorError

CHIP_SIZE = 150
# (channels, halves the size) of the residual blocks, from the input on.
_BLOCKS = ([(32, False)] * 3 + [(64, True)] + [(64, False)] * 3 + [(128, True)]
           + [(128, False)] * 2 + [(256, True)] + [(256, False)] * 2 + [(256, True)])


@dataclass(frozen=True)
class Conv:
    filters: np.ndarray  # (k*k*in, out) float32: row (i, j, c) of a patch; affine folded in
    bias: np.ndarray  # (out,)
    kernel: int
    stride: int
    padding: int


@dataclass(frozen=True)
class ResnetWeights:
    channel_means: np.ndarray  # (3,) R, G, B, subtracted before dividing by 256
    stem: Conv
    blocks: list[tuple[Conv, Conv, bool]]  # (first conv, second conv, halves the size)
    projection: np.ndarray  # (256, 128): the averaged channels in, the descriptor out


class _DlibStream:
    """Reads dlib's serialization format from a bytes buffer (see the module doc)."""

    def __init__(self, data: bytes, name: str) -> None:
        self.data, self.name, self.pos = data, name, 0

    def integer(self) -> int:
        head = self._take(1)[0]
        value = int.from_bytes(self._take(head & 0x0F), "little")
        return -value if head & 0x80 else value

    def real(self) -> float:
        mantissa = self.integer()
        return float(mantissa * 2.0 ** self.integer())

    def tensor(self) -> np.ndarray:
        version = self.integer()
        if version != 2:
            raise self.error(f"tensor version {version} (this reader knows 2)")
        shape = [self.integer() for _ in range(4)]
        count = int(np.prod(shape))
        values = np.frombuffer(self._take(4 * count), "<f4").astype(np.float32)
        return values.reshape(shape)

    def seek_layer(self, layer: str) -> None:
        """Move past the next occurrence of the layer name `layer`."""
        marker = bytes([1, len(layer)]) + layer.encode()
        found = self.data.find(marker, self.pos)
        if found < 0:
            raise self.error(f"no {layer} layer where one was expected")
        self.pos = found + len(marker)

    def error(self, problem: str) -> CuratorError:
        return CuratorError(f"{self.name}: not the face-recognition network expected: {problem}")

    def _take(self, count: int) -> bytes:
        if self.pos + count > len(self.data):
            raise self.error("the file ends early")
        chunk = self.data[self.pos:self.pos + count]
        self.pos += count
        return chunk


def read_resnet_weights(path: Path) -> ResnetWeights:
    """The weights of `dlib_face_recognition_resnet_model_v1.dat`, ready for `FaceEncoder`."""
    stream = _DlibStream(Path(path).read_bytes(), str(path))
    stream.seek_layer("input_rgb_image_sized")
    means = np.array([stream.real() for _ in range(3)], np.float32)
    stem = _conv_affine(stream, in_channels=3, out_channels=32, kernel=7, stride=2, padding=0)
    blocks = []
    in_channels = 32
    for channels, halves in _BLOCKS:
        first = _conv_affine(stream, in_channels=in_channels, out_channels=channels, kernel=3,
                             stride=2 if halves else 1, padding=0 if halves else 1)
        second = _conv_affine(stream, in_channels=channels, out_channels=channels, kernel=3,
                              stride=1, padding=1)
        blocks.append((first, second, halves))
        in_channels = channels
    stream.seek_layer("fc_2")
    outputs, inputs = stream.integer(), stream.integer()
    matrix = stream.tensor()
    if (outputs, inputs) != (128, in_channels) or matrix.shape != (inputs, outputs, 1, 1):
        raise stream.error(f"a final map of {inputs} -> {outputs}, not {in_channels} -> 128")
    return ResnetWeights(means, stem, blocks, np.ascontiguousarray(matrix[:, :, 0, 0]))


def _conv_affine(
    stream: _DlibStream, *, in_channels: int, out_channels: int, kernel: int, stride: int,
    padding: int,
) -> Conv:
    """The next convolution and the affine layer after it, folded into one convolution."""
    stream.seek_layer("con_4")
    params = stream.tensor().ravel()
    geometry = tuple(stream.integer() for _ in range(7))
    expected = (out_channels, kernel, kernel, stride, stride, padding, padding)
    weights = out_channels * in_channels * kernel * kernel
    if geometry != expected or params.size != weights + out_channels:
        raise stream.error(
            f"a convolution {geometry} of {params.size} numbers where {expected} of "
            f"{weights + out_channels} was expected"
        )
    stream.seek_layer("affine_")
    scale_shift = stream.tensor().ravel()
    if scale_shift.size != 2 * out_channels:
        raise stream.error(f"an affine layer of {scale_shift.size} numbers after "
                           f"a convolution of {out_channels} channels")
    scale, shift = scale_shift[:out_channels], scale_shift[out_channels:]
    weight = params[:weights].reshape(out_channels, in_channels, kernel, kernel)
    weight = weight * scale[:, None, None, None]  # (out, in, k, k) -> rows (k, k, in)
    return Conv(
        filters=np.ascontiguousarray(weight.transpose(2, 3, 1, 0).reshape(-1, out_channels),
                                     np.float32),
        bias=(params[weights:] * scale + shift).astype(np.float32),
        kernel=kernel,
        stride=stride,
        padding=padding,
    )


class FaceEncoder:
    """128-d face descriptors of aligned 150x150 RGB face chips (`dlib.get_face_chip`).

    numpy's BLAS may use several threads for the products; the face check holds it to
    one per worker (pool.py), as each worker already has a core.
    """

    def __init__(self, weights: ResnetWeights) -> None:
        self.weights = weights

    @classmethod
    def from_file(cls, path: Path) -> FaceEncoder:
        return cls(read_resnet_weights(path))

    def encode(self, chip: np.ndarray) -> np.ndarray:
        """The descriptor of one chip, as dlib's `compute_face_descriptor` gives it."""
        if chip.shape != (CHIP_SIZE, CHIP_SIZE, 3):
            raise ValueError(f"a face chip is {CHIP_SIZE}x{CHIP_SIZE}x3, not {chip.shape}")
        w = self.weights
        x = (chip.astype(np.float32) - w.channel_means) / np.float32(256.0)
        x = _max_pool(_relu(_convolve(x, w.stem)), size=3, stride=2)
        for first, second, halves in w.blocks:
            branch = _convolve(_relu(_convolve(x, first)), second)
            x = _relu(_add_padded(branch, _average_pool(x) if halves else x))
        return (x.mean(axis=(0, 1)) @ w.projection).astype(np.float32)


def _convolve(x: np.ndarray, conv: Conv) -> np.ndarray:
    """x (rows, columns, channels) convolved: each patch a row, times the filters."""
    if conv.padding:
        pad = conv.padding
        x = np.pad(x, ((pad, pad), (pad, pad), (0, 0)))
    k, step = conv.kernel, conv.stride
    patches = sliding_window_view(x, (k, k), axis=(0, 1))[::step, ::step]  # (r, c, ch, k, k)
    rows, columns = patches.shape[:2]
    matrix = patches.transpose(0, 1, 3, 4, 2).reshape(rows * columns, -1)
    return (matrix @ conv.filters + conv.bias).reshape(rows, columns, -1)


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0, out=x)


def _max_pool(x: np.ndarray, *, size: int, stride: int) -> np.ndarray:
    return sliding_window_view(x, (size, size), axis=(0, 1))[::stride, ::stride].max(axis=(3, 4))


def _average_pool(x: np.ndarray) -> np.ndarray:
    """2x2, stride 2, no padding (a last odd row or column is left out, as dlib does)."""
    return sliding_window_view(x, (2, 2), axis=(0, 1))[::2, ::2].mean(axis=(3, 4))


def _add_padded(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a + b as dlib adds tensors of different sizes: each padded with zeros at its end
    (rows, columns, channels) to the larger of the two in each."""
    if a.shape == b.shape:
        return a + b
    total = np.zeros([max(p, q) for p, q in zip(a.shape, b.shape, strict=True)], np.float32)
    total[:a.shape[0], :a.shape[1], :a.shape[2]] += a
    total[:b.shape[0], :b.shape[1], :b.shape[2]] += b
    return total
