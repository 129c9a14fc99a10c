import DOMPurify from 'dompurify';
import { marked } from 'marked';
import { useMemo } from 'preact/hooks';

/**
 * A DAG's or task's `doc` (Markdown, written by whoever wrote the DAG file) rendered as HTML: marked turns it into
 * HTML, DOMPurify keeps only harmless markup (no scripts, no event handlers, no `javascript:` links), and only then
 * does the page insert it.
 */
export function Markdown({ text }: { text: string }) {
  // Once per text: the views ask for their data every 2 s, and the doc rarely changes.
  const html = useMemo(() => DOMPurify.sanitize(marked.parse(text, { async: false, gfm: true })), [text]);
  // Inserted as HTML only after DOMPurify above.
  return <div class="doc" dangerouslySetInnerHTML={{ __html: html }} />;
}
