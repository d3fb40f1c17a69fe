# A training script that keeps its building blocks in modules beside it.
from layers import *
import helpers
from utils.layer_macros import conv2dbn
import blocks.residual as res
import matplotlib.pyplot as plt

l = InputLayer((None, 3, 16, 16), name='in')
l = conv_bn(l, 8)
l = conv2dbn(l, 16)
l = res.plain(l)
l = helpers.dense_block(l, 32)
l = DenseLayer(l, 10, name='out')
fig, ax = plt.subplots()
