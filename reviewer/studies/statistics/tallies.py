"""Tallies of categorical answers: how many of a reader's answers fall in each category of a scale
(grades, lesion verdicts), their shares, and the pooled and mean tallies over readers.

These rebuild the seeds' grade and verdict tables (spec R-WMH-06, R-CMB-03, EASE R-A10.3): the
WMH grade counts per physician and the acceptance rate (Grade I + II) / N, the microbleed
correct / incorrect / missed shares over n = correct + incorrect + missed, and EASE's 1–5 grade
distribution.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Tally:
    """Counts per category, in the scale's order."""

    categories: tuple[str, ...]
    counts: tuple[int, ...]

    def __post_init__(self):
        if len(self.categories) != len(self.counts) or len(set(self.categories)) != len(
            self.categories
        ):
            raise ValueError("one count per distinct category")
        if any(count < 0 for count in self.counts):
            raise ValueError("counts cannot be negative")

    @property
    def total(self) -> int:
        return sum(self.counts)

    def count(self, category: str) -> int:
        return self.counts[self.categories.index(category)]

    def share(self, *categories: str) -> float:
        """The fraction of all answers that fall in any of ``categories``."""
        if self.total == 0:
            raise ValueError("no answers")
        return sum(self.count(category) for category in categories) / self.total

    def to_dict(self) -> dict:
        return {
            "total": self.total,
            "counts": dict(zip(self.categories, self.counts, strict=True)),
            "shares": {category: self.share(category) for category in self.categories}
            if self.total
            else {},
        }


def tally(answers: Iterable[str], categories: Sequence[str]) -> Tally:
    """Count ``answers`` per category; an answer outside the scale is an error, not a new column."""
    counter = Counter(answers)
    unknown = set(counter) - set(categories)
    if unknown:
        raise ValueError(f"answers outside the scale: {sorted(map(str, unknown))}")
    return Tally(tuple(categories), tuple(counter[category] for category in categories))


def pooled(tallies: Sequence[Tally]) -> Tally:
    """All readers' answers together."""
    categories = _same_scale(tallies)
    return Tally(categories, tuple(map(sum, zip(*(t.counts for t in tallies), strict=True))))


def mean_counts(tallies: Sequence[Tally]) -> dict[str, float]:
    """The mean count per category over readers (the seeds' "average" columns)."""
    categories = _same_scale(tallies)
    pool = pooled(tallies)
    return {category: pool.count(category) / len(tallies) for category in categories}


def _same_scale(tallies: Sequence[Tally]) -> tuple[str, ...]:
    if not tallies:
        raise ValueError("no tallies")
    categories = tallies[0].categories
    if any(t.categories != categories for t in tallies):
        raise ValueError("tallies on different scales")
    return categories
