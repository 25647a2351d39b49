"""pydicom peer of bench/dicom.ts: the same decode and stack work, timed the same way.

Usage: /usr/bin/python3 bench/dicom_peer.py < job.json  → one JSON line on stdout.
job = {"mode": "files", "files": [...], "repeats": n}  decode each file's pixel_array
    | {"mode": "series", "dirs": [...], "repeats": n}  read, sort by IPP·normal, np.stack
Reports the best of `repeats` wall-clock runs (seconds), slices and decoded bytes per run.
"""
import json, os, sys, time
import numpy as np
import pydicom


def decode_files(files):
    slices = nbytes = 0
    for f in files:
        a = pydicom.dcmread(f).pixel_array
        n = a.shape[0] if a.ndim == 3 else 1
        slices += n
        nbytes += a.nbytes
    return slices, nbytes


def canonical(v):
    v = v / np.linalg.norm(v)
    return v * np.sign(v[np.argmax(np.abs(v))])


def read_series(d):
    ds = [pydicom.dcmread(os.path.join(d, f)) for f in os.listdir(d) if f.endswith(".dcm")]
    normals = [canonical(np.cross(np.array(x.ImageOrientationPatient[:3], float), np.array(x.ImageOrientationPatient[3:], float))) for x in ds]
    n = canonical(np.sum(normals, axis=0))
    key = [(round(float(np.dot(np.array(x.ImagePositionPatient, float), n)) * 1000), int(x.InstanceNumber)) for x in ds]
    order = sorted(range(len(ds)), key=lambda i: key[i])
    return np.stack([ds[i].pixel_array for i in order])


def stack_series(dirs):
    slices = nbytes = 0
    for d in dirs:
        a = read_series(d)
        slices += a.shape[0]
        nbytes += a.nbytes
    return slices, nbytes


def main():
    job = json.load(sys.stdin)
    work = (lambda: decode_files(job["files"])) if job["mode"] == "files" else (lambda: stack_series(job["dirs"]))
    best = float("inf")
    for _ in range(job["repeats"]):
        t = time.perf_counter()
        slices, nbytes = work()
        best = min(best, time.perf_counter() - t)
    print(json.dumps({"seconds": best, "slices": slices, "bytes": nbytes, "pydicom": pydicom.__version__, "numpy": np.__version__}))


main()
