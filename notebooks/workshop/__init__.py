"""The workshop's helper: plumbing only; the lesson itself (models, freezing, heads, fit) is in the notebooks.

What lives where (notebooks/workshop/):
| file        | what                                                                               |
|-------------|------------------------------------------------------------------------------------|
| files.py    | every path, hash, mirror, registry and download rule; `fetch` (cache, mirror, URL) |
| profiles.py | the profiles, `setup()` and its banner (the stand-in in keras.applications), `Settings`, seeds, Colab, `filled_in()` |
| data.py     | `dataset()`, Bo's door splits (`bo_door_splits()`), `check_image_folder()`         |
| images.py   | `load_image()` for any photo file, `show_image()`, ImageNet labels, input shapes   |
| training.py | `extract_features()` (taught in notebook 3), training curves, `compare_runs()`, `execute_notebook()` (tools) |
| doors.py    | try your own photo, Grad-CAM saliency maps (on every Keras backend)                |
| backends.py | `image_dataset_from_directory()`: Keras' own with TensorFlow, a NumPy loader without it |
| errors.py   | `WorkshopError`: every message says what is wrong and what to do                   |
It does not import TensorFlow at import time: `setup()` sets KERAS_HOME first.
"""
# The names the notebooks and tools use, as workshop.<name>:
from .errors import ImageLoadError, MissingFilesError, WorkshopError
from .files import DATA, NOTEBOOKS, OUTPUT, ROOT, fetch
from .profiles import SEED, filled_in, set_seeds, setup
from .images import check_input_shape, imagenet_labels, load_image, show_augmentations, show_image
from .data import bo_door_splits, check_image_folder, dataset
from .training import compare_runs, execute_notebook, extract_features, plot_runs, plot_training_curves
from .doors import door_widget, grad_cam, last_conv_layer, show_saliency, try_photo
from .backends import image_dataset_from_directory
