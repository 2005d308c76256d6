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


def _number(value: float) -> str:
    """Three significant digits, but whole numbers from 100 up (no 2.39e+03)."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def format_table(ratios: list[Ratio]) -> str:
    """A Markdown table, pasted as it is into the README."""
    lines = [
        "| Benchmark | Measured | Baseline | Ratio | Limit | OK |",
        "|---|---:|---:|---:|---:|:-:|",
    ]
    for r in ratios:
        sign = "≥" if r.at_least else "≤"
        lines.append(
            f"| {r.name} | {_number(r.measured)} {r.unit} | {_number(r.baseline)} {r.unit} | {r.ratio:.3f} "
            f"| {sign} {r.limit:g} | {'yes' if r.ok else 'NO'} |"
        )
    return "\n".join(lines)


def ensure_databases(*aliases: str) -> None:
    """The databases bench/run names: created when missing (PostgreSQL), then migrated."""
    from django.core.management import call_command
    from django.db import connections

    for alias in aliases:
        database = connections[alias]
        if database.vendor == "postgresql":
            with database._nodb_cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database.settings_dict["NAME"]])
                if cursor.fetchone() is None:
                    cursor.execute(f'CREATE DATABASE "{database.settings_dict["NAME"]}"')
        call_command("migrate", database=alias, verbosity=0, interactive=False)
