import type { Context } from 'koa';

/** A stored file behind a message's `mediaRef` (webchat uploads), for the desk or the widget to show. */
export interface MediaFile {
  contentType: string;
  body: NodeJS.ReadableStream | Buffer;
}

export type MediaResolver = (mediaRef: string) => Promise<MediaFile | null>;

/** Answers with an uploaded file; it may come from a citizen, so it is never sniffed or run as a page. */
export function sendMedia(ctx: Context, file: MediaFile): void {
  ctx.set('Cache-Control', 'private, max-age=3600');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Content-Security-Policy', "default-src 'none'");
  ctx.type = file.contentType;
  ctx.body = file.body;
}
