import type { SecretKind } from '../../runtime/secret-names.ts';

/** A variable's value or a connection's stored text, and where it was found. */
export interface SecretEntry {
  readonly name: string;
  readonly text: string;
  readonly where: string;
}

/**
 * Where `airstep variables` / `airstep connections` read and write: the project's files (local-secret-store.ts) or
 * the deployed stack's SSM and Secrets Manager paths (cloud-secret-store.ts). One port, two adapters, so the
 * commands are written once.
 */
export interface SecretStore {
  /** For messages: `airstep.secrets.json`, `stack AirstepStack (airstep/AirstepStack)`. */
  readonly place: string;
  /** Every place `get` looks for the name, for the message when it is nowhere. */
  lookedIn(kind: SecretKind, name: string): string;
  /** The value task code would read, and where from (locally, the first place in order of precedence). */
  get(kind: SecretKind, name: string): Promise<SecretEntry | undefined>;
  /** Stores `text` (a variable's value, or a connection in Airflow's JSON form); answers where it went. */
  set(kind: SecretKind, name: string, text: string): Promise<string>;
  /** False when there was nothing to delete. */
  delete(kind: SecretKind, name: string): Promise<boolean>;
  list(kind: SecretKind): Promise<ReadonlyArray<{ readonly name: string; readonly where: string }>>;
}
