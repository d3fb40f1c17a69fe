"""A small MNIST classifier written the way PyTorch's tutorials write it.

Parameters, by hand (weight + bias of each module):
  conv1  Conv2d(1, 32, 3)      32*1*3*3 + 32     =       320
  conv2  Conv2d(32, 64, 3)     64*32*3*3 + 64    =    18,496
  bn     BatchNorm2d(64)       64 + 64           =       128
  fc1    Linear(9216, 128)     9216*128 + 128    = 1,179,776
  fc2    Linear(128, 10)       128*10 + 10       =     1,290
  total (model.parameters())                     = 1,200,010
Buffers: bn's running_mean 64 + running_var 64 + num_batches_tracked 1 = 129,
counted apart from the parameters, as PyTorch does.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.bn = nn.BatchNorm2d(64)
        self.dropout = nn.Dropout(0.25)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, num_classes)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.bn(self.conv2(x)))
        x = F.max_pool2d(x, 2)
        x = self.dropout(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return F.log_softmax(self.fc2(x), dim=1)


model = Net()
