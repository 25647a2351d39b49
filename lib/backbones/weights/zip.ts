/**
 * A minimal ZIP reader for PyTorch checkpoints (`torch.save` writes a zip of `data.pkl` + one
 * file per storage, stored uncompressed). Reads the central directory (ZIP64 included), returns
 * stored entries as views and inflates deflated ones with Node's zlib.
 */
import { inflateRawSync } from 'node:zlib';
import { ArtefactError } from '../../core/errors.js';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  /** Offset of the entry's local header. */
  headerOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX32 = 0xffffffff;

export const isZip = (bytes: Uint8Array): boolean => bytes.byteLength >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 3 && bytes[3] === 4;

export class ZipReader {
  readonly entries = new Map<string, ZipEntry>();
  private readonly dv: DataView;

  constructor(private readonly bytes: Uint8Array, private readonly file?: string) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const eocd = this.findEocd();
    let count = this.dv.getUint16(eocd + 10, true);
    let cdOffset = this.dv.getUint32(eocd + 16, true);
    const loc = eocd - 20;
    if (loc >= 0 && this.dv.getUint32(loc, true) === ZIP64_LOCATOR) {
      const z = this.u64(loc + 8);
      if (this.dv.getUint32(z, true) !== ZIP64_EOCD) this.fail('bad ZIP64 end record');
      count = this.u64(z + 32);
      cdOffset = this.u64(z + 48);
    }
    let p = cdOffset;
    for (let i = 0; i < count; i++) {
      if (p + 46 > bytes.byteLength || this.dv.getUint32(p, true) !== CENTRAL) this.fail(`central directory entry ${i} is damaged`);
      const method = this.dv.getUint16(p + 10, true);
      let compressedSize = this.dv.getUint32(p + 20, true);
      let size = this.dv.getUint32(p + 24, true);
      const nameLen = this.dv.getUint16(p + 28, true);
      const extraLen = this.dv.getUint16(p + 30, true);
      const commentLen = this.dv.getUint16(p + 32, true);
      let headerOffset = this.dv.getUint32(p + 42, true);
      const name = Buffer.from(bytes.buffer, bytes.byteOffset + p + 46, nameLen).toString('utf8');
      // ZIP64 extra field (id 1): the 64-bit values of whichever fields read 0xFFFFFFFF, in order.
      let e = p + 46 + nameLen;
      const end = e + extraLen;
      while (e + 4 <= end) {
        const id = this.dv.getUint16(e, true);
        const len = this.dv.getUint16(e + 2, true);
        if (id === 1) {
          let q = e + 4;
          if (size === MAX32) { size = this.u64(q); q += 8; }
          if (compressedSize === MAX32) { compressedSize = this.u64(q); q += 8; }
          if (headerOffset === MAX32) headerOffset = this.u64(q);
        }
        e += 4 + len;
      }
      this.entries.set(name, { name, method, compressedSize, size, headerOffset });
      p = end + commentLen;
    }
  }

  /** The bytes of an entry (a view for stored entries). */
  read(name: string): Uint8Array {
    const entry = this.entries.get(name);
    if (!entry) this.fail(`no entry "${name}"`);
    const h = entry.headerOffset;
    if (this.dv.getUint32(h, true) !== LOCAL) this.fail(`local header of "${name}" is damaged`);
    const start = h + 30 + this.dv.getUint16(h + 26, true) + this.dv.getUint16(h + 28, true);
    if (start + entry.compressedSize > this.bytes.byteLength) this.fail(`"${name}" is truncated`);
    const raw = this.bytes.subarray(start, start + entry.compressedSize);
    if (entry.method === 0) return raw;
    if (entry.method === 8) return new Uint8Array(inflateRawSync(raw));
    this.fail(`"${name}" uses compression method ${entry.method} (only stored and deflate are supported)`);
  }

  private findEocd(): number {
    const min = Math.max(0, this.bytes.byteLength - 22 - 0xffff);
    for (let p = this.bytes.byteLength - 22; p >= min; p--) if (this.dv.getUint32(p, true) === EOCD) return p;
    this.fail('no end-of-central-directory record (truncated or not a zip file)');
  }

  private u64(p: number): number {
    const v = this.dv.getBigUint64(p, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('ZIP64 value out of range');
    return Number(v);
  }

  private fail(message: string): never {
    throw new ArtefactError(`zip: ${message}`, { file: this.file });
  }
}
