/**
 * Media between WeCom and the rest of bangban. Inbound: a staff member's image/voice/video/file
 * is downloaded with media/get into the shared MediaStore and travels as a `media:<id>` ref.
 * Outbound: a `media:` ref (or a web-widget upload, `webchat-upload:`) is read back and uploaded
 * with media/upload just before the send, because a media_id lives only 3 days and an outbox job
 * may run later than that. Anything else is taken to be a WeCom media_id already: `wecom_kf:<id>`
 * is a 微信客服 citizen's media whose download failed (see kf-channel.ts), older rows hold the bare id.
 */
import { DeliveryError } from '../../src/jobs/outbox-runner.ts';
import type { MediaStore } from '../../src/ports.ts';
import type { WecomApiClient } from './api-client.ts';
import type { MediaFile, MediaType } from './api-types.ts';

export const SHARED_MEDIA_PREFIX = 'media:';
export const WEBCHAT_UPLOAD_PREFIX = 'webchat-upload:';

/** A 微信客服 media message passed on without its bytes (the download failed) keeps WeCom's id here. */
export const KF_MEDIA_PREFIX = 'wecom_kf:';

/** The WeCom media_id behind a 微信客服 citizen's ref that is not in bangban's stores. */
export function kfMediaIdOf(ref: string): string {
  return ref.startsWith(KF_MEDIA_PREFIX) ? ref.slice(KF_MEDIA_PREFIX.length) : ref;
}

/** Bytes behind a bangban media ref, or null when the ref is unknown or the file is gone. */
export type MediaReader = (ref: string) => Promise<MediaFile | null>;

/** True for refs bangban stores itself (to be uploaded), false for WeCom media_ids. */
export function isBangbanMediaRef(ref: string): boolean {
  return ref.startsWith(SHARED_MEDIA_PREFIX) || ref.startsWith(WEBCHAT_UPLOAD_PREFIX);
}

/** Reads the shared store's `media:` refs and, when given, the widget's `webchat-upload:` refs. */
export function createMediaReader(deps: {
  media?: Pick<MediaStore, 'get'>;
  webchatUploads?: {
    open(ref: string): Promise<{ contentType: string; body: NodeJS.ReadableStream } | null>;
  };
}): MediaReader {
  return async (ref) => {
    if (ref.startsWith(SHARED_MEDIA_PREFIX) && deps.media) {
      const stored = await deps.media.get(ref);
      if (!stored) return null;
      return {
        data: stored.bytes,
        contentType: stored.contentType,
        fileName: stored.fileName ?? defaultFileName(ref, stored.contentType),
      };
    }
    if (ref.startsWith(WEBCHAT_UPLOAD_PREFIX) && deps.webchatUploads) {
      const opened = await deps.webchatUploads.open(ref);
      if (!opened) return null;
      const chunks: Buffer[] = [];
      for await (const chunk of opened.body) chunks.push(Buffer.from(chunk as Buffer));
      return {
        data: Buffer.concat(chunks),
        contentType: opened.contentType,
        fileName: ref.split('/').pop() ?? defaultFileName(ref, opened.contentType),
      };
    }
    return null;
  };
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'audio/amr': 'amr',
  'video/mp4': 'mp4',
  'application/pdf': 'pdf',
};

function defaultFileName(ref: string, contentType: string): string {
  const id =
    ref
      .slice(ref.indexOf(':') + 1)
      .replace(/[^\w-]/g, '')
      .slice(0, 22) || 'file';
  return `${id}.${EXTENSIONS[contentType.split(';')[0]!.trim().toLowerCase()] ?? 'bin'}`;
}

/** WeCom's temporary-media limits (doc 90253, protocols §5.7): type, formats and size. */
const LIMITS: Record<MediaType, { bytes: number; types: RegExp }> = {
  image: { bytes: 10 * 1024 * 1024, types: /^image\/(jpeg|png)$/ },
  voice: { bytes: 2 * 1024 * 1024, types: /^audio\/amr$/ },
  video: { bytes: 10 * 1024 * 1024, types: /^video\/mp4$/ },
  file: { bytes: 20 * 1024 * 1024, types: /.*/ },
};

/**
 * The WeCom media type a file can be sent as: the wanted one when WeCom accepts the format and
 * size (JPG/PNG images, AMR voice, MP4 video), else a file — a WebP photo or an MP3 still arrives.
 * Null when even a file is too large or too small (WeCom wants more than 5 bytes).
 */
export function wecomMediaTypeFor(wanted: MediaType, file: MediaFile): MediaType | null {
  const type = file.contentType.split(';')[0]!.trim().toLowerCase();
  const fits = (kind: MediaType) =>
    file.data.length > 5 && file.data.length <= LIMITS[kind].bytes && LIMITS[kind].types.test(type);
  if (fits(wanted)) return wanted;
  return fits('file') ? 'file' : null;
}

/**
 * Reads `ref` and uploads it as temporary media; returns the media_id and the type it was sent as.
 * A missing file or one WeCom cannot take is final (retrying will not help).
 */
export async function uploadRef(
  client: Pick<WecomApiClient, 'uploadMedia'>,
  readMedia: MediaReader,
  ref: string,
  wanted: MediaType,
  token: 'app' | 'kf' = 'app',
): Promise<{ mediaId: string; mediaType: MediaType }> {
  const file = await readMedia(ref);
  if (!file) throw new DeliveryError(`media ${ref} is not in the media store`, { retryable: false });
  const mediaType = wecomMediaTypeFor(wanted, file);
  if (!mediaType)
    throw new DeliveryError(`media ${ref} (${file.data.length} bytes) is outside WeCom's size limits`, {
      retryable: false,
    });
  const mediaId = await client.uploadMedia(mediaType, file, token);
  return { mediaId, mediaType };
}
