"""What every benchmark reports: ratios measured side by side in one run, never absolute targets.

Each benchmark module exposes `run() -> list[Ratio]`; `bench/run` collects them and prints one table.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Ratio:
    """One measured ratio and the limit the issue sets for it.

    `measured` and `baseline` are in `unit` (req/s, s, tasks/s…); `ratio` is measured / baseline.
    With `at_least` the ratio must reach `limit`, otherwise it must stay at or below it.
    """

    name: str
    measured: float
    baseline: float
    unit: str
    limit: float
    at_least: bool
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.measured / self.baseline if self.baseline else float("inf")

    @property
    def ok(self) -> bool:
        return self.ratio >= self.limit if self.at_least else self.ratio <= self.limit


def format_table(ratios: list[Ratio]) -> str:
    """A Markdown table, pasted as it is into the README."""
    lines = [
        "| Benchmark | Measured | Baseline | Ratio | Limit | OK |",
        "|---|---:|---:|---:|---:|:-:|",
    ]
    for r in ratios:
        sign = "≥" if r.at_least else "≤"
        lines.append(
            f"| {r.name} | {r.measured:,.3g} {r.unit} | {r.baseline:,.3g} {r.unit} | {r.ratio:.3f} "
            f"| {sign} {r.limit:g} | {'yes' if r.ok else 'NO'} |"
        )
    return "\n".join(lines)
