// One headless Chromium (Debian's, never a downloaded build) with a fresh profile.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// Without the background-networking flags Chromium phones home, which this
// closed network (and the third-party-request test) must not see.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches Chromium with a fresh temporary user data dir.
 * Returns { context, page, close() }; `page` is the context's first tab.
 */
export async function launchBrowser({ viewport = { width: 1280, height: 800 }, ...options } = {}) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` or set CHROMIUM_PATH.`);
  }
  const userDataDir = mkdtempSync(join(tmpdir(), 'saman-e2e-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport,
      locale: 'nb-NO',
      reducedMotion: 'reduce',
      timeout: 60_000,
      ...options,
    });
  } catch (err) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
  // For trying out CSS without rebuilding saman: serve /assets/saman.css from a file.
  const cssOverride = process.env.SAMAN_E2E_CSS;
  if (cssOverride) {
    const css = readFileSync(cssOverride);
    process.stderr.write(`note: serving /assets/saman.css from ${cssOverride} (SAMAN_E2E_CSS)\n`);
    await context.route(/\/assets\/saman\.css$/, (route) =>
      route.fulfill({ status: 200, contentType: 'text/css', body: css }),
    );
  }
  context.setDefaultTimeout(30_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

// ---- axe-core ----

let axeSource;
function axeScript() {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  return axeSource;
}

export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Runs axe on the page as it is now (injecting axe-core once per document).
 * Returns the violations: [{ id, impact, help, nodes: [{ target, summary }] }].
 */
export async function runAxe(page) {
  const present = await page.evaluate(() => typeof window.axe === 'object');
  if (!present) await page.evaluate(axeScript());
  return page.evaluate(async (tags) => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.map(String), summary: n.failureSummary ?? '' })),
    }));
  }, WCAG_TAGS);
}

/** A readable report of violations per URL: URL, rule id, impact and every target. */
export function formatViolations(byUrl) {
  const lines = [];
  for (const [url, violations] of byUrl) {
    lines.push(url);
    for (const v of violations) {
      lines.push(`  ${v.id} [${v.impact}] ${v.help} (${v.nodes.length} element${v.nodes.length === 1 ? '' : 's'})`);
      for (const n of v.nodes) lines.push(`    - ${n.target.join(' ')}`);
    }
  }
  return lines.join('\n');
}
