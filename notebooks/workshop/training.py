"""Training: the feature loop taught in notebook 3, curves, cutting a model, saved models, running notebooks."""
import difflib
import os
from pathlib import Path

import numpy as np

from . import files
from .errors import WorkshopError
from .images import _nearby
from .profiles import current_profile


def extract_features(base_model, dataset, preprocess_input, augmentation=None):
    """The base model's outputs for every image of a dataset (augmented first if asked), and the labels."""
    features, labels = [], []
    for images, batch_labels in dataset:
        if augmentation is not None:
            images = augmentation(images, training=True)  # a new random variant of each photo
        features.append(base_model.predict(preprocess_input(images), verbose=0))
        labels.append(np.asarray(batch_labels))
    return np.concatenate(features), np.concatenate(labels)


def plot_training_curves(*histories, fine_tune_at=None, title=None):
    """Loss and accuracy per epoch of histories that continue ONE run (fine-tuning from epoch `fine_tune_at`)."""
    plot_runs({"": {key: [v for h in histories for v in h.history[key]] for key in histories[0].history}},
              title=title, fine_tune_at=fine_tune_at)


def plot_runs(runs, title=None, fine_tune_at=None):
    """Loss and accuracy per epoch of each run (a History or its logs): training solid, validation dashed."""
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(1, 2, figsize=(11, 4))
    for (label, run), colour in zip(runs.items(), ["tab:blue", "tab:red", "tab:green", "tab:purple"]):
        logs = getattr(run, "history", run)
        metric = next(k for k in logs if k != "loss" and not k.startswith("val_"))
        for axis, key in zip(axes, ("loss", metric)):
            for prefix, style, name in (("", "o-", "training"), ("val_", "s--", "validation")):
                axis.plot(range(1, len(logs[key]) + 1), logs[prefix + key], style, color=colour,
                          label=f"{label}: {name}".lstrip(": "))
    for axis, name in zip(axes, ("loss", "accuracy")):
        if fine_tune_at is not None:
            axis.axvline(fine_tune_at - 0.5, color="grey", linestyle=":", label="fine-tuning starts")
        axis.set(xlabel="epoch", ylabel=name)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    plt.show()  # shown once; nothing returned, so a cell ending with this call shows no second copy


def cut_at(model, layer_name):
    """The layer called `layer_name` (where to cut the model), or a WorkshopError listing the names."""
    names = [layer.name for layer in model.layers]
    if layer_name in names:
        return model.get_layer(layer_name)
    close = difflib.get_close_matches(str(layer_name), names, n=3, cutoff=0.6)
    hint = f" Did you mean {' or '.join(repr(n) for n in close)}?" if close else ""
    raise WorkshopError(f"Model {model.name!r} has no layer called {layer_name!r}.{hint}\n"
                        f"Its {len(names)} layer names, from input to output, are:\n  " + ", ".join(names))


def load_saved_model(path):
    """keras.models.load_model, with a clear WorkshopError for a missing, wrong or damaged file."""
    path = Path(path)
    if not path.exists():
        raise WorkshopError(f"{path}: no saved model here. Run the cell that saves the model first "
                            f"(model.save(...)), or check the name{_nearby(path)}.")
    if path.is_dir() or path.suffix not in (".keras", ".h5"):
        raise WorkshopError(f"{path}: not a model file. keras.models.load_model reads a '.keras' file "
                            "(or a legacy '.h5' file) written by model.save(...).")
    import keras
    try:
        return keras.models.load_model(path)
    except Exception as error:  # noqa: BLE001 -- many formats of failure, one actionable message
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
        advice = ("Save the model again with model.save('name.keras')" if path.suffix == ".keras" else
                  "Legacy .h5 files cannot hold every Keras 3 model: save it as '.keras' instead")
        raise WorkshopError(f"{path}: cannot be loaded as a Keras model ({reason}). "
                            f"The file may be damaged or incomplete. {advice}.") from None


def execute_notebook(path, timeout=1800):
    """Execute a notebook top to bottom in its own folder; return it with its outputs (the file is unchanged)."""
    import nbformat
    from nbclient import NotebookClient
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    return notebook


def run_notebook(name, timeout=1800):
    """In a notebook: execute another notebook of the workshop in this profile, e.g. to make a file it saves."""
    os.environ["WORKSHOP_PROFILE"] = current_profile()  # the other notebook's kernel inherits it
    execute_notebook(files.ROOT / "notebooks" / name, timeout)
