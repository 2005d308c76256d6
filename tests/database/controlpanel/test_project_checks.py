"""Whole-project checks that belong in every run: lint, Django's system checks, migrations in sync."""
import subprocess
import sys

import pytest
from django.core.management import call_command

from tests.support import ROOT


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db(databases=["default", "sandbox"])
def test_system_checks_pass():
    call_command("check", fail_level="WARNING", databases=["default", "sandbox"])


@pytest.mark.django_db
def test_models_and_migrations_are_in_sync():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
