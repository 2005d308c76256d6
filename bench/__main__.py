"""`python -m bench [pages] [pdf] [workers]`: runs the benchmarks and prints one table (bench/run sets the env)."""

import importlib
import os
import platform
import sys
from datetime import UTC, datetime

import django

BENCHMARKS = ("pages", "pdf", "workers")


def main(names: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "controlpanel.settings")
    django.setup()
    from .common import format_table

    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; choose from {', '.join(BENCHMARKS)}")
        return 2
    ratios = []
    for name in names or BENCHMARKS:
        ratios += importlib.import_module(f"bench.{name}").run()
    machine = f"{platform.node()}, {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}"
    print(f"\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine}\n")
    print(format_table(ratios))
    return 0 if all(r.ok for r in ratios) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
