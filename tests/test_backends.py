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


def test_no_notebook_trains_a_sigmoid_with_the_probability_loss():
    """On JAX and PyTorch, Keras computes binary_crossentropy from a sigmoid's clipped probabilities: once the sigmoid
    saturates, training stops moving (measured on JAX: notebook 5's heads stuck at loss 8.06). Only TensorFlow
    recovers the logits. So every head outputs a logit and its loss says from_logits=True."""
    import nbformat
    import workshop
    for path in workshop.NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                assert 'activation="sigmoid"' not in cell.source, f"{path.name}: {cell.source[:300]}"
                assert '"binary_crossentropy"' not in cell.source, f"{path.name}: {cell.source[:300]}"


def code_only(source):
    """Python source without its strings and comments (docstrings may name tf.data)."""
    import io
    import tokenize
    kept = [token.string for token in tokenize.generate_tokens(io.StringIO(source).readline)
            if token.type not in (tokenize.STRING, tokenize.COMMENT)]
    return " ".join(kept)


def test_only_grad_cams_switch_calls_a_backend_directly():
    """Backend-neutral code (CONTRIBUTING.md, "Keras backends"): no `import tensorflow`, `tf.` call or `.numpy()` in
    the notebooks' code or the helper, except in doors.gradient(), Grad-CAM's one visible switch."""
    import ast
    import re
    import nbformat
    import workshop
    direct = re.compile(r"\bimport tensorflow|\bfrom tensorflow|\btf \. \w|\. numpy \( \)")
    sources = {}
    for path in workshop.NOTEBOOKS:
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type == "code":  # IPython's ! and % lines are not Python
                sources[f"{path.name}, cell {i}"] = "\n".join(line for line in cell.source.splitlines()
                                                             if not line.lstrip().startswith(("!", "%")))
    for path in sorted((workshop.ROOT / "notebooks" / "workshop").glob("*.py")):
        text = path.read_text()
        for node in ast.parse(text).body:
            if not (path.name == "doors.py" and getattr(node, "name", "") == "gradient"):
                sources[f"{path.name}: {getattr(node, 'name', type(node).__name__)}"] = ast.get_source_segment(text, node)
    offenders = [where for where, source in sources.items() if direct.search(code_only(source))]
    assert offenders == [], offenders
    assert direct.search(code_only("import tensorflow as tf\nx = tf.constant(1)"))  # the check can fail
