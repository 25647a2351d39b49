"""PyTorch twins of the models `spinelab bench` times (bench/engine-models.ts), timed on CPU.

Run with Debian's interpreter:
  /usr/bin/python3 bench/torch_models.py --spec '{"coords": {...}, "crop25d": {...}, "mlp": {...}}' --threads 1
  /usr/bin/python3 bench/torch_models.py --spec '...' --count   (trainable parameters only)
The spec (built by the bench from the presets) gives each model's architecture, batch and training
settings. Prints one JSON object as its last line: {"threads": n, "torch": version, "rows": [...]}.
Same layers, shapes, batch sizes, loss, clipping and optimizer (AdamW) as the tfjs side; NCHW here.
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CLASS_WEIGHTS = torch.tensor([1.0, 2.0, 4.0])


def bn(c):
    # Keras momentum 0.9 == PyTorch momentum 0.1; eps 1e-5 on both sides.
    return nn.BatchNorm2d(c, eps=1e-5, momentum=0.1)


def conv_bn(cin, cout, k, stride, relu=True):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), bn(cout)]
    return nn.Sequential(*layers, nn.ReLU()) if relu else nn.Sequential(*layers)


class Block(nn.Module):
    """lib/coords/model.ts basic block: conv-BN-ReLU, conv-BN, shortcut (1×1 conv-BN when needed), add, ReLU."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a = conv_bn(cin, cout, 3, stride)
        self.b = conv_bn(cout, cout, 3, 1, relu=False)
        self.sc = None if stride == 1 and cin == cout else conv_bn(cin, cout, 1, stride, relu=False)

    def forward(self, x):
        return F.relu(self.b(self.a(x)) + (x if self.sc is None else self.sc(x)))


def soft_argmax(maps):
    """[B, K, h, w] → [B, 2K] = (x_0, y_0, x_1, …): expected pixel-centre position per map, relative."""
    b, k, h, w = maps.shape
    p = F.softmax(maps.reshape(b, k, h * w), -1)
    gx = ((torch.arange(h * w) % w).float() + 0.5) / w
    gy = ((torch.arange(h * w) // w).float() + 0.5) / h
    return torch.stack([(p * gx).sum(-1), (p * gy).sum(-1)], 2).reshape(b, 2 * k)


class Coords(nn.Module):
    """lib/coords/model.ts with the soft-argmax head, on 1-channel images."""

    def __init__(self, s):
        super().__init__()
        if s["head"] != "softargmax":
            raise ValueError(f"coords twin: head {s['head']} not mirrored (the bench presets use softargmax)")
        blocks, c = [conv_bn(1, s["stem"], 3, 2)], s["stem"]
        for w, depth, stride in zip(s["widths"], s["depths"], s["strides"]):
            for d in range(depth):
                blocks.append(Block(c, w, stride if d == 0 else 1))
                c = w
        self.body = nn.Sequential(*blocks)
        self.drop = nn.Dropout(s["dropout"])
        self.maps = nn.Conv2d(c, s["points"], 1)

    def forward(self, x):
        return soft_argmax(self.maps(self.drop(self.body(x))))


class LstmPool(nn.Module):
    """BiLSTM (hidden C/4) → concat(mean, max over time). Keras' LSTM has one bias, PyTorch's two: the
    second (bias_hh) is frozen at zero so both sides train the same parameters."""

    def __init__(self, c):
        super().__init__()
        self.lstm = nn.LSTM(c, max(1, c // 4), batch_first=True, bidirectional=True)
        for name, p in self.lstm.named_parameters():
            if name.startswith("bias_hh"):
                nn.init.zeros_(p)
                p.requires_grad_(False)

    def forward(self, seq):
        h, _ = self.lstm(seq)
        return torch.cat([h.mean(1), h.amax(1)], 1)


class Crop(nn.Module):
    """lib/classify/model.ts: shared per-frame CNN (time folded into the batch), BiLSTM heads."""

    def __init__(self, s):
        super().__init__()
        w = s["widths"]
        layers = [conv_bn(3, w[0], 3, 2)]
        for cin, cout in zip(w, w[1:]):
            layers.append(conv_bn(cin, cout, 3, 2))
            if s["residual"]:
                layers.append(Block(cout, cout, 1))
        self.cnn = nn.Sequential(*layers)
        c = w[-1]
        self.side = s["head"] == "lstm_side"
        if self.side:
            self.ranges = s["ranges"]
            self.pools = nn.ModuleDict({k: LstmPool(c) for k in ("centre", "left", "right")})
            self.fcs = nn.ModuleList(nn.Linear(c, 3) for _ in range(5))
        else:
            self.pool = LstmPool(c)
            self.fc = nn.Linear(c, 3)

    def forward(self, x):  # x: B, T, C, H, W
        b, t = x.shape[:2]
        f = self.cnn(x.reshape(b * t, *x.shape[2:])).mean((2, 3)).reshape(b, t, -1)
        if not self.side:
            return self.fc(self.pool(f))
        p = {k: self.pools[k](f[:, r[0] : r[1] + 1]) for k, r in self.ranges.items()}
        order = ["centre", "left", "right", "left", "right"]  # SCS, L-NFN, R-NFN, L-SS, R-SS
        return torch.stack([fc(p[k]) for fc, k in zip(self.fcs, order)], 1)


class Mlp(nn.Module):
    """lib/lvl2/model.ts: three row-wise heads Linear(f → hidden) → LeakyReLU(0.05) → Linear(hidden → 3)."""

    def __init__(self, s):
        super().__init__()
        self.heads = nn.ModuleList(
            nn.Sequential(nn.Linear(f, s["hidden"]), nn.LeakyReLU(0.05), nn.Linear(s["hidden"], 3)) for _, f in s["groups"]
        )

    def forward(self, xs):
        return torch.cat([h(x) for h, x in zip(self.heads, xs)], 1)


def masked_soft_ce(logits, y, weighted):
    """lib/classify/loss.ts maskedSoftCrossEntropy."""
    row = -(y * F.log_softmax(logits, -1)).sum(-1)
    w = (y * CLASS_WEIGHTS).sum(-1) if weighted else (y.sum(-1) > 0).float()
    return (row * w).sum() / w.sum().clamp_min(1e-6)


def masked_mse(pred, target):
    """lib/coords/model.ts maskedMse: MSE on ×100 coordinates over the present targets."""
    mask = (target >= 0).float()
    return (((pred - target) * 100) ** 2 * mask).sum() / mask.sum().clamp_min(1)


def one_hot(shape):
    return F.one_hot(torch.randint(0, 3, shape), 3).float()


def build(name, s):
    """(model, input, target, loss) for one spec."""
    b = s["batch"]
    if s["kind"] == "coords":
        return Coords(s), torch.rand(b, 1, s["size"], s["size"]), torch.rand(b, 2 * s["points"]), masked_mse
    if s["kind"] == "crop":
        y = one_hot((b, 5) if s["head"] == "lstm_side" else (b,))
        weighted = s["train"].get("weighted", False)
        return Crop(s), torch.rand(b, s["frames"], 3, s["size"], s["size"]), y, lambda p, t: masked_soft_ce(p, t, weighted)
    xs = [torch.randn(b, r, f) for r, f in s["groups"]]
    return Mlp(s), xs, one_hot((b, 25)), lambda p, t: masked_soft_ce(p, t, True)


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
    ap.add_argument("--spec", required=True, help="JSON {model name: spec}")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--phases", default="train,infer")
    ap.add_argument("--count", action="store_true", help="only print each model's trainable parameters")
    a = ap.parse_args()
    if a.count:
        specs = json.loads(a.spec).items()
        counts = {n: sum(p.numel() for p in build(n, s)[0].parameters() if p.requires_grad) for n, s in specs}
        print(json.dumps({"torch": torch.__version__, "params": counts}))
        return
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    rows = []
    for name, spec in json.loads(a.spec).items():
        model, x, y, loss_fn = build(name, spec)
        params = [p for p in model.parameters() if p.requires_grad]
        t = spec["train"]
        opt = torch.optim.AdamW(params, lr=t["lr"], weight_decay=t["weightDecay"])
        call = lambda: model(x)  # noqa: E731 (x is a tensor or the MLP's list of group inputs)

        def train_step():
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(call(), y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, t["gradClip"])
            opt.step()

        def infer():
            with torch.no_grad():
                call()

        for phase, fn in (("train", train_step), ("infer", infer)):
            if phase not in a.phases.split(","):
                continue
            model.train(phase == "train")
            ms, cpu_ms = timed(fn, a.warmup, a.steps)
            rows.append({"model": name, "phase": phase, "ms": ms, "cpu_ms": cpu_ms, "params": sum(p.numel() for p in params)})
    print(json.dumps({"threads": a.threads, "torch": torch.__version__, "rows": rows}))


if __name__ == "__main__":
    main()
