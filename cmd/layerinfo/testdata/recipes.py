# Build functions as Lasagne's examples write them: one takes only Theano
# input variables, the other also needs the number of classes.
import lasagne
from lasagne.layers import InputLayer, Conv2DLayer, DenseLayer


def build_lenet5(input_var, num_classes):
    network = InputLayer(shape=(None, 1, 32, 32), input_var=input_var)
    network = Conv2DLayer(network, num_filters=6, filter_size=5)
    network = DenseLayer(network, num_units=num_classes)
    return network


def build_mlp(input_var, target_var):
    l = InputLayer((None, 784), input_var=input_var)
    return DenseLayer(l, 10)
