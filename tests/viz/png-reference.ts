import { pythonReference } from '../helpers/python.js';

/**
 * Decode PNGs with an independent decoder: a ~30-line PNG reader in Debian's Python (zlib +
 * the five scanline filters, standard library only), so pngjs's encoder is not checked against
 * pngjs's decoder.
 */
const PY = pythonReference([]);
export const HAS_PYTHON = PY.ok;

const DECODER = String.raw`
import sys, json, zlib, struct, base64
out = []
for b64 in json.load(sys.stdin):
    b = base64.b64decode(b64)
    assert b[:8] == b'\x89PNG\r\n\x1a\n', 'signature'
    pos, idat, hdr = 8, b'', None
    while pos < len(b):
        n, typ = struct.unpack('>I4s', b[pos:pos + 8]); data = b[pos + 8:pos + 8 + n]; pos += 12 + n
        if typ == b'IHDR': hdr = struct.unpack('>IIBBBBB', data)
        elif typ == b'IDAT': idat += data
    w, h, depth, ctype = hdr[:4]
    assert depth == 8 and ctype in (0, 2), hdr
    ch = 1 if ctype == 0 else 3
    raw = zlib.decompress(idat); stride = w * ch; prev = bytearray(stride); pix = []
    for y in range(h):
        f = raw[y * (stride + 1)]; line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - ch] if i >= ch else 0; up = prev[i]; c = prev[i - ch] if i >= ch else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + up) & 255
            elif f == 3: line[i] = (line[i] + (a + up) // 2) & 255
            elif f == 4:
                p = a + up - c; pa, pb, pc = abs(p - a), abs(p - up), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else up if pb <= pc else c)) & 255
        pix.extend(line); prev = line
    out.append({'width': w, 'height': h, 'channels': ch, 'data': pix})
print(json.dumps(out))
`;

export interface DecodedPng { width: number; height: number; channels: number; data: number[] }

export function decodePngsWithPython(pngs: Buffer[]): DecodedPng[] {
  return PY.json(['-c', DECODER], { input: JSON.stringify(pngs.map((p) => p.toString('base64'))) });
}

export function dataUriToPng(uri: string): Buffer {
  const prefix = 'data:image/png;base64,';
  if (!uri.startsWith(prefix)) throw new Error(`not a PNG data URI: ${uri.slice(0, 40)}`);
  return Buffer.from(uri.slice(prefix.length), 'base64');
}
