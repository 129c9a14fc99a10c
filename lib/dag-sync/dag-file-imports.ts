import { builtinModules } from 'node:module';

const BUILTINS = new Set(builtinModules);

/** Module specifiers a DAG file imports (static imports, re-exports and dynamic `import('…')` with a literal). */
function importedSpecifiers(source: string): string[] {
  const found = new Set<string>();
  const patterns = [
    /\bimport\s+(?:type\s+)?(?:[\w*{}\s,$]+\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bexport\s+(?:type\s+)?[\w*{}\s,$]*\s+from\s+['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.add(match[1]!);
  return [...found].sort();
}

/**
 * What a DAG file synced on its own may import: the Airstep SDK, the AWS SDK v3 and Node built-ins (they exist
 * where the DAG runs). Anything else — a relative helper, an npm package — must be bundled into the file first.
 * Returns the message for each refused import.
 */
export function refusedImports(source: string): string[] {
  return importedSpecifiers(source)
    .filter(
      (specifier) =>
        specifier !== 'airstep' &&
        !specifier.startsWith('@aws-sdk/') &&
        !specifier.startsWith('node:') &&
        !BUILTINS.has(specifier),
    )
    .map(
      (specifier) =>
        `imports '${specifier}', which a DAG file synced on its own cannot: only 'airstep', '@aws-sdk/*' and Node ` +
        'built-ins are available. Bundle the file with its imports first: `airstep sync` uploads a bundle',
    );
}
