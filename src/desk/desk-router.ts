import { Router } from '@koa/router';
import type { Clock } from '../ports.ts';
import type { Database } from '../storage/database.ts';
import type { Flows } from '../flows/types.ts';
import { addDeskApiRoutes } from './desk-api-routes.ts';
import type { MediaResolver } from './media-response.ts';
import type { DeskAuth } from './desk-auth.ts';
import type { DeskHub } from './desk-hub.ts';
import { addLoginRoutes, type LoginLimits } from './desk-login-routes.ts';
import type { DeskState } from './desk-state.ts';
import { sendWebFile } from './static-files.ts';

export interface DeskLimits {
  /** Longest reply or command a helper may send (default 4000 characters). */
  textMaxChars: number;
  /** SSE comment interval (default 15 s). */
  heartbeatMs: number;
  login: Partial<LoginLimits>;
}

export interface DeskRouterOptions {
  database: Pick<Database, 'db'>;
  flows: Flows;
  auth: DeskAuth;
  hub: DeskHub;
  clock: Clock;
  /** Registers POST /api/desk/demo-login (sign in as anyone, no credential). Demo only, never in production. */
  demo?: boolean;
  resolveMedia?: MediaResolver;
  limits?: Partial<DeskLimits>;
}

// Only these names are served from web/desk; nothing from the request reaches the file system.
const ASSETS = new Map([
  ['desk.js', 'desk/desk.js'],
  ['desk.css', 'desk/desk.css'],
  ['login.js', 'desk/login.js'],
]);

/** The staff web desk: pages under /desk and the JSON API under /api/desk. */
export function createDeskRouter(options: DeskRouterOptions): Router<DeskState> {
  const router = new Router<DeskState>();
  const limits = { textMaxChars: 4000, heartbeatMs: 15_000, login: {}, ...options.limits };

  router.get('/desk', (ctx) => sendWebFile(ctx, 'desk/index.html', { csp: true }));
  router.get('/desk/login', (ctx) => sendWebFile(ctx, 'desk/login.html', { csp: true }));
  router.get('/desk/assets/:file', async (ctx) => {
    const file = ASSETS.get(ctx.params['file'] ?? '');
    if (file) await sendWebFile(ctx, file);
  });

  addLoginRoutes(router, {
    auth: options.auth,
    clock: options.clock,
    demo: options.demo === true,
    limits: limits.login,
  });
  addDeskApiRoutes(router, {
    db: options.database.db,
    flows: options.flows,
    auth: options.auth,
    hub: options.hub,
    clock: options.clock,
    resolveMedia: options.resolveMedia,
    textMaxChars: limits.textMaxChars,
    heartbeatMs: limits.heartbeatMs,
  });
  return router;
}
