/**
 * Shared pieces of the browser tests: Debian's chromium through playwright-core, one place for the
 * launch flags, screenshots under test-results/browser/, and page-error capture. Tests skip (with
 * a message) where /usr/bin/chromium is missing: `apt-get install -y chromium fonts-noto-cjk`.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTEFACTS = path.resolve('test-results/browser');

/** True when chromium is installed; otherwise warns once so the skip is visible in the run. */
export function chromiumAvailable(): boolean {
  const found = existsSync(CHROMIUM);
  if (!found)
    console.warn(
      `skipping browser tests: ${CHROMIUM} not found (apt-get install -y chromium fonts-noto-cjk)`,
    );
  return found;
}

/** Headless chromium without sandbox (containers), GPU or any background traffic to Google. */
export async function launchChromium(): Promise<Browser> {
  await mkdir(ARTEFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A desktop-sized, Chinese-locale context on Shanghai time, like the people who use bangban. */
export function newChineseContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1280, height: 860 },
  });
}

/** Saves a full-page screenshot as test-results/browser/<name>.png. */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTEFACTS, `${name}.png`), fullPage: true });
}

/**
 * Collects uncaught page errors and failed responses (≥ 400) into `errors`, prefixed with `label`,
 * so a test can assert the pages ran clean. `ignore` lists URL substrings that may fail.
 */
export function watchPage(page: Page, label: string, errors: string[], ignore: readonly string[] = []): Page {
  page.on('pageerror', (error) => errors.push(`${label}: ${String(error)}`));
  page.on('response', (response) => {
    const url = response.url();
    if (response.status() >= 400 && !ignore.some((part) => url.includes(part)))
      errors.push(`${label}: HTTP ${response.status()} ${url}`);
  });
  return page;
}
