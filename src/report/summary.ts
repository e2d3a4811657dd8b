import * as core from '@actions/core';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setOutput } from './outputs.js';
import { redact } from './redact.js';

/** A job summary in Markdown, scrubbed of secrets when written. */
export class SummaryBuilder {
  private readonly parts: string[] = [];

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

  toMarkdown(): string {
    return redact(this.parts.join('\n'));
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
