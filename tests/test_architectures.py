"""The full profile's architectures of notebooks 5 and 6, built with random weights (fast, offline)."""
import pytest

keras = pytest.importorskip("keras")


@pytest.fixture(scope="module")
def inception():
    """InceptionV3 without its top, 150 x 150 photos, random weights, all layers locked."""
    model = keras.applications.InceptionV3(input_shape=(150, 150, 3), include_top=False, weights=None)
    for layer in model.layers:
        layer.trainable = False
    return model


@pytest.mark.slow
def test_mixed7_output_shape_at_150_pixels(inception):
    assert tuple(inception.get_layer("mixed7").output.shape) == (None, 7, 7, 768)


@pytest.mark.slow
def test_mixed7_head_parameter_counts(inception):
    x = keras.layers.Flatten()(inception.get_layer("mixed7").output)
    x = keras.layers.Dense(1024, activation="relu")(x)
    x = keras.layers.Dropout(0.2)(x)
    x = keras.layers.Dense(1)(x)  # one logit, as notebook 5
    model = keras.Model(inception.input, x)
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    assert model.count_params() == 47_512_481
    assert trainable == 38_537_217


@pytest.mark.slow
def test_output_shape_attribute_is_gone_in_keras_3(inception):
    assert not hasattr(inception.get_layer("mixed7"), "output_shape")


def test_mobilenet_v2_160_frozen_with_one_dense_unit():
    base = keras.applications.MobileNetV2(input_shape=(160, 160, 3), include_top=False, weights=None)
    base.trainable = False
    assert tuple(base.output.shape) == (None, 5, 5, 1280)
    model = keras.Sequential([base, keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(1)])
    assert sum(int(w.numpy().size) for w in model.trainable_weights) == 1281


def test_offline_stand_in_cut_layer_exists_at_224():
    base = keras.applications.MobileNet(alpha=0.25, input_shape=(224, 224, 3), include_top=False,
                                        weights=None)
    assert tuple(base.get_layer("conv_pw_13_relu").output.shape) == (None, 7, 7, 256)
