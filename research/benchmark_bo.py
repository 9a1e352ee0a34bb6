"""Benchmark: the original course's Bo recipe against the notebooks' recipe, same machine, one run.

Usage:  python research/benchmark_bo.py               # the full comparison (10-30 min on 2 cores)
        python research/benchmark_bo.py --quick       # a smoke run: tiny epochs, small images (< 1 min)

Both recipes use full VGG16 at 224 x 224 with RANDOM weights (weights=None): speed does not depend
on the weights, and no download is needed. Only the seconds are meaningful, not the accuracies.
  seed:      the original course's train/ and valid/ photos (workshop.dataset); ImageDataGenerator +
             flow_from_directory (batch 8), fit(steps_per_epoch=12), 20 frozen epochs, then 10 epochs
             with the whole base unfrozen (RMSprop 1e-5).
  notebooks: Bo's door splits (workshop.bo_door_splits(): 113 training and 25 validation photos), as
             notebook 3 does it (the frozen base's features of 1 augmented copy computed once, the head
             trained 20 epochs on them) and then notebook 4 (the part below block5 computed once for
             1 new augmented copy; block5 + head fine-tuned with BatchNormalization layers kept frozen,
             RMSprop 1e-5, at most 5 epochs with EarlyStopping(monitor="val_loss", patience=3,
             restore_best_weights=True)): the full profile's settings.
With WORKSHOP_PROFILE=structural both read the tiny copies of the photos (2 per class folder).
"""
import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notebooks"))  # the helper, as notebooks import it
import workshop  # noqa: E402


def parse_args():
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs-scale", type=float, default=1.0,
                        help="multiply every recipe's epochs by this (e.g. 0.1 for a quick check)")
    parser.add_argument("--image-size", type=int, default=224, help="image side in pixels (224 as taught)")
    parser.add_argument("--copies", type=int, default=1,
                        help="augmented copies of the training set in the notebooks' recipe (full profile: 1)")
    parser.add_argument("--finetune-epochs", type=int, default=5,
                        help="the notebooks' most fine-tuning epochs (full profile: 5), before --epochs-scale")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: --epochs-scale 0.05 --image-size 64, copies 1")
    parser.add_argument("--only", choices=["seed", "notebooks"], help="run one recipe only")
    args = parser.parse_args()
    if args.quick:
        args.epochs_scale, args.image_size, args.copies = 0.05, 64, 1
    return args


def epochs(n, scale):
    """Scaled epochs, at least 1."""
    return max(1, round(n * scale))


@contextlib.contextmanager
def timed(phases, name):
    """Record and print the seconds spent in a phase."""
    start = time.perf_counter()
    yield
    phases[name] = time.perf_counter() - start
    print(f"  {name}: {phases[name]:.1f} s", flush=True)


def vgg16_base(size):
    """Full VGG16 without its top, random weights."""
    import keras
    return keras.applications.VGG16(include_top=False, weights=None, input_shape=(size, size, 3))


def seed_recipe(args, phases):
    """The original lesson's code (Keras 2 era), as far as it still runs on Keras 3."""
    import keras
    from tensorflow.keras.preprocessing.image import ImageDataGenerator
    folder, size = workshop.dataset("presidential_doggy_door", quiet=True), args.image_size
    datagen = ImageDataGenerator(samplewise_center=True, rotation_range=10, zoom_range=0.1,
                                 width_shift_range=0.1, height_shift_range=0.1,
                                 horizontal_flip=True, vertical_flip=False)
    flow = dict(target_size=(size, size), color_mode="rgb", class_mode="binary", batch_size=8, seed=workshop.SEED)
    train_it = datagen.flow_from_directory(str(folder / "train"), **flow)
    valid_it = datagen.flow_from_directory(str(folder / "valid"), **flow)
    base_model = vgg16_base(size)
    base_model.trainable = False
    inputs = keras.Input(shape=(size, size, 3))
    x = base_model(inputs, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    loss = keras.losses.BinaryCrossentropy(from_logits=True)
    with timed(phases, "seed: frozen base"):
        model.compile(loss=loss, metrics=[keras.metrics.BinaryAccuracy()])
        model.fit(train_it, steps_per_epoch=12, validation_data=valid_it, validation_steps=4,
                  epochs=epochs(20, args.epochs_scale), verbose=0)
    with timed(phases, "seed: fine-tuning (whole base)"):
        base_model.trainable = True
        model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-5), loss=loss,
                      metrics=[keras.metrics.BinaryAccuracy()])
        model.fit(train_it, steps_per_epoch=12, validation_data=valid_it, validation_steps=4,
                  epochs=epochs(10, args.epochs_scale), verbose=0)


def augmented_features(extractor, train_images, valid_images, augmentation, copies):
    """Features of `copies` augmented copies of the training photos, then of the validation photos."""
    import numpy as np
    from keras.applications.vgg16 import preprocess_input
    parts = [workshop.extract_features(extractor, train_images, preprocess_input, augmentation)
             for _ in range(copies)]
    return (np.concatenate([f for f, _ in parts]), np.concatenate([l for _, l in parts]),
            *workshop.extract_features(extractor, valid_images, preprocess_input))


def new_augmentation():
    """Notebooks 3 and 4's augmentation layers (seed first, as the notebooks do, for the same augmentations)."""
    import keras
    return keras.Sequential([keras.layers.RandomRotation(10 / 360), keras.layers.RandomZoom(0.1),
                             keras.layers.RandomTranslation(0.1, 0.1), keras.layers.RandomFlip("horizontal")],
                            name="augmentation")


def notebooks_recipe(args, phases):
    """Notebooks 3 and 4 in the full profile (VGG16), condensed: the same layers, settings and order."""
    import keras
    photos, size = workshop.bo_door_splits(), args.image_size
    load = dict(image_size=(size, size), batch_size=32, label_mode="binary", shuffle=False, verbose=False)
    train_images = keras.utils.image_dataset_from_directory(photos / "train", **load)
    valid_images = keras.utils.image_dataset_from_directory(photos / "valid", **load)
    loss = keras.losses.BinaryCrossentropy(from_logits=True)
    base_model = vgg16_base(size)
    base_model.trainable = False
    head = keras.Sequential([keras.Input(shape=base_model.output.shape[1:]),
                             keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(1)], name="head")
    with timed(phases, "notebooks: frozen base, features once"):  # notebook 3
        workshop.set_seeds()  # the same random augmentations on every run
        train_x, train_y, valid_x, valid_y = augmented_features(base_model, train_images, valid_images,
                                                                new_augmentation(), args.copies)
    with timed(phases, "notebooks: frozen base, head on features"):
        workshop.set_seeds()
        head.compile(optimizer="rmsprop", loss=loss, metrics=[keras.metrics.BinaryAccuracy(threshold=0.0)])
        head.fit(train_x, train_y, batch_size=8, epochs=epochs(20, args.epochs_scale),
                 validation_data=(valid_x, valid_y), verbose=0)

    top_start = base_model.layers.index(base_model.get_layer("block5_conv1"))  # notebook 4
    base_model.trainable = True
    for index, layer in enumerate(base_model.layers):
        if index < top_start or isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
    workshop.set_seeds()
    augmentation = new_augmentation()
    frozen_part = keras.Model(base_model.input, base_model.layers[top_start - 1].output)
    top_input = keras.Input(shape=frozen_part.output.shape[1:])
    x = top_input
    for layer in base_model.layers[top_start:]:
        x = layer(x)
    top_model = keras.Model(top_input, head(x), name="top_block_and_head")
    with timed(phases, "notebooks: fine-tuning, frozen part once"):
        train_x, train_y, valid_x, valid_y = augmented_features(frozen_part, train_images, valid_images,
                                                                augmentation, args.copies)
    with timed(phases, "notebooks: fine-tuning block5 + head"):
        workshop.set_seeds()
        stop_early = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
        top_model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-5), loss=loss,
                          metrics=[keras.metrics.BinaryAccuracy(threshold=0.0)])
        top_model.fit(train_x, train_y, batch_size=8, epochs=epochs(args.finetune_epochs, args.epochs_scale),
                      validation_data=(valid_x, valid_y), callbacks=[stop_early], verbose=0)


def main():
    """Run both recipes and print seconds per phase and the overall ratio."""
    args = parse_args()
    import keras
    import tensorflow as tf
    keras.utils.set_random_seed(workshop.SEED)
    print(f"Bo benchmark: VGG16 (random weights) at {args.image_size}px, epochs x{args.epochs_scale}, "
          f"{os.cpu_count()} CPU(s), TensorFlow {tf.__version__}, Keras {keras.__version__}", flush=True)
    phases = {}
    if args.only != "notebooks":
        seed_recipe(args, phases)
        keras.backend.clear_session()
    if args.only != "seed":
        notebooks_recipe(args, phases)
    seed = sum(v for k, v in phases.items() if k.startswith("seed"))
    ours = sum(v for k, v in phases.items() if k.startswith("notebooks"))
    print(f"Total: seed recipe {seed:.1f} s, notebooks' recipe {ours:.1f} s")
    if seed and ours:
        print(f"Ratio (seed / notebooks): {seed / ours:.1f}x faster")


if __name__ == "__main__":
    main()
