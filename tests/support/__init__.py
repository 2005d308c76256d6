"""Helpers shared by the test modules of every tier: a test module imports helpers from here, not from another."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout
