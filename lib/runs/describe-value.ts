/** A value a trigger event carried, as a refusal names it: `'text'`, JSON cut to 80 characters, or `nothing`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const short = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return typeof value === 'string' ? `'${short}'` : short;
}
