// The relay log from the browser, as the "done means" walks it: an employee
// opens a log; the guardian logs in through the test ID-porten and consents; the
// holder writes a goal, a measure and an evaluation; the youth writes in "my voice";
// the baton passes and is accepted; the guardian withdraws consent for one service and
// reads the access log; the log moves to an individual plan and is closed, and its
// PDF/A is downloaded. Every page on the way is checked with axe, in bokmål and
// nynorsk, and the forms are sent from the keyboard.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatViolations, launchBrowser, runAxe } from '../lib/browser.js';
import { startServer } from '../lib/server.js';
import { totp } from '../lib/totp.js';

const PASSWORD = 'demo-passord-saman';

describe('the relay log', () => {
  let server;
  const browsers = [];
  const violations = new Map();

  before(async () => {
    server = await startServer();
  });

  after(async () => {
    for (const b of browsers) await b.close();
    await server?.stop();
  });

  async function open() {
    const b = await launchBrowser();
    browsers.push(b);
    return b.page;
  }

  async function check(page, label) {
    const found = await runAxe(page);
    if (found.length) violations.set(`${label} ${page.url()}`, found);
  }

  /** Logs a demo employee in, setting up two-step login on the way. */
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

  /** Logs a demo family member in through the test ID-porten. */
  async function familyLogin(page, name) {
    await page.goto(`${server.origin}/nb/fjordvik/logg-inn`);
    await page.getByRole('link', { name: 'Logg inn med test-ID-porten (demo)' }).click();
    await page.getByLabel(name).check();
    await page.getByLabel('Høyt (som BankID)').check();
    await page.getByRole('button', { name: 'Logg inn' }).click();
    await page.waitForURL(/\/nb\/fjordvik\/start$/);
  }

  /**
   * Opens a form, fills it, and sends it with Enter on its button: a form in its
   * <details> on the log page, or, for what is done seldom, the page of its own that
   * the log page links to (followed by keyboard, and checked with axe).
   */
  async function send(page, name, fill, button) {
    const details = page.locator('details', { has: page.locator('summary', { hasText: name }) });
    let form = details;
    if (await details.count()) {
      await details.locator('summary').click();
    } else {
      await press(page, page.locator('main').getByRole('link', { name, exact: true }));
      assert.equal(await page.locator('h1').innerText(), name);
      await check(page, name);
      form = page.locator('main form');
    }
    await fill(form);
    const submit = button
      ? form.getByRole('button', { name: button })
      : form.locator('button[type=submit]').last();
    await press(page, submit);
  }

  /** Sends a form with Enter on `button`, and waits for the page that answers. */
  async function press(page, button) {
    await button.focus();
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
  }

  async function status(page) {
    return page.locator('main [role=status]').innerText();
  }

  it('lives from opening to archive, by keyboard, and every page passes axe', { timeout: 300_000 }, async () => {
    const { origin } = server;
    const holder = await open();
    await staffLogin(holder, 'ansatt@fjordvik.example');

    // "My logs": the demo's logs, what needs doing first, in both languages.
    await holder.getByRole('link', { name: 'Stafettlogger' }).first().click();
    await holder.waitForURL(/\/stafettlogg$/);
    assert.match(await holder.locator('main').innerText(), /evaluering er forfalt/);
    await check(holder, 'my logs');
    await holder.goto(`${origin}/nn/fjordvik/stafettlogg`);
    await check(holder, 'my logs nn');
    await holder.goto(`${origin}/nb/fjordvik/stafettlogg/ny`);
    await check(holder, 'new log');

    // An empty form comes back with its problems, then the log is opened.
    await holder.locator('#child-name').fill('Mia Fiktiv');
    await Promise.all([holder.waitForNavigation({ waitUntil: 'load' }), holder.locator('#child-birth').press('Enter')]);
    assert.match(await holder.locator('.ds-error-summary').innerText(), /Fyll ut dette feltet/);
    assert.equal(await holder.locator('#child-name').inputValue(), 'Mia Fiktiv');
    await check(holder, 'new log with problems');
    await holder.locator('#child-birth').fill('01.06.2014');
    await holder.locator('#guardian-1-name').fill('Hanne Haugland');
    await holder.locator('#guardian-1-pid').fill('15898512379');
    await holder.locator('#concern').fill('(Fiktivt eksempel.) Mia har vondt i magen før skolen.');
    await holder.locator('#holder-service-skolene').check();
    await holder.locator('#services-ppt').check();
    await holder.locator('#services-helsestasjon').check();
    await holder.getByRole('button', { name: 'Opprett og be om samtykke' }).focus();
    await holder.keyboard.press('Enter');
    await holder.waitForURL(/\/stafettlogg\/[0-9a-f-]{36}$/);
    const log = new URL(holder.url()).pathname;
    assert.match(await holder.locator('main').innerText(), /Venter på samtykke/);
    await check(holder, 'draft log');

    // The guardian logs in with the test ID-porten and consents.
    const guardian = await open();
    await familyLogin(guardian, 'Hanne Haugland');
    await guardian.getByRole('link', { name: 'Stafettlogger' }).click();
    await check(guardian, 'family logs');
    await guardian.getByRole('link', { name: 'Mia Fiktiv' }).click();
    assert.match(await guardian.locator('main').innerText(), /Samtykke venter på deg/);
    await check(guardian, 'consent waiting');
    await press(guardian, guardian.getByRole('button', { name: 'Jeg samtykker', exact: true }));
    assert.match(await status(guardian), /Samtykket er registrert/);
    await check(guardian, 'consent given');

    // The holder writes a goal, a measure and an evaluation.
    await holder.goto(`${origin}${log}`);
    await send(holder, 'Legg til mål', (d) => d.locator('#goal-text').fill('Mia gleder seg til skolen'));
    assert.match(await status(holder), /Innslaget er lagret/);
    await send(holder, 'Legg til tiltak', async (d) => {
      await d.locator('#measure-text').fill('Rolig start på dagen med kontaktlærer');
      await d.locator('#measure-responsible').fill('Kontaktlærer');
      await d.locator('#measure-starts').fill('2026-11-01');
      await d.locator('#measure-evaluate').fill('2026-12-15');
    });
    await send(holder, 'Legg til evaluering', async (d) => {
      await d.locator('#evaluation-achieved-partly').check();
      await d.locator('#evaluation-text').fill('Bedre de fleste dager');
    });
    assert.match(await holder.locator('main').innerText(), /Delvis nådd/);
    await check(holder, 'active log');

    // What is done now and then has a page of its own, linked from the log: the level
    // changes; a participant's form comes back on its page with its problem and input.
    await send(holder, 'Endre nivå', (d) => d.locator('#level-3').check());
    assert.match(await status(holder), /Nivået er endret/);
    assert.match(await holder.locator('.relay-entries').innerText(), /→ Nivå 3/);
    await send(holder, 'Legg til deltaker', (d) => d.locator('#participant-email').fill('ingen@fjordvik.example'));
    assert.equal(await holder.locator('h1').innerText(), 'Legg til deltaker');
    assert.match(await holder.locator('.ds-error-summary').innerText(), /Fant ingen aktiv ansatt/);
    assert.equal(await holder.locator('#participant-email').inputValue(), 'ingen@fjordvik.example');
    await check(holder, 'participant with problems');
    await holder.goto(`${origin}${log.replace('/nb/', '/nn/')}/samtykke/papir`);
    await check(holder, 'paper consent nn');
    await holder.goto(`${origin}${log.replace('/nb/', '/nn/')}`);
    await check(holder, 'active log nn');

    // The youth writes in "my voice" in his own log (the demo's), and sees only that.
    const youth = await open();
    await familyLogin(youth, 'Tobias Haugland');
    await youth.getByRole('link', { name: 'Stafettlogger' }).click();
    await youth.locator('main').getByRole('link', { name: 'Tobias Haugland' }).click();
    await youth.locator('#voice-text').fill('Jeg vil gjerne ha fast plass i klasserommet');
    await press(youth, youth.getByRole('button', { name: 'Lagre', exact: true }));
    const youthView = await youth.locator('main').innerText();
    assert.match(youthView, /fast plass i klasserommet/);
    assert.doesNotMatch(youthView, /sover dårlig/, 'the 13-year-old does not read the concern');
    await check(youth, 'my voice');

    // The baton passes to the health station's leader, who accepts it.
    await holder.goto(`${origin}${log}`);
    await send(holder, 'Overlever stafetten', (d) => d.locator('#handover-email').fill('leder@fjordvik.example'));
    assert.match(await holder.locator('main').innerText(), /Stafetten er sendt til Liv Lunde/);
    const leader = await open();
    await staffLogin(leader, 'leder@fjordvik.example');
    await leader.goto(`${origin}/nb/fjordvik/stafettlogg`);
    assert.match(await leader.locator('main').innerText(), /stafetten venter på deg/);
    await leader.getByRole('link', { name: 'Mia Fiktiv' }).click();
    await check(leader, 'handover waiting');
    await press(leader, leader.getByRole('button', { name: 'Ta imot stafetten' }));
    assert.match(await status(leader), /Stafetten er overlevert/);

    // Her service's overview: the logs held in it counted, those it may read listed.
    await leader.goto(`${origin}/nb/fjordvik/stafettlogg`);
    await press(leader, leader.getByRole('link', { name: /Logger i tjenesten din/ }));
    const overview = await leader.locator('main').innerText();
    assert.match(overview, /Liv Lunde/);
    assert.match(overview, /Tobias Haugland/);
    await check(leader, 'service overview');
    await leader.goto(`${origin}/nn/fjordvik/stafettlogg/oversikt`);
    await check(leader, 'service overview nn');

    // The guardian withdraws consent for PPT, and reads who read the log.
    await guardian.goto(`${origin}${log}`);
    await send(
      guardian,
      'Trekk tilbake samtykke',
      (d) => d.locator('#withdraw-ppt').check(),
      'Trekk for valgte tjenester',
    );
    assert.match(await status(guardian), /Samtykket er trukket tilbake/);
    await guardian.getByRole('link', { name: 'Tilgangslogg' }).click();
    const access = await guardian.locator('main table').innerText();
    assert.match(access, /Emil Eide/);
    assert.match(access, /Liv Lunde/);
    assert.match(access, /leste loggen/);
    assert.match(access, /trakk tilbake samtykke/);
    await check(guardian, 'access log');
    await guardian.goto(`${origin}${log.replace('/nb/', '/nn/')}/tilgangslogg`);
    await check(guardian, 'access log nn');

    // An individual plan, with a consent that covers it, and the history kept.
    await leader.goto(`${origin}${log}`);
    await send(leader, 'Be om nytt samtykke', async (d) => {
      await d.locator('#consent-request-covers').fill('Samarbeid om Mia, også i individuell plan');
      await d.locator('#consent-request-plan').check();
    });
    await guardian.goto(`${origin}${log}`);
    await press(guardian, guardian.getByRole('button', { name: 'Jeg samtykker', exact: true }));
    await leader.goto(`${origin}${log}`);
    await send(leader, 'Flytt til individuell plan', (d) => d.locator('#plan-email').fill('ansatt@fjordvik.example'));
    assert.match(await status(leader), /individuell plan/);
    assert.match(await leader.locator('main').innerText(), /Mia gleder seg til skolen/);
    await check(leader, 'individual plan');

    // Closing, and the archive.
    await send(leader, 'Avslutt loggen', async (d) => {
      await d.locator('#close-reason-goal-reached').check();
      await d.locator('#close-note').fill('Mia trives og går på skolen');
    });
    assert.match(await status(leader), /avsluttet/);
    await check(leader, 'closed log');
    const pdf = await leader.request.get(`${origin}${log}/arkiv`);
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()['content-type'], 'application/pdf');
    assert.ok((await pdf.body()).subarray(0, 5).toString() === '%PDF-');

    assert.equal(violations.size, 0, `axe violations:\n${formatViolations(violations)}`);
  });
});
