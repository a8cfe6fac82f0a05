import { describe, expect, it } from 'vitest';
import { editDistance, nearest, type OptionSpec, parseArgs } from '../../src/cli/args';
import { CliError } from '../../src/cli/errors';

const specs: OptionSpec[] = [
  { name: 'epochs', type: 'int', min: 1, default: 10, help: '' },
  { name: 'lr', type: 'number', min: 0, exclusiveMin: true, help: '' },
  { name: 'hidden', type: 'intList', default: [64], help: '' },
  { name: 'quiet', type: 'bool', default: false, help: '' },
  { name: 'scale', type: 'string', choices: ['minmax', 'standard', 'none'], default: 'minmax', help: '' },
];

describe('parseArgs', () => {
  it('reads both --name value and --name=value, flags, lists and defaults', () => {
    const o = parseArgs(['--epochs', '5', '--lr=0.01', '--hidden', '64,32', '--quiet'], specs);
    expect(o).toEqual({ epochs: 5, lr: 0.01, hidden: [64, 32], quiet: true, scale: 'minmax' });
  });

  it.each([
    [['--epochs', '0'], '--epochs must be at least 1, got 0'],
    [['--epochs', '-3'], '--epochs must be at least 1, got -3'],
    [['--epochs', '2.5'], '--epochs must be an integer, got "2.5"'],
    [['--lr', '0'], '--lr must be greater than 0, got 0'],
    [['--lr', 'abc'], '--lr must be a number, got "abc"'],
    [['--hidden', '64,x'], '--hidden must be a comma-separated list of positive integers'],
    [['--scale', 'log'], '--scale must be one of minmax, standard, none, got "log"'],
    [['--epoch', '3'], 'unknown option --epoch; did you mean --epochs?'],
    [['--epochs'], '--epochs needs a value'],
    [['train.csv'], 'unexpected argument "train.csv"'],
  ])('rejects %j with a clear CliError', (argv, message) => {
    expect(() => parseArgs(argv, specs)).toThrow(CliError);
    expect(() => parseArgs(argv, specs)).toThrow(message);
  });

  it('suggests nothing for a word far from every option', () => {
    expect(() => parseArgs(['--zzzzzzzz'], specs)).toThrow(/^unknown option --zzzzzzzz \(see --help\)$/);
  });
});

describe('editDistance / nearest', () => {
  it('computes Levenshtein distances', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
  it('finds the closest candidate', () => {
    expect(nearest('batchsize', ['batch-size', 'epochs'])).toBe('batch-size');
    expect(nearest('optimzer', ['optimizer', 'loss'])).toBe('optimizer');
  });
});
