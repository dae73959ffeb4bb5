import pytest


@pytest.fixture
def empty_var_dir(settings, tmp_path):
    """An empty var dir holding the viewer's voxel files and, as in the embedded setup, the
    cache: what a test's code keeps there is all there is."""
    var = tmp_path / "var"
    settings.VAR_DIR = var
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(var / "cache"),
        }
    }
    return var
