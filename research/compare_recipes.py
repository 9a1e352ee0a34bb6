"""Bo's door: the fast recipe of notebook 3 against an end-to-end fit, on the test split, several seeds.

Usage:  WORKSHOP_MIRROR=../shared python research/compare_recipes.py            # offline profile, 3 seeds
        python research/compare_recipes.py --seeds 42 43 44 45 46             # more seeds
        python research/compare_recipes.py --quick                            # smoke run: 1 seed, 2 epochs
        python research/compare_recipes.py --profile structural --quick       # code path only (VGG16, random
                                                                           # weights, 2 photos per class): ~1 min

Both recipes train the same head (GlobalAveragePooling2D + Dense(1)) on the same frozen base, on
the train split, with 20 epochs, batch 8 and RMSprop, as notebook 3 does:
  cached:     notebook 3's recipe. The frozen base computes the features of a few augmented copies of
              the training photos ONCE (offline profile: 4 copies; full profile: 1); the head trains
              on these fixed features. Every epoch sees the same few augmented versions.
  end-to-end: the TensorFlow transfer-learning tutorial's recipe. The augmentation layers sit inside
              the model, so every epoch pushes every photo through augmentation and the base again:
              a fresh random version of each photo in every epoch.
  photos:     the cached recipe on the original photos only, no augmentation (notebook 3's challenge).
Each head is then measured on the 30 photos of the TEST split (the original course's valid photos)
and on the 800 strangers of cats_and_dogs_filtered (none of them Bo): how many it would let in.
Because the base is frozen, the door's answer for a photo is the head's answer for the base's
features of that photo, so test and stranger features are computed once and shared.

The offline profile (MobileNet alpha=0.25, real ImageNet weights) is the default: it is cheap.
`--profile full` runs VGG16 (ImageNet weights needed; slow on a CPU). Numbers go to docs/benchmark.md.
"""
import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "notebooks"))
import workshop  # noqa: E402  (notebooks/workshop: setup, stand_in, bo_door_splits, extract_features)
from benchmark_bo import new_augmentation  # noqa: E402  (research/, beside this file): notebooks 3-4 augmentation


def parse_args():
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default=os.environ.get("WORKSHOP_PROFILE", "offline"),
                        choices=["offline", "full", "structural"], help="which base model (default: offline)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 43, 44], help="one run of each recipe per seed")
    parser.add_argument("--epochs", type=int, default=20, help="training epochs of every recipe (notebook 3: 20)")
    parser.add_argument("--copies", type=int, help="augmented copies in the cached recipe "
                        "(default: notebook 3's, offline 4, full 1)")
    parser.add_argument("--quick", action="store_true", help="smoke run: the first seed only, 2 epochs")
    args = parser.parse_args()
    if args.quick:
        args.seeds, args.epochs = args.seeds[:1], 2
    return args


def main():
    """Train each recipe once per seed; print accuracy, loss, strangers let in and seconds."""
    args = parse_args()
    settings = workshop.setup(models=["vgg16_notop"], data=["presidential_doggy_door", "cats_and_dogs_filtered"],
                              profile=args.profile)
    import keras
    import numpy as np

    from keras.applications.vgg16 import preprocess_input
    if not settings.offline:  # the lesson's model
        base_model = keras.applications.VGG16(include_top=False, weights=settings.weights,
                                              input_shape=(224, 224, 3))
    else:                     # offline profile: the stand-in named in the banner above
        base_model, preprocess_input = workshop.stand_in(include_top=False)
    base_model.trainable = False
    copies = args.copies or settings.pick(full=1, offline=4)  # notebook 3's AUGMENTED_COPIES

    photos = workshop.bo_door_splits()
    load = dict(image_size=(224, 224), label_mode="binary", verbose=False)  # as notebook 3

    def images(folder, batch_size=32, shuffle=False, seed=None, labels="inferred"):
        """A folder of photos as a dataset of batches (with labels 0/1 from the class folders)."""
        dataset = keras.utils.image_dataset_from_directory(folder, batch_size=batch_size, shuffle=shuffle,
                                                           seed=seed, labels=labels, **load)
        if labels is None:  # a folder of photos of one kind: give every photo the label 0
            dataset = dataset.map(lambda x: (x, keras.ops.zeros((keras.ops.shape(x)[0], 1))))
        return dataset

    train_images, valid_images, test_images = (images(photos / split) for split in ("train", "valid", "test"))
    strangers = workshop.dataset("cats_and_dogs_filtered")  # dogs and cats, none of them Bo
    stranger_features = {}
    for kind in ("dogs", "cats"):
        parts = [workshop.extract_features(base_model, images(strangers / split / kind, labels=None),
                                           preprocess_input) for split in ("train", "validation")]
        stranger_features[kind] = np.concatenate([f for f, _ in parts])
    valid_features, valid_labels = workshop.extract_features(base_model, valid_images, preprocess_input)
    test_features, test_labels = workshop.extract_features(base_model, test_images, preprocess_input)
    bo = train_images.class_names.index("bo")

    def new_head():
        """Notebook 3's head: GlobalAveragePooling2D and one logit."""
        return keras.Sequential([keras.Input(shape=base_model.output.shape[1:]),
                                 keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(1)], name="head")

    def compiled(model):
        """The model compiled as in notebook 3."""
        model.compile(optimizer="rmsprop", loss=keras.losses.BinaryCrossentropy(from_logits=True),
                      metrics=[keras.metrics.BinaryAccuracy(threshold=0.0)])
        return model

    def measure(head):
        """Test loss and accuracy of the door with this head, and the strangers it lets in."""
        test_loss, test_accuracy = compiled(head).evaluate(test_features, test_labels, verbose=0)
        let_in = {kind: int(np.sum((head.predict(f, verbose=0)[:, 0] < 0) == (bo == 0)))
                  for kind, f in stranger_features.items()}
        return test_accuracy, test_loss, let_in

    def cached(seed, augmented=True):
        """Notebook 3's recipe: the head trains on features of `copies` augmented copies, computed once."""
        workshop.set_seeds(seed)
        augmentation = new_augmentation()
        start = time.perf_counter()
        parts = [workshop.extract_features(base_model, train_images, preprocess_input,
                                           augmentation if augmented else None)
                 for _ in range(copies if augmented else 1)]
        features = np.concatenate([f for f, _ in parts])
        labels = np.concatenate([l for _, l in parts])
        head = compiled(new_head())
        head.fit(features, labels, batch_size=8, epochs=args.epochs, verbose=0,
                 validation_data=(valid_features, valid_labels))
        return head, time.perf_counter() - start

    def end_to_end(seed):
        """The tutorial's recipe: augmentation inside the model, every photo through the base every epoch."""
        workshop.set_seeds(seed)
        head = new_head()
        inputs = keras.Input(shape=(224, 224, 3))
        x = new_augmentation()(inputs)     # a fresh random version of every photo, every epoch
        x = preprocess_input(x)
        x = base_model(x, training=False)
        model = compiled(keras.Model(inputs, head(x)))
        start = time.perf_counter()
        model.fit(images(photos / "train", batch_size=8, shuffle=True, seed=seed),
                  validation_data=valid_images, epochs=args.epochs, verbose=0,
                  shuffle=False)  # the dataset itself is reshuffled every epoch
        return head, time.perf_counter() - start

    total = {kind: len(f) for kind, f in stranger_features.items()}
    print(f"\nBo's door recipes: {base_model.name}, {args.epochs} epochs, train {len(train_images.file_paths)} "
          f"photos, test {len(test_labels)} photos, strangers {total['dogs']} dogs + {total['cats']} cats")
    if settings.profile == "structural":
        print("Structural profile: random weights and a few photos; the numbers below mean nothing.")
    recipes = {f"cached ({copies} augmented {'copy' if copies == 1 else 'copies'})": cached, "end-to-end (fresh augmentation)": end_to_end,
               "photos only (no augmentation)": lambda seed: cached(seed, augmented=False)}
    results = {name: [] for name in recipes}
    print(f"{'recipe':34s} {'seed':>4s} {'test acc':>8s} {'test loss':>9s} {'dogs in':>7s} {'cats in':>7s} "
          f"{'seconds':>7s}")
    for seed in args.seeds:
        for name, recipe in recipes.items():
            head, seconds = recipe(seed)
            accuracy, loss, let_in = measure(head)
            results[name].append((accuracy, loss, let_in["dogs"], let_in["cats"], seconds))
            print(f"{name:34s} {seed:4d} {accuracy:8.3f} {loss:9.4f} {let_in['dogs']:7d} {let_in['cats']:7d} "
                  f"{seconds:7.1f}", flush=True)
            keras.backend.clear_session(free_memory=False)
    print("\nMeans over the seeds (test: "
          f"{len(test_labels)} photos; strangers: {total['dogs']} dogs, {total['cats']} cats)")
    for name, rows in results.items():
        mean = np.mean(np.array(rows, dtype=float), axis=0)
        print(f"{name:34s} test accuracy {mean[0]:.3f}, test loss {mean[1]:.4f}, "
              f"dogs let in {mean[2]:.1f}, cats let in {mean[3]:.1f}, {mean[4]:.1f} s")


if __name__ == "__main__":
    main()
