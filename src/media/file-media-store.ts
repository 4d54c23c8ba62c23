/**
 * The MediaStore port on the local disk: `<dir>/<id>` holds the bytes and `<id>.json` what they
 * are. Both are written to a temporary name and renamed, so a crash never leaves half a file behind
 * a ref. Several instances need a shared folder (or an object-store implementation of the port).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../core/errors.ts';
import type { MediaStore, StoredMedia } from '../ports.ts';

export const MEDIA_REF_PREFIX = 'media:';
const ID = /^[A-Za-z0-9_-]{22}$/;
/** WeChat and WeCom media are at most 20 MB (video); anything larger cannot be relayed anyway. */
export const DEFAULT_MEDIA_LIMIT_BYTES = 20 * 1024 * 1024;

export function isMediaRef(ref: string): boolean {
  return ref.startsWith(MEDIA_REF_PREFIX) && ID.test(ref.slice(MEDIA_REF_PREFIX.length));
}

export function createFileMediaStore(dir: string, options: { limitBytes?: number } = {}): MediaStore {
  const limitBytes = options.limitBytes ?? DEFAULT_MEDIA_LIMIT_BYTES;
  let ready: Promise<unknown> | null = null;
  return {
    async put(media: StoredMedia) {
      if (media.bytes.length > limitBytes) {
        throw new AppError('payload_too_large', `media is larger than ${limitBytes} bytes`, {
          details: { limitBytes, size: media.bytes.length },
        });
      }
      if (!/^[\w.+-]+\/[\w.+-]+$/.test(media.contentType)) {
        throw new AppError('bad_request', `not a MIME type: ${JSON.stringify(media.contentType)}`);
      }
      ready ??= mkdir(dir, { recursive: true });
      await ready;
      const id = randomBytes(16).toString('base64url');
      const meta = { contentType: media.contentType, fileName: media.fileName, size: media.bytes.length };
      const target = path.join(dir, id);
      await writeFile(`${target}.tmp`, media.bytes);
      await writeFile(`${target}.json.tmp`, JSON.stringify(meta));
      // The meta file is what makes the ref exist, so it is renamed last.
      await rename(`${target}.tmp`, target);
      await rename(`${target}.json.tmp`, `${target}.json`);
      return `${MEDIA_REF_PREFIX}${id}`;
    },
    async get(ref: string) {
      if (!isMediaRef(ref)) return null;
      const target = path.join(dir, ref.slice(MEDIA_REF_PREFIX.length));
      try {
        const meta = JSON.parse(await readFile(`${target}.json`, 'utf8')) as {
          contentType: string;
          fileName?: string;
        };
        const bytes = await readFile(target);
        return {
          bytes,
          contentType: meta.contentType,
          ...(meta.fileName ? { fileName: meta.fileName } : {}),
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
  };
}
