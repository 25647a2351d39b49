#!/usr/bin/python3
"""Run notebooks headless on the tslab kernel with Debian's nbclient, in the order given.

    /usr/bin/python3 tools/run_notebooks.py [--out DIR] [--timeout S] [--kernel tslab] NB.ipynb...

Writes each executed (or partially executed) notebook to DIR (default output/notebooks), signs it
so its plots show when the same user opens it, prints the failing cell's source and stderr (tslab
sends no error message, so nbclient's own report is an empty "<Error>:"), and exits 1 on the first
failure. The kernel must be registered (node tools/install-kernel.mjs; JUPYTER_PATH for --prefix).
"""
import argparse
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError
from nbformat.sign import NotebookNotary


def stderr_of(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stderr")


def run(path, out_dir, timeout, kernel):
    nb = nbformat.read(path, as_version=4)
    failed = {}
    # iopub_timeout: how long nbclient keeps collecting a cell's outputs after its execute_reply
    # (default 4 s, then they are silently left out). A busy machine can need longer to read a
    # cell's last outputs; the kernel sends its idle status after them, which ends the wait.
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel, iopub_timeout=60,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    client.on_cell_error = lambda cell, cell_index, execute_reply: failed.setdefault("index", cell_index)
    start = time.time()
    error = None
    try:
        client.execute()
    except (CellExecutionError, DeadKernelError, TimeoutError, RuntimeError) as e:
        error = e
    out = os.path.join(out_dir, os.path.basename(path))
    os.makedirs(out_dir, exist_ok=True)
    NotebookNotary().sign(nb)
    tmp = out + ".tmp"
    nbformat.write(nb, tmp)
    os.replace(tmp, out)
    took = time.time() - start
    if error is None:
        print(f"ok   {path} ({took:.1f}s) -> {out}", flush=True)
        return True
    print(f"FAIL {path} ({took:.1f}s) -> {out}", flush=True)
    index = failed.get("index")
    if index is not None:
        cell = nb.cells[index]
        print(f"--- cell {index}:\n{cell.source}\n--- stderr:\n{stderr_of(cell) or '(none)'}", file=sys.stderr, flush=True)
    else:
        print(f"--- {type(error).__name__}: {error}", file=sys.stderr, flush=True)
    return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="+")
    ap.add_argument("--out", default=os.path.join("output", "notebooks"))
    ap.add_argument("--timeout", type=int, default=-1, help="seconds per cell; -1 = none")
    ap.add_argument("--kernel", default="tslab")
    args = ap.parse_args()
    for path in args.notebooks:
        if not run(path, args.out, None if args.timeout < 0 else args.timeout, args.kernel):
            sys.exit(1)


if __name__ == "__main__":
    main()
