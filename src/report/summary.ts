import * as core from '@actions/core';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setOutput } from './outputs.js';
import { redact } from './redact.js';

/**
 * The most characters a summary may have: a pull-request comment holds 65,536 (GitHub's limit on
 * an issue comment body), and the comment step adds its own marker line (the sticky comment's
 * header) and perhaps a line of its own; a step summary holds 1 MiB, far more.
 */
export const SUMMARY_LIMIT = 64_000;

/** Pieces that are kept whole or left out, in order, as many as fit. */
interface Cuttable {
  pieces: string[];
  leftOut: (count: number, total: number) => string;
}

/** A job summary in Markdown, scrubbed of secrets when written. */
export class SummaryBuilder {
  private readonly parts: (string | Cuttable)[] = [];

  heading(text: string, level: 2 | 3 = 2): this {
    this.parts.push(`${'#'.repeat(level)} ${text}\n`);
    return this;
  }

  paragraph(text: string): this {
    this.parts.push(`${text}\n`);
    return this;
  }

  list(items: string[]): this {
    if (items.length > 0) this.parts.push(`${items.map((item) => `- ${item}`).join('\n')}\n`);
    return this;
  }

  table(header: string[], rows: string[][]): this {
    if (rows.length === 0) return this;
    const line = (cells: string[]) => `| ${cells.map((cell) => cell.replace(/\|/g, '\\|').replace(/\n/g, ' ')).join(' | ')} |`;
    this.parts.push([line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n') + '\n');
    return this;
  }

  codeBlock(language: string, text: string, collapsedTitle?: string): this {
    const block = `\`\`\`${language}\n${text.trimEnd()}\n\`\`\`\n`;
    this.parts.push(collapsedTitle ? `<details><summary>${collapsedTitle}</summary>\n\n${block}\n</details>\n` : block);
    return this;
  }

  /**
   * Pieces (e.g. one collapsed diff per object) that the summary carries as far as they fit in
   * SUMMARY_LIMIT with everything else: cut between pieces, never inside one, and `leftOut` says
   * how many were left out and where the rest is.
   */
  cuttable(pieces: string[], leftOut: (count: number, total: number) => string): this {
    if (pieces.length > 0) this.parts.push({ pieces, leftOut });
    return this;
  }

  toMarkdown(): string {
    const fixed = this.parts.filter((part): part is string => typeof part === 'string').map(redact);
    // Parts are joined by one newline each.
    let room = SUMMARY_LIMIT - fixed.reduce((sum, part) => sum + part.length + 1, 0);
    let next = 0;
    const out = this.parts.map((part) => {
      if (typeof part === 'string') return fixed[next++]!;
      const pieces = part.pieces.map(redact);
      const note = (count: number) => `${redact(part.leftOut(count, pieces.length))}\n`;
      const kept: string[] = [];
      for (const [index, piece] of pieces.entries()) {
        const rest = pieces.length - index - 1;
        // Keep room for the note that would follow if a later piece does not fit.
        if (piece.length + 1 + (rest > 0 ? note(rest).length + 1 : 0) > room) break;
        kept.push(piece);
        room -= piece.length + 1;
      }
      if (kept.length < pieces.length) {
        kept.push(note(pieces.length - kept.length));
        room -= kept[kept.length - 1]!.length + 1;
      }
      return kept.join('\n');
    });
    return out.join('\n');
  }

  /**
   * Appends to the step summary when the runner provides one (GITHUB_STEP_SUMMARY), and writes the
   * same Markdown to a file whose path is the `summary-file` output: the step summary file is the
   * step's own, so a later step (a PR comment) reads this copy.
   */
  async write(directory: string): Promise<string> {
    const markdown = this.toMarkdown();
    const file = join(directory, 'summary.md');
    writeFileSync(file, markdown, { mode: 0o600 });
    setOutput('summary-file', file);
    if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown, true).write();
    return file;
  }
}

export function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}
