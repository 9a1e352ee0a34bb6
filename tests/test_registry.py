"""The registry, the one fetch (cache, mirror, URL), setup's banner, datasets and Bo's door splits."""
import os
import shutil
import subprocess
import sys
import time

import pytest

import workshop
from workshop import files, profiles

ROOT = files.ROOT
OFFLINE_WEIGHTS = ["imagenet_class_index.json", "mobilenet_2_5_224_tf.h5", "mobilenet_2_5_224_tf_no_top.h5"]


def weights(name):
    return files.entry(name)


def test_every_weights_file_has_an_https_source_a_hash_and_a_model():
    rows = [r for p, r in files.registry().items() if p.startswith("keras/models/")]
    assert {r.path.split("/")[-1] for r in rows} == {f for m in files.MODELS.values() for f in m.files}
    for row in rows:
        assert row.url.startswith("https://") and row.url.endswith(row.path.split("/")[-1])
        # Only MobileNetV2 has no published checksum at all (Keras checks none either).
        assert all(len(h) in (32, 64) for h in row.hash.split()) or (row.hash == "" and "mobilenet_v2" in row.path)


def test_offline_profile_never_needs_the_big_models():
    for model in files.MODELS:
        assert all(f.startswith(("mobilenet_2_5", "imagenet_class")) for f in profiles.model_files(model, "offline"))
    assert profiles.model_files("vgg16", "structural") == ["imagenet_class_index.json"]


def test_every_registered_file_in_the_mirror_matches_its_hash(shared):
    rows = [r for p, r in files.registry().items() if p.startswith("data/")]
    assert len(rows) == 974 and all(r.url.startswith("https://raw.githubusercontent.com/") for r in rows)
    assert [r.path for r in rows + [weights(n) for n in OFFLINE_WEIGHTS]
            if files.check_file(shared / r.path, r.hash) is not None] == []


def test_check_file_reports_a_mismatch(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"hello")
    assert files.check_file(path, files.file_hash(path)) is None
    assert files.check_file(path, files.file_hash(path, "md5")) is None
    assert "checksum mismatch" in files.check_file(path, "0" * 64)


@pytest.mark.parametrize("layout", ["keras/models", "models"])
def test_weights_are_copied_from_either_mirror_layout_into_the_project_cache(shared, sandbox, layout):
    mirror = sandbox / "mirror"
    (mirror / layout).mkdir(parents=True)
    name = "mobilenet_2_5_224_tf_no_top.h5"
    (mirror / layout / name).symlink_to(shared / "keras" / "models" / name)
    path = files.fetch(weights(name), mirror)
    assert path == sandbox / ".keras" / "models" / "mobilenet_2_5_224_tf_no_top.h5"
    assert path.stat().st_size == 2_108_140 and not path.is_symlink()
    assert files.fetch(weights("mobilenet_2_5_224_tf_no_top.h5"), None) == path  # now from the cache


def test_a_corrupt_cached_file_is_replaced_from_the_mirror(shared, sandbox):
    cached = sandbox / ".keras" / "models" / "imagenet_class_index.json"
    cached.parent.mkdir(parents=True)
    cached.write_text("{}")
    files.fetch(weights("imagenet_class_index.json"), shared)
    assert files.file_hash(cached) == weights("imagenet_class_index.json").hash


def test_a_corrupt_mirror_file_is_reported_and_not_used(sandbox):
    mirror = sandbox / "mirror"
    (mirror / "keras" / "models").mkdir(parents=True)
    (mirror / "keras" / "models" / "imagenet_class_index.json").write_text("not the real file")
    with pytest.raises(workshop.MissingFilesError) as error:
        files.fetch(weights("imagenet_class_index.json"), mirror)
    assert "checksum mismatch" in str(error.value) and "(not used)" in str(error.value)
    assert not (sandbox / ".keras" / "models" / "imagenet_class_index.json").exists()


def test_setup_prints_the_banner_and_accepts_the_rebuilt_top_file(shared, sandbox, monkeypatch, capsys):
    monkeypatch.setenv("WORKSHOP_MIRROR", str(shared))
    settings = workshop.setup(models=["vgg16"], profile="offline")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Profile: offline -- ")
    assert lines[1] == ("Outputs below come from: MobileNet alpha=0.25 with real ImageNet weights, standing in "
                        "for VGG16 (offline profile); VGG16's own numbers and top categories differ")
    assert "  weights mobilenet_2_5_224_tf.h5: verified" in lines  # the mirror's rebuilt file: the registry's 2nd hash
    assert lines[-1] == ('Here keras.applications.VGG16(weights="imagenet") builds the stand-in, MobileNet '
                         'alpha=0.25, and keras.applications.vgg16.preprocess_input is MobileNet\'s.')
    assert (sandbox / "output").is_dir() and settings.mirror == shared.resolve()


@pytest.mark.parametrize("profile, models, text", [
    ("full", ["vgg16_notop"], "VGG16 with ImageNet weights, as taught (full profile)"),
    ("structural", ["inception_v3_notop"], "InceptionV3 with RANDOM weights (structural test run): not predictions"),
    ("timing", ["vgg16"], "VGG16 with RANDOM weights (timing test run): not predictions"),
    ("offline", ["mobilenet_v2_160_notop"], "MobileNet alpha=0.25 with real ImageNet weights, standing in for "
                                            "MobileNetV2 (offline profile); MobileNetV2's own numbers differ")])
def test_the_banner_names_the_model_behind_the_outputs(profile, models, text):
    assert profiles.outputs_come_from(models, profile) == text
    assert "fewer epochs" not in profiles.PROFILES[profile]


@pytest.mark.parametrize("profile, epochs, picked", [("full", 20, 150), ("offline", 10, 224), ("structural", 1, 150),
                                                     ("timing", 20, 150)])
def test_settings_give_the_profiles_values(profile, epochs, picked):
    settings = profiles.Settings(profile, None, files.KERAS_HOME)
    assert settings.epochs(full=20, offline=10) == epochs
    assert settings.pick(full=150, offline=224) == picked
    assert settings.offline == (profile == "offline")


def test_the_timing_run_does_the_full_work_with_random_weights(shared, sandbox, monkeypatch):
    """The timing profile: full photo folders, the full profile's models without their weights files."""
    monkeypatch.setenv("WORKSHOP_MIRROR", str(shared))
    monkeypatch.setenv("WORKSHOP_PROFILE", "timing")
    assert counts(workshop.dataset("cats_and_dogs_filtered"))["train/dogs"] == 300
    assert profiles.model_files("vgg16", "timing") == ["imagenet_class_index.json"]
    assert profiles.model_files("vgg16", "full") == list(files.MODELS["vgg16"].files)


def test_a_second_seed_is_chosen_with_an_environment_variable():
    """WORKSHOP_SEED reruns the lesson with another seed (the checked claims must still hold)."""
    code = "import workshop; print(workshop.SEED)"
    seeds = [subprocess.run([sys.executable, "-c", code], env=dict(os.environ, **env), cwd=ROOT / "notebooks",
                            capture_output=True, text=True, check=True).stdout.strip()
             for env in ({}, {"WORKSHOP_SEED": "7"})]
    assert seeds == [str(int(os.environ.get("WORKSHOP_SEED", 42))), "7"]


def test_full_profile_offline_stops_at_once_with_two_ways_out(sandbox):
    start = time.perf_counter()
    with pytest.raises(workshop.MissingFilesError) as error:
        workshop.setup(models=["vgg16"], profile="full")
    assert time.perf_counter() - start < 10
    message = str(error.value)
    assert "imagenet_class_index.json" in message or "vgg16_weights" in message
    assert "tools/prefetch.py" in message and "WORKSHOP_PROFILE=offline" in message
    assert "Traceback" not in error.value._render_traceback_()[0]


def test_unknown_profile_or_model_is_refused(sandbox):
    with pytest.raises(workshop.WorkshopError, match="not a profile"):
        workshop.setup(profile="fast")
    with pytest.raises(workshop.WorkshopError, match="not a model of the lesson"):
        workshop.setup(models=["vgg61"], profile="offline")


def test_mirror_variable_must_be_a_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKSHOP_MIRROR", str(tmp_path / "nowhere"))
    with pytest.raises(workshop.WorkshopError, match="is not a folder"):
        files.mirror_folder()


def test_a_relative_mirror_is_found_from_the_notebooks_folder(monkeypatch, tmp_path):
    # `WORKSHOP_MIRROR=kit jupyter lab notebooks/` from the project root: the kernel runs in notebooks/.
    (tmp_path / "kit").mkdir()
    (tmp_path / "notebooks").mkdir()
    monkeypatch.setattr(files, "ROOT", tmp_path)
    monkeypatch.chdir(tmp_path / "notebooks")
    monkeypatch.setenv("WORKSHOP_MIRROR", "kit")
    assert files.mirror_folder() == (tmp_path / "kit").resolve()


def test_dataset_is_copied_and_verified(shared, sandbox):
    folder = workshop.dataset("doggy_door_images", shared)
    assert folder == sandbox / "data" / "doggy_door_images"
    assert sorted(p.name for p in folder.iterdir()) == ["brown_bear.jpg", "happy_dog.jpg", "sleepy_cat.jpg"]


def test_dataset_with_a_missing_mirror_file_is_reported(shared, sandbox):
    mirror = sandbox / "mirror"
    shutil.copytree(shared / "data" / "doggy_door_images", mirror / "data" / "doggy_door_images")
    (mirror / "data" / "doggy_door_images" / "sleepy_cat.jpg").unlink()
    with pytest.raises(workshop.MissingFilesError, match="sleepy_cat.jpg"):
        workshop.dataset("doggy_door_images", mirror)


def counts(folder):
    """{split/class: number of photos} of an image folder."""
    found = {}
    for path in folder.rglob("*.jpg"):
        key = str(path.parent.relative_to(folder))
        found[key] = found.get(key, 0) + 1
    return found


def test_bo_door_splits_follow_the_rule_and_are_made_once(shared, sandbox, monkeypatch):
    monkeypatch.setenv("WORKSHOP_MIRROR", str(shared))
    folder = workshop.bo_door_splits()
    assert counts(folder) == {"train/bo": 13, "train/not_bo": 100, "valid/bo": 5, "valid/not_bo": 20,
                              "test/bo": 10, "test/not_bo": 20}
    assert sorted(p.name for p in (folder / "valid" / "bo").iterdir()) == [f"bo_{i}.jpg" for i in range(15, 20)]
    assert (folder / "test" / "not_bo" / "121.jpg").exists() and (folder / "valid" / "not_bo" / "101.jpg").exists()
    stamp = (folder / "train" / "bo" / "bo_1.jpg").stat().st_mtime_ns
    assert workshop.bo_door_splits() == folder
    assert (folder / "train" / "bo" / "bo_1.jpg").stat().st_mtime_ns == stamp  # nothing copied again


def test_the_structural_run_gets_tiny_copies(shared, sandbox, monkeypatch):
    monkeypatch.setenv("WORKSHOP_MIRROR", str(shared))
    monkeypatch.setenv("WORKSHOP_PROFILE", "structural")
    assert set(counts(workshop.bo_door_splits()).values()) == {2}
    tiny = workshop.dataset("cats_and_dogs_filtered")
    assert counts(tiny) == {"train/cats": 2, "train/dogs": 2, "validation/cats": 2, "validation/dogs": 2}
    assert len(list(workshop.dataset("doggy_door_images").iterdir())) == 3  # no class folders: all kept


def test_the_notebook_list_is_the_lesson_in_order():
    names = [p.name[:3] for p in workshop.NOTEBOOKS]
    assert len(names) >= 6 and names == [f"{i:02d}-" for i in range(1, len(names) + 1)]


def test_keras_home_is_the_projects_own_folder():
    assert files.KERAS_HOME.resolve().is_relative_to(files.ROOT.resolve())
    assert "shared" not in files.KERAS_HOME.parts


def test_setup_says_when_a_weights_file_has_no_checksum_to_verify(sandbox, monkeypatch, capsys):
    """MobileNetV2's weights have no published hash: setup must not call them "verified"."""
    fake = sandbox / "fake-weights.h5"
    fake.write_bytes(b"not checked")
    monkeypatch.setattr(files, "fetch", lambda entry, mirror=None: fake)
    workshop.setup(models=["mobilenet_v2_160_notop"], profile="full")
    line = next(line for line in capsys.readouterr().out.splitlines() if "mobilenet_v2" in line)
    assert "NOT checked (no checksum is published for it)" in line and "verified" not in line


@pytest.mark.slow
def test_the_lessons_own_call_builds_what_the_profile_runs(shared, monkeypatch):
    """One path in the notebooks: keras.applications.<Model>(weights="imagenet") is the stand-in offline, the real
    architecture with random weights in the test runs, untouched in the full profile; weights=None is always real."""
    import keras
    monkeypatch.setenv("WORKSHOP_MIRROR", str(shared))
    monkeypatch.setenv("WORKSHOP_PROFILE", "offline")  # setup() sets it: undone after the test
    original = keras.applications.InceptionV3
    workshop.setup(models=["inception_v3_notop"], profile="offline")
    from keras.applications.inception_v3 import preprocess_input
    base = keras.applications.InceptionV3(include_top=False, weights="imagenet", input_shape=(224, 224, 3))
    assert base.name == "mobilenet_0.25_224" and preprocess_input is keras.applications.mobilenet.preprocess_input
    assert keras.applications.InceptionV3(include_top=False, weights=None).name == "inception_v3"
    workshop.setup(models=["inception_v3_notop"], profile="structural")
    assert keras.applications.InceptionV3(include_top=False, weights="imagenet").name == "inception_v3"
    profiles.restore_keras_applications()
    assert keras.applications.InceptionV3 is original


def test_a_copy_is_never_seen_half_written(tmp_path, monkeypatch):
    """files.copy writes a hidden temporary file and renames it: while the bytes are written, the target (which
    another kernel may be checking) does not exist, and nothing is left beside it afterwards."""
    source, target = tmp_path / "a.jpg", tmp_path / "copies" / "a.jpg"
    source.write_bytes(b"photo" * 1000)
    real_copyfile, seen = shutil.copyfile, []

    def watched_copyfile(src, dst):
        real_copyfile(src, dst)
        seen.append(target.exists())  # the bytes are in place: is the target visible yet?
    monkeypatch.setattr(shutil, "copyfile", watched_copyfile)
    files.copy(source, target)
    assert seen == [False] and target.read_bytes() == source.read_bytes()
    assert [p.name for p in target.parent.iterdir()] == ["a.jpg"]
