# VGG-16 (configuration D of Simonyan & Zisserman) written with plain
# Lasagne layers in a builder function, as model zoos write it.
# Its 138,357,544 parameters are the figure torchvision and Keras publish.
import lasagne
from lasagne.layers import InputLayer, DenseLayer, DropoutLayer
from lasagne.layers import Conv2DLayer as ConvLayer
from lasagne.layers import MaxPool2DLayer as PoolLayer
from lasagne.nonlinearities import softmax


def build_model():
    net = {}
    net['input'] = InputLayer((None, 3, 224, 224))
    prev = 'input'
    for block, (width, convs) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]):
        for i in range(convs):
            name = 'conv%d_%d' % (block + 1, i + 1)
            net[name] = ConvLayer(net[prev], width, 3, pad=1, flip_filters=False)
            prev = name
        net['pool%d' % (block + 1)] = PoolLayer(net[prev], 2)
        prev = 'pool%d' % (block + 1)
    net['fc6'] = DenseLayer(net[prev], num_units=4096)
    net['fc6_dropout'] = DropoutLayer(net['fc6'], p=0.5)
    net['fc7'] = DenseLayer(net['fc6_dropout'], num_units=4096)
    net['fc7_dropout'] = DropoutLayer(net['fc7'], p=0.5)
    net['fc8'] = DenseLayer(net['fc7_dropout'], num_units=1000, nonlinearity=None)
    net['prob'] = lasagne.layers.NonlinearityLayer(net['fc8'], softmax)
    return net
