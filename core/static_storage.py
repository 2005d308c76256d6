"""The production static files storage: WhiteNoise's compressed, hashed storage whose `url` is computed once per
file and process.

The manifest (staticfiles.json) is read once when the storage is built and does not change while the process
runs, so a file's hashed URL is the same for the whole process; computing it (manifest lookup, URL parsing and
joining) cost about 20 µs per `{% static %}`, and every page has three or four (docs/performance.md). The
memo is bounded all the same, and a name missing from the manifest still raises on every call (`lru_cache`
keeps no exception). `force=True` (the hashed name even under DEBUG) is rare and goes straight through.
"""

from functools import lru_cache

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._url_of = lru_cache(maxsize=1024)(super().url)

    def url(self, name, force=False):
        return super().url(name, force) if force else self._url_of(name)
