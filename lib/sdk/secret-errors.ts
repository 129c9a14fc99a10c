import { AirstepError } from '../errors/airstep-error.ts';

/**
 * `ctx.variable(name)` found no value in any place it looks (and no default was given), as Airflow's
 * `Variable.get` raises `KeyError`. The message lists where it looked, so the fix is in the message.
 */
export class VariableNotFoundError extends AirstepError {
  override readonly name = 'VariableNotFoundError';
  readonly variable: string;

  constructor(variable: string, lookedIn: readonly string[]) {
    super(`variable '${variable}' is not set (looked in ${lookedIn.join(', ')})`, { code: 'VARIABLE_NOT_FOUND' });
    this.variable = variable;
  }
}

/** `ctx.connection(id)` found no connection of that id, as Airflow's `get_connection` raises `AirflowNotFoundException`. */
export class ConnectionNotFoundError extends AirstepError {
  override readonly name = 'ConnectionNotFoundError';
  readonly connectionId: string;

  constructor(connectionId: string, lookedIn: readonly string[]) {
    super(`connection '${connectionId}' is not defined (looked in ${lookedIn.join(', ')})`, {
      code: 'CONNECTION_NOT_FOUND',
    });
    this.connectionId = connectionId;
  }
}

/** A stored connection that is neither a URI nor Airflow's JSON form; names where it was read and the field. */
export class InvalidConnectionError extends AirstepError {
  override readonly name = 'InvalidConnectionError';
  readonly connectionId: string;

  constructor(connectionId: string, where: string, reason: string) {
    super(`connection '${connectionId}' (${where}): ${reason}`, { code: 'INVALID_CONNECTION' });
    this.connectionId = connectionId;
  }
}

/** A variable name or connection id that cannot be stored under the stack's prefix or read from the environment. */
export class InvalidSecretNameError extends AirstepError {
  override readonly name = 'InvalidSecretNameError';

  constructor(kind: 'variable' | 'connection', name: string) {
    super(
      `${kind} ${kind === 'variable' ? 'name' : 'id'} '${name}' must be 1-128 letters, digits, _ . or - (it names an SSM parameter or a secret, and an environment variable)`,
      { code: 'INVALID_SECRET_NAME' },
    );
  }
}
