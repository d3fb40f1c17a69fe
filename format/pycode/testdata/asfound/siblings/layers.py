from lasagne.layers import *


def conv_bn(l, n):
    return batch_norm(Conv2DLayer(l, n, 3, pad=1))
