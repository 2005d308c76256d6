"""core.static_storage: the production storage's URLs are WhiteNoise's, remembered, and a file missing from the
manifest still raises every time."""

import json

import pytest
from whitenoise.storage import CompressedManifestStaticFilesStorage

from core.static_storage import ManifestStaticFilesStorage


@pytest.fixture
def location(tmp_path):
    manifest = {"version": "1.1", "hash": "x", "paths": {"css/app.css": "css/app.0123456789ab.css"}}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return tmp_path


def test_the_urls_are_whitenoises(location):
    ours = ManifestStaticFilesStorage(location=location, base_url="/static/")
    theirs = CompressedManifestStaticFilesStorage(location=location, base_url="/static/")
    for name in ("css/app.css", "css/app.css", "css/app.css#top", "vendor/"):
        assert ours.url(name) == theirs.url(name)
    assert ours.url("css/app.css") == "/static/css/app.0123456789ab.css"
    assert ours.url("css/app.css", force=True) == theirs.url("css/app.css", force=True)


def test_a_file_missing_from_the_manifest_raises_every_time(location):
    storage = ManifestStaticFilesStorage(location=location, base_url="/static/")
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("js/missing.js")
