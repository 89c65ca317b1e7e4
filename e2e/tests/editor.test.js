// The living model's editor, as the demo editor uses it: log in, edit an item in both
// languages, save a draft, preview it, publish it and see the public page change; a
// second editor's stale save gets the conflict page; the history shows the words that
// changed; restoring the old version brings the old text back publicly. Every editor
// page passes axe in bokmål and nynorsk, and the form is used by keyboard.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatViolations, launchBrowser, runAxe } from '../lib/browser.js';
import { startServer } from '../lib/server.js';
import { totp } from '../lib/totp.js';

const PASSWORD = 'demo-passord-saman';
const OLD_SUMMARY = 'Jordmor, helsesykepleiere og lege følger opp gravide, barn og unge fra svangerskapet til fylte 20 år.';
const NEW_SUMMARY = 'Jordmor, helsesykepleiere og lege følger opp gravide, barn, unge og foreldre hver dag.';
const NEW_SUMMARY_NN = 'Jordmor, helsesjukepleiarar og lege følgjer opp gravide, barn, unge og foreldre kvar dag.';

describe('the model editor', () => {
  let server;
  let first;
  let second;
  const violations = new Map();

  before(async () => {
    server = await startServer();
    first = await launchBrowser();
    second = await launchBrowser();
  });

  after(async () => {
    await first?.close();
    await second?.close();
    await server?.stop();
  });

  async function check(page, label) {
    const found = await runAxe(page);
    if (found.length) violations.set(`${label} ${page.url()}`, found);
  }

  async function logIn(page) {
    await page.goto(`${server.origin}/nb/fjordvik/logg-inn`);
    await page.getByLabel('E-postadresse').fill('redaktor@fjordvik.example');
    await page.getByLabel('Passord').fill(PASSWORD);
    await page.getByLabel('Passord').press('Enter');
    await page.waitForURL(/\/nb\/fjordvik\/start$/);
  }

  it('edits, previews, publishes, meets a conflict and restores', { timeout: 240_000 }, async () => {
    const { origin } = server;
    const page = first.page;
    const other = second.page;
    await logIn(page);
    await logIn(other);

    // From the start page to the list, by keyboard.
    await page.getByRole('link', { name: 'Rediger modellen' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/nb\/fjordvik\/rediger$/);
    await check(page, 'editor list');
    await page.getByRole('link', { name: 'Helsestasjon og skolehelsetjeneste' }).click();
    await page.waitForURL(/\/rediger\/innhold\//);
    const editUrl = page.url();
    await check(page, 'editor form');

    // The second editor opens the same item before the first saves.
    await other.goto(editUrl);

    // Both languages side by side; type by keyboard and save with Enter on the button.
    const nb = page.locator('fieldset[lang=nb]');
    const nn = page.locator('fieldset[lang=nn]');
    await nb.getByLabel('Sammendrag').fill(NEW_SUMMARY);
    await nn.getByLabel('Sammendrag').fill(NEW_SUMMARY_NN);
    await page.getByLabel('Kommentar', { exact: true }).fill('Foreldre tas med');
    await page.getByRole('button', { name: 'Lagre utkast' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\?lagret=1$/);
    assert.match(await page.locator('main [role=status]').innerText(), /Lagret som utkast/);
    await check(page, 'editor saved');

    // Not public yet; the preview shows the draft as the public will see it.
    const publicPage = await second.context.newPage();
    await publicPage.goto(`${origin}/nb/fjordvik/innhold/helsestasjon`);
    assert.ok((await publicPage.content()).includes(OLD_SUMMARY));
    await page.getByRole('link', { name: 'Forhåndsvis utkastet' }).click();
    await page.waitForURL(/\/forhandsvisning$/);
    assert.match(await page.locator('.preview-banner').innerText(), /Forhåndsvisning/);
    assert.ok((await page.content()).includes(NEW_SUMMARY));
    await check(page, 'preview');
    await page.getByRole('link', { name: 'Tilbake til redigeringen' }).click();
    await page.waitForURL(editUrl);

    // Publish: the public page changes at once.
    await page.getByRole('button', { name: /^Publiser/ }).click();
    await page.waitForURL(/\?publisert=1$/);
    await publicPage.goto(`${origin}/nb/fjordvik/innhold/helsestasjon`);
    assert.ok((await publicPage.content()).includes(NEW_SUMMARY));
    await publicPage.goto(`${origin}/nn/fjordvik/innhold/helsestasjon`);
    assert.ok((await publicPage.content()).includes(NEW_SUMMARY_NN));

    // The second editor saves the form opened before: the conflict page, input kept.
    await other.locator('fieldset[lang=nb]').getByLabel('Tittel').fill('Helsestasjonen i Fjordvik');
    await other.getByRole('button', { name: 'Lagre utkast' }).click();
    await other.waitForLoadState('load');
    assert.match(await other.locator('h2#conflict-heading').innerText(), /Noen andre har lagret/);
    assert.equal(await other.locator('fieldset[lang=nb]').getByLabel('Tittel').inputValue(), 'Helsestasjonen i Fjordvik');
    assert.ok(await other.locator('.diff-table ins').count() > 0);
    await check(other, 'conflict');

    // The history: the words that changed, marked.
    await page.goto(`${editUrl}/historikk`);
    await check(page, 'history');
    const diff = page.locator('.diff-table');
    const added = (await diff.locator('ins').allInnerTexts()).join(' ');
    const removed = (await diff.locator('del').allInnerTexts()).join(' ');
    assert.match(added, /foreldre hver dag/);
    assert.match(removed, /svangerskapet til fylte 20 år/);

    // Restore the version before: a new draft; publish it and the old text is back.
    await page.getByRole('button', { name: /^Gjenopprett versjon 1$/ }).click();
    await page.waitForURL(/gjenopprettet=1$/);
    assert.match(await page.locator('main [role=status]').innerText(), /Versjon 1 er gjenopprettet/);
    await page.getByRole('button', { name: /^Publiser/ }).click();
    await page.waitForURL(/\?publisert=1$/);
    await publicPage.goto(`${origin}/nb/fjordvik/innhold/helsestasjon`);
    const restored = await publicPage.content();
    assert.ok(restored.includes(OLD_SUMMARY) && !restored.includes(NEW_SUMMARY));

    // A form with problems: the summary at the top links to the field, input kept.
    await page.locator('fieldset[lang=nb]').getByLabel('Tittel').fill('');
    await page.getByLabel('Nettside').fill('javascript:alert(1)');
    await page.getByRole('button', { name: 'Lagre utkast' }).click();
    await page.waitForLoadState('load');
    const summary = page.locator('.ds-error-summary');
    assert.match(await summary.innerText(), /Nettside/);
    assert.equal(await page.getByLabel('Nettside').inputValue(), 'javascript:alert(1)');
    await check(page, 'form with problems');

    // Attach a file: a refused one says why, an accepted one is saved as a draft.
    await page.goto(editUrl);
    await page.setInputFiles('#attachment-file', { name: 'plan.pdf', mimeType: 'application/pdf', buffer: Buffer.from('not a pdf') });
    await page.getByLabel('Tittel på filen (bokmål)').fill('Plan for helsestasjonen');
    await page.getByRole('button', { name: 'Legg ved filen' }).click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('.ds-error-summary').innerText(), /innholdet i filen er ikke det filnavnet sier/);
    assert.equal(await page.getByLabel('Tittel på filen (bokmål)').inputValue(), 'Plan for helsestasjonen');
    await check(page, 'attachment refused');
    await page.setInputFiles('#attachment-file', { name: 'plan.txt', mimeType: 'text/plain', buffer: Buffer.from('Planen i tekst.\n') });
    await page.getByRole('button', { name: 'Legg ved filen' }).click();
    await page.waitForURL(/\?lagret=1$/);
    assert.match(await page.locator('.editor-attachments').innerText(), /plan\.txt/);

    // The pages in nynorsk.
    const id = editUrl.split('/').pop();
    for (const path of ['rediger', 'rediger/ny?type=tjeneste', `rediger/innhold/${id}`, `rediger/innhold/${id}/historikk`, `rediger/innhold/${id}/forhandsvisning`, `rediger/innhold/${id}/slett`]) {
      const res = await page.goto(`${origin}/nn/fjordvik/${path}`);
      assert.equal(res.status(), 200, path);
      assert.equal(res.headers()['cache-control'], 'no-store', path);
      await check(page, path);
    }
    await page.goto(`${origin}/nb/fjordvik/rediger/ny?type=tiltak`);
    await check(page, 'new item');
    // Reviews and the model's health; "still correct" by keyboard.
    for (const lang of ['nb', 'nn']) {
      const res = await page.goto(`${origin}/${lang}/fjordvik/gjennomgang`);
      assert.equal(res.status(), 200);
      await check(page, `review ${lang}`);
    }
    await page.goto(`${origin}/nb/fjordvik/gjennomgang`);
    assert.match(await page.locator('h2#health-heading').innerText(), /Modellens helse/);
    // The demo has items due (the kindergartens' page is overdue).
    assert.match(await page.locator('section[aria-labelledby=due-heading]').innerText(), /Barnehagene/);
    await page.getByRole('button', { name: /^Stemmer fortsatt\W+Barnehagene$/ }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\?bekreftet=1$/);
    assert.match(await page.locator('main [role=status]').innerText(), /Neste gjennomgang/);
    await check(page, 'review confirmed');

    assert.equal(violations.size, 0, formatViolations(violations));
  });

  it('edits a guide: a step by keyboard, its order, publishing', { timeout: 240_000 }, async () => {
    const { origin } = server;
    const page = first.page;
    await page.goto(`${origin}/nb/fjordvik/rediger`);
    await page.getByRole('link', { name: 'Handlingsveileder for skolene' }).click();
    await page.waitForURL(/\/rediger\/veileder\/[0-9a-f-]+$/);
    const guideUrl = page.url();
    await check(page, 'guide editor');

    // Move a step of level 2 up, by keyboard.
    await page.getByRole('button', { name: /^Flytt opp\W+Kall inn til stafettmøte$/ }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\?lagret=1$/);
    const level2 = await page.locator('section[aria-labelledby=level-2-heading] ol').innerText();
    assert.ok(level2.indexOf('Kall inn til stafettmøte') < level2.indexOf('Innhent samtykke'), level2);

    // Edit the step's title, save, publish, and see the public page change.
    await page.getByRole('link', { name: 'Kall inn til stafettmøte' }).click();
    await page.waitForURL(/\/steg\/stafettmote-pa-skolen$/);
    await check(page, 'step editor');
    await page.getByLabel('Tittel').first().fill('Kall inn til stafettmøte i tide');
    await page.getByRole('button', { name: 'Lagre utkast' }).click();
    await page.waitForURL(/\?lagret=1$/);
    await page.getByRole('link', { name: 'Forhåndsvis utkastet' }).click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('main').innerText(), /Kall inn til stafettmøte i tide/);
    await check(page, 'guide preview');
    await page.goto(guideUrl);
    await page.getByRole('button', { name: /^Publiser/ }).click();
    await page.waitForURL(/\?publisert=1$/);
    const publicPage = second.page;
    await publicPage.goto(`${origin}/nb/fjordvik/veileder/skole/steg/stafettmote-pa-skolen`);
    assert.match(await publicPage.locator('h1').innerText(), /Kall inn til stafettmøte i tide/);

    // Every guide and timeline page in both languages.
    const path = guideUrl.replace(`${origin}/nb/fjordvik/`, '');
    await page.goto(`${origin}/nb/fjordvik/rediger`);
    const entry = (await page.locator('table:has(#timeline-caption) a').first().getAttribute('href'))
      .replace('/nb/fjordvik/', '');
    await page.goto(`${origin}/nb/fjordvik/rediger/innstillinger`);
    const settings = page.url().replace(`${origin}/nb/fjordvik/`, '');
    assert.match(settings, /^rediger\/innstillinger\/[0-9a-f-]+$/);
    for (const lang of ['nb', 'nn']) {
      for (const p of [path, `${path}/steg/stafettmote-pa-skolen`, `${path}/steg/ny?niva=1`, `${path}/historikk`, `${path}/slett`, 'rediger/veileder/ny',
        entry, `${entry}/historikk`, `${entry}/forhandsvisning`, 'rediger/tidslinje/ny',
        settings, `${settings}/historikk`, `${settings}/forhandsvisning`]) {
        const res = await page.goto(`${origin}/${lang}/fjordvik/${p}`);
        assert.equal(res.status(), 200, p);
        await check(page, `${lang} ${p}`);
      }
    }
    assert.equal(violations.size, 0, formatViolations(violations));
  });

  it('words a form its own way, and the public form uses it once published', { timeout: 180_000 }, async () => {
    const { origin } = server;
    const page = first.page;
    await page.goto(`${origin}/nb/fjordvik/rediger`);
    // A form still in Saman's words: its wording starts empty, Saman's text beside each field.
    await page.locator('table:has(#forms-caption)').getByRole('link', { name: 'Samtale med barnet' }).click();
    await page.waitForURL(/\/rediger\/skjema\/ny\?skjema=samtale$/);
    await check(page, 'new form wording');
    await page.getByLabel('Tittel (bokmål)').fill('Samtale med eleven');
    await page.getByLabel('Tittel (nynorsk)').fill('Samtale med eleven');
    // Saved from the keyboard: Enter in a one-line field sends the form.
    await page.getByLabel('Tittel (nynorsk)').press('Enter');
    await page.waitForURL(/\/rediger\/skjema\/[0-9a-f-]+\?lagret=1$/);
    const wordingUrl = page.url().replace(/\?lagret=1$/, '');
    await check(page, 'form wording saved');
    const publicPage = second.page;
    await publicPage.goto(`${origin}/nn/fjordvik/skjema/samtale`);
    assert.doesNotMatch(await publicPage.locator('h1').innerText(), /eleven/, 'a draft is not public');
    await page.getByRole('button', { name: /^Publiser/ }).click();
    await page.waitForURL(/\?publisert=1$/);
    await publicPage.goto(`${origin}/nn/fjordvik/skjema/samtale`);
    assert.equal(await publicPage.locator('h1').innerText(), 'Samtale med eleven');

    // Every page of the forms' wording, in both languages, including the demo's own.
    const path = wordingUrl.replace(`${origin}/nb/fjordvik/`, '');
    await page.goto(`${origin}/nb/fjordvik/rediger`);
    const demo = (await page.locator('table:has(#forms-caption)')
      .getByRole('link', { name: 'Samarbeidsmøte og tiltaksplan i Fjordvik' }).getAttribute('href'))
      .replace('/nb/fjordvik/', '');
    for (const lang of ['nb', 'nn']) {
      for (const p of [path, `${path}/historikk`, `${path}/forhandsvisning`, demo, `${demo}/forhandsvisning`,
        'rediger/skjema/ny?skjema=observasjon', 'skjema/tiltaksplan', 'rediger/sok']) {
        const res = await page.goto(`${origin}/${lang}/fjordvik/${p}`);
        assert.equal(res.status(), 200, p);
        await check(page, `${lang} ${p}`);
      }
    }
    assert.equal(violations.size, 0, formatViolations(violations));
  });

  it('shows a Markdown text as the public page will, while it is typed', { timeout: 120_000 }, async () => {
    const { origin } = server;
    const page = first.page;
    await page.goto(`${origin}/nn/fjordvik/rediger/tidslinje/ny`);
    const body = page.locator('#body-nb');
    await body.focus();
    await page.keyboard.type('## Nytt frå skulen\n\n- første\n- andre\n\n<script>alert(1)</script>');
    const preview = page.getByRole('region', { name: 'Førehandsvising: Tekst (bokmål)' });
    await preview.locator('h2', { hasText: 'Nytt frå skulen' }).waitFor();
    assert.equal(await preview.locator('li').count(), 2);
    assert.equal(await preview.locator('script').count(), 0, 'raw HTML is shown as text');
    assert.match(await preview.innerText(), /<script>alert\(1\)<\/script>/);
    await check(page, 'markdown preview');
    assert.equal(violations.size, 0, formatViolations(violations));
  });

  it('copies a shared guide from another municipality as a draft', { timeout: 180_000 }, async () => {
    const { origin } = server;
    const page = second.page;
    await page.context().clearCookies();
    await page.goto(`${origin}/nb/lauvdal-strandheim/logg-inn`);
    await page.getByLabel('E-postadresse').fill('admin@lauvdal-strandheim.example');
    await page.getByLabel('Passord').fill(PASSWORD);
    await page.getByLabel('Passord').press('Enter');
    // Administrators set up two-step login first.
    await page.waitForURL(/\/logg-inn\/totrinn$/);
    const secret = (await page.locator('.totp-secret').innerText()).trim();
    await page.getByRole('textbox', { name: 'Kode' }).fill(totp(secret));
    await page.getByRole('textbox', { name: 'Kode' }).press('Enter');
    await page.waitForLoadState('load');
    await page.getByRole('link', { name: 'Jeg har tatt vare på kodene' }).click();
    await page.waitForURL(/\/nb\/lauvdal-strandheim\/start$/);
    await page.goto(`${origin}/nb/lauvdal-strandheim/rediger`);
    await page.getByRole('link', { name: 'Del modellen, eller bygg på andres' }).click();
    await page.waitForURL(/\/rediger\/deling$/);
    await check(page, 'sharing');
    // Fjordvik offers its model in the demo; copy its school guide, by keyboard.
    await page.getByRole('button', { name: /^Kopier veilederen som utkast\W+Handlingsveileder for skolene/ }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/rediger\/veileder\/[0-9a-f-]+\?kopiert=1$/);
    const main = await page.locator('main').innerText();
    assert.match(main, /Kopiert fra fjordvik/);
    assert.match(main, /Ikke publisert/);
    await check(page, 'copied guide');
    const res = await page.goto(`${origin}/nn/lauvdal-strandheim/rediger/deling`);
    assert.equal(res.status(), 200);
    await check(page, 'sharing nn');
    assert.equal(violations.size, 0, formatViolations(violations));
  });
});
