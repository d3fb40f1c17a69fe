# A small MNIST convnet in tf.keras's Sequential API, with the input as
# the first entry of the list.
#
#   layerinfo examples/keras_mnist_convnet.py
#   layerinfo -o summary examples/keras_mnist_convnet.py
from tensorflow import keras
from tensorflow.keras import layers

num_classes = 10

model = keras.Sequential(
    [
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ]
)
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
