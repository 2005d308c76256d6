"""WSGI entry point for gunicorn (and `runserver`, through WSGI_APPLICATION).

Each process that serves the panel loads the whole application here, its URLconf (and so every view) included,
then freezes what it loaded out of the garbage collector's reach (`gc.freeze`): those 200 000 objects live as long
as the process, yet every full collection walked them all, a pause of about 90 ms every few thousand requests
(docs/performance.md). A frozen object is still freed when nothing refers to it; only cycles among them would stay.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "controlpanel.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 -- imports every view now, rather than on the first request
gc.collect()
gc.freeze()
