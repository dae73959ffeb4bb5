"""The segmentation engine and the imaging I/O are a plain Python/torch library: importing every one
of their modules in a fresh interpreter loads no Django, DRF, Channels or Celery module
(.importlinter states the same rule statically; this proves it at run time)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
FRAMEWORKS = ("django", "rest_framework", "channels", "celery", "guardian", "drf_spectacular")

PROBE = """
import importlib, json, pkgutil, sys
import imaging, segmentation.engine
names = [m.name for package in (imaging, segmentation.engine)
         for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"imported": names, "loaded": sorted(sys.modules)}))
"""


def _probe() -> dict:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}  # no DJANGO_SETTINGS_MODULE
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_importing_the_engine_and_imaging_loads_no_web_framework():
    probe = _probe()
    assert "segmentation.engine.flow" in probe["imported"]
    assert "imaging.dicom_series" in probe["imported"]
    frameworks = [m for m in probe["loaded"] if m.split(".")[0] in FRAMEWORKS]
    assert frameworks == []
