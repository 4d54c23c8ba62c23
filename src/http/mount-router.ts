import type Koa from 'koa';
import type { Router } from '@koa/router';

/**
 * Adds a router's routes and its method check to the app. The method check runs without `throw`
 * so the router sets the `Allow` header; the error middleware turns the bare 405/501 into JSON.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- routers carry their own state/context types
export function mountRouter(app: Koa<any, any>, router: Router<any, any>): void {
  app.use(router.routes());
  app.use(router.allowedMethods());
}
