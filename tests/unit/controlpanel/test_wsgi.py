"""controlpanel.wsgi, as a gunicorn worker imports it: the whole application loaded, then frozen out of the
garbage collector's full collections."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import gc, json, sys
before = gc.get_freeze_count()
import controlpanel.wsgi
print(json.dumps({"before": before, "frozen": gc.get_freeze_count(), "tracked": len(gc.get_objects()),
                  "views_loaded": "orders.views.documents" in sys.modules}))
"""


def test_the_worker_loads_every_view_then_freezes_what_it_loaded():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "controlpanel.settings"}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    # The views are imported by the URLconf before the freeze, not by the first request after it.
    assert found["views_loaded"]
    # What was loaded is frozen (Django, the apps, the views: well over 100 000 objects), and a full collection has
    # almost nothing left to walk.
    assert found["frozen"] - found["before"] > 100_000
    assert found["tracked"] < found["frozen"] / 20
