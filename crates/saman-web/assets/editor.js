// The editor's live Markdown preview: under each Markdown text, the text as the public
// page will show it, rendered by the server with the public site's own renderer and
// rules. The editor works the same without it; "Forhåndsvis" shows the whole draft.
'use strict';

(() => {
  const fields = document.querySelectorAll('textarea[data-markdown-preview]');
  if (fields.length === 0) return;
  const csrf = fields[0].form?.querySelector('input[name=csrf]')?.value;
  const [, lang, tenant] = window.location.pathname.split('/');
  if (!csrf || !lang || !tenant) return;
  const endpoint = `/${lang}/${tenant}/rediger/markdown`;

  fields.forEach((field) => {
    const region = document.createElement('section');
    region.className = 'markdown-preview';
    region.setAttribute('aria-labelledby', `${field.id}-preview-label`);
    const label = document.createElement('p');
    label.className = 'ds-paragraph markdown-preview-label';
    label.id = `${field.id}-preview-label`;
    label.textContent = field.dataset.markdownPreview;
    const body = document.createElement('div');
    body.className = 'prose';
    // The text is in the field's language, which the field's column says.
    const language = field.closest('[lang]')?.getAttribute('lang');
    if (language) body.lang = language;
    region.append(label, body);
    field.after(region);

    let timer;
    let latest = 0;
    const render = async () => {
      const request = ++latest;
      try {
        const response = await fetch(endpoint, {
          method: 'POST',
          credentials: 'same-origin',
          // Signed out, the server sends the login page: keep the last preview instead.
          redirect: 'error',
          body: new URLSearchParams({ csrf, text: field.value }),
        });
        const html = await response.text();
        // Only the answer to the newest text is shown. The server sanitises it as it
        // does every public page.
        if (response.ok && request === latest) body.innerHTML = html;
      } catch {
        // Offline or signed out: the last preview stays; saving still works.
      }
    };
    field.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(render, 400);
    });
    render();
  });
})();
