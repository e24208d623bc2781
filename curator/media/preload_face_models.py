"""Loads the face models every face check uses, when imported.

Imported only by the fork server that face-check workers are forked from (pool.py),
first of what it imports: loaded there once, the models are in each worker from its
first moment, instead of each worker reading them from disk again (~0.7 s of CPU
apiece). The server also stops hearing Ctrl-C here: the caller alone acts on it, and
the workers forked later keep this setting (a Ctrl-C while the server loaded printed
its traceback beside the caller's one-line message).
"""

from __future__ import annotations

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)

from curator.media.detect import face_model  # noqa: E402 - deaf to Ctrl-C first

try:
    for _name in ("hog", "landmarks68", "encoder"):
        face_model(_name)
except Exception:  # the server must start: each worker's own load then reports it (facecheck)
    face_model.cache_clear()
