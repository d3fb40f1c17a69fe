# Generates the training-checkpoint fixtures of this directory (see
# README.md). Not needed by the build or the tests; kept to document how
# the files were made. Run with Debian bookworm's python3-torch (1.13.1)
# and python3-numpy:  /usr/bin/python3 gen_checkpoints.py
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)


def mlp():
    # Linear(4,8) + ReLU + Linear(8,2): (4+1)*8 + (8+1)*2 = 58 parameters.
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))


def train_step(model, opt):
    model(torch.randn(5, 4)).sum().backward()
    opt.step()


# 1. A training checkpoint: model, Adam state after one step, a numpy
#    scalar, a numpy array and plain values.
model = mlp()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
train_step(model, opt)
torch.save({
    "epoch": 3,
    "model": model.state_dict(),
    "optimizer": opt.state_dict(),
    "best_acc": np.float64(0.9375),
    "mean": np.array([0.5, 0.25, 0.125], dtype=np.float32),
    "loss": 0.25,
}, "train_adam.pt")

# 2. The dict Lightning's dump_checkpoint writes, made by hand (Lightning
#    is not installed): a LightningModule holding self.net =
#    Linear(4,8) + BatchNorm1d(8) + Linear(8,2), SGD with momentum, StepLR,
#    a ModelCheckpoint callback state with scalar tensors.
net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
sgd = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
sched = torch.optim.lr_scheduler.StepLR(sgd, step_size=30, gamma=0.1)
train_step(net, sgd)
sched.step()
state_dict = {"net." + k: v for k, v in net.state_dict().items()}
torch.save({
    "epoch": 1,
    "global_step": 40,
    "pytorch-lightning_version": "2.1.0",
    "state_dict": state_dict,
    "loops": {"fit_loop": {"state_dict": {}, "epoch_progress": {"total": {"ready": 2, "completed": 1}}}},
    "callbacks": {
        "ModelCheckpoint{'monitor': 'val_loss', 'mode': 'min', 'every_n_train_steps': 0, 'every_n_epochs': 1, 'train_time_interval': None}": {
            "monitor": "val_loss",
            "best_model_score": torch.tensor(0.5),
            "best_model_path": "/tmp/epoch=0-step=40.ckpt",
            "current_score": torch.tensor(0.5),
            "dirpath": "/tmp",
            "best_k_models": {"/tmp/epoch=0-step=40.ckpt": torch.tensor(0.5)},
            "kth_best_model_path": "/tmp/epoch=0-step=40.ckpt",
            "kth_value": torch.tensor(0.5),
            "last_model_path": "",
        }
    },
    "optimizer_states": [sgd.state_dict()],
    "lr_schedulers": [sched.state_dict()],
    "hparams_name": "kwargs",
    "hyper_parameters": {"lr": 0.1, "hidden": 8},
}, "lightning.ckpt")


# 3. torch.save(model) of a user class: conv, batch norm, linear, a
#    non-persistent buffer and a frozen parameter.
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)  # 4*1*3*3 + 4 = 40
        self.bn = nn.BatchNorm2d(4)  # 8 parameters, 9 buffer elements
        self.fc = nn.Linear(16, 3)  # 16*3 + 3 = 51
        self.temperature = nn.Parameter(torch.ones(1), requires_grad=False)
        self.register_buffer("scale", torch.ones(1), persistent=False)

    def forward(self, x):
        x = self.bn(self.conv(x)).relu()
        return self.fc(x.flatten(1)) / self.temperature * self.scale


torch.save(Net(), "module.pt")

# 4. An LR scheduler's state_dict alone, and an optimizer's alone.
torch.save(sched.state_dict(), "scheduler.pt")
torch.save(opt.state_dict(), "optimizer.pt")

# 5. A model and its EMA copy, DataParallel-style names in the copy.
ema = {"module." + k: v.clone() for k, v in model.state_dict().items()}
torch.save({"state_dict": model.state_dict(), "state_dict_ema": ema, "epoch": 9}, "ema.pt")

# 6. torch.save(model) in the legacy (pre-1.6) format, which pickles the
#    module classes as persistent ids ("module", class, file, source).
torch.save(Net(), "module_legacy.pt", _use_new_zipfile_serialization=False)


# 7. A module whose submodule pickles its state as a tuple (a custom
#    __getstate__): not plain data.
class Packed(nn.Linear):
    def __getstate__(self):
        return (self.weight, self.bias)

    def __setstate__(self, state):
        raise NotImplementedError


class Custom(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = Packed(4, 2)


torch.save(Custom(), "module_custom.pt")

# 8. A TorchScript archive (torch.jit.save) of Linear(4,8), BatchNorm1d(8),
#    Linear(8,2).
torch.jit.save(torch.jit.script(nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))), "scripted.pt")
