"""What every stage runs with: the cell's command runner, its progress output, and uv."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .commands import CommandRunner
from .progress import Progress


@dataclass(frozen=True)
class StageContext:
    runner: CommandRunner  # every command of the cell, logged to its cell.log
    progress: Progress
    uv: str
    shared_cache: Path  # build envs, sdists, the interpreter cache

    def say(self, text: str) -> None:
        self.progress.say(text)
