/** A small option parser: `--name value`, `--name=value`, boolean flags, and an unknown option
 *  answered with the nearest known one. */
import { CliError } from './errors';

export type OptionType = 'string' | 'int' | 'number' | 'bool' | 'intList';

export interface OptionSpec {
  name: string;
  type: OptionType;
  help: string;
  /** Shown in --help; parsed values start from it. */
  default?: string | number | boolean | number[];
  /** For 'int'/'number': the smallest accepted value. */
  min?: number;
  /** For 'number': whether min itself is excluded. */
  exclusiveMin?: boolean;
  max?: number;
  choices?: readonly string[];
  /** The value's name in --help (default: the choices, or N / X / TEXT by type). */
  value?: string;
}

export type ParsedOptions = Record<string, string | number | boolean | number[] | undefined>;

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}

export function nearest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

function parseValue(spec: OptionSpec, raw: string): string | number | boolean | number[] {
  const flag = `--${spec.name}`;
  const checkRange = (v: number) => {
    const tooSmall = spec.min !== undefined && (spec.exclusiveMin ? v <= spec.min : v < spec.min);
    if (tooSmall || (spec.max !== undefined && v > spec.max)) {
      const lower = spec.min === undefined ? '' : `${spec.exclusiveMin ? 'greater than' : 'at least'} ${spec.min}`;
      const upper = spec.max === undefined ? '' : `at most ${spec.max}`;
      throw new CliError(`${flag} must be ${[lower, upper].filter(Boolean).join(' and ')}, got ${raw}`);
    }
    return v;
  };
  switch (spec.type) {
    case 'string':
      if (spec.choices && !spec.choices.includes(raw)) {
        throw new CliError(`${flag} must be one of ${spec.choices.join(', ')}, got "${raw}"`);
      }
      return raw;
    case 'int': {
      if (!/^[+-]?\d+$/.test(raw.trim())) throw new CliError(`${flag} must be an integer, got "${raw}"`);
      return checkRange(Number(raw));
    }
    case 'number': {
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v)) throw new CliError(`${flag} must be a number, got "${raw}"`);
      return checkRange(v);
    }
    case 'intList': {
      const parts = raw.split(',').map((s) => s.trim());
      return parts.map((p) => {
        if (!/^\d+$/.test(p) || Number(p) < 1) {
          throw new CliError(`${flag} must be a comma-separated list of positive integers (e.g. 64,32), got "${raw}"`);
        }
        if (spec.max !== undefined && Number(p) > spec.max)
          throw new CliError(`${flag}: each size must be at most ${spec.max}, got ${p}`);
        return Number(p);
      });
    }
    case 'bool':
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      throw new CliError(`${flag} is a flag: write ${flag} or ${flag}=false, got "${raw}"`);
  }
}

/** Parses argv (without the command word) against specs; defaults fill what is not given. */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedOptions {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const out: ParsedOptions = {};
  for (const s of specs) out[s.name] = s.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      throw new CliError(`unexpected argument "${arg}" (options start with --; see --help)`);
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) {
      const guess = nearest(name, [...byName.keys()]);
      throw new CliError(`unknown option --${name}${guess ? `; did you mean --${guess}?` : ''} (see --help)`);
    }
    let raw: string;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else if (spec.type === 'bool') raw = 'true';
    else {
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) throw new CliError(`--${name} needs a value`);
      raw = argv[++i];
    }
    out[name] = parseValue(spec, raw);
  }
  return out;
}

const PLACEHOLDER: Record<OptionType, string> = { string: 'TEXT', int: 'N', number: 'X', bool: '', intList: 'N,N' };

export function formatHelp(usage: string, specs: readonly OptionSpec[]): string {
  const heads = specs.map(
    (s) =>
      `--${s.name}${s.type === 'bool' ? '' : ` ${s.value ?? (s.choices ? s.choices.join('|') : PLACEHOLDER[s.type])}`}`,
  );
  const width = Math.min(26, Math.max(...heads.map((h) => h.length))) + 2;
  const lines = specs.map((s, i) => {
    const shown =
      s.type === 'bool' || s.default === undefined
        ? ''
        : Array.isArray(s.default)
          ? s.default.join(',')
          : String(s.default);
    const def = shown === '' ? '' : ` (default: ${shown})`;
    const head = heads[i].length >= width ? `${heads[i]}\n${''.padEnd(width + 2)}` : heads[i].padEnd(width);
    return `  ${head}${s.help}${def}`;
  });
  return `${usage}\n\nOptions:\n${lines.join('\n')}\n`;
}
