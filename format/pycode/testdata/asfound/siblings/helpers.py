import lasagne


def dense_block(l, n):
    l = lasagne.layers.DenseLayer(l, n)
    return lasagne.layers.DropoutLayer(l, 0.5)
