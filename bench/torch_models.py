"""PyTorch twins of bench/engine-models.ts, timed on CPU (the peer for `spinelab bench`).

Run with Debian's interpreter: /usr/bin/python3 bench/torch_models.py --threads 1 [--quick]
Prints one JSON object as its last line: {"threads": n, "torch": version, "rows": [...]}.
Same layers, shapes, batch sizes, loss and optimizer (Adam) as the tfjs side; NCHW here.
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

FULL = {
    "coords": {"batch": 8, "size": 128, "widths": [32, 64, 128, 256]},
    "crop": {"batch": 4, "frames": 7, "size": 64, "widths": [32, 64, 128], "hidden": 32},
    "mlp": {"batch": 128, "hidden": 4096},
}
QUICK = {
    "coords": {"batch": 2, "size": 32, "widths": [8, 16]},
    "crop": {"batch": 2, "frames": 3, "size": 32, "widths": [8, 16], "hidden": 8},
    "mlp": {"batch": 16, "hidden": 64},
}
MLP_GROUPS = [(5, 12), (10, 6), (10, 6)]


def bn(c):
    # Keras momentum 0.9 == PyTorch momentum 0.1; eps 1e-5 on both sides.
    return nn.BatchNorm2d(c, eps=1e-5, momentum=0.1)


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = bn(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = bn(cout)
        self.sc = None
        if stride != 1 or cin != cout:
            self.sc = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), bn(cout))

    def forward(self, x):
        y = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        return F.relu(y + (x if self.sc is None else self.sc(x)))


class ResNet(nn.Module):
    def __init__(self, widths):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 3, 2, 1, bias=False), bn(widths[0]), nn.ReLU())
        blocks, c = [], widths[0]
        for i, w in enumerate(widths):
            blocks.append(Block(c, w, 1 if i == 0 else 2))
            c = w
        self.blocks = nn.Sequential(*blocks)
        self.out_dim = c

    def forward(self, x):
        return self.blocks(self.stem(x)).mean((2, 3))


class Coords(nn.Module):
    def __init__(self, z):
        super().__init__()
        self.cnn = ResNet(z["widths"])
        self.fc = nn.Linear(self.cnn.out_dim, 10)

    def forward(self, x):
        return torch.sigmoid(self.fc(self.cnn(x)))


class Crop(nn.Module):
    def __init__(self, z):
        super().__init__()
        self.cnn = ResNet(z["widths"])
        self.gru = nn.GRU(self.cnn.out_dim, z["hidden"], batch_first=True, bidirectional=True)
        self.fc = nn.Linear(4 * z["hidden"], 15)

    def forward(self, x):  # x: B, T, C, H, W
        b, t = x.shape[:2]
        f = self.cnn(x.reshape(b * t, *x.shape[2:])).reshape(b, t, -1)
        h, _ = self.gru(f)
        return self.fc(torch.cat([h.mean(1), h.amax(1)], 1))


class Mlp(nn.Module):
    def __init__(self, z):
        super().__init__()
        self.heads = nn.ModuleList(
            nn.Sequential(nn.Linear(f, z["hidden"]), nn.LeakyReLU(0.05), nn.Linear(z["hidden"], 3)) for _, f in MLP_GROUPS
        )

    def forward(self, xs):
        return torch.cat([h(x) for h, x in zip(self.heads, xs)], 1)


WEIGHTS = torch.tensor([1.0, 2.0, 4.0])


def weighted_ce(logits, labels):
    return F.cross_entropy(logits.reshape(-1, 3), labels.reshape(-1), weight=WEIGHTS)


def cases(z):
    c, k, m = z["coords"], z["crop"], z["mlp"]
    yield "coords", Coords(c), torch.randn(c["batch"], 3, c["size"], c["size"]), torch.rand(c["batch"], 10), F.mse_loss
    yield (
        "crop25d",
        Crop(k),
        torch.randn(k["batch"], k["frames"], 3, k["size"], k["size"]),
        torch.randint(0, 3, (k["batch"], 5)),
        weighted_ce,
    )
    xs = [torch.randn(m["batch"], r, f) for r, f in MLP_GROUPS]
    yield "mlp", Mlp(m), xs, torch.randint(0, 3, (m["batch"], 25)), weighted_ce


def timed(fn, warmup, steps):
    """Mean wall-clock and process-CPU ms per call (CPU time sums threads)."""
    for _ in range(warmup):
        fn()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        fn()
    return (time.perf_counter() - t0) * 1000 / steps, (time.process_time() - c0) * 1000 / steps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    rows = []
    for name, model, x, y, loss_fn in cases(QUICK if a.quick else FULL):
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        call = lambda: model(x)  # noqa: E731 (x is a tensor or the MLP's list of group inputs)

        def train_step():
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(call(), y)
            loss.backward()
            opt.step()

        def infer():
            with torch.no_grad():
                call()

        for phase, fn in (("train", train_step), ("infer", infer)):
            model.train(phase == "train")
            ms, cpu_ms = timed(fn, a.warmup, a.steps)
            rows.append({"model": name, "phase": phase, "ms": ms, "cpu_ms": cpu_ms})
    print(json.dumps({"threads": a.threads, "torch": torch.__version__, "rows": rows}))


if __name__ == "__main__":
    main()
