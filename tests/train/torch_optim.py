"""Independent reference for tests/train/optim.test.ts: the same tiny linear regression trained with
torch.optim.AdamW / torch.optim.RAdam + the reference's Lookahead, a transformers-style linear
schedule and clip_grad_norm_. Reads a JSON problem on stdin, prints the weights after every step."""
import json, sys
import torch

prob = json.load(sys.stdin)
torch.set_default_dtype(torch.float64)
X = torch.tensor(prob["x"])
Y = torch.tensor(prob["y"])
W = torch.tensor(prob["w0"], requires_grad=True)
B = torch.tensor(prob["b0"], requires_grad=True)
cfg = prob["optimizer"]
wd = cfg.get("weightDecay", 0.0)
groups = [{"params": [W], "weight_decay": wd}, {"params": [B], "weight_decay": 0.0}]  # biases: no decay
betas = tuple(cfg.get("betas", [0.9, 0.999]))
if cfg["name"] == "adamw":
    opt = torch.optim.AdamW(groups, lr=cfg["lr"], betas=betas, eps=cfg.get("eps", 1e-8))
else:
    opt = torch.optim.RAdam(groups, lr=cfg["lr"], betas=betas, eps=cfg.get("eps", 1e-8))


class Lookahead:  # as in the reference (lookahead_pytorch): sync when the counter is 0
    def __init__(self, optimizer, k=5, alpha=0.5):
        self.optimizer, self.k, self.alpha = optimizer, k, alpha
        self.state = {}
        for g in optimizer.param_groups:
            g["counter"] = 0

    def update(self, group):
        for fast in group["params"]:
            st = self.state.setdefault(fast, {})
            if "slow_param" not in st:
                st["slow_param"] = fast.data.clone()
            slow = st["slow_param"]
            slow += (fast.data - slow) * self.alpha
            fast.data.copy_(slow)

    def step(self):
        self.optimizer.step()
        for g in self.optimizer.param_groups:
            if g["counter"] == 0:
                self.update(g)
            g["counter"] += 1
            if g["counter"] >= self.k:
                g["counter"] = 0


stepper = Lookahead(opt) if cfg["name"] == "ranger" else opt
total = prob["steps"]
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, (total - s) / total))
out = []
for s in range(total):
    loss = ((X @ W + B - Y) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    if prob["clip"] > 0:
        torch.nn.utils.clip_grad_norm_([W, B], prob["clip"])
    stepper.step()
    sched.step()
    out.append({"w": W.detach().flatten().tolist(), "b": B.detach().tolist(), "loss": loss.item()})
print(json.dumps(out))
