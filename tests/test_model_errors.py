"""Saving, reloading and the easy mistakes of notebooks 5-6. For a wrong file name and a wrong cut layer
the notebooks show Keras' own errors, so these tests check that each message still says what is wrong;
for photos of the wrong size Keras can stay silent (tested), so notebook 6 uses workshop.check_input_shape."""
import numpy as np
import pytest

import workshop

keras = pytest.importorskip("keras")


@pytest.fixture(scope="module")
def tiny_model():
    """A small model with a 32 x 32 RGB input, like the notebooks' models but fast."""
    inputs = keras.Input(shape=(32, 32, 3))
    x = keras.layers.Conv2D(4, 3, name="features")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.Dense(1, name="logit")(x)
    return keras.Model(inputs, outputs, name="tiny")


def test_saved_model_reloads_with_identical_predictions(tmp_path, tiny_model):
    path = tmp_path / "tiny.keras"
    tiny_model.save(path)
    batch = np.random.default_rng(0).uniform(0, 255, (4, 32, 32, 3)).astype("float32")
    reloaded = keras.models.load_model(path)
    assert np.array_equal(tiny_model.predict(batch, verbose=0), reloaded.predict(batch, verbose=0))


def test_keras_names_a_missing_model_file(tmp_path):
    with pytest.raises(ValueError, match="(?i)file not found.*cats_vs_dogs_typo.keras"):
        keras.models.load_model(tmp_path / "cats_vs_dogs_typo.keras")


def test_keras_names_a_wrong_cut_layer_and_lists_the_right_ones(tiny_model):
    with pytest.raises(ValueError) as error:
        tiny_model.get_layer("featurs")
    message = str(error.value)
    assert "featurs" in message and all(name in message for name in ("features", "pool", "logit"))


def test_keras_shows_the_expected_and_the_given_input_shape_on_a_first_predict(tiny_model):
    model = keras.models.clone_model(tiny_model)
    with pytest.raises(ValueError) as error:
        model.predict(np.zeros((2, 64, 64, 3)), verbose=0)
    message = str(error.value)
    assert "expected shape=(None, 32, 32, 3)" in message and "found shape=(2, 64, 64, 3)" in message


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TensorFlow's behaviour: notebook 6 says the "
                    "JAX and PyTorch backends raise here (its own check cell compares the two on every backend)")
def test_after_its_first_predict_keras_accepts_photos_of_another_size(tmp_path, tiny_model):
    """Notebook 6 says so (TensorFlow backend), and that is why it checks shapes with workshop.check_input_shape;
    it also says that calling the model directly always checks."""
    model = keras.models.clone_model(tiny_model)
    model.predict(np.zeros((2, 32, 32, 3)), verbose=0)
    assert model.predict(np.zeros((2, 64, 64, 3)), verbose=0).shape == (2, 1)  # no error
    with pytest.raises(ValueError, match=r"expected shape=\(None, 32, 32, 3\)"):
        model(np.zeros((2, 64, 64, 3)))


def test_workshop_explains_a_wrong_image_size(tiny_model):
    with pytest.raises(workshop.WorkshopError, match=r"64x64.*resize them to 32x32.*target_size=\(32, 32\)"):
        workshop.check_input_shape(tiny_model, np.zeros((2, 64, 64, 3)))


def test_workshop_explains_one_image_without_batch_axis(tiny_model):
    with pytest.raises(workshop.WorkshopError, match=r"batch\[None\]"):
        workshop.check_input_shape(tiny_model, np.zeros((32, 32, 3)))


def test_the_right_shape_passes_unchanged(tiny_model):
    batch = np.zeros((2, 32, 32, 3))
    assert workshop.check_input_shape(tiny_model, batch) is batch
