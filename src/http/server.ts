import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.ts';

export interface StartServerOptions {
  port: number;
  /** Interface to listen on; all interfaces when omitted. */
  host?: string;
  logger: Logger;
  /** How long `close()` lets in-flight requests finish before cutting connections; default 10 s. */
  shutdownTimeoutMs?: number;
}

export interface RunningServer {
  /** `http://host:port` with the real port (useful with port 0). */
  url: string;
  server: Server;
  /**
   * Stops accepting connections, lets in-flight requests finish (closing their keep-alive
   * connections afterwards), and resolves when every connection is gone. Idempotent.
   */
  close(): Promise<void>;
}

/** Anything with Koa's `callback()`; the server needs nothing else from the app. */
export interface RequestListenerSource {
  callback(): (req: IncomingMessage, res: ServerResponse) => unknown;
}

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

export async function startServer(
  app: RequestListenerSource,
  options: StartServerOptions,
): Promise<RunningServer> {
  const server = createServer(app.callback());
  const inFlight = trackInFlight(server);
  await listen(server, options.port, options.host);
  const { port } = server.address() as AddressInfo;
  const url = `http://${urlHost(options.host)}:${port}`;
  options.logger.info({ url }, 'http server listening');
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= shutDown(
      server,
      inFlight,
      options.logger,
      options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
    );
    return closing;
  };
  return { url, server, close };
}

interface InFlight {
  responses: Set<ServerResponse>;
  closing: boolean;
}

function trackInFlight(server: Server): InFlight {
  const state: InFlight = { responses: new Set(), closing: false };
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    // A keep-alive connection can still carry a new request after close(); it is the last one.
    if (state.closing && !res.headersSent) res.setHeader('Connection', 'close');
    state.responses.add(res);
    res.once('close', () => {
      state.responses.delete(res);
      // The connection is idle now; without this a keep-alive socket would hold close() open.
      if (state.closing) setImmediate(() => server.closeIdleConnections());
    });
  });
  return state;
}

async function shutDown(
  server: Server,
  inFlight: InFlight,
  logger: Logger,
  timeoutMs: number,
): Promise<void> {
  inFlight.closing = true;
  for (const res of inFlight.responses) if (!res.headersSent) res.setHeader('Connection', 'close');
  logger.info({ inFlight: inFlight.responses.size }, 'http server closing');
  const closed = new Promise<void>((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  );
  server.closeIdleConnections();
  const deadline = setTimeout(() => {
    logger.warn(
      { inFlight: inFlight.responses.size, timeoutMs },
      'requests still running at the shutdown deadline; closing their connections',
    );
    server.closeAllConnections();
  }, timeoutMs);
  try {
    await closed;
  } finally {
    clearTimeout(deadline);
  }
  logger.info('http server closed');
}

function listen(server: Server, port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function urlHost(host: string | undefined): string {
  if (host === undefined || host === '' || host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

export type ShutdownSignal = 'SIGTERM' | 'SIGINT';

export interface ShutdownSignalOptions {
  logger?: Logger;
  /** Ends the process; injectable for tests. Called with 0 after a clean shutdown, 1 otherwise. */
  exit?: (code: number) => void;
  /** Where the signals arrive; `process` unless a test passes its own emitter. */
  signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
}

/**
 * Runs `handler` once on the first SIGTERM or SIGINT, then exits 0 (or 1 if it failed). A second
 * signal while shutting down exits 1 at once, for the operator who presses Ctrl-C twice. Returns a
 * function that removes the listeners.
 */
export function onShutdownSignals(
  handler: (signal: ShutdownSignal) => Promise<void> | void,
  options: ShutdownSignalOptions = {},
): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const source = options.signals ?? process;
  const signals: ShutdownSignal[] = ['SIGTERM', 'SIGINT'];
  let shuttingDown = false;
  const listener = (signal: ShutdownSignal): void => {
    if (shuttingDown) {
      options.logger?.warn({ signal }, 'second shutdown signal; exiting now');
      exit(1);
      return;
    }
    shuttingDown = true;
    options.logger?.info({ signal }, 'shutdown signal received');
    Promise.resolve()
      .then(() => handler(signal))
      .then(
        () => exit(0),
        (error: unknown) => {
          options.logger?.error({ err: error }, 'shutdown failed');
          exit(1);
        },
      );
  };
  for (const signal of signals) source.on(signal, listener);
  return () => {
    for (const signal of signals) source.off(signal, listener);
  };
}
