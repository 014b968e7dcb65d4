"""What a benchmark returns, and the one table (plus JSON) the runner prints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple


class Row(NamedTuple):
    figure: str
    value: float
    unit: str
    reference: float | None  # measured in the same run; None when there is nothing to compare with
    reference_label: str
    target: str  # e.g. "≤ 3.0x"; "" for an informational figure
    passed: bool | None  # None for an informational figure

    @property
    def ratio(self) -> float | None:
        if self.reference in (None, 0):
            return None
        return self.value / self.reference


def _number(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _cells(row: Row) -> list[str]:
    reference = "—" if row.reference is None else f"{_number(row.reference)} {row.unit} ({row.reference_label})"
    ratio = "—" if row.ratio is None else f"{row.ratio:.2f}x"
    ok = "—" if row.passed is None else ("yes" if row.passed else "NO")
    return [row.figure, f"{_number(row.value)} {row.unit}", reference, ratio, row.target or "—", ok]


def render_table(rows: list[Row]) -> str:
    header = ["figure", "value", "reference (same run)", "ratio", "target", "ok"]
    lines = [header] + [_cells(row) for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]

    def fmt(cells):
        return " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    rule = "-+-".join("-" * width for width in widths)
    return "\n".join([fmt(header), rule, *(fmt(cells) for cells in lines[1:])])


def write_json(rows: list[Row], path: Path, meta: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        **meta,
        "rows": [{**row._asdict(), "ratio": row.ratio} for row in rows],
    }
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
