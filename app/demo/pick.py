"""A weighted choice drawn from a `random.Random`, with its cumulative weights computed once."""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Pick:
    """A weighted choice with its cumulative weights computed once."""

    choices: tuple[str, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, choices: Sequence[str], weights: Sequence[float]) -> Pick:
        return cls(tuple(choices), tuple(itertools.accumulate(weights)))

    def pick(self, rng: random.Random) -> str:
        i = bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])
        return self.choices[min(i, len(self.choices) - 1)]
