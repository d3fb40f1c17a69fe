# Less common torch.nn modules traced on x 2x3x17x16, idx 2x5 long, flat 20 long,
# offs 5 long; more_modules.expected.json is what PyTorch 1.13 gives
# (forward hooks; regenerate with: python3 more_modules_gen.py).
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lp = nn.LPPool2d(2, 3, stride=2)
        self.lp1 = nn.LPPool1d(1.5, 2)
        self.pool = nn.MaxPool2d(2, stride=2, return_indices=True)
        self.unpool = nn.MaxUnpool2d(2, stride=2)
        self.unfold = nn.Unfold(kernel_size=(2, 3), dilation=1, padding=1, stride=2)
        self.fold = nn.Fold(output_size=(4, 5), kernel_size=(2, 2))
        self.bag = nn.EmbeddingBag(100, 16, mode="sum")
        self.bag2 = nn.EmbeddingBag(100, 8, include_last_offset=True)
        self.fc = nn.Linear(16, 4)
        self.frac = nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.5), return_indices=True)
        self.frac2 = nn.FractionalMaxPool2d(2, output_size=5)
        self.cs = nn.ChannelShuffle(3)

    def forward(self, x, idx, flat, offs):
        y = self.lp(x)
        q = self.lp1(x.flatten(2))
        p, ind = self.pool(x)
        u = self.unpool(p, ind)
        u2 = self.unpool(p, ind, output_size=x.size())
        f = self.unfold(x)
        g = self.fold(torch.randn(2, 12, 12))
        z, zi = self.frac(x)
        z2 = self.frac2(x)
        e = self.bag(idx)
        e2 = self.bag2(flat, offs)
        c = self.cs(x)
        return self.fc(e), f, z, u2

model = Net()
