# Generates the .pt fixtures in this directory. Not needed by the build or
# the tests; kept to document how the files were made. Run with Debian
# bookworm's python3-torch (1.13.1):  python3 gen_fixtures.py
import torch
import torch.nn as nn

torch.manual_seed(0)

# 1. A plain state_dict (zip format, protocol 2).
seq = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2, bias=False))
torch.save(seq.state_dict(), "seq_state_dict.pt")

# 2. A training checkpoint: tied embedding / output weights, mixed dtypes,
#    a non-contiguous view, an optimizer state_dict.
class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10, 4)
        self.norm = nn.LayerNorm(4).to(torch.bfloat16)
        self.proj = nn.Linear(4, 6).half()
        self.head = nn.Linear(4, 10, bias=False)
        self.head.weight = self.embed.weight  # tied
        self.register_buffer("steps", torch.arange(5, dtype=torch.int64))
        self.register_buffer("mask", torch.ones(2, 3, dtype=torch.bool))

model = Tiny()
opt = torch.optim.Adam([model.embed.weight], lr=1e-3)
model.embed.weight.sum().backward()
opt.step()
torch.save({
    "epoch": 3,
    "model": model.state_dict(),
    "optimizer": opt.state_dict(),
    "view": torch.arange(12, dtype=torch.float32).reshape(3, 4).t(),
    "names": ["a", "b"],
}, "checkpoint.pt")

# 3. The legacy (pre-1.6) format.
torch.save(seq.state_dict(), "seq_legacy.pt", _use_new_zipfile_serialization=False)
