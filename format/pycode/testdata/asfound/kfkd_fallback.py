# The facial-keypoints tutorial's idiom: the GPU-only cuda_convnet layers
# under the plain names, and the plain Lasagne layers when they cannot be
# imported. Data loading and training that layerinfo cannot run surround
# the model.
try:
    import cPickle as pickle
except ImportError:  # Python 3
    import pickle
from datetime import datetime
import os
import sys

import numpy as np
from pandas.io.parsers import read_csv
from sklearn.utils import shuffle
import theano

from lasagne import layers
from lasagne.updates import nesterov_momentum
from nolearn.lasagne import NeuralNet

try:
    from lasagne.layers.cuda_convnet import Conv2DCCLayer as Conv2DLayer
    from lasagne.layers.cuda_convnet import MaxPool2DCCLayer as MaxPool2DLayer
except ImportError:
    Conv2DLayer = layers.Conv2DLayer
    MaxPool2DLayer = layers.MaxPool2DLayer

sys.setrecursionlimit(10000)
theano.config.floatX = 'float32'
os.environ['THEANO_FLAGS'] = 'device=cpu'

FTRAIN = '~/data/keypoints/training.csv'


def float32(k):
    return np.cast['float32'](k)


def load(test=False, cols=None):
    df = read_csv(os.path.expanduser(FTRAIN))
    df = df.dropna()
    X = np.vstack(df['Image'].values) / 255.
    X = X.astype(np.float32)
    y = (df[df.columns[:-1]].values - 48) / 48
    X, y = shuffle(X, y, random_state=42)
    return X, y


def load2d(test=False, cols=None):
    X, y = load(test=test, cols=cols)
    X = X.reshape(-1, 1, 32, 32)
    return X, y


X, y = load2d()

net = NeuralNet(
    layers=[
        ('input', layers.InputLayer),
        ('conv1', Conv2DLayer),
        ('pool1', MaxPool2DLayer),
        ('conv2', Conv2DLayer),
        ('pool2', MaxPool2DLayer),
        ('hidden', layers.DenseLayer),
        ('output', layers.DenseLayer),
    ],
    input_shape=(None, 1, 32, 32),
    conv1_num_filters=16, conv1_filter_size=(3, 3), pool1_pool_size=(2, 2),
    conv2_num_filters=32, conv2_filter_size=(2, 2), pool2_pool_size=(2, 2),
    hidden_num_units=100,
    output_num_units=10, output_nonlinearity=None,
    update=nesterov_momentum,
    update_learning_rate=theano.shared(float32(0.03)),
    update_momentum=theano.shared(float32(0.9)),
    regression=True,
    max_epochs=100,
    verbose=1,
)

net.fit(X, y)
train_loss = np.array([i["train_loss"] for i in net.train_history_])
fig, ax = plt.subplots()
ax.plot(train_loss, linewidth=3, label="train")
loss, = net.predict(X[:1])
print(f"final loss {train_loss[-1]:.4f}")
