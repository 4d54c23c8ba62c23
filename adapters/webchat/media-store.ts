import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { AppError } from '../../src/core/errors.ts';
import { SESSION_ID } from './webchat-sessions.ts';

/** The image types the widget may upload, with the file extension each is stored under. */
export const IMAGE_TYPES = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
} as const;
export type ImageType = keyof typeof IMAGE_TYPES;

const TYPE_BY_EXTENSION = new Map<string, ImageType>(
  Object.entries(IMAGE_TYPES).map(([type, ext]) => [ext, type as ImageType]),
);
const PREFIX = 'webchat-upload:';
const FILE_NAME = /^[A-Za-z0-9_-]{22}\.(png|jpg|gif|webp)$/;

/** What the bytes are, by their magic numbers (the declared Content-Type is not trusted). */
export function sniffImageType(bytes: Buffer): ImageType | null {
  const starts = (...values: number[]) => values.every((value, i) => bytes[i] === value);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  const head = bytes.subarray(0, 12).toString('latin1');
  if (head.startsWith('GIF87a') || head.startsWith('GIF89a')) return 'image/gif';
  if (head.startsWith('RIFF') && head.slice(8, 12) === 'WEBP') return 'image/webp';
  return null;
}

/** Reads a request body into memory, refusing (413) as soon as it passes `limitBytes`. */
export function readRawBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) return Promise.reject(tooLarge(limitBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) {
        cleanup();
        // Stop reading; the error response closes the connection along with the rest of the upload.
        req.pause();
        reject(tooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(new AppError('bad_request', 'The upload was interrupted', { cause: error }));
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onError as () => void);
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('aborted', onError as () => void);
  });
}

function tooLarge(limitBytes: number): AppError {
  return new AppError(
    'payload_too_large',
    `The image is larger than ${Math.floor(limitBytes / 1024 / 1024)} MB`,
    {
      details: { limitBytes },
    },
  );
}

export interface StoredMedia {
  contentType: ImageType;
  body: NodeJS.ReadableStream;
  size: number;
}

/**
 * Uploaded images on disk under `<uploadsDir>/<sessionId>/<random>.<ext>`. A message refers to one
 * as `webchat-upload:<sessionId>/<file>`; the widget and the desk each serve it behind their own auth.
 */
export interface MediaStore {
  save(sessionId: string, bytes: Buffer, type: ImageType): Promise<string>;
  /** The file behind a reference, or null if the reference is not ours or the file is gone. */
  open(mediaRef: string): Promise<StoredMedia | null>;
}

export function createMediaStore(uploadsDir: string): MediaStore {
  return {
    async save(sessionId, bytes, type) {
      if (!SESSION_ID.test(sessionId)) throw new AppError('internal', 'media store: bad session id');
      const folder = path.join(uploadsDir, sessionId);
      await mkdir(folder, { recursive: true });
      const name = `${randomBytes(16).toString('base64url')}.${IMAGE_TYPES[type]}`;
      await writeFile(path.join(folder, name), bytes, { flag: 'wx', mode: 0o640 });
      return `${PREFIX}${sessionId}/${name}`;
    },
    async open(mediaRef) {
      const parsed = parseMediaRef(mediaRef);
      if (!parsed) return null;
      const file = path.join(uploadsDir, parsed.sessionId, parsed.name);
      const info = await stat(file).catch(() => null);
      if (!info?.isFile()) return null;
      return { contentType: parsed.type, body: createReadStream(file), size: info.size };
    },
  };
}

export function parseMediaRef(mediaRef: string): { sessionId: string; name: string; type: ImageType } | null {
  if (!mediaRef.startsWith(PREFIX)) return null;
  const [sessionId, name, ...rest] = mediaRef.slice(PREFIX.length).split('/');
  if (rest.length > 0 || !sessionId || !name || !SESSION_ID.test(sessionId) || !FILE_NAME.test(name))
    return null;
  const type = TYPE_BY_EXTENSION.get(name.split('.')[1]!);
  return type ? { sessionId, name, type } : null;
}

const SHARED_PREFIX = 'media:';
const SHARED_ID = /^[A-Za-z0-9_-]{22}$/;

/** The id of a shared MediaStore ref (`media:<id>`, e.g. a helper's WeCom image), or null. */
export function sharedMediaId(mediaRef: string): string | null {
  if (!mediaRef.startsWith(SHARED_PREFIX)) return null;
  const id = mediaRef.slice(SHARED_PREFIX.length);
  return SHARED_ID.test(id) ? id : null;
}

/**
 * The widget URL of a session's media (add `?token=`): its own uploads, and shared `media:` refs
 * (a helper's image from WeCom …) in its messages; null for anything else.
 */
export function mediaUrlFor(sessionId: string, mediaRef: string): string | null {
  const shared = sharedMediaId(mediaRef);
  if (shared) return `/webchat/sessions/${sessionId}/shared-media/${shared}`;
  const parsed = parseMediaRef(mediaRef);
  if (!parsed || parsed.sessionId !== sessionId) return null;
  return `/webchat/sessions/${sessionId}/media/${parsed.name}`;
}
