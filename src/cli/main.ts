import { buildProgram } from './index';
import { describeError } from './describe-error';
import { isClosedPipe, readerGone } from './reader-gone';

/** How long a finished command may take to let go of its handles before the process is ended. */
const EXIT_GRACE_MS = 2000;

/**
 * The `sau-cli` entry point (bin/sau-cli.js requires this file). The one place errors become a
 * line on stderr and an exit code.
 */
async function main(argv: string[]): Promise<void> {
  let settled = false;
  // A command awaiting a promise that nothing will settle (a client that gave up without an
  // error) would let the event loop run dry and exit 0 as if it had succeeded.
  process.once('beforeExit', () => {
    if (settled) return;
    process.stderr.write(
      'sau-cli: the command stopped without finishing (no error was reported)\n',
    );
    process.exit(1);
  });
  // Watched before anything is printed (help text too): a reader that goes away (`| head`) ends
  // the command quietly with exit 0, the command's own errors aside.
  const stdoutGone = readerGone(process.stdout);
  readerGone(process.stderr);
  let exitCode: number;
  let command: string | undefined;
  try {
    const program = buildProgram();
    program.hook('preAction', (_program, action) => {
      command = action.name();
    });
    await program.parseAsync(argv);
    exitCode = 0;
  } catch (err) {
    const report = describeError(err, secretUrls(argv), command);
    if (report.message) process.stderr.write(`${report.message}\n`);
    exitCode = report.exitCode;
  }
  if (exitCode === 0 && stdoutGone.aborted && !isClosedPipe(stdoutGone.reason)) {
    // Not a closed pipe (a full disk behind a redirection, say): the output is incomplete.
    process.stderr.write(
      `sau-cli: cannot write to stdout: ${(stdoutGone.reason as Error).message}\n`,
    );
    exitCode = 1;
  }
  settled = true;
  process.exitCode = exitCode;
  // Normally the event loop is empty by now; if a library still holds a handle, do not hang.
  setTimeout(() => process.exit(exitCode), EXIT_GRACE_MS).unref();
}

/** Every Redis URL the user gave, so its password can be kept out of messages. */
function secretUrls(argv: string[]): string[] {
  const urls = process.env.REDIS_URL ? [process.env.REDIS_URL] : [];
  argv.forEach((arg, i) => {
    if (arg === '--redis-url' && argv[i + 1]) urls.push(argv[i + 1]);
    else if (arg.startsWith('--redis-url=')) urls.push(arg.slice('--redis-url='.length));
  });
  return urls;
}

void main(process.argv);
