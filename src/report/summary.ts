import * as core from '@actions/core';
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

  /** Appends to the step summary when the runner provides one (GITHUB_STEP_SUMMARY). */
  async write(): Promise<void> {
    if (!process.env.GITHUB_STEP_SUMMARY) return;
    await core.summary.addRaw(this.toMarkdown(), true).write();
  }
}

export function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}
