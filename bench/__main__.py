"""`python -m bench [pages] [pdf] [workers]`: runs the benchmarks and prints one table (bench/run sets the env).
`python -m bench scale_data [options]` writes the scale data the pages benchmark reads (bench/scale_data.py).

Each benchmark runs in a process of its own on databases of its own (`pages` on DATABASE_URL's, the
others on `<name>_pdf`, `<name>_workers`): the data one generates never changes what another measures.
"""

import dataclasses
import importlib
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

from .common import Ratio, format_table

BENCHMARKS = ("pages", "pdf", "workers")


def _database_url(url: str, suffix: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/").replace("_sandbox", "") + suffix))


def _environment(name: str) -> dict:
    env = dict(os.environ)
    if name != "pages":
        main = env["DATABASE_URL"]
        env["DATABASE_URL"] = _database_url(main, f"_{name}")
        env["SANDBOX_DATABASE_URL"] = _database_url(main, f"_{name}_sandbox")
    return env


def _run_one(name: str) -> list[Ratio]:
    """The benchmark in a child process, which writes its ratios to a file (its stdout is progress)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as output:
        subprocess.run([sys.executable, "-m", "bench", "--one", name, output.name], env=_environment(name), check=True)
        return [Ratio(**fields) for fields in json.load(open(output.name))]


def _setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "controlpanel.settings")
    django.setup()


def _child(name: str, path: str) -> None:
    _setup_django()
    ratios = importlib.import_module(f"bench.{name}").run()
    with open(path, "w") as output:
        json.dump([dataclasses.asdict(r) for r in ratios], output)


def main(names: list[str]) -> int:
    if names[:1] == ["--one"]:
        _child(names[1], names[2])
        return 0
    if names[:1] == ["scale_data"]:
        _setup_django()
        return importlib.import_module("bench.scale_data").main(names[1:])
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; choose from {', '.join(BENCHMARKS)}")
        return 2
    ratios = [ratio for name in names or BENCHMARKS for ratio in _run_one(name)]
    machine = f"{platform.node()}, {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}"
    print(f"\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine}\n")
    print(format_table(ratios))
    return 0 if all(r.ok for r in ratios) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
