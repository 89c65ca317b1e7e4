// The figures of the work as a leader uses them: after `saman demo-history`, the
// dashboard shows three years, each figure beside the previous period, small counts as
// "under 5", charts with their tables; chosen by keyboard; the CSV downloads; every
// page passes axe in bokmål and nynorsk.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatViolations, launchBrowser, runAxe } from '../lib/browser.js';
import { startServer } from '../lib/server.js';
import { totp } from '../lib/totp.js';

const PASSWORD = 'demo-passord-saman';

describe('evaluation', () => {
  let server;
  let browser;
  const violations = new Map();

  before(async () => {
    server = await startServer();
    const out = server.run(['demo-history', '--logs', '400']);
    assert.match(out, /400 fiktive logger/);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Logs a demo person in, setting up two-step login on the way. */
  async function staffLogin(page, email) {
    await page.goto(`${server.origin}/nb/fjordvik/logg-inn`);
    await page.getByLabel('E-postadresse').fill(email);
    await page.getByLabel('Passord').fill(PASSWORD);
    await page.getByLabel('Passord').press('Enter');
    await page.waitForURL(/\/logg-inn\/totrinn$/);
    const secret = (await page.locator('.totp-secret').innerText()).trim();
    await page.getByRole('textbox', { name: 'Kode' }).fill(totp(secret));
    await page.getByRole('textbox', { name: 'Kode' }).press('Enter');
    await page.getByRole('link', { name: 'Jeg har tatt vare på kodene' }).click();
    await page.waitForURL(/\/nb\/fjordvik\/start$/);
  }

  async function check(label, page = browser.page) {
    const found = await runAxe(page);
    if (found.length) violations.set(`${label} ${page.url()}`, found);
  }

  it('shows a leader three years of figures, by keyboard, with charts, tables and CSV', { timeout: 180_000 }, async () => {
    const { page } = browser;
    await staffLogin(page, 'leder@fjordvik.example');

    // From the start page to the figures, by keyboard.
    await page.getByRole('link', { name: 'Tall om arbeidet' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/nb\/fjordvik\/evaluering$/);
    await check('dashboard');
    const table = page.locator('#table-logs');
    // The year of last month (the figures count whole months), beside the year before.
    const [, shownYear, previousYear] = (await table.locator('thead').innerText()).match(/(\d{4})[\s\S]*?(\d{4})/);
    assert.equal(Number(previousYear), Number(shownYear) - 1);
    assert.match(await table.innerText(), /Logger opprettet\s+\d+\s+\d+/);
    assert.equal(await page.locator('svg.chart[role=img]').count() >= 2, true);

    // The year broken down by BTI level: chosen with the keyboard alone.
    await page.getByLabel('Inndeling').focus();
    await page.keyboard.press('ArrowDown'); // BTI-nivå
    await page.getByRole('button', { name: 'Vis tallene' }).focus();
    await Promise.all([page.waitForURL(/inndeling=niva/), page.keyboard.press('Enter')]);
    const groups = page.locator('#table-groups');
    assert.match(await groups.innerText(), /Nivå 1[\s\S]*Nivå 2[\s\S]*Nivå 3[\s\S]*Alle/);
    await check('dashboard by level');
    // A term, by keyboard: the breakdown waits for whole years.
    await page.getByLabel('Periode', { exact: true }).focus();
    await page.keyboard.press('ArrowUp'); // from År to Halvår
    await page.getByRole('button', { name: 'Vis tallene' }).focus();
    await Promise.all([page.waitForURL(/periode=termin/), page.keyboard.press('Enter')]);
    assert.equal(await page.locator('#table-groups').count(), 0);
    assert.match(await page.locator('main').innerText(), /for hele år/);
    await check('dashboard by term');

    // A month, where small counts show as "under 5".
    await page.goto(`${server.origin}/nb/fjordvik/evaluering?periode=maned&inndeling=alder`);
    assert.match(await page.locator('main').innerText(), /under 5/);
    await check('dashboard by month and age');

    // The CSV of what is shown.
    const link = page.getByRole('link', { name: 'Last ned tabellene (CSV)' });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    assert.match(download.suggestedFilename(), /^saman-tal-fjordvik-\d{4}-\d{2}\.csv$/);

    for (const path of ['evaluering', 'evaluering?periode=ar&inndeling=teneste']) {
      await page.goto(`${server.origin}/nn/fjordvik/${path}`);
      await check(`nn ${path}`);
    }
    assert.match(await page.locator('h1').innerText(), /Tal om arbeidet/);
  });

  it('lets an administrator publish two figures, and staff answer their survey by keyboard', { timeout: 180_000 }, async () => {
    const admin = await launchBrowser();
    try {
      const page = admin.page;
      await staffLogin(page, 'admin@fjordvik.example');
      // Nothing published yet: no public page.
      const before = await page.goto(`${server.origin}/nb/fjordvik/om-arbeidet`);
      assert.equal(before.status(), 404);

      await page.goto(`${server.origin}/nb/fjordvik/rediger/innstillinger`);
      await page.getByLabel('Logger opprettet', { exact: true }).check();
      await page.getByLabel('Andel aktive logger der barnets stemme er skrevet ned').check();
      await page.getByRole('button', { name: 'Lagre utkast' }).click();
      await page.waitForLoadState('load');
      await page.getByRole('button', { name: /^Publiser/ }).click();
      await page.waitForURL(/\?publisert=1$/);

      for (const lang of ['nb', 'nn']) {
        const res = await page.goto(`${server.origin}/${lang}/fjordvik/om-arbeidet`);
        assert.equal(res.status(), 200);
        await check(`public figures ${lang}`, page);
      }
      const table = await page.locator('#table-public').innerText();
      assert.match(table, /Loggar oppretta/);
      assert.match(table, /stemma til barnet/);
      assert.doesNotMatch(table, /Aktive loggar/);

      // The survey editor, in both languages.
      for (const lang of ['nb', 'nn']) {
        await page.goto(`${server.origin}/${lang}/fjordvik/rediger/undersokelser`);
        await check(`surveys ${lang}`, page);
        await page.locator('main ul.ds-list a').first().click();
        await page.waitForURL(/\/rediger\/undersokelser\/[0-9a-f-]+$/);
        await check(`survey editor ${lang}`, page);
      }
    } finally {
      await admin.close();
    }

    // The employee answers the year's staff survey, by keyboard alone.
    const staff = await launchBrowser();
    try {
      const page = staff.page;
      await staffLogin(page, 'ansatt@fjordvik.example');
      const invitation = page.getByRole('link', { name: /Svar på undersøkelsen/ });
      await invitation.focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/undersokelse\/[0-9a-f-]+$/);
      await check('staff survey', page);
      // The first question's first option, then the arrow keys move within the group.
      await page.getByRole('radio', { name: '1 – ikke i det hele tatt' }).first().focus();
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      assert.equal(await page.getByRole('radio', { name: '4 – i stor grad' }).first().isChecked(), true);
      await page.getByRole('button', { name: 'Send svarene' }).focus();
      await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.keyboard.press('Enter'),
      ]);
      await page.waitForLoadState('load');
      assert.match(await page.locator('h1').innerText(), /Takk for svarene/);
      await check('survey thanks', page);
      await page.goto(`${server.origin}/nb/fjordvik/start`);
      assert.equal(await page.getByRole('link', { name: /Svar på undersøkelsen/ }).count(), 0, 'answered once');
    } finally {
      await staff.close();
    }
  });

  it('has no accessibility violations', () => {
    assert.equal(violations.size, 0, formatViolations(violations));
  });
});
