/** One controller per stream, so every Output on process.stdout shares one listener and signal. */
const watched = new WeakMap<NodeJS.WritableStream, AbortController>();

/**
 * Aborts when `stream` can no longer be written: its reader went away (`sau-cli export | head -5`
 * closes the pipe after five lines, so the next write fails with EPIPE). Commands watch it to stop
 * quietly, as Unix tools do, instead of working on for nobody. Its reason is the write error.
 *
 * It also listens for the stream's 'error' event, which would otherwise be unhandled: Node prints
 * its stack trace and kills the process before any Redis connection is closed.
 */
export function readerGone(stream: NodeJS.WritableStream): AbortSignal {
  let controller = watched.get(stream);
  if (!controller) {
    const created = new AbortController();
    stream.on('error', (err: Error) => {
      if (!created.signal.aborted) created.abort(err);
    });
    watched.set(stream, created);
    controller = created;
  }
  return controller.signal;
}

/** True for the error of a write whose reader has gone: the normal end of `| head`. */
export function isClosedPipe(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}
