"""Does Dropout(0.2) reduce overfitting with the offline stand-in? Several seeds, one table.

Usage: python research/dropout_study.py [--seeds 42,1,2] [--modes notebook,static,fresh,fresh_only] [--epochs 15]
                                     [--cut-layer conv_pw_12_relu]
Needs the offline weights and cats_and_dogs_filtered (WORKSHOP_MIRROR, e.g. ../shared). 24 runs: several minutes on
2 idle cores (the earlier 18-run version took 5-6 min); 47 min measured on a busy shared 2-core machine.

Notebook 5's head (Flatten -> Dense(1024, relu) -> [Dropout(0.2)] -> Dense(1) logit, RMSprop 1e-4) on
MobileNet alpha=0.25 cut at conv_pw_12_relu (224 px; notebook 5's offline cut), trained on features computed once:
  notebook:   the 600 photos' features plus one augmented copy, every epoch (what notebook 5 does offline)
  static:     the 600 photos' features every epoch
  fresh:      each epoch a different version: the photos, then augmented copy 1, 2, ... (like a generator)
  fresh_only: each epoch a different augmented copy only
Prints each run's final training/validation accuracy, the mean validation loss of the last 5 epochs,
and the train-validation accuracy gap; then how often dropout gave the lower validation loss.
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "notebooks"))
import workshop  # noqa: E402


def parse_args():
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="42,1,2")
    parser.add_argument("--modes", default="notebook,static,fresh,fresh_only")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--copies", type=int, default=6, help="augmented copies of the training photos")
    parser.add_argument("--cut-layer", default="conv_pw_12_relu", help="where to cut MobileNet (notebook 5's cut)")
    return parser.parse_args()


def epoch_versions(versions, batch_size=32):
    """A keras PyDataset that serves versions[epoch % len(versions)], shuffled, in each epoch."""
    import keras
    import numpy as np

    class Versions(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.epoch, self.order = 0, np.random.RandomState(0).permutation(len(versions[0][1]))

        def __len__(self):
            return -(-len(self.order) // batch_size)

        def __getitem__(self, i):
            x, y = versions[self.epoch % len(versions)]
            index = self.order[i * batch_size:(i + 1) * batch_size]
            return x[index], y[index]

        def on_epoch_end(self):
            self.epoch += 1
            self.order = np.random.RandomState(self.epoch).permutation(len(self.order))
    return Versions()


def train(data, valid, rate, seed, epochs):
    """Train notebook 5's head on feature data; return its history as a dict of lists."""
    import keras
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(valid[0].shape[1:])
    x = keras.layers.Dense(1024, activation="relu")(keras.layers.Flatten()(inputs))
    if rate:
        x = keras.layers.Dropout(rate)(x)
    head = keras.Model(inputs, keras.layers.Dense(1)(x))  # one logit, as in notebook 5
    head.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-4),
                 loss=keras.losses.BinaryCrossentropy(from_logits=True),
                 metrics=[keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy")])
    fit = dict(x=data[0], y=data[1], batch_size=32) if isinstance(data, tuple) else dict(x=data)
    return head.fit(**fit, epochs=epochs, validation_data=valid, verbose=0).history


def main():
    """Compute features once, train every (mode, seed, dropout) combination, print the table."""
    import numpy as np
    args = parse_args()
    workshop.setup(models=["inception_v3_notop"], data=["cats_and_dogs_filtered"], profile="offline")
    import keras
    from keras.applications.mobilenet import preprocess_input
    load = dict(image_size=(224, 224), batch_size=50, label_mode="binary", shuffle=False, verbose=False)
    train_images = keras.utils.image_dataset_from_directory(workshop.DATA / "cats_and_dogs_filtered/train", **load)
    valid_images = keras.utils.image_dataset_from_directory(
        workshop.DATA / "cats_and_dogs_filtered/validation", **load)
    base = keras.applications.MobileNet(alpha=0.25, input_shape=(224, 224, 3), include_top=False, weights="imagenet")
    cut_model = keras.Model(base.input, base.get_layer(args.cut_layer).output)
    augmentation = keras.Sequential([
        keras.layers.RandomRotation(40 / 360), keras.layers.RandomTranslation(0.2, 0.2),
        keras.layers.RandomShear(0.2, 0.2), keras.layers.RandomZoom(0.2), keras.layers.RandomFlip("horizontal")])
    photos = workshop.extract_features(cut_model, train_images, preprocess_input)
    copies = [workshop.extract_features(cut_model, train_images, preprocess_input, augmentation)
              for _ in range(args.copies)]
    valid = workshop.extract_features(cut_model, valid_images, preprocess_input)
    photos_and_copy = tuple(np.concatenate([a, b]) for a, b in zip(photos, copies[0]))
    print(f"MobileNet alpha=0.25 cut at {args.cut_layer}: features {photos[0].shape[1:]}; "
          f"{args.epochs} epochs per run", flush=True)
    data = {"notebook": lambda: photos_and_copy, "static": lambda: photos,
            "fresh": lambda: epoch_versions([photos] + copies),
            "fresh_only": lambda: epoch_versions(copies)}
    print(f"{'mode':11s} {'seed':>4s} {'dropout':>7s} {'train acc':>9s} {'val acc':>7s} "
          f"{'val loss (last 5)':>17s} {'gap (last 5)':>12s}", flush=True)
    wins = total = 0
    for mode in args.modes.split(","):
        for seed in map(int, args.seeds.split(",")):
            losses = []
            for rate in (None, 0.2):
                logs = train(data[mode](), valid, rate, seed, args.epochs)
                val_loss = float(np.mean(logs["val_loss"][-5:]))
                gap = float(np.mean(np.subtract(logs["accuracy"][-5:], logs["val_accuracy"][-5:])))
                losses.append(val_loss)
                print(f"{mode:11s} {seed:4d} {str(rate or 0):>7s} {logs['accuracy'][-1]:9.3f} "
                      f"{logs['val_accuracy'][-1]:7.3f} {val_loss:17.3f} {gap:12.3f}", flush=True)
            wins += losses[1] < losses[0]
            total += 1
    print(f"Dropout(0.2) gave the lower validation loss (mean of the last 5 epochs) in {wins} of {total} pairs.")


if __name__ == "__main__":
    main()
