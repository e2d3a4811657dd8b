/**
 * A job summary (GitHub-flavoured Markdown) as plain terminal text: headings underlined, tables
 * in aligned columns, <details> blocks opened, long code blocks cut short. Enough for the
 * summaries the action writes; not a Markdown parser.
 */
export interface TerminalStyle {
  bold(text: string): string;
  dim(text: string): string;
}

export const ansiStyle: TerminalStyle = { bold: (text) => `\x1b[1m${text}\x1b[22m`, dim: (text) => `\x1b[2m${text}\x1b[22m` };
export const plainStyle: TerminalStyle = { bold: (text) => text, dim: (text) => text };

const MAX_CODE_LINES = 30;

function inline(text: string, style: TerminalStyle): string {
  return text
    .replace(/<br\s*\/?>/g, ' ')
    .replace(/<\/?[a-z][^>]*>/gi, '')
    .replace(/\*\*([^*]+)\*\*/g, (_, bold: string) => style.bold(bold))
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]+\)/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

// ANSI styling has no width on screen.
const ANSI_SEQUENCE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const visibleLength = (text: string): number => text.replace(ANSI_SEQUENCE, '').length;

function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

function table(rows: string[], style: TerminalStyle, indent: string): string[] {
  const parsed = rows.filter((row) => !/^\s*\|?\s*:?-{2,}/.test(row)).map((row) => cells(row).map((cell) => inline(cell, style)));
  const widths: number[] = [];
  for (const row of parsed) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return parsed.map((row, r) => {
    const line = row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleLength(cell)))).join('  ');
    return indent + (r === 0 ? style.bold(line) : line);
  });
}

export function markdownToTerminal(markdown: string, style: TerminalStyle = plainStyle, indent = '  '): string {
  const lines = markdown.replace(/\r/g, '').split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^\s*(```|~~~)/.exec(line);
    if (fence) {
      const code: string[] = [];
      while (++i < lines.length && !lines[i]!.trimStart().startsWith(fence[1]!)) code.push(lines[i]!);
      for (const codeLine of code.slice(0, MAX_CODE_LINES)) out.push(`${indent}  ${style.dim(codeLine)}`);
      if (code.length > MAX_CODE_LINES) out.push(`${indent}  ${style.dim(`… ${code.length - MAX_CODE_LINES} more lines`)}`);
      continue;
    }
    if (line.trimStart().startsWith('|')) {
      const rows = [line];
      while (i + 1 < lines.length && lines[i + 1]!.trimStart().startsWith('|')) rows.push(lines[++i]!);
      out.push(...table(rows, style, indent));
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const text = inline(heading[2]!, style);
      if (out.length > 0 && out.at(-1) !== '') out.push('');
      out.push(indent + style.bold(text), indent + (heading[1]!.length <= 2 ? '═' : '─').repeat(visibleLength(text)));
      continue;
    }
    const summary = /<summary>(.*)<\/summary>/i.exec(line);
    if (summary) {
      out.push(`${indent}${style.bold(inline(summary[1]!, style))}:`);
      continue;
    }
    if (/^\s*<\/?details[^>]*>\s*$/i.test(line)) continue;
    const text = inline(line, style);
    if (text.trim() === '' && out.at(-1) === '') continue;
    out.push(text.trim() === '' ? '' : indent + text);
  }
  return out.join('\n').replace(/^\n+|\n+$/g, '');
}
