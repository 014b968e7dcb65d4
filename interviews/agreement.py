"""Inter-coder agreement: pure functions, no Django.

A unit is one (utterance, tag) pair; each coder who coded the utterance's interview gives it a value: 1 when
any of their highlights with the tag overlaps the utterance, else 0. A coder not assigned to that interview
gives no value (missing). Figures:

- percent agreement: the share of units, among those at least two coders rated, on which all of them agree;
- Cohen's kappa: only with exactly two coders, on the units both rated: (p_o - p_e) / (1 - p_e);
- Krippendorff's alpha, nominal: 1 - D_o / D_e from the coincidence matrix, for two or more coders, missing
  values allowed.

Any figure that is undefined (no units, or no variation at all: p_e = 1, D_e = 0) is None, never a guess.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence

# One unit: the value each coder who rated it gave (coders who did not rate it are absent).
Unit = Mapping[Hashable, Hashable]


def pairable(units: Iterable[Unit]) -> list[Unit]:
    """The units at least two coders rated: the only ones agreement can be measured on."""
    return [unit for unit in units if len(unit) >= 2]


def percent_agreement(units: Iterable[Unit]) -> float | None:
    rated = pairable(units)
    if not rated:
        return None
    agreeing = sum(1 for unit in rated if len(set(unit.values())) == 1)
    return agreeing / len(rated)


def cohen_kappa(first: Sequence[Hashable], second: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two coders' values on the same units, in the same order."""
    if len(first) != len(second):
        raise ValueError("Both coders must rate the same units.")
    total = len(first)
    if total == 0:
        return None
    observed = sum(1 for a, b in zip(first, second, strict=True) if a == b) / total
    first_counts, second_counts = Counter(first), Counter(second)
    expected = sum(first_counts[value] * second_counts[value] for value in first_counts) / (total * total)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def krippendorff_alpha_nominal(units: Iterable[Unit]) -> float | None:
    """Krippendorff's alpha for nominal values; units with fewer than two values are not pairable and ignored."""
    coincidences: Counter = Counter()
    for unit in pairable(units):
        values = list(unit.values())
        weight = 1 / (len(values) - 1)
        for i, first in enumerate(values):
            for j, second in enumerate(values):
                if i != j:
                    coincidences[(first, second)] += weight
    margins: Counter = Counter()
    for (first, _), count in coincidences.items():
        margins[first] += count
    total = sum(margins.values())
    if total <= 1:
        return None
    observed = sum(count for (first, second), count in coincidences.items() if first != second) / total
    expected = sum(
        margins[first] * margins[second] for first in margins for second in margins if first != second
    ) / (total * (total - 1))
    if expected == 0:
        return None
    return 1 - observed / expected


def figures(coders: Sequence[Hashable], units: Sequence[Unit]) -> dict:
    """``{"kappa", "alpha", "percent_agreement", "units"}`` for ``units`` rated by ``coders``."""
    rated = pairable(units)
    kappa = None
    if len(coders) == 2:
        first, second = coders
        both = [unit for unit in rated if first in unit and second in unit]
        kappa = cohen_kappa([unit[first] for unit in both], [unit[second] for unit in both])
    return {
        "kappa": kappa,
        "alpha": krippendorff_alpha_nominal(rated),
        "percent_agreement": percent_agreement(rated),
        "units": len(rated),
    }


def agreement(coders: Sequence[Hashable], units_by_tag: Mapping[Hashable, Sequence[Unit]]) -> dict:
    """Per tag and overall (all tags' units pooled): ``{"coders", "overall", "tags": [{"tag", ...}]}``."""
    pooled = [unit for units in units_by_tag.values() for unit in units]
    return {
        "coders": list(coders),
        "overall": figures(coders, pooled),
        "tags": [{"tag": tag, **figures(coders, units)} for tag, units in units_by_tag.items()],
    }
