"""The instructors' kit (tools/prefetch.py) and the readiness check (`bash run.sh check`, run.py).

The check's file verdicts are a dry run of setup(): for each mirror layout and for a missing file, both must agree.
Everything runs against copies or links of the read-only mirror ../shared, with downloads off.
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import run
import workshop
from tools import prefetch
from workshop import files

ROOT = run.ROOT
OFFLINE_WEIGHTS = ["imagenet_class_index.json", "mobilenet_2_5_224_tf.h5", "mobilenet_2_5_224_tf_no_top.h5"]
pytestmark = pytest.mark.usefixtures("shared")


def test_the_offline_kit_holds_only_the_stand_in():
    assert [Path(row.path).name for row in prefetch.lesson_files("offline")] == OFFLINE_WEIGHTS


def run_tool(tool, *args, mirror, keras_home=None, **env):
    """Run tools/prefetch.py or run.py with a mirror (and optionally an empty Keras cache); return (rc, output)."""
    env = dict(os.environ, WORKSHOP_MIRROR=str(mirror), **env)
    if keras_home is not None:
        env["WORKSHOP_KERAS_HOME"] = str(keras_home)
    done = subprocess.run([sys.executable, str(ROOT / tool), *map(str, args)],
                          env=env, capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout + done.stderr


@pytest.fixture(scope="module")
def kit(tmp_path_factory, shared):
    """An offline-profile kit made from ../shared, as an instructor would."""
    dest = tmp_path_factory.mktemp("kit")
    rc, output = run_tool("tools/prefetch.py", "--profile", "offline", "--dest", dest, "--no-download", mirror=shared)
    assert rc == 0, output
    return dest


def test_prefetch_copies_and_verifies_every_offline_file(kit):
    assert sorted(p.name for p in (kit / "keras" / "models").iterdir()) == OFFLINE_WEIGHTS
    assert all((kit / path).is_file() for path in files.registry() if path.startswith("data/"))
    assert not list(kit.rglob("*.part"))


def test_prefetch_reports_a_missing_file_and_fails(tmp_path, shared):
    source = tmp_path / "source"
    (source / "keras" / "models").mkdir(parents=True)
    (source / "data").symlink_to(shared / "data")
    for name in OFFLINE_WEIGHTS[:-1]:  # the no-top MobileNet file is missing
        (source / "keras" / "models" / name).symlink_to(shared / "keras" / "models" / name)
    rc, output = run_tool("tools/prefetch.py", "--profile", "offline", "--dest", tmp_path / "kit",
                          "--no-download", mirror=source)
    assert rc == 1, output
    assert "MISSING keras/models/mobilenet_2_5_224_tf_no_top.h5" in output
    assert "976 of 977 files present and verified" in output


def test_prefetch_refuses_a_corrupt_file(tmp_path, shared):
    source = tmp_path / "source"
    shutil.copytree(shared / "keras", source / "keras")
    (source / "data").symlink_to(shared / "data")
    (source / "keras" / "models" / "imagenet_class_index.json").write_text("{}")
    rc, output = run_tool("tools/prefetch.py", "--profile", "offline", "--dest", tmp_path / "kit",
                          "--no-download", mirror=source)
    assert rc == 1 and "checksum mismatch" in output, output
    assert not (tmp_path / "kit" / "keras" / "models" / "imagenet_class_index.json").exists()


@pytest.mark.slow
def test_check_is_ready_with_the_kit_and_fetches_nothing(kit, tmp_path):
    cache = tmp_path / "empty-cache"
    cache.mkdir()
    rc, output = run_tool("run.py", "check", "--profile", "offline", mirror=kit, keras_home=cache)
    assert rc == 0, output
    assert re.search(r"Keras 3\.\d+\.\d+ on \w+: a tiny model predicted \(3, 1\)", output), output
    assert "Machine: " in output and "(supported)" in output and re.search(r"GPU seen by \w+: \S", output)
    assert output.count("[ok]") == len(OFFLINE_WEIGHTS) + 4 and "Ready" in output  # three weights files, four datasets
    assert [p.name for p in cache.iterdir()] == ["keras.json"]  # Keras' own settings, as in a notebook; no file fetched


def test_check_says_a_broken_tensorflow_is_not_ready(kit, tmp_path):
    """A TensorFlow that cannot be imported (on Windows: a missing DLL) is named, with what to do."""
    (tmp_path / "tensorflow").mkdir()
    (tmp_path / "tensorflow" / "__init__.py").write_text('raise ImportError("DLL load failed while importing '
                                                         '_pywrap_tensorflow_internal")\n')
    rc, output = run_tool("run.py", "check", "--profile", "offline", mirror=kit, PYTHONPATH=str(tmp_path),
                          KERAS_BACKEND="tensorflow")
    assert rc == 1, output
    assert "Keras: NOT working on the tensorflow backend: ImportError: DLL load failed" in output
    assert "What to do: delete the .venv folder" in output and "NOT READY: Keras does not work" in output


def test_check_names_what_is_missing_and_what_to_do(kit, sandbox, monkeypatch, capsys):
    monkeypatch.setenv("WORKSHOP_MIRROR", str(kit))
    assert run.files_ready("full", reachable=lambda host: False) == [
        "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_160_no_top.h5",
        "vgg16_weights_tf_dim_ordering_tf_kernels.h5", "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"]
    assert "[MISSING] vgg16_weights_tf_dim_ordering_tf_kernels.h5" in capsys.readouterr().out


# ---- the check and setup() agree -------------------------------------------------------------
def mirror_with(shared, tmp_path, layout, leave_out=None):
    """A mirror of links into ../shared: weights under `layout` (keras/models or models), photos under data/."""
    mirror = tmp_path / "mirror"
    (mirror / layout).mkdir(parents=True)
    (mirror / "data").symlink_to(shared / "data")
    for name in OFFLINE_WEIGHTS:
        if name != leave_out:
            (mirror / layout / name).symlink_to(shared / "keras" / "models" / name)
    return mirror


def setup_verdict(mirror, monkeypatch):
    """'ok', or the message setup() stops with, for every lesson model in the offline profile."""
    monkeypatch.setenv("WORKSHOP_MIRROR", str(mirror))
    try:
        workshop.setup(models=files.LESSON_MODELS, data=["doggy_door_images"], profile="offline")
    except workshop.MissingFilesError as error:
        return str(error)
    return "ok"


@pytest.mark.parametrize("layout", ["keras/models", "models"])
@pytest.mark.parametrize("leave_out", [None, "mobilenet_2_5_224_tf.h5"])
def test_check_and_setup_agree(shared, sandbox, monkeypatch, layout, leave_out):
    mirror = mirror_with(shared, sandbox, layout, leave_out)
    verdicts = {Path(row.path).name: run.verdict([row], mirror, reachable=lambda host: False)[0]
                for row in prefetch.lesson_files("offline")}
    assert not (sandbox / ".keras").exists()  # the check copied nothing
    said = setup_verdict(mirror, monkeypatch)
    if leave_out is None:
        assert set(verdicts.values()) == {"ok"} and said == "ok"
    else:
        assert verdicts[leave_out] == "MISSING" and leave_out in said and "Two ways out" in said
        assert [n for n, v in verdicts.items() if v != "ok"] == [leave_out]


def test_check_says_download_when_setup_would_download(sandbox):
    assert run.verdict(prefetch.lesson_files("full")[:1], None, reachable=lambda host: True)[0] == "download"
