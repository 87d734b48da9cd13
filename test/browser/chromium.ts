/**
 * Debian's Chromium (`apt-get install chromium`) driven by playwright-core: no browser download.
 * Pages collect console errors and uncaught exceptions, and never reach outside the machine
 * (the editor fetches the Node-RED palette catalogue from the internet: it gets an empty one).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function haveChromium(): boolean {
  return existsSync(CHROMIUM);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 });
}

export interface WatchedPage {
  page: Page;
  /** Console errors and uncaught page errors, in order. */
  errors: string[];
}

const EMPTY_CATALOGUE = JSON.stringify({ name: 'offline', updated_at: new Date(0).toISOString(), modules: [] });

/** `timezoneId`: the browser's own zone (IANA name), e.g. to tell it apart from the server's. */
export async function openPage(browser: Browser, options: { timezoneId?: string } = {}): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, ...options });
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.route(
    (url) => url.hostname !== '127.0.0.1' && url.hostname !== 'localhost',
    (route) =>
      route.request().url().includes('catalogue')
        ? route.fulfill({ status: 200, contentType: 'application/json', body: EMPTY_CATALOGUE })
        : route.fulfill({ status: 204, body: '' }),
  );
  return { page, errors };
}
