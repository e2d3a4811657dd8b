import { encodedForms, registerSecret } from '../report/redact.js';

/**
 * The secret values a change report must hide, known rather than guessed: the values of the
 * inputs that are secrets, what the action's Secrets hold on the cluster now (generated keys, and
 * input keys before the inputs replace them), and values the chart writes into its own Secrets. A
 * report shows text around them (a Redis URL's host, port and database stay readable) with the
 * value replaced by a marker saying whether it changes. Secret objects' data is hidden whole by
 * the report itself, whatever this knows.
 */
export const SECRET_SHOWN = '(secret)';
export const SECRET_CHANGED = '(secret, changed)';

/** Shorter forms would match ordinary text: a 3-character base64 fragment is everywhere. */
const MIN_FORM_LENGTH = 4;

export interface KnownSecret {
  /** Where the value lives, for the report: "Secret registry-harbor-tke-redis, key REDIS_PASSWORD". */
  source: string;
  /**
   * The cluster holds this value now and the deploy replaces it (an input changed): every copy of
   * it the chart rendered (the Redis password in a ConfigMap's URL) changes with the deploy too.
   */
  replaced: boolean;
}

interface Form {
  text: string;
  secret: KnownSecret;
}

export class SecretKnowledge {
  private forms: Form[] = [];

  /** Knows `value` (in every encoding a chart or a report may give it) and registers it with redact(). */
  add(value: string | undefined, secret: KnownSecret): void {
    if (!value) return;
    registerSecret(value);
    const added = [...new Set(encodedForms(value))].filter((form) => form.length >= MIN_FORM_LENGTH).map((text) => ({ text, secret }));
    // Longest first, so a secret that contains another is replaced whole.
    this.forms = [...this.forms, ...added].sort((a, b) => b.text.length - a.text.length);
  }

  /** The replaced values `text` holds a copy of, by source. */
  replacedIn(text: string): string[] {
    return [...new Set(this.forms.filter((form) => form.secret.replaced && text.includes(form.text)).map((form) => form.secret.source))];
  }

  holdsAny(text: string): boolean {
    return this.forms.some((form) => text.includes(form.text));
  }

  /**
   * `text` with every known secret replaced by a marker. On the `after` side (what a deploy
   * writes), a value that the deploy replaces is marked changed, and `changed` marks every one.
   */
  mask(text: string, side: 'before' | 'after', changed = false): string {
    let result = text;
    for (const form of this.forms) {
      if (!result.includes(form.text)) continue;
      const marker = side === 'after' && (changed || form.secret.replaced) ? SECRET_CHANGED : SECRET_SHOWN;
      result = result.split(form.text).join(marker);
    }
    return result;
  }
}
