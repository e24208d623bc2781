"""The external player's preview: which player, what command, and the cache of cut clips."""

from __future__ import annotations

from pathlib import Path

import pytest

from curator.review import player

from .conftest import DEMO_FILM


def test_the_first_player_found_is_used() -> None:
    found = {"ffplay": "/usr/bin/ffplay"}
    assert player.find_player(found.get) == "/usr/bin/ffplay"
    assert player.find_player(lambda _: None) is None
    assert player.player_command("/usr/bin/ffplay", Path("c.mp4")) == [
        "/usr/bin/ffplay", "-loglevel", "quiet", "-autoexit", "c.mp4"]


def test_a_cut_is_keyed_by_film_and_times(tmp_path: Path) -> None:
    a = player.preview_file(DEMO_FILM, 1000, 2000, tmp_path)
    assert a == player.preview_file(DEMO_FILM, 1000, 2000, tmp_path)
    assert a != player.preview_file(DEMO_FILM, 1000, 2100, tmp_path)
    copy = tmp_path / "copy.mp4"
    copy.write_bytes(DEMO_FILM.read_bytes())
    assert a != player.preview_file(copy, 1000, 2000, tmp_path)  # another file, another cut


def test_the_cache_keeps_the_most_recently_played(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(player, "KEEP_PREVIEWS", 2)
    cuts = [player.preview_file(DEMO_FILM, s, s + 1000, tmp_path) for s in (1000, 3000, 5000)]
    player.cut_preview(DEMO_FILM, 1000, 2000, cuts[0])
    player.cut_preview(DEMO_FILM, 3000, 4000, cuts[1])
    player.cut_preview(DEMO_FILM, 1000, 2000, cuts[0])  # played again: the newest now
    player.cut_preview(DEMO_FILM, 5000, 6000, cuts[2])
    assert sorted(p.name for p in tmp_path.glob("*.mp4")) == sorted([cuts[0].name, cuts[2].name])
