# A character-level text model in Lasagne: embedding, two LSTM layers
# (Lasagne's LSTM has peephole connections by default: 3 more vectors of
# num_units per layer) and a softmax over the vocabulary.
import lasagne
from lasagne.layers import InputLayer, EmbeddingLayer, LSTMLayer, DenseLayer, SliceLayer

VOCAB = 96
SEQ_LEN = 100
HIDDEN = 256

l_in = InputLayer((None, SEQ_LEN), name='chars')
l_emb = EmbeddingLayer(l_in, input_size=VOCAB, output_size=64, name='embedding')
l_lstm1 = LSTMLayer(l_emb, HIDDEN, grad_clipping=100, name='lstm1')
l_lstm2 = LSTMLayer(l_lstm1, HIDDEN, grad_clipping=100, only_return_final=True, name='lstm2')
l_out = DenseLayer(l_lstm2, num_units=VOCAB, nonlinearity=lasagne.nonlinearities.softmax, name='next_char')
