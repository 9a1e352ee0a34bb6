"""The file registry, the mirror, the project's Keras cache and the offline error message."""
import shutil
import time

import pytest

import workshop

MIRROR = workshop.ROOT.parent / "shared"
needs_mirror = pytest.mark.skipif(not (MIRROR / "keras" / "models").is_dir(),
                                  reason="the ../shared mirror is not beside the project")


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A project root and Keras cache in tmp_path, with the network switched off."""
    monkeypatch.setattr(workshop, "ROOT", tmp_path)
    monkeypatch.setattr(workshop, "DATA", tmp_path / "data")
    monkeypatch.setattr(workshop, "KERAS_HOME", tmp_path / ".keras")
    monkeypatch.setattr(workshop, "online", lambda *args, **kwargs: False)
    return tmp_path


def test_every_weight_file_has_an_https_source_and_a_model():
    used = {f for files in workshop.MODELS.values() for f in files}
    assert used == set(workshop.WEIGHTS)
    for name, (url, expected) in workshop.WEIGHTS.items():
        assert url.startswith("https://") and url.endswith(name)
        # Only MobileNetV2 has no published checksum at all (Keras checks none either).
        assert expected is not None or name.startswith("mobilenet_v2"), name
        assert expected is None or len(expected) in (32, 64)


def test_offline_profile_never_needs_the_big_models():
    for model in workshop.MODELS:
        assert all(f.startswith(("mobilenet_2_5", "imagenet_class")) for f in workshop.model_files(model, "offline"))
    assert workshop.model_files("vgg16", "structural") == ["imagenet_class_index.json"]


@needs_mirror
def test_mirror_weights_match_the_registry():
    for name in ["imagenet_class_index.json", "mobilenet_2_5_224_tf.h5", "mobilenet_2_5_224_tf_no_top.h5"]:
        assert workshop.check_file(MIRROR / "keras" / "models" / name, workshop.WEIGHTS[name][1]) is None


@needs_mirror
def test_every_registered_data_file_is_in_the_mirror_with_its_sha256():
    rows = workshop.data_registry()
    assert len(rows) == 974
    bad = [r["path"] for r in rows if workshop.file_hash(MIRROR / r["path"]) != r["sha256"]]
    assert bad == []
    assert all(r["url"].startswith("https://raw.githubusercontent.com/") for r in rows)


def test_check_file_reports_a_mismatch(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"hello")
    assert workshop.check_file(path, workshop.file_hash(path)) is None
    assert workshop.check_file(path, workshop.file_hash(path, "md5")) is None
    assert "checksum mismatch" in workshop.check_file(path, "0" * 64)


@needs_mirror
def test_weights_are_copied_from_the_mirror_into_the_project_cache(sandbox, capsys):
    path = workshop.ensure_weights("mobilenet_2_5_224_tf_no_top.h5", MIRROR)
    assert path == sandbox / ".keras" / "models" / "mobilenet_2_5_224_tf_no_top.h5"
    assert path.stat().st_size == 2_108_140 and not path.is_symlink()
    assert "mobilenet_2_5_224_tf_no_top.h5: verified" in capsys.readouterr().out
    workshop.ensure_weights("mobilenet_2_5_224_tf_no_top.h5", None)  # now from the cache, no mirror needed
    assert "mobilenet_2_5_224_tf_no_top.h5: verified" in capsys.readouterr().out


@needs_mirror
def test_the_reconstructed_top_file_is_accepted_and_said_so(sandbox, capsys):
    workshop.ensure_weights("mobilenet_2_5_224_tf.h5", MIRROR)
    assert "rebuilt from the no-top file" in capsys.readouterr().out


@needs_mirror
def test_a_corrupt_cached_file_is_replaced_from_the_mirror(sandbox, capsys):
    cached = sandbox / ".keras" / "models" / "imagenet_class_index.json"
    cached.parent.mkdir(parents=True)
    cached.write_text("{}")
    workshop.ensure_weights("imagenet_class_index.json", MIRROR)
    assert workshop.file_hash(cached) == workshop.WEIGHTS["imagenet_class_index.json"][1]


def test_a_corrupt_mirror_file_is_reported_and_not_used(sandbox):
    mirror = sandbox / "mirror"
    (mirror / "keras" / "models").mkdir(parents=True)
    (mirror / "keras" / "models" / "imagenet_class_index.json").write_text("not the real file")
    with pytest.raises(workshop.MissingFilesError) as error:
        workshop.ensure_weights("imagenet_class_index.json", mirror)
    message = str(error.value)
    assert "checksum mismatch" in message and "(not used)" in message
    assert not (sandbox / ".keras" / "models" / "imagenet_class_index.json").exists()


def test_full_profile_offline_stops_at_once_with_two_ways_out(sandbox, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(sandbox / ".keras"))
    monkeypatch.delenv("WORKSHOP_MIRROR", raising=False)
    start = time.perf_counter()
    with pytest.raises(workshop.MissingFilesError) as error:
        workshop.setup(models=["vgg16"], profile="full")
    assert time.perf_counter() - start < 10
    message = str(error.value)
    assert "imagenet_class_index.json" in message or "vgg16_weights" in message
    assert "tools/prefetch.py" in message and "WORKSHOP_PROFILE=offline" in message
    assert "Traceback" not in error.value._render_traceback_()[0]


def test_unknown_profile_is_refused():
    with pytest.raises(workshop.WorkshopError, match="not a profile"):
        workshop.setup(profile="fast")


def test_mirror_variable_must_be_a_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKSHOP_MIRROR", str(tmp_path / "nowhere"))
    with pytest.raises(workshop.WorkshopError, match="is not a folder"):
        workshop.mirror_folder()


@needs_mirror
def test_dataset_is_copied_and_verified(sandbox):
    folder = workshop.dataset("doggy_door_images", MIRROR)
    assert sorted(p.name for p in folder.iterdir()) == ["brown_bear.jpg", "happy_dog.jpg", "sleepy_cat.jpg"]


@needs_mirror
def test_dataset_with_a_missing_mirror_file_is_reported(sandbox):
    mirror = sandbox / "mirror"
    shutil.copytree(MIRROR / "data" / "doggy_door_images", mirror / "data" / "doggy_door_images")
    (mirror / "data" / "doggy_door_images" / "sleepy_cat.jpg").unlink()
    with pytest.raises(workshop.MissingFilesError, match="sleepy_cat.jpg"):
        workshop.dataset("doggy_door_images", mirror)


def test_keras_home_is_the_projects_own_folder():
    assert workshop.KERAS_HOME.resolve().is_relative_to(workshop.ROOT.resolve())
    assert "shared" not in workshop.KERAS_HOME.parts


def test_a_relative_mirror_is_found_from_the_notebooks_folder(monkeypatch):
    # `WORKSHOP_MIRROR=kit jupyter lab notebooks/` from the project root: the kernel runs in notebooks/.
    kit = workshop.ROOT / ".pytest-kit"
    kit.mkdir(exist_ok=True)
    try:
        monkeypatch.chdir(workshop.ROOT / "notebooks")
        monkeypatch.setenv("WORKSHOP_MIRROR", ".pytest-kit")
        assert workshop.mirror_folder() == kit.resolve()
    finally:
        kit.rmdir()

