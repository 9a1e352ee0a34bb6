"""Grad-CAM saliency maps and "try your own photo", on a real photo with the offline MobileNet."""
import os

import numpy as np
import pytest

import workshop

pytestmark = pytest.mark.usefixtures("shared")


@pytest.fixture(scope="module")
def photos(shared):
    """The doggy-door photos, verified, from the mirror."""
    return workshop.dataset("doggy_door_images", shared)


@pytest.fixture(scope="module")
def mobilenet(shared):
    """The offline stand-in classifier with its real ImageNet weights."""
    for name in ["imagenet_class_index.json", "mobilenet_2_5_224_tf.h5", "mobilenet_2_5_224_tf_no_top.h5"]:
        workshop.fetch(workshop.files.entry(name), shared)
    import keras
    return keras.applications.MobileNet(alpha=0.25, weights="imagenet")


def batch_of(path):
    """A photo as MobileNet's input batch of one."""
    from keras.applications.mobilenet import preprocess_input
    return preprocess_input(workshop.load_image(path, target_size=(224, 224))[None])


def assert_is_a_saliency_map(heatmap, shape):
    assert heatmap.shape == shape
    assert heatmap.min() >= 0.0 and heatmap.max() == pytest.approx(1.0)
    assert heatmap.std() > 0.05  # it highlights a region: not a constant map
    assert (heatmap < 0.5).mean() > 0.2  # and not everything


def test_grad_cam_on_the_dog_photo(mobilenet, photos):
    heatmap = workshop.grad_cam(mobilenet, batch_of(photos / "happy_dog.jpg"), "conv_pw_13_relu")
    assert_is_a_saliency_map(heatmap, (7, 7))
    assert workshop.last_conv_layer(mobilenet) == "conv_pw_13_relu"


def test_grad_cam_depends_on_the_class(mobilenet, photos):
    batch = batch_of(photos / "happy_dog.jpg")
    dog = workshop.grad_cam(mobilenet, batch, "conv_pw_13_relu")
    boar = workshop.grad_cam(mobilenet, batch, "conv_pw_13_relu", class_index=342)  # wild boar
    assert not np.allclose(dog, boar)


def bo_door_like(base):
    """A door built as in notebook 4: preprocessing, the frozen base nested inside, a one-logit head."""
    import keras
    base.trainable = False
    head = keras.Sequential([keras.Input(base.output.shape[1:]), keras.layers.GlobalAveragePooling2D(),
                             keras.layers.Dense(1)], name="head")
    raw = keras.Input((224, 224, 3))
    door = keras.Model(raw, head(base(keras.applications.mobilenet.preprocess_input(raw), training=False)))
    return door, head


def test_grad_cam_on_notebook_4s_flat_view_of_a_door(photos):
    import keras
    base = keras.applications.MobileNet(alpha=0.25, include_top=False, weights="imagenet", input_shape=(224, 224, 3))
    door, head = bo_door_like(base)
    with pytest.raises(workshop.WorkshopError, match="notebook 4"):  # the base is nested: no feature map on top
        workshop.last_conv_layer(door)
    door_view = keras.Model(base.input, head(base.output))  # notebook 4: the same layers, the base's on top
    photo = workshop.load_image(photos / "happy_dog.jpg", target_size=(224, 224))[None]
    np.testing.assert_allclose(door_view.predict(batch_of(photos / "happy_dog.jpg"), verbose=0),
                               door.predict(photo, verbose=0), rtol=1e-4, atol=1e-4)  # the same decision
    assert workshop.last_conv_layer(door_view) == "conv_pw_13_relu"
    heatmap = workshop.grad_cam(door_view, batch_of(photos / "happy_dog.jpg"))
    assert heatmap.shape == (7, 7) and 0.0 <= heatmap.min() and heatmap.max() <= 1.0
    assert heatmap.std() > 0.0


def tiny_classifier(kernel, activation):
    """Input -> a 1x1 convolution that passes its 2 channels through -> average pooling -> Dense(kernel, activation):
    each class's score before the activation is (mean of channel 0, mean of channel 1) @ kernel."""
    import keras
    photo = keras.Input((4, 4, 2))
    conv = keras.layers.Conv2D(2, 1, use_bias=False, name="conv")
    dense = keras.layers.Dense(kernel.shape[1], activation=activation, name="predictions")
    model = keras.Model(photo, dense(keras.layers.GlobalAveragePooling2D()(conv(photo))))
    conv.set_weights([np.eye(2, dtype="float32").reshape(1, 1, 2, 2)])
    dense.set_weights([kernel.astype("float32"), np.zeros(kernel.shape[1], "float32")])
    return model


LEFT_AND_RIGHT = np.stack([np.repeat([[1, 1, 0, 0]], 4, axis=0),  # channel 0: the left half of the photo
                           np.repeat([[0, 0, 1, 1]], 4, axis=0)], axis=-1)[None].astype("float32")  # 1: the right


def normalised(cam):
    cam = np.maximum(cam, 0)
    return cam / cam.max()


def test_grad_cam_explains_the_score_before_softmax():
    """With pooling and one dense layer, Grad-CAM of the score before softmax is the channels weighted by the class's
    kernel column: left 1, right 0.5. The gradient of the softmax output would subtract the other classes' columns,
    weighted by their probabilities, and blank the right half, which class 1 also uses."""
    kernel = np.array([[1.0, 0.0, 0.0],    # channel 0 (left) raises class 0
                       [0.5, 3.0, 0.0]])   # channel 1 (right) raises class 0 a little, class 1 a lot
    model = tiny_classifier(kernel, "softmax")
    before = model.predict(LEFT_AND_RIGHT, verbose=0)
    assert workshop.last_conv_layer(model) == "conv"
    heatmap = workshop.grad_cam(model, LEFT_AND_RIGHT, class_index=0)  # not the top class: class 1 is
    before_softmax = normalised(LEFT_AND_RIGHT[0] @ kernel[:, 0])
    p = before[0]
    after_softmax = normalised(LEFT_AND_RIGHT[0] @ (kernel[:, 0] - kernel @ p))  # d p_0 / d maps, up to p_0 > 0
    assert np.abs(before_softmax - after_softmax).max() > 0.4  # the two definitions differ clearly here
    np.testing.assert_allclose(heatmap, before_softmax, atol=1e-5)
    np.testing.assert_allclose(heatmap[:, 2:], 0.5, atol=1e-5)  # the right half: evidence for class 0 as well
    assert model.layers[-1].activation.__name__ == "softmax"  # the user's model is unchanged
    np.testing.assert_allclose(model.predict(LEFT_AND_RIGHT, verbose=0), before)


def test_grad_cam_of_one_logit_explains_class_1_and_class_0():
    """A one-unit model: the logit is the evidence for class 1 and minus the logit the evidence for class 0."""
    model = tiny_classifier(np.array([[1.0], [-1.0]]), "sigmoid")  # left: class 1, right: class 0
    for class_index, evidence in [(1, [1, 1, 0, 0]), (0, [0, 0, 1, 1])]:
        heatmap = workshop.grad_cam(model, LEFT_AND_RIGHT, class_index=class_index)
        np.testing.assert_allclose(heatmap, np.repeat([evidence], 4, axis=0), atol=1e-5)


@pytest.mark.slow
def test_vgg16s_last_convolutional_feature_map_is_block5_conv3_not_its_pooling():
    import keras
    vgg16 = keras.applications.VGG16(weights=None)  # the architecture only, nothing to download
    assert workshop.last_conv_layer(vgg16) == "block5_conv3"
    photo = np.random.default_rng(0).uniform(-100, 100, (1, 224, 224, 3)).astype("float32")
    assert workshop.grad_cam(vgg16, photo).shape == (14, 14)  # block5_conv3's grid, before block5_pool halves it
    assert vgg16.layers[-1].activation.__name__ == "softmax" and len(vgg16.layers) == 23  # unchanged


def test_a_wrong_layer_name_is_explained_by_keras(mobilenet, photos):
    with pytest.raises(ValueError, match="conv_pw_13_relu"):  # Keras lists the model's layer names
        workshop.grad_cam(mobilenet, batch_of(photos / "happy_dog.jpg"), "block5_conv3")


def test_show_saliency_draws_the_overlay(mobilenet, photos, monkeypatch):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    monkeypatch.setattr(plt, "show", lambda: None)
    heatmap = workshop.grad_cam(mobilenet, batch_of(photos / "happy_dog.jpg"))
    workshop.show_saliency(photos / "happy_dog.jpg", heatmap)
    assert len(plt.gcf().axes) == 2
    plt.close("all")


def test_try_photo_from_a_path_and_from_bytes(mobilenet, photos, monkeypatch, capsys):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    monkeypatch.setattr(plt, "show", lambda: None)
    predict = lambda path: mobilenet.predict(batch_of(path), verbose=0)  # noqa: E731
    door = lambda path: "Doggy come on in!" if 151 <= np.argmax(predict(path)) <= 268 else "Stay outside!"  # noqa: E731
    from_path = workshop.try_photo(photos / "happy_dog.jpg", predict, door)
    from_bytes = workshop.try_photo((photos / "happy_dog.jpg").read_bytes(), predict, door, name="dog.jpg")
    assert [label for label, _ in from_path["top"]] == [label for label, _ in from_bytes["top"]]
    assert len(from_path["top"]) == 3 and from_path["decision"] == "Doggy come on in!"
    assert from_bytes["photo"].name == "dog.jpg"
    assert capsys.readouterr().out.count("Door: Doggy come on in!") == 2
    plt.close("all")


def test_an_upload_that_is_not_a_photo_is_explained():
    with pytest.raises(workshop.ImageLoadError, match="notes.txt"):
        workshop.try_photo(b"just some text", lambda p: None, lambda p: None, name="notes.txt")


def test_the_widget_is_built():
    widget = workshop.door_widget(lambda p: None, lambda p: None)
    assert type(widget.children[0]).__name__ == "FileUpload"


def test_uploads_are_read_in_both_ipywidgets_formats():
    """ipywidgets 8 gives a list of dicts; ipywidgets 7 (Colab) a dict keyed by file name."""
    from workshop.doors import uploaded_files
    assert uploaded_files(({"name": "bo.jpg", "content": b"x", "size": 1},)) == [("bo.jpg", b"x")]
    assert uploaded_files({"bo.jpg": {"metadata": {"name": "bo.jpg"}, "content": b"x"}}) == [("bo.jpg", b"x")]


# ---- The same map on every Keras backend installed ---------------------------------------------------------
OTHER_BACKEND_MAP = """
import sys
import numpy as np
import keras
import workshop
from keras.applications.mobilenet import preprocess_input
model = keras.applications.MobileNet(alpha=0.25, weights="imagenet")
batch = preprocess_input(workshop.load_image(sys.argv[1], target_size=(224, 224))[None])
np.save(sys.argv[2], workshop.grad_cam(model, batch, "conv_pw_13_relu"))
"""


def backend_python(backend, request):
    """A Python whose Keras runs on `backend`: this one if the package is installed here, .venv-jax for JAX."""
    import importlib.util
    import sys
    import keras
    if backend == keras.backend.backend():
        pytest.skip(f"{backend}: this process's own backend")
    if importlib.util.find_spec(backend) is not None:
        return sys.executable
    if backend == "jax":
        return str(request.getfixturevalue("jax_python"))
    pytest.skip(f"{backend} is not installed here (tools/gpu_check.sh runs the lesson on it)")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_grad_cam_gives_the_same_map_on_every_backend(backend, mobilenet, photos, tmp_path, request):
    """grad_cam's one backend switch (GradientTape, jax.grad, torch.autograd) gives this backend's map."""
    import subprocess
    python = backend_python(backend, request)
    here = workshop.grad_cam(mobilenet, batch_of(photos / "happy_dog.jpg"), "conv_pw_13_relu")
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run([python, "-c", OTHER_BACKEND_MAP, str(photos / "happy_dog.jpg"),
                    str(tmp_path / "map.npy")], env=env, check=True, timeout=600)
    np.testing.assert_allclose(np.load(tmp_path / "map.npy"), here, atol=1e-4)
