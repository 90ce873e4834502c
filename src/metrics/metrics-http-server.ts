import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { UnreadableGaugesError, type SauScrape } from './sau-metrics-collector';

/** The path Prometheus scrapes by default. */
export const METRICS_PATH = '/metrics';

export interface MetricsHttpServerOptions {
  registry: Registry;
  /** Starts (or joins) the sau_ reading of the registry, so the server knows whether it worked. */
  scrape: () => Promise<SauScrape>;
  host: string;
  /** 0 picks a free port; `url` tells which. */
  port: number;
}

export interface MetricsHttpServer {
  /** e.g. `http://127.0.0.1:9464/metrics`. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and ends open keep-alive connections (Prometheus keeps one open). */
  close(): Promise<void>;
}

/**
 * An HTTP server answering `GET /metrics` with the registry's text, or 503 when a namespace could
 * not be read, so that Prometheus records the scrape as failed (`up` = 0) instead of storing a
 * partial picture. Other paths are 404. Rejects with the listen error (EADDRINUSE, EACCES).
 */
export function startMetricsHttpServer(
  options: MetricsHttpServerOptions,
): Promise<MetricsHttpServer> {
  const server = createServer((req, res) => {
    void answer(req, res, options);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      resolve({
        url: `http://${host}:${port}${METRICS_PATH}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  options: MetricsHttpServerOptions,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== METRICS_PATH) {
    send(res, 404, `not found; metrics are at ${METRICS_PATH}\n`);
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    send(res, 405, `use GET ${METRICS_PATH}\n`);
    return;
  }
  try {
    // Started before registry.metrics(), whose gauges then join this same reading.
    const scraping = options.scrape();
    const rendering = options.registry.metrics();
    const { failures } = await scraping;
    if (failures.size > 0) {
      // With onUnreadable 'fail' the rendering rejects too; this answer says why.
      rendering.catch(() => undefined);
      send(res, 503, `${new UnreadableGaugesError(failures).message}\n`);
      return;
    }
    const text = await rendering;
    res.setHeader('Content-Type', options.registry.contentType);
    res.statusCode = 200;
    res.end(req.method === 'HEAD' ? undefined : text);
  } catch (err) {
    send(res, 500, `metrics failed: ${(err as Error).message}\n`);
  }
}

function send(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(text);
}
