import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStartPageRouter, renderDemoPage, renderStartPage } from '../../src/desk/start-page.ts';
import { useTestDatabase } from '../helpers/db.ts';
import { startTestApp, type TestApp } from '../http/test-app.ts';
import { startDesk, type DeskHarness } from './desk-harness.ts';

const staff = [
  { id: 'zhang-wei', name: '张伟', roles: ['helper'] },
  { id: 'evil', name: '<img src=x onerror=alert(1)>', roles: ['supervisor'] },
  { id: 'kb-only', name: '知识库员', roles: ['kb_maintainer'] },
];
const items = [
  { id: 'device-registration', name: '第二类医疗器械产品注册' },
  { id: 'cosmetics-production-license', name: '化妆品生产许可' },
];

describe('start page', () => {
  it('in demo mode lists desk staff with one-click logins, escaped', async () => {
    const html = await renderStartPage({ staff, items, demo: true });
    expect(html).toContain('href="/desk/login?demo=zhang-wei"');
    expect(html).toContain('张伟');
    expect(html).toContain('帮办人员');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(html).not.toContain('kb-only');
    expect(html).toContain('href="/demo?item=device-registration"');
  });

  it('outside demo mode shows no staff and no demo links, only how to get a login link', async () => {
    const html = await renderStartPage({ staff, items, demo: false });
    expect(html).not.toContain('demo=');
    expect(html).not.toContain('张伟');
    expect(html).toContain('npx bangban staff token');
    expect(html).toContain('href="/desk"');
  });

  it('embeds the widget for the chosen item on the demo page, and for none when the item is unknown', async () => {
    expect(await renderDemoPage({ items }, 'device-registration')).toContain(
      '<script src="/webchat/widget.js" data-item="device-registration" defer></script>',
    );
    const plain = await renderDemoPage({ items }, 'nope"><script>');
    expect(plain).toContain('<script src="/webchat/widget.js" defer></script>');
    expect(plain).not.toContain('nope');
  });
});

describe('page routes', () => {
  const test = useTestDatabase('pglite');
  let t: TestApp;
  let desk: DeskHarness;
  beforeAll(async () => {
    t = await startTestApp({ routers: [createStartPageRouter({ staff, items, demo: true })] });
    desk = await startDesk(test.database);
  });
  afterAll(async () => {
    await t.close();
    await desk.close();
  });

  it('serves /, /demo and /start.css with a strict content security policy on pages', async () => {
    const home = await fetch(`${t.url}/`);
    expect(home.headers.get('content-type')).toContain('text/html');
    expect(home.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await home.text()).toContain('帮办');
    const demo = await fetch(`${t.url}/demo?item=cosmetics-production-license`);
    expect(await demo.text()).toContain('data-item="cosmetics-production-license"');
    expect((await fetch(`${t.url}/start.css`)).headers.get('content-type')).toContain('text/css');
  });

  it('serves the desk pages and only the listed assets', async () => {
    for (const path of ['/desk', '/desk/login']) {
      const res = await fetch(`${desk.t.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
    const js = await fetch(`${desk.t.url}/desk/assets/desk.js`);
    expect(js.headers.get('content-type')).toContain('javascript');
    for (const name of ['__proto__', 'toString', '..%2F..%2Fpackage.json', 'index.html']) {
      expect((await fetch(`${desk.t.url}/desk/assets/${name}`)).status).toBe(404);
    }
  });
});
