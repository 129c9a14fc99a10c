import type { Command } from 'commander';
import { AirstepError } from '../../errors/airstep-error.ts';
import { parseConnection, storedConnection } from '../../runtime/parse-connection.ts';
import { MASK } from '../../runtime/secret-masker.ts';
import { checkSecretName, isSensitiveName, type SecretKind } from '../../runtime/secret-names.ts';
import type { Connection } from '../../sdk/connection.ts';
import { type CloudStackOptions, cloudStackOptions, resolveCloudStack, wantsCloud } from '../cloud-stack.ts';
import { colours, EXIT, printJson } from '../output.ts';
import { refuser } from '../run-input.ts';
import { localSecretStore } from './local-secret-store.ts';
import type { SecretStore } from './secret-store.ts';

type Options = CloudStackOptions & { json?: boolean; reveal?: boolean; default?: string };

/**
 * `airstep variables get|set|list|delete` and `airstep connections get|set|list|delete`, as Airflow's commands of
 * the same names: on the project's files, or with `--stack` / `--outputs` on the deployed stack's SSM and Secrets
 * Manager paths. `connections get` shows the password (and sensitive extra fields) as `***` unless `--reveal`.
 */
export function registerSecretCommands(program: Command, kind: SecretKind): void {
  const noun = kind === 'variable' ? 'variables' : 'connections';
  const what = kind === 'variable' ? '<name>' : '<id>';
  const group = program
    .command(noun)
    .description(
      kind === 'variable'
        ? 'Variables task code reads with ctx.variable (local files, or the stack with --stack)'
        : 'Connections task code reads with ctx.connection (local files, or the stack with --stack)',
    );
  const sub = (name: string, description: string) =>
    cloudStackOptions(group.command(name).description(description)).option('--json', 'print one JSON document');

  const get = sub('get', `print a ${kind} and where it was found`).argument(what);
  if (kind === 'variable') get.option('--default <value>', 'print this when the variable is set nowhere (exit 0)');
  else get.option('--reveal', 'print the password and sensitive extra fields instead of ***');
  get.action((name: string, options: Options) => run(kind, options, (store) => getOne(kind, store, name, options)));

  sub('set', `store a ${kind}${kind === 'connection' ? ' (a URI or Airflow JSON)' : ''}`)
    .argument(what)
    .argument(kind === 'variable' ? '<value>' : '<uri-or-json>', '`-` reads it from stdin (kept out of shell history)')
    .action((name: string, value: string, options: Options) =>
      run(kind, options, async (store) =>
        setOne(kind, store, name, value === '-' ? await readStdin() : value, options),
      ),
    );
  sub('list', `list the ${noun} and where each is kept`).action((options: Options) =>
    run(kind, options, (store) => listAll(kind, store, options)),
  );
  sub('delete', `delete a ${kind}`)
    .argument(what)
    .action((name: string, options: Options) => run(kind, options, (store) => deleteOne(kind, store, name, options)));
}

async function run(kind: SecretKind, options: Options, act: (store: SecretStore) => Promise<number>): Promise<void> {
  const refuse = refuser(options.json, colours(process.stderr).red);
  let store: SecretStore;
  if (wantsCloud(options)) {
    const stack = await resolveCloudStack(options);
    if (!stack.ok) {
      process.exitCode = refuse(stack.message);
      return;
    }
    // The AWS clients load only when the deployed stack is asked.
    const { cloudSecretStore } = await import('./cloud-secret-store.ts');
    store = cloudSecretStore(stack.value.secretsPrefix, stack.value.source);
  } else store = localSecretStore();
  try {
    process.exitCode = await act(store);
  } catch (error) {
    // A malformed file, a bad name or connection, a refused AWS call: one line, naming it.
    if (!(error instanceof AirstepError) && !isAwsError(error)) throw error;
    process.exitCode = refuse(`${kind}s: ${(error as Error).message}`);
  }
}

/** The value piped in (`… set token - < token.txt`), without the final newline a file or `echo` adds. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

const isAwsError = (error: unknown) => typeof (error as { $metadata?: unknown })?.$metadata === 'object';

async function getOne(kind: SecretKind, store: SecretStore, name: string, options: Options): Promise<number> {
  checkSecretName(kind, name);
  const found = await store.get(kind, name);
  if (found === undefined) {
    if (options.default !== undefined) return print(options, { name, value: options.default, where: 'default' });
    return refuser(
      options.json,
      colours(process.stderr).red,
    )(`no ${kind} '${name}' (looked in ${store.lookedIn(kind, name)})`);
  }
  if (kind === 'variable') return print(options, { name, value: found.text, where: found.where });
  const connection = parseConnection(name, found.text, found.where);
  const shown = options.reveal === true ? connection : masked(connection);
  if (options.json === true) {
    printJson({ ...shown, where: found.where });
    return EXIT.ok;
  }
  const { id, extra, ...fields } = shown;
  console.log(colours().dim(`${id} (${found.where})`));
  for (const [field, value] of Object.entries(fields)) console.log(`${field}: ${value}`);
  if (Object.keys(extra).length > 0) console.log(`extra: ${JSON.stringify(extra)}`);
  return EXIT.ok;
}

function print(options: Options, entry: { name: string; value: string; where: string }): number {
  if (options.json === true) printJson(entry);
  else console.log(entry.value);
  return EXIT.ok;
}

/** A connection as shown without --reveal: its password and sensitive extra fields masked, as Airflow's UI does. */
function masked(connection: Connection): Connection {
  const extra = Object.fromEntries(
    Object.entries(connection.extra).map(([key, value]) => [key, isSensitiveName(key) ? MASK : value]),
  );
  return { ...connection, ...(connection.password !== undefined ? { password: MASK } : {}), extra };
}

async function setOne(
  kind: SecretKind,
  store: SecretStore,
  name: string,
  value: string,
  options: Options,
): Promise<number> {
  checkSecretName(kind, name);
  // A connection is checked and stored in Airflow's JSON form, whichever form it was given in.
  const text =
    kind === 'variable' ? value : JSON.stringify(storedConnection(parseConnection(name, value, 'the value given')));
  const where = await store.set(kind, name, text);
  if (options.json === true) printJson({ name, where, changed: true });
  else console.log(`${colours().green('set')} ${kind} ${name} in ${where}`);
  return EXIT.ok;
}

async function listAll(kind: SecretKind, store: SecretStore, options: Options): Promise<number> {
  const entries = await store.list(kind);
  if (options.json === true) {
    printJson(entries);
    return EXIT.ok;
  }
  if (entries.length === 0) console.log(colours().dim(`no ${kind}s in ${store.place}`));
  const width = Math.max(0, ...entries.map((entry) => entry.name.length));
  for (const entry of entries) console.log(`${entry.name.padEnd(width)}  ${colours().dim(entry.where)}`);
  return EXIT.ok;
}

async function deleteOne(kind: SecretKind, store: SecretStore, name: string, options: Options): Promise<number> {
  checkSecretName(kind, name);
  const deleted = await store.delete(kind, name);
  if (options.json === true) printJson({ name, deleted });
  else if (deleted) console.log(`${colours().yellow('deleted')} ${kind} ${name} from ${store.place}`);
  else console.log(colours().dim(`no ${kind} '${name}' in ${store.place}: nothing deleted`));
  return EXIT.ok;
}
