"""The instructors' kit (tools/prefetch.py) and the readiness check (tools/preflight.py).

preflight is a dry run of setup(): for each mirror layout and for a missing file, both must agree.
Everything runs against copies or links of the read-only mirror ../shared, with downloads off.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import workshop
from workshop import files

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import prefetch  # noqa: E402
import preflight  # noqa: E402

SHARED = Path(os.environ.get("WORKSHOP_TEST_MIRROR", ROOT.parent / "shared"))
OFFLINE_WEIGHTS = ["imagenet_class_index.json", "mobilenet_2_5_224_tf.h5", "mobilenet_2_5_224_tf_no_top.h5"]
pytestmark = pytest.mark.skipif(not (SHARED / "keras" / "models").is_dir(), reason="needs the ../shared mirror")


def test_the_offline_kit_holds_only_the_stand_in():
    assert [Path(row.path).name for row in prefetch.lesson_files("offline")] == OFFLINE_WEIGHTS


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
    assert all((kit / path).is_file() for path in files.registry() if path.startswith("data/"))
    assert not list(kit.rglob("*.part"))


def test_prefetch_reports_a_missing_file_and_fails(tmp_path):
    source = tmp_path / "source"
    (source / "keras" / "models").mkdir(parents=True)
    (source / "data").symlink_to(SHARED / "data")
    for name in OFFLINE_WEIGHTS[:-1]:  # the no-top MobileNet file is missing
        (source / "keras" / "models" / name).symlink_to(SHARED / "keras" / "models" / name)
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


def test_preflight_is_ready_with_the_kit_and_writes_nothing(kit, tmp_path):
    cache = tmp_path / "empty-cache"
    cache.mkdir()
    rc, output = run_tool("preflight.py", "--profile", "offline", mirror=kit, keras_home=cache)
    assert rc == 0, output
    assert "keras 3." in output and "GPU:" in output
    assert "Machine: " in output and "(supported)" in output and "TensorFlow package: tensorflow" in output
    assert "Keras backend: " in output
    assert output.count("[ok]") == len(OFFLINE_WEIGHTS) + 4  # three weights files, four datasets
    assert list(cache.iterdir()) == []  # nothing fetched or written


def test_preflight_names_what_is_missing_and_what_to_do(kit, tmp_path):
    cache = tmp_path / "empty-cache"
    cache.mkdir()
    rc, output = run_tool("preflight.py", "--profile", "full", mirror=kit, keras_home=cache)
    assert rc == 1, output
    assert "[MISSING] vgg16_weights_tf_dim_ordering_tf_kernels.h5" in output
    assert "tools/prefetch.py --profile full" in output


# ---- preflight and setup() agree -------------------------------------------------------------
def mirror_with(tmp_path, layout, leave_out=None):
    """A mirror of links into ../shared: weights under `layout` (keras/models or models), photos under data/."""
    mirror = tmp_path / "mirror"
    (mirror / layout).mkdir(parents=True)
    (mirror / "data").symlink_to(SHARED / "data")
    for name in OFFLINE_WEIGHTS:
        if name != leave_out:
            (mirror / layout / name).symlink_to(SHARED / "keras" / "models" / name)
    return mirror


@pytest.fixture(autouse=True)
def no_network_for_preflight(monkeypatch):
    """preflight asks whether download hosts answer: here they never do."""
    monkeypatch.setattr(preflight, "reachable", lambda host: False)


def setup_verdict(mirror, monkeypatch):
    """'ok', or the message setup() stops with, for every lesson model in the offline profile."""
    monkeypatch.setenv("WORKSHOP_MIRROR", str(mirror))
    try:
        workshop.setup(models=sorted(files.OFFLINE_STANDIN), data=["doggy_door_images"], profile="offline")
    except workshop.MissingFilesError as error:
        return str(error)
    return "ok"


@pytest.mark.parametrize("layout", ["keras/models", "models"])
@pytest.mark.parametrize("leave_out", [None, "mobilenet_2_5_224_tf.h5"])
def test_preflight_and_setup_agree(sandbox, monkeypatch, layout, leave_out):
    mirror = mirror_with(sandbox, layout, leave_out)
    verdicts = {Path(row.path).name: preflight.verdict([row], mirror)[0] for row in prefetch.lesson_files("offline")}
    assert not (sandbox / ".keras").exists()  # preflight copied nothing
    said = setup_verdict(mirror, monkeypatch)
    if leave_out is None:
        assert set(verdicts.values()) == {"ok"} and said == "ok"
    else:
        assert verdicts[leave_out] == "MISSING" and leave_out in said and "Two ways out" in said
        assert [n for n, v in verdicts.items() if v != "ok"] == [leave_out]


def test_preflight_says_download_when_setup_would_download(sandbox, monkeypatch):
    monkeypatch.setattr(preflight, "reachable", lambda host: True)
    assert preflight.verdict(prefetch.lesson_files("full")[:1], None)[0] == "download"
