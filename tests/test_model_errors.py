"""Bad input around saved models and cut layers gets a clear WorkshopError."""
import numpy as np
import pytest

import workshop  # notebooks/workshop/ (conftest.py puts notebooks/ on the path)

keras = pytest.importorskip("keras")


@pytest.fixture(scope="module")
def tiny_model():
    """A small model with a 32 x 32 RGB input, like the notebooks' models but fast."""
    inputs = keras.Input(shape=(32, 32, 3))
    x = keras.layers.Conv2D(4, 3, name="features")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.Dense(1, name="logit")(x)
    return keras.Model(inputs, outputs, name="tiny")


def test_missing_saved_model_names_the_file_and_what_to_do(tmp_path):
    (tmp_path / "other.keras").write_bytes(b"")
    with pytest.raises(workshop.WorkshopError) as error:
        workshop.load_saved_model(tmp_path / "cats_vs_dogs.keras")
    message = str(error.value)
    assert "cats_vs_dogs.keras" in message and "model.save" in message and "other.keras" in message


def test_damaged_saved_model_is_explained(tmp_path):
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"this is not a zip archive")
    with pytest.raises(workshop.WorkshopError, match="(?i)broken.keras.*cannot be loaded.*save the model again"):
        workshop.load_saved_model(broken)


def test_folder_or_wrong_suffix_is_not_a_model_file(tmp_path):
    for path in (tmp_path, tmp_path / "weights.txt"):
        path.touch() if path.suffix else None
        with pytest.raises(workshop.WorkshopError, match="not a model file"):
            workshop.load_saved_model(path)


def test_saved_model_reloads_with_identical_predictions(tmp_path, tiny_model):
    path = tmp_path / "tiny.keras"
    tiny_model.save(path)
    batch = np.random.default_rng(0).uniform(0, 255, (4, 32, 32, 3)).astype("float32")
    reloaded = workshop.load_saved_model(path)
    assert np.array_equal(tiny_model.predict(batch, verbose=0), reloaded.predict(batch, verbose=0))


def test_wrong_cut_layer_lists_the_names_and_suggests_one(tiny_model):
    with pytest.raises(workshop.WorkshopError) as error:
        workshop.cut_at(tiny_model, "featurs")
    message = str(error.value)
    assert "'featurs'" in message and "Did you mean 'features'" in message
    assert all(name in message for name in ("features", "pool", "logit"))


def test_right_cut_layer_is_returned(tiny_model):
    assert workshop.cut_at(tiny_model, "pool") is tiny_model.get_layer("pool")


def test_wrong_image_size_is_explained(tiny_model):
    with pytest.raises(workshop.WorkshopError, match=r"32x32.*target_size=\(32, 32\)"):
        workshop.check_input_shape(tiny_model, np.zeros((2, 64, 64, 3)))


def test_one_image_without_batch_axis_is_explained(tiny_model):
    with pytest.raises(workshop.WorkshopError, match=r"batch\[None\]"):
        workshop.check_input_shape(tiny_model, np.zeros((32, 32, 3)))


def test_right_shape_passes_unchanged(tiny_model):
    batch = np.zeros((2, 32, 32, 3))
    assert workshop.check_input_shape(tiny_model, batch) is batch
