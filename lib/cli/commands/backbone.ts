import { defineCommand, numberOption } from '../command.js';
import { UsageError } from '../../core/errors.js';
import { readNpy, writeNpy } from '../../core/npy.js';
import { initBackend, type BackendName } from '../../engine/backend.js';
import { archInfo, backboneWithWeights, BACKBONE_ARCHS, extractFeatures, saveBackbone, type BackboneArch } from '../../backbones/index.js';

export default defineCommand({
  name: 'backbone',
  summary: 'Pooled features of a timm backbone (CoAtNets, resnet18, convnext_tiny), optionally from PyTorch weights',
  usage: [
    'Usage: spinelab backbone --arch NAME [--weights FILE] [--img-size S] [--input X.npy --out Y.npy] [--save DIR] [--json]',
    '',
    `  --arch NAME      ${BACKBONE_ARCHS.join(', ')}`,
    '  --weights FILE   timm/PyTorch weights: .safetensors (Hugging Face hub) or a torch.save',
    '                   .pth/.bin zip checkpoint (state dict, or {"state_dict"|"model": ...}),',
    '                   or a folder written by --save; without it the weights are random',
    '  --img-size S     input size the model is built for (multiple of 32; default: the',
    '                   images\' size, or the architecture\'s native size without --input)',
    '  --input X.npy    float32 [N, S, S, 3] images, NHWC, already normalised',
    '  --out Y.npy      float32 [N, C] features, as timm create_model(NAME, num_classes=0) in eval mode',
    '  --save DIR       save the (imported) backbone in spinelab\'s model format',
    '  --backend NAME   tensorflow | wasm | cpu (default: automatic)',
    '',
    '--json: {"arch", "params", "features", "imgSize", "pretrained", "images"}.',
  ].join('\n'),
  options: {
    arch: { type: 'string' }, weights: { type: 'string' }, 'img-size': { type: 'string' }, input: { type: 'string' },
    out: { type: 'string' }, save: { type: 'string' }, backend: { type: 'string' },
  },
  async run({ values, json }) {
    if (typeof values.arch !== 'string') throw new UsageError('--arch NAME is required');
    const arch = archInfo(values.arch).arch as BackboneArch;
    if ((values.input === undefined) !== (values.out === undefined)) throw new UsageError('--input and --out go together');
    const weights = values.weights as string | undefined;
    const size = values['img-size'] === undefined ? undefined : numberOption(values, 'img-size', 0);
    await initBackend(values.backend as BackendName | undefined);
    let images = 0;
    let built;
    if (typeof values.input === 'string') {
      const x = readNpy(values.input);
      if (x.dtype !== 'float32') throw new UsageError(`${values.input}: images must be float32, got ${x.dtype}`);
      const r = await extractFeatures({ data: x.data as Float32Array, shape: x.shape }, { arch, weights, imgSize: size }, values.input);
      writeNpy(values.out as string, { data: r.features, shape: r.shape });
      images = r.shape[0];
      built = r;
    } else {
      built = await backboneWithWeights(arch, size ?? archInfo(arch).nativeSize, weights);
    }
    if (typeof values.save === 'string') await saveBackbone(built.model, values.save, built.summary);
    built.model.dispose();
    const s = built.summary;
    if (!json) {
      console.log(`${s.arch} at ${s.imgSize} px: ${s.params.toLocaleString('en-US')} parameters, ${s.features} features, ${s.pretrained ? `weights from ${s.pretrained}` : 'random weights'}`);
      console.log(`(its ImageNet weights expect inputs normalised with ${archInfo(arch).normalisation})`);
      if (images) console.log(`${images} images → ${values.out}`);
      if (typeof values.save === 'string') console.log(`saved to ${values.save}`);
    }
    return { arch: s.arch, params: s.params, features: s.features, imgSize: s.imgSize, pretrained: s.pretrained, images };
  },
});
