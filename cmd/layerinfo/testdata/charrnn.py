# A character model whose vocabulary comes from a text file (Lasagne char-rnn style).
import numpy as np
import lasagne
from lasagne.layers import InputLayer, LSTMLayer, DenseLayer, SliceLayer

data = open('input.txt', 'r').read()
chars = list(set(data))
data_size, vocab_size = len(data), len(chars)
char_to_ix = {ch: i for i, ch in enumerate(chars)}

SEQ_LENGTH = 20
N_HIDDEN = 512

l_in = InputLayer(shape=(None, SEQ_LENGTH, vocab_size))
l_forward = LSTMLayer(l_in, N_HIDDEN, grad_clipping=100)
l_slice = SliceLayer(l_forward, -1, 1)
l_out = DenseLayer(l_slice, num_units=vocab_size, nonlinearity=lasagne.nonlinearities.softmax)
