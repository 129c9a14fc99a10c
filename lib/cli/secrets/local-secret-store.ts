import {
  localSecretSources,
  readConfigVariables,
  readSecretsFile,
  SECRETS_FILE,
  writeSecretsFile,
} from '../../local/local-secrets.ts';
import type { SecretKind } from '../../runtime/secret-names.ts';
import type { SecretStore } from './secret-store.ts';

/**
 * The project's own places (lib/local/local-secrets.ts): `get` answers what task code would read (environment,
 * then `airstep.secrets.json`, then `airstep.config.json`); `set` and `delete` change `airstep.secrets.json` only
 * (the config is edited by hand and committed; the environment is the shell's); `list` shows both files.
 */
export function localSecretStore(dir = '.', env: NodeJS.ProcessEnv = process.env): SecretStore {
  const section = (kind: SecretKind) => (kind === 'variable' ? 'variables' : 'connections');
  return {
    place: SECRETS_FILE,
    lookedIn: (kind, name) =>
      localSecretSources(dir, env)
        .flatMap((source) => source.describe(kind, name) ?? [])
        .join(', '),
    get: async (kind, name) => {
      for (const source of localSecretSources(dir, env)) {
        const found = await source.read(kind, name);
        if (found !== undefined) return { name, ...found };
      }
      return undefined;
    },
    set: async (kind, name, text) => {
      const content = await readSecretsFile(dir);
      const values = { ...content[section(kind)], [name]: kind === 'variable' ? text : JSON.parse(text) };
      return writeSecretsFile({ ...content, [section(kind)]: values }, dir);
    },
    delete: async (kind, name) => {
      const content = await readSecretsFile(dir);
      if (!(name in content[section(kind)])) return false;
      const { [name]: _gone, ...rest } = content[section(kind)];
      await writeSecretsFile({ ...content, [section(kind)]: rest }, dir);
      return true;
    },
    list: async (kind) => {
      const inFile = Object.keys((await readSecretsFile(dir))[section(kind)]).map((name) => ({
        name,
        where: SECRETS_FILE,
      }));
      const inConfig =
        kind === 'variable'
          ? Object.keys(await readConfigVariables(dir))
              .filter((name) => !inFile.some((entry) => entry.name === name))
              .map((name) => ({ name, where: 'airstep.config.json' }))
          : [];
      return [...inFile, ...inConfig].sort((a, b) => a.name.localeCompare(b.name));
    },
  };
}
