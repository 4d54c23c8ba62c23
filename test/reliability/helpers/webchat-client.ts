/**
 * A minimal 小申 widget client over loopback HTTP, for load tests and benches. Each simulated
 * citizen connects from its own loopback address (127.1.x.y — all of 127/8 reaches the server),
 * as real citizens come from their own addresses; the widget API's per-address limit on new
 * sessions then applies per citizen, as it would in production.
 */
import { request } from 'node:http';

export interface HttpResult {
  status: number;
  /** Parsed JSON body, or null when there was none or it was not JSON. */
  body: unknown;
}

export interface WebchatSession {
  sessionId: string;
  token: string;
  /** The loopback address this citizen connects from. */
  address: string;
}

/** A distinct loopback address per citizen index (65 536 of them before they repeat). */
export function citizenAddress(index: number): string {
  return `127.1.${(index >> 8) & 255}.${index & 255}`;
}

/** One request on a new connection from `localAddress`; rejects only when there is no HTTP answer. */
export function httpJson(
  url: string,
  options: {
    method: string;
    localAddress?: string;
    headers?: Record<string, string>;
    body?: unknown;
    timeoutMs?: number;
  },
): Promise<HttpResult> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method,
        agent: false,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        headers: {
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
          ...options.headers,
        },
        timeout: options.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: parseJson(Buffer.concat(chunks).toString('utf8')) });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`no answer from ${url} within ${options.timeoutMs ?? 30_000} ms`)),
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** POST /webchat/sessions (optionally on an item's page); throws unless 201. */
export async function openWebchatSession(
  baseUrl: string,
  options: { address: string; item?: string },
): Promise<WebchatSession> {
  const result = await httpJson(`${baseUrl}/webchat/sessions`, {
    method: 'POST',
    localAddress: options.address,
    body: options.item ? { item: options.item } : {},
  });
  const body = result.body as { sessionId?: string; token?: string } | null;
  if (result.status !== 201 || !body?.sessionId || !body.token) {
    throw new Error(`POST /webchat/sessions answered ${result.status}: ${JSON.stringify(result.body)}`);
  }
  return { sessionId: body.sessionId, token: body.token, address: options.address };
}

/** POST /webchat/sessions/:id/messages; resolves with the status whatever it is. */
export function postWebchatText(
  baseUrl: string,
  session: WebchatSession,
  text: string,
  options: { idempotencyKey?: string; timeoutMs?: number } = {},
): Promise<HttpResult> {
  return httpJson(`${baseUrl}/webchat/sessions/${session.sessionId}/messages`, {
    method: 'POST',
    localAddress: session.address,
    headers: {
      authorization: `Bearer ${session.token}`,
      ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
    },
    body: { text },
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
}
