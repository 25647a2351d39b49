"""Independent reference for tests/metrics: the host's scorer re-written with numpy from the
sklearn 1.2 log_loss source (LabelBinarizer one-hot, clip to [eps, 1-eps] with eps = float64
machine epsilon, renormalise rows, -xlogy summed per row, np.average with sample weights) and
the host's any-severe-spinal term (max over the study's solution spinal rows). sklearn itself is
not installed on this machine. Reads {"solution": [[row_id, y0, y1, y2, w], ...],
"submission": [[row_id, p0, p1, p2], ...]} on stdin; prints the parts and the score as JSON."""
import json, sys
import numpy as np

EPS = np.finfo(np.float64).eps


def xlogy(x, y):
    return np.where(x == 0, 0.0, x * np.log(np.where(x == 0, 1.0, y)))


def log_loss(y_true, y_pred, sample_weight):
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.ndim == 1:  # binary labels: LabelBinarizer gives one column, expanded to [1-y, y]
        classes = np.unique(y_true)
        if len(classes) == 1:
            raise ValueError("y_true contains only one label")
        t = (y_true == classes[1]).astype(np.float64)[:, None]
        y_true = np.append(1 - t, t, axis=1)
    y_pred = np.clip(y_pred, EPS, 1 - EPS)
    if y_pred.ndim == 1:
        y_pred = y_pred[:, None]
    if y_pred.shape[1] == 1:
        y_pred = np.append(1 - y_pred, y_pred, axis=1)
    y_pred = y_pred / y_pred.sum(axis=1)[:, None]
    loss = -xlogy(y_true, y_pred).sum(axis=1)
    return np.average(loss, weights=sample_weight)


data = json.load(sys.stdin)
sub = {r[0]: r[1:] for r in data["submission"]}
sol = data["solution"]
ids = [r[0] for r in sol]
y = np.array([r[1:4] for r in sol], dtype=np.float64)
w = np.array([r[4] for r in sol], dtype=np.float64)
p = np.array([sub[i] for i in ids], dtype=np.float64)
cond = np.array([next(c for c in ("spinal", "foraminal", "subarticular") if c in i) for i in ids])
study = np.array([i.split("_")[0] for i in ids])
out = {}
for c in ("spinal", "foraminal", "subarticular"):
    m = cond == c
    out[c] = float(log_loss(y[m], p[m], w[m]))
spinal = cond == "spinal"
studies = sorted(set(study[spinal]))
lab = np.array([y[spinal & (study == s), 2].max() for s in studies])
pred = np.array([p[spinal & (study == s), 2].max() for s in studies])
wt = np.array([w[spinal & (study == s)].max() for s in studies])
out["any_severe_spinal"] = float(log_loss(lab, pred, wt))
out["score"] = float(np.mean([out[k] for k in ("spinal", "foraminal", "subarticular", "any_severe_spinal")]))
print(json.dumps(out))
