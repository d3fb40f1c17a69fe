# A subclassed Keras model: its call is traced on the shape model.build
# gives (or --input-shape). A layer class of the file's own, with
# sublayers, is one row holding their weights, as model.summary() shows
# it; the embedding is frozen (its weights non-trainable).
#
#   layerinfo examples/keras_subclassed.py
#   layerinfo examples/keras_subclassed.py --input-shape Nx64   another length
import keras
from keras import layers


class Residual(layers.Layer):
    def __init__(self, dim, hidden, **kwargs):
        super().__init__(**kwargs)
        self.norm = layers.LayerNormalization()
        self.up = layers.Dense(hidden, activation="gelu")
        self.down = layers.Dense(dim)

    def call(self, x):
        return x + self.down(self.up(self.norm(x)))


class TextClassifier(keras.Model):
    def __init__(self, vocab=5000, dim=32, depth=2, classes=4):
        super().__init__(name="text_classifier")
        self.embed = layers.Embedding(vocab, dim)
        self.embed.trainable = False
        self.blocks = [Residual(dim, 4 * dim) for _ in range(depth)]
        self.pool = layers.GlobalAveragePooling1D()
        self.head = layers.Dense(classes)

    def call(self, tokens):
        x = self.embed(tokens)
        for block in self.blocks:
            x = block(x)
        return self.head(self.pool(x))


model = TextClassifier()
model.build((None, 128))
