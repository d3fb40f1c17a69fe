from lasagne.layers import Conv2DLayer, MaxPool2DLayer


def conv2dbn(l, n):
    return MaxPool2DLayer(Conv2DLayer(l, n, 3), 2)
