"""The doggy doors: try your own photo, and Grad-CAM saliency maps (why did the door open?)."""
import tempfile
from pathlib import Path

import numpy as np

from .errors import WorkshopError
from .images import imagenet_labels, load_image, show_image


def try_photo(photo, predict, door, name="uploaded_photo"):
    """Show a photo (a path, or an upload's bytes) with its top-3 classes and the door's decision; return them."""
    upload = isinstance(photo, (bytes, bytearray, memoryview))
    path = Path(tempfile.mkdtemp(prefix="photo-")) / Path(name).name if upload else Path(photo)
    if upload:  # an upload's bytes: write them to a file first
        path.write_bytes(bytes(photo))
    load_image(path)  # a clear ImageLoadError for anything that is not a usable photo
    import keras
    predictions = keras.ops.convert_to_numpy(predict(path)).reshape(-1)  # also a backend tensor, e.g. on a GPU
    labels = imagenet_labels()
    report = {"photo": path, "decision": door(path),
              "top": [(labels[i], float(predictions[i])) for i in np.argsort(predictions)[::-1][:3]]}
    show_image(path, title=report["decision"])
    for label, probability in report["top"]:
        print(f"  {label:30s} {probability:.3f}")
    print("Door:", report["decision"])
    return report


def door_widget(predict, door):
    """An upload button: each photo uploaded is shown with its top-3 classes and the decision."""
    import ipywidgets
    upload = ipywidgets.FileUpload(accept="image/*", multiple=False, description="Your photo")
    output = ipywidgets.Output()

    def on_upload(change):
        output.clear_output()
        with output:
            for name, content in uploaded_files(change["new"]):
                try:
                    try_photo(content, predict, door, name=name)
                except WorkshopError as error:
                    print(error)

    upload.observe(on_upload, names="value")
    return ipywidgets.VBox([upload, output])


def uploaded_files(value):
    """(name, bytes) of each file in a FileUpload value: ipywidgets 8 (a list) or 7, as on Colab (a dict)."""
    if isinstance(value, dict):
        return [(name, item["content"]) for name, item in value.items()]
    return [(item["name"], item["content"]) for item in value]


# ---- Why did the door open? Grad-CAM ----------------------------------------
POOLING_OR_DROPOUT = ("Pooling", "Dropout")  # layers after the last convolution that only shrink or mask its maps


def last_conv_layer(model):
    """The name of the model's last convolutional feature map, as Grad-CAM uses it (Selvaraju et al. 2017): the
    last top-level layer with an image-like (h, w > 1) output that is not a pooling layer (VGG16: block5_conv3,
    not block5_pool; MobileNet: conv_pw_13_relu; InceptionV3: mixed10)."""
    for layer in reversed(model.layers):
        shape, kind = layer.output.shape, type(layer).__name__
        nested_or_input = hasattr(layer, "layers") or kind == "InputLayer"
        shrinks = any(word in kind for word in POOLING_OR_DROPOUT)
        if len(shape) == 4 and (shape[1] or 2) > 1 and not (nested_or_input or shrinks):  # not a 1x1 head
            return layer.name
    raise WorkshopError(f"Model {model.name!r} has no convolutional layer at its top level for a saliency map "
                        "(for a base nested inside, build the model from the base's input: see notebook 4).")


def grad_cam(model, batch, layer_name=None, class_index=None):
    """Grad-CAM (Selvaraju et al. 2017, arXiv:1610.02391; keras.io's "Grad-CAM class activation visualization"):
    a (h, w) map in 0..1 of where the layer's feature maps raised the score of one class.

    The score is the class's score before softmax (a one-unit model: its logit, for class 1, or minus it, for
    class 0), the last convolutional feature map's by default. The model is split at the layer, as in Deep Learning
    with Python (3rd ed.): `features` (input -> feature maps) and `scores` (feature maps -> class scores), which
    share the model's weights and leave the model unchanged. Only the gradient of the score with respect to the
    feature maps needs the backend's own autodiff (`gradient` below); the rest is keras.ops, the same everywhere.
    """
    import keras
    from keras import ops
    layer = model.get_layer(layer_name or last_conv_layer(model))  # a wrong name: Keras lists the right ones
    features = keras.Model(model.input, layer.output)(ops.convert_to_tensor(batch, "float32")[:1], training=False)
    scores = keras.Model(layer.output, class_scores(model))  # the rest of the model, up to the scores
    index = explained_class(ops.convert_to_numpy(scores(features, training=False))[0], class_index)

    def score(feature_maps):  # the evidence for class `index` (one unit: for class 1, or against it)
        output = scores(feature_maps, training=False)[0]
        return output[0] * (1 if index == 1 else -1) if output.shape[-1] == 1 else output[index]

    weights = ops.mean(gradient(score, features), axis=(0, 1, 2))  # how much each feature map matters
    cam = ops.convert_to_numpy(ops.relu(ops.sum(features[0] * weights, axis=-1)))
    return cam / cam.max() if cam.max() > 0 else cam


def explained_class(scores, class_index=None):
    """The class a map explains: `class_index`, else the predicted one (one logit: 1 if positive, else 0)."""
    if class_index is not None:
        return class_index
    return int(scores[0] > 0) if scores.shape[-1] == 1 else int(np.argmax(scores))


def class_scores(model):
    """The model's class scores before its final softmax or sigmoid, as a symbolic tensor of its graph. A final
    Activation layer: its input. A final layer with the activation built in (VGG16's Dense "predictions"): a copy
    of that layer without the activation, with the same weights, applied to its input. The model is unchanged."""
    last = model.layers[-1]
    if getattr(getattr(last, "activation", None), "__name__", "") not in ("softmax", "sigmoid"):
        return model.output  # already scores (logits), e.g. a door's Dense(1) head
    if type(last).__name__ == "Activation":
        return last.input
    linear = type(last).from_config({**last.get_config(), "activation": "linear", "name": f"{last.name}_scores"})
    scores = linear(last.input)
    linear.set_weights(last.get_weights())
    return scores


def gradient(function, x):
    """The gradient of a scalar function at x: the one step each backend does its own way."""
    import keras
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = function(x)
        return tape.gradient(y, x)
    if backend == "torch":
        import torch
        x = x.detach().requires_grad_(True)  # a leaf tensor whose gradient torch keeps
        return torch.autograd.grad(function(x), x)[0]
    if backend == "jax":
        import jax
        return jax.grad(function)(x)
    raise WorkshopError(f"Grad-CAM needs gradients: KERAS_BACKEND={backend!r} is not supported here; "
                        "use tensorflow, jax or torch.")


def show_saliency(photo_path, heatmap, title=None, opacity=0.45):
    """Show a photo beside the same photo with the Grad-CAM heatmap laid over it."""
    import matplotlib.pyplot as plt
    from PIL import Image
    photo = load_image(photo_path)
    heat = Image.fromarray(np.uint8(255 * np.clip(heatmap, 0, 1))).resize(photo.shape[1::-1], Image.BILINEAR)
    overlay = (1 - opacity) * photo + opacity * plt.get_cmap("jet")(np.asarray(heat) / 255.0)[..., :3] * 255
    figure, axes = plt.subplots(1, 2, figsize=(8, 4))
    for axis, image, caption in zip(axes, [photo, overlay], ["photo", "Grad-CAM: where the evidence is"]):
        axis.imshow(image.astype("uint8"))
        axis.set_title(caption)
        axis.axis("off")
    figure.suptitle(title or Path(photo_path).name)
    figure.tight_layout()
    plt.show()
