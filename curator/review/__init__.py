"""The review stage: the Textual app (`app.py` and one screen or widget per file) and the
pure figures it shows (`agreement.py`, `queues.py`).

This package's `__init__` imports nothing, so `curator review --stats` and the CLI help
can use the pure modules without loading Textual.
"""
