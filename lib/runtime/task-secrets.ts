import type { Connection } from '../sdk/connection.ts';
import { ConnectionNotFoundError, VariableNotFoundError } from '../sdk/secret-errors.ts';
import { parseConnection } from './parse-connection.ts';
import type { SecretMasker } from './secret-masker.ts';
import { checkSecretName, isSensitiveName, type SecretKind } from './secret-names.ts';
import type { SecretSource, StoredSecret } from './secret-source.ts';

/**
 * `ctx.variable` and `ctx.connection` of one try: asks its worker's places in order, and gives every secret it
 * hands to task code to the try's masker (a connection's password and sensitive extra fields; a variable whose
 * name is sensitive), so the try's log, error and result never carry it.
 */
export class TaskSecrets {
  constructor(
    private readonly sources: readonly SecretSource[],
    private readonly masker: SecretMasker,
  ) {}

  async variable(name: string, defaultValue?: string): Promise<string> {
    checkSecretName('variable', name);
    const found = await this.find('variable', name);
    const value = found?.text ?? defaultValue;
    if (value === undefined) throw new VariableNotFoundError(name, this.lookedIn('variable', name));
    if (isSensitiveName(name)) this.masker.add(value);
    return value;
  }

  async connection(id: string): Promise<Connection> {
    checkSecretName('connection', id);
    const found = await this.find('connection', id);
    if (found === undefined) throw new ConnectionNotFoundError(id, this.lookedIn('connection', id));
    const connection = parseConnection(id, found.text, found.where);
    this.masker.add(connection.password);
    for (const [key, value] of Object.entries(connection.extra)) if (isSensitiveName(key)) this.masker.add(value);
    return connection;
  }

  private async find(kind: SecretKind, name: string): Promise<StoredSecret | undefined> {
    for (const source of this.sources) {
      const found = await source.read(kind, name);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  private lookedIn(kind: SecretKind, name: string): string[] {
    return this.sources.flatMap((source) => source.describe(kind, name) ?? []);
  }
}
