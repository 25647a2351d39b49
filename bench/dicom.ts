/**
 * DICOM decode and series-stacking throughput (MB/s of decoded pixels, slices/s), spinelab
 * (dicom-parser + codecs, lib/dicom) side by side with pydicom + numpy (bench/dicom_peer.py,
 * Debian /usr/bin/python3) on the same files, in the same run. Best of N repeats, one thread each.
 *
 *   node --import tsx bench/dicom.ts [--quick] [--repeats N] [--json]
 *
 * Sets: (1) the MR files of ../shared/data/dicom that pydicom decodes without GDCM (native, deflate,
 * RLE); (2) generated sagittal-like series (512×512 int16, Kaggle layout) read, sorted and stacked;
 * (3) our decode of the one MR slice in every syntax (dcm_qa_ts) — no peer, pydicom here has no
 * JPEG/JPEG-LS/J2K handler.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedDataDir } from '../lib/core/paths.js';
import { Rng } from '../lib/core/rng.js';
import { encodeDicom, readDicomFile, readSeries, syntaxLabel, transferSyntax } from '../lib/dicom/index.js';

interface Timing { seconds: number; slices: number; bytes: number }
interface Row { set: string; files: number; ours: Timing; peer?: Timing }

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const repeats = Number(args[args.indexOf('--repeats') + 1]) || (quick ? 1 : 5);
const PEER = fileURLToPath(new URL('./dicom_peer.py', import.meta.url));

async function best(work: () => Promise<{ slices: number; bytes: number }>): Promise<Timing> {
  let seconds = Infinity;
  let last = { slices: 0, bytes: 0 };
  await work(); // warm-up: WASM instantiation and JIT are not throughput.
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    last = await work();
    seconds = Math.min(seconds, (performance.now() - t) / 1000);
  }
  return { seconds, ...last };
}

function peer(job: object): Timing {
  const run = spawnSync('/usr/bin/python3', [PEER], { input: JSON.stringify({ ...job, repeats: repeats + 1 }), encoding: 'utf8', maxBuffer: 1 << 20 });
  if (run.status !== 0) throw new Error(`pydicom peer failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

async function decodeFiles(files: string[]) {
  let slices = 0, bytes = 0;
  for (const f of files) {
    const { pixels } = await readDicomFile(f);
    slices += pixels.shape[0];
    bytes += pixels.data.byteLength;
  }
  return { slices, bytes };
}

/** Generated series in the Kaggle layout: `n` series of `slices` 512×512 int16 slices, shuffled instances. */
function generateSeries(root: string, n: number, slices: number, side: number): string[] {
  const rng = new Rng(11);
  return Array.from({ length: n }, (_, s) => {
    const dir = join(root, String(s));
    mkdirSync(dir, { recursive: true });
    const inst = rng.shuffle(Array.from({ length: slices }, (_, k) => k + 1));
    for (let k = 0; k < slices; k++) {
      const px = Int16Array.from({ length: side * side }, (_, i) => 300 + ((i % side) ^ (i / side)) % 200 + rng.int(0, 40));
      writeFileSync(join(dir, `${inst[k]}.dcm`), encodeDicom({
        pixels: px, rows: side, columns: side, instanceNumber: inst[k], position: [-30 + 3.5 * k, -100, 120],
        orientation: [0, 1, 0, 0, 0, -1], pixelSpacing: [0.6, 0.6], studyInstanceUid: '1.2.3', seriesInstanceUid: `1.2.3.${s}`,
      }));
    }
    return dir;
  });
}

const mb = (t: Timing) => t.bytes / 1e6 / t.seconds;
const sps = (t: Timing) => t.slices / t.seconds;

async function main() {
  const shared = sharedDataDir();
  const rows: Row[] = [];
  if (shared) {
    const manifest = readFileSync(join(shared, 'dicom', 'MANIFEST.tsv'), 'utf8').trimEnd().split('\n').map((l) => l.split('\t'));
    const col = (n: string) => manifest[0].indexOf(n);
    const mr = manifest.slice(1).filter((r) => r[col('modality')] === 'MR' && r[col('samples_per_pixel')] === '1' && r[col('decode')] === 'ok'
      && r[col('status')] === 'valid' && !r[col('file')].endsWith('.gz') && ['native', 'rle'].includes(transferSyntax(r[col('transfer_syntax_uid')])?.codec ?? ''));
    const files = mr.map((r) => join(shared, 'dicom', r[col('file')]));
    rows.push({ set: 'shared MR files, native/deflate/RLE', files: files.length, ours: await best(() => decodeFiles(files)), peer: peer({ mode: 'files', files }) });
  }
  const root = mkdtempSync(join(tmpdir(), 'spinelab-bench-dicom-'));
  try {
    const dirs = generateSeries(root, quick ? 1 : 3, quick ? 5 : 17, quick ? 128 : 512);
    const stack = async () => {
      let slices = 0, bytes = 0;
      for (const d of dirs) { const s = await readSeries(d); slices += s.pixels.shape[0]; bytes += s.pixels.data.byteLength; }
      return { slices, bytes };
    };
    rows.push({ set: `generated series: read + sort + stack (${quick ? '128' : '512'}² int16)`, files: dirs.length, ours: await best(stack), peer: peer({ mode: 'series', dirs }) });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const perSyntax: { syntax: string; ours: Timing }[] = [];
  if (shared) {
    for (let i = 1; i <= 9; i++) {
      const f = join(shared, 'dicom', 'dcm_qa_ts', `${i}.dcm`);
      const img = await readDicomFile(f);
      perSyntax.push({ syntax: syntaxLabel(img.header.transferSyntaxUid), ours: await best(() => decodeFiles(Array(quick ? 2 : 20).fill(f))) });
    }
  }
  if (args.includes('--json')) {
    console.log(JSON.stringify({ repeats, rows, perSyntax }));
    return;
  }
  console.log(`DICOM throughput, best of ${repeats} (single thread each; shared cores: compare ratios, not absolutes)\n`);
  console.log(['set', 'spinelab MB/s', 'slices/s', 'pydicom MB/s', 'slices/s', 'ratio'].join(' | '));
  for (const r of rows) {
    const p = r.peer;
    console.log([`${r.set} (${r.files})`, mb(r.ours).toFixed(0), sps(r.ours).toFixed(0), p ? mb(p).toFixed(0) : '-', p ? sps(p).toFixed(0) : '-', p ? `${(p.seconds / r.ours.seconds).toFixed(2)}× pydicom speed` : '-'].join(' | '));
  }
  if (perSyntax.length) {
    console.log('\nspinelab decode of one 384×384 MR slice per syntax (dcm_qa_ts):');
    for (const s of perSyntax) console.log(`  ${s.syntax.slice(0, 62).padEnd(62)} ${mb(s.ours).toFixed(1).padStart(7)} MB/s ${sps(s.ours).toFixed(0).padStart(6)} slices/s`);
  }
}

await main();
