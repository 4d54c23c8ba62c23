import type { Context } from 'koa';

/** A stored file behind a message's `mediaRef` (webchat uploads), for the desk or the widget to show. */
export interface MediaFile {
  contentType: string;
  body: NodeJS.ReadableStream | Buffer;
  /** Shown as the download name of files that are not displayed inline. */
  fileName?: string;
}

export type MediaResolver = (mediaRef: string) => Promise<MediaFile | null>;

/** Answers with an uploaded file; it may come from a citizen, so it is never sniffed or run as a page. */
export function sendMedia(ctx: Context, file: MediaFile): void {
  ctx.set('Cache-Control', 'private, max-age=3600');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Content-Security-Policy', "default-src 'none'");
  ctx.type = file.contentType;
  // Pictures, sound and video show inline; anything else (PDF, Office, SVG …) is only downloaded.
  if (!/^(image\/(png|jpeg|gif|webp)|audio\/[\w.+-]+|video\/[\w.+-]+)$/i.test(file.contentType)) {
    const name = file.fileName ?? 'file';
    const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
    ctx.set(
      'Content-Disposition',
      `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    );
  }
  ctx.body = file.body;
}
