"""The model workloads (h-k, see models_keras.py) in PyTorch eager: same architecture, shapes, batch."""
from __future__ import annotations

import gc

import common as C
import torch
from torch import nn
import torch.nn.functional as F


class _Tr(nn.Module):
    def __init__(self):
        super().__init__()
        D = C.TR_D
        self.qkv, self.proj = nn.Linear(D, 3 * D), nn.Linear(D, D)
        self.ln1, self.ln2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.ff1, self.ff2, self.head = nn.Linear(D, C.TR_FFN), nn.Linear(C.TR_FFN, D), nn.Linear(D, 2)

    def forward(self, x):
        B, T, D, H = C.TR_BATCH, C.TR_LEN, C.TR_D, C.TR_HEADS
        qkv = self.qkv(x).reshape(B, T, 3, H, D // H).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        a = torch.softmax(q @ k.transpose(-1, -2) * (1.0 / (D // H) ** 0.5), dim=-1)
        o = (a @ v).permute(0, 2, 1, 3).reshape(B, T, D)
        x = self.ln1(x + self.proj(o))
        x = self.ln2(x + self.ff2(F.relu(self.ff1(x))))
        return self.head(x.mean(1))


class _Rnn(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.emb = nn.Embedding(C.RNN_VOCAB, C.RNN_EMBED)
        self.rnn = cell(C.RNN_EMBED, C.RNN_UNITS, batch_first=True)
        self.head = nn.Linear(C.RNN_UNITS, 2)

    def forward(self, x):
        out, _ = self.rnn(self.emb(x))
        return self.head(out[:, -1])


def build(name):
    torch.manual_seed(0)
    if name == "h":
        def block(i, o):
            return [nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o, eps=1e-3, momentum=0.01),
                    nn.ReLU()]
        return nn.Sequential(*block(3, 32), *block(32, 32), nn.MaxPool2d(2), *block(32, 64), *block(64, 64),
                             nn.MaxPool2d(2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
    if name in ("i", "j"):
        return _Rnn(nn.LSTM if name == "i" else nn.GRU)
    return _Tr()


def run(name):
    xv, yv = C.model_data(name)
    if name == "h":
        xv = xv.transpose(0, 3, 1, 2).copy()     # PyTorch's native NCHW layout
    x = torch.from_numpy(xv).long() if name in ("i", "j") else torch.from_numpy(xv)
    y = torch.from_numpy(yv).long()
    model = build(name).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss
    gc.collect()
    C.reset_hwm()
    base = C.vm_hwm_mib()
    step()
    t = C.timeit(step, min_time=0.5, repeat=2)
    return {"ms/step": t * 1e3, "step peak MiB": C.vm_hwm_mib() - base}
