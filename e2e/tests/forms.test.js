// From a step of the guide to a filled-in form and a PDF, in nynorsk, as an employee
// would: the consent form of level 2.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { formatViolations, launchBrowser, runAxe } from '../lib/browser.js';
import { startServer } from '../lib/server.js';

describe('forms that become a PDF', () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser({ acceptDownloads: true });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('level 2 step → consent form → errors kept → PDF in nynorsk', async () => {
    const { page } = browser;
    await page.goto(`${server.origin}/nn/lauvdal-strandheim/veileder/generell/steg/hent-samtykke`);
    await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Fyll ut skjemaet' }).first().click()]);
    assert.match(page.url(), /\/nn\/lauvdal-strandheim\/skjema\/samtykke$/);
    let violations = await runAxe(page);
    assert.equal(violations.length, 0, formatViolations(new Map([[page.url(), violations]])));

    // Submitting with a bad date shows the errors and keeps what was typed.
    await page.getByLabel('Namnet til barnet').fill('Åse Ødegård');
    await page.getByLabel('Fødselsdatoen til barnet').fill('31.02.2019');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Lag PDF' }).click()]);
    assert.ok(await page.locator('.ds-error-summary').isVisible(), 'error summary');
    assert.equal(await page.getByLabel('Namnet til barnet').inputValue(), 'Åse Ødegård');
    violations = await runAxe(page);
    assert.equal(violations.length, 0, formatViolations(new Map([[page.url(), violations]])));
    // The summary's link moves focus to the field.
    await page.locator('.ds-error-summary a').first().click();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'felt-fodselsdato');

    await page.getByLabel('Fødselsdatoen til barnet').fill('05.03.2019');
    await page.getByLabel('Den som samtykkjer').fill('Kåre Ødegård');
    await page.getByLabel('Kva samarbeidet gjeld').fill('Språk og trivsel i barnehagen');
    await page.getByLabel('Tenester som kan samarbeide').fill('Barnehagen\nPPT');
    await page.getByLabel('Eg veit at eg kan trekkje samtykket tilbake når som helst.').check();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Lag PDF' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'samtykke.pdf');
    const pdf = readFileSync(await download.path());
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    assert.ok(pdf.length > 5000, `a real PDF (${pdf.length} bytes)`);
  });
});
