"""The instructors' kit (tools/prefetch.py) and the readiness check (tools/preflight.py).

Both run against the read-only mirror ../shared, with downloads switched off.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("WORKSHOP_TEST_MIRROR", ROOT.parent / "shared"))
OFFLINE_WEIGHTS = ["imagenet_class_index.json", "mobilenet_2_5_224_tf.h5", "mobilenet_2_5_224_tf_no_top.h5"]
pytestmark = pytest.mark.skipif(not (SHARED / "keras" / "models").is_dir(), reason="needs the ../shared mirror")


def run_tool(tool, *args, mirror, keras_home=None):
    """Run one of the tools with a mirror (and optionally an empty Keras cache); return (rc, output)."""
    env = dict(os.environ, WORKSHOP_MIRROR=str(mirror))
    if keras_home is not None:
        env["WORKSHOP_KERAS_HOME"] = str(keras_home)
    done = subprocess.run([sys.executable, str(ROOT / "tools" / tool), *map(str, args)],
                          env=env, capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout + done.stderr


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    """An offline-profile kit made from ../shared, as an instructor would."""
    dest = tmp_path_factory.mktemp("kit")
    rc, output = run_tool("prefetch.py", "--profile", "offline", "--dest", dest, "--no-download", mirror=SHARED)
    assert rc == 0, output
    return dest


def test_prefetch_copies_and_verifies_every_offline_file(kit):
    assert sorted(p.name for p in (kit / "keras" / "models").iterdir()) == OFFLINE_WEIGHTS
    registry = (ROOT / "data" / "registry.tsv").read_text().splitlines()[1:]
    assert all((kit / line.split("\t")[0]).is_file() for line in registry)
    assert not list(kit.rglob("*.part"))


def test_prefetch_reports_a_missing_file_and_fails(tmp_path):
    source = tmp_path / "source"
    (source / "keras" / "models").mkdir(parents=True)
    (source / "data").symlink_to(SHARED / "data")
    for name in OFFLINE_WEIGHTS[:-1]:  # the no-top MobileNet file is missing
        shutil.copyfile(SHARED / "keras" / "models" / name, source / "keras" / "models" / name)
    rc, output = run_tool("prefetch.py", "--profile", "offline", "--dest", tmp_path / "kit",
                          "--no-download", mirror=source)
    assert rc == 1, output
    assert "MISSING keras/models/mobilenet_2_5_224_tf_no_top.h5" in output
    assert "976 of 977 files present and verified" in output


def test_prefetch_refuses_a_corrupt_file(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(SHARED / "keras", source / "keras")
    (source / "data").symlink_to(SHARED / "data")
    (source / "keras" / "models" / "imagenet_class_index.json").write_text("{}")
    rc, output = run_tool("prefetch.py", "--profile", "offline", "--dest", tmp_path / "kit",
                          "--no-download", mirror=source)
    assert rc == 1 and "checksum mismatch" in output, output
    assert not (tmp_path / "kit" / "keras" / "models" / "imagenet_class_index.json").exists()


def test_preflight_is_ready_with_the_kit_and_downloads_nothing(kit, tmp_path):
    cache = tmp_path / "empty-cache"
    cache.mkdir()
    rc, output = run_tool("preflight.py", "--profile", "offline", mirror=kit, keras_home=cache)
    assert rc == 0, output
    assert "keras 3." in output and "GPU:" in output
    assert output.count("[ok]") == len(OFFLINE_WEIGHTS) + 4  # three weight files, four datasets
    assert list(cache.iterdir()) == []  # nothing fetched or written


def test_preflight_names_what_is_missing_and_what_to_do(kit, tmp_path):
    partial = tmp_path / "partial"
    shutil.copytree(kit / "keras", partial / "keras")
    (partial / "data").symlink_to(kit / "data")
    (partial / "keras" / "models" / "mobilenet_2_5_224_tf.h5").unlink()
    cache = tmp_path / "empty-cache"
    cache.mkdir()
    rc, output = run_tool("preflight.py", "--profile", "offline", mirror=partial, keras_home=cache)
    assert rc == 1, output
    assert "[MISSING] mobilenet_2_5_224_tf.h5" in output
    assert "tools/prefetch.py --profile offline" in output
    rc, output = run_tool("preflight.py", "--profile", "full", mirror=kit, keras_home=cache)
    assert rc == 1 and "[MISSING] vgg16_weights_tf_dim_ordering_tf_kernels.h5" in output, output
