/**
 * The WeCom server API (protocols §5), typed, over axios. Every call: access_token from a
 * single-flight cache (refreshed once on 40014/42001/41001, never retried on 40001), errcode vs
 * network classified (api-errors.ts), and retryable failures retried a few times with backoff.
 * What is still failing after that goes back to the outbox, which retries later.
 */
import { sendOnce } from '../shared/api-errors.ts';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { Clock } from '../../src/ports.ts';
import { isRetryableError, TOKEN_ERRCODES, WecomApiError, WecomNetworkError } from './api-errors.ts';
import type {
  AppChatMessage,
  AppMessage,
  KfMessage,
  KfSyncResponse,
  MediaFile,
  MediaType,
  RobotMessage,
  SendMessageResult,
  TemplateCardUpdate,
} from './api-types.ts';
import { TokenCache } from '../shared/token-cache.ts';

export interface WecomApiClientOptions {
  apiBase: string;
  corpId: string;
  agentId: number;
  secret: string;
  /** 微信客服 secret; kf/* calls use the app's token when absent. */
  kfSecret?: string;
  clock: Clock;
  /** Per request (default 10 s). */
  timeoutMs?: number;
  /** Retries of a retryable failure inside one call (default 2), after `retryBaseMs` × 2^n (default 200). */
  maxRetries?: number;
  retryBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

type TokenKind = 'app' | 'kf' | 'none';

interface WecomJson {
  errcode?: number;
  errmsg?: string;
  [key: string]: unknown;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class WecomApiClient {
  readonly agentId: number;
  readonly #http: AxiosInstance;
  readonly #tokens: Record<'app' | 'kf', TokenCache>;
  readonly #maxRetries: number;
  readonly #retryBaseMs: number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: WecomApiClientOptions) {
    this.agentId = options.agentId;
    this.#http = axios.create({
      baseURL: options.apiBase,
      timeout: options.timeoutMs ?? 10_000,
      validateStatus: () => true,
      // Bodies are decoded here, so an HTML error page or a binary file never reaches JSON.parse blindly.
      responseType: 'arraybuffer',
      transitional: { clarifyTimeoutError: true },
    });
    const tokenFor = (secret: string) =>
      new TokenCache({ clock: options.clock, fetch: () => this.#getToken(options.corpId, secret) });
    const app = tokenFor(options.secret);
    this.#tokens = { app, kf: options.kfSecret ? tokenFor(options.kfSecret) : app };
    this.#maxRetries = options.maxRetries ?? 2;
    this.#retryBaseMs = options.retryBaseMs ?? 200;
    this.#sleep = options.sleep ?? defaultSleep;
  }

  /** message/send (doc 90236): text, markdown, template_card, image/file/voice/video by media_id. */
  async sendMessage(message: AppMessage): Promise<SendMessageResult> {
    const result = await this.#post('message/send', 'app', { agentid: this.agentId, ...message });
    return {
      msgId: String(result['msgid'] ?? ''),
      ...(typeof result['response_code'] === 'string' ? { responseCode: result['response_code'] } : {}),
      invalidUsers: splitIds(result['invaliduser']),
    };
  }

  /** message/update_template_card: rewrite a card's buttons with its single-use response_code. */
  async updateTemplateCard(update: TemplateCardUpdate): Promise<void> {
    await this.#post('message/update_template_card', 'app', {
      userids: update.userIds,
      agentid: this.agentId,
      response_code: update.responseCode,
      button: { replace_name: update.replaceName },
    });
  }

  /** appchat/create (doc 90245): a group chat the app can post to; returns its chatid. */
  async createAppChat(input: {
    name: string;
    owner: string;
    userIds: string[];
    chatId?: string;
  }): Promise<string> {
    const result = await this.#post('appchat/create', 'app', {
      name: input.name,
      owner: input.owner,
      userlist: input.userIds,
      ...(input.chatId ? { chatid: input.chatId } : {}),
    });
    return String(result['chatid'] ?? input.chatId ?? '');
  }

  /** appchat/send (doc 90248). */
  async sendAppChat(chatId: string, message: AppChatMessage): Promise<void> {
    await this.#post('appchat/send', 'app', { chatid: chatId, ...message });
  }

  /** Group robot webhook (doc 91770): keyed by the robot's key, no access_token. */
  async sendRobot(key: string, message: RobotMessage): Promise<void> {
    await this.#post('webhook/send', 'none', message, { key });
  }

  /**
   * media/upload (doc 90253): multipart field `media`; the media_id lives 3 days. 微信客服 sends
   * upload with the 微信客服 token (`'kf'`), which is the app's when no 微信客服 secret is set.
   */
  async uploadMedia(type: MediaType, file: MediaFile, token: 'app' | 'kf' = 'app'): Promise<string> {
    const form = new FormData();
    form.append('media', new Blob([file.data], { type: file.contentType }), file.fileName);
    const result = await this.#post('media/upload', token, form, { type });
    return String(result['media_id'] ?? '');
  }

  /** media/get (doc 90254): the bytes, or WeCom's JSON error sent with HTTP 200 (pitfall 14). */
  async getMedia(mediaId: string, token: 'app' | 'kf' = 'app'): Promise<MediaFile> {
    return this.#call(
      'media/get',
      token,
      (accessToken) =>
        this.#http.get('/cgi-bin/media/get', { params: { access_token: accessToken, media_id: mediaId } }),
      (response) => {
        if (isJsonResponse(response)) {
          checkJson('media/get', response);
          throw new WecomNetworkError('media/get', 'expected the file, got JSON', { retryable: false });
        }
        const disposition = String(response.headers['content-disposition'] ?? '');
        const fileName = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1];
        return {
          data: Buffer.from(response.data as ArrayBuffer),
          contentType: String(response.headers['content-type'] ?? 'application/octet-stream'),
          fileName: fileName ? decodeURIComponent(fileName) : mediaId,
        };
      },
    );
  }

  /** kf/sync_msg (§5.8): one page after `cursor`, with the callback's token to avoid strict limits. */
  async kfSyncMsg(input: {
    cursor?: string;
    token?: string;
    openKfId: string;
    limit?: number;
  }): Promise<KfSyncResponse> {
    const result = await this.#post('kf/sync_msg', 'kf', {
      ...(input.cursor ? { cursor: input.cursor } : {}),
      ...(input.token ? { token: input.token } : {}),
      limit: input.limit ?? 1000,
      voice_format: 0,
      open_kfid: input.openKfId,
    });
    return {
      nextCursor: String(result['next_cursor'] ?? ''),
      hasMore: result['has_more'] === 1 || result['has_more'] === true,
      messages: Array.isArray(result['msg_list']) ? (result['msg_list'] as KfSyncResponse['messages']) : [],
    };
  }

  /** kf/send_msg: only inside 48 h after the citizen's last message, ≤ 5 replies (the caller counts). */
  async kfSendMsg(message: KfMessage): Promise<string> {
    const result = await this.#post('kf/send_msg', 'kf', message);
    return String(result['msgid'] ?? '');
  }

  /**
   * kf/send_msg_on_event: the welcome (or state-change) message for a `welcome_code`/`msg_code`,
   * once and within 20 s of the event; works before the citizen has written anything.
   */
  async kfSendMsgOnEvent(code: string, message: KfMessage): Promise<string> {
    const { touser: _touser, open_kfid: _openKfId, ...content } = message;
    const result = await this.#post('kf/send_msg_on_event', 'kf', { code, ...content });
    return String(result['msgid'] ?? '');
  }

  /** kf/service_state/get: 0 unhandled, 1 bot, 2 queue, 3 human, 4 ended. */
  async kfServiceState(
    openKfId: string,
    externalUserId: string,
  ): Promise<{ state: number; servicerUserId?: string }> {
    const result = await this.#post('kf/service_state/get', 'kf', {
      open_kfid: openKfId,
      external_userid: externalUserId,
    });
    const servicer = result['servicer_userid'];
    return {
      state: Number(result['service_state']),
      ...(typeof servicer === 'string' && servicer ? { servicerUserId: servicer } : {}),
    };
  }

  /** kf/service_state/trans; returns the msg_code for send_msg_on_event when WeCom gives one. */
  async kfTransServiceState(input: {
    openKfId: string;
    externalUserId: string;
    state: number;
    servicerUserId?: string;
  }): Promise<string | undefined> {
    const result = await this.#post('kf/service_state/trans', 'kf', {
      open_kfid: input.openKfId,
      external_userid: input.externalUserId,
      service_state: input.state,
      ...(input.servicerUserId ? { servicer_userid: input.servicerUserId } : {}),
    });
    return typeof result['msg_code'] === 'string' ? result['msg_code'] : undefined;
  }

  async #getToken(corpId: string, secret: string): Promise<{ token: string; expiresInSeconds: number }> {
    const response = await this.#attempt('gettoken', () =>
      this.#http.get('/cgi-bin/gettoken', { params: { corpid: corpId, corpsecret: secret } }),
    );
    const json = checkJson('gettoken', response);
    const token = json['access_token'];
    if (typeof token !== 'string' || token === '')
      throw new WecomNetworkError('gettoken', 'answer carried no access_token', { retryable: true });
    return { token, expiresInSeconds: Number(json['expires_in'] ?? 7200) };
  }

  async #post(
    api: string,
    token: TokenKind,
    body: unknown,
    query: Record<string, string> = {},
  ): Promise<WecomJson> {
    return this.#call(
      api,
      token,
      (accessToken) =>
        this.#http.post(`/cgi-bin/${api}`, body, {
          params: accessToken ? { access_token: accessToken, ...query } : query,
          ...(body instanceof FormData ? {} : { headers: { 'Content-Type': 'application/json' } }),
        }),
      (response) => checkJson(api, response),
    );
  }

  /**
   * One logical call: retryable failures are retried with backoff; a rejected token is refreshed
   * and the request repeated once, outside the retry budget.
   */
  async #call<T>(
    api: string,
    kind: TokenKind,
    send: (accessToken: string | null) => Promise<AxiosResponse>,
    check: (response: AxiosResponse) => T,
  ): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return check(await this.#withToken(api, kind, send));
      } catch (error) {
        if (!isRetryableError(error) || attempt >= this.#maxRetries) throw error;
        await this.#sleep(this.#retryBaseMs * 2 ** attempt);
      }
    }
  }

  async #withToken(
    api: string,
    kind: TokenKind,
    send: (accessToken: string | null) => Promise<AxiosResponse>,
  ): Promise<AxiosResponse> {
    if (kind === 'none') return this.#attempt(api, () => send(null));
    const cache = this.#tokens[kind];
    let refreshed = false;
    for (;;) {
      const accessToken = await cache.get();
      const response = await this.#attempt(api, () => send(accessToken));
      const errcode = errcodeOf(response);
      if (errcode !== undefined && TOKEN_ERRCODES.has(errcode) && !refreshed) {
        cache.invalidate(accessToken);
        refreshed = true;
        continue;
      }
      return response;
    }
  }

  #attempt(api: string, send: () => Promise<AxiosResponse>): Promise<AxiosResponse> {
    return sendOnce(api, send, WecomNetworkError);
  }
}

function isJsonResponse(response: AxiosResponse): boolean {
  const type = String(response.headers['content-type'] ?? '');
  return /json|text\/plain/i.test(type);
}

function parseBody(response: AxiosResponse): WecomJson | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(response.data as ArrayBuffer).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as WecomJson)
      : null;
  } catch {
    return null;
  }
}

/** The errcode of a JSON answer (media/get success bodies are not JSON and have none). */
function errcodeOf(response: AxiosResponse): number | undefined {
  if (!isJsonResponse(response)) return undefined;
  const code = parseBody(response)?.errcode;
  return typeof code === 'number' ? code : undefined;
}

/** WeCom's JSON with errcode 0, or the matching error. */
function checkJson(api: string, response: AxiosResponse): WecomJson {
  const json = parseBody(response);
  if (!json) throw new WecomNetworkError(api, 'answer is not JSON', { status: response.status });
  const errcode = typeof json.errcode === 'number' ? json.errcode : 0;
  if (errcode !== 0) throw new WecomApiError(api, errcode, String(json.errmsg ?? ''));
  return json;
}

function splitIds(value: unknown): string[] {
  return typeof value === 'string' && value !== '' ? value.split('|') : [];
}
