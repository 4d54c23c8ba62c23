/**
 * The 12345 ticket gateway: the port the deliverer uses, and its HTTP implementation (JSON over
 * HTTPS, HMAC-signed, the agency ticket number as idempotency key). Errors say whether trying
 * again can help.
 */
import { isRetryableStatus } from '../shared/api-errors.ts';
import { randomBytes } from 'node:crypto';
import axios, { AxiosError, type AxiosInstance } from 'axios';
import type { Hotline12345Config } from '../../src/config/hotline-config.ts';
import type { HotlineTicketDocument } from '../../src/flows/hotline-types.ts';
import type { Clock } from '../../src/ports.ts';
import { hotlineNoOf, toRemoteTicket } from './field-map.ts';
import type { HotlineSettings } from './hotline-settings.ts';
import { signedHeaders } from './signing.ts';

export interface TicketGateway {
  /** Creates the ticket (idempotent on document.agencyTicketNo); resolves with 12345's number if given. */
  createTicket(document: HotlineTicketDocument): Promise<{ hotlineNo: string | null }>;
}

export type TicketGatewayFailure = 'timeout' | 'network' | 'http' | 'response';

/** A failed call to 12345, with where it failed and whether a retry can help. */
export class TicketGatewayError extends Error {
  readonly retryable: boolean;
  readonly failure: TicketGatewayFailure;
  readonly status?: number;
  constructor(
    message: string,
    options: { retryable: boolean; failure: TicketGatewayFailure; status?: number; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TicketGatewayError';
    this.retryable = options.retryable;
    this.failure = options.failure;
    if (options.status !== undefined) this.status = options.status;
  }
}

export const IDEMPOTENCY_HEADER = 'idempotency-key';

export interface HttpTicketGatewayOptions {
  settings: HotlineSettings;
  config: Hotline12345Config;
  clock: Clock;
  nonce?: () => string;
}

export function createHttpTicketGateway(options: HttpTicketGatewayOptions): TicketGateway {
  const { settings, config, clock } = options;
  const nonce = options.nonce ?? (() => randomBytes(12).toString('hex'));
  const http: AxiosInstance = axios.create({
    baseURL: settings.baseUrl,
    timeout: config.timeoutMs,
    maxRedirects: 0,
    // The body is signed as sent: keep it a string, and read the answer as text.
    transformRequest: [(data: unknown) => data],
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
  });

  return {
    async createTicket(document) {
      const body = JSON.stringify(toRemoteTicket(document, config));
      const headers = {
        'content-type': 'application/json; charset=utf-8',
        accept: 'application/json',
        [IDEMPOTENCY_HEADER]: document.agencyTicketNo,
        ...signedHeaders({
          appId: settings.appId,
          secret: settings.secret,
          body,
          now: clock.now(),
          nonce: nonce(),
        }),
      };
      let response;
      try {
        response = await http.post<string>(config.paths.createTicket, body, { headers });
      } catch (error) {
        throw networkError(error);
      }
      const { status } = response;
      // 409: the interface says the ticket exists already — the idempotent success of a retry.
      if ((status >= 200 && status < 300) || status === 409) {
        return { hotlineNo: hotlineNoOf(parseJson(response.data), config) };
      }
      throw new TicketGatewayError(`12345 answered HTTP ${status}${snippet(response.data)}`, {
        retryable: isRetryableStatus(status),
        failure: 'http',
        status,
      });
    },
  };
}

function networkError(error: unknown): TicketGatewayError {
  const code = error instanceof AxiosError ? error.code : undefined;
  const timeout = code === 'ECONNABORTED' || code === 'ETIMEDOUT';
  const message = error instanceof Error ? error.message : String(error);
  return new TicketGatewayError(
    timeout ? `12345 did not answer in time (${message})` : `12345 unreachable: ${message}`,
    {
      retryable: true,
      failure: timeout ? 'timeout' : 'network',
      cause: error,
    },
  );
}

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string' || text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // The ticket was accepted (2xx); only the number is missing — it comes with the status callback.
    return {};
  }
}

function snippet(text: unknown): string {
  if (typeof text !== 'string' || text === '') return '';
  return `: ${text.slice(0, 200)}`;
}
