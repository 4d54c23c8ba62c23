/**
 * A small RFC 6455 WebSocket client for the DingTalk Stream gateway, on node:http/https (Node 20
 * has no WebSocket client without a flag, and bangban adds no dependency for one). Text frames,
 * fragmentation, ping/pong and close; client frames masked as the RFC requires. The frame codec is
 * exported for the loopback fake gateway used in tests.
 */
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
export const OPCODE = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;
/** Larger messages are refused (robot messages are a few KB). */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export const acceptKey = (key: string) => createHash('sha1').update(`${key}${GUID}`).digest('base64');

export function encodeFrame(opcode: number, payload: Buffer, masked: boolean): Buffer {
  const length = payload.length;
  const head: number[] = [0x80 | opcode];
  const maskBit = masked ? 0x80 : 0;
  let extended = Buffer.alloc(0);
  if (length < 126) head.push(maskBit | length);
  else if (length < 65536) {
    head.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(length);
  } else {
    head.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(BigInt(length));
  }
  if (!masked) return Buffer.concat([Buffer.from(head), extended, payload]);
  const mask = randomBytes(4);
  const body = Buffer.alloc(length);
  for (let i = 0; i < length; i += 1) body[i] = payload[i]! ^ mask[i % 4]!;
  return Buffer.concat([Buffer.from(head), extended, mask, body]);
}

export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** Collects bytes and yields whole frames (masked or not). Throws on a frame over the limit. */
export class FrameReader {
  #buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const frames: Frame[] = [];
    for (;;) {
      const b = this.#buffer;
      if (b.length < 2) break;
      const fin = (b[0]! & 0x80) !== 0;
      const opcode = b[0]! & 0x0f;
      const masked = (b[1]! & 0x80) !== 0;
      let length = b[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) break;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) break;
        const big = b.readBigUInt64BE(2);
        if (big > BigInt(MAX_MESSAGE_BYTES)) throw new Error('WebSocket frame too large');
        length = Number(big);
        offset = 10;
      }
      if (length > MAX_MESSAGE_BYTES) throw new Error('WebSocket frame too large');
      const maskOffset = offset;
      if (masked) offset += 4;
      if (b.length < offset + length) break;
      let payload = b.subarray(offset, offset + length);
      if (masked) {
        const mask = b.subarray(maskOffset, maskOffset + 4);
        payload = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
      } else {
        payload = Buffer.from(payload);
      }
      frames.push({ fin, opcode, payload });
      this.#buffer = b.subarray(offset + length);
    }
    return frames;
  }
}

/**
 * One client connection. Events: `open`, `message` (string), `close` (code, reason), `error`.
 * Close and error both end in `close`, once.
 */
export class WebSocketClient extends EventEmitter {
  #socket: Duplex | null = null;
  #closed = false;
  #fragments: Buffer[] = [];
  #fragmentBytes = 0;
  lastActivity = 0;

  readonly #unref: boolean;

  /** `unref`: the connection does not keep the process alive (a background client). */
  constructor(
    url: string,
    options: { timeoutMs?: number; headers?: Record<string, string>; unref?: boolean } = {},
  ) {
    super();
    this.#unref = options.unref ?? false;
    const target = new URL(url);
    const secure = target.protocol === 'wss:';
    if (!secure && target.protocol !== 'ws:') throw new Error(`not a WebSocket URL: ${target.protocol}`);
    const key = randomBytes(16).toString('base64');
    const request = (secure ? https : http).request({
      hostname: target.hostname,
      port: target.port || (secure ? 443 : 80),
      path: `${target.pathname}${target.search}`,
      method: 'GET',
      timeout: options.timeoutMs ?? 10_000,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Key': key,
        'Sec-WebSocket-Version': '13',
        ...options.headers,
      },
    });
    request.on('upgrade', (response, socket, head) => {
      if (response.headers['sec-websocket-accept'] !== acceptKey(key)) {
        socket.destroy();
        this.#finish(1002, 'bad Sec-WebSocket-Accept');
        return;
      }
      this.#attach(socket, head);
    });
    request.on('response', (response) => {
      response.resume();
      this.#finish(1002, `HTTP ${response.statusCode} instead of an upgrade`);
    });
    request.on('timeout', () => request.destroy(new Error('WebSocket handshake timed out')));
    request.on('error', (error) => {
      this.emit('error', error);
      this.#finish(1006, error.message);
    });
    request.end();
  }

  get open(): boolean {
    return this.#socket !== null && !this.#closed;
  }

  send(text: string): void {
    this.#write(OPCODE.text, Buffer.from(text, 'utf8'));
  }

  ping(): void {
    this.#write(OPCODE.ping, Buffer.alloc(0));
  }

  close(code = 1000, reason = ''): void {
    if (this.#closed) return;
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code);
    payload.write(reason, 2);
    this.#write(OPCODE.close, payload);
    this.#socket?.end();
    this.#finish(code, reason);
  }

  /** Drops the connection without a close handshake. */
  terminate(reason = 'terminated'): void {
    this.#socket?.destroy();
    this.#finish(1006, reason);
  }

  #write(opcode: number, payload: Buffer): void {
    if (!this.#socket || this.#closed) return;
    this.#socket.write(encodeFrame(opcode, payload, true));
  }

  #attach(socket: Duplex, head: Buffer): void {
    this.#socket = socket;
    if (this.#unref) (socket as Duplex & { unref?: () => void }).unref?.();
    this.lastActivity = Date.now();
    const reader = new FrameReader();
    const onData = (chunk: Buffer) => {
      this.lastActivity = Date.now();
      let frames: Frame[];
      try {
        frames = reader.push(chunk);
      } catch (error) {
        this.emit('error', error);
        this.terminate('protocol error');
        return;
      }
      for (const frame of frames) this.#onFrame(frame);
    };
    socket.on('data', onData);
    socket.on('close', () => this.#finish(1006, 'connection closed'));
    socket.on('error', (error) => {
      this.emit('error', error);
      this.#finish(1006, error.message);
    });
    this.emit('open');
    if (head.length > 0) onData(head);
  }

  #onFrame(frame: Frame): void {
    switch (frame.opcode) {
      case OPCODE.ping:
        this.#write(OPCODE.pong, frame.payload);
        return;
      case OPCODE.pong:
        return;
      case OPCODE.close: {
        const code = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
        this.close(code, frame.payload.subarray(2).toString('utf8'));
        return;
      }
      case OPCODE.text:
      case OPCODE.binary:
      case OPCODE.continuation: {
        this.#fragments.push(frame.payload);
        this.#fragmentBytes += frame.payload.length;
        if (this.#fragmentBytes > MAX_MESSAGE_BYTES) {
          this.terminate('message too large');
          return;
        }
        if (!frame.fin) return;
        const message = Buffer.concat(this.#fragments).toString('utf8');
        this.#fragments = [];
        this.#fragmentBytes = 0;
        this.emit('message', message);
        return;
      }
      default:
        this.terminate('unknown opcode');
    }
  }

  #finish(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.emit('close', code, reason);
  }
}
