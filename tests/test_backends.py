"""workshop.backends: the photo folders without TensorFlow, on every Keras backend."""
import numpy as np
import pytest

from workshop import backends


@pytest.fixture
def folder(tmp_path):
    """A split/class/ folder of small PNG photos of different sizes (PNG: every decoder gives the same pixels)."""
    from PIL import Image
    rng = np.random.default_rng(0)
    for name, count in [("bo", 3), ("not_bo", 4)]:
        (tmp_path / name).mkdir()
        for i in range(count):
            size = (30 + 7 * i, 20 + 5 * i)
            Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8)).save(tmp_path / name / f"{i}.png")
    (tmp_path / "bo" / "notes.txt").write_text("not a photo: skipped, as Keras does")
    return tmp_path


def test_resize_is_tensorflows_bilinear():
    """The NumPy resize gives keras.ops.image.resize's bilinear (no antialiasing) values on this backend."""
    import keras
    image = np.random.default_rng(1).uniform(0, 255, (37, 53, 3)).astype("float32")
    for size in [(16, 16), (64, 80), (37, 20)]:
        expected = keras.ops.convert_to_numpy(keras.ops.image.resize(image, size, antialias=False))
        np.testing.assert_allclose(backends.resize_bilinear(image, size), expected, atol=0.01)


def test_the_folder_as_batches(folder):
    photos = backends.PhotoFolder.from_directory(folder, image_size=(24, 24), batch_size=4, label_mode="binary",
                                                 shuffle=False, verbose=False)
    assert photos.class_names == ["bo", "not_bo"] and len(photos.file_paths) == 7 and len(photos) == 2
    batches = list(photos)
    assert batches[0][0].shape == (4, 24, 24, 3) and batches[0][0].dtype == np.float32
    assert np.concatenate([labels for _, labels in batches])[:, 0].tolist() == [0, 0, 0, 1, 1, 1, 1]
    doubled = photos.map(lambda images, labels: (images * 2, labels)).cache()
    np.testing.assert_allclose(next(iter(doubled))[0], 2 * batches[0][0])
    assert next(iter(doubled))[0] is next(iter(doubled))[0]  # cached: made once
    shuffled = photos.shuffle(100, seed=3)
    assert sorted(np.concatenate([labels for _, labels in shuffled])[:, 0]) == [0, 0, 0, 1, 1, 1, 1]


def test_keras_trains_and_predicts_on_it(folder):
    import keras
    photos = backends.PhotoFolder.from_directory(folder, image_size=(24, 24), batch_size=4, label_mode="binary",
                                                 shuffle=True, seed=1, verbose=False)
    model = keras.Sequential([keras.Input((24, 24, 3)), keras.layers.Rescaling(1 / 255),
                              keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True))
    model.fit(photos, epochs=1, verbose=0)
    unlabelled = backends.PhotoFolder.from_directory(folder, labels=None, image_size=(24, 24), shuffle=False,
                                                     verbose=False)
    assert model.predict(unlabelled, verbose=0).shape == (7, 1)


@pytest.mark.skipif(not backends.has_tensorflow(), reason="compares with Keras' tf.data loader")
def test_the_same_as_keras_tf_data_loader(folder):
    import keras
    options = dict(image_size=(24, 24), batch_size=4, label_mode="binary", shuffle=True, seed=5, verbose=False)
    theirs = keras.utils.image_dataset_from_directory(folder, **options)
    ours = backends.PhotoFolder.from_directory(folder, **options)
    assert ours.file_paths == theirs.file_paths and ours.class_names == theirs.class_names
    theirs = keras.utils.image_dataset_from_directory(folder, **{**options, "shuffle": False})
    ours = backends.PhotoFolder.from_directory(folder, **{**options, "shuffle": False})
    for (a, labels_a), (b, labels_b) in zip(theirs, ours):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(a), b, atol=0.01)
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(labels_a), labels_b)


def test_without_tensorflow_the_helper_uses_it(folder, monkeypatch):
    monkeypatch.setattr(backends, "has_tensorflow", lambda: False)
    photos = backends.image_dataset_from_directory(folder, image_size=(8, 8), label_mode="int", shuffle=False,
                                                   verbose=False)
    assert type(photos).__name__ == "_PhotoDataset" and photos.class_names == ["bo", "not_bo"]
    assert next(iter(photos))[1].dtype == np.int32
