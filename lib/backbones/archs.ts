/** The five timm architectures we build, with their native size, width and pretrained weights. */
import { UsageError } from '../core/errors.js';

export const BACKBONE_ARCHS = ['coatnet_1_rw_224', 'coatnet_2_rw_224', 'coatnet_rmlp_2_rw_384', 'resnet18', 'convnext_tiny'] as const;
export type BackboneArch = (typeof BACKBONE_ARCHS)[number];

export interface ArchInfo {
  /** timm's model name. */
  arch: BackboneArch;
  /** Input size of the ImageNet weights (the CoAtNets' relative-position tables are sized for it). */
  nativeSize: number;
  /** Channels of the final map and of the pooled features (timm num_features). */
  features: number;
  /** Pretrained weights on the Hugging Face hub: `https://huggingface.co/{hub}` holds `model.safetensors`. */
  hub: string;
  /** Input normalisation those weights were trained with (mean, std per channel). */
  normalisation: string;
  /** timm's classifier module: its weights are in an ImageNet checkpoint but not in a `num_classes=0` model. */
  classifier: string;
}

const HALF = 'mean = std = 0.5';
const IMAGENET = 'ImageNet mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225)';

export const ARCHS: Record<BackboneArch, ArchInfo> = {
  coatnet_1_rw_224: { arch: 'coatnet_1_rw_224', nativeSize: 224, features: 768, classifier: 'head.fc', hub: 'timm/coatnet_1_rw_224.sw_in1k', normalisation: HALF },
  coatnet_2_rw_224: { arch: 'coatnet_2_rw_224', nativeSize: 224, features: 1024, classifier: 'head.fc', hub: 'timm/coatnet_2_rw_224.sw_in12k_ft_in1k', normalisation: HALF },
  coatnet_rmlp_2_rw_384: { arch: 'coatnet_rmlp_2_rw_384', nativeSize: 384, features: 1024, classifier: 'head.fc', hub: 'timm/coatnet_rmlp_2_rw_384.sw_in12k_ft_in1k', normalisation: HALF },
  resnet18: { arch: 'resnet18', nativeSize: 224, features: 512, classifier: 'fc', hub: 'timm/resnet18.a1_in1k', normalisation: IMAGENET },
  convnext_tiny: { arch: 'convnext_tiny', nativeSize: 224, features: 768, classifier: 'head.fc', hub: 'timm/convnext_tiny.in12k_ft_in1k', normalisation: IMAGENET },
};

export function archInfo(arch: string): ArchInfo {
  if (!(BACKBONE_ARCHS as readonly string[]).includes(arch)) throw new UsageError(`unknown backbone "${arch}" (known: ${BACKBONE_ARCHS.join(', ')})`);
  return ARCHS[arch as BackboneArch];
}

/**
 * Input sizes an architecture takes: multiples of 32 from 32 up. All five have output stride 32;
 * timm builds a CoAtNet for another `img_size` by sizing its relative-position tables for the
 * stage maps, which needs every stage to halve its map exactly.
 */
export function checkImageSize(arch: BackboneArch, size: number): void {
  if (!Number.isInteger(size) || size < 32 || size % 32 !== 0) {
    throw new UsageError(`${arch}: input size ${size} is not supported (multiples of 32 from 32 up; ImageNet weights are for ${ARCHS[arch].nativeSize})`);
  }
}
