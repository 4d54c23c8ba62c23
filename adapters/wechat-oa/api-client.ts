/**
 * The Official Account server API (protocols §6.5–6.7) over axios: stable_token (or cgi-bin/token)
 * from a single-flight cache, refreshed once when WeChat refuses it (40001/40014/42001);
 * message/custom/send, media/get and media/upload, menu/create. Errcode and network failures are
 * classified (api-errors.ts); retryable ones are retried a few times with backoff, and what still
 * fails goes back to the outbox, which retries later.
 */
import { sendOnce } from '../shared/api-errors.ts';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { Clock } from '../../src/ports.ts';
import { TokenCache } from '../shared/token-cache.ts';
import {
  isRetryableErrcode,
  isRetryableError,
  TOKEN_ERRCODES,
  WechatApiError,
  WechatNetworkError,
} from './api-errors.ts';

/** message/custom/send bodies (api_sendcustommessage). `news` is a link card (one article). */
export type CustomMessage = { touser: string } & (
  | { msgtype: 'text'; text: { content: string } }
  | { msgtype: 'image'; image: { media_id: string } }
  | { msgtype: 'voice'; voice: { media_id: string } }
  | {
      msgtype: 'video';
      video: { media_id: string; thumb_media_id?: string; title?: string; description?: string };
    }
  | {
      msgtype: 'news';
      news: { articles: { title: string; description?: string; url: string; picurl?: string }[] };
    }
);

export type UploadType = 'image' | 'voice' | 'video' | 'thumb';

export interface MediaFile {
  data: Buffer;
  contentType: string;
  fileName: string;
}

/** menu/create body: at most 3 buttons, each with at most 5 sub-buttons. */
export interface MenuButton {
  name: string;
  type?: 'click' | 'view';
  key?: string;
  url?: string;
  sub_button?: MenuButton[];
}

export interface WechatApiClientOptions {
  apiBase: string;
  appId: string;
  appSecret: string;
  clock: Clock;
  /** `stable_token` (default: does not invalidate other holders) or the classic `token`. */
  tokenApi?: 'stable_token' | 'token';
  timeoutMs?: number;
  /** Retries of a retryable failure inside one call (default 2), after `retryBaseMs` × 2^n (default 200). */
  maxRetries?: number;
  retryBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

interface WechatJson {
  errcode?: number;
  errmsg?: string;
  [key: string]: unknown;
}

/** stable_token's force_refresh is allowed 20×/day, ≥ 30 s apart (protocols §6.5). */
const FORCE_REFRESH_SPACING_MS = 30_000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class WechatApiClient {
  readonly #http: AxiosInstance;
  readonly #tokens: TokenCache;
  readonly #options: WechatApiClientOptions;
  readonly #maxRetries: number;
  readonly #retryBaseMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  #forceNextRefresh = false;
  #lastForcedAt = Number.NEGATIVE_INFINITY;

  constructor(options: WechatApiClientOptions) {
    this.#options = options;
    this.#http = axios.create({
      baseURL: options.apiBase,
      timeout: options.timeoutMs ?? 10_000,
      validateStatus: () => true,
      responseType: 'arraybuffer',
      maxContentLength: 64 * 1024 * 1024,
      transitional: { clarifyTimeoutError: true },
    });
    this.#tokens = new TokenCache({ clock: options.clock, fetch: () => this.#fetchToken() });
    this.#maxRetries = options.maxRetries ?? 2;
    this.#retryBaseMs = options.retryBaseMs ?? 200;
    this.#sleep = options.sleep ?? defaultSleep;
  }

  /** message/custom/send: only inside the citizen's window (the caller counts; 45015/45047 otherwise). */
  async sendCustom(message: CustomMessage): Promise<void> {
    await this.#post('message/custom/send', message);
  }

  /** media/upload (temporary material, 3 days): multipart field `media`. */
  async uploadMedia(type: UploadType, file: MediaFile): Promise<string> {
    const form = new FormData();
    form.append('media', new Blob([file.data], { type: file.contentType }), file.fileName);
    const result = await this.#post('media/upload', form, { type });
    const mediaId = result['media_id'] ?? result['thumb_media_id'];
    if (typeof mediaId !== 'string' || mediaId === '')
      throw new WechatNetworkError('media/upload', 'answer carried no media_id', { retryable: true });
    return mediaId;
  }

  /**
   * media/get: the bytes; for a video WeChat answers `{"video_url"}`, which is then downloaded.
   * Errors come as HTTP 200 JSON (pitfall 14).
   */
  async getMedia(mediaId: string): Promise<MediaFile> {
    const response = await this.#call('media/get', (accessToken) =>
      this.#http.get('/cgi-bin/media/get', { params: { access_token: accessToken, media_id: mediaId } }),
    );
    if (!isJsonResponse(response)) return fileOf(response, mediaId);
    const json = checkJson('media/get', response);
    const videoUrl = json['video_url'];
    if (typeof videoUrl !== 'string' || !/^https?:\/\//.test(videoUrl))
      throw new WechatNetworkError('media/get', 'expected the file or a video_url', { retryable: false });
    const video = await this.#attempt('media/get video_url', () => this.#http.get(videoUrl, { baseURL: '' }));
    if (isJsonResponse(video)) checkJson('media/get video_url', video);
    return fileOf(video, `${mediaId}.mp4`, 'video/mp4');
  }

  /** menu/create: replaces the account's custom menu. */
  async createMenu(buttons: MenuButton[]): Promise<void> {
    await this.#post('menu/create', { button: buttons });
  }

  async #fetchToken(): Promise<{ token: string; expiresInSeconds: number }> {
    const { appId, appSecret, tokenApi = 'stable_token' } = this.#options;
    let response: AxiosResponse;
    if (tokenApi === 'token') {
      response = await this.#attempt('token', () =>
        this.#http.get('/cgi-bin/token', {
          params: { grant_type: 'client_credential', appid: appId, secret: appSecret },
        }),
      );
    } else {
      // After WeChat refused a token, ask for a new one (at most every 30 s; a normal call returns the same token).
      const now = this.#options.clock.now().getTime();
      const force = this.#forceNextRefresh && now - this.#lastForcedAt >= FORCE_REFRESH_SPACING_MS;
      if (force) this.#lastForcedAt = now;
      this.#forceNextRefresh = false;
      response = await this.#attempt('stable_token', () =>
        this.#http.post(
          '/cgi-bin/stable_token',
          { grant_type: 'client_credential', appid: appId, secret: appSecret, force_refresh: force },
          { headers: { 'Content-Type': 'application/json' } },
        ),
      );
    }
    const json = checkJson(tokenApi, response);
    const token = json['access_token'];
    if (typeof token !== 'string' || token === '')
      throw new WechatNetworkError(tokenApi, 'answer carried no access_token', { retryable: true });
    return { token, expiresInSeconds: Number(json['expires_in'] ?? 7200) };
  }

  async #post(api: string, body: unknown, query: Record<string, string> = {}): Promise<WechatJson> {
    const response = await this.#call(api, (accessToken) =>
      this.#http.post(`/cgi-bin/${api}`, body instanceof FormData ? body : JSON.stringify(body), {
        params: { access_token: accessToken, ...query },
        ...(body instanceof FormData ? {} : { headers: { 'Content-Type': 'application/json' } }),
      }),
    );
    return checkJson(api, response);
  }

  /** One logical call: retryable failures retried with backoff; a refused token refreshed once. */
  async #call(api: string, send: (accessToken: string) => Promise<AxiosResponse>): Promise<AxiosResponse> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const response = await this.#withToken(api, send);
        if (isJsonResponse(response)) {
          const errcode = parseBody(response)?.errcode;
          if (typeof errcode === 'number' && errcode !== 0 && isRetryableErrcode(errcode))
            checkJson(api, response); // throws the retryable WechatApiError
        }
        return response;
      } catch (error) {
        if (!isRetryableError(error) || attempt >= this.#maxRetries) throw error;
        await this.#sleep(this.#retryBaseMs * 2 ** attempt);
      }
    }
  }

  async #withToken(
    api: string,
    send: (accessToken: string) => Promise<AxiosResponse>,
  ): Promise<AxiosResponse> {
    let refreshed = false;
    for (;;) {
      const accessToken = await this.#tokens.get();
      const response = await this.#attempt(api, () => send(accessToken));
      const errcode = isJsonResponse(response) ? parseBody(response)?.errcode : undefined;
      if (typeof errcode === 'number' && TOKEN_ERRCODES.has(errcode) && !refreshed) {
        this.#tokens.invalidate(accessToken);
        this.#forceNextRefresh = true;
        refreshed = true;
        continue;
      }
      return response;
    }
  }

  #attempt(api: string, send: () => Promise<AxiosResponse>): Promise<AxiosResponse> {
    return sendOnce(api, send, WechatNetworkError);
  }
}

function isJsonResponse(response: AxiosResponse): boolean {
  return /json|text\/plain/i.test(String(response.headers['content-type'] ?? ''));
}

function parseBody(response: AxiosResponse): WechatJson | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(response.data as ArrayBuffer).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as WechatJson)
      : null;
  } catch {
    return null;
  }
}

function checkJson(api: string, response: AxiosResponse): WechatJson {
  const json = parseBody(response);
  if (!json) throw new WechatNetworkError(api, 'answer is not JSON', { status: response.status });
  const errcode = typeof json.errcode === 'number' ? json.errcode : 0;
  if (errcode !== 0) throw new WechatApiError(api, errcode, String(json.errmsg ?? ''));
  return json;
}

function fileOf(
  response: AxiosResponse,
  fallbackName: string,
  fallbackType = 'application/octet-stream',
): MediaFile {
  const disposition = String(response.headers['content-disposition'] ?? '');
  const fileName = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1];
  let decoded = fallbackName;
  try {
    if (fileName) decoded = decodeURIComponent(fileName);
  } catch {
    decoded = fileName ?? fallbackName;
  }
  return {
    data: Buffer.from(response.data as ArrayBuffer),
    contentType:
      String(response.headers['content-type'] ?? fallbackType)
        .split(';')[0]!
        .trim() || fallbackType,
    fileName: decoded,
  };
}
