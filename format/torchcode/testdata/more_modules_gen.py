# Writes more_modules.expected.json: each module call's output shapes
# (forward hooks, in call order) and the parameter total, as PyTorch
# gives them for more_modules.py. Needs torch (Debian: python3-torch).
import importlib.util
import json

import torch

spec = importlib.util.spec_from_file_location("more_modules", "more_modules.py")
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
net = mod.model
rows = []
for name, m in net.named_modules():
    if name:
        def hook(m, i, o, name=name):
            outs = o if isinstance(o, tuple) else (o,)
            rows.append({"name": name, "shapes": [list(t.shape) for t in outs],
                         "params": sum(p.numel() for p in m.parameters())})
        m.register_forward_hook(hook)
net(torch.randn(2, 3, 17, 16), torch.randint(0, 100, (2, 5)),
    torch.randint(0, 100, (20,)), torch.tensor([0, 3, 7, 10, 15]))
with open("more_modules.expected.json", "w") as f:
    f.write('{"torch": %s, "params": %d, "rows": [\n' % (json.dumps(torch.__version__), sum(p.numel() for p in net.parameters())))
    f.write(",\n".join(" " + json.dumps(r) for r in rows))
    f.write("\n]}\n")
