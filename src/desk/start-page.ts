import { Router } from '@koa/router';
import type { AppState } from '../http/app-state.ts';
import { escapeHtml, readWebFile, sendText } from './static-files.ts';

export interface StartPageStaff {
  id: string;
  name: string;
  roles: readonly string[];
}

export interface StartPageOptions {
  /** Staff to offer one-click demo logins for (only shown when `demo` is true). */
  staff: readonly StartPageStaff[];
  items: readonly { id: string; name: string }[];
  /**
   * Demo mode: list the staff with one-click login links (and the desk router must be created with
   * `demo: true` for them to work). Never set in production.
   */
  demo: boolean;
}

const ROLE_NAMES: Record<string, string> = {
  helper: '帮办人员',
  backup: '后备帮办',
  expert: '后台专家',
  tech: '技术支持',
  kb_maintainer: '知识库维护',
  supervisor: '处室负责人',
  leader: '领导干部',
  admin: '管理员',
};
const DESK_ROLES = new Set(['helper', 'backup', 'expert', 'tech', 'supervisor', 'leader', 'admin']);

/** The start page (`/`): how to open the widget and the desk side by side, demo logins in demo mode. */
export async function renderStartPage(options: StartPageOptions): Promise<string> {
  const template = await readWebFile('index.html');
  return template
    .replace('<!--ITEM_LINKS-->', itemLinks(options.items))
    .replace('<!--STAFF_LOGINS-->', options.demo ? demoLogins(options.staff) : productionLogin());
}

/** The demo agency page (`/demo`, `/demo?item=<id>`) with the widget embedded for that item. */
export async function renderDemoPage(
  options: Pick<StartPageOptions, 'items'>,
  itemId: string | undefined,
): Promise<string> {
  const template = await readWebFile('demo.html');
  const item = options.items.find((i) => i.id === itemId);
  return template
    .replaceAll('<!--ITEM_NAME-->', escapeHtml(item?.name ?? '一网通办 · 药品监管事项'))
    .replace('<!--ITEM_LINKS-->', itemLinks(options.items, item?.id))
    .replace(
      '<!--WIDGET-->',
      `<script src="/webchat/widget.js"${item ? ` data-item="${escapeHtml(item.id)}"` : ''} defer></script>`,
    );
}

function itemLinks(items: StartPageOptions['items'], current?: string): string {
  return items
    .map((item) => {
      const here = item.id === current ? ' aria-current="page"' : '';
      return `<li><a href="/demo?item=${encodeURIComponent(item.id)}"${here}>${escapeHtml(item.name)}</a></li>`;
    })
    .join('\n');
}

function demoLogins(staff: readonly StartPageStaff[]): string {
  const rows = staff
    .filter((member) => member.roles.some((role) => DESK_ROLES.has(role)))
    .map((member) => {
      const roles = member.roles.map((role) => ROLE_NAMES[role] ?? role).join('、');
      const href = `/desk/login?demo=${encodeURIComponent(member.id)}`;
      return `<li><a class="login" href="${href}" target="_blank" rel="noopener">${escapeHtml(member.name)}</a> <span class="roles">${escapeHtml(roles)}</span> <code>${escapeHtml(member.id)}</code></li>`;
    });
  return [
    '<p class="note">演示模式：点击姓名即以该工作人员身份登录工作台（在新标签页打开）。每个标签页各自保持登录身份。</p>',
    `<ul class="staff">${rows.join('\n')}</ul>`,
  ].join('\n');
}

function productionLogin(): string {
  return [
    '<p>工作人员请用管理员发放的一次性登录链接，或工号 + 密码登录：<a href="/desk/login">登录工作台</a>。</p>',
    '<p class="note">管理员：<code>npx bangban staff token &lt;工号&gt;</code> 打印一次性登录链接；',
    '<code>npx bangban staff password &lt;工号&gt;</code> 设置密码。</p>',
  ].join('\n');
}

/** `GET /` and `GET /demo`. */
export function createStartPageRouter(options: StartPageOptions): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/', async (ctx) =>
    sendText(ctx, await renderStartPage(options), 'text/html; charset=utf-8', { csp: true }),
  );
  router.get('/start.css', async (ctx) =>
    sendText(ctx, await readWebFile('start.css'), 'text/css; charset=utf-8'),
  );
  router.get('/demo', async (ctx) => {
    const item = typeof ctx.query['item'] === 'string' ? ctx.query['item'] : undefined;
    sendText(ctx, await renderDemoPage(options, item), 'text/html; charset=utf-8', { csp: true });
  });
  return router;
}
