"""Training: the feature loop taught in notebook 3, training curves, and executing a notebook (for the tools)."""
import os
from pathlib import Path

import numpy as np


def extract_features(base_model, dataset, preprocess_input, augmentation=None):
    """The base model's outputs for every image of a dataset (augmented first if asked), and the labels."""
    images, labels = [], []
    for batch_images, batch_labels in dataset:
        if augmentation is not None:
            batch_images = augmentation(batch_images, training=True)
        images.append(preprocess_input(batch_images))
        labels.append(np.asarray(batch_labels))
    # one predict call for all the images: each call has a start-up cost, paid once here
    return base_model.predict(np.concatenate(images), verbose=0), np.concatenate(labels)


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


def compare_runs(runs, photos):
    """Two runs' last validation accuracy and loss, and a verdict that says what `photos` validation photos can
    tell apart (one photo is 1/photos of accuracy): computed from the runs, never from a story."""
    (name, logs), (other, other_logs) = [(label, getattr(run, "history", run)) for label, run in runs.items()]
    metric = next(k for k in logs if k != "loss" and not k.startswith("val_"))
    for label, run_logs in ((name, logs), (other, other_logs)):
        print(f"{label:22s} validation accuracy {run_logs['val_' + metric][-1]:.3f}, "
              f"loss {run_logs['val_loss'][-1]:.3f}; training loss {run_logs['loss'][-1]:.4f}")
    apart = round((logs["val_" + metric][-1] - other_logs["val_" + metric][-1]) * photos)
    if abs(apart) <= 1:
        accuracy = (f"within one of the {photos} validation photos of each other: "
                    "these photos cannot tell the two apart by accuracy")
    else:
        accuracy = f"{name} gets {abs(apart)} of the {photos} validation photos {'more' if apart > 0 else 'fewer'} right"
    lower = name if logs["val_loss"][-1] < other_logs["val_loss"][-1] else other
    print(f"Verdict: {accuracy}; the lower validation loss (surer of the right labels): {lower}")


def execute_notebook(path, timeout=1800):
    """Execute a notebook top to bottom in its own folder; return it with its outputs (the file is unchanged)."""
    import nbformat
    from nbclient import NotebookClient
    notebook = nbformat.read(path, as_version=4)
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # no "frozen modules" debugger warning
    NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    return notebook

