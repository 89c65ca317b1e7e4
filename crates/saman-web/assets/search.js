// Suggestions under the search field on every page of a tenant, as the ARIA combobox
// pattern (list autocomplete): arrow keys move through the suggestions, Enter opens
// one, Escape closes the list, and a status message tells screen readers how many there
// are. Without JavaScript the field is a plain search form.
'use strict';

(() => {
  const form = document.querySelector('form[data-suggest]');
  const input = form?.querySelector('input[name=q]');
  if (!form || !input) return;
  const endpoint = form.dataset.suggest;

  const list = document.createElement('ul');
  list.id = `${input.id}-suggestions`;
  list.className = 'search-suggestions';
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', form.dataset.suggestLabel || '');
  list.hidden = true;
  const status = document.createElement('p');
  status.className = 'ds-sr-only';
  status.setAttribute('role', 'status');
  form.append(list, status);

  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', list.id);

  let options = [];
  let active = -1;
  let timer;
  let pending;

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };

  const highlight = (index) => {
    options.forEach((option, i) => option.setAttribute('aria-selected', String(i === index)));
    active = index;
    if (index < 0) {
      input.removeAttribute('aria-activedescendant');
    } else {
      input.setAttribute('aria-activedescendant', options[index].id);
      options[index].scrollIntoView({ block: 'nearest' });
    }
  };

  const show = (answer) => {
    list.replaceChildren();
    options = answer.items.map((item, i) => {
      const option = document.createElement('li');
      option.id = `${list.id}-${i}`;
      option.setAttribute('role', 'option');
      option.setAttribute('aria-selected', 'false');
      option.dataset.href = item.href;
      const title = document.createElement('span');
      title.className = 'suggestion-title';
      title.textContent = item.title;
      const kind = document.createElement('span');
      kind.className = 'suggestion-kind';
      kind.textContent = item.kind;
      option.append(title, ' ', kind);
      // mousedown, not click: it comes before the field loses focus and closes the list.
      option.addEventListener('mousedown', (event) => {
        event.preventDefault();
        window.location.assign(item.href);
      });
      return option;
    });
    list.append(...options);
    status.textContent = answer.status;
    active = -1;
    if (options.length > 0) {
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
    } else {
      close();
    }
  };

  const suggest = async () => {
    const text = input.value.trim();
    pending?.abort();
    if (text.length < 2) {
      close();
      status.textContent = '';
      return;
    }
    pending = new AbortController();
    try {
      const response = await fetch(`${endpoint}?q=${encodeURIComponent(text)}`, {
        signal: pending.signal,
        redirect: 'error',
      });
      if (response.ok) show(await response.json());
    } catch {
      // Aborted by newer typing, or offline: the form still searches.
    }
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 200);
  });
  input.addEventListener('keydown', (event) => {
    const open = !list.hidden && options.length > 0;
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      if (!open) {
        suggest();
      } else {
        highlight((active + 1) % options.length);
      }
    } else if (event.key === 'ArrowUp' && open) {
      event.preventDefault();
      highlight(active <= 0 ? options.length - 1 : active - 1);
    } else if (event.key === 'Enter' && open && active >= 0) {
      event.preventDefault();
      window.location.assign(options[active].dataset.href);
    } else if (event.key === 'Escape') {
      if (open) {
        event.preventDefault();
        close();
      } else {
        input.value = '';
      }
    }
  });
  input.addEventListener('blur', close);
})();
