"""Keras' three backends (TensorFlow, JAX, PyTorch): the photo folders without TensorFlow.

`keras.utils.image_dataset_from_directory` returns a tf.data dataset, which every Keras backend accepts,
but it needs TensorFlow. Its TensorFlow-free `format="grain"` (Keras >= 3.12, the `grain` package) resizes
each photo with keras.ops, which on JAX compiles once per distinct photo size (33.6 s for the first pass
over 138 photos on 2 CPU cores) and offers no `.cache()`, and its `.map` takes one argument, not two.
So, without TensorFlow, `image_dataset_from_directory` below lists the same files in the same order
(Keras' own `index_directory`), decodes them with Pillow and resizes them with NumPy, bilinear like
TensorFlow's `tf.image.resize` (half-pixel centres, no antialiasing): no compilation on any backend.
It returns a `keras.utils.PyDataset`, which fit, evaluate and predict take on every backend, with the
parts of the tf.data API the lesson uses: `class_names`, `file_paths`, iteration over (images, labels)
batches, `.cache()`, `.map(fn)` with fn(images, labels), `.shuffle(buffer_size, seed=...)`.
"""
import functools
import importlib.util
import os

import numpy as np

from .errors import WorkshopError


def quiet_tensorflow():
    """Before TensorFlow is first imported (setup() calls it): no C++ log lines in the learner's outputs, and
    on a GPU memory taken as needed, so another notebook's kernel on the same GPU finds some. Measured on
    Colab's `tensorflow` 2.20 without a GPU: level 3 silences the cuInit error, oneDNN and CPU lines (level 2
    leaves the cuInit one). A value the learner set is kept."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")


def has_tensorflow():
    """True when TensorFlow is installed (then Keras' own image loading is used, whatever the backend)."""
    return importlib.util.find_spec("tensorflow") is not None


def image_dataset_from_directory(directory, **options):
    """keras.utils.image_dataset_from_directory where TensorFlow is installed; without it, the same photos,
    labels, order, class_names and file_paths as a keras.utils.PyDataset (see this module's docstring)."""
    import keras
    if has_tensorflow():
        return keras.utils.image_dataset_from_directory(directory, **options)
    return PhotoFolder.from_directory(directory, **options)


def resize_bilinear(image, size):
    """Resize an (h, w, c) float array to `size` (height, width) as tf.image.resize(method="bilinear") does."""
    for axis, new in enumerate(size):
        old = image.shape[axis]
        centres = np.clip((np.arange(new) + 0.5) * (old / new) - 0.5, 0, old - 1)  # half-pixel centres
        low = np.floor(centres).astype(int)
        high, weight = np.minimum(low + 1, old - 1), (centres - low).astype("float32")
        shape = [1, 1, 1]
        shape[axis] = new
        weight = weight.reshape(shape)
        image = np.take(image, low, axis=axis) * (1 - weight) + np.take(image, high, axis=axis) * weight
    return image.astype("float32")


def load_photo(path, image_size, num_channels=3):
    """One photo file as float32 (height, width, channels) at image_size, like Keras' tf.data loader (no EXIF
    rotation, as there). Pillow decodes JPEG with the accurate DCT, TensorFlow with the fast one: pixels differ
    by about 1 in 255 on average (at most 5 on Bo's photos); the resize itself agrees to 0.003."""
    from PIL import Image
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[num_channels]
    with Image.open(path) as image:
        pixels = np.asarray(image.convert(mode), dtype="float32")
    return resize_bilinear(pixels.reshape(*pixels.shape[:2], num_channels), image_size)


class PhotoFolder:
    """Photos listed once, batched in order; a keras.utils.PyDataset is made from it on demand."""

    @classmethod
    def from_directory(cls, directory, labels="inferred", label_mode="int", class_names=None,
                       color_mode="rgb", batch_size=32, image_size=(256, 256), shuffle=True, seed=None,
                       validation_split=None, subset=None, interpolation="bilinear", follow_links=False,
                       crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, data_format=None, verbose=True,
                       format="tf"):
        from keras.src.utils import dataset_utils
        from keras.src.utils.image_dataset_utils import ALLOWLIST_FORMATS
        unsupported = {"validation_split": validation_split, "subset": subset, "crop_to_aspect_ratio":
                       crop_to_aspect_ratio, "pad_to_aspect_ratio": pad_to_aspect_ratio}
        unsupported = [name for name, value in unsupported.items() if value]
        if unsupported or interpolation != "bilinear" or data_format not in (None, "channels_last"):
            raise WorkshopError(f"Without TensorFlow the workshop's image_dataset_from_directory supports "
                                f"bilinear, channels_last, whole folders only, not {unsupported or interpolation}; "
                                "install TensorFlow (requirements.txt) for the rest.")
        seed = np.random.randint(1_000_000) if seed is None else seed
        paths, label_list, class_names = dataset_utils.index_directory(
            str(directory), labels, formats=ALLOWLIST_FORMATS, class_names=class_names, shuffle=shuffle,
            seed=seed, follow_links=follow_links, verbose=verbose)
        if not paths:
            raise ValueError(f"No images found in directory {directory}. Allowed formats: {ALLOWLIST_FORMATS}")
        if label_mode == "binary" and len(class_names) != 2:
            raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 class_names. '
                             f"Received: class_names={class_names}")
        channels = {"rgb": 3, "grayscale": 1, "rgba": 4}[color_mode]
        targets = None if label_mode is None or labels is None else _encode(label_list, label_mode,
                                                                            len(class_names))
        return PhotoDataset(paths, targets, class_names, tuple(image_size), channels, batch_size or len(paths))


def _encode(labels, label_mode, num_classes):
    """Labels as tf.data gives them: binary (n, 1) float32, int int32, categorical one-hot float32."""
    labels = np.asarray(labels)
    if label_mode == "binary":
        return labels.astype("float32")[:, None]
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[labels]
    return labels.astype("int32")


@functools.cache
def _py_dataset_class():
    import keras

    class _PhotoDataset(keras.utils.PyDataset):
        """Batches of (images, labels), or images alone (labels=None), decoded when asked for."""

        def __init__(self, paths, targets, class_names, image_size, channels, batch_size, order=None,
                     transform=None, cached=None):
            super().__init__()
            self.file_paths, self.class_names = list(paths), class_names
            self._targets, self._size, self._channels, self._batch = targets, image_size, channels, batch_size
            self._order = np.arange(len(self.file_paths)) if order is None else order
            self._transform, self._cached = transform, cached

        def _copy(self, **changes):
            fields = dict(order=self._order, transform=self._transform, cached=self._cached)
            return type(self)(self.file_paths, self._targets, self.class_names, self._size, self._channels,
                              self._batch, **{**fields, **changes})

        @property
        def num_batches(self):
            return -(-len(self._order) // self._batch)

        def __len__(self):
            return self.num_batches

        def __getitem__(self, index):
            if not 0 <= index < len(self):
                raise IndexError(index)
            if self._cached is not None and index in self._cached:
                return self._cached[index]
            chosen = self._order[index * self._batch:(index + 1) * self._batch]
            images = np.stack([load_photo(self.file_paths[i], self._size, self._channels) for i in chosen])
            batch = images if self._targets is None else (images, self._targets[chosen])
            if self._transform is not None:
                batch = self._transform(*batch) if isinstance(batch, tuple) else self._transform(batch)
            if self._cached is not None:
                self._cached[index] = batch
            return batch

        def __iter__(self):
            return (self[i] for i in range(len(self)))

        def cache(self):
            """Keep each batch once it is made (as tf.data's .cache(): from the second pass on, no decoding)."""
            return self._copy(cached={})

        def map(self, function):
            """A dataset of function(images, labels) for each batch (function(images) without labels)."""
            previous = self._transform
            if previous is None:
                return self._copy(transform=function)
            return self._copy(transform=lambda *batch: function(*_as_tuple(previous(*batch))))

        def shuffle(self, buffer_size, seed=None):
            """The photos in a random order (chosen once, from `seed`; buffer_size is not used)."""
            return self._copy(order=np.random.default_rng(seed).permutation(self._order))

    return _PhotoDataset


def _as_tuple(batch):
    return batch if isinstance(batch, tuple) else (batch,)


def PhotoDataset(*args, **kwargs):
    """A keras.utils.PyDataset of photo batches (Keras is imported only when one is made)."""
    return _py_dataset_class()(*args, **kwargs)
