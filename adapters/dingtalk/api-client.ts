/**
 * The DingTalk server APIs bangban uses (protocols/dingtalk.md §2, §4, §7), over axios. Every call:
 * the app access token from a single-flight cache (new oauth2/accessToken API; refreshed once when
 * rejected), errors read from the body (`errcode` from oapi and webhooks, `code` from
 * api.dingtalk.com) and classified, retryable failures retried a few times with backoff. What still
 * fails goes back to the outbox. URLs with secrets (webhooks, download links) are never logged.
 */
import { sendOnce } from '../shared/api-errors.ts';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { Clock } from '../../src/ports.ts';
import { DingtalkApiError, DingtalkNetworkError, isRetryableError, TOKEN_ERRORS } from './api-errors.ts';
import { TokenCache } from '../shared/token-cache.ts';

export interface DingtalkApiClientOptions {
  apiBase: string;
  oapiBase: string;
  appKey: string;
  appSecret: string;
  robotCode: string;
  clock: Clock;
  /** Per request (default 10 s). */
  timeoutMs?: number;
  /** Retries of a retryable failure inside one call (default 2), after `retryBaseMs` × 2^n (default 200). */
  maxRetries?: number;
  retryBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** A robot message in the msgKey/msgParam form of batchSend and groupMessages/send (§7). */
export interface RobotTemplate {
  msgKey: string;
  msgParam: Record<string, string>;
}

/** A webhook message (custom robot, sessionWebhook): text, markdown, actionCard (§2.3). */
export type WebhookMessage =
  | { msgtype: 'text'; text: { content: string } }
  | { msgtype: 'markdown'; markdown: { title: string; text: string } }
  | {
      msgtype: 'actionCard';
      actionCard: {
        title: string;
        text: string;
        singleTitle: string;
        singleURL: string;
        btnOrientation?: '0' | '1';
      };
    };

export interface WebhookSend {
  message: WebhookMessage;
  atUserIds?: string[];
  /** Idempotency key: the same value on every retry of one message (§2.3). */
  msgUuid?: string;
}

export interface DownloadedFile {
  data: Buffer;
  contentType: string;
  fileName?: string;
}

type Json = Record<string, unknown>;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class DingtalkApiClient {
  readonly robotCode: string;
  readonly #http: AxiosInstance;
  readonly #options: DingtalkApiClientOptions;
  readonly #tokens: TokenCache;
  readonly #maxRetries: number;
  readonly #retryBaseMs: number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: DingtalkApiClientOptions) {
    this.#options = options;
    this.robotCode = options.robotCode;
    this.#http = axios.create({
      timeout: options.timeoutMs ?? 10_000,
      validateStatus: () => true,
      responseType: 'arraybuffer',
      transitional: { clarifyTimeoutError: true },
      maxRedirects: 3,
    });
    this.#tokens = new TokenCache({ clock: options.clock, fetch: () => this.#fetchToken() });
    this.#maxRetries = options.maxRetries ?? 2;
    this.#retryBaseMs = options.retryBaseMs ?? 200;
    this.#sleep = options.sleep ?? defaultSleep;
  }

  /** The app's access token (cached, single-flight). */
  accessToken(): Promise<string> {
    return this.#tokens.get();
  }

  /**
   * oToMessages/batchSend: the app robot's 1:1 message. Per-user throttling comes back inside a
   * success (`flowControlledStaffIdList`) and is a retryable failure; an unknown userid is not.
   */
  async batchSend(userIds: string[], template: RobotTemplate): Promise<string> {
    const api = 'robot/oToMessages/batchSend';
    const result = await this.#newApi(api, '/v1.0/robot/oToMessages/batchSend', {
      robotCode: this.robotCode,
      userIds,
      msgKey: template.msgKey,
      msgParam: JSON.stringify(template.msgParam),
    });
    const invalid = stringList(result['invalidStaffIdList']);
    const throttled = stringList(result['flowControlledStaffIdList']);
    if (throttled.length > 0)
      throw new DingtalkApiError(api, 'flow.controlled', `flow controlled for ${throttled.join(',')}`);
    if (invalid.length > 0)
      throw new DingtalkApiError(api, 'invalid.staff', `unknown userids ${invalid.join(',')}`, {
        retryable: false,
      });
    return String(result['processQueryKey'] ?? '');
  }

  /** groupMessages/send: the app robot's post into a group it is in (no @ support). */
  async groupSend(openConversationId: string, template: RobotTemplate): Promise<string> {
    const result = await this.#newApi('robot/groupMessages/send', '/v1.0/robot/groupMessages/send', {
      robotCode: this.robotCode,
      openConversationId,
      msgKey: template.msgKey,
      msgParam: JSON.stringify(template.msgParam),
    });
    return String(result['processQueryKey'] ?? '');
  }

  /** A webhook send: the custom group robot (URL already signed) or a message's sessionWebhook. */
  async sendWebhook(api: 'robot/send' | 'sendBySession', url: string, send: WebhookSend): Promise<void> {
    const body = {
      ...send.message,
      ...(send.atUserIds && send.atUserIds.length > 0
        ? { at: { atUserIds: send.atUserIds, isAtAll: false } }
        : {}),
      ...(send.msgUuid ? { msgUuid: send.msgUuid } : {}),
    };
    await this.#call(api, () =>
      this.#attempt(api, () =>
        this.#http.post(url, body, { headers: { 'Content-Type': 'application/json; charset=utf-8' } }),
      ).then((response) => checkBody(api, response)),
    );
  }

  /** robot/messageFiles/download: a staff member's picture/file → a short-lived URL → the bytes. */
  async downloadMessageFile(downloadCode: string): Promise<DownloadedFile> {
    const api = 'robot/messageFiles/download';
    const result = await this.#newApi(api, '/v1.0/robot/messageFiles/download', {
      downloadCode,
      robotCode: this.robotCode,
    });
    const url = result['downloadUrl'];
    if (typeof url !== 'string' || !/^https?:\/\//.test(url))
      throw new DingtalkNetworkError(api, 'answer carried no downloadUrl', { retryable: false });
    return this.#call('download', async () => {
      const response = await this.#attempt('download', () => this.#http.get(url));
      if (response.status < 200 || response.status >= 300)
        throw new DingtalkNetworkError('download', `HTTP ${response.status}`, {
          status: response.status,
          retryable: response.status >= 500 || response.status === 429,
        });
      const disposition = String(response.headers['content-disposition'] ?? '');
      const fileName = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1];
      return {
        data: Buffer.from(response.data as ArrayBuffer),
        contentType: String(response.headers['content-type'] ?? 'application/octet-stream')
          .split(';')[0]!
          .trim(),
        ...(fileName ? { fileName: safeDecode(fileName) } : {}),
      };
    });
  }

  /** oapi media/upload: multipart field `media`; returns the media_id for image/file messages. */
  async uploadMedia(
    type: 'image' | 'file' | 'voice' | 'video',
    file: { data: Buffer; contentType: string; fileName: string },
  ): Promise<string> {
    const api = 'media/upload';
    const json = await this.#call(api, () =>
      this.#withToken(api, (token) => {
        const form = new FormData();
        form.append(
          'media',
          new Blob([new Uint8Array(file.data)], { type: file.contentType }),
          file.fileName,
        );
        return this.#http.post(`${this.#options.oapiBase}/media/upload`, form, {
          params: { access_token: token, type },
        });
      }),
    );
    const mediaId = json['media_id'];
    if (typeof mediaId !== 'string' || mediaId === '')
      throw new DingtalkNetworkError(api, 'answer carried no media_id', { retryable: true });
    return mediaId;
  }

  async #fetchToken(): Promise<{ token: string; expiresInSeconds: number }> {
    const api = 'oauth2/accessToken';
    const response = await this.#attempt(api, () =>
      this.#http.post(
        `${this.#options.apiBase}/v1.0/oauth2/accessToken`,
        { appKey: this.#options.appKey, appSecret: this.#options.appSecret },
        { headers: { 'Content-Type': 'application/json', Accept: 'application/json' } },
      ),
    );
    const json = checkBody(api, response);
    const token = json['accessToken'];
    if (typeof token !== 'string' || token === '')
      throw new DingtalkNetworkError(api, 'answer carried no accessToken', { retryable: true });
    const expireIn = Number(json['expireIn'] ?? 7200);
    return { token, expiresInSeconds: Number.isFinite(expireIn) && expireIn > 0 ? expireIn : 7200 };
  }

  #newApi(api: string, path: string, body: Json): Promise<Json> {
    return this.#call(api, () =>
      this.#withToken(api, (token) =>
        this.#http.post(`${this.#options.apiBase}${path}`, body, {
          headers: {
            'Content-Type': 'application/json',
            Accept: 'application/json',
            'x-acs-dingtalk-access-token': token,
          },
        }),
      ),
    );
  }

  /** One logical call: retryable failures retried with backoff. */
  async #call<T>(_api: string, run: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await run();
      } catch (error) {
        // A robot throttle lasts 10 minutes: retrying now only extends it; the caller decides.
        const throttled = error instanceof DingtalkApiError && error.throttled;
        if (throttled || !isRetryableError(error) || attempt >= this.#maxRetries) throw error;
        await this.#sleep(this.#retryBaseMs * 2 ** attempt);
      }
    }
  }

  /** Sends with the access token; a rejected token is dropped and the request repeated once. */
  async #withToken(api: string, send: (token: string) => Promise<AxiosResponse>): Promise<Json> {
    let refreshed = false;
    for (;;) {
      const token = await this.#tokens.get();
      const response = await this.#attempt(api, () => send(token));
      try {
        return checkBody(api, response);
      } catch (error) {
        if (error instanceof DingtalkApiError && TOKEN_ERRORS.has(error.code) && !refreshed) {
          this.#tokens.invalidate(token);
          refreshed = true;
          continue;
        }
        throw error;
      }
    }
  }

  #attempt(api: string, send: () => Promise<AxiosResponse>): Promise<AxiosResponse> {
    return sendOnce(api, send, DingtalkNetworkError, { checkStatus: false });
  }
}

function parseJson(response: AxiosResponse): Json | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(response.data as ArrayBuffer).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Json) : null;
  } catch {
    return null;
  }
}

/**
 * DingTalk's JSON, or the error it carries. oapi and webhooks: `errcode` ≠ 0 (HTTP 200). The new
 * API: `{code, message, requestid}`. Only a body that is not JSON at all falls back to the status.
 */
export function checkBody(api: string, response: AxiosResponse): Json {
  const json = parseJson(response);
  if (!json) {
    const status = response.status;
    throw new DingtalkNetworkError(api, `answer is not JSON (HTTP ${status})`, {
      status,
      retryable: status >= 500 || status === 429 || status === 408 || status < 300,
    });
  }
  if (typeof json['errcode'] === 'number' || typeof json['errcode'] === 'string') {
    const errcode = String(json['errcode']);
    if (errcode !== '0') throw new DingtalkApiError(api, errcode, String(json['errmsg'] ?? ''));
    return json;
  }
  if (typeof json['code'] === 'string' && typeof json['message'] === 'string')
    throw new DingtalkApiError(api, json['code'], json['message']);
  // The platform-wide IP ban answers {"status":1111,"wait":5,…} (§2.4).
  if (json['status'] === 1111) throw new DingtalkApiError(api, '1111', 'egress IP temporarily banned');
  return json;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
