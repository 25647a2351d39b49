/**
 * `spinelab web`: a static site that runs the trained models of a finished run in the browser.
 * Layout: `index.html`, `style.css`, `spinelab.js` (the one bundled script), `manifest.json`,
 * `models/{name}/{fold}/` (model.json, weights.bin, meta.json as saved by training), `wasm/` (the
 * tfjs WASM backend) and `codecs/` (the DICOM WASM codecs, fetched only when a study needs one).
 * The models are loaded and checked here first (as `spinelab infer` does), so a site is never built
 * from a broken run. The site is written beside `out` and moved into place.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { COORDS_MODEL_NAME } from '../coords/index.js';
import { META_JSON, MODEL_JSON, WEIGHTS_BIN } from '../engine/io.js';
import { WASM_CODECS } from '../dicom/codecs.js';
import type { CheckpointChoice } from '../infer/index.js';
import { LVL2_MODEL_NAME } from '../lvl2/index.js';
import { bundlePage, PAGE_DIR, PAGE_ENTRY } from './bundle.js';
import { MANIFEST_FILE, SITE_KIND, type SiteManifest } from './manifest.js';
import { disposeRun, loadRun } from './models.js';
import { STUDY_LIMITS } from './study.js';

const require = createRequire(import.meta.url);

export interface BuildSiteOptions {
  /** Artefact root of a finished run (holds `models/`), or its `models/` folder. */
  models: string;
  /** Folder to write the site to (replaced if it holds an earlier site). */
  out: string;
  /** Inference preset (checkpoint choice, batch size); default the run's (summary.json), else demo. */
  preset?: string;
  checkpoints?: CheckpointChoice;
  /** Input folder whose train.csv gives the class priors when the run saved none. */
  input?: string;
  minify?: boolean;
}

export interface SiteBuild {
  out: string;
  manifest: SiteManifest;
  /** Size of spinelab.js, and of the whole site. */
  bundleBytes: number;
  siteBytes: number;
  files: number;
  /** Modules of lib/ in the bundle: the IO-free core the page runs. */
  libModules: string[];
  seconds: number;
}

function folderBytes(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    const st = statSync(p);
    if (st.isDirectory()) {
      const r = folderBytes(p);
      bytes += r.bytes;
      files += r.files;
    } else {
      bytes += st.size;
      files++;
    }
  }
  return { bytes, files };
}

/** `out` may be replaced only when it is absent, empty, or an earlier site. */
function checkReplaceable(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new UsageError(`--out ${out} is a file, not a folder`);
  if (!readdirSync(out).length) return;
  const m = join(out, MANIFEST_FILE);
  const kind = existsSync(m) ? (JSON.parse(readFileSync(m, 'utf8')) as { kind?: string }).kind : undefined;
  if (kind !== SITE_KIND) throw new UsageError(`--out ${out} is not empty and holds no spinelab site: choose another folder`);
}

export async function buildSite(opts: BuildSiteOptions): Promise<SiteBuild> {
  const t0 = Date.now();
  const out = resolve(opts.out);
  checkReplaceable(out);
  const run = await loadRun(resolve(opts.models), { preset: opts.preset, checkpoints: opts.checkpoints, input: opts.input });
  const { root, models, used } = run;
  const tmp = join(dirname(out), `.${basename(out)}.tmp-${process.pid}`);
  try {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });

    // The checkpoints, at the same relative paths as in the run.
    const site = (dir: string) => relative(root, dir).split('\\').join('/');
    const copyCheckpoint = (dir: string) => {
      const to = join(tmp, site(dir));
      mkdirSync(to, { recursive: true });
      for (const f of [MODEL_JSON, WEIGHTS_BIN, META_JSON]) if (existsSync(join(dir, f))) copyFileSync(join(dir, f), join(to, f));
      return site(dir);
    };
    const coordsDirs = used[COORDS_MODEL_NAME] ?? [];
    const manifest: SiteManifest = {
      kind: SITE_KIND,
      version: 1,
      built: new Date().toISOString(),
      source: { models: root, preset: run.preset.name, checkpoints: run.checkpoints },
      coords: models.coords.map((c, i) => ({ path: copyCheckpoint(coordsDirs[i]), fold: c.fold, config: c.config })),
      level1: models.level1.map((m) => ({ name: m.name, target: m.target, types: m.types, checkpoints: (used[m.name] ?? []).map(copyCheckpoint), meta: m.classifiers.meta })),
      lvl2: { checkpoints: (used[LVL2_MODEL_NAME] ?? []).map(copyCheckpoint), layout: models.lvl2.layout },
      cropDelta: models.cropDelta,
      batchSize: models.batchSize,
      priors: { source: run.priors.source, studies: run.priors.studies, prediction: run.priors.prediction },
      limits: STUDY_LIMITS,
      wasm: [],
      codecs: [],
    };

    // The tfjs WASM binaries (the page picks SIMD or not, threads are not used) and the codecs.
    const wasmDist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    mkdirSync(join(tmp, 'wasm'));
    for (const f of readdirSync(wasmDist).filter((n) => n.endsWith('.wasm'))) {
      copyFileSync(join(wasmDist, f), join(tmp, 'wasm', f));
      manifest.wasm.push(f);
    }
    mkdirSync(join(tmp, 'codecs'));
    for (const spec of Object.values(WASM_CODECS)) {
      const js = require.resolve(`${spec.pkg}/decodewasmjs`);
      for (const f of [spec.file, spec.file.replace(/\.js$/, '.wasm')]) {
        copyFileSync(join(dirname(js), f), join(tmp, 'codecs', f));
        manifest.codecs.push(f);
      }
    }

    const bundle = await bundlePage(PAGE_ENTRY(), { minify: opts.minify });
    writeFileSync(join(tmp, 'spinelab.js'), bundle.code);
    for (const f of ['index.html', 'style.css']) copyFileSync(join(PAGE_DIR(), f), join(tmp, f));
    writeFileSync(join(tmp, MANIFEST_FILE), JSON.stringify(manifest, null, 1));

    rmSync(out, { recursive: true, force: true });
    mkdirSync(dirname(out), { recursive: true });
    renameSync(tmp, out);
    const size = folderBytes(out);
    return { out, manifest, bundleBytes: bundle.bytes, siteBytes: size.bytes, files: size.files, libModules: bundle.libModules, seconds: (Date.now() - t0) / 1000 };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    disposeRun(run);
  }
}
