import { AirstepError } from '../errors/airstep-error.ts';
import type { UiActionAnswer, UiConfProblem, UiDagsAnswer, UiGridAnswer, UiLogAnswer, UiRunAnswer } from './api.ts';

/** The token this start of `airstep ui` made: the server put it in the page, every API call sends it. */
const token = document.querySelector<HTMLMetaElement>('meta[name="airstep-token"]')?.content ?? '';

async function call<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'x-airstep-token': token, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const answer = (await response.json()) as T & { error?: string; ok?: boolean };
  // Refused actions answer 400 with the CLI's reason: the caller shows it. Anything else not OK is an error.
  if (!response.ok && answer.ok !== false) {
    throw new AirstepError(answer.error ?? `HTTP ${response.status}`, { code: 'UI_API' });
  }
  return answer;
}

const dagPath = (dagId: string) => `/api/dags/${encodeURIComponent(dagId)}`;
const runPath = (dagId: string, runId: string) => `${dagPath(dagId)}/runs/${encodeURIComponent(runId)}`;

export const api = {
  dags: () => call<UiDagsAnswer>('/api/dags'),
  grid: (dagId: string, runs: number) => call<UiGridAnswer>(`${dagPath(dagId)}/grid?runs=${runs}`),
  run: (dagId: string, runId: string) => call<UiRunAnswer>(runPath(dagId, runId)),
  log: (dagId: string, runId: string, taskId: string, mapIndex: number, tryNumber: number) =>
    call<UiLogAnswer>(
      `${runPath(dagId, runId)}/log?task=${encodeURIComponent(taskId)}&mapIndex=${mapIndex}&try=${tryNumber}`,
    ),
  checkConf: (dagId: string, conf: Record<string, unknown>) =>
    call<{ problems: UiConfProblem[] }>(`${dagPath(dagId)}/check-conf`, { conf }),
  trigger: (dagId: string, conf: Record<string, unknown>, logicalDate: string) =>
    call<UiActionAnswer>(`${dagPath(dagId)}/trigger`, { conf, ...(logicalDate !== '' ? { logicalDate } : {}) }),
  clear: (dagId: string, runId: string, taskId?: string) =>
    call<UiActionAnswer>(`${runPath(dagId, runId)}/clear`, taskId !== undefined ? { taskId } : {}),
  mark: (dagId: string, runId: string, taskId: string, mapIndex: number, state: 'success' | 'failed') =>
    call<UiActionAnswer>(`${runPath(dagId, runId)}/mark`, { taskId, mapIndex, state }),
  pause: (dagId: string, paused: boolean) => call<UiActionAnswer>(`${dagPath(dagId)}/pause`, { paused }),
};
