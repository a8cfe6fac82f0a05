/** The `nativenn` command's dispatch and its error handling (main.ts runs it). A mistake in the user's options or data → one line on stderr, exit 2;
 *  anything else → its message, exit 1 (the stack with NATIVENN_DEBUG=1). */
import { nearest } from './args';
import { bench } from './bench';
import { CliError } from './errors';
import { exportCommand } from './export';
import { MAIN_HELP } from './options';
import { predict } from './predict';
import { train } from './train';

const COMMANDS: Record<string, (argv: readonly string[]) => Promise<void>> = {
  train,
  predict,
  bench,
  export: exportCommand,
};

export async function run(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    process.stderr.write(MAIN_HELP);
    throw new CliError(`no command given (${Object.keys(COMMANDS).join(', ')})`);
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(MAIN_HELP);
    return;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${require('../../package.json').version}\n`);
    return;
  }
  const handler = COMMANDS[command];
  if (!handler) {
    const guess = nearest(command, Object.keys(COMMANDS));
    throw new CliError(
      `unknown command "${command}"${guess ? `; did you mean "${guess}"?` : ''} (commands: ${Object.keys(COMMANDS).join(', ')}; see nativenn --help)`,
    );
  }
  await handler(rest);
}

export function fail(e: unknown): void {
  const debug = process.env.NATIVENN_DEBUG === '1';
  if (e instanceof CliError) {
    process.stderr.write(`nativenn: error: ${e.message}\n`);
    if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
    process.exitCode = 2;
    return;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(`nativenn: internal error: ${err.message}\n`);
  process.stderr.write(debug ? `${err.stack}\n` : '(set NATIVENN_DEBUG=1 for the stack trace)\n');
  process.exitCode = 1;
}
