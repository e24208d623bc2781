"""Clip proposals from analysed cues: `propose_windows(analyzed, *, film_duration_ms, params)`."""

from curator.proposals.windows import WindowParams, propose_windows

__all__ = ["WindowParams", "propose_windows"]
