"""The defect list of one parsed mail: short notes, in order, without repeats, capped.

Owns: how notes are phrased when tied to a place ("<note> in part 1.2") and the cap that
keeps a mail built to be broken from producing an item too big to store.
"""
from __future__ import annotations

MAX_DEFECTS = 200


class DefectLog:
    """Collects notes; `as_list` gives at most `MAX_DEFECTS` plus one "N more" line."""

    def __init__(self) -> None:
        self._notes: dict[str, None] = {}
        self._dropped = 0

    def add(self, note: str) -> None:
        if note in self._notes:
            return
        if len(self._notes) >= MAX_DEFECTS:
            self._dropped += 1
            return
        self._notes[note] = None

    def extend(self, notes: list[str], where: str = "") -> None:
        for note in notes:
            self.add(f"{note} in {where}" if where else note)

    def as_list(self) -> list[str]:
        notes = list(self._notes)
        if self._dropped:
            notes.append(f"{self._dropped} more defects not listed")
        return notes
