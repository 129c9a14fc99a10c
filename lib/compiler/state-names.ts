import { createHash } from 'node:crypto';

/**
 * State names derived from task ids: readable, stable, unique and short enough for ASL's 80-character limit
 * once a suffix such as `:upstream_failed` is added. Long ids keep their start and get a short hash.
 */
const MAX_BASE = 60;

export function stateNames(sortedIds: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  const used = new Set<string>();
  for (const id of sortedIds) {
    const safe = id.replace(/[^A-Za-z0-9_.-]/g, '_');
    const base = safe.length <= MAX_BASE ? safe : `${safe.slice(0, MAX_BASE - 8)}~${shortHash(id)}`;
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base.slice(0, MAX_BASE - 4)}~${n}`;
    used.add(name);
    names.set(id, name);
  }
  return names;
}

function shortHash(text: string): string {
  // Not a security use: a short, stable discriminator for truncated names.
  return createHash('sha256').update(text).digest('hex').slice(0, 7);
}
