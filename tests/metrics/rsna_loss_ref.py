"""Independent reference for rsnaLoss/studyLoss tests: the reference repository's util/metrics.py
rsna_loss re-written with numpy from docs/porting.md §7.1 (clip 1e-7, no renormalisation,
any-severe over all 5 SCS levels, weight 2^max label, 0 when all SCS labels are missing).
Reads {"labels": N x 25, "probs": N x 25 x 3} on stdin; prints the score and the four parts."""
import json, sys
import numpy as np

d = json.load(sys.stdin)
t = np.array(d["labels"], dtype=np.int64)
p = np.clip(np.array(d["probs"], dtype=np.float64), 1e-7, 1 - 1e-7)
out = {}
for name, (a, b) in {"scs": (0, 5), "nfn": (5, 15), "ss": (15, 25)}.items():
    tt = t[:, a:b].ravel()
    pp = p[:, a:b].reshape(-1, 3)
    m = tt >= 0
    w = 2.0 ** tt[m]
    out[name] = float((w * -np.log(pp[m, tt[m]])).sum() / w.sum())
a = t[:, :5].max(1)
y = (a == 2).astype(np.float64)
q = p[:, :5, 2].max(1)
w = np.where(a >= 0, 2.0 ** np.maximum(a, 0), 0.0)
out["any"] = float((w * -(y * np.log(q) + (1 - y) * np.log(1 - q))).sum() / w.sum())
out["score"] = float(np.mean([out["scs"], out["nfn"], out["ss"], out["any"]]))
print(json.dumps(out))
