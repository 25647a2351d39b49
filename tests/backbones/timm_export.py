"""Export random-initialised timm 0.9.2 models as the reference for spinelab's backbones.

Usage: timm_export.py OUT_DIR JOB [JOB ...]   with JOB = arch:img_size:batch[:pth][:train]

For each job, in OUT_DIR/{arch}_{img_size}/: weights.safetensors (written by hand: 8-byte
little-endian header length, JSON header, raw little-endian float32 data), optionally
weights.pth (torch.save of the same state dict), x.npy (input, NHWC float32), y.npy (timm's
features with num_classes=0, eval mode) and info.json (parameter count, feature count).
With `train`, also one training-mode pass (batch statistics; the rel-pos MLP's dropout off) of
the same input: y_train.npy,
the gradients of sum(y_train * g) with g = g.npy in grads.safetensors, and the BatchNorm
running statistics after that pass in running.safetensors.

Weights: timm's own initialisation with a fixed seed, then every 1-D parameter, every batch-norm
running statistic, layer-scale gamma and relative-position table redrawn at unit scale, so that a
swapped or ignored weight shows in the features (timm initialises many of them to 0, 1 or 1e-6).
"""
import json
import os
import struct
import sys

import numpy as np
import torch
import timm
from timm.layers import RelPosMlp


def save_safetensors(path, state):
    header, blobs, offset = {}, [], 0
    for name, t in state.items():
        a = t.detach().contiguous().cpu()
        if a.dtype == torch.int64:
            dtype, raw = 'I64', a.numpy().astype('<i8').tobytes()
        else:
            dtype, raw = 'F32', a.float().numpy().astype('<f4').tobytes()
        header[name] = {'dtype': dtype, 'shape': list(a.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header).encode('utf-8')
    head += b' ' * ((8 - (8 + len(head)) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)


def randomise(model, gen):
    with torch.no_grad():
        for name, p in model.named_parameters():
            leaf = name.rsplit('.', 1)[-1]
            if p.ndim == 1 and leaf in ('weight', 'gamma'):
                p.copy_(torch.rand(p.shape, generator=gen) + 0.5)  # norm scales, layer scale
            elif p.ndim == 1:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.1)  # biases
            elif 'relative_position_bias_table' in name:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) * 1.5 + 0.5)
                m.num_batches_tracked.fill_(1000)


def export(out_dir, arch, img_size, batch, pth, train):
    kwargs = {'img_size': img_size} if arch.startswith('coatnet') else {}
    torch.manual_seed(0)
    model = timm.create_model(arch, pretrained=False, num_classes=0, **kwargs).eval()
    gen = torch.Generator().manual_seed(1)
    randomise(model, gen)
    x = torch.randn(batch, 3, img_size, img_size, generator=gen)
    with torch.no_grad():
        y = model(x)
    d = os.path.join(out_dir, f'{arch}_{img_size}')
    os.makedirs(d, exist_ok=True)
    state = model.state_dict()
    save_safetensors(os.path.join(d, 'weights.safetensors'), state)
    if pth:
        torch.save(state, os.path.join(d, 'weights.pth'))
    np.save(os.path.join(d, 'x.npy'), x.permute(0, 2, 3, 1).contiguous().numpy().astype(np.float32))
    np.save(os.path.join(d, 'y.npy'), y.numpy().astype(np.float32))
    if train:
        model.train()
        for m in model.modules():  # RelPosMlp's hidden dropout (p 0.125) off: a comparable training pass
            if isinstance(m, RelPosMlp):
                m.mlp.drop1.p = 0.0
        y_train = model(x)
        g = torch.randn(y_train.shape, generator=gen)
        (y_train * g).sum().backward()
        np.save(os.path.join(d, 'y_train.npy'), y_train.detach().numpy().astype(np.float32))
        np.save(os.path.join(d, 'g.npy'), g.numpy().astype(np.float32))
        save_safetensors(os.path.join(d, 'grads.safetensors'), {k: p.grad for k, p in model.named_parameters()})
        save_safetensors(os.path.join(d, 'running.safetensors'), {k: v for k, v in model.state_dict().items() if 'running_' in k})
    info = {'arch': arch, 'img_size': img_size, 'params': sum(p.numel() for p in model.parameters()), 'features': model.num_features}
    with open(os.path.join(d, 'info.json'), 'w') as f:
        json.dump(info, f)


def main():
    out_dir, jobs = sys.argv[1], sys.argv[2:]
    torch.set_num_threads(1)
    for job in jobs:
        arch, size, batch, *flags = job.split(':')
        export(out_dir, arch, int(size), int(batch), 'pth' in flags, 'train' in flags)


if __name__ == '__main__':
    main()
