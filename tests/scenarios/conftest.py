"""Fixtures of the scenario suite; the demo deployment itself is built in ``world.py``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from world import World, build_world


@pytest.fixture
def world(tmp_path: Path) -> Iterable[World]:
    w = build_world(tmp_path=tmp_path)
    yield w
    for store in w.status_stores.values():
        store.close()


@pytest.fixture
def world_factory(tmp_path: Path) -> Iterable[Callable[..., World]]:
    made: list[World] = []

    def make(**kwargs: Any) -> World:
        w = build_world(tmp_path=None, **kwargs)
        made.append(w)
        return w

    yield make
    for w in made:
        for store in w.status_stores.values():
            store.close()
