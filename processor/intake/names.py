"""Roster units by name, for a file or a row that has no code the roster knows."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from processor.model.records import Unit
from processor.text.normalise import abbreviation_key, closest_names, exact_name_key, loose_name_key

# strict to loose (processor/text/normalise.py): a stricter key always wins
NAME_KEYS: tuple[Callable[[str], str], ...] = (exact_name_key, abbreviation_key, loose_name_key)


class NameIndex:
    """Per name key, strictest first: key -> the roster units whose name has it. A key's
    index is made the first time a name is looked up under it, since most files carry a code
    the roster knows: a season of such files makes none (10,000 names cost 0.35 s under the
    three keys), and a name found under the exact key never costs the looser two."""

    def __init__(self, roster: Sequence[Unit]) -> None:
        self._roster = roster
        self._made: list[dict[str, list[Unit]]] = []

    def level(self, depth: int) -> dict[str, list[Unit]]:
        """The index under NAME_KEYS[depth]."""
        while len(self._made) <= depth:
            key_of = NAME_KEYS[len(self._made)]
            index: dict[str, list[Unit]] = {}
            for unit in self._roster:
                index.setdefault(key_of(unit.name), []).append(unit)
            self._made.append(index)
        return self._made[depth]

    def levels(self) -> Iterator[tuple[Callable[[str], str], dict[str, list[Unit]]]]:
        """(key, index) strictest first, each index made only when the loop reaches it."""
        for depth, key_of in enumerate(NAME_KEYS):
            yield key_of, self.level(depth)

    def near(self, name: str) -> list[Unit]:
        """The roster units whose loose key is most like the name's, best first: the "did you
        mean" of a name no key found."""
        loose = self.level(len(NAME_KEYS) - 1)
        return [unit for key in closest_names(loose_name_key(name), list(loose)) for unit in loose[key]]
