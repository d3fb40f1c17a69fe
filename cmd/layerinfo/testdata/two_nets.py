# Two NeuralNets as in nolearn's tutorial; the second's input shape comes from the data.
from lasagne import layers
from lasagne.updates import nesterov_momentum
from nolearn.lasagne import NeuralNet

X = load2d()
y = None

net1 = NeuralNet(
    layers=[
        ('input', layers.InputLayer),
        ('hidden', layers.DenseLayer),
        ('output', layers.DenseLayer),
    ],
    input_shape=(None, 9216),
    hidden_num_units=100,
    output_num_units=30,
    update=nesterov_momentum,
    max_epochs=400,
)

net2 = NeuralNet(
    layers=[
        ('input', layers.InputLayer),
        ('conv1', layers.Conv2DLayer),
        ('pool1', layers.MaxPool2DLayer),
        ('hidden4', layers.DenseLayer),
        ('output', layers.DenseLayer),
    ],
    input_shape=(None,) + X.shape[1:],
    conv1_num_filters=32, conv1_filter_size=(3, 3), pool1_pool_size=(2, 2),
    hidden4_num_units=500,
    output_num_units=30,
    max_epochs=1000,
)
net1.fit(X, y)
