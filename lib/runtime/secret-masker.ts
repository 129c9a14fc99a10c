/**
 * Replaces the secrets one try has read with `***` in what leaves it (log lines, its error), as Airflow's
 * `SecretsMasker` does. Each secret is also masked in the forms it takes once written out: JSON-escaped (ctx.log
 * writes objects as JSON) and percent-encoded (inside a URI).
 */
export const MASK = '***';

/**
 * Shorter values are not masked, as Airflow's `min_length_masked_secret` (5): masking `abc` everywhere would make
 * every log unreadable while hiding little.
 */
export const MIN_MASKED_LENGTH = 5;

export class SecretMasker {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;

  /** Remembers `value` (and its written-out forms) as a secret; short or non-string values are ignored. */
  add(value: unknown): void {
    if (typeof value !== 'string' || value.length < MIN_MASKED_LENGTH) return;
    const forms = [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)];
    let added = false;
    for (const form of forms) {
      if (!this.secrets.has(form)) {
        this.secrets.add(form);
        added = true;
      }
    }
    if (added) this.pattern = undefined;
  }

  get empty(): boolean {
    return this.secrets.size === 0;
  }

  mask(text: string): string {
    if (this.secrets.size === 0) return text;
    this.pattern ??= new RegExp(
      // Longest first, so a secret that contains another is masked whole.
      [...this.secrets]
        .sort((a, b) => b.length - a.length)
        .map((secret) => secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return text.replace(this.pattern, MASK);
  }

  /** Whether `text` holds any secret (a result that would carry one into XCom). */
  reveals(text: string): boolean {
    return this.mask(text) !== text;
  }
}
