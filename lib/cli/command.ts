import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../core/errors.js';
import { isPresetName, PRESET_NAMES, type PresetName } from '../core/presets.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** One `spinelab <name>` command. Each lives in lib/cli/commands/<name>.ts. */
export interface Command<O extends Options = Options> {
  name: string;
  /** One line for `spinelab --help`. */
  summary: string;
  /** Usage text for `spinelab <name> --help` (options, defaults, examples). */
  usage: string;
  options: O;
  /** Allows positional arguments (subcommands such as `train coords`). */
  positionals?: boolean;
  /**
   * Does the work. Human-readable output goes to stderr/stdout as it goes; the returned object is
   * printed as the last stdout line when `--json` is given.
   */
  run(args: { values: Record<string, string | boolean | string[] | boolean[] | undefined>; positionals: string[]; json: boolean }): Promise<unknown>;
}

export function defineCommand<O extends Options>(c: Command<O>): Command<O> {
  return c;
}

export function parseCommandArgs(cmd: Command, argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: { ...cmd.options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: cmd.positionals ?? false,
      strict: true,
    });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${cmd.usage}`);
  }
}

/** Read a numeric option, with a clear error naming the flag. */
export function numberOption(values: Record<string, unknown>, name: string, fallback: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${String(v)}"`);
  return n;
}

/** Read a preset-name option (`--preset`, `--size`), checked against PRESET_NAMES; undefined where absent. */
export function presetOption(values: Record<string, unknown>, name: string): PresetName | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !isPresetName(v)) throw new UsageError(`--${name} must be one of ${PRESET_NAMES.join(', ')}, got "${String(v)}"`);
  return v;
}
