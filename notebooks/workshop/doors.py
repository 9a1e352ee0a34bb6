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
def last_conv_layer(model):
    """The name of the model's last layer with an image-like (h, w > 1) output: a feature map."""
    for layer in reversed(model.layers):
        shape = layer.output.shape
        nested_or_input = hasattr(layer, "layers") or type(layer).__name__ == "InputLayer"
        if len(shape) == 4 and (shape[1] or 2) > 1 and not nested_or_input:  # a feature map, not a 1x1 head
            return layer.name
    raise WorkshopError(f"Model {model.name!r} has no convolutional layer at its top level for a saliency map "
                        "(for a base nested inside, build the model from the base's input: see notebook 4).")


def grad_cam(model, batch, layer_name=None, class_index=None):
    """Grad-CAM, as in keras.io's example: a (h, w) map in 0..1 of where a layer's features raised the class score.

    The model is split at the layer, as in Deep Learning with Python (3rd ed.): `features` (input -> the layer's
    feature maps) and `head` (feature maps -> output). Only the gradient of the score with respect to the feature
    maps needs the backend's own autodiff (`gradient` below); the rest is keras.ops, the same on every backend.
    """
    import keras
    from keras import ops
    layer = model.get_layer(layer_name or last_conv_layer(model))  # a wrong name: Keras lists the right ones
    features = keras.Model(model.input, layer.output)(ops.convert_to_tensor(batch, "float32")[:1], training=False)
    head = keras.Model(layer.output, model.output)  # the rest of the model, from those feature maps on
    index = _explained_class(model, ops.convert_to_numpy(head(features, training=False))[0], class_index)

    def score(feature_maps):  # the evidence for class `index` (one unit: for class 1, or against it)
        output = head(feature_maps, training=False)[0]
        return output[0] * (1 if index == 1 else -1) if output.shape[-1] == 1 else output[index]

    weights = ops.mean(gradient(score, features), axis=(0, 1, 2))  # how much each feature map matters
    cam = ops.convert_to_numpy(ops.relu(ops.sum(features[0] * weights, axis=-1)))
    return cam / cam.max() if cam.max() > 0 else cam


def _explained_class(model, output, class_index=None):
    """The class a map explains: `class_index`, else the predicted one (one unit: 1 above the threshold, else 0)."""
    if class_index is not None:
        return class_index
    if output.shape[-1] == 1:  # one unit (bo vs not_bo): sigmoid gives probabilities, else logits
        activation = getattr(model.layers[-1], "activation", None)
        return int(output[0] > (0.5 if getattr(activation, "__name__", "") == "sigmoid" else 0.0))
    return int(np.argmax(output))


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
