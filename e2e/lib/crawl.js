// Which links the crawl follows.

/** The page's language from its path ("/nb/…" → "nb"), or null. */
export function pathLang(pathname) {
  const m = /^\/(nb|nn)(\/|$)/.exec(pathname);
  return m ? m[1] : null;
}

/**
 * The crawlable form of `href` (absolute, without fragment), or null when the link is
 * not an HTML page of this site under /nb or /nn: other origins, mailto:/tel:, static
 * files under /assets/ and /logo/, and attachments under …/filer/….
 */
export function crawlable(href, origin) {
  let url;
  try {
    url = new URL(href, origin);
  } catch {
    return null;
  }
  if (url.origin !== origin) return null;
  url.hash = '';
  const path = url.pathname;
  if (!pathLang(path)) return null;
  if (path.startsWith('/assets/') || path.startsWith('/logo/') || /\/filer(\/|$)/.test(path)) return null;
  return url.href;
}

/** "nb/fjordvik" for /nb/fjordvik/…, "nb" for the platform's front page. */
export function section(pathname) {
  const parts = pathname.split('/').filter(Boolean);
  return parts.slice(0, 2).join('/');
}
