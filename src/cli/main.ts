import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { reportError } from './errors.js';

/**
 * The CLI entry. Command modules register their flags here but load the library lazily inside their
 * actions (`await import(...)`), so `neural-trader --help` starts without zod, SQLite or tfjs.
 */
export async function buildProgram(args: readonly string[] = []): Promise<Command> {
  const program = new Command();
  program
    .name('neural-trader')
    .description('Market data, strategies, backtests, execution, risk and neural forecasting for Node.js')
    .version('0.1.0', '-v, --version')
    // Not --env-file: Node 20 itself consumes that flag even after the script name.
    .option('--env <path>', 'read configuration from this .env file instead of ./.env')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeErr: (text) => process.stderr.write(text),
      outputError: (text, write) => write(text),
    });
  await registerCommands(program, args);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // `neural-trader market-data ... | head` closes stdout early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const program = await buildProgram(argv.slice(2));
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed help or the usage error.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    process.exitCode = await reportError(error);
  }
}
