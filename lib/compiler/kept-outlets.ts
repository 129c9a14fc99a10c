import type { AslState, ChoiceState } from './asl-types.ts';

/**
 * A cleared run's kept `empty` task must not record its asset events again. A code task's event id holds its try
 * number, which a kept instance answers unchanged, so the trigger finds its events already recorded; an empty
 * task has no try number and its id is the execution's, new in every execution of the run. So the clear lists the
 * kept empty tasks with outlets (`ctx.clear.outletsRecorded`, by payload key) and a Choice before their outlets
 * state passes it by for them: one state more on such a task's success path, none on any other task's.
 */

/** Where the Choice is: `<task>:outlets_recorded?`. */
export const KEPT_OUTLETS_SUFFIX = ':outlets_recorded?';

/** The path that is present when the clear kept the task: `$.ctx.clear.outletsRecorded.<key>`. */
export const keptOutletsPath = (key: string): string => `$.ctx.clear.outletsRecorded.${key}`;

/**
 * Adds the Choice in front of `outletsState` (and, when the task's success ends its branch, a Pass that ends it
 * for the kept case); returns the Choice's name, where the task's success must now lead.
 */
export function keptOutletsChoice(
  key: string,
  taskStateName: string,
  outletsState: string,
  next: string,
  add: (name: string, state: AslState) => void,
  end: (target: string) => Record<string, unknown>,
): string {
  const name = `${taskStateName}${KEPT_OUTLETS_SUFFIX}`;
  let passBy = next;
  if (!('Next' in end(next))) {
    // A Choice's rule names a state: a kept task whose success ends the branch goes through one that ends it.
    passBy = `${taskStateName}:outlets_recorded`;
    add(passBy, { Type: 'Pass', ...end(next) } as AslState);
  }
  const choice: ChoiceState = {
    Type: 'Choice',
    Choices: [{ Variable: keptOutletsPath(key), IsPresent: true, Next: passBy }],
    Default: outletsState,
  };
  add(name, choice);
  return name;
}
