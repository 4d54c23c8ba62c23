import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'koa';

/** The `web/` folder: widget, desk and start page assets (served as they are; no build step). */
export const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Pages of our own origin: scripts and styles only from files we serve, nothing framed, so an
 * injected message body can never run as script.
 */
export const PAGE_CSP =
  "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const cache = new Map<string, Promise<string>>();

/** Reads a file under web/ once per process (the assets are small and fixed). */
export function readWebFile(relative: string): Promise<string> {
  let text = cache.get(relative);
  if (!text) {
    text = readFile(path.join(WEB_ROOT, relative), 'utf8');
    text.catch(() => cache.delete(relative));
    cache.set(relative, text);
  }
  return text;
}

/** Answers with a file under web/ (an allow-listed name, never a path from the request). */
export async function sendWebFile(
  ctx: Context,
  relative: string,
  options: { csp?: boolean } = {},
): Promise<void> {
  const body = await readWebFile(relative);
  sendText(ctx, body, TYPES[path.extname(relative)] ?? 'application/octet-stream', options);
}

export function sendText(ctx: Context, body: string, type: string, options: { csp?: boolean } = {}): void {
  ctx.set('Cache-Control', 'no-cache');
  ctx.set('X-Content-Type-Options', 'nosniff');
  if (options.csp) {
    ctx.set('Content-Security-Policy', PAGE_CSP);
    ctx.set('Referrer-Policy', 'no-referrer');
  }
  ctx.type = type;
  ctx.body = body;
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
