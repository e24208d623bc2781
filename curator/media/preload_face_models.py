"""Loads the face models every face check uses, when imported.

Imported only by the fork server that face-check workers are forked from (pool.py):
loaded there once, the models are in each worker from its first moment, instead of
each worker reading them from disk again (~0.85 s of CPU apiece).
"""

from __future__ import annotations

from curator.media.detect import face_model

try:
    for _name in ("hog", "landmarks68", "encoder"):
        face_model(_name)
except Exception:  # the server must start: each worker's own load then reports it
    face_model.cache_clear()
