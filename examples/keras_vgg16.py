# VGG-16 written with the Keras functional API: the layer names and
# sizes of keras.applications.VGG16(weights=None) (include_top=True,
# 224x224x3, 1000 classes), built from a table of blocks.
#
#   layerinfo examples/keras_vgg16.py             the table
#   layerinfo -o summary examples/keras_vgg16.py  as model.summary() prints it
import keras
from keras import layers

BLOCKS = [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]


def vgg16(input_shape=(224, 224, 3), classes=1000):
    inputs = keras.Input(shape=input_shape, name="input_layer")
    x = inputs
    for b, (filters, convs) in enumerate(BLOCKS, start=1):
        for c in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same", name=f"block{b}_conv{c}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{b}_pool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(4096, activation="relu", name="fc1")(x)
    x = layers.Dense(4096, activation="relu", name="fc2")(x)
    outputs = layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="vgg16")


model = vgg16()
