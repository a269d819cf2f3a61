/**
 * Escaping for text that came from a model or a pull request before it enters Markdown.
 * GitHub renders comments as GFM with a subset of HTML, and turns `@name` into a mention.
 */

const MAX_INLINE = 160;

/** Cuts text to `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/**
 * Plain text on one line, always placed mid-line (a table cell, after a list marker): the
 * characters that act there are escaped (emphasis, code, links, tables, HTML); those that act
 * only at the start of a line (#, -, +, 1.) need not be. Mentions are defused, and so are
 * GFM's bare-URL autolinks (`https://...`, `www.`): text from a model or a pull request shows
 * an address, it does not offer a link to click.
 */
export function escapeText(text: string, max = MAX_INLINE): string {
  return truncate(text.replace(/\s+/g, ' ').trim(), max)
    .replace(/[\\`*_[\]|~<>]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/@(?=\w)/g, '@&#8203;')
    .replace(/\b([a-z][a-z0-9+.-]*)(?=:\/\/)/gi, '$1&#8203;')
    .replace(/\b(www)(?=\.)/gi, '$1&#8203;');
}

/** Text inside an HTML element (e.g. `<summary>`), where Markdown escapes do not apply. */
export function escapeHtml(text: string, max = MAX_INLINE): string {
  return truncate(text.replace(/\s+/g, ' ').trim(), max)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/@(?=\w)/g, '@&#8203;');
}

/**
 * Inline code on one line, safe inside a table cell: the fence is longer than any backtick run
 * in the text, and pipes are escaped (GFM splits cells on `|` even inside code spans).
 */
export function codeSpan(text: string, max = MAX_INLINE): string {
  const flat = truncate(text.replace(/\r?\n/g, '⏎').replace(/\s+/g, ' '), max).replace(
    /\|/g,
    '\\|',
  );
  if (flat.trim() === '') return '` `';
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A fenced code block whose fence cannot be closed by the content. */
export function codeBlock(code: string, language = ''): string {
  const longest = Math.max(0, ...(code.match(/`{3,}/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${code.replace(/\n+$/, '')}\n${fence}`;
}

export function percent(numerator: number, denominator: number): string {
  if (denominator === 0) return '–';
  return `${Math.round((100 * numerator) / denominator)}%`;
}

export function ratio(covered: number, total: number): string {
  return total === 0 ? '–' : `${percent(covered, total)} (${covered}/${total})`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
