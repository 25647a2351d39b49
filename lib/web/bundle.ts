/**
 * The page's one script, bundled from lib/ with esbuild. Two plugins make the browser build
 * explicit:
 * - browser variants: a lib module `x.ts` with a sibling `x.browser.ts` is replaced by it (only
 *   lib/dicom/runtime.ts has one: how dicom-parser and the WASM codecs are loaded);
 * - the Node guard: an import of a Node built-in (`node:fs`, `zlib`, …) by a lib module fails the
 *   build, naming the chain of imports from the page's entry. So the IO-free core of the library is
 *   exactly what the page imports (third-party packages map their Node-only imports to nothing
 *   through their package.json "browser" fields, as browser bundlers do).
 */
import { build, type Message, type Metafile, type Plugin } from 'esbuild';
import { builtinModules } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { projectRoot } from '../core/paths.js';

const libDir = () => join(projectRoot(), 'lib');

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

export interface BundleResult {
  /** The bundled script. */
  code: string;
  bytes: number;
  /** Input modules of the bundle from lib/, relative to lib/ (what the page runs of the library). */
  libModules: string[];
  metafile: Metafile;
}

/** The `.browser.ts` sibling of a lib module resolved from `importer`, if there is one. */
function browserVariant(path: string, resolveDir: string): string | undefined {
  const target = resolve(resolveDir, path).replace(/\.js$/, '');
  const variant = `${target}.browser.ts`;
  return existsSync(variant) ? variant : undefined;
}

function browserPlugins(lib: string): Plugin[] {
  const parents = new Map<string, string>();
  const inLib = (p: string) => !relative(lib, p).startsWith('..');
  const chain = (file: string) => {
    const out = [relative(lib, file)];
    for (let p = parents.get(file); p && out.length < 30; p = parents.get(p)) out.push(relative(lib, p));
    return out.reverse().join(' → ');
  };
  return [{
    name: 'spinelab-browser',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, async (args) => {
        if (args.pluginData?.spinelab || !inLib(args.importer)) return undefined;
        const variant = browserVariant(args.path, args.resolveDir);
        const r = variant ? { path: variant, errors: [] } : await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { spinelab: true } });
        if (r.errors.length) return { errors: r.errors };
        if (!parents.has(r.path)) parents.set(r.path, args.importer);
        return { path: r.path };
      });
      b.onResolve({ filter: /^[a-z_:]+$/ }, (args) => {
        if (!NODE_BUILTINS.has(args.path) || !inLib(args.importer)) return undefined;
        return { errors: [{ text: `lib/${relative(lib, args.importer)} imports the Node module "${args.path}", which a browser does not have (lib/${chain(args.importer)})` }] };
      });
    },
  }];
}

/** Bundle `entry` (a lib module) for the browser: one minified IIFE script. */
export async function bundlePage(entry: string, opts: { minify?: boolean } = {}): Promise<BundleResult> {
  const lib = libDir();
  let result;
  try {
    result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: ['chrome100', 'firefox100', 'safari15'],
      minify: opts.minify ?? true,
      metafile: true,
      logLevel: 'silent',
      legalComments: 'none',
      define: { 'process.env.NODE_ENV': '"production"' },
      plugins: browserPlugins(lib),
    });
  } catch (e) {
    const errors = (e as { errors?: Message[] }).errors;
    if (!errors?.length) throw e;
    const lines = errors.map((m) => `${m.text}${m.location ? ` (${m.location.file}:${m.location.line})` : ''}`);
    const more = lines.length > 15 ? [`… and ${lines.length - 15} more`] : [];
    throw new Error(`the page bundle cannot be built:\n  ${[...lines.slice(0, 15), ...more].join('\n  ')}`);
  }
  const code = result.outputFiles[0].text;
  const libModules = Object.keys(result.metafile.inputs)
    .map((p) => resolve(p))
    .filter((p) => !relative(lib, p).startsWith('..') && !p.includes('node_modules'))
    .map((p) => relative(lib, p))
    .sort();
  return { code, bytes: Buffer.byteLength(code), libModules, metafile: result.metafile };
}

/** The page's entry module. */
export const PAGE_ENTRY = () => join(libDir(), 'web', 'page', 'main.ts');
/** The page's folder (index.html, style.css). */
export const PAGE_DIR = () => dirname(PAGE_ENTRY());
