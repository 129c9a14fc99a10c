import { type SecretKind, secretEnvName } from './secret-names.ts';

/** A variable's value, or a connection's stored text (a URI or Airflow's JSON), and the place it came from. */
export interface StoredSecret {
  readonly text: string;
  /** For messages: `AIRSTEP_CONN_WAREHOUSE`, `airstep.secrets.json`, `SSM /airstep/S/variables/bucket`. */
  readonly where: string;
}

/**
 * One place variables and connections are read from (the environment, the local secrets file, the project config,
 * SSM / Secrets Manager). A try asks the places its worker gives it in order; the first that has the name wins.
 */
export interface SecretSource {
  /** Where this place looks for `kind`, for the message of a name found nowhere; undefined: it holds no such kind. */
  describe(kind: SecretKind, name: string): string | undefined;
  read(kind: SecretKind, name: string): Promise<StoredSecret | undefined>;
}

/** `AIRSTEP_VAR_<NAME>` / `AIRSTEP_CONN_<ID>`, as Airflow's `AIRFLOW_VAR_*` / `AIRFLOW_CONN_*`. */
export function environmentSecrets(env: NodeJS.ProcessEnv = process.env): SecretSource {
  return {
    describe: (kind, name) => secretEnvName(kind, name),
    read: async (kind, name) => {
      const where = secretEnvName(kind, name);
      const text = env[where];
      return text === undefined ? undefined : { text, where };
    },
  };
}
