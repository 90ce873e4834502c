import type { ChildProcess } from 'node:child_process';

/** Reads a child's stdout line by line; `next` fails on a timeout or an early exit. */
export function linesOf(child: ChildProcess): { next(timeoutMs: number): Promise<string> } {
  const lines: string[] = [];
  let buffered = '';
  let stderr = '';
  let wake: (() => void) | undefined;
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      lines.push(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
    }
    wake?.();
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.on('exit', () => wake?.());
  return {
    async next(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = lines.shift();
        if (line !== undefined) return line;
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`child exited (${child.exitCode ?? child.signalCode}): ${stderr}`);
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no line from the child within ${timeoutMs} ms: ${stderr}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    },
  };
}
